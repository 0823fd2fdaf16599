"""The pages' reads of the store, returned as plain data a template can walk.

Nothing here knows of requests or templates: `root` (where the site is mounted) is the only trace
of HTTP, passed in so links can be written relative to it. The store never changes while the
server runs, so look-ups are cached for the life of the process.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import pyoxigraph as ox

from cnocc.model import vocab as V
from cnocc.store import embedded as S

NS = V.PREFIX_IRIS
PREFIXES = V.sparql_prolog()
# a guard on what is pasted into query text, since substitution cannot be used (see `select`)
SAFE_IRI = re.compile(r"[a-z][a-z0-9+.-]*:[^\s<>\"{}|\\^`]*", re.I)
# in order of preference: the first found in a language names the resource in it
LABEL_PREDICATES = [NS["skos"] + "prefLabel", NS["rdfs"] + "label", NS["dcterms"] + "title", NS["schema"] + "name",
                    NS["dcterms"] + "identifier"]
NOTE_PREDICATES = ["editorialNote", "changeNote", "note", "scopeNote", "historyNote"]
INFERRED = ox.NamedNode(str(V.GRAPHS["inferred"]))


def N(curie: str) -> ox.NamedNode:
    prefix, _, local = curie.partition(":")
    return ox.NamedNode(NS[prefix] + local)


def opt(row: dict, name: str) -> str:
    """The value of a variable an OPTIONAL may have left unbound."""
    term = row[name]
    return term.value if term else ""


@dataclass(frozen=True)
class Ref:
    """A resource as a page names it: where it links, and its labels in each language."""

    uri: str
    href: str
    zh: str = ""
    en: str = ""
    pinyin: str = ""
    code: str = ""
    local: bool = True

    @property
    def name(self) -> str:
        return self.zh or self.en or self.code or self.uri.rsplit("/", 1)[-1]

    @property
    def sort_key(self) -> tuple:
        """Coded items in code order, then the rest as a reader would look them up; the URI breaks
        ties (an occupation and the work type it was raised from share every label)."""
        return ((0, self.code) if self.code else (1, ""), self.pinyin or self.en or self.uri, self.uri)


class Reader:
    def __init__(self, store: ox.Store, base: str):
        self.store = store
        self.base = base

    # -- primitive look-ups --

    def select(self, query: str, **bindings) -> list[dict]:
        """Rows of one of the pages' own queries; `$name` in the text is replaced by the IRI bound
        to it (pyoxigraph substitutes only variables that are projected, which aggregates forbid)."""
        def iri(m: re.Match) -> str:
            value = bindings[m.group(1)]
            value = value.value if isinstance(value, ox.NamedNode) else value
            if not SAFE_IRI.fullmatch(value):
                raise ValueError(f"not an IRI the pages query with: {value!r}")
            return f"<{value}>"
        return S.select(self.store, PREFIXES + re.sub(r"\$(\w+)", iri, query))

    def objects(self, subject: str, predicate: str) -> list:
        """Sorted, so a page lists the same values in the same order on every start."""
        seen, out = set(), []
        for q in self.store.quads_for_pattern(ox.NamedNode(subject), ox.NamedNode(predicate), None, None):
            if q.object not in seen:
                seen.add(q.object)
                out.append(q.object)
        return sorted(out, key=str)

    def iris(self, subject: str, predicate: str) -> list[str]:
        return [o.value for o in self.objects(subject, predicate)]

    def value(self, subject: str, predicate: str, lang: str | None = None) -> str:
        for o in self.objects(subject, predicate):
            if lang is None or (isinstance(o, ox.Literal) and (o.language or "").lower() == lang):
                return o.value
        return ""

    def texts(self, subject: str, *predicates: str) -> list[dict]:
        """Literals with their language, so a page can tag each for screen readers and fonts."""
        return [{"text": o.value, "lang": o.language or ""} for p in predicates for o in self.objects(subject, p)]

    def types(self, uri: str) -> set[str]:
        return set(self.iris(uri, NS["rdf"] + "type"))

    @functools.lru_cache(maxsize=100_000)
    def exists(self, uri: str) -> bool:
        return next(iter(self.store.quads_for_pattern(ox.NamedNode(uri), None, None, None)), None) is not None

    def level_of(self, item: str) -> str | None:
        rows = self.select("SELECT ?lv WHERE { ?lv a xkos:ClassificationLevel ; skos:member $item }",
                           item=ox.NamedNode(item))
        return rows[0]["lv"].value if rows else None

    # -- names and links --

    @functools.lru_cache(maxsize=100_000)
    def labels(self, uri: str) -> dict[str, str]:
        out: dict[str, str] = {}
        node = ox.NamedNode(uri)
        for p in LABEL_PREDICATES:
            for q in sorted(self.store.quads_for_pattern(node, ox.NamedNode(p), None, None), key=lambda q: str(q.object)):
                lang = (q.object.language or "").lower() if isinstance(q.object, ox.Literal) else ""
                if not lang:  # untagged titles (sources, notices): file them by their script
                    lang = "zh" if _is_chinese(q.object.value) else "en"
                out.setdefault(lang, q.object.value)
        if not out:  # a quote is named by its words
            for sel in self.objects(uri, NS["oa"] + "hasSelector"):
                exact = self.value(sel.value, NS["oa"] + "exact") if isinstance(sel, ox.NamedNode) else ""
                if exact:
                    out["zh" if _is_chinese(exact) else "en"] = exact
        code = self.value(uri, NS["skos"] + "notation")
        if code:
            out["code"] = code
        return out

    def href(self, uri: str, root: str = "") -> str:
        """Our own URIs link to this server, so the site can be browsed before w3id.org points here."""
        return root + "/" + uri[len(self.base):] if uri.startswith(self.base) else uri

    def ref(self, uri: str, root: str = "") -> Ref:
        lab = self.labels(uri)
        return Ref(uri, self.href(uri, root), lab.get("zh", ""), lab.get("en", ""), lab.get("zh-latn-pinyin", ""),
                   lab.get("code", ""), uri.startswith(self.base))

    def refs(self, uris, root: str = "") -> list[Ref]:
        return sorted({self.ref(u, root) for u in uris}, key=lambda r: r.sort_key)

    @functools.cached_property
    def predicate_labels(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for r in self.select("SELECT ?p ?l WHERE { ?p rdfs:label ?l }"):
            out.setdefault(r["p"].value, {}).setdefault((r["l"].language or "en").lower(), r["l"].value)
        return out

    def term_names(self, uri: str) -> dict[str, str]:
        """A property's or class's label in each language the page shows, empty where none is given."""
        lab = self.predicate_labels.get(uri, {})
        return {"zh": lab.get("zh", ""), "en": lab.get("en", "")}

    @functools.cached_property
    def hash_terms(self) -> dict[str, list[str]]:
        """`…/ontology` -> the `…/ontology#Term`s described, for namespaces this server answers for."""
        out: dict[str, list[str]] = {}
        for r in self.select("SELECT DISTINCT ?t WHERE { ?t ?p ?o FILTER (ISIRI(?t) && CONTAINS(STR(?t), '#')) }"):
            t = r["t"].value
            if t.startswith(self.base):
                out.setdefault(t.split("#", 1)[0], []).append(t)
        return {k: sorted(v) for k, v in out.items()}

    def qname(self, uri: str) -> str:
        best = max((ns for ns in NS.values() if uri.startswith(ns)), key=len, default=None)
        if best is None:
            for p, ns in V.PREFIXES.items():
                if uri.startswith(str(ns)):
                    return f"{p}:{uri[len(str(ns)):]}"
            return uri
        prefix = next(p for p, ns in NS.items() if ns == best)
        return f"{prefix}:{uri[len(best):]}"

    # -- what every page shows --

    def about(self, uri: str, root: str) -> dict:
        """The facts every kind of page starts from; each kind adds its own."""
        return {"uri": uri, "href": self.href(uri, root), "me": self.ref(uri, root), "root": root,
                "types": self.refs(self.types(uri), root),
                "notes": self.texts(uri, *(NS["skos"] + p for p in NOTE_PREDICATES)),
                "sources": self.sources(self.iris(uri, NS["dcterms"] + "source"), root),
                "rows": self.rows(uri, root)}

    def sources(self, uris: list[str], root: str) -> list[dict]:
        """Each cited source with its original's address and date, so a reader can check it."""
        return [{"ref": self.ref(u, root), "url": self.value(u, NS["schema"] + "url"),
                 "issued": self.value(u, NS["dcterms"] + "issued")} for u in sorted(set(uris))]

    def branches(self, pattern: str, root: str, **bindings) -> list[dict]:
        """The groups `pattern` binds to `?c`, each with how many occupations lie below it, so a
        list of groups shows where the bulk of the classification is."""
        rows = self.select(f"""SELECT ?c (COUNT(DISTINCT ?o) AS ?n) WHERE {{ {pattern} .
            OPTIONAL {{ ?c skos:narrowerTransitive ?o . ?o a cnocc:Occupation }} }} GROUP BY ?c""", **bindings)
        return sorted(({"ref": self.ref(r["c"].value, root), "occupations": int(r["n"].value)} for r in rows),
                      key=lambda c: c["ref"].sort_key)

    # -- statements, as rows of a table --

    def rows(self, uri: str, root: str) -> list[dict]:
        """Every asserted property of `uri` with readable values, grouped by predicate."""
        by_pred: dict[str, list] = {}
        for q in self.store.quads_for_pattern(ox.NamedNode(uri), None, None, None):
            p = q.predicate.value
            if q.graph_name == INFERRED:  # entailed statements: in the RDF twins, not the table
                continue
            values = by_pred.setdefault(p, [])
            v = self.render_value(q.object, root)
            if v not in values:
                values.append(v)
        out = [{"uri": p, "href": self.href(p, root), "qname": self.qname(p), **self.term_names(p),
                "values": sorted(values, key=_value_key)} for p, values in by_pred.items()]
        return sorted(out, key=lambda r: (r["qname"] != "rdf:type", r["qname"]))

    def render_value(self, term, root: str) -> dict:
        if isinstance(term, ox.NamedNode):
            return {"kind": "ref", "ref": self.ref(term.value, root)}
        if isinstance(term, ox.BlankNode):
            members = self.rdf_list(term)
            return {"kind": "list", "refs": [self.ref(m, root) for m in members]}
        dt = term.datatype.value if term.datatype else ""
        if dt.endswith("#anyURI"):
            return {"kind": "url", "text": term.value}
        return {"kind": "text", "text": term.value, "lang": term.language or ""}

    def rdf_list(self, node) -> list[str]:
        """An RDF collection's members; bounded, as a malformed list could otherwise loop."""
        out = []
        while isinstance(node, (ox.BlankNode, ox.NamedNode)) and node.value != NS["rdf"] + "nil" and len(out) < 100:
            first = [q.object for q in self.store.quads_for_pattern(node, N("rdf:first"), None, None)]
            if not first:
                break
            out.append(first[0].value)
            rest = [q.object for q in self.store.quads_for_pattern(node, N("rdf:rest"), None, None)]
            node = rest[0] if rest else None
        return out


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def _value_key(v: dict) -> tuple:
    if v["kind"] == "ref":
        return (0, v["ref"].sort_key)
    return (1, v.get("lang", ""), v.get("text", ""))
