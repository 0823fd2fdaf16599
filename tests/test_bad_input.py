"""Bad source data: a clear error naming file, line and field, exit 1, and dist/ left as it was."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from cnocc import paths
from conftest import run_cli


def rows_of(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(encoding="utf-8", newline="") as f:
        r = csv.DictReader(f)
        return list(r.fieldnames), list(r)


def write_rows(path: Path, fields: list[str], rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def edit(file: str, key: str, value: str, field: str, new: str) -> Callable[[Path], int]:
    """Set one cell of the row whose `key` column is `value`; return that row's line number."""
    def mutate(data: Path) -> int:
        fields, rows = rows_of(data / file)
        for i, r in enumerate(rows):
            if r[key] == value:
                r[field] = new
                write_rows(data / file, fields, rows)
                return i + 2
        raise AssertionError(f"no row {key}={value} in {file}")
    return mutate


def drop_column(file: str, column: str) -> Callable[[Path], int]:
    def mutate(data: Path) -> int:
        fields, rows = rows_of(data / file)
        for r in rows:
            del r[column]
        write_rows(data / file, [f for f in fields if f != column], rows)
        return 1
    return mutate


def add_column(file: str, column: str) -> Callable[[Path], int]:
    def mutate(data: Path) -> int:
        fields, rows = rows_of(data / file)
        write_rows(data / file, fields + [column], [{**r, column: "x"} for r in rows])
        return 1
    return mutate


def delete_file(file: str) -> Callable[[Path], None]:
    def mutate(data: Path) -> None:
        (data / file).unlink()
    return mutate


def append_raw(file: str, text: str) -> Callable[[Path], int]:
    def mutate(data: Path) -> int:
        lines = (data / file).read_text(encoding="utf-8").splitlines()
        (data / file).write_text("\n".join(lines) + "\n" + text, encoding="utf-8")
        return len(lines) + 1
    return mutate


def to_gbk(file: str) -> Callable[[Path], int]:
    def mutate(data: Path) -> int:
        text = (data / file).read_text(encoding="utf-8")
        (data / file).write_bytes(text.encode("gb18030"))
        first_cjk = next(i for i, line in enumerate(text.splitlines()) if any(ord(c) > 0x2E80 for c in line))
        return first_cjk + 1
    return mutate


def edit_mapping(file: str, subject: str, target: str, field: str, new: str) -> Callable[[Path], int]:
    """Set one cell of an SSSOM row (found by subject and object); return its line number."""
    def mutate(data: Path) -> int:
        path = data / file
        lines = path.read_text(encoding="utf-8").splitlines()
        header = next(i for i, ln in enumerate(lines) if not ln.startswith("#"))
        cols = lines[header].split("\t")
        for i in range(header + 1, len(lines)):
            cells = lines[i].split("\t")
            if cells[cols.index("subject_id")] == subject and cells[cols.index("object_id")] == target:
                cells[cols.index(field)] = new
                lines[i] = "\t".join(cells)
                path.write_text("\n".join(lines) + "\n", encoding="utf-8")
                return i + 1
        raise AssertionError(f"no row {subject} -> {target} in {file}")
    return mutate


def drop_header_key(file: str, key: str) -> Callable[[Path], None]:
    def mutate(data: Path) -> None:
        path = data / file
        kept = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith(f"# {key}:")]
        path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return mutate


def drop_header_line(file: str, start: str) -> Callable[[Path], None]:
    def mutate(data: Path) -> None:
        path = data / file
        text = path.read_text(encoding="utf-8")
        assert start in text
        path.write_text("\n".join(ln for ln in text.splitlines() if not ln.startswith(start)) + "\n", encoding="utf-8")
    return mutate


