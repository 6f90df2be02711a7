"""Words that carry no content, in one place: keyword search drops `STOPWORDS`; the citation
check also drops `CLAIM_STOPWORDS`' reporting verbs and modals, which say nothing a passage
must hold ("said", "would"). `NUMBER_WORDS` reads spelled numbers as digits, for the
citation check and the eval's answer matching alike."""

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
