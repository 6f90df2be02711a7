"""The English the checks read, in one place: words that carry no content, number words, the
word tokeniser, the abbreviation-safe sentence splitter, and the lexicons of modality (plans
and possibilities), outcomes, polarity and question shape.

Keyword search drops `STOPWORDS`; the citation check also drops `CLAIM_STOPWORDS`' reporting
verbs and modals, which say nothing a passage must hold ("said", "would"). `NUMBER_WORDS`
reads spelled numbers as digits, for the citation check and the eval's answer matching alike.
Every pattern here is linear in its input (no nested quantifiers over the same characters)."""

from __future__ import annotations

import re
from collections.abc import Iterable

import Stemmer

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with you your yours yourself yourselves""".split()
)

CLAIM_STOPWORDS = STOPWORDS | {
    "also",
    "could",
    "may",
    "might",
    "said",
    "say",
    "says",
    "would",
    "yes",
}

_UNITS = """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
fifteen sixteen seventeen eighteen nineteen twenty""".split()
_TENS = "thirty forty fifty sixty seventy eighty ninety".split()
NUMBER_WORDS = {w: str(i) for i, w in enumerate(_UNITS)} | {
    w: str(30 + 10 * i) for i, w in enumerate(_TENS)
}
NUMBER_WORDS["hundred"] = "100"
_SCALES = ("hundred", "thousand", "million", "billion", "trillion", "dozen", "half", "percent")


def number_word(word: str, after: str = "") -> str:
    """The digits a number word of two or more stands for ("four" is "4", "twenty-five" is
    "25"), "" for any other word: a count the reply gives must be in its passage, written
    either way. Not "one" (a pronoun as often as a count), nor a word before a scale
    ("two hundred"), whose digits are another number."""
    if after.lower() in _SCALES:
        return ""
    parts = word.lower().split("-")
    if len(parts) == 2 and parts[0] in ("twenty", *_TENS) and parts[1] in _UNITS[1:10]:
        return str(int(NUMBER_WORDS[parts[0]]) + int(NUMBER_WORDS[parts[1]]))
    value = NUMBER_WORDS.get(word.lower(), "") if len(parts) == 1 else ""
    return value if value not in ("", "0", "1", "100") else ""


# A word: letters and digits, with inner dots, commas and apostrophes ("U.S", "1,200",
# "Brazil's"), and the currency and percent signs a figure carries.
WORD = re.compile(r"[\w$%£€]+(?:[.,'’]\w+)*", re.UNICODE)


def words(text: str) -> list[str]:
    """The words of a text, lowercased."""
    return WORD.findall(text.lower())


_STEMMER = Stemmer.Stemmer("english")


# Past forms a stemmer cannot bring home ("won" is not "win"): news reports events in them.
IRREGULAR = {
    past: base
    for base, forms in {
        "win": "won",
        "lose": "lost",
        "meet": "met",
        "hold": "held",
        "take": "took taken",
        "make": "made",
        "sell": "sold",
        "buy": "bought",
        "leave": "left",
        "run": "ran",
        "begin": "began begun",
        "go": "went gone",
        "give": "gave given",
        "find": "found",
        "pay": "paid",
        "strike": "struck",
        "fall": "fell fallen",
        "rise": "rose risen",
        "choose": "chose chosen",
        "sink": "sank sunk",
        "steal": "stole stolen",
        "drive": "drove driven",
        "fly": "flew flown",
        "grow": "grew grown",
        "know": "knew known",
        "tell": "told",
        "say": "said",
        "seek": "sought",
        "catch": "caught",
        "bring": "brought",
        "build": "built",
        "send": "sent",
        "spend": "spent",
        "lead": "led",
        "hit": "hit",
        "shoot": "shot",
        "flee": "fled",
        "freeze": "froze frozen",
        "write": "wrote written",
        "speak": "spoke spoken",
        "break": "broke broken",
        "swear": "swore sworn",
    }.items()
    for past in forms.split()
}


def stems(tokens: Iterable[str]) -> set[str]:
    """English stems of the words ("launched" and "launching" are "launch"; "won" is "win")."""
    words = [t.lower().replace("’", "'") for t in tokens]
    return set(_STEMMER.stemWords([IRREGULAR.get(w, w) for w in words]))


def content_stems(text: str) -> set[str]:
    """Stems of a text's words that carry content: no stopwords, modals or reporting verbs."""
    return stems(w for w in words(text) if w not in CLAIM_STOPWORDS)


