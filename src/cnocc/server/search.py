"""Finding an item by what a person remembers of it: a Chinese name or part of one, its pinyin
typed any way (tones or not, spaces or not), an English word, or the start of a code.

Two thousand items fit in memory many times over, so the index is a list scanned per query; it
is built once at start-up from the read-only store and never changes while the server runs.
Ranking is by kind of match (exact code > exact name > prefix > substring), then edition (the
newest first), then code, so the same query always gives the same order. No 2022 item has an
English label (none is sourced); the English name of its 2015-frame twin finds it all the same,
but is not reported as its name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import pyoxigraph as ox

from cnocc.model import vocab as V
from cnocc.store import embedded as S

# scores of the kinds of match; only their order is promised to clients
EXACT_CODE, EXACT_NAME, PREFIX, WORD, SUBSTRING, ALL_WORDS = 100, 90, 70, 60, 50, 30
MAX_LIMIT = 100
DEFAULT_LIMIT = 20
LEVEL_OF = {plural: lv for lv, plural in V.LEVEL_PLURAL.items()}  # level URI's last segment -> level key

ITEMS = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xkos: <http://rdf-vocabulary.ddialliance.org/xkos#>
SELECT DISTINCT ?item ?level ?edition ?code ?label WHERE {
  ?level a xkos:ClassificationLevel ; skos:member ?item .
  ?item skos:inScheme ?scheme .
  ?scheme skos:notation ?edition .
  OPTIONAL { ?item skos:notation ?code }
  OPTIONAL { ?item skos:prefLabel ?label }
}
"""

# the same occupation in another edition or at another level: its English name finds this one too
TWINS = """
PREFIX xkos: <http://rdf-vocabulary.ddialliance.org/xkos#>
PREFIX cnocc: <https://w3id.org/cnocc/ontology#>
SELECT DISTINCT ?a ?b WHERE {
  { ?x xkos:sourceConcept ?a ; xkos:targetConcept ?b } UNION { ?a cnocc:raisedTo ?b }
}
"""


def _edition_rank(edition: str) -> int:
    """Newest edition first: editions are named by their year."""
    return -int(edition) if edition.isdigit() else 0


def fold(text: str) -> str:
    """Lower case, half-width, without tone marks: `Qū Kuài` -> `qu kuai`, `ＡＩ` -> `ai`."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return " ".join(text.split())


def compact_pinyin(text: str) -> str:
    """Pinyin as typed without separators; `v` stands for `ü` on keyboards."""
    return re.sub(r"[^a-z]", "", fold(text).replace("v", "u"))


@dataclass
class Entry:
    uri: str
    path: str
    level: str
    edition: str
    code: str = ""
    name_zh: str = ""
    name_en: str = ""
    pinyin: str = ""
    other_en: list[str] = field(default_factory=list)  # English names of its twins, for matching only
    # derived once, for matching
    _zh: str = ""
    _en: list[str] = field(default_factory=list)
    _py: str = ""
    _starts: frozenset[int] = frozenset()

    def prepare(self) -> None:
        self._zh = fold(self.name_zh)
        self._en = [fold(e) for e in [self.name_en, *self.other_en] if e]
        syllables = [compact_pinyin(s) for s in fold(self.pinyin).replace(",", " ").split()]
        syllables = [s for s in syllables if s]
        self._py = "".join(syllables)
        starts, pos = set(), 0
        for s in syllables:
            starts.add(pos)
            pos += len(s)
        self._starts = frozenset(starts)

    @property
    def initial(self) -> str:
        """The letter of the A–Z index this item is filed under."""
        return self._py[:1].upper() if self._py else "#"

    @property
    def sort_pinyin(self) -> str:
        return fold(self.pinyin)

    def to_json(self, score: int, root: str = "") -> dict:
        return {"uri": self.uri, "path": root + self.path, "name_zh": self.name_zh, "name_en": self.name_en or None,
                "code": self.code or None, "edition": self.edition, "level": self.level, "score": score}

    def score(self, q: "Query") -> int:
        best = 0
        if self.code and q.is_code:
            if self.code == q.text:
                return EXACT_CODE
            if self.code.startswith(q.text):
                best = PREFIX
        best = max(best, _grade(self._zh, q, None))
        for en in self._en:
            best = max(best, _grade(en, q, q.word))
        if q.pinyin and self._py:
            if self._py == q.pinyin:
                best = max(best, EXACT_NAME)
            elif self._py.startswith(q.pinyin):
                best = max(best, PREFIX)
            elif self._at_syllable(q.pinyin):
                best = max(best, WORD)
        if not best and q.words:
            if all(self._has_word(w, p, rx) for w, p, rx in q.words):
                best = ALL_WORDS
        return best

    def _at_syllable(self, text: str) -> bool:
        """`text` occurs from a syllable's start: `lian` finds 区块链, `ian` does not."""
        i = self._py.find(text)
        while i >= 0:
            if i in self._starts:
                return True
            i = self._py.find(text, i + 1)
        return False

    def _has_word(self, word: str, pinyin: str, rx: re.Pattern) -> bool:
        return (word in self._zh or (bool(self.code) and self.code.startswith(word))
                or any(rx.search(en) for en in self._en) or (bool(pinyin) and self._at_syllable(pinyin)))

    def rank(self, score: int) -> tuple:
        return (-score, _edition_rank(self.edition), (0, self.code) if self.code else (1, ""),
                self.sort_pinyin, self.uri)


