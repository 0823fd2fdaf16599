"""Writing the built graphs to files, byte-for-byte the same for the same input.

A registry maps each export to its writer, so adding a format is one entry. rdflib's set-based
graphs iterate in an order that changes with Python's hash seed, so line-based formats are sorted
and JSON-LD is normalised before writing.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from . import vocab as V
from .graphs import new_graph


SSSOM_TSV = "text/tab-separated-values"


@dataclass(frozen=True)
class Export:
    file: str
    media_type: str
    write: Callable[["Bundle", Path], None]


@dataclass
class Bundle:
    """What the exports are written from: the named graphs and the JSON-LD context."""

    graphs: dict[str, Graph]  # name -> graph, incl. inferred and metadata
    context: dict
    verbatim: dict[str, tuple[str, str]] = field(default_factory=dict)  # file -> (media type, text), e.g. SSSOM

    def union(self, names: list[str] | None = None) -> Graph:
        g = new_graph()
        for name in sorted(self.graphs):
            if names is None or name in names:
                for t in self.graphs[name]:
                    g.add(t)
        return g

    def dataset(self) -> Dataset:
        d = Dataset()
        for p, ns in V.PREFIXES.items():
            d.bind(p, ns, override=True)
        for name in sorted(self.graphs):
            target = d.graph(V.GRAPHS.get(name, V.uri("graph", name)))
            for t in self.graphs[name]:
                target.add(t)
        return d


def _sorted_lines(text: str) -> str:
    lines = sorted({line for line in text.splitlines() if line.strip()})
    return "\n".join(lines) + "\n"


def write_turtle(b: Bundle, path: Path) -> None:
    path.write_text(b.union().serialize(format="turtle"), encoding="utf-8")


def write_ntriples(b: Bundle, path: Path) -> None:
    path.write_text(_sorted_lines(b.union().serialize(format="nt")), encoding="utf-8")


def write_nquads(b: Bundle, path: Path) -> None:
    path.write_text(_sorted_lines(b.dataset().serialize(format="nquads")), encoding="utf-8")


def write_trig(b: Bundle, path: Path) -> None:
    """Each named graph as a Turtle block, in name order (rdflib's TriG order is not stable).

    Prefixes move to the top, gathered from every block, so a graph whose serializer had to invent
    one (`ns1:`) still parses; two blocks giving one prefix different namespaces is a bug to stop on.
    """
    prefixes: dict[str, str] = {}
    parts = []
    for name in sorted(b.graphs):
        body = b.graphs[name].serialize(format="turtle")
        kept = []
        for line in body.splitlines():
            if line.startswith("@prefix"):
                prefix, ns = line.split()[1], line.split()[2]
                if prefixes.setdefault(prefix, ns) != ns:
                    raise ValueError(f"prefix {prefix} means {prefixes[prefix]} and {ns} in graph {name}")
            else:
                kept.append(line)
        uri = V.GRAPHS.get(name, V.uri("graph", name))
        # no re-indenting: Turtle long strings may span lines and must keep their bytes
        parts.append(f"\n<{uri}> {{\n{chr(10).join(kept).strip()}\n}}\n")
    head = "".join(f"@prefix {p} {ns} .\n" for p, ns in sorted(prefixes.items()))
    path.write_text(head + "".join(parts), encoding="utf-8")


def write_rdfxml(b: Bundle, path: Path) -> None:
    """Plain RDF/XML, one rdf:Description per subject in sorted order (rdflib's writers are unordered)."""
    g = b.union()
    nm = g.namespace_manager
    used: dict[str, str] = {}
    body: list[str] = []

    def qname(p: URIRef) -> str:
        prefix, ns, local = nm.compute_qname_strict(str(p))
        used[prefix] = str(ns)
        return f"{prefix}:{local}"

    def node_attr(n, about: bool) -> str:
        if isinstance(n, BNode):
            return f'rdf:nodeID="{n}"'
        return f'rdf:{"about" if about else "resource"}={quoteattr(str(n))}'

    for subj in sorted(set(g.subjects())):
        body.append(f"  <rdf:Description {node_attr(subj, True)}>")
        for p, o in sorted(g.predicate_objects(subj)):
            q = qname(p)
            if isinstance(o, Literal):
                attrs = ""
                if o.language:
                    attrs = f" xml:lang={quoteattr(o.language)}"
                elif o.datatype:
                    attrs = f" rdf:datatype={quoteattr(str(o.datatype))}"
                body.append(f"    <{q}{attrs}>{escape(str(o))}</{q}>")
            else:
                body.append(f"    <{q} {node_attr(o, False)}/>")
        body.append("  </rdf:Description>")
    used["rdf"] = str(RDF)
    decls = "".join(f"\n    xmlns:{p}={quoteattr(ns)}" for p, ns in sorted(used.items()))
    text = f'<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF{decls}>\n' + "\n".join(body) + "\n</rdf:RDF>\n"
    path.write_text(text, encoding="utf-8")


def _normalise(node):
    """Sort JSON-LD object keys and unordered arrays, leaving @list order alone."""
    if isinstance(node, dict):
        return {k: (v if k == "@list" else _normalise(v)) for k, v in sorted(node.items())}
    if isinstance(node, list):
        items = [_normalise(x) for x in node]
        return sorted(items, key=lambda x: json.dumps(x, sort_keys=True, ensure_ascii=False))
    return node


def write_jsonld(b: Bundle, path: Path) -> None:
    ctx = b.context["@context"]
    data = json.loads(b.union().serialize(format="json-ld", context=ctx, auto_compact=True))
    data = _normalise(data)
    data["@context"] = ctx  # inline, so the file is read offline; context.jsonld publishes the same
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def write_context(b: Bundle, path: Path) -> None:
    path.write_text(json.dumps(b.context, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def write_graph_file(name: str) -> Callable[[Bundle, Path], None]:
    def write(b: Bundle, path: Path) -> None:
        path.write_text(b.graphs[name].serialize(format="turtle"), encoding="utf-8")
    return write


def _label(g: Graph, s, lang: str) -> str:
    for o in g.objects(s, SKOS.prefLabel):
        if getattr(o, "language", None) == lang:
            return str(o)
    return ""


def _csv_view(cls: URIRef, columns: list[str], row_of) -> Callable[[Bundle, Path], None]:
    def write(b: Bundle, path: Path) -> None:
        g = b.union([n for n in b.graphs if n.startswith("edition-")] + ["announcements"])
        rows = [row_of(g, s) for s in set(g.subjects(V.RDF.type, cls))]
        rows.sort(key=lambda r: (r[0], r[1], r[2]))
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        w.writerows(rows)
        path.write_text(buf.getvalue(), encoding="utf-8")
    return write


def _occupation_row(g: Graph, s) -> list[str]:
    parent = g.value(s, SKOS.broader)
    return [str(g.value(s, SKOS.inScheme) or "").rsplit("/", 1)[-1], str(g.value(s, SKOS.notation) or ""),
            _label(g, s, "zh"), _label(g, s, "en"), _label(g, s, "zh-Latn-pinyin"),
            str(g.value(parent, SKOS.notation) or "") if parent else "",
            str(g.value(s, SKOS.definition) or ""), str(g.value(s, V.CNOCC.introducedBy) or ""), str(s)]


def _work_type_row(g: Graph, s) -> list[str]:
    parent = g.value(s, SKOS.broader)
    return [str(g.value(s, SKOS.inScheme) or "").rsplit("/", 1)[-1], _label(g, s, "zh"), _label(g, s, "en"),
            _label(g, s, "zh-Latn-pinyin"), _label(g, parent, "zh") if parent else "",
            str(g.value(parent, SKOS.notation) or "") if parent else "",
            str(g.value(s, V.CNOCC.raisedTo) or ""), str(g.value(s, V.CNOCC.introducedBy) or ""), str(s)]


def write_edition_view(edition: str) -> Callable[[Bundle, Path], None]:
    """Every item of one edition, one row each, in code order, for users who start in a spreadsheet."""
    def write(b: Bundle, path: Path) -> None:
        g = b.graphs[f"edition-{edition}"]
        scheme = V.edition(edition)
        marks = {}
        for c in g.subjects(RDF.type, SKOS.Collection):
            letter = str(g.value(c, SKOS.notation) or "")  # the mark the collection gathers: S or L
            for m in g.objects(c, SKOS.member):
                marks.setdefault(m, set()).add(letter)
        levels = {m: int(g.value(lv, V.XKOS.depth)) for lv in g.subjects(RDF.type, V.XKOS.ClassificationLevel)
                  for m in g.objects(lv, SKOS.member)}
        level_names = {int(g.value(lv, V.XKOS.depth)): str(g.value(lv, V.XKOS.organizedBy)).rsplit("/", 1)[-1]
                       for lv in g.subjects(RDF.type, V.XKOS.ClassificationLevel)}
        rows = []
        for s in g.subjects(SKOS.inScheme, scheme):
            code = g.value(s, SKOS.notation)
            if code is None or s not in levels:
                continue
            parent = g.value(s, SKOS.broader)
            mark = "L/S" if marks.get(s) == {"S", "L"} else "".join(marks.get(s, ()))
            rows.append([str(code), level_names[levels[s]], _label(g, s, "zh"),
                         str(g.value(parent, SKOS.notation) or "") if parent else "",
                         str(g.value(s, V.CNOCC.gbmCode) or ""), mark, str(s)])
        rows.sort()
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["code", "level", "name_zh", "parent_code", "gbm", "marks", "uri"])
        w.writerows(rows)
        path.write_text(buf.getvalue(), encoding="utf-8")
    return write


EXPORTS: list[Export] = [
    Export("cnocc.ttl", "text/turtle", write_turtle),
    Export("cnocc.nt", "application/n-triples", write_ntriples),
    Export("cnocc.trig", "application/trig", write_trig),
    Export("cnocc.nq", "application/n-quads", write_nquads),
    Export("cnocc.jsonld", "application/ld+json", write_jsonld),
    Export("cnocc.rdf", "application/rdf+xml", write_rdfxml),
    Export("context.jsonld", "application/ld+json", write_context),
    Export("inferred.ttl", "text/turtle", write_graph_file("inferred")),
    Export("void.ttl", "text/turtle", write_graph_file("metadata")),
    Export("mappings.ttl", "text/turtle", write_graph_file("mappings")),
    Export("occupations.csv", "text/csv", _csv_view(
        V.CNOCC.Occupation,
        ["edition", "code", "name_zh", "name_en", "name_pinyin", "minor_group", "definition_zh", "introduced_by", "uri"],
        _occupation_row)),
    Export("work-types.csv", "text/csv", _csv_view(
        V.CNOCC.WorkType,
        ["edition", "name_zh", "name_en", "name_pinyin", "parent_name_zh", "parent_code", "raised_to", "introduced_by", "uri"],
        _work_type_row)),
    Export("edition-2022.csv", "text/csv", write_edition_view("2022")),
]
