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
from json.encoder import encode_basestring
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import RDF

from cnocc.model import vocab as V
from cnocc.model.vocab import new_graph
from cnocc.model.terms import Converter, graph_node

SSSOM_TSV = "text/tab-separated-values"
PREFIXES = {p: str(ns) for p, ns in V.PREFIXES.items()}
RDF_TYPE = str(RDF.type)
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


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
                 converter: Converter | None = None, store: ox.Store | None = None):
        self.triples = {name: _sorted(ts) for name, ts in sorted(triples.items())}
        self.context = context
        self.verbatim = verbatim or {}  # file -> (media type, text), e.g. SSSOM
        self.conv = converter or Converter()
        self._graphs: dict[str, Graph] = dict(rdflib_graphs or {})
        self._union: tuple[list[str], list[ox.Triple]] | None = None
        self._store = store
        self._turtle: dict[str, bytes] = {}

    @classmethod
    def from_graphs(cls, graphs: dict[str, Graph], context: dict) -> "Bundle":
        conv = Converter()
        to = conv.to_ox
        triples = {name: [ox.Triple(to(s), to(p), to(o)) for s, p, o in g] for name, g in graphs.items()}
        return cls(triples, context, rdflib_graphs=graphs, converter=conv)

    @property
    def graphs(self) -> "Mapping[str, Graph]":
        return _LazyGraphs(self)

    def store(self) -> ox.Store:
        """The graphs in a pyoxigraph store, for the views written by SPARQL. The build passes its
        own, which holds the asserted graphs only: the views read nothing else."""
        if self._store is None:
            self._store = ox.Store()
            self._store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, g)
                                    for name, ts in self.triples.items() for g in (graph_node(name),) for t in ts.values())
        return self._store

    def counts(self) -> dict[str, int]:
        return {name: len(ts) for name, ts in self.triples.items()}

    def union_triples(self) -> list[ox.Triple]:
        """Every graph's triples once, in line order."""
        return self._merged()[1]

    def union_lines(self) -> list[str]:
        """The union's N-Triples lines (without the final ` .`), in order."""
        return self._merged()[0]

    def _merged(self) -> tuple[list[str], list[ox.Triple]]:
        if self._union is None:
            self._merge()
        return self._union

    def _merge(self) -> None:
        """The union in line order, as two lists (lines, triples): a million-entry dict built in
        sorted order would cost more than the sort.

        Each graph is in line order already, so their lines one graph after another are a few
        sorted runs, which `sorted` merges in C (0.1 s at a million triples)."""
        u: dict[str, ox.Triple] = {}
        for ts in self.triples.values():
            u.update(ts)
        lines = sorted(u)
        self._union = lines, list(map(u.__getitem__, lines))

    def nquads_lines(self) -> list[str]:
        """Every graph's lines with its name, sorted: each graph's are sorted runs again.

        Sorting whole lines orders them by triple, then by graph IRI: a triple's line is never a
        prefix of another's followed by a character before the space (N-Triples escapes control
        characters), and the IRIs' `>` ends each comparison between a name and a longer one as it
        ends the names' own."""
        lines: list[str] = []
        for name, ts in self.triples.items():
            end = f" {graph_node(name)} .\n"
            lines += [k + end for k in ts]
        lines.sort()
        return lines

    def turtle(self, name: str, keep: bool = False) -> bytes:
        """One graph in Turtle as pyoxigraph writes it (tags still lower-cased). TriG is every
        graph's Turtle in a block, and three graphs have a file of their own: `keep` holds the
        text for the second use instead of writing it twice."""
        text = self._turtle.pop(name, None)
        if text is None:
            text = ox.serialize(self.triples[name].values(), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
        if keep:
            self._turtle[name] = text
        return text

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


def _text(path: Path, data: bytes, b: "Bundle | None" = None) -> None:
    """A serializer's UTF-8 output, written as it is (no decoding and encoding again)."""
    path.write_bytes(_restore_lang(data, b.conv.lang_case) if b is not None else data)


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


def write_turtle(b: Bundle, path: Path) -> None:
    _text(path, ox.serialize(b.union_triples(), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES), b)


def _write_chunks(path: Path, b: Bundle, n: int, chunk: Callable[[int, int], str], size: int = 50_000) -> None:
    """Write `n` lines `size` at a time (`chunk(start, stop)` gives their text): one string of a
    million lines would triple the peak memory."""
    with path.open("wb") as f:
        for start in range(0, n, size):
            f.write(_restore_lang(chunk(start, min(n, start + size)).encode("utf-8"), b.conv.lang_case))


def write_ntriples(b: Bundle, path: Path) -> None:
    keys = b.union_lines()
    _write_chunks(path, b, len(keys), lambda i, j: " .\n".join(keys[i:j]) + " .\n")


def _graph_iris(b: Bundle) -> dict[str, ox.NamedNode]:
    return {name: graph_node(name) for name in b.triples}


def write_nquads(b: Bundle, path: Path) -> None:
    lines = b.nquads_lines()
    _write_chunks(path, b, len(lines), lambda i, j: "".join(lines[i:j]))


def _prefix_lines(text: bytes) -> int:
    """Where the `@prefix` lines at the head of pyoxigraph's Turtle end."""
    end = 0
    while text.startswith(b"@prefix ", end):
        end = text.index(b"\n", end) + 1
    return end


def write_trig(b: Bundle, path: Path) -> None:
    """Each named graph as one block, in name order, every block's triples in line order.

    pyoxigraph's TriG is its Turtle of each graph, indented by a tab inside `<graph> { … }`, under
    the same `@prefix` lines (a literal's line break is written `\n`, so every line break is the
    text's own). Written that way from each graph's Turtle, which inferred.ttl, void.ttl and
    mappings.ttl reuse, instead of a million quads made and handed over one by one (1.5 s against
    0.6 s at a million triples). `test_trig_is_pyoxigraphs_own` holds the two to the same bytes.
    Should a graph's text start otherwise than the others, pyoxigraph's TriG writer does it all."""
    head = None
    with path.open("wb") as f:
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
    _text(path, ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=PREFIXES), b)


