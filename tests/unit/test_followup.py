"""Follow-up questions rewritten into standalone ones (scripted model)."""

import pytest

from qa.followup import needs_context

TURNS = [("Where will the finance ministers meet?", "They will meet in Oslo on Monday [1].")]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("And what about Japan?", True),
        ("What did she say about it?", True),
        ("Why?", True),
        ("Who won the 2022 World Cup final in Qatar?", False),
    ],
)
def test_which_questions_need_the_conversation(question, expected):
    assert needs_context(question) is expected


def test_follow_up_is_rewritten_with_the_conversation(container, llm):
    llm.replies = ["Rewritten: When will the finance ministers meet in Oslo?"]
    out = container.rewriter.rewrite("When is that?", TURNS)
    assert out == "When will the finance ministers meet in Oslo?"
    prompt = llm.prompts[0][-1]["content"]
    assert "Where will the finance ministers meet?" in prompt and "[1]" not in prompt
    assert prompt.rstrip().endswith("Rewritten:")


def test_standalone_question_or_first_question_costs_no_model_call(container, llm):
    llm.replies = ["should not be used"]
    rewriter = container.rewriter
    assert rewriter.rewrite("And what about Japan?", []) == "And what about Japan?"
    standalone = "Who won the 2022 World Cup final in Qatar?"
    assert rewriter.rewrite(standalone, TURNS) == standalone
    assert llm.prompts == []


def test_rewrite_that_drops_the_new_subject_keeps_both_questions(container, llm):
    llm.replies = ["Where will the finance ministers meet?"]
    out = container.rewriter.rewrite("And what about Japan?", TURNS)
    assert "Japan" in out and "Where will the finance ministers meet?" in out
