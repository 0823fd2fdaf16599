"""Reading the mapping sets: the SSSOM files in `data/mappings/` and the reference snapshots their
targets are checked against, each problem named by file, line and field.

The SSSOM files are the source of truth: a reviewer edits rows, each with its predicate,
confidence and reason. Before sssom sees a file its cells are checked here, so a maintainer
learns which cell is wrong; then sssom's own validation runs (`_sssom_problems`).
"""

from __future__ import annotations

import csv
import io
import logging
import re
import warnings
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import RDF, SKOS

from cnocc.model import vocab as V
from cnocc.model.errors import DataError, Problem

MAPPINGS_DIR = "mappings"
REFERENCE_DIR = "reference"
ISCO_FILE = "isco08-groups.csv"
ESCO_FILE = "esco-occupations.csv"
ESCO_SOURCE = "esco-v1-2"
ISCO_SCHEME = URIRef("http://data.europa.eu/esco/concept-scheme/isco")
ESCO_SCHEME = URIRef("http://data.europa.eu/esco/concept-scheme/occupations")
ISCO_NS = "http://data.europa.eu/esco/isco/C"
ESCO_NS = "http://data.europa.eu/esco/occupation/"
REQUIRED = ("subject_id", "subject_label", "predicate_id", "object_id", "object_label", "mapping_justification",
            "confidence", "author_id", "mapping_date", "comment")
PREDICATES = {"skos:exactMatch", "skos:closeMatch", "skos:broadMatch", "skos:narrowMatch", "skos:relatedMatch"}
JUSTIFICATION = "semapv:ManualMappingCuration"
# What a row's subject_id and object_id may name, by CURIE prefix: cnocc items and ISCO-08 or ESCO
# targets (the sets' headers declare the same expansions). Not a serialization prefix map.
ID_SPACES = {"cn": V.BASE, "isco": ISCO_NS, "esco": ESCO_NS}
EDITORS = V.uri("agent", "editors")  # author_id and creator_id of the mapping sets (cn:agent/editors)
UNTITLED_ZH = "ISCO-08 and ESCO publish no Chinese title; the English title is ESCO v1.2's."


@dataclass(frozen=True)
class MappingRow:
    line: int
    subject: URIRef
    subject_label: str
    predicate: str
    negated: bool
    target: URIRef
    object_label: str


@dataclass
class MappingFile:
    path: Path
    text: str
    metadata: dict[str, str]
    rows: list[MappingRow] = field(default_factory=list)


@dataclass(frozen=True)
class Target:
    uri: URIRef
    label: str
    code: str = ""  # ISCO code; "" for an ESCO occupation
    parent: str = ""


def _header(text: str) -> tuple[dict[str, str], int]:
    """The flat `key: value` lines of the YAML header (lists and maps are left to sssom)."""
    meta, lines = {}, 0
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines += 1
        m = re.match(r"#\s?(\w+):\s*(\S.*)$", line)
        if m:
            meta[m.group(1)] = m.group(2).strip().strip('"')
    return meta, lines


def _expand(curie: str) -> str | None:
    prefix, sep, local = curie.partition(":")
    if not sep or prefix not in ID_SPACES or not local:
        return None
    return ID_SPACES[prefix] + local


def read_file(path: Path, rel: str) -> tuple[MappingFile, list[Problem]]:
    """Check each row's cells so an error names file, line and field before sssom sees the file."""
    text = path.read_text(encoding="utf-8")
    meta, skip = _header(text)
    mf, problems = MappingFile(path, text, meta), []
    for key in ("mapping_set_id", "license", "object_source", "object_source_version"):
        if not meta.get(key):
            problems.append(Problem(rel, None, key, "the mapping set's header needs this key"))
    reader = csv.DictReader(io.StringIO("\n".join(text.splitlines()[skip:])), delimiter="\t")
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        return mf, problems + [Problem(rel, skip + 1, c, "column is missing") for c in missing]
    seen: dict[tuple, int] = {}
    for i, r in enumerate(reader):
        line = skip + 2 + i

        def bad(col: str, msg: str) -> None:
            problems.append(Problem(rel, line, col, msg))

        for col in REQUIRED:
            if not (r.get(col) or "").strip():
                bad(col, "is empty (every mapping needs it)")
        subject, target = _expand(r["subject_id"] or ""), _expand(r["object_id"] or "")
        if r["subject_id"] and (subject is None or not r["subject_id"].startswith("cn:")):
            bad("subject_id", f"'{r['subject_id']}' is not a cnocc item (cn:…)")
        if r["object_id"] and (target is None or r["object_id"].startswith("cn:")):
            bad("object_id", f"'{r['object_id']}' is neither an ISCO-08 group (isco:…) nor an ESCO occupation (esco:…)")
        if r["predicate_id"] and r["predicate_id"] not in PREDICATES:
            bad("predicate_id", f"'{r['predicate_id']}' is not a SKOS mapping property ({', '.join(sorted(PREDICATES))})")
        modifier = (r.get("predicate_modifier") or "").strip()
        if modifier not in ("", "Not"):
            bad("predicate_modifier", f"'{modifier}' is not allowed (empty or Not)")
        if r["mapping_justification"] and r["mapping_justification"] != JUSTIFICATION:
            bad("mapping_justification", f"must be {JUSTIFICATION}: every row is a reviewed manual decision")
        if r["confidence"]:
            try:
                ok = 0.0 <= float(r["confidence"]) <= 1.0
            except ValueError:
                ok = False
            if not ok:
                bad("confidence", f"'{r['confidence']}' is not a number between 0 and 1")
        if r["mapping_date"]:
            try:
                date.fromisoformat(r["mapping_date"])
            except ValueError:
                bad("mapping_date", f"'{r['mapping_date']}' is not a date (YYYY-MM-DD)")
        if subject and target:
            key = (subject, target)
            if key in seen:
                bad("object_id", f"{r['subject_id']} is already mapped to {r['object_id']} on line {seen[key]}")
            seen[key] = line
            mf.rows.append(MappingRow(line, URIRef(subject), r["subject_label"], r["predicate_id"], modifier == "Not",
                                      URIRef(target), r["object_label"]))
    return mf, problems


