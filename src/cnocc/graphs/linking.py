"""Links across editions and announcements, by exact name only.

A 2015-frame item and a 2022 item are the same occupation when their official Chinese names are
identical; an announced name is linked to the 2022 item of that name. No other matching is done:
a renamed occupation stays unlinked and is reported, so a maintainer can add a sourced link.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnocc.sources.dataset import Dataset
from cnocc.sources.tables import Row

TARGET = "2022"


@dataclass(frozen=True)
class Association:
    source_level: str  # level of the 2015-frame item: occupation | work-type | group levels
    source_key: str  # code or slug in the 2015 frame
    source_code: str  # "" when the 2015-frame code is not sourced
    name: str
    target_level: str
    target_code: str
    kind: str  # unchanged | renumbered | coded | raised | renamed

    def note(self) -> str:
        if self.kind == "unchanged":
            return f"Same code ({self.target_code}) and name in both editions."
        if self.kind == "renumbered":
            return f"Renumbered: {self.source_code} in the 2015 frame, {self.target_code} in the 2022 edition."
        if self.kind == "coded":
            return f"No sourced code in the 2015 frame; {self.target_code} in the 2022 edition."
        if self.kind == "raised":
            return f"A work type in the 2015 frame; the occupation {self.target_code} in the 2022 edition."
        return f"Same code ({self.target_code}), renamed in the 2022 edition."


@dataclass(frozen=True)
class Unmatched:
    announcement: str
    name: str
    reason: str


def names_in(ds: Dataset, edition: str = TARGET) -> dict[str, list[str]]:
    """Codes by name, built once per dataset: every announced name is looked up here."""
    cache = ds.__dict__.setdefault("_names_in", {})
    if edition not in cache:
        out: dict[str, list[str]] = {}
        for r in ds.rows(f"{edition}/occupations.csv"):
            out.setdefault(r["name_zh"], []).append(r["code"])
        cache[edition] = out
    return cache[edition]


def match(ds: Dataset, name: str) -> str | None:
    """The 2022 code of the one occupation with exactly this name, else None."""
    codes = names_in(ds).get(name, [])
    return codes[0] if len(codes) == 1 else None


def correspondence(ds: Dataset) -> list[Association]:
    """2015 → 2022 associations: groups by identical code and name (or a sourced rename), items by name."""
    out: list[Association] = []
    groups_2022 = {r["code"]: r for r in ds.rows("2022/groups.csv")}
    renames = {(r["source_code"]): r for r in ds.rows("renames.csv")}
    for r in ds.rows("groups.csv"):
        if r["edition"] != "2015" or not r["name_zh"]:
            continue
        t = groups_2022.get(r["code"])
        if t is None or t["level"] != r["level"]:
            continue
        if t["name_zh"] == r["name_zh"]:
            out.append(Association(r["level"], r["code"], r["code"], r["name_zh"], t["level"], t["code"], "unchanged"))
        elif r["code"] in renames and renames[r["code"]]["target_name_zh"] == t["name_zh"]:
            out.append(Association(r["level"], r["code"], r["code"], r["name_zh"], t["level"], t["code"], "renamed"))
    for r in ds.rows("occupations.csv"):
        if r["edition"] != "2015":
            continue
        code = match(ds, r["name_zh"])
        if code is None:
            continue
        if not r["code"]:
            kind = "coded"
        else:
            kind = "unchanged" if r["code"] == code else "renumbered"
        out.append(Association("occupation", r["code"] or r["slug"], r["code"], r["name_zh"], "occupation", code, kind))
    for r in ds.rows("batch_occupations.csv"):
        if announcement_edition(ds, r) != "2015":
            continue
        code = match(ds, r["name_zh"])
        if code is not None:
            out.append(Association("occupation", r["slug"], "", r["name_zh"], "occupation", code, "coded"))
    for r in ds.rows("work_types.csv"):
        code = match(ds, r["name_zh"])
        if r["edition"] == "2015" and code is not None:
            out.append(Association("work-type", r["slug"], "", r["name_zh"], "occupation", code, "raised"))
    return out


def announcement_edition(ds: Dataset, row: Row) -> str:
    return ds.by("announcements.csv", "id")[row["announcement"]]["edition"]


def unmatched_batch_names(ds: Dataset) -> list[Unmatched]:
    """Announced names with no 2022 occupation of the same name, with the likely reason."""
    out = []
    batches = ds.by("announcements.csv", "id")
    for r in ds.rows("batch_occupations.csv"):
        if match(ds, r["name_zh"]) is not None:
            continue
        a = batches[r["announcement"]]
        released = a["released"] or a["id"]
        if a["edition"] == TARGET and (a["released"] or "") > "2022-09-28":
            reason = f"announced ({released}) after the 2022 edition was released"
        else:
            reason = "no 2022 occupation has exactly this name (renamed, merged or dropped; not guessed)"
        out.append(Unmatched(r["announcement"], r["name_zh"], reason))
    for r in ds.rows("occupations.csv"):
        if r["introduced_by"] and match(ds, r["name_zh"]) is None:
            out.append(Unmatched(r["introduced_by"], r["name_zh"], "no 2022 occupation has exactly this name"))
    return out
