"""Every reader under inputs built to make parsing slow: four times the input must take at
most about four times as long (a quadratic pattern takes sixteen; the bound, eight, leaves
room for a busy machine). Shapes: long runs of what a pattern or a
loop repeats (blank lines after a front-matter fence, comments before a root, many items,
deep JSON, long lines)."""

import pytest

from index.readers import FORMATS, Source, read_data
from tests.reliability import best_of

PROSE = "The council said on Monday that the harbour bridge opens in March. "
ITEM = "<item><title>t</title><description>d</description></item>"
ARTICLE = "<html><body><article><p>" + PROSE * 5 + "</p></article></body></html>"


def _rss(inside: str) -> str:
    return f"<rss><channel>{inside}</channel></rss>"


# suffix -> how to build a hostile input of about n bytes
HOSTILE = {
    ".md": [
        lambda n: "---" + "\n" * n,  # a fence, then blank lines (was quadratic)
        lambda n: "---\n" + "key: value\n" * (n // 11),  # front matter never closed
        lambda n: "---\n" + "---  \n" * (n // 6) + PROSE,
    ],
    ".txt": [lambda n: "\n" * n + "Title\n" + PROSE, lambda n: "Title\n" + PROSE * (n // 68)],
    ".json": [
        lambda n: '{"text": "' + "\\u00e9" * (n // 6) + '"}',
        lambda n: "[" * n,
        lambda n: '{"text": "x", ' + ", ".join(f'"k{i}": "v"' for i in range(n // 12)) + "}",
    ],
    ".jsonl": [lambda n: "\n" * n, lambda n: '{"title": "t", "text": "x"}\n' * (n // 28)],
    ".rss": [
        lambda n: "<!---->" * (n // 7) + _rss(ITEM),
        lambda n: _rss(ITEM * (n // len(ITEM))),
        lambda n: _rss("<item><description>" + "&lt;p&gt;" * (n // 9) + "</description></item>"),
    ],
    ".html": [
        lambda n: "<!---->" * (n // 7) + ARTICLE,
        lambda n: "<html><body>" + "<div>" * (n // 5) + PROSE * 5 + "</body></html>",
    ],
}


def test_every_format_has_hostile_inputs():
    suffixes = {s for f in FORMATS.values() for s in f.suffixes}
    covered = {fmt.name for s in HOSTILE for fmt in FORMATS.values() if s in fmt.suffixes}
    assert covered == set(FORMATS), suffixes


@pytest.mark.parametrize(
    ("suffix", "make"), [(s, m) for s, makes in HOSTILE.items() for m in makes]
)
def test_every_reader_grows_linearly(suffix, make):
    def read(data):
        return lambda: list(read_data(data, Source("hostile" + suffix), suffix=suffix))

    n = 10_000 if suffix == ".md" else 100_000  # main's front matter: 0.5 s at 10,000
    small, large = make(n).encode(), make(4 * n).encode()
    one = best_of(3, read(small))
    four = best_of(3, read(large))
    assert four < 8 * one + 0.05, (one, four)  # quadratic growth would be 16x