# --- sentences ------------------------------------------------------------------------------

# Possessive quantifiers and the look-behind (a match starts only at the first mark of a run)
# keep this linear in the text's length, whatever the punctuation.
_SENTENCE_END = re.compile(r"(?<![.!?…])[.!?…]++[\"'”’)\]]*+(?=\s++[\"'“‘(\[]?[A-Z0-9])")
_PARAGRAPH = re.compile(r"\n\s*\n")
# A dot after one of these does not end a sentence: titles, company and place abbreviations,
# months. Words that also end sentences as words ("no", "mass", "ill") are left out.
ABBREVIATIONS = frozenset(
    """mr mrs ms messrs dr st jr sr prof gov govt sen sens rep reps gen lt col sgt capt cmdr adm
    maj pres supt rev hon fr vs etc inc co corp ltd llc plc bros assn dept univ mt ft ave blvd
    approx est jan feb mar apr jun jul aug sep sept oct nov dec calif fla ariz colo conn mich
    minn tenn wis ky okla nev neb ore u.s u.k u.n u.s.a e.g i.e a.m p.m d.c no""".split()
)
_WORD_BEFORE = re.compile(r"([\w.]+)$")
_LOOKBACK = 40  # longer than any abbreviation: the search never rereads the whole text


def _is_abbreviation(text: str, dot: int) -> bool:
    """The dot at `dot` ends an abbreviation: a listed one, an initial ("J."), or letters
    joined by dots ("U.S.", "N.A.T.O.")."""
    word = _WORD_BEFORE.search(text, max(0, dot - _LOOKBACK), dot)
    if not word:
        return False
    token = word.group(1).lower().rstrip(".")
    if token in ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
        return True
    parts = token.split(".")
    return len(parts) > 1 and all(len(p) == 1 and p.isalpha() for p in parts)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def sentence_spans(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, starts_paragraph) for each sentence; a paragraph break always ends one,
    an abbreviation's dot never does ("Warner Bros. Discovery", "the U.S. Senate")."""
    spans: list[tuple[int, int, bool]] = []
    para_start = 0
    breaks = [m.start() for m in _PARAGRAPH.finditer(text)] + [len(text)]
    for para_end in breaks:
        first = True
        cursor = para_start
        for m in _SENTENCE_END.finditer(text, para_start, para_end):
            if m.group(0).startswith(".") and _is_abbreviation(text, m.start()):
                continue
            span = _trimmed(text, cursor, m.end())
            if span:
                spans.append((*span, first))
                first = False
            cursor = m.end()
        span = _trimmed(text, cursor, para_end)
        if span:
            spans.append((*span, first))
        para_start = para_end
    return spans


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end, _ in sentence_spans(text)]


# Where a sentence turns to another actor: "…, though Trump left the door open", "; the
# company …", "… but the union …".
_CLAUSE_TURN = re.compile(r",\s+(?:though|although|while|but|whereas)\s+|;\s+|\s+but\s+")


def clauses(sentence: str) -> list[str]:
    """A sentence's clauses where it turns from one actor to another (one clause if it
    does not)."""
    return [c for c in _CLAUSE_TURN.split(sentence) if c.strip()]


# --- modality, outcome and polarity -----------------------------------------------------------

# What is planned, expected or possible, not what happened: future and conditional modals,
# plans, expectations, possibility.
MODAL = re.compile(
    r"\b(?:will|won['’]t|would|could|might|shall|is (?:due|set|scheduled|expected|planned"
    r"|going|slated|poised|likely) to|are (?:due|set|scheduled|expected|planned|going|slated"
    r"|poised|likely) to|plans? to|planned|planning|intends? to|intended to|aims? to|aimed at"
    r"|expected|expects?|upcoming|hopes? to|hoped|to be held|is to|are to|was (?:due|set"
    r"|scheduled|expected|intended|planned|going) to|were (?:due|set|scheduled|expected"
    r"|intended|planned|going) to|possible|possibly|potential(?:ly)?|proposed|proposals?"
    r"|considering|weighing|seeks? to|sought to|pledged? to|promised? to|vowed? to"
    r"|guarantee[sd]? to|offer(?:s|ed|ing)? to"
    r"|threaten(?:s|ed)? to|needs? to|would-be|if"
    r"|fac(?:e|es|ing) (?:up to|as (?:many|much) as|a (?:possible|maximum|potential)))\b",
    re.IGNORECASE,
)
_MAY = re.compile(r"\bmay\b")  # lowercase: "May" is also a month

