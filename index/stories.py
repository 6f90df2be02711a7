"""Stories and templates: near-duplicate articles (wire copies, syndicated or updated versions
of one report) are grouped at ingest, and a site's template text (a sign-up, cookie or
paywall page scraped in place of the article) is told from news.

Candidates come from MinHash LSH (datasketch), so placing an article costs a few bucket
lookups however large the index, never a scan of every pair; the decision is then taken on
the candidates' exact word shingles, so it does not move with the hash's estimate."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import numpy as np

from . import language
from .types import StoredArticle, normalise_text

# datasketch is imported where it is used: its LSH imports scipy (0.4 s on two cores), which
# a command that writes no article (a server's start on its index, `newsdesk ask`) never needs
if TYPE_CHECKING:
    from datasketch import LeanMinHash

SHINGLE_WORDS = 5  # a shingle: this many words in a row
NUM_PERM = 128  # MinHash permutations (the signature kept with each article)
SEED = 1
SCHEME = "affine32"  # datasketch's hashing of 32-bit values, named so a kept signature reads back
# LSH finds candidates from about this estimated Jaccard similarity, well under the decision's
# line, so that a pair at the line is found whatever the estimate's error (±0.09 at 2 sd)
CANDIDATE_JACCARD = 0.3
SAME_STORY_JACCARD = 0.5  # one story: this share of the two texts' shingles in common
SAME_STORY_CONTAINED = 0.8  # or this share of the shorter one's within the longer one
SAME_TEXT_JACCARD = 0.9  # the same text, near enough (a template repeated by a site)
TEMPLATE_TITLES = 3  # the same text under this many titles of one site: the site's template
TEMPLATE_SHARE = 0.6  # a text this much of whose characters is sign-up/cookie/paywall text
MIN_TEMPLATE_SENTENCES = 2

# what a site says to its reader, not what it reports: sign-up, consent, paywall, blockers
_TEMPLATE = re.compile(
    r"""\b(?:
      newsletters? | unsubscribe | privacy\s+(?:policy|notice)
    | terms\s+(?:of\s+use|and\s+conditions)
    | (?:manage|managing)\s+your\s+(?:\w+\s+)?(?:registration|subscription|preferences|account)
    | you\s+agree\s+to | (?:please\s+)?tick\s+here | sign\s+up\s+(?:for|to)\s+(?:our|the)
    | (?:we|this\s+(?:site|website))\s+uses?\s+cookies | accept\s+(?:all\s+)?cookies
    | cookie\s+(?:settings|preferences|policy)
    | subscribe\s+(?:now\s+)?to\s+(?:continue|keep)\s+reading | already\s+a\s+subscriber
    | subscribers?\s+only | reached\s+your\s+(?:free\s+)?(?:article|story)\s+limit
    | enable\s+javascript | (?:disable|turn\s+off)\s+your\s+ad\s*-?blocker
    | log\s*in\s+to\s+(?:continue|read) | create\s+a\s+free\s+account
    )\b""",
    re.IGNORECASE | re.VERBOSE,
)


def shingles(text: str) -> set[str]:
    """The text's runs of `SHINGLE_WORDS` words (case, spacing and punctuation ignored)."""
    words = re.findall(r"\w+", normalise_text(text))
    if len(words) < SHINGLE_WORDS:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def signature(found: set[str]) -> LeanMinHash:
    from datasketch import LeanMinHash, MinHash

    m = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    m.update_batch([s.encode("utf-8") for s in found])
    return LeanMinHash(m)


def encode(sig: LeanMinHash) -> str:
    """A signature as text, to keep with the article's record."""
    return base64.b64encode(np.asarray(sig.hashvalues, dtype="<u4").tobytes()).decode("ascii")


def decode(text: str) -> LeanMinHash | None:
    """A kept signature; None when it is not one of this release's."""
    from datasketch import LeanMinHash

    try:
        values = np.frombuffer(base64.b64decode(text, validate=True), dtype="<u4")
    except ValueError:
        return None
    if len(values) != NUM_PERM:
        return None
    return LeanMinHash(seed=SEED, hashvalues=values, scheme=SCHEME)


def overlap(a: set[str], b: set[str]) -> tuple[float, float]:
    """Jaccard similarity of two shingle sets, and the share of the smaller one in the other."""
    if not a or not b:
        return 0.0, 0.0
    common = len(a & b)
    return common / len(a | b), common / min(len(a), len(b))


def same_story(a: set[str], b: set[str]) -> bool:
    jaccard, contained = overlap(a, b)
    return jaccard >= SAME_STORY_JACCARD or contained >= SAME_STORY_CONTAINED


def site_of(url: str, source: str) -> str:
    """Who published it: the address's host (without www.), else the outlet's name."""
    host = (urlsplit(url).hostname or "") if url else ""
    host = host.removeprefix("www.")
    return host or " ".join(source.lower().split())


def template_reason(text: str) -> str:
    """Why a text is a site's sign-up, cookie or paywall page rather than news ("" if not):
    most of it (by characters) is sentences that address the reader about the site."""
    spans = language.sentence_spans(text)
    flagged = [(s, e) for s, e, _ in spans if _TEMPLATE.search(text[s:e])]
    total = sum(e - s for s, e, _ in spans)
    if len(flagged) < MIN_TEMPLATE_SENTENCES or not total:
        return ""
    share = sum(e - s for s, e in flagged) / total
    if share < TEMPLATE_SHARE:
        return ""
    return (
        f"not an article: {len(flagged)} of its {len(spans)} sentences are a site's "
        "sign-up, cookie or paywall text"
    )


@dataclass(frozen=True)
class Known:
    """What the story index keeps of an article."""

    story: str
    site: str
    title: str
    kept_out: bool


