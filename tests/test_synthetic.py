"""Synthetic catalogues: reproducible, sized as asked, and readable by the real pipeline's checks.

A full build of a generated folder takes minutes, so these tests stop at the cross-table checks
(`dataset.load`, `mappings.load`) and at what the shapes count; the benchmark builds them.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from benchmarks import synthetic
from cnocc.sources import sssom as mappings
from cnocc.sources.dataset import load
from cnocc.model.errors import DataError
from benchmarks.synthetic import chinese_numeral, generate, parse_size

PATTERNS = {"major-group": r"^[1-8]$", "sub-major-group": r"^[1-8]-[0-9]{2}$",
            "minor-group": r"^[1-8]-[0-9]{2}-[0-9]{2}$", "occupation": r"^[1-8]-[0-9]{2}-[0-9]{2}-[0-9]{2}$"}


def rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[int, tuple[Path, synthetic.Summary]]:
    root = tmp_path_factory.mktemp("synthetic")
    return {n: (root / str(n), generate(root / str(n), n)) for n in (10_000, 100_000, 300_000)}


def test_parse_size():
    assert [parse_size(s) for s in ("10k", "1m", "6.5m", "2500", "2.5K", "1_000")] == [
        10_000, 1_000_000, 6_500_000, 2500, 2500, 1000]
    for bad in ("", "ten", "1x", "-5", "0"):
        with pytest.raises(ValueError):
            parse_size(bad)


def test_copy_numbers_read_as_chinese():
    assert [chinese_numeral(n) for n in (2, 10, 11, 20, 105, 110, 1001, 10010, 20000)] == [
        "二", "十", "十一", "二十", "一百零五", "一百一十", "一千零一", "一万零一十", "二万"]


def test_same_arguments_give_the_same_bytes(tmp_path, made):
    for n in (10_000, 100_000):
        generate(tmp_path / str(n), n)
        assert files(tmp_path / str(n)) == files(made[n][0])


def test_the_seed_changes_the_choice_not_the_size(tmp_path, made):
    generate(tmp_path / "other", 10_000, seed=1)
    assert files(tmp_path / "other") != files(made[10_000][0])
    assert rows(tmp_path / "other" / "2022/occupations.csv") != rows(made[10_000][0] / "2022/occupations.csv")


def test_sizes_are_near_the_request_and_grow_with_it(made):
    sizes = sorted(made)
    for n in sizes:
        assert abs(made[n][1].estimated_quads - n) <= 0.05 * n
    for small, big in zip(sizes, sizes[1:]):
        a, b = made[small][1], made[big][1]
        assert a.scale < b.scale
        assert all(a.rows[t] <= b.rows[t] for t in a.rows)
        assert a.rows["2022/occupations.csv"] < b.rows["2022/occupations.csv"]


@pytest.mark.parametrize("n", [10_000, 100_000])
def test_tables_pass_the_cross_table_checks(made, n):
    folder = made[n][0]
    try:
        ds = load(folder)
        files_, _ = mappings.load(folder)
    except DataError as exc:
        pytest.fail(f"the generated tables have problems:\n{exc}")
    assert len(ds.rows("2022/occupations.csv")) == made[n][1].levels["occupation"]
    assert sum(len(f.rows) for f in files_) > 0


def check_tree(folder: Path) -> None:
    """What the shapes check by counting and by pattern: unique codes, declared totals, filled minor groups."""
    groups, occs = rows(folder / "2022/groups.csv"), rows(folder / "2022/occupations.csv")
    items = [(g["level"], g["code"]) for g in groups] + [("occupation", o["code"]) for o in occs]
    codes = [c for _, c in items]
    assert len(codes) == len(set(codes))
    for level, code in items:
        assert re.match(PATTERNS[level], code), (level, code)
    for g in groups:
        assert g["gbm"] == "".join(g["code"].split("-")).ljust(5, "0")
    by_code = {g["code"]: g for g in groups}
    for item in groups + occs:
        if item["parent"]:
            assert item["code"].startswith(item["parent"] + "-") and item["parent"] in by_code
    filled = {o["parent"] for o in occs}
    empty = [g["code"] for g in groups if g["level"] == "minor-group" and g["code"] not in filled]
    assert all(re.search(r"-99(-00)?$", c) for c in empty), empty
    found = {lv: sum(1 for g in groups if g["level"] == lv) for lv in PATTERNS} | {"occupation": len(occs)}
    for r in rows(folder / "levels.csv"):
        if r["edition"] == "2022":
            assert int(r["official_count"]) == found[r["level"]], r["level"]
    for r in rows(folder / "marks.csv"):
        if r["edition"] == "2022":
            assert int(r["official_count"]) == sum(1 for o in occs if r["mark"] in o["marks"].split("/"))
    names = [o["name_zh"] for o in occs]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("n", [10_000, 100_000, 300_000])
def test_tree_is_well_formed(made, n):
    check_tree(made[n][0])


def test_copies_keep_mappings_and_quotes_consistent(made):
    folder = made[300_000][0]
    names = {o["code"]: o["name_zh"] for o in rows(folder / "2022/occupations.csv")}
    for f in sorted((folder / "mappings").glob("*.sssom.tsv")):
        lines = [line for line in f.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
        for r in csv.DictReader(lines, delimiter="\t"):
            if r["subject_id"].startswith("cn:2022/occupation/"):
                assert names[r["subject_id"].rsplit("/", 1)[1]] == r["subject_label"]
    copies = [r for r in rows(folder / "occupations.csv") if r["slug"].endswith("-s3")]
    assert copies and all(r["name_zh"].endswith("（三）") for r in copies)


def test_packed_minor_groups_still_pass(tmp_path, monkeypatch):
    """Packing starts near 6 million quads; squeeze the free codes so a small catalogue takes that path."""
    monkeypatch.setattr(synthetic.layout, "MINOR_SLOTS", 5)  # read by the layout when it packs
    summary = generate(tmp_path / "packed", 100_000)
    assert summary.packing > 1
    check_tree(tmp_path / "packed")
    load(tmp_path / "packed")


def test_refuses_a_folder_in_use(tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(FileExistsError):
        generate(tmp_path / "used", 10_000)
    assert (tmp_path / "used" / "keep.txt").read_text(encoding="utf-8") == "mine"
    (tmp_path / "empty").mkdir()
    generate(tmp_path / "empty", 10_000)
    assert (tmp_path / "empty" / "2022" / "groups.csv").is_file()