# Words that report what came of something (not "if approved", not "to be held").
OUTCOME = re.compile(
    r"(?<!if )(?<!to be )\b(?:won|lost|beat|defeated|agreed|approved|rejected|voted|signed"
    r"|decided|ruled|reached|ended|concluded|passed|elected|resulted|finished|completed|opened|closed"
    r"|launched|landed|died|killed|arrested|charged|convicted|sentenced|resigned|struck|sealed"
    r"|secured|met|held|took place|happened|occurred)\b",
    re.IGNORECASE,
)

# The same outcomes as verbs of a claim ("Did Carano win her lawsuit?"), in any form.
OUTCOME_STEMS = stems(
    """win lose beat defeat agree approve reject vote sign decide rule reach end conclude pass
    elect result finish complete open close launch land die kill arrest charge convict
    sentence resign strike seal secure meet hold happen occur release settle""".split()
)

# A question about what came of something: an outcome, result, reaction or verdict.
ASKS_OUTCOME = re.compile(
    r"\b(?:outcome|result(?:s|ed)?|conclu(?:de|ded|sion)|end(?:ed)? up|verdict|decided|decision"
    r"|agreed|agreement|react(?:ed|ion)?|respond(?:ed)?|response|happened|won|lost|winner"
    r"|came of|come of|how did .{1,60} (?:go|end))\b",
    re.IGNORECASE,
)

_NEGATIONS = (
    r"not|no|never|neither|nor|none|nothing|fail(?:s|ed)? to|refus(?:e|es|ed) to"
    r"|declin(?:e|es|ed) to|den(?:y|ies|ied)|rul(?:e|es|ed|ing) out"
)
NEGATION = re.compile(rf"\b(?:{_NEGATIONS}|without)\b|n['’]t\b", re.IGNORECASE)
# A clause's own negation: "without parole" negates a noun, not what the clause tells.
_CLAUSE_NEGATION = re.compile(rf"\b(?:{_NEGATIONS})\b|n['’]t\b", re.IGNORECASE)
# Where a sentence's clauses part ("The council has ruled out a vote, though the mayor left
# the door open").
_CLAUSE = re.compile(
    r"[,;:()—–]|\b(?:though|although|but|while|whereas|because|however)\b", re.IGNORECASE
)

# A question about time to come ("will meet on Thursday": a day ahead, not one to search back).
AHEAD = re.compile(r"\b(?:will|next|upcoming|going to|plans? to|scheduled)\b")

# A question whose answer depends on when it is asked.
NOW = re.compile(
    r"\b(?:latest|current(?:ly)?|now|still|so far|yet|recent(?:ly)?|new|newest|next|upcoming"
    r"|will|today|tonight|this (?:week|month|year))\b",
    re.IGNORECASE,
)


# A question about what is so ("Who is the UK prime minister?", "Does Tesla sell robots?"):
# its answer is what the articles said on their day, which may no longer hold
PRESENT = re.compile(
    r"^\W*(?:(?:and|but|so)\s+)?(?:(?:who|whom|whose|what|which|where|how)\b[^?.!]{0,50}?\b"
    r"(?:is|are|has|have|does|do)\b|(?:is|are|has|have|does|do)\b)",
    re.IGNORECASE,
)


def is_modal(sentence: str) -> bool:
    """The sentence speaks of what is planned, expected or possible."""
    return bool(MODAL.search(sentence) or _MAY.search(sentence))


# A condition ("if no deal is reached", "unless a truce is signed", "whether they had agreed")
# up to the end of its clause: an outcome word inside one reports nothing. "If anything" and
# "if so" qualify the verb after them; they are no condition.
_CONDITION = re.compile(r"\b(?:if(?! anything| so\b)|unless|whether)\b[^,;:.]*", re.IGNORECASE)


