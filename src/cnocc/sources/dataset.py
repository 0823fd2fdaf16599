"""The source tables read together and checked against each other.

Single-cell checks happen in `tables.py`; here come the checks that need more than one row:
references to sources, agencies and parents, the shape of the hierarchy, codes that must extend
their parent's, duplicate codes, and evidence quotes that must occur in their source text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cnocc.model.errors import DataError, Problem
from cnocc.sources.sourcetext import SourceText
from cnocc.sources.tables import Row, read_all

LEVEL_ABOVE = {"sub-major-group": "major-group", "minor-group": "sub-major-group", "occupation": "minor-group"}


@dataclass
class Dataset:
    tables: dict[str, list[Row]]
    texts: dict[str, SourceText]  # source id -> text, for sources kept as files

    def rows(self, file: str) -> list[Row]:
        return self.tables[file]

    def by(self, file: str, *key: str) -> dict:
        out = {}
        for r in self.tables[file]:
            k = tuple(r[c] for c in key)
            out[k[0] if len(k) == 1 else k] = r
        return out

    def quote_source(self, row: Row) -> str | None:
        """The first cited source whose text the project keeps: where the row's quotes come from."""
        for s in row.get("source") or []:
            if s in self.texts:
                return s
        return None


def _find_cycle(parents: dict[str, str]) -> list[str] | None:
    for start in sorted(parents):
        seen = [start]
        node = parents.get(start)
        while node is not None:
            if node in seen:
                return seen[seen.index(node):] + [node]
            seen.append(node)
            node = parents.get(node)
    return None


