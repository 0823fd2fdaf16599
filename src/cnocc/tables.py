"""Reading the human-edited CSV tables, checking each cell against its column's kind.

The tables are the source of truth, so every complaint names the file, the line and the
column; cross-table checks (references, hierarchy) live in `dataset.py`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DataError, Problem

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CODE = re.compile(r"^[1-8](?:-[0-9]{2}){0,3}$")
DATE = re.compile(r"^[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?$")
URL = re.compile(r"^https?://[^\s]+$")
CONFIDENCE = {"C2", "S1", "CF"}
LIST_SEP = ";"
QUOTE_SEP = "|"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"  # text | slug | code | date | url | int | decimal | confidence | slugs | quotes | choice | ref
    required: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    file: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def C(name: str, kind: str = "text", required: bool = False, choices: tuple[str, ...] = ()) -> Column:
    return Column(name, kind, required, choices)


LEVEL_IDS = ("major-group", "sub-major-group", "minor-group", "occupation", "work-type")

TABLES: dict[str, Table] = {
    t.file: t
    for t in [
        Table("sources.csv", (
            C("id", "slug", True), C("kind", "choice", True, ("news-release", "web-page", "repository", "pdf", "statistical-table")),
            C("title", required=True), C("publisher", "slug"), C("issued", "date"), C("url", "url"),
            C("path"), C("note"),
        ), ("id",)),
        Table("agencies.csv", (
            C("id", "slug", True), C("name_zh", required=True), C("short_zh"), C("name_en"), C("abbr"),
            C("homepage", "url"), C("wikidata", "qid"), C("unit_of", "slug"), C("evidence", "quotes"), C("source", "slugs", True),
            C("confidence", "confidence", True), C("note"),
        ), ("id",)),
        Table("editions.csv", (
            C("id", "slug", True), C("title_zh", required=True), C("title_en", required=True),
            C("issued", "date", True), C("creators", "slugs", True), C("levels", "slugs", True),
            C("source", "slugs", True), C("confidence", "confidence", True), C("note"),
        ), ("id",)),
        Table("levels.csv", (
            C("edition", "slug", True), C("level", "choice", True, LEVEL_IDS), C("depth", "int", True),
            C("name_zh", required=True), C("name_en", required=True), C("notation_pattern", "regex"),
            C("official_count", "int"), C("evidence", "quotes"), C("source", "slugs", True),
            C("confidence", "confidence", True), C("note"),
        ), ("edition", "level")),
        Table("groups.csv", (
            C("edition", "slug", True), C("level", "choice", True, LEVEL_IDS[:3]), C("code", "code", True),
            C("name_zh"), C("name_en"), C("name_en_source", "slug"), C("parent", "code"),
            C("source", "slugs", True), C("confidence", "confidence", True), C("note"),
        ), ("edition", "code")),
        Table("occupations.csv", (
            C("edition", "slug", True), C("slug", "slug", True), C("code", "code"), C("name_zh", required=True),
            C("name_en", required=True), C("name_en_source", "slug", True), C("parent", "code"),
            C("introduced_by", "slug"), C("invalidated_by", "slug"), C("evidence", "quotes"),
            C("source", "slugs", True), C("code_source", "slugs"), C("code_confidence", "confidence"),
            C("definition_zh"), C("definition_source", "slugs"), C("definition_confidence", "confidence"),
            C("note"),
        ), ("edition", "slug")),
        Table("work_types.csv", (
            C("edition", "slug", True), C("slug", "slug", True), C("name_zh", required=True),
            C("name_en", required=True), C("name_en_source", "slug", True), C("parent", "slug"),
            C("parent_source", "slugs"), C("parent_confidence", "confidence"), C("introduced_by", "slug"),
            C("raised_to", "slug"), C("evidence", "quotes"), C("source", "slugs", True), C("note"),
        ), ("edition", "slug")),
        Table("notices.csv", (
            C("id", "slug", True), C("identifier", required=True), C("title_zh", required=True),
            C("issuers", "slugs", True), C("source", "slugs", True), C("confidence", "confidence", True),
            C("note"),
        ), ("id",)),
        Table("announcements.csv", (
            C("id", "slug", True), C("name_zh", required=True), C("name_en", required=True),
            C("name_en_source", "slug", True), C("batch", "int", True), C("released", "date", True),
            C("edition", "slug", True), C("agencies", "slugs", True), C("notice", "slug"),
            C("document", "slug", True), C("new_occupations", "int", True), C("new_work_types", "int", True),
            C("raised_work_types", "int", True), C("evidence", "quotes", True), C("source", "slugs", True),
            C("confidence", "confidence", True), C("note"),
        ), ("id",)),
        Table("policies.csv", (
            C("id", "slug", True), C("parent", "slug"),
            C("kind", "choice", True, ("theme", "programme", "programme-item", "law", "regulation", "directive", "priority")),
            C("name_zh", required=True), C("name_en", required=True), C("name_en_source", "slug", True),
            C("date_proposed", "date"), C("date_document", "date"), C("date_in_force", "date"),
            C("evidence", "quotes"), C("source", "slugs", True), C("confidence", "confidence", True), C("note"),
        ), ("id",)),
        Table("drivers.csv", (
            C("policy", "slug", True), C("target", "ref", True), C("evidence", "quotes", True),
            C("source", "slugs", True),
        ), ("policy", "target")),
        Table("characteristics.csv", (
            C("announcement", "slug", True), C("position", "int", True), C("name_zh", required=True),
            C("name_en", required=True), C("name_en_source", "slug", True), C("members", "refs", True),
            C("evidence", "quotes", True), C("source", "slugs", True),
        ), ("announcement", "position")),
        Table("figures.csv", (
            C("id", "slug", True), C("announcement", "slug", True), C("name_zh", required=True),
            C("name_en", required=True), C("name_en_source", "slug", True), C("value", "decimal", True),
            C("qualifier", "choice", False, ("minimum", "approximate")), C("unit_code"), C("unit_text", required=True),
            C("currency"), C("evidence", "quotes", True), C("source", "slugs", True),
        ), ("id",)),
    ]
}

REF = re.compile(r"^(announcement|occupation|work-type):[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass
class Row:
    """One record of a table, remembering where it came from for error messages."""

    file: str
    line: int
    values: dict[str, str]
    parsed: dict[str, object] = field(default_factory=dict)

    def __getitem__(self, name: str) -> str:
        return self.values[name]

    def get(self, name: str) -> object:
        return self.parsed.get(name)

    def problem(self, field_name: str | None, message: str) -> Problem:
        return Problem(self.file, self.line, field_name, message)


def _check_cell(col: Column, raw: str) -> tuple[object, str | None]:
    """Return (parsed value, error message or None) for one cell."""
    if raw == "":
        return None, ("is required but empty" if col.required else None)
    if raw != raw.strip():
        return None, "has leading or trailing spaces"
    k = col.kind
    if k == "text":
        return raw, None
    if k == "slug":
        return (raw, None) if SLUG.match(raw) else (None, f"'{raw}' is not a lower-case id (letters, digits, hyphens)")
    if k == "slugs":
        parts = raw.split(LIST_SEP)
        bad = [p for p in parts if not SLUG.match(p)]
        if bad:
            return None, f"'{bad[0]}' is not a lower-case id; separate ids with '{LIST_SEP}'"
        if len(set(parts)) != len(parts):
            return None, "lists the same id twice"
        return parts, None
    if k == "code":
        return (raw, None) if CODE.match(raw) else (None, f"'{raw}' is not a classification code like 2-02-10-15")
    if k == "date":
        if not DATE.match(raw):
            return None, f"'{raw}' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"
        parts = [int(p) for p in raw.split("-")]
        try:
            dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
        except ValueError as exc:
            return None, f"'{raw}' is not a real date ({exc})"
        return raw, None
    if k == "url":
        return (raw, None) if URL.match(raw) else (None, f"'{raw}' is not an http(s) address")
    if k == "qid":
        return (raw, None) if re.match(r"^Q[1-9][0-9]*$", raw) else (None, f"'{raw}' is not a Wikidata identifier")
    if k == "int":
        return (int(raw), None) if re.match(r"^[0-9]+$", raw) else (None, f"'{raw}' is not a whole number")
    if k == "decimal":
        return (raw, None) if re.match(r"^[0-9]+(?:\.[0-9]+)?$", raw) else (None, f"'{raw}' is not a number")
    if k == "confidence":
        return (raw, None) if raw in CONFIDENCE else (None, f"'{raw}' is not one of {', '.join(sorted(CONFIDENCE))}")
    if k == "choice":
        return (raw, None) if raw in col.choices else (None, f"'{raw}' is not one of {', '.join(col.choices)}")
    if k == "regex":
        try:
            re.compile(raw)
        except re.error as exc:
            return None, f"'{raw}' is not a regular expression ({exc})"
        return raw, None
    if k == "quotes":
        parts = raw.split(QUOTE_SEP)
        if any(p == "" for p in parts):
            return None, f"has an empty quote; separate quotes with '{QUOTE_SEP}'"
        return parts, None
    if k == "ref":
        return (raw, None) if REF.match(raw) else (None, f"'{raw}' is not a reference like occupation:slug")
    if k == "refs":
        parts = raw.split(LIST_SEP)
        bad = [p for p in parts if not REF.match(p)]
        return (None, f"'{bad[0]}' is not a reference like occupation:slug") if bad else (parts, None)
    raise AssertionError(f"unknown column kind {k}")


def _decode(path: Path, name: str) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError([Problem(name, line, None, f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})")]) from None


def read_table(data_dir: Path, table: Table) -> list[Row]:
    """Read one table; raise DataError listing every problem in it."""
    path = data_dir / table.file
    name = f"data/{table.file}"
    if not path.is_file():
        raise DataError([Problem(name, None, None, "is missing")])
    text = _decode(path, name)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[Problem] = []
    rows: list[Row] = []
    try:
        header = next(reader, None)
        if not header:
            raise DataError([Problem(name, 1, None, "is empty: expected a header line")])
        missing = [c for c in table.names if c not in header]
        unknown = [c for c in header if c not in table.names]
        for c in missing:
            problems.append(Problem(name, 1, c, "column is missing from the header"))
        for c in unknown:
            problems.append(Problem(name, 1, c or "(blank)", "column is not known; expected: " + ", ".join(table.names)))
        if len(set(header)) != len(header):
            problems.append(Problem(name, 1, None, "header names a column twice"))
        if problems:
            raise DataError(problems)
        start = reader.line_num + 1
        for record in reader:
            line = start
            start = reader.line_num + 1
            if not record or all(v == "" for v in record):
                continue
            if len(record) != len(header):
                problems.append(Problem(name, line, None, f"has {len(record)} fields, the header has {len(header)}"))
                continue
            row = Row(name, line, dict(zip(header, record)))
            for col in table.columns:
                value, err = _check_cell(col, row.values[col.name])
                if err:
                    problems.append(row.problem(col.name, err))
                else:
                    row.parsed[col.name] = value
            rows.append(row)
    except csv.Error as exc:
        problems.append(Problem(name, reader.line_num, None, f"is not valid CSV ({exc})"))
    if table.key:
        seen: dict[tuple, int] = {}
        for row in rows:
            k = tuple(row.values[c] for c in table.key)
            if all(k) and k in seen:
                problems.append(row.problem(table.key[-1], f"'{k[-1]}' is a duplicate (first on line {seen[k]})"))
            seen.setdefault(k, row.line)
    if problems:
        raise DataError(problems)
    return rows


def read_all(data_dir: Path) -> dict[str, list[Row]]:
    """Read every table, gathering the problems of all files before failing."""
    out: dict[str, list[Row]] = {}
    problems: list[Problem] = []
    for file, table in TABLES.items():
        try:
            out[file] = read_table(data_dir, table)
        except DataError as exc:
            problems.extend(exc.problems)
    if problems:
        raise DataError(problems)
    return out