def reports_outcome(sentence: str) -> bool:
    """The sentence reports what came of something, outside any condition."""
    return bool(OUTCOME.search(_CONDITION.sub(" ", sentence)))


def plan_only(sentence: str) -> bool:
    """The sentence says what was planned or possible and reports no outcome ("Lula won the
    runoff and will take office in January" reports one)."""
    return is_modal(sentence) and not reports_outcome(sentence)


# A year told relative to the article's date ("earlier this year" in a 2022 story is 2022).
_RELATIVE_YEAR = re.compile(r"\b(this|last|next|previous|coming)\s+year\b", re.IGNORECASE)
_YEAR_OFFSET = {"this": 0, "last": -1, "previous": -1, "next": 1, "coming": 1}


def years_meant(text: str, published_at: str) -> set[str]:
    """The years a text names relative to its date, written out: {"2022"} for "earlier this
    year" in an article of 2022-10-27; none for an undated text."""
    if not published_at[:4].isdigit():
        return set()
    year = int(published_at[:4])
    return {str(year + _YEAR_OFFSET[m.group(1).lower()]) for m in _RELATIVE_YEAR.finditer(text)}


# Words of time ("this week") say when, which the as-of date and the articles' dates decide.
TIME_STEMS = stems("today yesterday week month year day days weeks".split())
TOLD_SHARE = 0.75  # of a claim's content words that a sentence must hold to tell it


def told_before_plan(claim: str, sentence: str, asked: str = "") -> bool:
    """Whether a sentence that speaks of a plan tells the claim before it turns to the plan:
    "Rite Aid filed for bankruptcy Sunday and plans to close stores" tells "Rite Aid filed
    for bankruptcy"; "officials say a deal could cut tariffs" tells no deal. `asked`: the
    question a claim answers, whose words it may repeat from elsewhere; then what the claim
    adds to it is what the sentence must tell ("Warnock defeated Herschel Walker in
    Georgia's Senate runoff" for "Whom did Warnock defeat in Georgia's Senate runoff?" is
    told by "With Warnock's defeat of Herschel Walker, Democrats will …")."""
    found = [m.start() for m in (MODAL.search(sentence), _MAY.search(sentence)) if m]
    if not found:
        return True
    wanted = content_stems(claim) - TIME_STEMS
    wanted = (wanted - content_stems(asked)) or wanted
    held = content_stems(sentence[: min(found)])
    return bool(wanted) and len(wanted & held) / len(wanted) >= TOLD_SHARE


def plan_beyond(sentence: str, question: str) -> bool:
    """The sentence only plans or weighs something and the question does not itself ask
    about that plan ("Did he threaten tariffs?" asks of the threat, so "he threatened to
    impose tariffs" answers it; "Did he impose tariffs?" it does not)."""
    if not plan_only(sentence):
        return False
    asked = [w[:5] for w in words(question) if len(w) > 3]
    for m in MODAL.finditer(sentence):
        stem = m.group(0).lower()[:5]
        if len(stem) > 3 and any(stem == w for w in asked):
            return False
    return True


def negated(sentence: str) -> bool:
    return bool(NEGATION.search(sentence))


# What may open a question before its auxiliary or question word: "And did …", "But who …"
_OPENING = r"^\W*(?:(?:and|but|so)\s+)?"

# A question that opens with a negated auxiliary asks the plain claim and expects a yes
# ("Didn't the Astros win the World Series?" is answered as "Did the Astros win …?")
_NEGATIVE_OPENING = re.compile(
    rf"({_OPENING})"
    r"(did|does|do|is|are|was|were|has|have|had|ca|could|wo|would|should)n['’]t\b",
    re.IGNORECASE,
)
_PLAIN_AUXILIARY = {"ca": "can", "wo": "will"}


def plain_claim(question: str) -> str:
    """The question with a negated auxiliary that opens it made plain ("Didn't the Astros
    win?" -> "Did the Astros win?"): the claim it asks. A negation inside it stays ("Did the
    talks not resume?")."""

    def plain(m: re.Match[str]) -> str:
        word = m.group(2)
        said = _PLAIN_AUXILIARY.get(word.lower(), word)
        return m.group(1) + (said.capitalize() if word[0].isupper() else said)

    return _NEGATIVE_OPENING.sub(plain, question, count=1)


