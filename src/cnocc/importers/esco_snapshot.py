"""Committed snapshots of ESCO v1.2 reference data: the ISCO-08 groups and the ESCO occupations cnocc maps to.

Links to ISCO-08 and ESCO must point at concepts that exist and carry their English labels, without
the graph ever reaching for the network. The raw ESCO file is not the project's to commit, so
maintainers extract what cnocc needs into `data/reference/`, and a test re-extracts it wherever the
raw file is at hand.

ESCO writes an occupation's preferred label, alternative labels and description run together with
single spaces, so a preferred label cannot be cut out of the row. The label therefore comes from the
mapping that uses the occupation, and the raw row only confirms it: the row must begin with it.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cnocc import paths

ISCO_PREFIX = "http://data.europa.eu/esco/isco/C"
OCCUPATION_PREFIX = "http://data.europa.eu/esco/occupation/"
LEVELS = {1: "major", 2: "sub-major", 3: "minor", 4: "unit"}
OFFICIAL = {"major": 10, "sub-major": 43, "minor": 130, "unit": 436}  # ISCO-08 as ESCO publishes it
HEADER = ("code", "level", "title_en", "parent", "uri", "source")
OCCUPATION_HEADER = ("uri", "pref_label", "source")
SOURCE = "esco-v1-2"
ISCO_FILE = "isco08-groups.csv"
OCCUPATION_FILE = "esco-occupations.csv"
MAPPINGS_DIR = paths.DATA_DIR / "mappings"


class SnapshotError(Exception):
    """The raw file is not ESCO v1.2's list, or the mappings name ESCO occupations it cannot confirm."""


@dataclass(frozen=True)
class Summary:
    counts: dict[str, int]
    path: Path
    occupations: int
    occupations_path: Path

    def __str__(self) -> str:
        groups = ", ".join(f"{n} {lv}" for lv, n in self.counts.items())
        return (f"wrote {self.path}: {groups} ISCO-08 groups; "
                f"wrote {self.occupations_path}: {self.occupations} ESCO occupations")


@dataclass(frozen=True)
class Target:
    """An ESCO occupation as a mapping row names it; file and line let an error point at the row to fix."""

    uri: str
    label: str
    file: Path
    line: int

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


def extract_esco(esco_csv: Path, out_dir: Path, mappings_dir: Path = MAPPINGS_DIR) -> Summary:
    """Write both snapshots into `out_dir`, or neither: every check runs before the first file is replaced."""
    raw = _read_raw(esco_csv)
    groups = _isco_rows(raw, esco_csv)
    occupations = _occupation_rows(_mapping_targets(mappings_dir), _occupation_descriptions(raw, esco_csv),
                                   esco_csv)
    written = _write_together(out_dir, {ISCO_FILE: _render(HEADER, groups),
                                        OCCUPATION_FILE: _render(OCCUPATION_HEADER, occupations)})
    counts = {lv: sum(r[1] == lv for r in groups) for lv in OFFICIAL}
    return Summary(counts, written[ISCO_FILE], len(occupations), written[OCCUPATION_FILE])


def _read_raw(esco_csv: Path) -> list[dict[str, str]]:
    """Refuse anything but ESCO's two-column file early, so later checks can trust its shape."""
    try:
        text = esco_csv.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"{esco_csv}: cannot be read as UTF-8 text ({exc})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames != ["id", "description"]:
        raise SnapshotError(f"{esco_csv}: expected the columns id,description, found {reader.fieldnames}")
    return list(reader)


def _isco_rows(raw: list[dict[str, str]], esco_csv: Path) -> list[tuple[str, ...]]:
    """Check ISCO-08's known shape (counts, parents) so a truncated or altered file cannot pass as whole."""
    rows = []
    for r in raw:
        if not r["id"].startswith(ISCO_PREFIX):
            continue
        code = r["id"][len(ISCO_PREFIX):]
        title, sep, _ = r["description"].partition("  ")  # ESCO writes "Title  Definition…"
        if not code.isdigit() or len(code) not in LEVELS or not sep or not title.strip():
            raise SnapshotError(f"{esco_csv}: line for {r['id']} is not an ISCO-08 group as ESCO writes it")
        rows.append((code, LEVELS[len(code)], title.strip(), code[:-1], r["id"], SOURCE))
    rows.sort()
    codes = {r[0] for r in rows}
    counts = {lv: sum(r[1] == lv for r in rows) for lv in OFFICIAL}
    problems = [f"{n} {lv} groups, expected {OFFICIAL[lv]}" for lv, n in counts.items() if n != OFFICIAL[lv]]
    problems += [f"group {r[0]} has no parent {r[3]}" for r in rows if r[3] and r[3] not in codes]
    if len(codes) != len(rows):
        problems.append("a code occurs twice")
    if problems:
        raise SnapshotError(f"{esco_csv}: " + "; ".join(problems))
    return rows


