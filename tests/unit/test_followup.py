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


@pytest.mark.parametrize(
    ("follow_up", "rewritten", "problem"),
    [
        ("And on what day?", "On Thursday, Trump will meet Xi Jinping in Busan.", "not a question"),
        ("And on what day?", "Where will Trump meet Xi Jinping?", "lost the question word"),
        ("And on what day?", "On what date will Trump meet Xi Jinping?", "lost day"),
        ("And on what day?", "On what day will Trump meet Xi Jinping?", ""),
        ("What tariff did he threaten?", "What tariff did Trump threaten?", ""),
        ("What about Portugal?", "Which cities will she visit on her tour of Portugal?", ""),
        ("And what about Japan?", "Where will the finance ministers meet?", "lost japan"),
        ("When will it be complete?", "When will the wind farm be completed?", ""),
        ("How much will it pay?", "How much will it pay?", "unchanged"),
    ],
)
def test_a_rewrite_must_stay_the_follow_ups_question(follow_up, rewritten, problem):
    from qa.followup import rewrite_problem

    found = rewrite_problem(follow_up, rewritten)
    assert found.startswith(problem) and bool(found) == bool(problem)


def test_a_rewrite_that_answers_instead_falls_back_to_both_questions(container, llm):
    turns = [("Where will Trump meet Xi Jinping?", "In Busan on Thursday [1].")]
    llm.replies = ["On Thursday, Trump will meet Xi Jinping in Busan, South Korea."]
    out = container.rewriter.rewrite("And on what day?", turns)
    assert out == 'And on what day? (follow-up to: "Where will Trump meet Xi Jinping?")'


def test_a_follow_ups_earlier_citations_compete_in_its_ranking(container, llm):
    from index.types import Article
    from qa.followup import earlier_passages

    meeting = Article(
        title="Leaders to meet",
        text="The two presidents will meet in Busan. The talks are planned for Thursday.",
        article_id="meet",
    )
    others = [
        Article(title=f"Ferry {n}", text=f"The day ferry number {n} sails at noon each day.")
        for n in range(4)
    ]
    for article in (meeting, *others):
        container.ingestor.add(article)
    retriever = container.answerer.retriever
    first = retriever.passages("Where will the presidents meet?", 1)
    assert first[0].article_id == "meet"
    turns = [("Where will the presidents meet?", "In Busan [1].", [first[0].chunk_id])]
    also = earlier_passages("And on what day?", turns)
    assert also == [first[0].chunk_id]
    alone = [p.article_id for p in retriever.passages("And on what day?", 3)]
    helped = [p.article_id for p in retriever.passages("And on what day?", 3, also=also)]
    assert "meet" not in alone  # "day" alone finds the ferries
    assert "meet" in helped  # the earlier citation competes with them
    assert earlier_passages("Who won the 2022 World Cup final in Qatar?", turns) == []


@pytest.mark.parametrize(
    ("rewritten", "problem"),
    [
        ("Which company was Ramesh Balwani a top executive for?", ""),
        ("Which company was he a top executive for, exactly?", "lost the subject"),
        ("Which company was Elizabeth Holmes a top executive for?", "lost the subject"),
    ],
)
def test_a_rewrite_names_what_the_follow_up_points_back_to(rewritten, problem):
    from qa.followup import rewrite_problem

    context = "Who is Ramesh Balwani? Balwani was convicted of fraud on Thursday [1]."
    follow_up = "Which company was he a top executive for?"
    assert rewrite_problem(follow_up, rewritten, context) == problem


def test_a_follow_up_over_the_question_cap_never_reaches_the_model(container, llm):
    from qa.errors import QuestionError

    limit = container.settings.max_question_chars
    with pytest.raises(QuestionError, match=f"at most {limit:,} can be asked"):
        container.rewriter.rewrite("And what about " + "Japan " * limit + "?", TURNS)
    assert llm.prompts == []


def test_turns_from_a_client_are_bounded_and_the_fallback_keeps_the_cap(container, llm):
    """An API caller sends its own turns: huge ones are shortened, the fallback search text
    (the follow-up and the question before it) stays within the question cap."""
    limit = container.settings.max_question_chars
    huge = [("Where will " + "the finance ministers " * 5000 + "meet?", "In Oslo " * 50_000)]
    llm.replies = ["On Monday."]  # an answer, not a question: the fallback is used
    question = "And on what " + "very " * (limit // 10) + "day?"
    out = container.rewriter.rewrite(question, huge)
    assert len(out) <= limit and out.startswith(question + ' (follow-up to: "Where will')
    (prompt,) = llm.prompts
    assert sum(len(m["content"]) for m in prompt) < 3 * limit + 2000
    llm.replies = ["On Monday."]
    longest = "And on what " + "very " * (limit // 5 - 6) + "day?"
    assert container.rewriter.rewrite(longest, huge) == longest  # no room for the other


def test_a_rewrite_that_would_not_fit_the_context_is_not_asked(settings, make_container, llm):
    from ui.settings import Settings

    small = Settings.load({**settings.model_dump(), "max_question_chars": 20_000}, env={})
    llm.context_window = 512
    rewriter = make_container(small).rewriter
    question = "And what about " + "Japan and Korea " * 200 + "?"
    out = rewriter.rewrite(question, TURNS)
    assert llm.prompts == [] and out.startswith(question + " (follow-up to:")