def write_rdfxml(b: Bundle, path: Path) -> None:
    _text(path, ox.serialize(b.union_triples(), format=ox.RdfFormat.RDF_XML, prefixes=PREFIXES), b)


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
        self._compacted: dict[str, str] = {}

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
        """One subject's node. A million pairs pass through here, so each reads its terms once and
        decides by lookups; the order of the tests is `value_object`'s and the context's."""
        out: dict = {self.id_key: self.node_id(subject)}
        plain, iri, lang_map, lang = self.plain, self.iri, self.lang_map, self.lang
        compact = self._compact
        for p, o in pairs:
            pi = p.value
            kind = type(o)
            if kind is ox.Literal:
                tag = o.language
                if tag:
                    tag = lang.get(tag, tag)
                    if pi in lang_map:
                        out.setdefault(lang_map[pi], {}).setdefault(tag, []).append(o.value)
                        continue
                    key, val = plain.get(pi) or compact(pi), {"@language": tag, "@value": o.value}
                else:
                    dt = o.datatype.value
                    key = plain.get(pi)
                    if dt != _XSD_STRING:
                        val = {"@type": compact(dt), "@value": o.value}
                    elif key is None:
                        val = {"@value": o.value}
                    else:
                        val = o.value
                    key = key or compact(pi)
            elif pi == RDF_TYPE:
                key, val = self.type_key, (self.classes.get(o.value) or compact(o.value)
                                           if kind is ox.NamedNode else self.node_id(o))
            elif pi in iri:
                key, val = iri[pi], self.node_id(o)
            else:
                key, val = plain.get(pi) or compact(pi), {"@id": self.node_id(o)}
            out.setdefault(key, []).append(val)
        for k, v in out.items():
            out[k] = _single(v)
        return out

    def _compact(self, iri: str) -> str:
        try:
            return self._compacted[iri]
        except KeyError:
            self._compacted[iri] = c = self.compact_iri(iri)
            return c


def _single(v):
    if isinstance(v, dict):  # a language map: one string per language where there is one
        return {lang: _single(vals) for lang, vals in v.items()}
    if isinstance(v, list):
        if len(v) == 1:
            return v[0]
        return sorted(v, key=_order_key)
    return v


