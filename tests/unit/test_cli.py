"""The command line at its boundary: exit codes and output, with fakes behind it."""

import json

import pytest


@pytest.fixture
def cli(tmp_path, run_cli):
    return lambda *args: run_cli("--data-dir", str(tmp_path / "d"), *args)


@pytest.fixture
def article(tmp_path):
    p = tmp_path / "bridge.txt"
    p.write_text(
        "River bridge opens\nThe river bridge opened on Saturday. It cost 40 million euros."
    )
    return p


def ids(cli):
    return [a["id"] for a in json.loads(cli("list", "--json").output)]


def test_add_list_remove_readd(cli, article):
    first = cli("add", str(article), "--source", "Sample Times", "--date", "2025-05-10")
    assert first.exit_code == 0, first.output
    assert first.output.startswith("added")
    assert "1 added, 0 updated, 0 unchanged, 0 failed" in first.output
    again = cli("add", str(article), "--source", "Sample Times", "--date", "2025-05-10")
    assert again.output.startswith("unchanged")
    (listed,) = json.loads(cli("list", "--json").output)
    assert (listed["source"], listed["published_at"]) == ("Sample Times", "2025-05-10")
    removed = cli("remove", listed["id"])
    assert removed.exit_code == 0 and ids(cli) == []
    assert cli("remove", listed["id"]).exit_code == 1
    assert cli("add", str(article)).output.startswith("added")
    assert len(ids(cli)) == 1


def test_failed_input_sets_exit_code_but_good_ones_are_indexed(cli, article, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"Cafe news\nThe caf\xe9 opened.")
    result = cli("add", str(article), str(bad), str(tmp_path / "missing.md"))
    assert result.exit_code == 1
    assert f"failed     {bad}: not valid UTF-8 (byte 0xe9 at line 2)" in result.output
    assert "missing.md: no such file or folder" in result.output
    assert "1 added, 0 updated, 0 unchanged, 2 failed" in result.output
    assert len(ids(cli)) == 1


def test_bad_date_is_a_usage_error(cli, article):
    result = cli("add", str(article), "--date", "yesterday")
    assert result.exit_code == 2 and "not a date" in result.output


def test_ask_json_contract(cli, article, llm):
    cli("add", str(article))
    llm.replies = ["It cost 40 million euros [1]."]
    result = cli("ask", "How much did the river bridge cost?", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) >= {
        "question",
        "answer",
        "refused",
        "citations",
        "timings",
        "prompt_tokens",
        "completion_tokens",
    }
    assert data["refused"] is False
    (c,) = data["citations"]
    assert set(c) == {
        "n",
        "article_id",
        "title",
        "source",
        "published_at",
        "url",
        "passage",
        "start",
        "end",
        "also_in",
    }
    assert c["also_in"] == []  # no other article carries the passage
    assert set(data["timings"]) >= {"retrieve_ms", "first_token_ms", "total_ms"}


def test_ask_is_asked_today_unless_told_otherwise(cli, tmp_path, llm):
    """As in the chat: newer news weighs more, so an old story that matches the question's
    words a little better does not come first; --as-of asks as of another day."""
    old, new = tmp_path / "old.txt", tmp_path / "new.txt"
    old.write_text("Bridge keeper named\nAnna Berg manages the river bridge.")
    new.write_text("New bridge keeper\nBen Ruiz now manages the bridge over the river.")
    cli("add", str(old), "--date", "2019-03-01")
    cli("add", str(new), "--date", "2024-03-01")

    def first(*args):
        """The keeper named in the passage the model reads first."""
        llm.prompts.clear()
        assert cli("ask", "Who manages the river bridge?", *args).exit_code == 0
        prompt = llm.prompts[-1][-1]["content"]
        return prompt.split("Passage [1]:", 1)[1].split()[0]

    assert first() == "Ben"
    assert first("--as-of", "2019-06-01") == "Anna"  # the newer one is yet to come


def test_ask_prints_the_checked_answer_then_lists_sources(cli, article, llm):
    cli("add", str(article))
    llm.replies = ["It cost 40 million euros [1]."]
    out = cli("ask", "How much did the river bridge cost?").output
    assert out.startswith("It cost 40 million euros [1].")
    assert "Sources:\n[1] River bridge opens" in out

    # a sentence the check removes is never printed, not even as a draft
    llm.replies = ["It cost 40 million euros [1]. Zorblat Quux paid 99 million dollars [1]."]
    out = cli("ask", "How much did the river bridge cost?").output
    assert "Zorblat" not in out and out.startswith("It cost 40 million euros [1].")


