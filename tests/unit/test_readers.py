import json
from pathlib import Path

import pytest

from index.readers import expand_paths, read_file

MB = 10**6


def read(path: Path, max_bytes: int = MB):
    return list(read_file(path, max_bytes))


def test_text_file_first_line_is_title(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("Storm hits coast\n\nThe storm reached the coast on Monday.\n", encoding="utf-8")
    (r,) = read(p)
    assert r.error is None
    assert r.article.title == "Storm hits coast"
    assert r.article.text == "The storm reached the coast on Monday."


def test_markdown_front_matter(tmp_path):
    p = tmp_path / "a.md"
    p.write_text(
        "---\ntitle: Bridge opens\nsource: Sample Gazette\ndate: 2025-03-04\n"
        "url: https://example.org/b\n---\n# Ignored heading\nThe bridge opened today.\n"
    )
    (r,) = read(p)
    a = r.article
    assert (a.title, a.source, a.published_at, a.url) == (
        "Bridge opens",
        "Sample Gazette",
        "2025-03-04",
        "https://example.org/b",
    )
    assert a.text.startswith("# Ignored heading")


def test_markdown_heading_title(tmp_path):
    p = tmp_path / "a.md"
    p.write_text("# Rates rise\nThe bank raised rates.")
    assert read(p)[0].article.title == "Rates rise"


def test_json_article_keeps_extra_fields(tmp_path):
    p = tmp_path / "a.json"
    p.write_text(
        json.dumps(
            {
                "id": "x1",
                "title": "T",
                "text": "Body.",
                "author": "Ann",
                "published_at": "2024-01-02T10:00:00Z",
            }
        )
    )
    a = read(p)[0].article
    assert (a.id, a.published_at, a.extra) == ("x1", "2024-01-02", {"author": "Ann"})


def test_jsonl_bad_line_fails_alone(tmp_path):
    p = tmp_path / "a.jsonl"
    good = json.dumps({"id": "g1", "title": "Good", "text": "Fine text."})
    p.write_text(f"{good}\n{{not json\n\n" + json.dumps({"id": "g2", "text": "More."}) + "\n")
    results = read(p)
    assert [r.article.id for r in results if r.article] == ["g1", "g2"]
    (bad,) = [r for r in results if r.error]
    assert bad.origin.endswith("a.jsonl line 2")
    assert "invalid JSON" in bad.error


def test_jsonl_record_without_text(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_text(json.dumps({"id": "n", "title": "No text"}) + "\n[1, 2]\n")
    errors = [r.error for r in read(p)]
    assert "no 'text'" in errors[0]
    assert "expected a JSON object" in errors[1]


def test_html_extracts_main_text(tmp_path):
    p = tmp_path / "a.html"
    body = " ".join(["The council approved the new park budget after a long debate."] * 5)
    p.write_text(
        "<html><head><title>Park budget approved</title>"
        '<meta name="author" content="Jo Reporter"><meta property="article:published_time" '
        'content="2024-05-06"></head><body><nav>Home | News</nav>'
        f"<article><h1>Park budget approved</h1><p>{body}</p></article></body></html>"
    )
    (r,) = read(p)
    assert r.error is None, r.error
    assert r.article.title == "Park budget approved"
    assert "council approved" in r.article.text
    assert "Home | News" not in r.article.text


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\n ", "empty"),
        # blanks to str.strip, not to bytes.strip: a separator control, an ideographic space
        ("separator.jsonl", b"\x1c", "empty"),
        ("wide-blank.json", "\u3000\n".encode(), "empty"),
        ("title-only.txt", b"Just a title\n", "no text"),
        ("binary.txt", b"\x00\x01\x02binary\x00", "binary"),
        ("latin1.txt", "Caf\u00e9 news\nBody text.".encode("latin-1"), "not valid UTF-8"),
        ("broken.json", b'{"title": "x", ', "invalid JSON"),
        ("table.pdf", b"%PDF-1.4", "unsupported file type .pdf"),
        ("bad-date.json", b'{"text": "x", "published_at": "last week"}', "not a date"),
        ("no-text.html", b"<html><body><script>x()</script></body></html>", "no article text"),
    ],
)
def test_bad_inputs_name_the_problem(tmp_path, name, data, message):
    p = tmp_path / name
    p.write_bytes(data)
    (r,) = read(p)
    assert r.article is None
    assert message in r.error
    assert r.origin == str(p)


def test_huge_file_is_refused(tmp_path):
    p = tmp_path / "big.txt"
    p.write_text("Title\n" + "x" * 2000)
    (r,) = read(p, max_bytes=1000)
    assert "over the" in r.error and "limit" in r.error


def test_utf8_bom_and_utf16_are_read(tmp_path):
    p = tmp_path / "bom.txt"
    p.write_bytes("\ufeffTitle\nBody.".encode())
    assert read(p)[0].article.title == "Title"
    q = tmp_path / "u16.txt"
    q.write_bytes("Title\nBody.".encode("utf-16"))
    assert read(q)[0].article.text == "Body."


