"""The tables of one layout: every row a synthetic catalogue writes, counted as it is made."""

from __future__ import annotations

from .layout import _Counts, _isco_reached, _Layout, _marks, _Real
from .tables import EDITION, _code_key, _csv_text, _gbm, _Table, suffix


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


