"""The 2022 structure table: the committed tables, their re-import from the PDF, and bad PDFs.

Most tests read the committed `data/2022/*.csv`, so they run in a fresh clone; only the
byte-for-byte re-import needs the PDF, which CI has beside the project and a clone does not.
"""

from __future__ import annotations

import csv
import re

import pytest

from cnocc import paths
from cnocc.importers.structure_table import StructureTableError, import_structure_table

PDF = paths.PROJECT_ROOT.parent / "shared" / "data" / "occupational-classification-2022-structure-table.pdf"
TABLES = paths.DATA_DIR / "2022"
LEVEL_PATTERNS = {
    "major-group": r"^\d$",
    "sub-major-group": r"^\d-\d{2}$",
    "minor-group": r"^\d-\d{2}-\d{2}$",
    "occupation": r"^\d-\d{2}-\d{2}-\d{2}$",
}
PARENT_LEVEL = {"sub-major-group": "major-group", "minor-group": "sub-major-group", "occupation": "minor-group"}


def _read(name: str) -> list[dict[str, str]]:
    with (TABLES / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def groups() -> list[dict[str, str]]:
    return _read("groups.csv")


@pytest.fixture(scope="module")
def occupations() -> list[dict[str, str]]:
    return _read("occupations.csv")


# --- the committed tables ---------------------------------------------------------------------

def test_files_are_utf8_csv_with_unix_lines_sorted_by_code():
    for name, header in [("groups.csv", "edition,level,code,gbm,name_zh,parent,source"),
                         ("occupations.csv", "edition,code,name_zh,parent,marks,source")]:
        data = (TABLES / name).read_bytes()
        text = data.decode("utf-8")
        assert not text.startswith("\ufeff") and "\r" not in text and text.endswith("\n")
        assert text.split("\n", 1)[0] == header
        codes = [row["code"] for row in _read(name)]
        assert codes == sorted(codes), name


def test_official_totals(groups, occupations):
    levels = [g["level"] for g in groups]
    assert (levels.count("major-group"), levels.count("sub-major-group"), levels.count("minor-group")) == (8, 79, 450)
    assert len(occupations) == 1639
    marks = [o["marks"] for o in occupations]
    assert set(marks) <= {"", "S", "L", "L/S"}
    assert sum(m in ("S", "L/S") for m in marks) == 97
    assert sum(m in ("L", "L/S") for m in marks) == 134
    assert marks.count("L/S") == 23


def test_every_row_names_edition_and_source(groups, occupations):
    for row in [*groups, *occupations]:
        assert (row["edition"], row["source"]) == ("2022", "structure-table-2022"), row


def test_names_are_clean(groups, occupations):
    debris = ("续表", "分类体系表", "职业分类大典", "GBM", "( )", "()", "（2022")
    for row in [*groups, *occupations]:
        name = row["name_zh"]
        assert name and name == name.strip(), row
        assert " " not in name and "\n" not in name and "\u3000" not in name, row
        assert not any(d in name for d in debris), row
        assert not re.search(r"[A-Za-z0-9]", name), row


def test_codes_fit_their_level_and_extend_their_parent(groups, occupations):
    rows = [*groups, *[{**o, "level": "occupation"} for o in occupations]]
    by_code = {r["code"]: r for r in rows}
    assert len(by_code) == len(rows), "a code appears twice"
    for row in rows:
        assert re.match(LEVEL_PATTERNS[row["level"]], row["code"]), row
        if row["level"] == "major-group":
            assert row["parent"] == "", row
            continue
        parent = by_code.get(row["parent"])
        assert parent is not None and parent["level"] == PARENT_LEVEL[row["level"]], row
        assert row["code"].rsplit("-", 1)[0] == row["parent"], row


def test_gbm_codes_are_digits_as_printed(groups):
    for g in groups:
        assert re.match(r"^\d{5}$", g["gbm"]), g
    by_code = {g["code"]: g["gbm"] for g in groups}
    assert (by_code["2"], by_code["2-02"], by_code["2-02-38"]) == ("20000", "20200", "20238")


def test_only_residual_minor_groups_are_empty(groups, occupations):
    used = {o["parent"] for o in occupations}
    empty = [g for g in groups if g["level"] == "minor-group" and g["code"] not in used]
    assert {"4-09-99", "6-31-99"} <= {g["code"] for g in empty}
    assert all(g["name_zh"].startswith("其他") for g in empty), empty


@pytest.mark.parametrize("code,name,marks", [
    ("2-02-38-08", "区块链工程技术人员", "S"),
    ("4-01-06-02", "互联网营销师", "S"),
    ("6-18-01-13", "增材制造设备操作员", "L/S"),
    ("4-14-04-04", "社群健康助理员", ""),
    ("4-14-02-05", "老年人能力评估师", None),
    ("4-07-03-06", "劳务派遣管理员", None),
    ("4-04-04-06", "密码技术应用员", None),
    ("2-02-38-13", "密码工程技术人员", None),
    ("4-14-04-01", "防疫员", None),
    ("4-14-04-02", "消毒员", None),
    ("4-14-04-03", "公共场所卫生管理员", None),
    ("3-01-04-02", "城市管理网格员", None),
    ("4-04-04-04", "信息安全测试员", None),
    ("4-04-05-06", "区块链应用操作员", None),
    ("4-13-04-01", "在线学习服务师", None),
    # Plain text extraction puts this code a line low, under 婴幼儿发展引导员's second line.
    ("4-10-01-03", "保育师", None),
])
def test_known_occupations(occupations, code, name, marks):
    row = next((o for o in occupations if o["code"] == code), None)
    assert row is not None, code
    assert row["name_zh"] == name
    assert row["parent"] == code.rsplit("-", 1)[0]
    if marks is not None:
        assert row["marks"] == marks


@pytest.mark.parametrize("code,level,name", [
    ("7", "major-group", "军队人员"),
    ("2-02-38", "minor-group", "数字技术工程技术人员"),
    # Wrapped over three lines with 、 from another font: no space may survive.
    ("1-04", "sub-major-group", "人民团体和群众团体、社会组织及其他成员组织负责人"),
    ("7-01", "sub-major-group", "军官(警官)"),
])
def test_known_groups(groups, code, level, name):
    row = next((g for g in groups if g["code"] == code), None)
    assert row is not None and (row["level"], row["name_zh"]) == (level, name)


def test_codes_the_edition_leaves_unused_are_absent(occupations):
    codes = {o["code"] for o in occupations}
    assert "4-10-01-02" not in codes and "4-01-02-02" not in codes


# --- re-import from the PDF -------------------------------------------------------------------

@pytest.mark.skipif(not PDF.is_file(), reason="the structure table PDF is not beside the project")
def test_reimport_gives_the_committed_tables(tmp_path):
    summary = import_structure_table(PDF, tmp_path / "2022")
    assert (summary.major_groups, summary.sub_major_groups, summary.minor_groups, summary.occupations) == (8, 79, 450, 1639)
    assert (summary.digital, summary.green, summary.digital_and_green) == (97, 134, 23)
    for name in ("groups.csv", "occupations.csv"):
        assert (tmp_path / "2022" / name).read_bytes() == (TABLES / name).read_bytes(), name
    assert sorted(p.name for p in (tmp_path / "2022").iterdir()) == ["groups.csv", "occupations.csv"]


# --- bad input --------------------------------------------------------------------------------

def _blank_pdf() -> bytes:
    """A valid one-page PDF without text, built by hand so the test needs no PDF writer."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _damaged_pdf() -> bytes:
    return PDF.read_bytes()[:2000] if PDF.is_file() else b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R"


@pytest.mark.parametrize("content,message", [
    (_damaged_pdf, "damaged or incomplete"),
    (lambda: "分类体系表\n1-01 中国共产党机关负责人\n".encode("utf-8"), "is not a PDF file"),
    (_blank_pdf, "is not the structure table"),
], ids=["damaged", "not-a-pdf", "blank-pdf"])
def test_bad_input_fails_clearly_and_writes_nothing(tmp_path, content, message):
    pdf = tmp_path / "input.pdf"
    pdf.write_bytes(content())
    out = tmp_path / "out"
    out.mkdir()
    (out / "groups.csv").write_text("previous import\n", encoding="utf-8")
    with pytest.raises(StructureTableError, match=message) as err:
        import_structure_table(pdf, out)
    assert "input.pdf" in str(err.value)
    assert [p.name for p in out.iterdir()] == ["groups.csv"]
    assert (out / "groups.csv").read_text(encoding="utf-8") == "previous import\n"


def test_bad_input_does_not_create_the_output_folder(tmp_path):
    pdf = tmp_path / "blank.pdf"
    pdf.write_bytes(_blank_pdf())
    with pytest.raises(StructureTableError):
        import_structure_table(pdf, tmp_path / "new" / "2022")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blank.pdf"]


def test_missing_file_fails_clearly(tmp_path):
    with pytest.raises(StructureTableError, match="no such file"):
        import_structure_table(tmp_path / "nowhere.pdf", tmp_path / "out")
    assert not (tmp_path / "out").exists()