OCC = "occupations.csv"
ISCO_MAP = "mappings/cnocc-isco08.sssom.tsv"
BLOCKCHAIN = "cn:2015/occupation/2-02-10-15"
CASES = [
    # id, mutation, file named, field named (None: no field), words expected in the message
    ("missing-file", delete_file("figures.csv"), "figures.csv", None, "is missing"),
    ("missing-column", drop_column(OCC, "name_zh"), OCC, "name_zh", "missing from the header"),
    ("unknown-column", add_column(OCC, "colour"), OCC, "colour", "not known"),
    ("empty-required", edit(OCC, "slug", "hulianwang-yingxiaoshi", "name_zh", ""), OCC, "name_zh", "required"),
    ("malformed-code", edit(OCC, "slug", "hulianwang-yingxiaoshi", "code", "4-1-02-07"), OCC, "code", "not a classification code"),
    ("duplicate-code", edit(OCC, "slug", "laonianren-nengli-pinggushi", "code", "4-14-01-04"), OCC, "code", "duplicate"),
    ("duplicate-group", append_raw("groups.csv", "2015,major-group,2,专业技术人员,x,cnocc,,doczj-f918286654,C2,\n"),
     "groups.csv", "code", "duplicate"),
    ("unknown-parent", edit(OCC, "slug", "hulianwang-yingxiaoshi", "parent", "4-09-09"), OCC, "parent", "unknown parent"),
    ("parent-wrong-level", edit(OCC, "slug", "hulianwang-yingxiaoshi", "parent", "4-01"), OCC, "parent", "expected a minor-group"),
    ("code-not-extending", edit(OCC, "slug", "hulianwang-yingxiaoshi", "parent", "4-14-01"), OCC, "code", "does not extend"),
    ("unknown-agency", edit("announcements.csv", "id", "2020-07-06", "agencies", "mohrss;samr;nobody"),
     "announcements.csv", "agencies", "unknown agency"),
    ("unknown-source", edit(OCC, "slug", "xinxi-anquan-ceshiyuan", "definition_source", "eeju-5469;nowhere"),
     OCC, "definition_source", "unknown source 'nowhere'"),
    ("unknown-work-type-parent", edit("work_types.csv", "slug", "zhibo-xiaoshouyuan", "parent", "nobody"),
     "work_types.csv", "parent", "unknown parent occupation"),
    ("malformed-date", edit("announcements.csv", "id", "2020-07-06", "released", "2020-07-32"),
     "announcements.csv", "released", "not a real date"),
    ("malformed-date-shape", edit("policies.csv", "id", "liuwen", "date_proposed", "31.07.2018"),
     "policies.csv", "date_proposed", "not a date"),
    ("broken-csv-quote", append_raw("figures.csv", 'x,2020-07-06,"unclosed\n'), "figures.csv", None, "not valid CSV"),
    ("broken-csv-fields", append_raw("drivers.csv", "liuwen,announcement:2020-07-06\n"), "drivers.csv", None, "fields"),
    ("not-utf8", to_gbk("figures.csv"), "figures.csv", None, "not UTF-8"),
    ("quote-not-in-source", edit(OCC, "slug", "xinxi-anquan-ceshiyuan", "evidence", "“信息安全测评员”"),
     OCC, "evidence", "not found in the text"),
    ("cycle-groups", edit("groups.csv", "code", "2", "parent", "2-02"), "groups.csv", "parent", "cycle"),
    ("cycle-policies", edit("policies.csv", "id", "liuwen", "parent", "liuwen-jiuye"), "policies.csv", "parent", "cycle"),
    ("bad-confidence", edit("agencies.csv", "id", "nbs", "confidence", "high"), "agencies.csv", "confidence", "not one of"),
    ("bad-reference", edit("characteristics.csv", "position", "2", "members", "occupation:nobody"),
     "characteristics.csv", "members", "unknown occupation"),
    # mapping files (SSSOM)
    ("mapping-target-not-in-snapshot", edit_mapping(ISCO_MAP, BLOCKCHAIN, "isco:2512", "object_id", "isco:2599"),
     ISCO_MAP, "object_id", "not in the reference snapshot"),
    ("mapping-without-reason", edit_mapping(ISCO_MAP, BLOCKCHAIN, "isco:2512", "comment", ""),
     ISCO_MAP, "comment", "is empty"),
    ("mapping-predicate-not-skos-match", edit_mapping(ISCO_MAP, BLOCKCHAIN, "isco:2512", "predicate_id", "skos:broader"),
     ISCO_MAP, "predicate_id", "not a SKOS mapping property"),
    ("mapping-confidence-out-of-range", edit_mapping(ISCO_MAP, BLOCKCHAIN, "isco:2512", "confidence", "1.4"),
     ISCO_MAP, "confidence", "between 0 and 1"),
    ("mapping-label-not-the-targets", edit_mapping(ISCO_MAP, BLOCKCHAIN, "isco:2512", "object_label", "Programmers"),
     ISCO_MAP, "object_label", "differs from the snapshot's label 'Software developers'"),
    ("mapping-unknown-subject",
     edit_mapping(ISCO_MAP, BLOCKCHAIN, "isco:2512", "subject_id", "cn:2015/occupation/2-02-10-99"),
     ISCO_MAP, "subject_id", "is not an item of any edition"),
    ("mapping-subject-misnamed", edit_mapping(ISCO_MAP, BLOCKCHAIN, "isco:2512", "subject_label", "区块链工程师"),
     ISCO_MAP, "subject_label", "is not the item's name"),
    ("mapping-twice", edit_mapping(ISCO_MAP, "cn:2015/occupation/chengshi-guanli-wanggeyuan", "isco:5419", "object_id",
                                   "isco:3359"), ISCO_MAP, "object_id", "is already mapped"),
    ("mapping-set-without-licence", drop_header_key(ISCO_MAP, "license"), ISCO_MAP, "license", "header needs"),
    # cnocc's own checks pass (they know the prefix); sssom's, run beside the build, do not
    ("mapping-prefix-not-declared", drop_header_line(ISCO_MAP, "#   isco: "), ISCO_MAP, None, "is not valid SSSOM"),
]


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "data"
    shutil.copytree(paths.DATA_DIR, data)
    out = tmp_path / "dist"
    out.mkdir()
    (out / "previous-build.txt").write_text("untouched", encoding="utf-8")
    return data, out


