"""The real catalogue as the unit of copying, and the plan of a synthetic one: how many copies of which minor groups fit in each synthetic major group."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from pathlib import Path

from .tables import EDITION, MINOR_SLOTS, OCCUPATION_SLOTS, SUFFIX, _code_key, _read, _Sssom

# --- the real catalogue, as the unit of copying --------------------------------------------------

@dataclass(frozen=True)
class _Unit:
    """A real minor group with its occupations: copies keep a minor group's occupations together."""

    minor: dict
    occupations: tuple[dict, ...]

    @property
    def major(self) -> str:
        return self.minor["code"].split("-")[0]

    @property
    def sub(self) -> str:
        return self.minor["parent"]


class _Real:
    """The source folder's tables, read once; everything generated is derived from them."""

    def __init__(self, source: Path):
        self.source = source
        t = {name: _read(source / name) for name in (
            "2022/groups.csv", "2022/occupations.csv", "levels.csv", "marks.csv", "occupations.csv", "work_types.csv",
            "batch_occupations.csv", "announcements.csv", "characteristics.csv", "drivers.csv", "figures.csv",
            "reference/isco08-groups.csv")}
        self.tables = t
        self.sssom = {p.name: _Sssom.read(p) for p in sorted((source / "mappings").glob("*.sssom.tsv"))}

        groups = [g for g in t["2022/groups.csv"].rows if g["edition"] == EDITION]
        self.groups = {g["code"]: g for g in groups}
        occs: dict[str, list[dict]] = {}
        for o in t["2022/occupations.csv"].rows:
            occs.setdefault(o["parent"], []).append(o)
        self.units = [_Unit(g, tuple(occs.get(g["code"], ()))) for g in groups if g["level"] == "minor-group"]
        self.filled = [i for i, u in enumerate(self.units) if u.occupations]
        self.n_occupations = [len(u.occupations) for u in self.units]
        self.n_marks = [sum(_marks(o) for o in u.occupations) for u in self.units]
        # the residual 其他… minor group (empty, coded -99) of each sub-major group that has one
        self.residual = {u.sub: u.minor for u in self.units if not u.occupations and u.minor["code"].endswith("-99")}
        self.majors = sorted({u.major for u in self.units}, key=int)
        used = {}
        for g in groups:
            if g["level"] == "sub-major-group":
                used.setdefault(g["parent"], set()).add(int(g["code"].split("-")[1]))
        # sub-major codes the real edition leaves free (01–98; 00 and 99 keep their special sense)
        self.free = {m: [n for n in range(1, 99) if n not in used.get(m, set())] for m in self.majors}

        for row in groups + t["2022/occupations.csv"].rows + t["occupations.csv"].rows + t["work_types.csv"].rows:
            if SUFFIX.search(row["name_zh"]):
                raise ValueError(f"the real name {row['name_zh']!r} already ends like a copy number; copies could clash")

        by_code = {o["code"]: i for i, u in enumerate(self.units) for o in u.occupations}
        self.mapped_codes = sorted({s.split("/")[-1] for f in self.sssom.values() for r in f.rows
                                    if (s := r["subject_id"]).startswith("cn:2022/occupation/")}, key=_code_key)
        self.priority = sorted({by_code[c] for c in self.mapped_codes if c in by_code})
        self.batch_base = max((int(a["batch"]) for a in t["announcements.csv"].rows), default=0)


# --- the layout: which copy of which minor group goes where ---------------------------------------

Minor = list[tuple[int, int]]  # a synthetic minor group: the (copy, real unit) pairs whose occupations it holds


@dataclass
class _MajorPlan:
    free: list[int]  # sub-major numbers the real edition leaves free in this major group
    subs: list[list[Minor]]  # synthetic sub-major groups, in code order, with their minor groups
    packing: int  # most real minor groups copied into one synthetic minor group

    def minors(self) -> list[Minor]:
        return [mi for sub in self.subs for mi in sub]


@dataclass
class _Layout:
    scale: float
    layers: int  # copies of the announcement layer, the real one included
    kept: list[int]  # real units kept (all of them from scale 1 up)
    plans: dict[str, _MajorPlan] = field(default_factory=dict)

    @property
    def packing(self) -> int:
        return max((p.packing for p in self.plans.values()), default=1)


class _NoRoom(ValueError):
    """More copies than the free codes of a major group can hold, even packed."""


def _pack(real: _Real, stream: list[tuple[int, int]], per: int) -> list[list[tuple[int, int]]]:
    minors: list[list[tuple[int, int]]] = []
    cur: list[tuple[int, int]] = []
    size = 0
    for k, i in stream:
        n = len(real.units[i].occupations)
        if cur and (len(cur) == per or size + n > OCCUPATION_SLOTS):
            minors.append(cur)
            cur, size = [], 0
        cur.append((k, i))
        size += n
    if cur:
        minors.append(cur)
    return minors