def load(data_dir: Path) -> Dataset:
    """Read and cross-check every table; raise DataError naming each problem found."""
    tables = read_all(data_dir)
    problems: list[Problem] = []
    P = problems.append

    sources = {r["id"]: r for r in tables["sources.csv"]}
    agencies = {r["id"]: r for r in tables["agencies.csv"]}
    editions = {r["id"]: r for r in tables["editions.csv"]}
    announcements = {r["id"]: r for r in tables["announcements.csv"]}
    notices = {r["id"]: r for r in tables["notices.csv"]}
    policies = {r["id"]: r for r in tables["policies.csv"]}
    levels = {(r["edition"], r["level"]): r for r in tables["levels.csv"]}

    texts: dict[str, SourceText] = {}
    for r in tables["sources.csv"]:
        if r["path"]:
            path = data_dir / r["path"]
            if not path.is_file():
                P(r.problem("path", f"'{r['path']}' does not exist under data/"))
            else:
                try:
                    texts[r["id"]] = SourceText.from_file(path)
                except UnicodeDecodeError:
                    P(r.problem("path", f"'{r['path']}' is not UTF-8 text"))
        if r["publisher"] and r["publisher"] not in agencies:
            P(r.problem("publisher", f"unknown agency '{r['publisher']}'"))

    def refs(row: Row, col: str, known: dict, what: str) -> None:
        value = row.get(col)
        for v in ([value] if isinstance(value, str) else value or []):
            if v not in known:
                P(row.problem(col, f"unknown {what} '{v}'"))

    source_cols = ("source", "code_source", "definition_source", "parent_source", "name_en_source")
    for file, rows in tables.items():
        for row in rows:
            for col in source_cols:
                if col in row.values and not (col == "name_en_source" and row[col] == "cnocc"):
                    refs(row, col, sources, "source")
            if "edition" in row.values:
                refs(row, "edition", editions, "edition")
            for col in ("introduced_by", "invalidated_by"):
                if col in row.values:
                    refs(row, col, announcements, "announcement")

    for r in tables["agencies.csv"]:
        refs(r, "unit_of", agencies, "agency")
    for r in tables["editions.csv"]:
        refs(r, "creators", agencies, "agency")
        refs(r, "supersedes", editions, "edition")
        for lv in r.get("levels") or []:
            if (r["id"], lv) not in levels:
                P(r.problem("levels", f"level '{lv}' has no row in data/levels.csv"))
    for r in tables["notices.csv"]:
        refs(r, "issuers", agencies, "agency")
    for r in tables["announcements.csv"]:
        refs(r, "agencies", agencies, "agency")
        refs(r, "notice", notices, "notice")
        refs(r, "document", sources, "source")

    # The classification hierarchy of groups: parent at the level above, code extending it, no cycles.
    group_rows = tables["groups.csv"] + tables["2022/groups.csv"]
    occupation_rows = tables["occupations.csv"] + tables["2022/occupations.csv"]
    groups = {(r["edition"], r["code"]): r for r in group_rows}
    parents = {f"{e}/{c}": f"{e}/{r['parent']}" for (e, c), r in groups.items() if r["parent"]}
    cycle = _find_cycle(parents)
    if cycle:
        r = groups[tuple(cycle[0].split("/", 1))]
        P(r.problem("parent", "the hierarchy has a cycle: " + " → ".join(c.split("/", 1)[1] for c in cycle)))

    def check_code(r: Row, level: str) -> None:
        lv = levels.get((r["edition"], level))
        pattern = lv["notation_pattern"] if lv else ""
        if r["code"] and pattern and not re.match(pattern, r["code"]):
            P(r.problem("code", f"'{r['code']}' does not match the {level} pattern {pattern}"))

    def check_parent(r: Row, level: str) -> None:
        above = LEVEL_ABOVE.get(level)
        parent = r["parent"]
        if not parent:
            if level != "major-group" and level != "occupation":
                P(r.problem("parent", f"a {level} needs a parent"))
            if level == "occupation" and r["code"]:
                P(r.problem("parent", "an occupation with a code needs its minor group as parent"))
            return
        if above is None:
            P(r.problem("parent", f"a {level} has no parent level"))
            return
        p = groups.get((r["edition"], parent))
        if p is None:
            P(r.problem("parent", f"unknown parent '{parent}' in edition {r['edition']}"))
        elif p["level"] != above:
            P(r.problem("parent", f"parent '{parent}' is a {p['level']}, expected a {above}"))
        elif not cycle and r["code"] and not r["code"].startswith(parent + "-"):
            P(r.problem("code", f"'{r['code']}' does not extend its parent's code '{parent}'"))

    if not cycle:
        for r in group_rows:
            check_code(r, r["level"])
            check_parent(r, r["level"])
            if not r["name_zh"] and not r.values.get("note"):
                P(r.problem("name_zh", "is empty; a group without a sourced name needs a note saying so"))
            if r.values.get("name_en") and not r["name_en_source"]:
                P(r.problem("name_en_source", "is required when name_en is given"))

    occupations = {r["slug"]: r for r in tables["occupations.csv"]}
    codes: dict[tuple[str, str], Row] = {}
    for r in occupation_rows:
        check_code(r, "occupation")
        check_parent(r, "occupation")
        if r["code"]:
            key = (r["edition"], r["code"])
            if key in codes:
                P(r.problem("code", f"'{r['code']}' is a duplicate (first on line {codes[key].line})"))
            elif key in groups:
                P(r.problem("code", f"'{r['code']}' is already a group's code"))
            codes.setdefault(key, r)
            if "code_source" in r.values and not r["code_source"]:
                P(r.problem("code_source", "is required when code is given"))
        if r.values.get("definition_zh") and not r["definition_source"]:
            P(r.problem("definition_source", "is required when definition_zh is given"))

    work_types = {r["slug"]: r for r in tables["work_types.csv"]}
    for r in tables["work_types.csv"]:
        refs(r, "parent", occupations, "parent occupation")
        refs(r, "raised_to", occupations, "occupation")
        if r["parent"] and not r["parent_source"]:
            P(r.problem("parent_source", "is required when parent is given"))
        if not r["parent"] and not r["note"]:
            P(r.problem("parent", "is empty; a work type without a sourced parent needs a note saying so"))

    targets = {"announcement": announcements, "occupation": occupations, "work-type": work_types}

    def ref_targets(row: Row, col: str) -> None:
        value = row.get(col)
        for v in ([value] if isinstance(value, str) else value or []):
            kind, _, ident = v.partition(":")
            if ident not in targets[kind]:
                P(row.problem(col, f"unknown {kind} '{ident}'"))

    policy_parents = {r["id"]: r["parent"] for r in tables["policies.csv"] if r["parent"]}
    pcycle = _find_cycle(policy_parents)
    if pcycle:
        P(policies[pcycle[0]].problem("parent", "the hierarchy has a cycle: " + " → ".join(pcycle)))
    for r in tables["policies.csv"]:
        refs(r, "parent", policies, "policy")
    for r in tables["drivers.csv"]:
        refs(r, "policy", policies, "policy")
        ref_targets(r, "target")
    for r in tables["characteristics.csv"]:
        refs(r, "announcement", announcements, "announcement")
        ref_targets(r, "members")
    for r in tables["figures.csv"]:
        refs(r, "announcement", announcements, "announcement")
    slugs = {r["slug"]: r for r in tables["occupations.csv"]}
    for r in tables["batch_occupations.csv"]:
        refs(r, "announcement", announcements, "announcement")
        if r["slug"] in slugs:
            P(r.problem("slug", f"'{r['slug']}' is already used on line {slugs[r['slug']].line}"))
        slugs.setdefault(r["slug"], r)
    for r in tables["renames.csv"]:
        g = groups.get(("2015", r["source_code"]))
        if g is None:
            P(r.problem("source_code", f"unknown 2015 group '{r['source_code']}'"))
        elif g["name_zh"] != r["source_name_zh"]:
            P(r.problem("source_name_zh", f"'{r['source_name_zh']}' is not the name of 2015 group {r['source_code']}"))

    ds = Dataset(tables, texts)
    for file, rows in tables.items():
        for row in rows:
            quotes = row.get("evidence") if "evidence" in row.values else None
            if not quotes:
                continue
            src = ds.quote_source(row)
            if src is None:
                P(row.problem("evidence", "has quotes but cites no source whose text is kept under data/"))
                continue
            for q in quotes:
                if q not in texts[src].text:
                    P(row.problem("evidence", f"quote '{q}' is not found in the text of source '{src}'"))
    if problems:
        raise DataError(problems)
    return ds
