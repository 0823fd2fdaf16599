"""The committed ESCO snapshots: ISCO-08 complete with codes as strings, ESCO occupations confirmed by the raw
file, both equal to a fresh extraction, and nothing written when a check fails."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from cnocc import paths
from cnocc.importers.esco_snapshot import OFFICIAL, SnapshotError, extract_esco
from conftest import run_cli

SNAPSHOT = paths.DATA_DIR / "reference" / "isco08-groups.csv"
OCCUPATIONS = paths.DATA_DIR / "reference" / "esco-occupations.csv"
MAPPINGS = paths.DATA_DIR / "mappings"
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
    proc = run_cli("import-esco", str(RAW), "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "isco08-groups.csv").read_bytes() == SNAPSHOT.read_bytes()
    assert (tmp_path / "esco-occupations.csv").read_bytes() == OCCUPATIONS.read_bytes()
    assert "436 unit ISCO-08 groups; wrote" in proc.stdout and "ESCO occupations" in proc.stdout


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
        extract_esco(bad, out)
    assert not out.exists()
    proc = run_cli("import-esco", str(bad), "--out", str(out))
    assert proc.returncode == 1 and "nothing was written" in proc.stderr


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes("id,description\n分类大典".encode("gb18030"))
    with pytest.raises(SnapshotError, match="UTF-8"):
        extract_esco(bad, tmp_path / "out")


OCCUPATION = "http://data.europa.eu/esco/occupation/"


def occupations() -> list[dict]:
    with OCCUPATIONS.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def mapped_esco_labels() -> set[tuple[str, str]]:
    """Read the mappings independently of the extractor, so both cannot share one mistake."""
    found = set()
    for path in sorted(MAPPINGS.glob("*.sssom.tsv")):
        lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
        for row in csv.DictReader(lines, delimiter="\t"):
            uri = row["object_id"].replace("esco:", OCCUPATION, 1) if row["object_id"].startswith("esco:") \
                else row["object_id"]
            if uri.startswith(OCCUPATION):
                found.add((uri, row["object_label"]))
    return found


def test_every_mapped_esco_occupation_is_in_the_snapshot_with_its_label():
    snapshot = {(r["uri"], r["pref_label"]) for r in occupations()}
    assert mapped_esco_labels() and mapped_esco_labels() == snapshot
    assert [r["uri"] for r in occupations()] == sorted(r["uri"] for r in occupations())
    assert {r["source"] for r in occupations()} == {"esco-v1-2"}


# A small raw file: the real ISCO-08 groups written back as ESCO writes them, and two occupations.
WARDEN = OCCUPATION + "00000000-0000-0000-0000-00000000000a"
LOANS = OCCUPATION + "00000000-0000-0000-0000-00000000000b"
ABSENT = OCCUPATION + "00000000-0000-0000-0000-00000000000c"
HEADER_LINES = ["# curie_map:", "#   esco: http://data.europa.eu/esco/occupation/",
                "#   skos: http://www.w3.org/2004/02/skos/core#", "# mapping_set_id: https://example.org/m",
                "subject_id\tpredicate_id\tobject_id\tobject_label"]


@pytest.fixture
def raw(tmp_path):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["id", "description"])
    w.writerows([r["uri"], f"{r['title_en']}  Definition of {r['title_en'].lower()}."] for r in rows())
    w.writerow([WARDEN, "street warden neighbourhood warden Street wardens patrol an area and report problems."])
    w.writerow([LOANS, "loan officer"])
    path = tmp_path / "raw.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def mappings(tmp_path, *rows: tuple[str, str]) -> Path:
    """A mapping folder whose data rows start on line 6, after four YAML lines and the header."""
    folder = tmp_path / "mappings"
    folder.mkdir()
    body = [f"cn:x{i}\tskos:closeMatch\t{obj}\t{label}" for i, (obj, label) in enumerate(rows)]
    (folder / "m.sssom.tsv").write_text("\n".join(HEADER_LINES + body) + "\n", encoding="utf-8")
    return folder


def test_labels_confirmed_by_the_raw_row_are_written(raw, tmp_path):
    folder = mappings(tmp_path, ("esco:00000000-0000-0000-0000-00000000000a", "street warden"),
                      (LOANS, "loan officer"), ("isco:2512", "Software developers"),
                      ("esco:00000000-0000-0000-0000-00000000000a", "street warden"))
    summary = extract_esco(raw, tmp_path / "out", folder)
    assert (tmp_path / "out" / "isco08-groups.csv").read_bytes() == SNAPSHOT.read_bytes()
    assert (tmp_path / "out" / "esco-occupations.csv").read_text(encoding="utf-8") == (
        f"uri,pref_label,source\n{WARDEN},street warden,esco-v1-2\n{LOANS},loan officer,esco-v1-2\n")
    assert str(summary).endswith("esco-occupations.csv: 2 ESCO occupations")


@pytest.mark.parametrize("obj,label,says", [
    ("esco:00000000-0000-0000-0000-00000000000a", "neighbourhood warden", "does not begin"),  # an alternative label
    ("esco:00000000-0000-0000-0000-00000000000a", "street ward", "does not begin"),  # not a whole label
    ("esco:00000000-0000-0000-0000-00000000000a", "Street warden", "does not begin"),
    (ABSENT, "ghost", "is not an occupation"),
    ("esco:00000000-0000-0000-0000-00000000000c", "ghost", "is not an occupation"),
])
def test_an_unconfirmed_label_or_absent_occupation_writes_nothing(raw, tmp_path, obj, label, says):
    folder = mappings(tmp_path, (LOANS, "loan officer"), (obj, label))
    uri = obj.replace("esco:", OCCUPATION)
    out = tmp_path / "out"
    out.mkdir()
    (out / "isco08-groups.csv").write_text("old\n", encoding="utf-8")
    with pytest.raises(SnapshotError) as err:
        extract_esco(raw, out, folder)
    assert f"{folder / 'm.sssom.tsv'}:7: {uri}" in str(err.value) and says in str(err.value)
    assert sorted(p.name for p in out.iterdir()) == ["isco08-groups.csv"]
    assert (out / "isco08-groups.csv").read_text(encoding="utf-8") == "old\n"
    proc = run_cli("import-esco", str(raw), "--out", str(out), "--mappings", str(folder))
    assert proc.returncode == 1 and "nothing was written" in proc.stderr and f"m.sssom.tsv:7: {uri}" in proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["isco08-groups.csv"]


def test_two_labels_for_one_occupation_are_refused(raw, tmp_path):
    # Both labels open the row, so only the disagreement between the mapping rows can catch this.
    folder = mappings(tmp_path, (WARDEN, "street warden"), (WARDEN, "street warden neighbourhood warden"))
    with pytest.raises(SnapshotError, match=r"m\.sssom\.tsv:7: .*0000000a is labelled .* but 'street warden' at .*:6"):
        extract_esco(raw, tmp_path / "out", folder)
    assert not (tmp_path / "out").exists()
