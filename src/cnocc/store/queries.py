"""The bundled SPARQL queries: finding them, running them on a build, printing their rows."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph

from cnocc import paths


@dataclass(frozen=True)
class Query:
    name: str
    path: Path
    question_zh: str
    question_en: str

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")


def _questions(text: str) -> tuple[str, str]:
    zh = en = ""
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        body = line.lstrip("#").strip()
        if body.startswith("zh:"):
            zh = body[3:].strip()
        elif body.startswith("en:"):
            en = body[3:].strip()
    return zh, en


def bundled(queries_dir: Path = paths.QUERIES_DIR) -> dict[str, Query]:
    out = {}
    for p in sorted(queries_dir.glob("*.rq")):
        zh, en = _questions(p.read_text(encoding="utf-8"))
        out[p.stem] = Query(p.stem, p, zh, en)
    return out


def resolve(name_or_file: str, queries_dir: Path = paths.QUERIES_DIR) -> Query:
    p = Path(name_or_file)
    if p.suffix == ".rq" and p.is_file():
        zh, en = _questions(p.read_text(encoding="utf-8"))
        return Query(p.stem, p, zh, en)
    known = bundled(queries_dir)
    if name_or_file not in known:
        raise KeyError(f"no bundled query '{name_or_file}' and no such .rq file; bundled: {', '.join(known)}")
    return known[name_or_file]


def load_build(dist: Path) -> Graph:
    """The built graphs as one queryable union (asserted, inferred and metadata)."""
    trig = dist / "cnocc.trig"
    if not trig.is_file():
        raise FileNotFoundError(f"{trig} not found: run 'cnocc build' first")
    d = Dataset(default_union=True)
    d.parse(trig, format="trig")
    return d


def run_in_store(store, query: Query) -> tuple[list[str], list[list[str | None]]]:
    """A query's columns and rows as strings, on a pyoxigraph store holding the build (all graphs,
    queried as their union, as `run` queries rdflib's). ASK gives one column `ask`; CONSTRUCT and
    DESCRIBE give the columns subject, predicate, object."""
    import pyoxigraph as ox

    res = store.query(query.text, use_default_graph_as_union=True)
    if isinstance(res, ox.QueryBoolean):
        return ["ask"], [["true" if bool(res) else "false"]]
    if isinstance(res, ox.QueryTriples):
        return ["subject", "predicate", "object"], [[t.subject.value, t.predicate.value, t.object.value] for t in res]
    columns = [v.value for v in res.variables]
    return columns, [[None if (v := sol[c]) is None else v.value for c in columns] for sol in res]


def run(graph: Graph, query: Query) -> tuple[list[str], list[list[str | None]]]:
    """The reference path: the same on rdflib (`cnocc query --engine rdflib`)."""
    res = graph.query(query.text)
    columns = [str(v) for v in res.vars]
    rows = [[None if v is None else str(v) for v in row] for row in res]
    return columns, rows


ROW_FORMATS = ("table", "csv", "json")  # what `format_rows` writes


def format_rows(columns: list[str], rows: list[list[str | None]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([dict(zip(columns, r)) for r in rows], ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        w.writerows([["" if v is None else v for v in r] for r in rows])
        return buf.getvalue()
    cells = [columns] + [["" if v is None else v for v in r] for r in rows]

    def width(s: str) -> int:  # CJK characters take two columns on a terminal
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)

    widths = [max(width(r[i]) for r in cells) for i in range(len(columns))]
    lines = []
    for n, r in enumerate(cells):
        lines.append("  ".join(v + " " * (widths[i] - width(v)) for i, v in enumerate(r)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"