def _occupation_descriptions(raw: list[dict[str, str]], esco_csv: Path) -> dict[str, str]:
    """A URI given twice would make the confirmation depend on which row is read; refuse it."""
    found: dict[str, str] = {}
    for r in raw:
        if r["id"].startswith(OCCUPATION_PREFIX):
            if r["id"] in found:
                raise SnapshotError(f"{esco_csv}: the occupation {r['id']} occurs twice")
            found[r["id"]] = r["description"]
    return found


def _mapping_targets(mappings_dir: Path) -> list[Target]:
    """Only the occupations the mappings use are snapshotted: the graph needs no others."""
    if not mappings_dir.is_dir():
        raise SnapshotError(f"{mappings_dir}: no such folder of mapping files")
    targets = []
    for path in sorted(mappings_dir.glob("*.sssom.tsv")):
        targets += _targets_in(path)
    return targets


def _targets_in(path: Path) -> list[Target]:
    """Line numbers count the YAML header too, so they match what an editor shows."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    except (OSError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"{path}: cannot be read as UTF-8 text ({exc})") from None
    n_meta = next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))
    prefixes = _curie_map(lines[:n_meta])
    # QUOTE_NONE: SSSOM TSV is not quoted; a stray quote in a comment must not swallow the next rows.
    reader = csv.DictReader(lines[n_meta:], delimiter="\t", quoting=csv.QUOTE_NONE)
    missing = {"object_id", "object_label"} - set(reader.fieldnames or ())
    if missing:
        raise SnapshotError(f"{path}:{n_meta + 1}: the header lacks {', '.join(sorted(missing))}")
    targets = []
    for row in reader:
        line = n_meta + reader.line_num
        uri = _occupation_uri((row["object_id"] or "").strip(), prefixes, f"{path}:{line}")
        if uri:
            targets.append(Target(uri, row["object_label"] or "", path, line))
    return targets


def _curie_map(meta: list[str]) -> dict[str, str]:
    """Read just the curie_map block of the YAML header: enough to expand `esco:` without a YAML parser."""
    prefixes: dict[str, str] = {}
    inside = False
    for line in meta:
        body = line[1:].rstrip("\r\n")
        body = body[1:] if body.startswith(" ") else body  # "# key:" → "key:"; nested keys stay indented
        if not body.strip():
            continue
        if not body.startswith((" ", "\t")):
            inside = body.rstrip() == "curie_map:"
        elif inside:
            key, _, value = body.strip().partition(":")
            prefixes[key.strip()] = value.strip().strip("'\"")
    return prefixes


def _occupation_uri(object_id: str, prefixes: dict[str, str], where: str) -> str | None:
    """An `esco:` CURIE that does not expand to the occupation namespace would slip past the check; refuse it."""
    if object_id.startswith(OCCUPATION_PREFIX):
        return object_id
    if not object_id.startswith("esco:"):
        return None
    base = prefixes.get("esco")
    if base != OCCUPATION_PREFIX:
        raise SnapshotError(f"{where}: {object_id} cannot be expanded: the curie_map maps esco to {base!r}, "
                            f"not {OCCUPATION_PREFIX}")
    return base + object_id[len("esco:"):]


def _occupation_rows(targets: list[Target], descriptions: dict[str, str], esco_csv: Path) -> list[tuple[str, ...]]:
    """Every problem is listed at once, so one run shows the maintainer all the mapping rows to fix."""
    problems = []
    first: dict[str, Target] = {}
    for t in targets:
        problem = _label_problem(t, descriptions, esco_csv)
        if problem:
            problems.append(problem)
        elif t.uri in first and first[t.uri].label != t.label:
            problems.append(f"{t.where}: {t.uri} is labelled {t.label!r} here "
                            f"but {first[t.uri].label!r} at {first[t.uri].where}")
        first.setdefault(t.uri, t)
    if problems:
        raise SnapshotError("; ".join(problems))
    return sorted((uri, t.label, SOURCE) for uri, t in first.items())


def _label_problem(t: Target, descriptions: dict[str, str], esco_csv: Path) -> str | None:
    """ESCO's row opens with the preferred label and a space; any other match could be an alternative label."""
    description = descriptions.get(t.uri)
    if description is None:
        return f"{t.where}: {t.uri} is not an occupation in {esco_csv}"
    if not t.label or t.label != t.label.strip():
        return f"{t.where}: {t.uri} has no object_label (or one with surrounding spaces)"
    if description != t.label and not description.startswith(t.label + " "):
        return f"{t.where}: {t.uri} is labelled {t.label!r}, but its row in {esco_csv} does not begin with that label"
    return None


def _render(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """One fixed CSV dialect, so a re-extraction compares byte for byte with the committed file."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def _write_together(out_dir: Path, texts: dict[str, str]) -> dict[str, Path]:
    """Both files come from one raw file; replace them only once both are on disk, so they never disagree."""
    out_dir.mkdir(parents=True, exist_ok=True)
    temps: list[tuple[Path, Path]] = []
    try:
        for name, text in texts.items():
            fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{Path(name).stem}-", suffix=".csv")
            temps.append((Path(tmp), out_dir / name))
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                f.write(text)
        for tmp, target in temps:
            os.replace(tmp, target)
    finally:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
    return {name: out_dir / name for name in texts}