def _order_key(x) -> str:
    """A value's JSON text as json.dumps(x, sort_keys=True, ensure_ascii=False) writes it.

    Strings, and value objects of one string entry ({"@id": …}), are written here with the C
    string encoder: a million of them sort at a million triples, and json.dumps builds a
    JSONEncoder for each call that passes options (five times the time)."""
    if type(x) is str:
        return encode_basestring(x)
    if type(x) is dict and len(x) == 1:
        (k, v), = x.items()
        if type(v) is str:
            return "{" + encode_basestring(k) + ": " + encode_basestring(v) + "}"
    return json.dumps(x, sort_keys=True, ensure_ascii=False)


def write_jsonld(b: Bundle, path: Path) -> None:
    ctx = b.context["@context"]
    c = _Compactor(ctx, b.conv.lang_case)
    nodes, subject, pairs = [], None, []
    for t in b.union_triples():  # sorted by line, so each subject's triples are together
        if t.subject != subject:
            if subject is not None:
                nodes.append(c.node(subject, pairs))
            subject, pairs = t.subject, []
        pairs.append((t.predicate, t.object))
    if subject is not None:
        nodes.append(c.node(subject, pairs))
    nodes.sort(key=lambda n: n[c.id_key])
    # the context inline, so the file is read offline (context.jsonld publishes the same); then one
    # node per line, which Python's C encoder writes (it does not indent) five times faster
    head = json.dumps({"@context": ctx}, ensure_ascii=False, indent=1, sort_keys=True)
    encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode  # one encoder, not one per node
    with path.open("w", encoding="utf-8") as f:
        f.write(head[:-2] + ',\n "@graph": [\n')
        for i in range(0, len(nodes), 10_000):
            f.write(",\n".join(map(encode, nodes[i:i + 10_000])))
            f.write(",\n" if i + 10_000 < len(nodes) else "\n")
        f.write("]}\n")


