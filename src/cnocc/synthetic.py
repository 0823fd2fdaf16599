"""Synthetic catalogues in cnocc's own source-table format, for benchmarks and tests at scale.

The real data gives about 58 thousand quads; a store, a reasoner or a validator behaves differently
at a million. A synthetic catalogue lets the real pipeline (`cnocc build --data OUT`) run at any
size on data that has the real data's shape, passes every cross-table check and every SHACL shape,
and is byte-for-byte reproducible from (size, seed, source).

It is the real catalogue scaled, not invented:

* the 2022 edition tree, which is most of the graph, grows by copies of the real minor groups with
  their occupations, names and S/L marks. Copy k's names end in k as a Chinese numeral, （二）,
  （三）…, so the pinyin labels stay realistic and no copy can take a real name. Copies sit under
  new sub-major groups with codes the real table leaves free, in the major group of the original,
  so every code extends its parent's and the GB/T 6565 code (gbm) follows from it as in the real
  table. While free codes last, each copied sub-major group gets its own code; beyond that copies
  of the same sub-major group share one, and from about 2 million quads a minor group takes the
  occupations of two or more copied minor groups (5 at most at 6.5 million);
* the announcement layer (the 2015-frame items and work types, the announced names, the
  announcements with their characteristics, policy drivers and figures, and the SSSOM mapping
  rows) is copied whole once per copy of the tree, its names carrying the same suffix, so that
  linking by exact name, the 2015→2022 correspondence and the mappings grow with the tree. Copies
  keep the real evidence quotes, which must occur in the cited source text;
* below the real size the tree is a random subset of the real minor groups, those with mapped
  occupations first, and the ISCO-08 snapshot keeps only the mapped groups and their ancestors.

Declared counts (levels and marks of the complete 2022 edition) are recomputed, since the shapes
compare them with the items found. The size is hit by an estimate per generated row, calibrated
on real builds (see `_Cost`); `Summary.estimated_quads` says what to expect.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import os
import random
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from cnocc import paths

EDITION = "2022"
SUFFIX = re.compile(r"（[零一二三四五六七八九十百千万]+）$")
MINOR_SLOTS = 98  # minor groups 01–98 of a synthetic sub-major; 99 is its residual 其他… group
OCCUPATION_SLOTS = 99  # occupations 01–99 of a packed minor group


# --- sizes and numerals ---------------------------------------------------------------------------

def parse_size(text: str | int) -> int:
    """'10k', '1m', '6.5m', '2500' (also '1_000', '2.5K'): sizes as people write them."""
    if isinstance(text, int):
        return text
    m = re.fullmatch(r"\s*([0-9][0-9_]*(?:\.[0-9]+)?)\s*([kmg]?)\s*", str(text), re.IGNORECASE)
    if not m:
        raise ValueError(f"not a size: {text!r} (e.g. 2500, 10k, 1m, 6.5m)")
    value = float(m.group(1).replace("_", "")) * {"": 1, "k": 10**3, "m": 10**6, "g": 10**9}[m.group(2).lower()]
    if value < 1:
        raise ValueError(f"not a size: {text!r} (must be at least 1)")
    return int(round(value))


_DIGITS = "零一二三四五六七八九"


def _below_10000(n: int) -> str:
    out, gap = [], False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // value % 10
        if d:
            out.append(("零" if gap else "") + _DIGITS[d] + unit)
            gap = False
        elif out:
            gap = True
    return "".join(out)


def chinese_numeral(n: int) -> str:
    """Copy numbers as a Chinese reader writes them (十一, 一百零五, 一万零一十), so pinyin reads them."""
    if not 0 <= n < 10**8:
        raise ValueError(f"{n} is out of range for a copy number")
    if n == 0:
        return _DIGITS[0]
    high, low = divmod(n, 10_000)
    text = (_below_10000(high) + "万" + ("零" if 0 < low < 1000 else "")) if high else ""
    text += _below_10000(low) if low else ""
    return text[1:] if text.startswith("一十") else text


def suffix(k: int) -> str:
    return f"（{chinese_numeral(k)}）"


def _gbm(code: str) -> str:
    """As the structure table prints it (cnocc.importers.structure_table): 2-02-38 → 20238, 4-10 → 41000."""
    return "".join(code.split("-")).ljust(5, "0")


def _code_key(code: str) -> tuple[int, ...]:
    return tuple(int(p) for p in code.split("-"))


# --- reading and writing the tables ---------------------------------------------------------------

@dataclass
class _Table:
    header: list[str]
    rows: list[dict[str, str]]


def _read(path: Path) -> _Table:
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        return _Table(header, [dict(zip(header, r)) for r in reader if any(r)])


def _csv_text(t: _Table) -> str:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(t.header)
    w.writerows([r.get(c, "") for c in t.header] for r in t.rows)
    return buf.getvalue()


@dataclass
class _Sssom:
    preamble: list[str]  # the YAML header, kept verbatim: the build exports the file as it is
    columns: list[str]
    rows: list[dict[str, str]]

    @classmethod
    def read(cls, path: Path) -> "_Sssom":
        lines = path.read_text(encoding="utf-8").splitlines()
        n = 0
        while n < len(lines) and lines[n].startswith("#"):
            n += 1
        columns = lines[n].split("\t")
        rows = [dict(zip(columns, line.split("\t"))) for line in lines[n + 1:] if line.strip()]
        return cls(lines[:n], columns, rows)

    def text(self, rows: list[dict[str, str]]) -> str:
        body = []
        for r in rows:
            cells = [r.get(c, "") for c in self.columns]
            if any(ch in cell for cell in cells for ch in "\t\r\n"):
                raise ValueError(f"a mapping cell holds a tab or line break: {cells}")
            body.append("\t".join(cells))
        return "\n".join(self.preamble + ["\t".join(self.columns)] + body) + "\n"


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


class _Catalogue:
    """The tables of one layout; counts come from the rows themselves, so the estimate sees what is written."""

    def __init__(self, real: _Real, lay: _Layout):
        self.real, self.lay = real, lay
        self.groups: list[dict] = []
        self.occupations: list[dict] = []
        self.code_map: dict[tuple[str, int], str] = {}  # (real 2022 code, copy) → code of the copy
        self._tree()
        self.layer_rows = self._layers()
        self.mapping_rows = self._mappings()
        self.isco_rows = self._isco()

    # the 2022 tree
    def _tree(self) -> None:
        real, lay = self.real, self.lay
        kept = [real.units[i] for i in lay.kept]
        need = {"minor": {u.minor["code"] for u in kept}}
        need["sub"] = {u.sub for u in kept}
        need["major"] = {u.major for u in kept} | set(lay.plans)
        for g in real.groups.values():
            level = {"major-group": "major", "sub-major-group": "sub", "minor-group": "minor"}[g["level"]]
            if g["code"] in need[level]:
                self.groups.append(g)
        for u in kept:
            self.occupations.extend(u.occupations)
        mapped = set(real.mapped_codes)
        for o in self.occupations:
            if o["code"] in mapped:
                self.code_map[(o["code"], 1)] = o["code"]
        for m, plan in lay.plans.items():
            for j, sub in enumerate(plan.subs):
                sub_code = f"{m}-{plan.free[j]:02d}"
                k0, i0 = sub[0][0]
                like = real.groups[real.units[i0].sub]  # named after the real sub-major group it copies (first)
                self.groups.append(self._group("sub-major-group", sub_code, like, k0, m))
                res = real.residual.get(like["code"])
                if res is not None:
                    self.groups.append(self._group("minor-group", f"{sub_code}-99", res, k0, sub_code))
                for n, members in enumerate(sub, start=1):
                    code = f"{sub_code}-{n:02d}"
                    k1, i1 = members[0]
                    self.groups.append(self._group("minor-group", code, real.units[i1].minor, k1, sub_code))
                    seq = 0
                    for k, idx in members:
                        for o in real.units[idx].occupations:
                            seq += 1
                            ocode = f"{code}-{o['code'][-2:]}" if plan.packing == 1 else f"{code}-{seq:02d}"
                            self.occupations.append({**o, "code": ocode, "name_zh": o["name_zh"] + suffix(k), "parent": code})
                            if o["code"] in mapped:
                                self.code_map[(o["code"], k)] = ocode
        self.groups.sort(key=lambda g: _code_key(g["code"]))
        self.occupations.sort(key=lambda o: _code_key(o["code"]))

    @staticmethod
    def _group(level: str, code: str, like: dict, k: int, parent: str) -> dict:
        return {**like, "level": level, "code": code, "gbm": _gbm(code), "name_zh": like["name_zh"] + suffix(k),
                "parent": parent}

    # the announcement layer
    def _layers(self) -> dict[str, list[dict]]:
        t = self.real.tables
        out = {name: list(t[name].rows) for name in (
            "occupations.csv", "work_types.csv", "batch_occupations.csv", "announcements.csv",
            "characteristics.csv", "drivers.csv", "figures.csv")}
        for k in range(2, self.lay.layers + 1):
            s = f"-s{k}"

            def ref(r: str) -> str:
                return r + s if r else r

            def refs(value: str) -> str:  # announcement:x;occupation:y → each with the copy's id
                return ";".join(v + s for v in value.split(";")) if value else value

            for o in t["occupations.csv"].rows:
                row = {**o, "slug": o["slug"] + s, "name_zh": o["name_zh"] + suffix(k),
                       "name_en": f"{o['name_en']} (copy {k})",
                       "introduced_by": ref(o["introduced_by"]), "invalidated_by": ref(o["invalidated_by"])}
                if o["code"]:  # a 2015 code cannot be copied; the copy is named by its slug, as uncoded items are
                    row.update(code="", parent="", code_source="", code_confidence="",
                               note=(o["note"] + " " if o["note"] else "") + "Synthetic copy: its 2015 code is not carried over.")
                out["occupations.csv"].append(row)
            for w in t["work_types.csv"].rows:
                out["work_types.csv"].append({**w, "slug": w["slug"] + s, "name_zh": w["name_zh"] + suffix(k),
                                              "name_en": f"{w['name_en']} (copy {k})", "parent": ref(w["parent"]),
                                              "introduced_by": ref(w["introduced_by"]), "raised_to": ref(w["raised_to"])})
            for b in t["batch_occupations.csv"].rows:
                out["batch_occupations.csv"].append({**b, "announcement": b["announcement"] + s,
                                                     "name_zh": b["name_zh"] + suffix(k), "slug": b["slug"] + s})
            for a in t["announcements.csv"].rows:
                out["announcements.csv"].append({**a, "id": a["id"] + s, "name_zh": a["name_zh"] + suffix(k),
                                                 "name_en": f"{a['name_en']} (copy {k})",
                                                 "batch": str(int(a["batch"]) + self.real.batch_base * (k - 1))})
            for c in t["characteristics.csv"].rows:
                out["characteristics.csv"].append({**c, "announcement": c["announcement"] + s, "members": refs(c["members"])})
            for d in t["drivers.csv"].rows:
                out["drivers.csv"].append({**d, "target": refs(d["target"])})
            for f in t["figures.csv"].rows:
                out["figures.csv"].append({**f, "id": f["id"] + s, "announcement": f["announcement"] + s})
        return out

    def _mappings(self) -> dict[str, list[dict]]:
        """Real rows whose subject is kept, then each copy's rows, dropped where the copy lacks the 2022 item."""
        real = self.real
        occ = {o["code"] or o["slug"]: o for o in real.tables["occupations.csv"].rows}
        out = {}
        for name, f in real.sssom.items():
            rows = []
            for k in range(1, self.lay.layers + 1):
                for r in f.rows:
                    kind, _, key = r["subject_id"].removeprefix("cn:").partition("/")
                    level, _, key = key.partition("/")
                    if kind == EDITION:
                        code = self.code_map.get((key, k))
                        if code is None:
                            continue
                        subject = f"cn:{EDITION}/{level}/{code}"
                    elif k == 1:
                        subject = r["subject_id"]
                    elif level == "occupation":
                        subject = f"cn:{kind}/{level}/{occ[key]['slug']}-s{k}"
                    else:
                        subject = f"cn:{kind}/{level}/{key}-s{k}"
                    label = r["subject_label"] + (suffix(k) if k > 1 else "")
                    rows.append({**r, "subject_id": subject, "subject_label": label})
            out[name] = rows
        return out

    def _isco(self) -> list[dict]:
        """All of ISCO-08 from the real size up; below it only what the mappings reach, as the fixed part dominates."""
        rows = self.real.tables["reference/isco08-groups.csv"].rows
        return rows if self.lay.scale >= 1 else _isco_reached(rows, self.mapping_rows.values())

    def counts(self) -> _Counts:
        levels = {}
        for g in self.groups:
            levels[g["level"]] = levels.get(g["level"], 0) + 1
        return _Counts(
            occupations=len(self.occupations), marks=sum(_marks(o) for o in self.occupations),
            minors=levels.get("minor-group", 0), subs=levels.get("sub-major-group", 0),
            majors=levels.get("major-group", 0), layers=self.lay.layers,
            mapping_rows=sum(len(r) for r in self.mapping_rows.values()), isco_rows=len(self.isco_rows))

    # writing
    def files(self) -> dict[str, str]:
        """The tables the generator manages, as the text to write (the others are copied as they are)."""
        t = self.real.tables
        out = {
            "2022/groups.csv": _csv_text(_Table(t["2022/groups.csv"].header, self.groups)),
            "2022/occupations.csv": _csv_text(_Table(t["2022/occupations.csv"].header, self.occupations)),
        }
        found = {"major-group": 0, "sub-major-group": 0, "minor-group": 0}
        for g in self.groups:
            found[g["level"]] += 1
        found["occupation"] = sum(1 for o in self.occupations if o["code"])
        levels = [{**r, "official_count": str(found[r["level"]])} if r["edition"] == EDITION and r["level"] in found
                  and r["official_count"] else r for r in t["levels.csv"].rows]
        out["levels.csv"] = _csv_text(_Table(t["levels.csv"].header, levels))
        marks = [{**r, "official_count": str(sum(1 for o in self.occupations if r["mark"] in o["marks"].split("/")))}
                 if r["edition"] == EDITION else r for r in t["marks.csv"].rows]
        out["marks.csv"] = _csv_text(_Table(t["marks.csv"].header, marks))
        for name, rows in self.layer_rows.items():
            out[name] = _csv_text(_Table(t[name].header, rows))
        for name, rows in self.mapping_rows.items():
            out[f"mappings/{name}"] = self.real.sssom[name].text(rows)
        out["reference/isco08-groups.csv"] = _csv_text(_Table(t["reference/isco08-groups.csv"].header, self.isco_rows))
        return out

    def row_counts(self) -> dict[str, int]:
        counts = {"2022/groups.csv": len(self.groups), "2022/occupations.csv": len(self.occupations)}
        counts.update({name: len(rows) for name, rows in self.layer_rows.items()})
        counts.update({f"mappings/{name}": len(rows) for name, rows in self.mapping_rows.items()})
        counts["reference/isco08-groups.csv"] = len(self.isco_rows)
        return counts


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
