"""Stories and templates at ingest, and retrieval that fills its slots with different evidence."""

import json

from index.stories import StoryIndex, decode, encode, shingles, signature, template_reason
from index.types import Article

SIGN_UP = (
    "We will use the details you have shared to manage your registration. You agree to the "
    "processing of this information as described in our Privacy Policy. Would you like to "
    "receive the Daily Digest newsletter? The newsletter gives you a daily round-up. "
    "If you wish to object to the use of your data in this way, please tick here. "
    "The site belongs to Example Media."
)
PRIVACY_NEWS = (
    "Regulators fined the streaming company 40 million euros on Tuesday. The company changed "
    "its privacy policy last year without telling users, the regulator said. Its shares fell "
    "4 percent in early trading. The company said it would appeal the decision in court. "
    "Analysts expect the appeal to take at least two years."
)
WIRE = (
    "Flood waters rose along the Lowen river on Monday, forcing 3,000 residents of Marsh Town "
    "to leave their homes. The mayor, Ilse Brandt, said the town hall would shelter families "
    "overnight. Rescue teams from three districts reached the town by boat before noon. "
    "Forecasters expect more rain on Wednesday, and the river may crest at seven metres. "
    "Schools across the district will stay closed until the water falls."
)
ABOUT = (
    "Harbour Weekly is an independent publication covering the coast since 1987. Our "
    "reporters live in the towns they cover. Tips and letters reach the desk by post. "
    "Back issues are kept at the county library for reading."
)
OTHER = (
    "The bakery on Mill Lane opened a second shop on Friday. Its owner, Mara Venn, said bread "
    "prices would stay the same this winter. The new shop opens at seven every morning."
)


def test_a_sign_up_page_is_not_an_article_and_news_about_privacy_is():
    assert "not an article" in template_reason(SIGN_UP)
    assert template_reason(PRIVACY_NEWS) == ""
    assert template_reason(WIRE) == ""


def test_a_signature_reads_back_as_it_was_written():
    sig = signature(shingles(WIRE))
    assert decode(encode(sig)) == sig
    assert decode("not a signature") is None


def test_a_sign_up_page_is_refused_at_ingest_with_the_reason(container):
    outcome = container.ingestor.add(Article("Budget talks stall", SIGN_UP, "Example"))
    assert outcome.status == "refused"
    assert outcome.line().startswith("refused") and "sign-up, cookie or paywall" in outcome.line()
    assert container.store.count_articles() == 0


def test_wire_copies_are_one_story_and_fill_one_slot_naming_every_outlet(container):
    edited = WIRE.replace("on Monday", "on Monday morning").replace("Schools", "All schools")
    first = container.ingestor.add(Article("Floods in Marsh Town", WIRE, "Coast Wire"))
    second = container.ingestor.add(Article("Marsh Town floods", edited, "Valley Post"))
    third = container.ingestor.add(Article("Bakery", OTHER, "Town Crier"))
    assert [o.status for o in (first, second, third)] == ["added"] * 3
    stories = {a.article_id: a.story for a in container.store.list_articles()}
    assert stories[second.article_id] == stories[first.article_id] == first.article_id
    assert stories[third.article_id] == third.article_id
    passages = container.retriever.passages("How many residents left Marsh Town?", top_k=4)
    flood = [p for p in passages if "Marsh Town" in p.text]
    assert len(flood) == 1  # one slot for the story, not one per outlet
    (also,) = flood[0].also_in
    assert {also.source, flood[0].source} == {"Coast Wire", "Valley Post"}


def test_the_story_index_is_rebuilt_from_the_records(container, settings, make_container):
    first = container.ingestor.add(Article("Floods in Marsh Town", WIRE, "Coast Wire"))
    again = make_container(settings)  # another process over the same index
    copy = again.ingestor.add(Article("Marsh Town floods", WIRE + " More soon.", "Valley Post"))
    assert again.store.get_article(copy.article_id).story == first.article_id


def test_another_writers_articles_are_read_since_the_last_sync_not_all_again(
    container, settings, make_container, monkeypatch
):
    monkeypatch.setattr("index.ingest.SYNC_SLACK_S", 0.0)  # no write is under way here
    container.ingestor.add(Article("Bakery", OTHER, "Town Crier"))
    again = make_container(settings)  # another process over the same index
    again.ingestor.add(Article("Harbour", ABOUT, "Harbour Weekly"))  # first sync: every record
    first = container.ingestor.add(Article("Floods in Marsh Town", WIRE, "Coast Wire"))
    asked = []
    records = again.store.story_records
    monkeypatch.setattr(
        again.store, "story_records", lambda since=None: asked.append(since) or records(since)
    )
    copy = again.ingestor.add(Article("Marsh Town floods", WIRE + " More soon.", "Valley Post"))
    assert again.store.get_article(copy.article_id).story == first.article_id
    assert len(asked) == 1 and asked[0] is not None  # only what was written since
    assert len(list(records(since=asked[0]))) < container.store.count_articles()
    container.store.remove(first.article_id)  # removed elsewhere: read every record again
    again.ingestor.add(Article("Bakery again", OTHER + " Fresh loaves.", "Town Crier"))
    assert asked[-1] is None


