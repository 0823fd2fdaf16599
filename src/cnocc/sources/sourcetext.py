"""The text a quote is checked against: the release's paragraphs without HTML.

Evidence quotes must be exact substrings of what a reader sees, so tags and entities are
removed, each paragraph is trimmed, and empty spacer paragraphs are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

CONTEXT = 12  # characters of prefix/suffix kept beside a quote, as Web Annotation suggests


class _Paragraphs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._buf: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("div", "p", "br"):
            self._flush()

    def handle_endtag(self, tag):
        if tag in ("div", "p", "span"):
            self._flush()

    def handle_data(self, data):
        self._buf.append(data)

    def _flush(self):
        text = "".join(self._buf).replace("\xa0", " ").strip()
        self._buf = []
        if text:
            self.paragraphs.append(text)

    def close(self):
        super().close()
        self._flush()


def paragraphs(html_text: str) -> list[str]:
    parser = _Paragraphs()
    parser.feed(html_text)
    parser.close()
    return parser.paragraphs


@dataclass(frozen=True)
class SourceText:
    """A source document's title and paragraph text, as quoted by evidence."""

    title: str
    text: str

    @classmethod
    def from_file(cls, path: Path) -> "SourceText":
        raw = path.read_text(encoding="utf-8")
        title, _, body = raw.partition("\n")
        return cls(title.strip(), "\n".join(paragraphs(body)))

    def selector(self, exact: str) -> tuple[str, str] | None:
        """Prefix and suffix around the first occurrence of `exact`, or None if absent."""
        i = self.text.find(exact)
        if i < 0:
            return None
        return self.text[max(0, i - CONTEXT):i], self.text[i + len(exact): i + len(exact) + CONTEXT]
