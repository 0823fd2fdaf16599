"""Writing the built graphs to files, byte-for-byte the same for the same input.

A registry maps each export to its writer, so adding a format is one entry. The graphs are held
as pyoxigraph triples, each graph sorted by its N-Triples line, and written with pyoxigraph's
serializers: rdflib's writers take half a minute per format at a million triples, and their
output order follows Python's hash seed. JSON-LD is compacted here against the project's own
context (short keys such as `name` and `broader`), which pyoxigraph does not do and rdflib does
slowly; `tests/test_independent_parsers.py` reads the result back with pyld.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.graph import ReadOnlyGraphAggregate
from rdflib.namespace import RDF, SKOS

from . import vocab as V
from .graphs import new_graph
from .oxterms import Converter, graph_node

SSSOM_TSV = "text/tab-separated-values"
PREFIXES = {p: str(ns) for p, ns in V.PREFIXES.items()}
RDF_TYPE = str(RDF.type)


@dataclass(frozen=True)
class Export:
    file: str
    media_type: str
    write: Callable[["Bundle", Path], None]


def _sorted(triples: Iterable[ox.Triple]) -> dict[str, ox.Triple]:
    """Triples keyed by their N-Triples line, in line order (duplicates fall away)."""
    d = {str(t): t for t in triples}
    return {k: d[k] for k in sorted(d)}


class Bundle:
    """What the exports are written from: the named graphs (as pyoxigraph triples) and the context.

    `graphs` gives rdflib views for code and tests that read the build with rdflib; they are made
    on first use only, since converting a million triples back costs more than writing them.
    """

    def __init__(self, triples: dict[str, Iterable[ox.Triple]], context: dict,
                 verbatim: dict[str, tuple[str, str]] | None = None, rdflib_graphs: dict[str, Graph] | None = None,
                 converter: Converter | None = None):
        self.triples = {name: _sorted(ts) for name, ts in sorted(triples.items())}
        self.context = context
        self.verbatim = verbatim or {}  # file -> (media type, text), e.g. SSSOM
        self.conv = converter or Converter()
        self._graphs: dict[str, Graph] = dict(rdflib_graphs or {})
        self._union: dict[str, ox.Triple] | None = None

    @classmethod
    def from_graphs(cls, graphs: dict[str, Graph], context: dict) -> "Bundle":
        conv = Converter()
        to = conv.to_ox
        triples = {name: [ox.Triple(to(s), to(p), to(o)) for s, p, o in g] for name, g in graphs.items()}
        return cls(triples, context, rdflib_graphs=graphs, converter=conv)

    @property
    def graphs(self) -> "Mapping[str, Graph]":
        return _LazyGraphs(self)

    def counts(self) -> dict[str, int]:
        return {name: len(ts) for name, ts in self.triples.items()}

    def union_triples(self) -> dict[str, ox.Triple]:
        if self._union is None:
            u: dict[str, ox.Triple] = {}
            for ts in self.triples.values():
                u.update(ts)
            self._union = {k: u[k] for k in sorted(u)}
        return self._union

    def union(self, names: list[str] | None = None) -> Graph:
        g = new_graph()
        for name in sorted(self.triples):
            if names is None or name in names:
                for t in self.graphs[name]:
                    g.add(t)
        return g


class _LazyGraphs(Mapping):
    def __init__(self, b: Bundle):
        self.b = b

    def __getitem__(self, name: str) -> Graph:
        b = self.b
        if name not in b._graphs:
            b._graphs[name] = b.conv.graph(b.triples[name].values(), new_graph())
        return b._graphs[name]

    def __iter__(self):
        return iter(self.b.triples)

    def __len__(self) -> int:
        return len(self.b.triples)


def _text(path: Path, data: bytes | str, b: "Bundle | None" = None) -> None:
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    if b is not None:
        text = _restore_lang(text, b.conv.lang_case)
    path.write_text(text, encoding="utf-8")


def _restore_lang(text: str, cases: dict[str, str]) -> str:
    """Put back the language tags' case (zh-Latn-pinyin) that pyoxigraph lower-cased.

    A tag follows the closing quote of a literal (Turtle, N-Triples) or is an xml:lang attribute;
    a quote inside a literal is escaped, so `(?<!\\)"@tag` only matches a real tag."""
    for low, orig in sorted(cases.items()):
        text = re.sub(r'(?<!\\)"@' + re.escape(low) + r'(?![A-Za-z0-9-])', '"@' + orig, text)
        text = text.replace(f'xml:lang="{low}"', f'xml:lang="{orig}"')
    return text


def write_turtle(b: Bundle, path: Path) -> None:
    _text(path, ox.serialize(b.union_triples().values(), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES), b)


def write_ntriples(b: Bundle, path: Path) -> None:
    _text(path, "".join(f"{k} .\n" for k in b.union_triples()), b)


def _graph_iris(b: Bundle) -> dict[str, ox.NamedNode]:
    return {name: graph_node(name) for name in b.triples}


def write_nquads(b: Bundle, path: Path) -> None:
    lines = []
    for name, g in _graph_iris(b).items():
        lines.extend(f"{k} {g} .\n" for k in b.triples[name])
    lines.sort()
    _text(path, "".join(lines), b)


def write_trig(b: Bundle, path: Path) -> None:
    """Each named graph as one block, in name order, every block's triples in line order."""
    quads = (ox.Quad(t.subject, t.predicate, t.object, g) for name, g in _graph_iris(b).items()
             for t in b.triples[name].values())
    _text(path, ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=PREFIXES), b)


