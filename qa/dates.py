"""Time in a question: relative expressions ("last week", "yesterday", "in March", "this
year") resolved against the as-of date into the period the question is about."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from index.language import AHEAD, NOW, PRESENT, asked_sentence

from .errors import QuestionError

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS |= {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m and m != "May"}
_DAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)}
_UNITS = {"day": 1, "week": 7, "month": 30, "year": 365}
_NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10}

_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAY = "|".join(_DAYS)
_COUNT = r"\d{1,3}|" + "|".join(_NUMBERS)
_PATTERNS = [
    ("today", re.compile(r"\b(?:today|tonight|this (?:morning|afternoon|evening))\b")),
    ("yesterday", re.compile(r"\byesterday\b")),
    ("ago", re.compile(rf"\b({_COUNT}) (day|week|month|year)s? ago\b")),
    ("past", re.compile(rf"\b(?:past|last|previous) ({_COUNT}) (day|week|month|year)s?\b")),
    ("this", re.compile(r"\bthis (week|month|year)\b")),
    ("last", re.compile(r"\b(?:last|past|previous) (week|month|year)\b")),
    ("weekday", re.compile(rf"\b(?:on |last |this )?({_DAY})\b")),
    (
        "month_day",
        re.compile(rf"\b(?:on )?({_MONTH})\.? (\d{{1,2}})(?:st|nd|rd|th)?\b(?!,? \d{{4}})"),
    ),
    (
        "month",
        re.compile(rf"\b(?:in|during|since|early|late|mid-?) ({_MONTH})\b(?: of)?(?: (\d{{4}}))?"),
    ),
    ("year", re.compile(r"\b(?:in|during|of|since) ((?:19|20)\d\d)\b")),
]


@dataclass(frozen=True)
class Period:
    """The dates a question is about (inclusive) and the words that said so."""

    start: date
    end: date
    phrase: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def period_of(question: str, as_of: date | None) -> Period | None:
    """The period a relative date expression in the question names, counted back from the
    as-of date; None when the question names none (or there is no as-of date). The first
    expression found wins; a period never ends after the as-of date."""
    if as_of is None:
        return None
    text = question.lower()
    ahead = AHEAD.search(text)
    found = []
    for kind, pattern in _PATTERNS:
        if ahead and kind in ("weekday", "month_day", "month"):
            continue  # "will meet on Thursday": a day to come, not one to search back for
        for m in pattern.finditer(text):
            period = _resolve(kind, m, as_of)
            if period is not None:
                found.append((m.start(), period))
    if not found:
        return None
    _, period = min(found, key=lambda pair: pair[0])
    phrase = question[text.find(period.phrase) :][: len(period.phrase)]
    return Period(period.start, min(period.end, as_of), phrase or period.phrase)


def _resolve(kind: str, m: re.Match, d: date) -> Period | None:
    phrase = m.group(0).strip()
    if kind == "today":
        return Period(d, d, phrase)
    if kind == "yesterday":
        return Period(d - timedelta(1), d - timedelta(1), phrase)
    if kind in ("ago", "past"):
        count = int(m.group(1)) if m.group(1).isdigit() else _NUMBERS[m.group(1)]
        span = timedelta(count * _UNITS[m.group(2)])
        if kind == "past":
            return Period(d - span, d, phrase)
        slack = timedelta(max(1, _UNITS[m.group(2)] // 2))  # "two weeks ago": around then
        return Period(d - span - slack, d - span + slack, phrase)
    if kind == "this":
        unit = m.group(1)
        if unit == "week":  # as a weekly news quiz means it: the seven days to the date
            return Period(d - timedelta(6), d, phrase)
        if unit == "month":
            return Period(d.replace(day=1), d, phrase)
        return Period(date(d.year, 1, 1), d, phrase)
    if kind == "last":
        unit = m.group(1)
        if unit == "week":
            monday = d - timedelta(d.weekday())
            return Period(monday - timedelta(7), monday - timedelta(1), phrase)
        if unit == "month":
            end = d.replace(day=1) - timedelta(1)
            return Period(end.replace(day=1), end, phrase)
        return Period(date(d.year - 1, 1, 1), date(d.year - 1, 12, 31), phrase)
    if kind == "weekday":
        back = (d.weekday() - _DAYS[m.group(1)]) % 7
        day = d - timedelta(back)
        return Period(day, day, phrase)
    if kind == "month_day":
        month, day_n = _MONTHS[m.group(1)], int(m.group(2))
        year = d.year if (month, day_n) <= (d.month, d.day) else d.year - 1
        try:
            day = date(year, month, day_n)
        except ValueError:
            return None
        return Period(day, day, phrase)
    if kind == "month":
        month = _MONTHS[m.group(1)]
        year = int(m.group(2)) if m.group(2) else (d.year if month <= d.month else d.year - 1)
        last = calendar.monthrange(year, month)[1]
        return Period(date(year, month, 1), date(year, month, last), phrase)
    if kind == "year":
        year = int(m.group(1))
        return Period(date(year, 1, 1), date(year, 12, 31), phrase) if year <= d.year else None
    return None  # pragma: no cover


def time_sensitive(question: str, as_of: str = "") -> bool:
    """The answer depends on when it is asked: the question names a time or asks what is
    latest, current, so now ("Who is the UK prime minister?"), still so, or to come."""
    try:
        day = date.fromisoformat(as_of[:10]) if as_of else date.today()
    except ValueError:
        day = date.today()
    return (
        bool(NOW.search(question) or PRESENT.search(asked_sentence(question)))
        or period_of(question, day) is not None
    )


def as_of_date(text: str | None, today: date | None = None) -> str:
    """An as-of date as typed (YYYY-MM-DD; blank: today), as YYYY-MM-DD. Raises QuestionError
    naming the text when it is not a date."""
    text = (text or "").strip()
    if not text:
        return (today or date.today()).isoformat()
    try:
        return date.fromisoformat(text[:40]).isoformat()
    except ValueError:
        raise QuestionError(f"as-of date {text[:40]!r}: not a date (YYYY-MM-DD)") from None


def long_date(iso: str) -> str:
    """ "2025-10-27" as "27 October 2025" (other text as it is)."""
    try:
        day = date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"
