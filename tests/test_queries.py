"""The bundled SPARQL queries, run on a fresh build.

Every expected row here is computed from the source tables in data/ (or, for a few headline
facts, written by hand from the news release); none is copied from a query's output.
"""

from __future__ import annotations

import csv
import functools
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pytest

from cnocc import paths
from cnocc.graphs.pinyin import pinyin_label  # pinyin is derived at build time, never stored in data/
from cnocc.store.queries import bundled, resolve, run
from test_mapping_queries import EXPECTED as MAPPING_EXPECTED

BASE = "https://w3id.org/cnocc/"
ANNOUNCEMENT = "2020-07-06"
QUERIES = {n: q for n, q in bundled().items() if n not in MAPPING_EXPECTED}  # tested in test_mapping_queries

Row = list  # one result row: str or None per column


# --- the source tables -------------------------------------------------------------------------

@functools.cache
def table(name: str) -> tuple[dict[str, str], ...]:
    with open(paths.DATA_DIR / f"{name}.csv", encoding="utf-8", newline="") as f:
        return tuple(csv.DictReader(f))


def by(name: str, *key: str) -> dict:
    return {tuple(r[k] for k in key) if len(key) > 1 else r[key[0]]: r for r in table(name)}


def split(cell: str, sep: str = ";") -> list[str]:
    return [x for x in cell.split(sep) if x]


def opt(value: str) -> str | None:
    """An empty cell is an unbound variable in the results."""
    return value or None


def nulls_first(value: str | None) -> tuple[bool, str]:
    """SPARQL's ORDER BY puts unbound values before any literal."""
    return value is not None, value or ""


def occupation_uri(r: dict[str, str]) -> str:
    return f"{BASE}{r['edition']}/occupation/{r['code'] or r['slug']}"


def work_type_uri(r: dict[str, str]) -> str:
    return f"{BASE}{r['edition']}/work-type/{r['slug']}"


def group_uri(r: dict[str, str]) -> str:
    return f"{BASE}{r['edition']}/{r['level']}/{r['code']}"


TYPE_OF_REF = {"announcement": "Announcement", "occupation": "Occupation", "work-type": "WorkType"}


def resolve_ref(ref: str) -> tuple[str, dict[str, str]]:
    """A `kind:id` reference of the tables as (class local name, its row)."""
    kind, _, ident = ref.partition(":")
    rows = {"announcement": by("announcements", "id"), "occupation": by("occupations", "slug"),
            "work-type": by("work_types", "slug")}[kind]
    return TYPE_OF_REF[kind], rows[ident]


def raised_targets() -> set[str]:
    return {w["raised_to"] for w in table("work_types") if w["raised_to"]}


def new_occupations() -> list[dict[str, str]]:
    return [o for o in table("occupations") if o["introduced_by"] == ANNOUNCEMENT and o["slug"] not in raised_targets()]


def edition_of(batch_row: dict[str, str]) -> str:
    return by("announcements", "id")[batch_row["announcement"]]["edition"]


def code_2022(name: str) -> str | None:
    """The 2022 code of the one occupation with exactly this name (the project's linking rule)."""
    codes = [o["code"] for o in table("2022/occupations") if o["name_zh"] == name]
    return codes[0] if len(codes) == 1 else None


def unmatched_or_2015_batch_rows() -> list[dict[str, str]]:
    """Batch names that become items of their own: all in the 2015 frame, unmatched ones in 2022."""
    return [b for b in table("batch_occupations") if edition_of(b) == "2015" or code_2022(b["name_zh"]) is None]


def batch_names() -> list[tuple[str, str]]:
    """(batch number, name) of every new occupation of every batch, raised work types left out."""
    ann = by("announcements", "id")
    rows = [(ann[ANNOUNCEMENT]["batch"], o["name_zh"]) for o in new_occupations()]
    rows += [(ann[b["announcement"]]["batch"], b["name_zh"]) for b in table("batch_occupations")]
    return rows


def released(announcement_id: str) -> str | None:
    return by("announcements", "id")[announcement_id]["released"] if announcement_id else None


# --- expected rows, one function per bundled query -----------------------------------------------

@dataclass(frozen=True)
class Expected:
    columns: tuple[str, ...]
    rows: Callable[[], list[Row]]
    numeric: tuple[str, ...] = ()  # compared as numbers: the build may write 8e8 as 800000000.0

    def normalise(self, columns: list[str], rows: list[Row]) -> list[Row]:
        idx = [columns.index(c) for c in self.numeric]
        return [[Decimal(v) if i in idx and v is not None else v for i, v in enumerate(r)] for r in rows]


