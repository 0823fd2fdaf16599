"""The committed ISCO-08 snapshot: complete, codes as strings, and equal to a fresh extraction."""

from __future__ import annotations

import csv

import pytest

from cnocc import paths
from cnocc.isco_snapshot import OFFICIAL, SnapshotError, extract_isco
from conftest import run_cli

SNAPSHOT = paths.DATA_DIR / "reference" / "isco08-groups.csv"
RAW = paths.PROJECT_ROOT.parent / "shared" / "data" / "esco-1.2-occupations-and-isco08-groups.csv"


def rows() -> list[dict]:
    with SNAPSHOT.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_every_isco_group_is_there():
    counts = {lv: sum(r["level"] == lv for r in rows()) for lv in OFFICIAL}
    assert counts == {"major": 10, "sub-major": 43, "minor": 130, "unit": 436}
    assert len(rows()) == 619


def test_codes_are_strings_with_leading_zeros_and_a_real_parent():
    by_code = {r["code"]: r for r in rows()}
    assert by_code["0110"]["title_en"] == "Commissioned armed forces officers"
    assert by_code["0110"]["uri"] == "http://data.europa.eu/esco/isco/C0110"
    for r in rows():
        assert r["uri"] == "http://data.europa.eu/esco/isco/C" + r["code"]
        assert r["parent"] == r["code"][:-1]
        assert r["parent"] == "" or r["parent"] in by_code
        assert r["title_en"] and r["title_en"] == r["title_en"].strip()


@pytest.mark.parametrize("code,title", [("2512", "Software developers"), ("3253", "Community health workers"),
                                        ("25", "Information and communications technology professionals"),
                                        ("2", "Professionals")])
def test_known_titles(code, title):
    assert {r["code"]: r["title_en"] for r in rows()}[code] == title


@pytest.mark.skipif(not RAW.is_file(), reason="the raw ESCO file is kept beside the project only where CI has it")
def test_snapshot_is_what_the_extraction_gives(tmp_path):
    proc = run_cli("import-isco", str(RAW), "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "isco08-groups.csv").read_bytes() == SNAPSHOT.read_bytes()


@pytest.mark.parametrize("content", [
    "uri,label\nhttp://data.europa.eu/esco/isco/C0,Armed forces occupations\n",  # wrong columns
    "id,description\nhttp://data.europa.eu/esco/isco/C0,\"Armed forces occupations  Members of…\"\n",  # far from whole
    "id,description\nhttp://data.europa.eu/esco/isco/Cx1,\"Nonsense  text\"\n",  # not a code
])
def test_a_file_that_is_not_escos_list_writes_nothing(tmp_path, content):
    bad = tmp_path / "bad.csv"
    bad.write_text(content, encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(SnapshotError):
        extract_isco(bad, out)
    assert not (out / "isco08-groups.csv").exists()
    proc = run_cli("import-isco", str(bad), "--out", str(out))
    assert proc.returncode == 1 and "nothing was written" in proc.stderr


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes("id,description\n分类大典".encode("gb18030"))
    with pytest.raises(SnapshotError, match="UTF-8"):
        extract_isco(bad, tmp_path / "out")