def test_expand_paths_walks_folders(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("A\nB")
    (tmp_path / "b.md").write_text("A\nB")
    (tmp_path / "skip.pdf").write_text("x")
    (tmp_path / ".hidden.txt").write_text("A\nB")
    got = list(expand_paths([tmp_path, tmp_path / "missing.txt"]))
    assert [(p.name, e) for p, e in got] == [
        ("b.md", None),
        ("a.txt", None),
        ("missing.txt", "no such file or folder"),
    ]


def test_hostile_json_gives_one_line_each(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    (result,) = read_file(deep, 10**7)
    assert result.error == "the JSON is nested too deeply to be an article"
    lines = tmp_path / "lines.jsonl"
    lines.write_text(
        json.dumps({"id": "a", "text": "one\u2028two\u2029three"}, ensure_ascii=False)
        + "\n"
        + json.dumps({"id": {"x": 1}, "text": "t"})
        + "\n"
        + "[" * 50_000
        + "\n"
    )
    ok, bad_id, too_deep = read_file(lines, 10**7)
    assert ok.article.text == "one\u2028two\u2029three"  # U+2028 does not end a record
    assert bad_id.error == "'id' must be a string or a number, not a JSON dict"
    assert too_deep.origin.endswith("line 3") and "nested too deeply" in too_deep.error


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_text_with_or_without_a_byte_order_mark(tmp_path, encoding):
    path = tmp_path / "u16.txt"
    path.write_bytes("Harbour news\nThe ferry resumed on Monday.\n".encode(encoding))
    (result,) = read_file(path, 10**6)
    assert result.article.title == "Harbour news"
    assert result.article.text == "The ferry resumed on Monday."


def test_pages_and_feeds_that_declare_a_legacy_encoding_are_decoded(tmp_path):
    text = "Le café a ouvert à Paris, dit le maire, et il sert du thé “chaud”. " * 4
    feed = (
        '<?xml version="1.0" encoding="windows-1252"?><rss version="2.0"><channel>'
        f"<title>Le Monde</title><item><title>Café</title><description>{text}</description>"
        "</item></channel></rss>"
    )
    (tmp_path / "wire.rss").write_bytes(feed.encode("cp1252"))
    page = (
        '<html><head><meta charset="ISO-8859-1"><title>Thé</title></head><body><article>'
        f"<p>{text}</p></article></body></html>"
    )
    latin = page.replace("“", '"').replace("”", '"').encode("latin-1")
    (tmp_path / "page.html").write_bytes(latin)
    (item,) = read_file(tmp_path / "wire.rss", 10**6)
    assert item.article.title == "Café" and "“chaud”" in item.article.text
    (html,) = read_file(tmp_path / "page.html", 10**6)
    assert html.article and "Le café a ouvert à Paris" in html.article.text
    # a plain file declares nothing: still one clear line
    (tmp_path / "plain.txt").write_bytes("Titre\nLe café".encode("latin-1"))
    (plain,) = read_file(tmp_path / "plain.txt", 10**6)
    assert "save the file as UTF-8" in plain.error
    # an encoding declared but not a legacy text encoding stays refused
    (tmp_path / "seven.rss").write_bytes(feed.replace("windows-1252", "utf-7").encode("cp1252"))
    (seven,) = read_file(tmp_path / "seven.rss", 10**6)
    assert "not valid UTF-8" in seven.error


def test_rss_1_0_feeds_yield_their_items(tmp_path):
    rdf = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://example.org/"><title>RDF Wire</title></channel>
<item rdf:about="https://example.org/a"><title>Harbour reopens</title>
<link>https://example.org/a</link><dc:date>2025-02-03T10:00:00Z</dc:date>
<description>The harbour reopened on Monday after the storm.</description></item>
</rdf:RDF>"""
    (tmp_path / "wire.rss").write_text(rdf)
    (item,) = read_file(tmp_path / "wire.rss", 10**6)
    a = item.article
    assert a.title == "Harbour reopens" and a.source == "RDF Wire"
    assert a.published_at == "2025-02-03" and a.url == "https://example.org/a"


def test_a_feed_that_declares_entities_is_refused(tmp_path):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + "x" * 1000 + '">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        "<rss><channel><item><title>t</title><description>&b;&b;&b;</description>"
        "</item></channel></rss>"
    )
    (tmp_path / "bomb.rss").write_text(bomb)
    (result,) = read_file(tmp_path / "bomb.rss", 10**6)
    assert result.error == "refused: the feed declares XML entities"


def test_extra_fields_of_a_record_are_bounded(tmp_path):
    from index.readers.records import MAX_EXTRA_CHARS, MAX_EXTRA_FIELDS

    record = {"title": "T", "text": "Body text.", "long": "y" * 100_000, "k" * 500: "v"}
    record.update({f"field{i}": i for i in range(1000)})
    (tmp_path / "a.json").write_text(json.dumps(record))
    (result,) = read_file(tmp_path / "a.json", 10**7)
    extra = result.article.extra
    assert len(extra) == MAX_EXTRA_FIELDS and len(extra["long"]) == MAX_EXTRA_CHARS
    assert "k" * 500 not in extra