def write_context(b: Bundle, path: Path) -> None:
    path.write_text(json.dumps(b.context, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


_OWN_FILES: set[str] = set()  # graphs written to a file of their own as well as into TriG


def write_graph_file(name: str) -> Callable[[Bundle, Path], None]:
    _OWN_FILES.add(name)

    def write(b: Bundle, path: Path) -> None:
        _text(path, b.turtle(name), b)
    return write


def _csv(path: Path, columns: list[str], rows: list[list[str]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _rows(b: Bundle, names: list[str], query: str, columns: list[str]) -> list[list[str]]:
    """A SELECT over some graphs of the build's store, each row as strings (IRIs and literals alike).

    Read through pyoxigraph's SPARQL CSV results, which write each IRI and literal as its plain
    text and an unbound cell as nothing: the same strings as each solution's `.value`, in a
    third of the time (the views select no blank node, which CSV would write as `_:id`)."""
    store = b.store()
    res = store.query(query, prefixes=PREFIXES, default_graph=[graph_node(n) for n in names])
    rows = csv.reader(io.StringIO(res.serialize(format=ox.QueryResultsFormat.CSV).decode("utf-8")))
    header = next(rows)
    at = [header.index(c) for c in columns]
    return [[r[i] for i in at] for r in rows]


# Labels are matched on lower-cased tags: the store keeps language tags lower-cased.
_LABEL = 'OPTIONAL {{ ?s skos:prefLabel ?{v}_ FILTER (LCASE(LANG(?{v}_)) = "{lang}") }}'
_ITEM_VIEW = """SELECT ?s (MIN(?scheme_) AS ?scheme) {cols} WHERE {{
    ?s a {cls} . OPTIONAL {{ ?s skos:inScheme ?scheme_ }}
    {optionals} }} GROUP BY ?s"""


def _item_view(cls: str, fields: dict[str, str]) -> str:
    return _ITEM_VIEW.format(cls=cls, cols=" ".join(f"(MIN(?{v}_) AS ?{v})" for v in fields),
                             optionals="\n    ".join(fields.values()))


OCCUPATIONS = _item_view("cnocc:Occupation", {
    "code": "OPTIONAL { ?s skos:notation ?code_ }",
    "zh": _LABEL.format(v="zh", lang="zh"), "en": _LABEL.format(v="en", lang="en"),
    "py": _LABEL.format(v="py", lang="zh-latn-pinyin"),
    "pcode": "OPTIONAL { ?s skos:broader/skos:notation ?pcode_ }",
    "def": "OPTIONAL { ?s skos:definition ?def_ }", "intro": "OPTIONAL { ?s cnocc:introducedBy ?intro_ }",
})
WORK_TYPES = _item_view("cnocc:WorkType", {
    "zh": _LABEL.format(v="zh", lang="zh"), "en": _LABEL.format(v="en", lang="en"),
    "py": _LABEL.format(v="py", lang="zh-latn-pinyin"),
    "pzh": 'OPTIONAL { ?s skos:broader/skos:prefLabel ?pzh_ FILTER (LCASE(LANG(?pzh_)) = "zh") }',
    "pcode": "OPTIONAL { ?s skos:broader/skos:notation ?pcode_ }",
    "raised": "OPTIONAL { ?s cnocc:raisedTo ?raised_ }", "intro": "OPTIONAL { ?s cnocc:introducedBy ?intro_ }",
})
EDITION_VIEW = """SELECT ?s (MIN(?code_) AS ?code) (MIN(?type_) AS ?type) (MIN(?zh_) AS ?zh) (MIN(?pcode_) AS ?pcode)
        (MIN(?gbm_) AS ?gbm) (GROUP_CONCAT(DISTINCT ?mark_; separator="") AS ?marks) WHERE {{
    ?s skos:inScheme <{scheme}> ; skos:notation ?code_ .
    ?level a xkos:ClassificationLevel ; skos:member ?s ; xkos:organizedBy ?type_ .
    OPTIONAL {{ ?s skos:prefLabel ?zh_ FILTER (LCASE(LANG(?zh_)) = "zh") }}
    OPTIONAL {{ ?s skos:broader/skos:notation ?pcode_ }}
    OPTIONAL {{ ?s cnocc:gbmCode ?gbm_ }}
    OPTIONAL {{ ?collection a skos:Collection ; skos:member ?s ; skos:notation ?mark_ }}
}} GROUP BY ?s"""


def _csv_view(query: str, columns: list[str], header: list[str]) -> Callable[[Bundle, Path], None]:
    def write(b: Bundle, path: Path) -> None:
        names = [n for n in b.triples if n.startswith("edition-") or n == "announcements"]
        rows = [[r[0].rsplit("/", 1)[-1], *r[1:], s] for s, *r in _rows(b, names, query, ["s", "scheme", *columns])]
        rows.sort(key=lambda r: (r[0], r[1], r[2]))
        _csv(path, header, rows)
    return write


def write_edition_view(edition: str) -> Callable[[Bundle, Path], None]:
    """Every item of one edition, one row each, in code order, for users who start in a spreadsheet."""
    def write(b: Bundle, path: Path) -> None:
        rows = []
        for s, code, level_type, zh, pcode, gbm, marks in _rows(
                b, [f"edition-{edition}"], EDITION_VIEW.format(scheme=V.edition(edition)),
                ["s", "code", "type", "zh", "pcode", "gbm", "marks"]):
            mark = "L/S" if set(marks) == {"S", "L"} else marks
            rows.append([code, level_type.rsplit("/", 1)[-1], zh, pcode, gbm, mark, s])
        rows.sort()
        _csv(path, ["code", "level", "name_zh", "parent_code", "gbm", "marks", "uri"], rows)
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
        OCCUPATIONS, ["code", "zh", "en", "py", "pcode", "def", "intro"],
        ["edition", "code", "name_zh", "name_en", "name_pinyin", "minor_group", "definition_zh", "introduced_by", "uri"])),
    Export("work-types.csv", "text/csv", _csv_view(
        WORK_TYPES, ["zh", "en", "py", "pzh", "pcode", "raised", "intro"],
        ["edition", "name_zh", "name_en", "name_pinyin", "parent_name_zh", "parent_code", "raised_to", "introduced_by", "uri"])),
    Export("edition-2022.csv", "text/csv", write_edition_view("2022")),
]
