"""The result formats of the SPARQL endpoint (from the registry, `cnocc.export.formats`): which one a
client gets, and writing it capped.

Nothing here knows of HTTP or of refusals: a result over the cap raises `TooMany`, and the caller
decides what to say about it.
"""

from __future__ import annotations

import pyoxigraph as ox

from cnocc.export.formats import HTML as PAGE_HTML
from cnocc.export.formats import Format
from cnocc.export.formats import negotiate as negotiate_among

HTML = (PAGE_HTML,)


def media_types(formats: tuple[Format, ...]) -> str:
    return ", ".join(f.media_type for f in formats)


def content_type(media_type: str) -> str:
    """SPARQL responses name a charset on text/* types only (JSON and XML results carry their own)."""
    return media_type + "; charset=utf-8" if media_type.startswith("text/") else media_type


def negotiate(accept: str | None, formats: tuple[Format, ...]) -> Format | None:
    """The format to answer with; None means the client accepts none of them (406)."""
    return negotiate_among(accept, formats)


# --- serialization -------------------------------------------------------------------------------


class TooMany(Exception):
    """The result has more than the cap of `what` ("rows" or "triples")."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


class _CappedWriter:
    """Output for pyoxigraph's streaming TSV writer that stops the query once the cap is passed.

    TSV escapes newlines inside terms, so each solution is exactly one line after the header.
    """

    def __init__(self, max_rows: int):
        self.limit = max_rows + 1  # + the header line
        self.lines = 0
        self.chunks: list[bytes] = []

    def write(self, data) -> int:
        data = bytes(data)
        self.lines += data.count(b"\n")
        if self.lines > self.limit:
            raise OverflowError
        self.chunks.append(data)
        return len(data)

    def flush(self) -> None:
        pass


def solutions(result: ox.QuerySolutions, fmt: Format, max_rows: int) -> bytes:
    """Serialize at most `max_rows` solutions; TSV is lossless, so other formats are converted from it."""
    sink = _CappedWriter(max_rows)
    try:
        result.serialize(sink, format=ox.QueryResultsFormat.TSV)
    except OverflowError:
        raise TooMany("rows") from None
    tsv = b"".join(sink.chunks)
    if fmt.pyoxigraph == "TSV":
        return tsv
    parsed = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
    return parsed.serialize(format=getattr(ox.QueryResultsFormat, fmt.pyoxigraph))


def boolean(result: ox.QueryBoolean, fmt: Format) -> bytes:
    return result.serialize(format=getattr(ox.QueryResultsFormat, fmt.pyoxigraph))


def triples(result: ox.QueryTriples, fmt: Format, max_rows: int) -> bytes:
    kept = []
    for triple in result:
        if len(kept) == max_rows:
            raise TooMany("triples")
        kept.append(triple)
    return ox.serialize(kept, format=getattr(ox.RdfFormat, fmt.pyoxigraph))
