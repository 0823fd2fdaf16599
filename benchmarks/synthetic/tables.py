"""Reading and writing the source tables, and the numbering a synthetic catalogue uses (codes, Chinese numerals for names)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

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