def turns_polarity(claim: str, evidence: str) -> bool:
    """Whether a claim tells the opposite of its evidence sentence: a clause of it holds half
    or more of its words (two at least) with the evidence's clause that shares most of
    them, and one of the two clauses is negated and the other not ("The council said it
    would vote on the plan" against "The council has ruled out a vote on the plan, though
    the mayor left the door open"), or holds the opposite of one of its words ("rose" for
    "fell"), or tells as certain what that clause tells as possible ("will oversee" for "may
    oversee")."""
    told = [(c, content_stems(c)) for c in _CLAUSE.split(evidence) if c.strip()]
    if not told:
        return False
    for clause in _CLAUSE.split(claim):
        stems_ = content_stems(clause)
        if len(stems_) < 3:
            continue
        said, said_stems = max(told, key=lambda t: len(stems_ & t[1]))
        shared = len(stems_ & said_stems)
        if shared >= 2 and 2 * shared >= len(stems_):
            if bool(_CLAUSE_NEGATION.search(said)) != bool(_CLAUSE_NEGATION.search(clause)):
                return True
            if opposes(said_stems, stems_):  # "shares rose" where the passage has "fell"
                return True
            if _POSSIBLE.search(said) and not _POSSIBLE.search(clause):
                return True  # "he will oversee the signing" where the passage has "may"
    return False


# What only may be: a passage clause with it does not tell that the thing will be or is
# (not "possible": "made possible by the act" tells that the act passed)
_POSSIBLE = re.compile(r"\bmay\b|\b(?i:might|could|possibly|perhaps|potentially|maybe)\b")


# Words whose pair says the opposite of them: "Harris tested negative" does not tell "Did
# Harris test positive?". Only unambiguous pairs ("close" is also "near").
OPPOSITES = tuple(
    (a, b)
    for x, y in (
        ("positive", "negative"),
        ("win", "lose"),
        ("gain", "lose"),
        ("rise", "fall"),
        ("increase", "decrease"),
        ("approve", "reject"),
        ("acquit", "convict"),
    )
    for a, b in [(*stems([x]), *stems([y]))]
)


def opposes(held: set[str], asked: set[str]) -> bool:
    """Whether a text (`held`: its content stems) holds the opposite of an asked word in its
    place: the opposite without the word itself."""
    return as_asked(held, asked) != held


def as_asked(held: set[str], asked: set[str]) -> set[str]:
    """`held` with the opposite of an asked word, where it stands without the word, read as
    the word: what a text tells once its opposite is turned back ("Argentina lost the final"
    holds "Did Argentina win the final?"'s words, negated)."""
    turned = set(held)
    for a, b in OPPOSITES:
        for word, opposite in ((a, b), (b, a)):
            if word in asked and opposite in held and word not in held:
                turned.add(word)
    return turned


# Words that stand before a name without being part of it ("President Joe Biden").
TITLES = frozenset(
    """mr mrs ms miss dr sir dame lord lady president vice prime minister secretary chancellor
    premier governor gov senator sen representative rep congressman congresswoman mayor king
    queen prince princess pope general gen chief ceo chair chairman chairwoman director
    spokesman spokeswoman officer commander leader speaker former late us u.s uk u.k""".split()
)


# --- questions ------------------------------------------------------------------------------

QUESTION_WORD = re.compile(r"\b(what|which|who|whom|whose|when|where|why|how)\b", re.IGNORECASE)
# A question answered yes or no: it opens with an auxiliary ("Did …", "Has …", "Is it true").
_YES_NO = re.compile(
    rf"{_OPENING}(?:did|does|do|is|are|was|were|has|have|had|will|would|can"
    r"|could|should|shall|may|might|must|wo(?=n['’]t))(?:n['’]t)?\b",
    re.IGNORECASE,
)
# A yes/no question about whether something happened: past or perfect auxiliaries.
_YES_NO_EVENT = re.compile(rf"{_OPENING}(?:did|has|have|had|was|were)(?:n['’]t)?\b", re.IGNORECASE)
_REPLY_VERDICT = re.compile(r"^\W*(yes|no)\b", re.IGNORECASE)


