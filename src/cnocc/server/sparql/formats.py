"""The result formats of the SPARQL endpoint: which one a client gets, and writing it capped.

Nothing here knows of HTTP or of refusals: a result over the cap raises `TooMany`, and the caller
decides what to say about it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from cnocc.server.accept import media_ranges


@dataclass(frozen=True)
class Format:
    media_type: str  # what the response says it is
    pyoxigraph: str  # attribute of QueryResultsFormat or RdfFormat
    aliases: tuple[str, ...] = ()  # other types clients send for the same thing


# server preference order: the first is the default, and a tie in q goes to the earlier one
RESULT_FORMATS = (
    Format("application/sparql-results+json", "JSON", ("application/json",)),
    Format("application/sparql-results+xml", "XML", ("application/xml", "text/xml")),
    Format("text/csv", "CSV"),
    Format("text/tab-separated-values", "TSV"),
)
GRAPH_FORMATS = (
    Format("text/turtle", "TURTLE", ("application/x-turtle",)),
    Format("application/n-triples", "N_TRIPLES"),
    Format("application/ld+json", "JSON_LD", ("application/json",)),
    Format("application/rdf+xml", "RDF_XML", ("application/xml", "text/xml")),
)
HTML = (Format("text/html", "", ("application/xhtml+xml",)),)


def media_types(formats: tuple[Format, ...]) -> str:
    return ", ".join(f.media_type for f in formats)


def content_type(media_type: str) -> str:
    return media_type + "; charset=utf-8" if media_type.startswith("text/") else media_type


# --- content negotiation -------------------------------------------------------------------------


def _q_for(fmt: Format, ranges: list[tuple[str, float]]) -> float | None:
    """The q of the most specific range matching `fmt` (RFC 9110 §12.5.1), None if none does."""
    names = {fmt.media_type, *fmt.aliases}
    wildcard = fmt.media_type.split("/")[0] + "/*"
    best: tuple[int, float] | None = None
    for mtype, q in ranges:
        spec = 2 if mtype in names else 1 if mtype == wildcard else 0 if mtype == "*/*" else None
        if spec is not None and (best is None or spec > best[0] or (spec == best[0] and q > best[1])):
            best = (spec, q)
    return None if best is None else best[1]


def negotiate(accept: str | None, formats: tuple[Format, ...]) -> Format | None:
    """The format to answer with; None means the client accepts none of them (406)."""
    ranges = media_ranges(accept or "")
    if not ranges:
        return formats[0]
    scored = [(q, -i, f) for i, f in enumerate(formats) if (q := _q_for(f, ranges)) is not None and q > 0]
    return max(scored, key=lambda t: (t[0], t[1]))[2] if scored else None


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