@dataclass(frozen=True)
class Query:
    """A query folded once, so that scoring two thousand entries does no parsing."""

    text: str
    is_code: bool
    pinyin: str  # compact; empty when the query cannot be pinyin
    word: re.Pattern
    words: tuple[tuple[str, str, re.Pattern], ...]  # (word, its compact pinyin, word start) if several

    @classmethod
    def parse(cls, query: str) -> "Query":
        q = fold(query or "")
        is_py = bool(re.fullmatch(r"[a-z' ]+", q))
        words = tuple((w, compact_pinyin(w), _word_start(w)) for w in q.split()) if " " in q else ()
        return cls(q, bool(re.fullmatch(r"[0-9][0-9-]*", q)), compact_pinyin(q) if is_py else "",
                   _word_start(q), words)


def _word_start(text: str) -> re.Pattern:
    return re.compile(r"(?<![a-z0-9])" + re.escape(text))


def _grade(name: str, q: Query, word: re.Pattern | None) -> int:
    if not name:
        return 0
    if name == q.text:
        return EXACT_NAME
    if name.startswith(q.text):
        return PREFIX
    if word is not None and word.search(name):
        return WORD
    if q.text in name:
        return SUBSTRING
    return 0


class SearchIndex:
    def __init__(self, entries: list[Entry]):
        for e in entries:
            e.prepare()
        self.entries = sorted(entries, key=lambda e: e.rank(0))

    @classmethod
    def from_store(cls, store: ox.Store, base: str) -> "SearchIndex":
        by_uri: dict[str, Entry] = {}
        for row in S.select(store, ITEMS):
            uri = row["item"].value
            if not uri.startswith(base):
                continue
            e = by_uri.get(uri)
            if e is None:
                level = LEVEL_OF.get(row["level"].value.rsplit("/", 1)[-1], "")
                e = by_uri[uri] = Entry(uri, "/" + uri[len(base):], level, row["edition"].value)
            if row["code"] is not None:
                e.code = row["code"].value
            label = row["label"]
            if label is not None:
                slot = {"zh": "name_zh", "en": "name_en", "zh-latn-pinyin": "pinyin"}.get((label.language or "").lower())
                if slot:
                    setattr(e, slot, label.value)
        for row in S.select(store, TWINS):
            a, b = by_uri.get(row["a"].value), by_uri.get(row["b"].value)
            if a and b:
                for x, y in ((a, b), (b, a)):
                    if y.name_en and y.name_en not in x.other_en:
                        x.other_en.append(y.name_en)
        for e in by_uri.values():
            e.other_en.sort()
        return cls(list(by_uri.values()))

    def search(self, query: str, limit: int = DEFAULT_LIMIT) -> list[tuple[Entry, int]]:
        q = Query.parse(query)
        if not q.text:
            return []
        hits = [(e, s) for e in self.entries if (s := e.score(q))]
        hits.sort(key=lambda h: h[0].rank(h[1]))
        return hits[: max(0, min(limit, MAX_LIMIT))]

    def by_initial(self, levels: tuple[str, ...] = ("occupation", "work-type")) -> dict[str, list[Entry]]:
        """Items of the given levels under the first letter of their pinyin, in pinyin order."""
        out: dict[str, list[Entry]] = {}
        chosen = [e for e in self.entries if e.level in levels and e.name_zh]
        for e in sorted(chosen, key=lambda e: (e.sort_pinyin, _edition_rank(e.edition), e.code, e.uri)):
            out.setdefault(e.initial, []).append(e)
        return dict(sorted(out.items()))
