"""Importing the 2022 edition's structure table (分类体系表) from its official PDF.

The PDF is the only source at hand that lists the whole 2022 edition, so its codes and names are
taken as printed and nothing is ever filled in: a code or name the importer cannot read makes it
fail, naming the page and the text it choked on, and it writes nothing.

Why characters and not `extract_text()`: the table has three columns (中类 | 小类 | 细类) whose
names wrap inside their cells, and codes are set in a Latin font whose glyph boxes sit lower than
the Chinese text beside them. Plain text extraction clusters by glyph box, so a code lands on the
line below its name's first line and seems to belong to the next name (4-10-01-03 is printed on
保育师's baseline; 4-10-01-02, like 4-01-02-02, is not in the table at all: the edition leaves those
numbers unused). Here characters are grouped by their baseline (the text matrix), which a code and
the first line of its name share, and split into columns by the table's two vertical rules.

A code the PDF lacks is never guessed. Wrapped name lines always fill their cell, so a short line
followed by more text in the same cell would be a new entry without its code: the import stops
there. (A missing code after a full line still shows, as a wrong total.)

Spaces: the PDF draws space glyphs only as layout (before a code, between a code and its GBM, before
a mark, in headings) and never between two characters of a name; the spaces that text extraction
shows inside names ("群众团体、 社会组织", "军官 (警官)") come from gaps in the layout (a
punctuation mark set in another font, justified lines), not from characters. So names are the
concatenation of their non-space characters, line after line; punctuation is kept as printed
(、 and the ASCII parentheses of 军官(警官)).
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

EDITION = "2022"
SOURCE = "structure-table-2022"
GROUP_HEADER = ("edition", "level", "code", "gbm", "name_zh", "parent", "source")
OCCUPATION_HEADER = ("edition", "code", "name_zh", "parent", "marks", "source")

# The totals the edition announces; the import is only written when it reproduces them all.
EXPECTED = {
    "major-group": 8,
    "sub-major-group": 79,
    "minor-group": 450,
    "occupation": 1639,
    "digital": 97,  # S, counting L/S
    "green": 134,  # L, counting L/S
    "digital-and-green": 23,  # L/S
}

LEVELS = ("major-group", "sub-major-group", "minor-group")
CODE_PATTERNS = {
    "major-group": re.compile(r"^[1-9]$"),
    "sub-major-group": re.compile(r"^[1-9]-[0-9]{2}$"),
    "minor-group": re.compile(r"^[1-9]-[0-9]{2}-[0-9]{2}$"),
    "occupation": re.compile(r"^[1-9]-[0-9]{2}-[0-9]{2}-[0-9]{2}$"),
}
MARKS = ("", "S", "L", "L/S")

# Text the pages repeat around the table: running heads, the 续表 tag, the column header.
RUNNING_TEXT = {"分类体系表", "续表", "中华人民共和国", "职业分类大典", "（2022年版）", "中类小类细类(职业)"}
PAGE_NUMBER = re.compile(r"^[0-9]+$")
ORDINALS = "一二三四五六七八九"
HEADING = re.compile(r"^第([一二三四五六七八九])大类([1-9])（GBM([0-9]{5})）(.+)$")
GROUP_CODE_LINE = {
    0: re.compile(r"^([1-9]-[0-9]{2})\(GBM([0-9]{5})\)(.*)$"),
    1: re.compile(r"^([1-9]-[0-9]{2}-[0-9]{2})\(GBM([0-9]{5})\)(.*)$"),
}
OCCUPATION_CODE_LINE = re.compile(r"^([1-9]-[0-9]{2}-[0-9]{2}-[0-9]{2})(.*)$")
MARK_AT_END = re.compile(r"^(.*?)(L/S|L|S)?$")
MARK_ONLY = re.compile(r"^(L/S|L|S)$")
FULL_LINE_SLACK = 8.0  # points; wrapped name lines end ~5pt before their cell's edge, a character is ~10pt
# A name is Chinese text: ideographs, the enumeration comma 、, and parentheses as printed.
NAME = re.compile(r"^[\u4e00-\u9fff、（）()·]+$")
FORBIDDEN_IN_NAMES = ("续表", "分类体系表", "职业分类大典", "GBM", "( )", "()")
COLUMN_NAMES = ("中类", "小类", "细类")
BASELINE_TOLERANCE = 2.5  # points; a row's fonts differ by < 2, rows are 16 apart


class StructureTableError(Exception):
    """The PDF cannot be read, is not the structure table, or does not give the official totals."""


@dataclass(frozen=True)
class ImportSummary:
    """What one import produced, counted per level and per mark, for printing."""

    major_groups: int
    sub_major_groups: int
    minor_groups: int
    occupations: int
    digital: int
    green: int
    digital_and_green: int
    pages: int
    files: tuple[Path, ...] = ()

    def __str__(self) -> str:
        return (
            f"{self.pages} pages: {self.major_groups} 大类, {self.sub_major_groups} 中类, "
            f"{self.minor_groups} 小类, {self.occupations} occupations "
            f"({self.digital} digital S, {self.green} green L, {self.digital_and_green} both L/S)"
        )


@dataclass
class _Item:
    """One group or occupation being assembled from the lines of its cell."""

    level: str
    code: str
    gbm: str
    page: int
    parent: str = ""
    # Each name line with the room left between its last character and its cell's right edge.
    lines: list[tuple[str, float]] = field(default_factory=list)
    name: str = ""
    mark: str = ""


@dataclass
class _Page:
    number: int
    chars: list[dict]  # text, x0, x1, baseline (points from the top), upright
    rules: list[float]  # x of the vertical rules between the columns
    right: float  # right edge of the table


@dataclass
class _Line:
    page: int
    chars: list[dict] = field(default_factory=list)

    @property
    def baseline(self) -> float:
        return self.chars[0]["baseline"]

    def text(self, chars: list[dict] | None = None) -> str:
        return "".join(c["text"] for c in sorted(chars if chars is not None else self.chars, key=lambda c: c["x0"]))


def import_structure_table(pdf: Path, out_dir: Path) -> ImportSummary:
    """Read the structure table PDF and write `groups.csv` and `occupations.csv` into out_dir.

    Everything is read and checked before anything is written; the two files then replace any
    old ones, each by an atomic rename, so a failed import leaves out_dir as it was.
    """
    pdf = Path(pdf)
    pages = _read_pages(pdf)
    groups, occupations = _parse(pdf.name, pages)
    summary = _check(pdf.name, groups, occupations, len(pages))
    files = _write(Path(out_dir), {
        "groups.csv": (GROUP_HEADER, [
            (EDITION, g.level, g.code, g.gbm, g.name, g.parent, SOURCE) for g in groups
        ]),
        "occupations.csv": (OCCUPATION_HEADER, [
            (EDITION, o.code, o.name, o.parent, o.mark, SOURCE) for o in occupations
        ]),
    })
    return replace(summary, files=files)


def _read_pages(pdf: Path) -> list[_Page]:
    """Every page's visible characters and table rules, as plain data.

    pdfplumber is the only code run inside the broad `except`: a damaged file can make pdfminer
    raise almost any exception type, and each of them means the same thing to the user.
    """
    if not pdf.is_file():
        raise StructureTableError(f"{pdf}: no such file")
    with pdf.open("rb") as fh:
        magic = fh.read(5)
    if magic != b"%PDF-":
        raise StructureTableError(f"{pdf.name}: is not a PDF file (it does not begin with %PDF-)")
    import pdfplumber

    pages: list[_Page] = []
    try:
        with pdfplumber.open(pdf) as doc:
            for number, page in enumerate(doc.pages, start=1):
                chars = [
                    {"text": c["text"], "x0": float(c["x0"]), "x1": float(c["x1"]),
                     "baseline": float(page.height) - float(c["matrix"][5]), "upright": bool(c.get("upright", True))}
                    for c in page.chars if c["text"].strip()
                ]
                vertical = [ln for ln in page.lines if abs(ln["x0"] - ln["x1"]) < 0.5 and ln["bottom"] - ln["top"] > 5]
                horizontal = [ln for ln in page.lines if abs(ln["bottom"] - ln["top"]) < 0.5]
                rules = sorted({round(float(ln["x0"]), 1) for ln in vertical})
                right = max((float(ln["x1"]) for ln in horizontal), default=float(page.width))
                pages.append(_Page(number, chars, rules, right))
                page.close()
    except Exception as exc:  # noqa: BLE001 - see docstring
        raise StructureTableError(
            f"{pdf.name}: cannot be read as a PDF, the file is damaged or incomplete "
            f"({type(exc).__name__}: {exc or 'no detail'})"
        ) from None
    if not pages:
        raise StructureTableError(f"{pdf.name}: the PDF has no pages; is the file complete?")
    return pages


def _lines(page: _Page) -> list[_Line]:
    """Group a page's characters into lines by baseline, top to bottom."""
    lines: list[_Line] = []
    for c in sorted(page.chars, key=lambda c: c["baseline"]):
        if lines and c["baseline"] - lines[-1].baseline <= BASELINE_TOLERANCE:
            lines[-1].chars.append(c)
        else:
            lines.append(_Line(page.number, [c]))
    return lines