def test_the_same_text_under_many_titles_of_one_site_is_a_template_kept_out(container):
    url = "https://harbour.example/{}"
    outcomes = [
        container.ingestor.add(
            Article(title, ABOUT, "Harbour Weekly", url=url.format(n), article_id=f"h{n}")
        )
        for n, title in enumerate(["Ferry fares rise", "Storm closes pier", "New lifeboat"])
    ]
    assert [o.status for o in outcomes] == ["added", "added", "refused"]
    assert "template" in outcomes[2].reason and "harbour.example" in outcomes[2].reason
    kept = {a.article_id: a.kept_out for a in container.store.list_articles()}
    assert all("template" in kept[o.article_id] for o in outcomes[:2])  # shown in the Library
    container.ingestor.add(Article("Bakery", OTHER, "Town Crier"))
    passages = container.retriever.passages("Who covers the coast since 1987?", top_k=4)
    assert passages and all("Harbour Weekly is" not in p.text for p in passages)


def test_one_site_repeating_an_article_under_two_titles_is_not_a_template(container):
    url = "https://post.example/{}"
    outcomes = [
        container.ingestor.add(
            Article(t, WIRE, "Valley Post", url=url.format(n), article_id=f"v{n}")
        )
        for n, t in enumerate(["Floods", ""])
    ]
    assert [o.status for o in outcomes] == ["added", "added"]


def test_an_updated_article_is_not_grouped_with_its_old_version():
    index = StoryIndex(lambda _: WIRE)
    index.place("a1", "Floods", "", "Coast Wire", WIRE)
    index.added("a1")
    again = index.place("a1", "Floods", "", "Coast Wire", WIRE + " Updated.")
    assert again.story == "a1" and not again.refused


def test_the_command_line_refuses_a_template_and_lists_the_stories(tmp_path, run_cli):
    def cli(*args):
        return run_cli("--data-dir", str(tmp_path / "d"), *args)

    files = []
    for name, title, text in [
        ("a.txt", "Floods in Marsh Town", WIRE),
        ("b.txt", "Marsh Town floods", WIRE + " The river fell on Friday."),
        ("c.txt", "Budget talks stall", SIGN_UP),
    ]:
        (tmp_path / name).write_text(f"{title}\n{text}")
        files.append(str(tmp_path / name))
    added = cli("add", *files)
    assert added.exit_code == 0, added.output  # a refused page is not a failure
    assert "2 added, 0 updated, 0 unchanged, 1 refused, 0 failed" in added.output
    assert "refused" in added.output and "c.txt: not an article" in added.output
    listed = cli("stories").output
    assert "2 articles" in listed and "Floods in Marsh Town" in listed
    assert "1 stories of several articles" in listed
    rows = {r["title"]: r for r in json.loads(cli("list", "--json").output)}
    assert rows["Floods in Marsh Town"]["story"] == rows["Marsh Town floods"]["story"] != ""


def test_the_library_shows_stories_and_what_is_kept_out(container):
    from ui.app import ChatService

    url = "https://harbour.example/{}"
    for n, title in enumerate(["Ferry fares rise", "Storm closes pier", "New lifeboat"]):
        container.ingestor.add(
            Article(title, ABOUT, "Harbour Weekly", url=url.format(n), article_id=f"h{n}")
        )
    rows = ChatService(container).library()
    assert len(rows) == 2 and all("template" in r[6] for r in rows)
    assert ChatService(container).library("harbour weekly")  # filter by outlet still works


def test_copies_in_one_batch_find_each_other_and_a_failed_write_is_forgotten():
    index = StoryIndex(lambda _: "")
    assert index.place("a1", "Floods", "", "Coast Wire", WIRE).story == "a1"
    assert index.place("a2", "Floods", "", "Valley Post", WIRE).story == "a1"  # a1 unwritten
    index.forget("a1")
    index.forget("a2")
    assert len(index) == 0
    assert index.place("a3", "Floods", "", "Valley Post", WIRE).story == "a3"


def test_a_batch_of_copies_is_grouped_at_ingest(container):
    outcomes = list(
        container.ingestor.add_many(
            [
                (Article(f"Floods {n}", WIRE, f"Outlet {n}", article_id=f"w{n}"), "")
                for n in range(3)
            ]
        )
    )
    assert [o.status for o in outcomes] == ["added"] * 3
    assert {a.story for a in container.store.list_articles()} == {"w0"}
