"""Choosing the scale for a target size, writing the catalogue, and the command line."""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cnocc import paths

from .catalogue import _Catalogue
from .layout import _Counts, _estimate, _isco_reached, _Layout, _layout, _marks, _NoRoom, _Real
from .tables import EDITION, parse_size

# --- choosing the scale ---------------------------------------------------------------------------

def _counts_of_layout(real: _Real, lay: _Layout) -> _Counts:
    """The counts `_Catalogue` would give, without building rows: cheap enough to search the scale."""
    c = _Counts(layers=lay.layers)
    kept = [real.units[i] for i in lay.kept]
    c.occupations = sum(len(u.occupations) for u in kept)
    c.marks = sum(_marks(o) for u in kept for o in u.occupations)
    c.minors = len(kept)
    c.subs = len({u.sub for u in kept})
    c.majors = len({u.major for u in kept} | set(lay.plans))
    for plan in lay.plans.values():
        for sub in plan.subs:
            c.subs += 1
            c.minors += len(sub) + (real.units[sub[0][0][1]].sub in real.residual)
            for members in sub:
                for _, idx in members:
                    c.occupations += real.n_occupations[idx]
                    c.marks += real.n_marks[idx]
    mapped_2022 = {name: [r for r in f.rows if r["subject_id"].startswith(f"cn:{EDITION}/")] for name, f in real.sssom.items()}
    other = sum(len(f.rows) - len(mapped_2022[name]) for name, f in real.sssom.items())
    kept_codes = {o["code"] for u in kept for o in u.occupations}
    c.mapping_rows = other * lay.layers + sum(1 for rows in mapped_2022.values() for r in rows
                                              if r["subject_id"].rsplit("/", 1)[1] in kept_codes)
    if lay.layers > 1:  # copies 2..layers hold the 2022 subject if their copy of its minor group was made
        copied = {}
        for plan in lay.plans.values():
            for members in plan.minors():
                for k, idx in members:
                    copied.setdefault(k, set()).add(idx)
        unit_of = {o["code"]: i for i, u in enumerate(real.units) for o in u.occupations}
        for k in range(2, lay.layers + 1):
            for rows in mapped_2022.values():
                c.mapping_rows += sum(1 for r in rows if unit_of.get(r["subject_id"].rsplit("/", 1)[1]) in copied.get(k, ()))
    isco = real.tables["reference/isco08-groups.csv"].rows
    # below scale 1 only 2022 rows are dropped, and their 2015 twins reach the same ISCO groups
    c.isco_rows = len(isco) if lay.scale >= 1 else len(_isco_reached(isco, [f.rows for f in real.sssom.values()]))
    return c


def _choose(real: _Real, quads: int, seed: int) -> _Layout:
    """The layout whose estimate is nearest `quads`: bisection on the scale, the estimate being (nearly) monotone."""
    def est(scale: float) -> float:
        try:
            return _estimate(_counts_of_layout(real, _layout(real, scale, seed)))
        except _NoRoom:
            return math.inf

    lo, hi = 0.0, 1.0
    while est(hi) < quads:
        lo, hi = hi, hi * 2
        if hi > 1e5:
            raise ValueError(f"{quads} quads is beyond what the generator can place")
    for _ in range(40):
        mid = (lo + hi) / 2
        if est(mid) < quads:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-4:
            break
    best = min((lo, hi), key=lambda s: abs(est(s) - quads))
    if est(best) == math.inf or est(best) < 0.75 * quads:
        raise _NoRoom(f"{quads:,} quads is more than the free codes of the 2022 edition can hold "
                      f"(about {est(lo):,} at most)")
    return _layout(real, best, seed)


# --- the public entry point -----------------------------------------------------------------------

@dataclass
class Summary:
    """What was written, for a benchmark's log: sizes per table and the scale that produced them."""

    out: str
    quads_requested: int
    estimated_quads: int
    seed: int
    scale: float  # 2022 minor groups written / real ones
    layers: int  # copies of the announcement layer (the real one included)
    packing: int  # most copied minor groups sharing one synthetic minor group
    rows: dict[str, int]  # rows per table written
    levels: dict[str, int]  # 2022 items per level, as declared in levels.csv

    def __str__(self) -> str:
        lines = [f"wrote {self.out}: about {self.estimated_quads:,} quads (asked {self.quads_requested:,}), "
                 f"seed {self.seed}, scale {self.scale:.3f}, {self.layers} announcement layer(s), packing {self.packing}"]
        lines += [f"  {lv:26} {n:9,}" for lv, n in self.levels.items()]
        lines += [f"  {name:26} {n:9,} rows" for name, n in self.rows.items()]
        return "\n".join(lines)


def generate(out: Path, triples: int, seed: int = 0, source: Path = paths.DATA_DIR) -> Summary:
    """Write a data folder at `out` (new, or empty) whose build gives about `triples` quads."""
    out, source = Path(out), Path(source)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"{out} exists and is not an empty folder")
    if triples < 1:
        raise ValueError("triples must be positive")
    real = _Real(source)
    lay = _choose(real, triples, seed)
    cat = _Catalogue(real, lay)
    files = cat.files()

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        for path in sorted(source.rglob("*")):
            rel = path.relative_to(source)
            if path.is_file() and "__pycache__" not in rel.parts and rel.as_posix() not in files:
                (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, tmp / rel)
        for rel, text in sorted(files.items()):
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp / rel).write_bytes(text.encode("utf-8"))
        os.chmod(tmp, 0o755)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    c = cat.counts()
    return Summary(
        out=str(out), quads_requested=triples, estimated_quads=_estimate(c), seed=seed,
        scale=round(lay.scale, 4), layers=lay.layers, packing=lay.packing,
        rows=cat.row_counts(),
        levels={"major-group": c.majors, "sub-major-group": c.subs, "minor-group": c.minors, "occupation": c.occupations})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cnocc.synthetic", description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to create (must not exist, or be empty)")
    parser.add_argument("--triples", required=True, type=parse_size, help="about how many quads the build should give: 10k, 1m, 6.5m")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--source", type=Path, default=paths.DATA_DIR, help="the real data folder to scale")
    args = parser.parse_args(argv)
    try:
        summary = generate(args.out, args.triples, seed=args.seed, source=args.source)
    except (FileExistsError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