def write_rdfxml(b: Bundle, path: Path) -> None:
    _text(path, ox.serialize(b.union_triples().values(), format=ox.RdfFormat.RDF_XML, prefixes=PREFIXES), b)


class _Compactor:
    """JSON-LD compaction against cnocc's context, which uses four kinds of term only.

    Plain terms (`"code": "skos:notation"`), IRI-valued terms (`"@type": "@id"`), language maps
    (`"@container": "@language"`) and class names (`"Occupation": "cnocc:Occupation"`). A value no
    term fits keeps the compact IRI of its property and an expanded value object, so every
    triple survives the round trip whatever the context says.
    """

    def __init__(self, ctx: dict, lang_case: dict[str, str]):
        self.lang = lang_case
        self.prefixes = {k: v for k, v in ctx.items() if isinstance(v, str) and v.endswith(("#", "/"))}
        self.plain: dict[str, str] = {}
        self.iri: dict[str, str] = {}
        self.lang_map: dict[str, str] = {}
        self.classes: dict[str, str] = {}
        for term in sorted(ctx):
            d = ctx[term]
            if term.startswith("@") or term in self.prefixes or d in ("@id", "@type"):
                continue
            full = self.expand(d if isinstance(d, str) else d.get("@id", ""))
            if isinstance(d, str):
                self.plain.setdefault(full, term)
                self.classes.setdefault(full, term)
            elif set(d) == {"@id", "@type"} and d["@type"] == "@id":
                self.iri.setdefault(full, term)
            elif set(d) == {"@id", "@container"} and d["@container"] == "@language":
                self.lang_map.setdefault(full, term)
            elif set(d) == {"@id"}:
                self.plain.setdefault(full, term)
            else:
                raise ValueError(f"the JSON-LD writer does not handle the context term {term!r}: {d!r}")
        self.id_key = next((k for k, v in ctx.items() if v == "@id"), "@id")
        self.type_key = next((k for k, v in ctx.items() if v == "@type"), "@type")
        self._ns = sorted(((ns, p) for p, ns in self.prefixes.items()), key=lambda x: (-len(x[0]), x[1]))

    def expand(self, v: str) -> str:
        if ":" in v:
            p, local = v.split(":", 1)
            if p in self.prefixes:
                return self.prefixes[p] + local
        return v

    def compact_iri(self, iri: str) -> str:
        for ns, p in self._ns:
            if iri.startswith(ns) and len(iri) > len(ns):
                local = iri[len(ns):]
                if "/" not in local and "#" not in local:
                    return f"{p}:{local}"
        return iri

    def node_id(self, n) -> str:
        return n.value if isinstance(n, ox.NamedNode) else f"_:{n.value}"

    def value_object(self, o) -> dict:
        if isinstance(o, ox.Literal):
            if o.language:
                return {"@language": self.lang.get(o.language, o.language), "@value": o.value}
            if o.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
                return {"@type": self.compact_iri(o.datatype.value), "@value": o.value}
            return {"@value": o.value}
        return {"@id": self.node_id(o)}

    def node(self, subject, pairs: list[tuple]) -> dict:
        out: dict = {self.id_key: self.node_id(subject)}
        for p, o in pairs:
            pi = p.value
            if pi == RDF_TYPE and not isinstance(o, ox.Literal):
                key, val = self.type_key, (self.classes.get(o.value) or self.compact_iri(o.value)
                                           if isinstance(o, ox.NamedNode) else self.node_id(o))
            elif isinstance(o, ox.Literal) and o.language and pi in self.lang_map:
                out.setdefault(self.lang_map[pi], {}).setdefault(self.lang.get(o.language, o.language), []).append(o.value)
                continue
            elif not isinstance(o, ox.Literal) and pi in self.iri:
                key, val = self.iri[pi], self.node_id(o)
            elif isinstance(o, ox.Literal) and not o.language and pi in self.plain \
                    and o.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
                key, val = self.plain[pi], o.value
            elif pi in self.plain:
                key, val = self.plain[pi], self.value_object(o)
            else:
                key, val = self.compact_iri(pi), self.value_object(o)
            out.setdefault(key, []).append(val)
        return {k: _single(v) for k, v in out.items()}