EXPECTED: dict[str, Expected] = {}


def expects(name: str, *columns: str, numeric: tuple[str, ...] = ()):
    def register(fn: Callable[[], list[Row]]) -> Callable[[], list[Row]]:
        EXPECTED[name] = Expected(columns, fn, numeric)
        return fn
    return register


@expects("new-occupations", "code", "name_zh", "name_en", "definition")
def _new_occupations() -> list[Row]:
    rows = [[opt(o["code"]), o["name_zh"], o["name_en"], opt(o["definition_zh"])] for o in new_occupations()]
    return sorted(rows, key=lambda r: (r[0] is None, r[0] or "", r[1]))


@expects("work-types", "name_zh", "name_en", "parent_code", "parent_zh", "introduced", "raised_to")
def _work_types() -> list[Row]:
    occ = by("occupations", "slug")
    rows = []
    for w in table("work_types"):
        parent = occ.get(w["parent"])
        rows.append([w["name_zh"], w["name_en"], parent and opt(parent["code"]), parent and parent["name_zh"],
                     released(w["introduced_by"]), occ[w["raised_to"]]["name_zh"] if w["raised_to"] else None])
    return sorted(rows, key=lambda r: (nulls_first(r[3]), r[0]))


@expects("raised-work-types", "work_type", "former_parent_code", "former_parent", "occupation_zh", "occupation_en",
         "announced")
def _raised_work_types() -> list[Row]:
    occ = by("occupations", "slug")
    rows = []
    for w in table("work_types"):
        if w["raised_to"]:
            parent, became = occ[w["parent"]], occ[w["raised_to"]]
            rows.append([w["name_zh"], opt(parent["code"]), parent["name_zh"], became["name_zh"], became["name_en"],
                         released(became["introduced_by"])])
    return sorted(rows, key=lambda r: r[0])


@expects("policy-drivers", "driver_zh", "driver_en", "kind", "target_type", "target_zh")
def _policy_drivers() -> list[Row]:
    policies = by("policies", "id")
    rows = []
    for d in table("drivers"):
        p = policies[d["policy"]]
        kind, target = resolve_ref(d["target"])
        rows.append([p["name_zh"], p["name_en"], p["kind"], kind, target["name_zh"]])
    return sorted(rows, key=lambda r: (r[0], r[3], r[4]))


@expects("occupation-path", "depth", "level", "code", "name_zh", "name_en")
def _occupation_path() -> list[Row]:
    start = next(o for o in table("occupations") if o["name_zh"] == "区块链工程技术人员")
    levels = by("levels", "edition", "level")
    groups = by("groups", "edition", "code")
    rows, code = [], start["parent"]
    while code:
        g = groups[start["edition"], code]
        lv = levels[g["edition"], g["level"]]
        rows.append([lv["depth"], lv["name_zh"], g["code"], opt(g["name_zh"]), opt(g["name_en"])])
        code = g["parent"]
    return sorted(rows, key=lambda r: int(r[0]))


@expects("issuing-agencies", "abbreviation", "name_zh", "name_en", "homepage", "issuing_office")
def _issuing_agencies() -> list[Row]:
    agencies = by("agencies", "id")
    ann = by("announcements", "id")[ANNOUNCEMENT]
    issuers = split(by("notices", "id")[ann["notice"]]["issuers"]) if ann["notice"] else []
    rows = []
    for a in split(ann["agencies"]):
        r = agencies[a]
        office = next((agencies[i]["name_zh"] for i in issuers if agencies[i]["unit_of"] == a), None)
        rows.append([opt(r["abbr"]), r["name_zh"], opt(r["name_en"]), opt(r["homepage"]), office])
    return sorted(rows, key=lambda r: (nulls_first(r[0]), r[1]))


def label_matches(term: str) -> list[Row]:
    """Items of the classification (groups, occupations, work types) with a label containing `term`."""
    items = ([(group_uri(g), g) for g in table("groups") + table("2022/groups")]
             + [(occupation_uri(o), o) for o in table("occupations") + table("2022/occupations")]
             + [(f"{BASE}{edition_of(b)}/occupation/{b['slug']}", b) for b in unmatched_or_2015_batch_rows()]
             + [(work_type_uri(w), w) for w in table("work_types")])
    rows = []
    for uri, r in items:
        labels = [(r.get("name_en", ""), "en")]
        if r["name_zh"]:
            labels += [(r["name_zh"], "zh"), (pinyin_label(r["name_zh"]), "zh-Latn-pinyin")]
        rows += [[uri, label, lang] for label, lang in labels if label and term.lower() in label.lower()]
    return sorted(rows, key=lambda r: (r[0], r[2], r[1]))


