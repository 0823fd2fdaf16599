"""Comparing the bundled queries' answers across SPARQL engines, in one way for all of them.

Every engine is asked for SPARQL CSV results (lexical values only: the one format all of them
write alike), and rows are compared as multisets; ties under ORDER BY may come in any order.
Numbers are compared by value, since engines write decimals differently ("0.5" vs "0.50").
The reference is rdflib, the design card's engine, on the build's TriG.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

from cnocc.store.queries import bundled, load_build, run

Row = tuple[str, ...]


_DECIMAL = re.compile(r"[+-]?(\d+\.\d*|\.\d+|\d+(\.\d*)?[eE][+-]?\d+)")


def _cell(value: str | None) -> str:
    """Decimals and doubles by value; everything else (codes such as ISCO 0110 too) as written."""
    if value is None:
        return ""
    if _DECIMAL.fullmatch(value):
        return format(Decimal(value).normalize(), "f")
    return value


def rows_from_csv(text: str) -> tuple[list[str], Counter]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    return header, Counter(tuple(_cell(v) for v in r) for r in reader if r)


@functools.cache
def _reference_graph(dist: str):
    return load_build(Path(dist))


@functools.cache
def reference(dist: str, name: str) -> tuple[list[str], Counter]:
    """rdflib's answer to a bundled query on the build in `dist`."""
    columns, rows = run(_reference_graph(dist), bundled()[name])
    return columns, Counter(tuple(_cell(v) for v in r) for r in rows)


def difference(expected: Counter, found: Counter, limit: int = 5) -> str:
    missing, extra = expected - found, found - expected
    lines = [f"missing {len(missing)} row(s): {list(missing)[:limit]}", f"extra {len(extra)} row(s): {list(extra)[:limit]}"]
    return "\n".join(lines)