def _single(v):
    if isinstance(v, dict):  # a language map: one string per language where there is one
        return {lang: _single(vals) for lang, vals in v.items()}
    if isinstance(v, list):
        v = sorted(v, key=lambda x: json.dumps(x, sort_keys=True, ensure_ascii=False))
        return v[0] if len(v) == 1 else v
    return v


def write_jsonld(b: Bundle, path: Path) -> None:
    ctx = b.context["@context"]
    c = _Compactor(ctx, b.conv.lang_case)
    nodes, subject, pairs = [], None, []
    for t in b.union_triples().values():  # sorted by line, so each subject's triples are together
        if t.subject != subject:
            if subject is not None:
                nodes.append(c.node(subject, pairs))
            subject, pairs = t.subject, []
        pairs.append((t.predicate, t.object))
    if subject is not None:
        nodes.append(c.node(subject, pairs))
    nodes.sort(key=lambda n: n[c.id_key])
    # inline, so the file is read offline; context.jsonld publishes the same
    doc = {"@context": ctx, "@graph": nodes}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def write_context(b: Bundle, path: Path) -> None:
    path.write_text(json.dumps(b.context, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def write_graph_file(name: str) -> Callable[[Bundle, Path], None]:
    def write(b: Bundle, path: Path) -> None:
        _text(path, ox.serialize(b.triples[name].values(), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES), b)
    return write


def _label(g: Graph, s, lang: str) -> str:
    for o in g.objects(s, SKOS.prefLabel):
        if getattr(o, "language", None) == lang:
            return str(o)
    return ""


def _csv_view(cls: URIRef, columns: list[str], row_of) -> Callable[[Bundle, Path], None]:
    def write(b: Bundle, path: Path) -> None:
        g = ReadOnlyGraphAggregate([b.graphs[n] for n in b.triples if n.startswith("edition-") or n == "announcements"])
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