def _parse(name: str, pages: list[_Page]) -> tuple[list[_Item], list[_Item]]:
    """Walk the lines of every page, opening an item at each code and adding the lines below it."""
    first_text = "".join(c["text"] for c in pages[0].chars)
    if "分类体系表" not in first_text:
        raise StructureTableError(
            f"{name}: is not the structure table of the 2022 classification: page 1 does not carry its "
            f"title 分类体系表 (it has {len(first_text)} characters of text)"
        )
    groups: list[_Item] = []
    occupations: list[_Item] = []
    open_items: list[_Item | None] = [None, None, None]  # the item each column's text belongs to
    major: _Item | None = None

    def fail(line: _Line, message: str) -> StructureTableError:
        return StructureTableError(f"{name}: page {line.page}, line {line.baseline:.0f}pt from the top: {message}")

    for page in pages:
        for line in _lines(page):
            if not all(c["upright"] for c in line.chars):
                raise fail(line, "holds rotated text; is this the 2022 structure table?")
            text = line.text()
            if text in RUNNING_TEXT or PAGE_NUMBER.match(text):
                continue
            heading = HEADING.match(text)
            if heading:
                ordinal, code, gbm, title = heading.groups()
                if ORDINALS.index(ordinal) + 1 != int(code):
                    raise fail(line, f"heading '{text}' names 大类 {ordinal} but gives code {code}")
                major = _Item("major-group", code, gbm, page.number, lines=[(title, 0.0)])
                groups.append(major)
                open_items = [None, None, None]
                continue
            if len(page.rules) != 2:
                raise fail(line, f"expected the table's two column rules on this page, found {len(page.rules)}; "
                                 "is this the 2022 structure table?")
            if major is None:
                raise fail(line, f"table text '{text}' before the first 大类 heading")
            edges = [*page.rules, page.right]
            cells: list[list[dict]] = [[], [], []]
            for c in line.chars:
                cells[0 if c["x0"] < edges[0] else 1 if c["x0"] < edges[1] else 2].append(c)
            for col, cell in enumerate(cells):
                if not cell:
                    continue
                cell_text = line.text(cell)
                slack = edges[col] - max(c["x1"] for c in cell)
                item, rest = _start_item(col, cell_text, page.number)
                if item is not None:
                    context = major if col == 0 else open_items[col - 1]
                    if context is None or not item.code.startswith(context.code + "-"):
                        where = f"under {context.code}" if context else "before any group"
                        raise fail(line, f"{COLUMN_NAMES[col]} code {item.code} stands {where}; "
                                         "its parent's code does not prefix it")
                    item.parent = context.code
                    (occupations if col == 2 else groups).append(item)
                    open_items[col:] = [item] + [None] * (2 - col)
                    if rest:
                        item.lines.append((rest, slack))
                    continue
                if cell_text[0].isdigit():
                    raise fail(line, f"cannot read a {COLUMN_NAMES[col]} code in '{cell_text}'")
                owner = open_items[col]
                if owner is None:
                    raise fail(line, f"text '{cell_text}' in the {COLUMN_NAMES[col]} column before any code")
                if owner.lines and owner.lines[-1][1] > FULL_LINE_SLACK and not MARK_ONLY.match(cell_text):
                    # Wrapped lines fill their cell; a short line followed by more text means a new
                    # entry began there without a code. Never guess one.
                    raise fail(line, f"'{cell_text}' follows '{owner.lines[-1][0]}' ({owner.code}), which ends "
                                     f"short of its cell: an entry without its code? The importer does not guess codes")
                owner.lines.append((cell_text, slack))
    for item in [*groups, *occupations]:
        text = "".join(part for part, _ in item.lines)
        if item.level == "occupation":
            text, mark = MARK_AT_END.match(text).groups()
            item.mark = mark or ""
        item.name = text
    return sorted(groups, key=lambda g: g.code), sorted(occupations, key=lambda o: o.code)


