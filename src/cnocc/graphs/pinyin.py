"""Pinyin of the Chinese names: derived by cnocc (pypinyin), never stored in data/."""

from __future__ import annotations

from pypinyin import Style, pinyin

from cnocc.sources.dataset import Dataset


def pinyin_label(name: str) -> str:
    """Tone-marked pinyin, syllables separated by spaces; derived, so never stored in data/."""
    text = " ".join(s[0] for s in pinyin(name, style=Style.TONE, strict=True) if s[0].strip())
    return text.replace(" 、", ",")


def pinyin_names(ds: Dataset) -> list[str]:
    """Every Chinese name in the tables: those of items get a pinyin label (a few more do not)."""
    return sorted({r.values["name_zh"] for f in ds.tables for r in ds.rows(f) if r.values.get("name_zh")})