expects("label-search", "item", "label", "lang")(lambda: label_matches("区块链"))


@expects("items-per-level", "depth", "level_zh", "level_en", "items", "official")
def _items_per_level() -> list[Row]:
    edition = "2015"
    at_level = [g["level"] for g in table("groups") if g["edition"] == edition]
    at_level += ["occupation" for o in table("occupations") if o["edition"] == edition]
    at_level += ["occupation" for b in table("batch_occupations") if edition_of(b) == edition]
    at_level += ["work-type" for w in table("work_types") if w["edition"] == edition]
    rows = [[lv["depth"], lv["name_zh"], lv["name_en"], str(at_level.count(lv["level"])), opt(lv["official_count"])]
            for lv in table("levels") if lv["edition"] == edition]
    return sorted(rows, key=lambda r: int(r[0]))


@expects("characteristics", "position", "characteristic_zh", "characteristic_en", "member_type", "member_zh")
def _characteristics() -> list[Row]:
    rows = []
    for c in table("characteristics"):
        if c["announcement"] == ANNOUNCEMENT:
            for ref in split(c["members"]):
                kind, member = resolve_ref(ref)
                rows.append([c["position"], c["name_zh"], c["name_en"], kind, member["name_zh"]])
    return sorted(rows, key=lambda r: (int(r[0]), r[3], r[4]))


@expects("figures", "name_zh", "name_en", "value", "min_value", "unit_code", "unit", "currency", "quote",
         numeric=("value", "min_value"))
def _figures() -> list[Row]:
    rows = []
    for f in table("figures"):
        if f["announcement"] == ANNOUNCEMENT:
            minimum = f["qualifier"] == "minimum"
            for quote in split(f["evidence"], "|"):
                rows.append([f["name_zh"], f["name_en"], None if minimum else Decimal(f["value"]),
                             Decimal(f["value"]) if minimum else None, opt(f["unit_code"]), f["unit_text"],
                             opt(f["currency"]), quote])
    return sorted(rows, key=lambda r: (r[1], r[7]))


# Which resources a row with an `evidence` column stands for, as (path under BASE, Chinese name).
EVIDENCE_SUBJECTS: dict[str, Callable[[dict[str, str]], list[tuple[str, str]]]] = {
    "agencies": lambda r: [(f"agency/{r['id']}", r["name_zh"])],
    "announcements": lambda r: [(f"announcement/{r['id']}", r["name_zh"])],
    "characteristics": lambda r: [(f"announcement/{r['announcement']}/characteristic/{r['position']}", r["name_zh"])],
    "drivers": lambda r: [(f"policy/{r['policy']}", by("policies", "id")[r["policy"]]["name_zh"])],
    "figures": lambda r: [(f"figure/{r['id']}", r["name_zh"])],
    "levels": lambda r: [(f"{r['edition']}/{r['level']}s", r["name_zh"]), (f"level-type/{r['level']}", r["name_zh"])],
    "occupations": lambda r: [(occupation_uri(r).removeprefix(BASE), r["name_zh"])],
    "policies": lambda r: [(f"policy/{r['id']}", r["name_zh"])],
    "work_types": lambda r: [(work_type_uri(r).removeprefix(BASE), r["name_zh"])],
}


@expects("evidence", "resource", "name_zh", "quote")
def _evidence() -> list[Row]:
    rows = set()
    for path in sorted(paths.DATA_DIR.glob("*.csv")):
        for r in table(path.stem):
            for quote in split(r.get("evidence") or "", "|"):
                # a KeyError here means a new table quotes the release: teach EVIDENCE_SUBJECTS about it
                rows |= {(BASE + s, name, quote) for s, name in EVIDENCE_SUBJECTS[path.stem](r)}
    return sorted(([s, name, q] for s, name, q in rows), key=lambda r: (r[0], r[2]))


@expects("uncoded-items", "name_zh", "name_en", "note")
def _uncoded_items() -> list[Row]:
    rows = [[o["name_zh"], o["name_en"], opt(o["note"])] for o in table("occupations")
            if o["introduced_by"] == ANNOUNCEMENT and not o["code"]]
    return sorted(rows, key=lambda r: r[0])


@expects("announcement", "name_zh", "released", "batch", "notice_number", "notice_title",
         "new_occupations", "linked_new_occupations", "new_work_types", "linked_new_work_types",
         "raised_work_types", "linked_raised_work_types")