def _start_item(col: int, text: str, page: int) -> tuple[_Item | None, str]:
    """The group or occupation a cell's line opens, if it starts with a code, and the text after it."""
    if col < 2:
        m = GROUP_CODE_LINE[col].match(text)
        return (_Item(LEVELS[col + 1], m[1], m[2], page), m[3]) if m else (None, text)
    m = OCCUPATION_CODE_LINE.match(text)
    return (_Item("occupation", m[1], "", page), m[2]) if m else (None, text)


def _check(name: str, groups: list[_Item], occupations: list[_Item], pages: int) -> ImportSummary:
    """Check every row and the official totals; raise one error listing every problem."""
    problems: list[str] = []
    by_code: dict[str, _Item] = {}
    for item in [*groups, *occupations]:
        where = f"{item.level} {item.code} (page {item.page})"
        if item.code in by_code:
            problems.append(f"{where}: code printed twice (first on page {by_code[item.code].page})")
        by_code.setdefault(item.code, item)
        if not CODE_PATTERNS[item.level].match(item.code):
            problems.append(f"{where}: code does not fit the level's pattern")
        if not item.name:
            problems.append(f"{where}: has no name")
        elif not NAME.match(item.name) or any(f in item.name for f in FORBIDDEN_IN_NAMES):
            problems.append(f"{where}: name '{item.name}' holds text that is not part of a name")
        if item.mark not in MARKS:
            problems.append(f"{where}: mark '{item.mark}' is not one of S, L, L/S")
    for item in [*groups, *occupations]:
        if item.level == "major-group":
            continue
        parent = by_code.get(item.parent)
        expected_level = LEVELS[LEVELS.index(item.level) - 1] if item.level in LEVELS else "minor-group"
        if parent is None or parent.level != expected_level or item.code.rsplit("-", 1)[0] != item.parent:
            problems.append(f"{item.level} {item.code} (page {item.page}): parent {item.parent or '(none)'} "
                            f"is not the {expected_level} its code extends")
        if item.level != "occupation" and item.gbm != _gbm_of(item.code):
            problems.append(f"{item.level} {item.code} (page {item.page}): GBM {item.gbm} is not {_gbm_of(item.code)}, "
                            "the code's digits; read from a neighbouring cell?")
    children = Counter(item.parent for item in [*groups, *occupations])
    for group in groups:
        # Only the residual 其他… minor groups are printed without occupations.
        if not children[group.code] and not (group.level == "minor-group" and group.name.startswith("其他")):
            problems.append(f"{group.level} {group.code} (page {group.page}): '{group.name}' has nothing under it")
    marks = Counter(o.mark for o in occupations)
    got = {
        **{level: sum(1 for g in groups if g.level == level) for level in LEVELS},
        "occupation": len(occupations),
        "digital": marks["S"] + marks["L/S"],
        "green": marks["L"] + marks["L/S"],
        "digital-and-green": marks["L/S"],
    }
    for key, want in EXPECTED.items():
        if got[key] != want:
            problems.append(f"found {got[key]} {key} items, the edition has {want}")
    if problems:
        shown = problems[:20] + ([f"… and {len(problems) - 20} more"] if len(problems) > 20 else [])
        raise StructureTableError(f"{name}: does not give the 2022 structure table as expected:\n  " + "\n  ".join(shown))
    return ImportSummary(got["major-group"], got["sub-major-group"], got["minor-group"], got["occupation"],
                         got["digital"], got["green"], got["digital-and-green"], pages)