@dataclass(frozen=True)
class Placement:
    """Where a new article goes: its story (its own id when it starts one), or why it is not
    an article, and earlier copies of the same template to keep out of retrieval."""

    story: str
    signature: str
    refused: str = ""  # not an article: why
    keep_out: tuple[str, ...] = ()  # earlier copies of the template


def _empty_lsh():
    from datasketch import MinHashLSH

    return MinHashLSH(threshold=CANDIDATE_JACCARD, num_perm=NUM_PERM)


class StoryIndex:
    """The LSH index of every article's signature, in memory, built from the records the
    store keeps (`load`), and told of each article written (`added`).

    `text_of(article_id)` gives a stored article's text, for the exact check of a candidate."""

    def __init__(self, text_of) -> None:
        self._text_of = text_of
        self._lsh = _empty_lsh()
        self._known: dict[str, Known] = {}
        self._signatures: dict[str, LeanMinHash] = {}
        # placed, not yet written: their shingles, and what the index held of them before
        self._pending: dict[str, tuple[set[str], tuple[LeanMinHash, Known] | None]] = {}

    def __len__(self) -> int:
        return len(self._known)

    def load(self, records: Iterable[tuple[str, Mapping]]) -> int:
        """Every stored article with a signature (article id, record metadata); returns how
        many had none (written before stories: they are placed when next added)."""
        self._lsh = _empty_lsh()
        self._known.clear()
        self._signatures.clear()
        self._pending.clear()
        return self.update(records)

    def update(self, records: Iterable[tuple[str, Mapping]]) -> int:
        """`load` for records written since the last one (by other writers): each replaces
        what the index held of its article; the rest is kept."""
        missing = 0
        for article_id, meta in records:
            sig = decode(str(meta.get("minhash", "")))
            if sig is None:
                missing += 1
                continue
            self._insert(article_id, sig, _known(meta))
        return missing

    def place(
        self, article_id: str, title: str, url: str, source: str, text: str, judge: bool = True
    ) -> Placement:
        """The article's story, or why it is not an article. A placed article is in the index
        at once (the next one of the same batch may be its copy); call `added` once it is
        written, or `forget` when it is not. `judge=False`: never refused (an article already
        indexed, written again)."""
        mine = shingles(text)
        sig = signature(mine)
        kept = encode(sig)
        reason = template_reason(text) if judge else ""
        if reason:
            return Placement("", kept, refused=reason)
        site = site_of(url, source)
        story, best = article_id, 0.0
        copies: list[str] = []  # the same text under other titles of this site
        for other in self._lsh.query(sig):
            known = self._known.get(other)
            if other == article_id or known is None:
                continue
            theirs = self._pending[other][0] if other in self._pending else None
            if theirs is None:
                stored = self._text_of(other)
                theirs = shingles(stored) if stored else set()
            jaccard, contained = overlap(mine, theirs)
            if jaccard >= SAME_TEXT_JACCARD and known.site == site and known.title != title:
                copies.append(other)
            if (jaccard >= SAME_STORY_JACCARD or contained >= SAME_STORY_CONTAINED) and (
                jaccard > best
            ):
                story, best = known.story or other, jaccard
        titles = {self._known[c].title for c in copies} | {title}
        if judge and len(titles) >= TEMPLATE_TITLES:
            reason = (
                f"not an article: the same text as {len(copies)} other page(s) of {site} "
                "under other titles (the site's template)"
            )
            return Placement("", kept, refused=reason, keep_out=tuple(sorted(copies)))
        # found by the articles placed after it, before it is written (one batch)
        self._pending[article_id] = (mine, self._entry(article_id))
        self._insert(article_id, sig, Known(story, site, title, False))
        return Placement(story, kept)

    def added(self, article_id: str) -> None:
        """The placed article is written."""
        self._pending.pop(article_id, None)

    def forget(self, article_id: str) -> None:
        """The placed article was not written: the index is as before it."""
        _, before = self._pending.pop(article_id, (None, None))
        if article_id in self._known:
            self._lsh.remove(article_id)
            del self._known[article_id]
        if before is not None:
            self._insert(article_id, *before)

    def _entry(self, article_id: str) -> tuple[LeanMinHash, Known] | None:
        if article_id not in self._known:
            return None
        return self._signatures[article_id], self._known[article_id]

    def kept_out(self, article_ids: Iterable[str]) -> None:
        for article_id in article_ids:
            if article_id in self._known:
                k = self._known[article_id]
                self._known[article_id] = Known(k.story, k.site, k.title, True)

    def _insert(self, article_id: str, sig: LeanMinHash, known: Known) -> None:
        if article_id in self._known:
            self._lsh.remove(article_id)
        self._lsh.insert(article_id, sig, check_duplication=False)
        self._known[article_id] = known
        self._signatures[article_id] = sig


def groups(articles: Iterable[StoredArticle]) -> dict[str, list[StoredArticle]]:
    """The stories of more than one article: story id -> its articles, oldest first."""
    found: dict[str, list[StoredArticle]] = {}
    for a in articles:
        found.setdefault(a.story or a.article_id, []).append(a)
    return {
        story: sorted(members, key=lambda a: (a.published_at, a.title))
        for story, members in found.items()
        if len(members) > 1
    }


def _known(meta: Mapping) -> Known:
    return Known(
        str(meta.get("story", "")),
        site_of(str(meta.get("url", "")), str(meta.get("source", ""))),
        str(meta.get("title", "")),
        bool(meta.get("kept_out")),
    )


__all__ = [
    "Placement",
    "StoryIndex",
    "groups",
    "overlap",
    "same_story",
    "shingles",
    "signature",
    "site_of",
    "template_reason",
]