# "Did lions or gorillas escape?": an "or" that offers a choice (not "or not", "or more",
# "true or false").
_CHOICE = re.compile(
    r"(?<=[\w%])[.'’]?,?\s+or\s+(?!(?:not|no|more|less|fewer|so|else|otherwise|later|earlier"
    r"|never|any|anything|something|someone|false|true)\b)(?=[\w$£€])",
    re.IGNORECASE,
)


def _polar(question: str) -> bool:
    """Opens with an auxiliary and asks no question word before its first comma."""
    return bool(_YES_NO.match(question)) and not QUESTION_WORD.search(question.split(",")[0])


def choices(question: str) -> tuple[str, str] | None:
    """The two alternatives of a question that offers a choice, as the question words them
    ("Did lions or gorillas escape?": lions, gorillas; "Did Rite Aid or Walgreens file …":
    Rite Aid, Walgreens), or None. Such a question reads as a yes/no question too ("yes,
    lions did"): the answer that serves both readings names the alternative the articles
    report."""
    spans = _choice_spans(question)
    return (question[slice(*spans[0])], question[slice(*spans[1])]) if spans else None


def frame(question: str) -> str:
    """The question without the alternatives it offers: what it takes as given. Without
    alternatives, the question itself."""
    spans = _choice_spans(question)
    if not spans:
        return question
    (a, b), (c, d) = spans
    return f"{question[:a]} {question[b:c]} {question[d:]}"


_WORD_SPAN = re.compile(r"[\w$£€%][\w$£€%.'’-]*")


def _choice_spans(question: str) -> list[tuple[int, int]]:
    """Where the alternatives stand: the run of content words before the "or" and the first
    one after it. A run of names stays a name ("New York City or Chicago agree": Chicago), up
    to a possessive that starts another; runs of common words are cut to the shorter one
    ("lions or gorillas escape": gorillas; "worth $360 million or $410 million": $360
    million)."""
    if not _polar(question) or not (m := _CHOICE.search(question)):
        return []

    def run(found: list[re.Match], text_of: str) -> list[re.Match]:
        out: list[re.Match] = []
        for w in found:
            text = w.group(0).rstrip(".'’")
            if out:  # a comma or other mark between two words ends the alternative
                a, b = sorted((out[-1], w), key=lambda x: x.start())
                if text_of[a.end() : b.start()].strip(" &"):
                    break
            if _stop(w):
                if out:
                    break
                continue  # "or was he fired": the alternative starts at its first content word
            if out and _name(text) is not None and _name(text) != _kind(out):
                break
            out.append(w)
        return out

    words_before = list(_WORD_SPAN.finditer(question[: m.start() + 1]))[::-1]
    if not words_before or _stop(words_before[0]):  # "Is it or …"
        return []
    before = run(words_before, question)[::-1]
    after = run(list(_WORD_SPAN.finditer(question[m.end() :])), question[m.end() :])
    if not before or not after:
        return []
    if not (_kind(before) and _kind(after)):
        n = min(len(before), len(after))
        before, after = before[-n:], after[:n]
    else:  # "Sanae Takaichi or Shigeru Ishiba Japan's new prime minister": a possessive
        # after a name starts another
        owner = [i for i, w in enumerate(after) if i and w.group(0).endswith(("'s", "’s"))]
        after = after[: owner[0]] if owner else after
    return [
        (before[0].start(), before[-1].end()),
        (m.end() + after[0].start(), m.end() + after[-1].end()),
    ]


def _stop(word: re.Match) -> bool:
    return word.group(0).rstrip(".'’").lower() in CLAIM_STOPWORDS


def _name(word: str) -> bool | None:
    """A capitalised word is a name, a lowercase one is not; a number is either."""
    if word[:1].isupper():
        return True
    return None if word[:1].isdigit() or word[:1] in "$£€" else False


def _kind(run: list[re.Match]) -> bool:
    """Whether a run of words is a name: its first word that says either way."""
    kinds = [k for w in run if (k := _name(w.group(0))) is not None]
    return kinds[0] if kinds else False