def _announcement() -> list[Row]:
    a = by("announcements", "id")[ANNOUNCEMENT]
    notice = by("notices", "id").get(a["notice"])
    occ = by("occupations", "slug")
    linked_work_types = sum(w["introduced_by"] == ANNOUNCEMENT for w in table("work_types"))
    linked_raised = sum(occ[w["raised_to"]]["introduced_by"] == ANNOUNCEMENT
                        for w in table("work_types") if w["raised_to"])
    return [[a["name_zh"], a["released"], a["batch"], notice and notice["identifier"], notice and notice["title_zh"],
             a["new_occupations"], str(len(new_occupations())), a["new_work_types"], str(linked_work_types),
             a["raised_work_types"], str(linked_raised)]]


def renumbering_note(old: str, new: str) -> str:
    return f"Renumbered: {old} in the 2015 frame, {new} in the 2022 edition."


@expects("code-today", "name", "code_2015", "code_2022", "name_2022", "change")
def _code_today() -> list[Row]:
    o = next(o for o in table("occupations") if o["name_zh"] == "社群健康助理员")
    new = code_2022(o["name_zh"])
    return [[o["name_zh"], o["code"], new, o["name_zh"], renumbering_note(o["code"], new)]]


@expects("batches", "batch", "name", "code_2022")
def _batches() -> list[Row]:
    return sorted(([b, n, code_2022(n)] for b, n in batch_names()), key=lambda r: (int(r[0]), r[1]))


@expects("marks-per-major-group", "major", "name", "occupations", "digital_count", "green_count", "both_count")
def _marks_per_major_group() -> list[Row]:
    rows = []
    for g in table("2022/groups"):
        if g["level"] != "major-group":
            continue
        occ = [o for o in table("2022/occupations") if o["code"].split("-")[0] == g["code"]]
        rows.append([g["code"], g["name_zh"], str(len(occ)), str(sum("S" in o["marks"] for o in occ)),
                     str(sum("L" in o["marks"] for o in occ)), str(sum(o["marks"] == "L/S" for o in occ))])
    return sorted(rows)


@expects("batch-digital-share", "batch", "announced", "linked", "digital_count", "digital_share",
         numeric=("digital_share",))
def _batch_digital_share() -> list[Row]:
    marks = {o["code"]: o["marks"] for o in table("2022/occupations")}
    per: dict[str, list[str | None]] = {}
    for b, name in batch_names():
        per.setdefault(b, []).append(code_2022(name))
    rows = []
    for b, codes in per.items():
        linked = [c for c in codes if c]
        digital = [c for c in linked if "S" in marks[c]]
        share = (Decimal(1000 * len(digital)) / len(linked)).quantize(Decimal(1), ROUND_HALF_UP) / 1000 if linked else 0
        rows.append([b, str(len(codes)), str(len(linked)), str(len(digital)), share])
    return sorted(rows, key=lambda r: int(r[0]))


@expects("code-path", "depth", "code", "name")
def _code_path() -> list[Row]:
    groups = by("2022/groups", "code")
    occ = by("2022/occupations", "code")["2-02-38-08"]
    rows, code = [["4", occ["code"], occ["name_zh"]]], occ["parent"]
    depth = {"major-group": "1", "sub-major-group": "2", "minor-group": "3"}
    while code:
        g = groups[code]
        rows.append([depth[g["level"]], g["code"], g["name_zh"]])
        code = g["parent"]
    return sorted(rows)


@expects("changed-codes", "name", "code_2015", "code_2022", "change")
def _changed_codes() -> list[Row]:
    rows = []
    for o in table("occupations"):
        new = code_2022(o["name_zh"])
        if o["code"] and new and new != o["code"]:
            rows.append([o["name_zh"], o["code"], new, renumbering_note(o["code"], new)])
    return sorted(rows, key=lambda r: r[1])


# --- fixtures ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def results(graph) -> dict[str, tuple[list[str], list[Row]]]:
    return {name: run(graph, q) for name, q in QUERIES.items()}


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cnocc.cli", *args], capture_output=True, text=True,
                          encoding="utf-8", timeout=120)


# --- the queries as files ------------------------------------------------------------------------

def test_enough_queries_are_bundled():
    assert len(QUERIES) >= 10


def test_every_query_has_expected_rows_and_no_more():
    assert sorted(EXPECTED) == sorted(QUERIES)


@pytest.mark.parametrize("name", sorted(bundled()))
def test_query_opens_with_its_questions(name):
    """Every bundled query, the mapping ones too: the form check lives here only."""
    q = bundled()[name]
    first, second = q.text.splitlines()[:2]
    assert first.startswith("# zh: ") and second.startswith("# en: ")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in q.question_zh) and "？" in q.question_zh
    assert q.question_en[:1].isupper() and "?" in q.question_en


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_query_orders_its_rows(name):
    assert "ORDER BY" in QUERIES[name].text


