"""Timelines: the articles on a question or story, oldest first, each with its sentence."""

import json

import pytest

from index.types import Article
from qa.errors import QuestionError

TALKS = [
    (
        "2025-03-10",
        "Talks resume",
        "The weather was mild in the capital. Negotiators for the dock workers union and the "
        "port authority resumed wage talks on Monday after a two-week pause.",
    ),
    (
        "2025-02-20",
        "Dock strike begins",
        "Dock workers at the port of Varna walked out on Thursday. The dock workers union "
        "called the strike after wage talks with the port authority broke down.",
    ),
    (
        "2025-03-25",
        "Deal ends strike",
        "Ships queued outside the harbour for days. The dock workers union and the port "
        "authority agreed a wage deal on Tuesday, ending the strike after five weeks.",
    ),
]
BAKERY = (
    "The bakery on Mill Lane opened a second shop on Friday. Its owner said bread prices "
    "would stay the same this winter."
)


@pytest.fixture
def talks(container):
    for day, title, text in TALKS:
        container.ingestor.add(Article(title, text, "Port News", published_at=day))
    container.ingestor.add(
        Article("Second bakery", BAKERY, "Town Crier", published_at="2025-03-01")
    )
    return container


def test_a_question_gets_its_dated_articles_oldest_first_with_the_sentence_that_matters(talks):
    found = talks.timelines.for_question("What happened in the dock workers wage talks?")
    assert [e.title for e in found.events] == [
        "Dock strike begins",
        "Talks resume",
        "Deal ends strike",
    ]
    first = found.events[0]
    assert "dock workers union" in first.sentence.lower() and "weather" not in first.sentence
    assert first.line().startswith("20 February 2025: Dock strike begins (Port News).")
    assert all(e.title != "Second bakery" for e in found.events)  # not about the question
    assert found.undated == []


def test_an_undated_article_is_listed_apart(talks):
    talks.ingestor.add(
        Article("Union statement", "The dock workers union thanked members for the wage talks.")
    )
    found = talks.timelines.for_question("What happened in the dock workers wage talks?")
    assert [e.title for e in found.undated] == ["Union statement"]
    assert "undated: Union statement" in found.to_markdown()


def test_a_question_over_the_limit_is_refused(talks):
    with pytest.raises(QuestionError, match="characters long"):
        talks.timelines.for_question("dock " * 2000)


def test_the_command_line_prints_a_timeline_as_text_and_json(tmp_path, run_cli):
    def cli(*args):
        return run_cli("--data-dir", str(tmp_path / "d"), *args)

    for n, (day, title, text) in enumerate(TALKS):
        (tmp_path / f"{n}.txt").write_text(f"{title}\n{text}")
        assert cli("add", str(tmp_path / f"{n}.txt"), "--date", day).exit_code == 0
    out = cli("timeline", "What happened in the dock workers wage talks?").output
    assert out.index("20 February 2025") < out.index("10 March 2025") < out.index("25 March 2025")
    data = json.loads(cli("timeline", "dock workers wage talks", "--json").output)
    assert [e["published_at"] for e in data["events"]] == sorted(
        e["published_at"] for e in data["events"]
    )
    assert cli("timeline").exit_code == 2  # neither a question nor a story


def test_a_story_timeline_lists_every_copy_with_its_lead(container):
    text = TALKS[1][2]
    container.ingestor.add(Article("Strike at Varna", text, "Wire", published_at="2025-02-21"))
    first = container.ingestor.add(
        Article("Dock strike", text, "Port News", "2025-02-20", article_id="p1")
    )
    story = container.store.get_article(first.article_id).story
    found = container.timelines.for_story(story)
    assert [e.source for e in found.events] == ["Port News", "Wire"]
    assert found.events[0].sentence == "Dock workers at the port of Varna walked out on Thursday."


def test_the_timeline_tab_shows_the_articles_oldest_first_and_a_bad_date_in_one_line(talks):
    from ui.app import ChatService

    service = ChatService(talks)
    shown = service.timeline("What happened in the dock workers wage talks?")
    assert shown.index("20 February 2025") < shown.index("25 March 2025")
    assert "Dock strike begins" in shown and "<script" not in shown
    assert "nd-error" in service.timeline("dock talks", "not a date")


def test_the_python_api_gives_the_same_timeline(settings, llm, talks):
    from tests.fakes import WordHashEmbedder
    from ui.api import Newsdesk

    nd = Newsdesk(
        settings.data_dir,
        llm=llm,
        embed_model=WordHashEmbedder(),
        refusal_model=settings.refusal_model,
    )
    found = nd.timeline("What happened in the dock workers wage talks?")
    assert [e.title for e in found.events][0] == "Dock strike begins"
    assert "## Timeline" in found.to_markdown()