def names_choice(question: str, sentence: str) -> bool:
    """Whether a sentence names one of the alternatives the question offers, by a word the
    other lacks ("Five lions escaped" for "Did lions or gorillas escape?"; "a country
    singer" for "a country singer or a rock singer")."""
    return bool(_picks(question, sentence))


def chosen(question: str, sentence: str) -> str | None:
    """The question asked of the one alternative a sentence names: "Did Canada pass the
    bill?" for "Did Canada or New Zealand pass the bill?" and "Canada passed it"; None when
    the question offers no choice or the sentence names both or neither."""
    picks = _picks(question, sentence)
    asked = asked_of(question)
    return asked[picks[0]] if asked and len(picks) == 1 else None


def asked_of(question: str) -> tuple[str, str] | None:
    """The question asked of each alternative it offers ("Did Canada pass the bill?", "Did
    New Zealand pass the bill?"), or None."""
    spans = _choice_spans(question)
    if not spans:
        return None
    (a, b), (c, d) = spans
    return question[:b] + question[d:], question[:a] + question[c:]


def _picks(question: str, sentence: str) -> list[int]:
    """Which alternatives (0: the one before the "or", 1: after it) a sentence names by a
    word the other lacks; [] when the question offers none."""
    spans = _choice_spans(question)
    if not spans:
        return []
    left, right = (stems(words(question[x:y])) for x, y in spans)
    said = stems(words(sentence))
    return [side for side, own in enumerate((left - right, right - left)) if own & said]


def yes_no_question(question: str) -> bool:
    """Answered yes or no: a polar question ("Did …?", "Is it true …?") that offers no choice
    of alternatives."""
    return _polar(question) and choices(question) is None


# A word that puts what follows it among the possibilities ("… that could result in selling
# the franchise"): an outcome word after it names no outcome the question asks for.
_POSSIBLE_BEFORE = re.compile(r"\b(?:could|would|might|may|can|should)\s+(?:\w+\s+)?$", re.I)


# "Who did Trump meet in Kuala Lumpur?": what a past event was (its person, place, thing)
_WH_DID = re.compile(
    rf"{_OPENING}(?:who|whom|whose|what|which|where|when|how)\b"
    r"[^?.!]{0,60}?\bdid\b",
    re.IGNORECASE,
)


# what someone said, planned or wanted ("What did the White House say about the meeting?"):
# the statement is what happened, whatever it says of the future
_TOLD = re.compile(
    r"\b(?:say|tell|announce|warn|claim|report|reveal|write|ask|call|describe|think|mean|plan"
    r"|expect|promise|propose|threaten|suggest|predict|want|hope|argue|admit|deny|accuse|blame"
    r"|urge|vow|pledge|intend|explain|confirm|insist|note|add|estimate|forecast|order|demand"
    r"|recommend|request|offer|seek)\b",
    re.IGNORECASE,
)


def asks_outcome(question: str) -> bool:
    """The question asks what came of something, or whether it happened ("Did they reach a
    deal?", "Did Argentina face France or Morocco in the final?", "Who did Trump meet in
    Kuala Lumpur?"); not one that quotes a possibility ("Whose owner said the process could
    result in a sale?")."""
    return asks_outcome_itself(question) or asks_past_event(question)


def asks_outcome_itself(question: str) -> bool:
    """The question names an outcome ("What was the outcome …?", "Who won …?", "What did
    they agree in Busan?"), or asks whether something happened ("Did they reach a deal?")."""
    if any(
        not _POSSIBLE_BEFORE.search(question[max(0, m.start() - 80) : m.start()])
        for m in ASKS_OUTCOME.finditer(question)
    ):
        return True
    if (after := _past_event(question)) is not None and content_stems(after) & OUTCOME_STEMS:
        return True
    return _polar(question) and bool(_YES_NO_EVENT.match(question))


def asks_past_event(question: str) -> bool:
    """A wh-question about a past event ("Who did Trump meet in Kuala Lumpur?"), not about
    what someone said or planned ("What did the White House say …?")."""
    return _past_event(question) is not None


def asked_sentence(question: str) -> str:
    """The question itself: the last sentence of a question that sets out its news first
    ("Apple released iOS 16. Which feature did it introduce?")."""
    return sentences(question)[-1] if question.strip() else ""


