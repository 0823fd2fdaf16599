"""The RDF dumps (Turtle, N-Triples, TriG, N-Quads, RDF/XML) and the context, written to a binary stream.

pyoxigraph writes them: rdflib's writers take half a minute per format at a million triples, and
their output order follows Python's hash seed. Language tags are put back as written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import BinaryIO

import pyoxigraph as ox

from cnocc.export.bundle import PREFIXES, Bundle
from cnocc.model.terms import graph_node


def _text(out: BinaryIO, data: bytes, b: "Bundle | None" = None) -> None:
    """A serializer's UTF-8 output, written as it is (no decoding and encoding again)."""
    out.write(_restore_lang(data, b.conv.lang_case) if b is not None else data)


def _restore_lang(text: str | bytes, cases: dict[str, str]) -> str | bytes:
    """Put back the language tags' case (zh-Latn-pinyin) that pyoxigraph lower-cased.

    A tag follows the closing quote of a literal (Turtle, N-Triples) or is an xml:lang attribute;
    a quote inside a literal is escaped, so `(?<!\\)"@tag` only matches a real tag. That pattern
    tries every position of the text; when no escaped quote precedes the tag and no longer tag
    starts with it, a plain replacement says the same and scans ten times faster. Text or UTF-8
    bytes alike: the tags are ASCII, and no byte of a multi-byte character is."""
    enc = (lambda s: s.encode("utf-8")) if isinstance(text, bytes) else (lambda s: s)
    for low, orig in sorted(cases.items()):
        tag = enc('"@' + low)
        if tag in text:
            if enc('\\') + tag in text or re.search(re.escape(tag) + enc('[A-Za-z0-9-]'), text):
                text = re.sub(enc(r'(?<!\\)"@') + re.escape(enc(low)) + enc(r'(?![A-Za-z0-9-])'), enc('"@' + orig), text)
            else:
                text = text.replace(tag, enc('"@' + orig))
        text = text.replace(enc(f'xml:lang="{low}"'), enc(f'xml:lang="{orig}"'))
    return text


def write_turtle(b: Bundle, out: BinaryIO) -> None:
    _text(out, ox.serialize(b.union_triples(), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES), b)


def _write_chunks(f: BinaryIO, b: Bundle, n: int, chunk: Callable[[int, int], str], size: int = 50_000) -> None:
    """Write `n` lines `size` at a time (`chunk(start, stop)` gives their text): one string of a
    million lines would triple the peak memory."""
    for start in range(0, n, size):
        f.write(_restore_lang(chunk(start, min(n, start + size)).encode("utf-8"), b.conv.lang_case))


def write_ntriples(b: Bundle, out: BinaryIO) -> None:
    keys = b.union_lines()
    _write_chunks(out, b, len(keys), lambda i, j: " .\n".join(keys[i:j]) + " .\n")


def _graph_iris(b: Bundle) -> dict[str, ox.NamedNode]:
    return {name: graph_node(name) for name in b.triples}


def write_nquads(b: Bundle, out: BinaryIO) -> None:
    lines = b.nquads_lines()
    _write_chunks(out, b, len(lines), lambda i, j: "".join(lines[i:j]))


def _prefix_lines(text: bytes) -> int:
    """Where the `@prefix` lines at the head of pyoxigraph's Turtle end."""
    end = 0
    while text.startswith(b"@prefix ", end):
        end = text.index(b"\n", end) + 1
    return end


def write_trig(b: Bundle, f: BinaryIO) -> None:
    """Each named graph as one block, in name order, every block's triples in line order.

    pyoxigraph's TriG is its Turtle of each graph, indented by a tab inside `<graph> { … }`, under
    the same `@prefix` lines (a literal's line break is written `\n`, so every line break is the
    text's own). Written that way from each graph's Turtle, which inferred.ttl, void.ttl and
    mappings.ttl reuse, instead of a million quads made and handed over one by one (1.5 s against
    0.6 s at a million triples). `test_trig_is_pyoxigraphs_own` holds the two to the same bytes.
    Should a graph's text start otherwise than the others, pyoxigraph's TriG writer does it all."""
    head = None
    start = f.tell()
    if True:
        for name, g in _graph_iris(b).items():
            text = b.turtle(name, keep=name in _OWN_FILES)
            if not text:
                continue
            end = _prefix_lines(text)
            if head is None:
                head = text[:end]
                f.write(head)
            elif text[:end] != head:
                break
            body = b"\t" + text[end:-1].replace(b"\n", b"\n\t") + b"\n}\n"
            f.write(f"{g} {{\n".encode("utf-8") + _restore_lang(body, b.conv.lang_case))
        else:
            return
    quads = (ox.Quad(t.subject, t.predicate, t.object, g) for name, g in _graph_iris(b).items()
             for t in b.triples[name].values())
    f.seek(start)
    f.truncate()
    _text(f, ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=PREFIXES), b)


def write_rdfxml(b: Bundle, out: BinaryIO) -> None:
    _text(out, ox.serialize(b.union_triples(), format=ox.RdfFormat.RDF_XML, prefixes=PREFIXES), b)


def write_context(b: Bundle, out: BinaryIO) -> None:
    out.write((json.dumps(b.context, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))


_OWN_FILES: set[str] = set()  # graphs written to a file of their own as well as into TriG


def write_graph_file(name: str) -> Callable[[Bundle, BinaryIO], None]:
    _OWN_FILES.add(name)

    def write(b: Bundle, out: BinaryIO) -> None:
        _text(out, b.turtle(name), b)
    return write