def _read_reference(path: Path, rel: str, columns: tuple[str, ...], problems: list[Problem]) -> list[dict]:
    if not path.is_file():
        problems.append(Problem(rel, None, None, "file is missing (run `cnocc import-esco` to create it)"))
        return []
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if tuple(reader.fieldnames or ()) != columns:
            problems.append(Problem(rel, 1, None, f"expected the columns {','.join(columns)}"))
            return []
        return list(reader)


def load_targets(data_dir: Path) -> tuple[dict[URIRef, Target], list[Problem]]:
    """The ISCO-08 groups and ESCO occupations a mapping may point at, from the committed snapshots."""
    problems: list[Problem] = []
    out: dict[URIRef, Target] = {}
    ref = data_dir / REFERENCE_DIR
    for r in _read_reference(ref / ISCO_FILE, f"data/{REFERENCE_DIR}/{ISCO_FILE}",
                             ("code", "level", "title_en", "parent", "uri", "source"), problems):
        out[URIRef(r["uri"])] = Target(URIRef(r["uri"]), r["title_en"], r["code"], r["parent"])
    for r in _read_reference(ref / ESCO_FILE, f"data/{REFERENCE_DIR}/{ESCO_FILE}", ("uri", "pref_label", "source"), problems):
        out[URIRef(r["uri"])] = Target(URIRef(r["uri"]), r["pref_label"])
    return out, problems


def load(data_dir: Path, schema: dict[str, list[Problem]] | None = None) -> tuple[list[MappingFile], dict[URIRef, Target]]:
    """Read and check every mapping file and the reference snapshots; raise DataError with all problems.

    `schema`: what `schema_problems` said, if it was asked already."""
    files, problems = [], []
    targets, ref_problems = load_targets(data_dir)
    problems += ref_problems
    folder = data_dir / MAPPINGS_DIR
    for path in sorted(folder.glob("*.sssom.tsv")) if folder.is_dir() else []:
        rel = f"data/{MAPPINGS_DIR}/{path.name}"
        mf, found = read_file(path, rel)
        problems += found
        for row in mf.rows:
            t = targets.get(row.target)
            if targets and t is None:
                problems.append(Problem(rel, row.line, "object_id", f"<{row.target}> is not in the reference snapshot"))
            elif t is not None and t.label != row.object_label:
                problems.append(Problem(rel, row.line, "object_label",
                                        f"'{row.object_label}' differs from the snapshot's label '{t.label}'"))
        if not found:
            problems += schema[path.name] if schema is not None and path.name in schema else _sssom_problems(path, rel)
        files.append(mf)
    if problems:
        raise DataError(problems)
    return files, targets


def _parse(path: Path):
    from sssom.parsers import parse_sssom_table

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return parse_sssom_table(path)


def _sssom_problems(path: Path, rel: str) -> list[Problem]:
    """What the SSSOM schema itself says about the file (sssom's default validations)."""
    from sssom.validators import validate as sssom_validate

    logging.getLogger("sssom").setLevel(logging.ERROR)
    try:
        sssom_validate(_parse(path), fail_on_error=True)
    except Exception as exc:  # sssom raises several types; all mean "not valid SSSOM"
        return [Problem(rel, None, None, f"is not valid SSSOM: {exc}")]
    return []


def check_subjects(files: list[MappingFile], national) -> None:
    """Every subject is an item cnocc publishes, named as the row says.

    `national`: the national graphs' triples (any iterables of (s, p, o)), read once."""
    wanted = {row.subject for mf in files for row in mf.rows}
    zh: dict = {}
    concepts = set()
    for g in national:
        for s, p, o in g:
            if s in wanted:
                if p == SKOS.prefLabel and getattr(o, "language", None) == "zh":
                    zh.setdefault(s, set()).add(str(o))
                elif p == RDF.type and o == SKOS.Concept:
                    concepts.add(s)
    problems = []
    for mf in files:
        rel = f"data/{MAPPINGS_DIR}/{mf.path.name}"
        for row in mf.rows:
            names = zh.get(row.subject, set())
            if row.subject not in concepts:
                problems.append(Problem(rel, row.line, "subject_id", f"<{row.subject}> is not an item of any edition"))
            elif row.subject_label not in names:
                problems.append(Problem(rel, row.line, "subject_label",
                                        f"'{row.subject_label}' is not the item's name ({', '.join(sorted(names))})"))
    if problems:
        raise DataError(problems)


