"""Spreadsheet views of the build (CSV): one row per item, for users who start in a spreadsheet.

Read by SPARQL from the build's store, so a view says what the graph says."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import BinaryIO

import pyoxigraph as ox

from cnocc.export.bundle import PREFIXES, Bundle
from cnocc.model import vocab as V
from cnocc.model.terms import graph_node


def _csv(out: BinaryIO, columns: list[str], rows: list[list[str]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    w.writerows(rows)
    out.write(buf.getvalue().encode("utf-8"))


def _rows(b: Bundle, names: list[str], query: str, columns: list[str]) -> list[list[str]]:
    """A SELECT over some graphs of the build's store, each row as strings (IRIs and literals alike).

    Read through pyoxigraph's SPARQL CSV results, which write each IRI and literal as its plain
    text and an unbound cell as nothing: the same strings as each solution's `.value`, in a
    third of the time (the views select no blank node, which CSV would write as `_:id`)."""
    store = b.store()
    res = store.query(query, prefixes=PREFIXES, default_graph=[graph_node(n) for n in names])
    rows = csv.reader(io.StringIO(res.serialize(format=ox.QueryResultsFormat.CSV).decode("utf-8")))
    header = next(rows)
    at = [header.index(c) for c in columns]
    return [[r[i] for i in at] for r in rows]


# Labels are matched on lower-cased tags: the store keeps language tags lower-cased.
_LABEL = 'OPTIONAL {{ ?s skos:prefLabel ?{v}_ FILTER (LCASE(LANG(?{v}_)) = "{lang}") }}'
_ITEM_VIEW = """SELECT ?s (MIN(?scheme_) AS ?scheme) {cols} WHERE {{
    ?s a {cls} . OPTIONAL {{ ?s skos:inScheme ?scheme_ }}
    {optionals} }} GROUP BY ?s"""


def _item_view(cls: str, fields: dict[str, str]) -> str:
    return _ITEM_VIEW.format(cls=cls, cols=" ".join(f"(MIN(?{v}_) AS ?{v})" for v in fields),
                             optionals="\n    ".join(fields.values()))


OCCUPATIONS = _item_view("cnocc:Occupation", {
    "code": "OPTIONAL { ?s skos:notation ?code_ }",
    "zh": _LABEL.format(v="zh", lang="zh"), "en": _LABEL.format(v="en", lang="en"),
    "py": _LABEL.format(v="py", lang="zh-latn-pinyin"),
    "pcode": "OPTIONAL { ?s skos:broader/skos:notation ?pcode_ }",
    "def": "OPTIONAL { ?s skos:definition ?def_ }", "intro": "OPTIONAL { ?s cnocc:introducedBy ?intro_ }",
})
WORK_TYPES = _item_view("cnocc:WorkType", {
    "zh": _LABEL.format(v="zh", lang="zh"), "en": _LABEL.format(v="en", lang="en"),
    "py": _LABEL.format(v="py", lang="zh-latn-pinyin"),
    "pzh": 'OPTIONAL { ?s skos:broader/skos:prefLabel ?pzh_ FILTER (LCASE(LANG(?pzh_)) = "zh") }',
    "pcode": "OPTIONAL { ?s skos:broader/skos:notation ?pcode_ }",
    "raised": "OPTIONAL { ?s cnocc:raisedTo ?raised_ }", "intro": "OPTIONAL { ?s cnocc:introducedBy ?intro_ }",
})
EDITION_VIEW = """SELECT ?s (MIN(?code_) AS ?code) (MIN(?type_) AS ?type) (MIN(?zh_) AS ?zh) (MIN(?pcode_) AS ?pcode)
        (MIN(?gbm_) AS ?gbm) (GROUP_CONCAT(DISTINCT ?mark_; separator="") AS ?marks) WHERE {{
    ?s skos:inScheme <{scheme}> ; skos:notation ?code_ .
    ?level a xkos:ClassificationLevel ; skos:member ?s ; xkos:organizedBy ?type_ .
    OPTIONAL {{ ?s skos:prefLabel ?zh_ FILTER (LCASE(LANG(?zh_)) = "zh") }}
    OPTIONAL {{ ?s skos:broader/skos:notation ?pcode_ }}
    OPTIONAL {{ ?s cnocc:gbmCode ?gbm_ }}
    OPTIONAL {{ ?collection a skos:Collection ; skos:member ?s ; skos:notation ?mark_ }}
}} GROUP BY ?s"""


def _csv_view(query: str, columns: list[str], header: list[str]) -> Callable[[Bundle, BinaryIO], None]:
    def write(b: Bundle, out: BinaryIO) -> None:
        names = [n for n in b.triples if n.startswith("edition-") or n == "announcements"]
        rows = [[r[0].rsplit("/", 1)[-1], *r[1:], s] for s, *r in _rows(b, names, query, ["s", "scheme", *columns])]
        rows.sort(key=lambda r: (r[0], r[1], r[2]))
        _csv(out, header, rows)
    return write


def write_edition_view(edition: str) -> Callable[[Bundle, BinaryIO], None]:
    """Every item of one edition, one row each, in code order, for users who start in a spreadsheet."""
    def write(b: Bundle, out: BinaryIO) -> None:
        rows = []
        for s, code, level_type, zh, pcode, gbm, marks in _rows(
                b, [f"edition-{edition}"], EDITION_VIEW.format(scheme=V.edition(edition)),
                ["s", "code", "type", "zh", "pcode", "gbm", "marks"]):
            mark = "L/S" if set(marks) == {"S", "L"} else marks
            rows.append([code, level_type.rsplit("/", 1)[-1], zh, pcode, gbm, mark, s])
        rows.sort()
        _csv(out, ["code", "level", "name_zh", "parent_code", "gbm", "marks", "uri"], rows)
    return write