# --- the rows each query returns -----------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(QUERIES))
def test_query_returns_exactly_the_rows_the_data_implies(name, results):
    columns, rows = results[name]
    exp = EXPECTED[name]
    assert columns == list(exp.columns)
    assert exp.normalise(columns, rows) == exp.normalise(columns, exp.rows())


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_query_needs_no_inference(name, asserted_only, results):
    """Queries read asserted properties, so dropping the inferred graph changes nothing."""
    assert run(asserted_only, QUERIES[name]) == results[name]


# Headline facts of the release, written by hand, as a check on the computed expectations above.
NINE = {"区块链工程技术人员", "城市管理网格员", "互联网营销师", "信息安全测试员", "区块链应用操作员", "在线学习服务师",
        "社群健康助理员", "老年人能力评估师", "增材制造设备操作员"}
RAISED = {"防疫员", "消毒员", "公共场所卫生管理员"}


@pytest.mark.parametrize(("name", "column", "values"), [
    ("new-occupations", "name_zh", NINE),
    ("raised-work-types", "work_type", RAISED),
    ("raised-work-types", "former_parent", {"公共卫生辅助服务员"}),
    ("issuing-agencies", "abbreviation", {"MOHRSS", "SAMR", "NBS"}),
    ("issuing-agencies", "issuing_office", {"人力资源社会保障部办公厅", "市场监管总局办公厅", "统计局办公室"}),
    ("occupation-path", "code", {"2", "2-02", "2-02-10"}),
    ("characteristics", "position", {"1", "2", "3"}),
    ("label-search", "label", {"区块链工程技术人员", "区块链应用操作员"}),
    ("announcement", "notice_number", {"人社厅发〔2020〕73号"}),
    ("announcement", "batch", {"3"}),
])
def test_headline_facts(name, column, values, results):
    columns, rows = results[name]
    assert {r[columns.index(column)] for r in rows} == values


def test_row_counts_match_the_release(results):
    counts = {name: len(results[name][1]) for name in ("new-occupations", "work-types", "raised-work-types")}
    assert counts == {"new-occupations": 9, "work-types": 8, "raised-work-types": 3}


def test_announcement_declared_counts_match_linked_items(results):
    columns, [row] = results["announcement"]
    record = dict(zip(columns, row))
    for what in ("new_occupations", "new_work_types", "raised_work_types"):
        assert record[what] == record[f"linked_{what}"], what
    assert (record["new_occupations"], record["new_work_types"], record["raised_work_types"]) == ("9", "5", "3")


@pytest.mark.parametrize("term", ["区块链", "BlockChain", "kuài liàn", "公共卫生", "personnel", "no such label"])
def test_label_search_finds_every_label_with_the_term(term, graph, tmp_path):
    text = QUERIES["label-search"].text
    assert 'VALUES ?term { "区块链" }' in text
    f = tmp_path / "search.rq"
    f.write_text(text.replace('VALUES ?term { "区块链" }', f"VALUES ?term {{ {json.dumps(term, ensure_ascii=False)} }}"),
                 encoding="utf-8")
    assert run(graph, resolve(str(f)))[1] == label_matches(term)


# --- the command line ----------------------------------------------------------------------------

def test_cli_query_csv(dist):
    p = run_cli("query", "new-occupations", "--format", "csv", "--dist", str(dist))
    assert p.returncode == 0, p.stderr
    header, *rows = csv.reader(p.stdout.splitlines())
    assert header == list(EXPECTED["new-occupations"].columns)
    assert rows == [["" if v is None else v for v in r] for r in _new_occupations()]


def test_cli_query_json(dist):
    p = run_cli("query", "new-occupations", "--format", "json", "--dist", str(dist))
    assert p.returncode == 0, p.stderr
    columns = EXPECTED["new-occupations"].columns
    assert json.loads(p.stdout) == [dict(zip(columns, r)) for r in _new_occupations()]


def test_cli_query_table(dist):
    p = run_cli("query", "occupation-path", "--dist", str(dist))
    assert p.returncode == 0, p.stderr
    assert "专业技术人员" in p.stdout and p.stdout.rstrip().endswith("(3 rows)")


def test_cli_unknown_query_fails(dist):
    p = run_cli("query", "no-such-query", "--dist", str(dist))
    assert p.returncode != 0
    assert "no-such-query" in p.stderr and not p.stdout