def _gbm_of(code: str) -> str:
    """GB/T 6565 code of a group, as the table prints it: 2-02-38 → 20238, 4-10 → 41000, 7 → 70000."""
    return "".join(code.split("-")).ljust(5, "0")


def _csv(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _write(out_dir: Path, tables: dict[str, tuple[tuple[str, ...], list[tuple[str, ...]]]]) -> tuple[Path, ...]:
    """Write every table to a temporary file beside its target, then rename them all into place."""
    contents = {file: _csv(header, rows) for file, (header, rows) in tables.items()}
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StructureTableError(f"{out_dir}: cannot create the output folder ({exc})") from None
    temps: dict[str, str] = {}
    try:
        for file, data in contents.items():
            fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{file}.", suffix=".tmp")
            temps[file] = tmp
            with os.fdopen(fd, "wb") as fh:
                os.fchmod(fh.fileno(), 0o644)  # mkstemp's 0600 would make the committed tables private
                fh.write(data)
        for file, tmp in temps.items():
            os.replace(tmp, out_dir / file)
    except OSError as exc:
        for tmp in temps.values():
            if os.path.exists(tmp):
                os.unlink(tmp)
        raise StructureTableError(f"{out_dir}: cannot write the tables ({exc})") from None
    return tuple(out_dir / file for file in contents)