def _fill(packed: list[list[Minor]], free: int) -> list[list[Minor]] | None:
    """Sub-major groups for the copied sub-major groups: one each while free codes last, else several
    copies of the same real sub-major group share one (they are ordered so), up to MINOR_SLOTS minor groups."""
    if any(len(p) > MINOR_SLOTS for p in packed):
        return None
    if len(packed) <= free:
        return [list(p) for p in packed]
    target = math.ceil(sum(len(p) for p in packed) / free)
    subs: list[list[Minor]] = []
    cur: list[Minor] = []
    for p in packed:
        if cur and (len(cur) >= target or len(cur) + len(p) > MINOR_SLOTS):
            subs.append(cur)
            cur = []
        cur += p
    subs.append(cur)
    return subs if len(subs) <= free else None


def _layout(real: _Real, scale: float, seed: int) -> _Layout:
    rng = random.Random(seed)
    n = len(real.units)
    if scale <= 1:
        count = max(1, min(n, round(scale * n)))
        first = set(real.priority)
        rest = [i for i in range(n) if i not in first]
        rng.shuffle(rest)
        return _Layout(scale, 1, sorted((real.priority + rest)[:count]))
    extra = round((scale - 1) * len(real.filled))
    lay = _Layout(scale, max(1, round(scale)), list(range(n)))
    stream: list[tuple[int, int]] = []
    k = 2
    while extra > 0:
        take = real.filled if extra >= len(real.filled) else sorted(rng.sample(real.filled, extra))
        stream += [(k, i) for i in take]
        extra -= len(take)
        k += 1
    for m in real.majors:
        # a copied sub-major group: the copy k of the real sub-major group s, with its copied minor groups
        pairs: dict[tuple[str, int], list[tuple[int, int]]] = {}
        for k, i in stream:
            if real.units[i].major == m:
                pairs.setdefault((real.units[i].sub, k), []).append((k, i))
        if not pairs:
            continue
        order = sorted(pairs, key=lambda sk: (_code_key(sk[0]), sk[1]))
        per = 1
        while (subs := _fill([_pack(real, pairs[key], per) for key in order], len(real.free[m]))) is None:
            per += 1
            if per > OCCUPATION_SLOTS:
                raise _NoRoom(f"major group {m} has no room for {len(stream)} copied minor groups")
        lay.plans[m] = _MajorPlan(real.free[m], subs, per)
    return lay


def _isco_reached(rows: list[dict], mapping_rows) -> list[dict]:
    """The ISCO groups mapped to and their ancestors, so paths up to a major group still work."""
    by_code = {r["code"]: r for r in rows}
    keep: set[str] = set()
    for f in mapping_rows:
        for r in f:
            code = r["object_id"].removeprefix("isco:") if r["object_id"].startswith("isco:") else None
            while code and code in by_code and code not in keep:
                keep.add(code)
                code = by_code[code]["parent"]
    return [r for r in rows if r["code"] in keep]


# --- the size estimate ----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Cost:
    """Quads per generated row, asserted and inferred together.

    Read off the build: an occupation of the 2022 tree has 9 asserted triples (types, scheme,
    Chinese and pinyin labels, code, code source, source, parent) plus its level's skos:member,
    plus 13 from OWL-RL (narrower on its parent; broaderTransitive, narrowerTransitive and
    semanticRelation both ways with each of its 3 ancestors); a minor group 10 + 9, a sub-major
    group 10 + 5, a major group 11. `layer` (one more copy of the announcement layer without its
    mapping rows) and `fixed` (the rest) are fitted to builds: the real data gives 57,791 quads
    (estimate 57,760), generated folders 9,931 for 10k (9,998), 100,043 for 100k (100,045) and
    100,003 for 100k with packed minor groups forced (99,999).
    """

    occupation: float = 23.0
    mark: float = 1.0
    minor: float = 19.0
    sub: float = 15.0
    major: float = 11.0
    mapping_row: float = 17.3
    isco_row: float = 7.065
    layer: float = 2430.0
    fixed: float = 4650.0


COST = _Cost()


@dataclass
class _Counts:
    occupations: int = 0
    marks: int = 0
    minors: int = 0
    subs: int = 0
    majors: int = 0
    layers: int = 1
    mapping_rows: int = 0
    isco_rows: int = 0


def _estimate(c: _Counts, cost: _Cost = COST) -> int:
    return round(cost.fixed + cost.occupation * c.occupations + cost.mark * c.marks + cost.minor * c.minors
                 + cost.sub * c.subs + cost.major * c.majors + cost.layer * (c.layers - 1)
                 + cost.mapping_row * c.mapping_rows + cost.isco_row * c.isco_rows)


# --- generating the rows --------------------------------------------------------------------------

def _marks(o: dict) -> int:
    return len([m for m in o.get("marks", "").split("/") if m])

