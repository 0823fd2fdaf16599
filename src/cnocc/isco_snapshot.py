"""A committed snapshot of the ISCO-08 groups, taken from ESCO v1.2's published file.

Links to ISCO-08 must point at groups that exist and carry their English titles and hierarchy,
without the graph ever reaching for the network. The raw ESCO file is not the project's to commit,
so maintainers extract what cnocc needs (code, level, title, parent) into `data/reference/`, and a
test re-extracts it wherever the raw file is at hand.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

ISCO_PREFIX = "http://data.europa.eu/esco/isco/C"
LEVELS = {1: "major", 2: "sub-major", 3: "minor", 4: "unit"}
OFFICIAL = {"major": 10, "sub-major": 43, "minor": 130, "unit": 436}  # ISCO-08 as ESCO publishes it
HEADER = ("code", "level", "title_en", "parent", "uri", "source")
SOURCE = "esco-v1-2"


class SnapshotError(Exception):
    """The file is not ESCO v1.2's occupations-and-ISCO list, or does not hold ISCO-08 whole."""


@dataclass(frozen=True)
class Summary:
    counts: dict[str, int]
    path: Path

    def __str__(self) -> str:
        return f"wrote {self.path}: " + ", ".join(f"{n} {lv}" for lv, n in self.counts.items()) + " ISCO-08 groups"


def extract_isco(esco_csv: Path, out_dir: Path) -> Summary:
    """Write `out_dir/isco08-groups.csv`, checking ISCO-08's known shape first; write nothing on error."""
    try:
        text = esco_csv.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"{esco_csv}: cannot be read as UTF-8 text ({exc})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames != ["id", "description"]:
        raise SnapshotError(f"{esco_csv}: expected the columns id,description, found {reader.fieldnames}")
    rows = []
    for r in reader:
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
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    w.writerows(rows)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "isco08-groups.csv"
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=".isco08-groups-", suffix=".csv")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(buf.getvalue())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Summary(counts, target)