@pytest.mark.parametrize("mutate,file,field,words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_reported_and_dist_untouched(workspace, mutate, file, field, words):
    data, out = workspace
    line = mutate(data)
    before = sorted(p.name for p in out.parent.iterdir())
    proc = run_cli("build", "--data", str(data), "--out", str(out))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    err = proc.stderr
    place = f"data/{file}" + (f":{line}" if line else "")
    matching = [ln for ln in err.splitlines() if place in ln and words in ln]
    assert matching, f"expected '{place}' and '{words}' on one line of:\n{err}"
    if field:
        assert any(f"field '{field}'" in ln for ln in matching), err
    assert [p.name for p in out.iterdir()] == ["previous-build.txt"]
    assert (out / "previous-build.txt").read_text(encoding="utf-8") == "untouched"
    assert sorted(p.name for p in out.parent.iterdir()) == before  # no half-written folder left beside it


def test_graph_breaking_a_shape_fails_the_build_readably(workspace):
    """Tables can be well-formed and still say something the shapes reject: the build must stop too."""
    data, out = workspace
    edit("announcements.csv", "id", "2020-07-06", "new_occupations", "10")(data)
    before = sorted(p.name for p in out.parent.iterdir())
    proc = run_cli("build", "--data", str(data), "--out", str(out))
    assert proc.returncode == 1
    assert "https://w3id.org/cnocc/announcement/2020-07-06" in proc.stderr
    assert "breaks 'announcement'" in proc.stderr
    assert "announces 10 new occupations, but 9" in proc.stderr
    assert [p.name for p in out.iterdir()] == ["previous-build.txt"]
    # validation answers while the exports are being written: their folder goes too
    assert sorted(p.name for p in out.parent.iterdir()) == before


def test_every_problem_is_listed_in_one_run(workspace):
    data, out = workspace
    edit(OCC, "slug", "hulianwang-yingxiaoshi", "code", "bad")(data)
    edit("announcements.csv", "id", "2020-07-06", "released", "2020-02-30")(data)
    proc = run_cli("build", "--data", str(data), "--out", str(out))
    assert proc.returncode == 1
    assert "field 'code'" in proc.stderr and "field 'released'" in proc.stderr
