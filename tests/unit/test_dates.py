"""Relative dates in a question, resolved against the as-of date."""

from datetime import date

import pytest

from qa.dates import as_of_date, long_date, period_of, time_sensitive
from qa.errors import QuestionError

MONDAY = date(2025, 10, 27)


@pytest.mark.parametrize(
    ("question", "start", "end"),
    [
        ("What happened yesterday?", "2025-10-26", "2025-10-26"),
        ("Who resigned today?", "2025-10-27", "2025-10-27"),
        ("Which team won this week?", "2025-10-21", "2025-10-27"),
        ("Who won the vote last week?", "2025-10-20", "2025-10-26"),
        ("What did the minister say in March?", "2025-03-01", "2025-03-31"),
        ("What did the minister say in November?", "2024-11-01", "2024-11-30"),
        ("What was agreed in March 2024?", "2024-03-01", "2024-03-31"),
        ("How much did prices rise last month?", "2025-09-01", "2025-09-30"),
        ("How many storms were there this year?", "2025-01-01", "2025-10-27"),
        ("What was announced last year?", "2024-01-01", "2024-12-31"),
        ("What happened on Friday?", "2025-10-24", "2025-10-24"),
        ("What was said on October 3rd?", "2025-10-03", "2025-10-03"),
        ("Which bills passed in the past two weeks?", "2025-10-13", "2025-10-27"),
        ("What was decided in 2023?", "2023-01-01", "2023-12-31"),
    ],
)
def test_relative_expressions_become_periods(question, start, end):
    period = period_of(question, MONDAY)
    assert period is not None
    assert (period.start.isoformat(), period.end.isoformat()) == (start, end)
    assert period.phrase.lower() in question.lower()


@pytest.mark.parametrize(
    "question",
    [
        "Where will Trump meet Xi Jinping?",
        "Where will they meet on Thursday?",  # a day to come: nothing to search back for
        "May the council change the plan?",
        "What was decided in 2031?",  # after the as-of date
    ],
)
def test_questions_without_a_past_period(question):
    assert period_of(question, MONDAY) is None


def test_no_as_of_date_no_period():
    assert period_of("What happened yesterday?", None) is None


def test_time_sensitive_questions():
    assert time_sensitive("What is the latest on the strike?", "2025-10-27")
    assert time_sensitive("Who won last week?", "2025-10-27")
    assert time_sensitive("Where will the leaders meet?", "2025-10-27")
    assert not time_sensitive("How much did the bridge cost?", "2025-10-27")
    # what is so now: the articles tell it as of their day
    assert time_sensitive("Who is the UK prime minister?", "2025-10-27")
    assert time_sensitive("The club lost again. Who manages the Angels? Is it Maddon?")
    assert time_sensitive("Does Tesla sell its robot to customers?")
    assert not time_sensitive("Who won the 2018 World Cup final?")


def test_as_of_field():
    assert as_of_date("", today=MONDAY) == "2025-10-27"
    assert as_of_date(" 2025-03-01 ") == "2025-03-01"
    with pytest.raises(QuestionError, match="as-of date 'next week': not a date"):
        as_of_date("next week")
    assert long_date("2025-10-27") == "27 October 2025"