def test_ask_refusal_is_plain(cli, article):
    cli("add", str(article))
    out = cli("ask", "Chess olympiad winners?").output
    assert out.strip().splitlines()[-1].startswith("The indexed articles don't")
    assert "Sources" not in out


def test_ask_on_empty_index_refuses(cli):
    result = cli("ask", "Anything?", "--json")
    assert result.exit_code == 0 and json.loads(result.output)["refused"] is True
    # in words, with what to do about it
    assert "no article is indexed yet: add some with `newsdesk add" in cli("ask", "Any?").output


def test_empty_question_is_a_usage_error(cli):
    assert cli("ask", "  ").exit_code == 2


def test_folder_add_reports_each_article(cli, tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "a.txt").write_text("A title\nFirst story text.")
    (folder / "b.jsonl").write_text(
        json.dumps({"id": "j1", "title": "J", "text": "Jsonl story."}) + "\n{oops\n"
    )
    result = cli("add", str(folder))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert sum(line.startswith("added") for line in lines) == 2
    assert any(line.startswith("failed") and "b.jsonl line 2" in line for line in lines)


def test_settings_lists_every_variable_with_its_value(cli):
    out = cli("settings").output
    assert "NEWSDESK_TOP_K=4\n    Passages given to the model per question." in out
    assert "NEWSDESK_MIN_SUPPORT=0.5" in out and "NEWSDESK_DATA_DIR=" in out


def test_out_of_range_variable_is_one_line(run_cli, monkeypatch):
    monkeypatch.setenv("NEWSDESK_CHUNK_CHARS", "10")
    result = run_cli("list")
    assert result.exit_code == 2
    assert "chunk_chars" in result.output and "Traceback" not in result.output


def test_a_port_in_use_is_one_line_before_any_work(run_cli):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for command in (["serve"], ["mcp", "--http"]):
            result = run_cli(*command, "--port", str(port))
            assert result.exit_code == 1, result.output
            assert f"cannot serve on 127.0.0.1:{port}: Address already in use" in result.output
            assert "Traceback" not in result.output
            assert len(result.output.strip().splitlines()) == 1
    assert run_cli("serve", "--port", "70000").exit_code == 2  # no such port
    elsewhere = run_cli("serve", "--host", "192.0.2.1", env={"NEWSDESK_ALLOW_OPEN": "1"})
    assert "not an address of this machine" in elsewhere.output  # a documentation address


def test_too_long_question_is_one_line(cli, article):
    cli("add", str(article))
    result = cli("ask", "How much did the bridge cost? " * 100)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "the question is 3,000 characters long; at most 2,000 can be asked" in result.output


ACTIVE = ("\x1b", "\x9b", "\x07", "\u202e", "\x08")


def test_nothing_an_article_holds_acts_on_the_terminal(cli, tmp_path, llm):
    """Titles, outlets and passages reach the terminal without escape sequences: an OSC that
    retitles the window, a CSI that clears the screen, a one-byte C1 CSI, a bidi override."""
    record = {
        "title": "\x1b]0;pwned\x07River \x1b[2Jbridge\u202e opens",
        "source": "Sample\x9b31m Times",
        "text": "The river bridge opened on Saturday.\x1b[1A\x08 It cost 40 million euros.",
        "published_at": "2025-05-10",
    }
    path = tmp_path / "evil.json"
    path.write_text(json.dumps(record))
    added = cli("add", str(path))
    llm.replies = ["It cost 40 million euros [1]."]
    listed = cli("list")
    asked = cli("ask", "How much did the river bridge cost?")
    for out in (added.output, listed.output, asked.output):
        assert not any(c in out for c in ACTIVE), repr(out)
    assert "River bridge opens" in listed.output and "Sample31m Times" in listed.output
    assert "[1] River bridge opens" in asked.output


def test_ask_exports_markdown_and_json_with_the_sources(cli, article, llm):
    cli("add", str(article), "--source", "Sample Times", "--date", "2025-05-10")
    llm.replies = ["It cost 40 million euros [1]."]
    md = cli("ask", "How much did the river bridge cost?", "--format", "md").output
    assert md.startswith("## How much did the river bridge cost?\n\nIt cost 40 million euros [1].")
    assert "**Sources**" in md and "[1] River bridge opens (Sample Times, 2025-05-10)" in md
    assert "    > River bridge opens" in md or "    > The river bridge opened" in md
    llm.replies = ["It cost 40 million euros [1]."]
    data = json.loads(cli("ask", "How much did the river bridge cost?", "--format", "json").output)
    assert data["answer"] == "It cost 40 million euros [1]." and data["citations"][0]["n"] == 1