def _past_event(question: str) -> str | None:
    """What follows the "did" of a wh-question about a past event; None for another."""
    last = asked_sentence(question)
    m = _WH_DID.search(last)
    if m is None or _TOLD.search(last[m.end() :]):
        return None
    return last[m.end() :]


def verdict(reply: str) -> str:
    """ "yes" or "no" when a reply opens with one; else ""."""
    m = _REPLY_VERDICT.match(reply)
    return m.group(1).lower() if m else ""


_HOW_MANY = re.compile(r"\bhow (?:many|much|far|old)\b", re.I)
_HOW_LONG = re.compile(r"\bhow long\b", re.I)
_WHAT_NUMBER = re.compile(
    r"\b(?:what|which) (?:number|percentage|percent|share|proportion|amount|price|age|year"
    r"|rate|sum|total|figure|score)\b",
    re.IGNORECASE,
)
_WHAT_YEAR = re.compile(r"\b(?:what|which) year\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:1[0-9]|2[0-9])\d\d\b")  # a year written out ("this year" is none)
_WHEN = re.compile(r"\b(?:when|what (?:day|date|time|month|year))\b", re.IGNORECASE)
_WHO = re.compile(r"^\W*(?:(?:and|but|so)\s+)?(?:who|whom|whose)\b", re.IGNORECASE)


def asked_slot(question: str) -> str:
    """What kind of thing the question asks for: "yes/no", "choice" (which of the
    alternatives it offers), "year", "number", "duration" (how long), "time", "name" (who)
    or "" (anything the question does not already say)."""
    if choices(question):
        return "choice"
    if yes_no_question(question):
        return "yes/no"
    if _WHAT_YEAR.search(question):
        return "year"
    if _HOW_LONG.search(question):
        return "duration"
    if _HOW_MANY.search(question) or _WHAT_NUMBER.search(question):
        return "number"
    if _WHEN.search(question):
        return "time"
    if _WHO.match(question):
        return "name"
    return ""


_NUMBER = re.compile(
    r"\d|\b(?:"
    + "|".join([*NUMBER_WORDS, *_SCALES, "a few", "several", "dozens", "hundreds", "thousands"])
    + r"|millions|billions|decades|centuries|most|majority|minority|third|quarter|all|none)\b",
    re.IGNORECASE,
)
_MONTH_OR_DAY = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|\b(?:mon|tues|wednes|thurs"
    r"|fri|satur|sun)day\b|\b(?:today|yesterday|tomorrow|tonight|week|month|year|morning"
    r"|evening|afternoon|night|spring|summer|autumn|fall|winter|decade|century|ago|since|until"
    r"|later|earlier|soon|after|before|during|while|once)\b",
    re.IGNORECASE,
)

# a length of time or of distance: a count with its unit ("five days", "a week", "3 km"),
# a start ("since May"), or "for years"
_DURATION = re.compile(
    r"\b(?:\d[\d,.]*|a|an|"
    + "|".join([*NUMBER_WORDS, *_SCALES, "few", "several", "couple of", "dozens of"])
    + r")\s+(?:(?:more|and a half|full|straight|consecutive)\s+)?(?:second|minute|hour|day"
    r"|night|week|fortnight|month|year|decade|centur(?:y|ie)|mile|kilometre|kilometer|km"
    r"|metre|meter|foot|feet|inch(?:e)?|yard|season|term)s?\b|\bsince\b|\bfor (?:decades|years)\b",
    re.IGNORECASE,
)


def holds_slot(slot: str, added: str) -> bool:
    """The words a reply adds to the question (`added`) supply the asked-for slot: a year
    written out for "what year", a number for "how many", a count with its unit for "how
    long", a time for "when", a name for "who"; a yes/no or any other question needs only
    some added word (checked apart)."""
    if slot == "year":
        return bool(_YEAR.search(added))
    if slot == "number":
        return bool(_NUMBER.search(added))
    if slot == "duration":
        return bool(_DURATION.search(added))
    if slot == "time":
        return bool(_NUMBER.search(added) or _MONTH_OR_DAY.search(added))
    if slot == "name":
        return any(w[:1].isupper() for w in WORD.findall(added))
    return True
