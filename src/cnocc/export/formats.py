"""Every format cnocc writes or serves, in one registry: the files in `dist/`, the pages' content
negotiation (Accept header, suffix twins, `Link` header), the SPARQL endpoint's result formats and
the command line's `--format` choices all read their formats from here, so they cannot disagree,
and adding a format is one entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from cnocc.export.bundle import Bundle
from cnocc.export.jsonld import write_jsonld
from cnocc.export.rdf import (
    write_context,
    write_graph_file,
    write_nquads,
    write_ntriples,
    write_rdfxml,
    write_trig,
    write_turtle,
)
from cnocc.export.views import OCCUPATIONS, WORK_TYPES, _csv_view, write_edition_view
from cnocc.model.accept import media_ranges

Writer = Callable[[Bundle, BinaryIO], None]


@dataclass(frozen=True)
class Format:
    key: str  # the short name: `.../x.ttl`'s format "turtle", the SPARQL `format=` value
    media_type: str  # what a response says it is
    suffix: str = ""  # the file and twin suffix
    pyoxigraph: str = ""  # its name in pyoxigraph's RdfFormat or QueryResultsFormat
    aliases: tuple[str, ...] = ()  # other media types clients send for the same thing
    write: Writer | None = None  # the dump writer of a whole build, for RDF formats
    charset: bool = True  # pages say "; charset=utf-8" (JSON is UTF-8 by definition)

    @property
    def content_type(self) -> str:
        return self.media_type + "; charset=utf-8" if self.charset else self.media_type


HTML = Format("html", "text/html", ".html", aliases=("application/xhtml+xml",))
TURTLE = Format("turtle", "text/turtle", ".ttl", "TURTLE", ("application/x-turtle",), write_turtle)
NTRIPLES = Format("nt", "application/n-triples", ".nt", "N_TRIPLES", (), write_ntriples)
JSONLD = Format("jsonld", "application/ld+json", ".jsonld", "JSON_LD", ("application/json",), write_jsonld, charset=False)
RDFXML = Format("rdfxml", "application/rdf+xml", ".rdf", "RDF_XML", ("application/xml", "text/xml"), write_rdfxml)
TRIG = Format("trig", "application/trig", ".trig", "TRIG", (), write_trig)
NQUADS = Format("nq", "application/n-quads", ".nq", "N_QUADS", (), write_nquads)
CSV = Format("csv", "text/csv", ".csv", "CSV")
TSV = Format("tsv", "text/tab-separated-values", ".tsv", "TSV")

# One resource's RDF, as pages' twins serve it and CONSTRUCT/DESCRIBE answer, in server preference
# order (a tie in the client's q-values goes to the earlier one).
PAGE_FORMATS = (HTML, TURTLE, JSONLD, NTRIPLES, RDFXML)
GRAPH_FORMATS = (TURTLE, NTRIPLES, JSONLD, RDFXML)
# SELECT and ASK results; the first is the default.
RESULT_FORMATS = (
    Format("json", "application/sparql-results+json", ".srj", "JSON", ("application/json",)),
    Format("xml", "application/sparql-results+xml", ".srx", "XML", ("application/xml", "text/xml")),
    CSV,
    TSV,
)
# What `cnocc query --format` prints rows as: a table for people, or one of the result formats'
# plain shapes (CSV; JSON as a list of objects).
ROW_FORMATS = ("table", CSV.key, "json")


@dataclass(frozen=True)
class Export:
    file: str
    media_type: str
    write: Writer
    what: str = ""  # one line for the README's and the reference's table of dist/


EXPORTS: list[Export] = [
    Export("cnocc.ttl", TURTLE.media_type, write_turtle, "every graph as one union, in Turtle"),
    Export("cnocc.nt", NTRIPLES.media_type, write_ntriples, "every graph as one union, in N-Triples (sorted lines)"),
    Export("cnocc.trig", TRIG.media_type, write_trig, "the named graphs kept apart, in TriG"),
    Export("cnocc.nq", NQUADS.media_type, write_nquads, "the named graphs kept apart, in N-Quads (sorted lines; what stores load)"),
    Export("cnocc.jsonld", JSONLD.media_type, write_jsonld,
           "every graph as one union, in JSON-LD with short keys (`name`, `code`, `broader`, …)"),
    Export("cnocc.rdf", RDFXML.media_type, write_rdfxml, "every graph as one union, in RDF/XML"),
    Export("context.jsonld", JSONLD.media_type, write_context, "the JSON-LD context alone"),
    Export("inferred.ttl", TURTLE.media_type, write_graph_file("inferred"),
           "the OWL-RL closure only (narrower, transitive broader, inverses, class memberships)"),
    Export("void.ttl", TURTLE.media_type, write_graph_file("metadata"),
           "VoID + DCAT description with triple counts per graph, and a VoID linkset per mapping set"),
    Export("mappings.ttl", TURTLE.media_type, write_graph_file("mappings"),
           "the mapping sets as RDF (SSSOM records plus direct SKOS triples; none for a `Not` row)"),
    Export("occupations.csv", CSV.media_type, _csv_view(
        OCCUPATIONS, ["code", "zh", "en", "py", "pcode", "def", "intro"],
        ["edition", "code", "name_zh", "name_en", "name_pinyin", "minor_group", "definition_zh", "introduced_by", "uri"]),
        "spreadsheet view: every occupation of every edition"),
    Export("work-types.csv", CSV.media_type, _csv_view(
        WORK_TYPES, ["zh", "en", "py", "pzh", "pcode", "raised", "intro"],
        ["edition", "name_zh", "name_en", "name_pinyin", "parent_name_zh", "parent_code", "raised_to", "introduced_by", "uri"]),
        "spreadsheet view: every work type, its occupation and what it was raised to"),
    Export("edition-2022.csv", CSV.media_type, write_edition_view("2022"),
           "spreadsheet view: every 2022 item with its parent code, GBM code and marks"),
]
# Copied as they are, beside the exports: the mapping sets as their reviewers edit them.
VERBATIM = ("*.sssom.tsv", TSV.media_type, "each mapping set as SSSOM TSV, as its reviewers edit it")


# --- content negotiation -------------------------------------------------------------------------

def _q_for(fmt: Format, ranges: list[tuple[str, float]]) -> float | None:
    """The q of the most specific range matching `fmt` (RFC 9110 §12.5.1), None if none does.
    Aliases take no part in wildcards: application/* is not HTML."""
    names = {fmt.media_type, *fmt.aliases}
    wildcard = fmt.media_type.split("/")[0] + "/*"
    best: tuple[int, float] | None = None
    for mtype, q in ranges:
        spec = 2 if mtype in names else 1 if mtype == wildcard else 0 if mtype == "*/*" else None
        if spec is not None and (best is None or spec > best[0] or (spec == best[0] and q > best[1])):
            best = (spec, q)
    return None if best is None else best[1]


def negotiate(accept: str | None, formats: tuple[Format, ...]) -> Format | None:
    """The format of `formats` to answer with (the first when the client names none); None: the
    client accepts none of them (406)."""
    ranges = media_ranges(accept or "")
    if not ranges:
        return formats[0]
    scored = [(q, -i, f) for i, f in enumerate(formats) if (q := _q_for(f, ranges)) is not None and q > 0]
    return max(scored, key=lambda t: (t[0], t[1]))[2] if scored else None
