"""Every URI cnocc mints, dereferenced on this server, as a page for people or RDF for programs.

`https://w3id.org/cnocc/2022/occupation/2-02-38-08` is answered at `/2022/occupation/2-02-38-08`
(the base replaced by this server's origin), so a redirect at w3id.org is all a deployment needs.
A URI resolves when it is the subject of a statement in any graph; one that only appears as an
object (nothing is said about it) is 404, as there is nothing to show. Pages are rendered on the
server from the read-only store, with no script and nothing loaded from other hosts, so they work
offline, behind firewalls and in text browsers. The store never changes while the server runs,
so what is computed from it (labels, the home page's figures, RDF twins) is cached freely.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import store as S
from .. import vocab as V
from . import conneg
from .search import DEFAULT_LIMIT, MAX_LIMIT, SearchIndex

HERE = Path(__file__).parent
NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#", "xkos": "http://rdf-vocabulary.ddialliance.org/xkos#",
    "dcterms": "http://purl.org/dc/terms/", "cnocc": str(V.CNOCC), "owl": "http://www.w3.org/2002/07/owl#",
    "oa": "http://www.w3.org/ns/oa#", "schema": "https://schema.org/", "prov": "http://www.w3.org/ns/prov#",
    "sssom": "https://w3id.org/sssom/", "dcat": "http://www.w3.org/ns/dcat#", "foaf": "http://xmlns.com/foaf/0.1/",
}
PREFIXES = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in NS.items())
ISCO = "http://data.europa.eu/esco/isco/"
SAFE_IRI = re.compile(r"[a-z][a-z0-9+.-]*:[^\s<>\"{}|\\^`]*", re.I)
ITEM_TYPES = {NS["cnocc"] + t for t in ("MajorGroup", "SubMajorGroup", "MinorGroup", "Occupation", "WorkType")}
LABEL_PREDICATES = [NS["skos"] + "prefLabel", NS["rdfs"] + "label", NS["dcterms"] + "title", NS["schema"] + "name",
                    NS["dcterms"] + "identifier"]
NOTE_PREDICATES = ["editorialNote", "changeNote", "note", "scopeNote", "historyNote"]
MATCH_WORDS = {  # how a SKOS mapping predicate reads on the page (the target relative to this item)
    "exactMatch": ("等同", "exact match: the same occupation"),
    "closeMatch": ("相近", "close match: overlaps strongly"),
    "broadMatch": ("更宽", "broad match: the target is broader"),
    "narrowMatch": ("更窄", "narrow match: the target is narrower, a part of this item"),
    "relatedMatch": ("相关", "related match"),
}


def N(curie: str) -> ox.NamedNode:
    prefix, _, local = curie.partition(":")
    return ox.NamedNode(NS[prefix] + local)


# --- what a page links to -------------------------------------------------------------------------

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
        return ((0, self.code) if self.code else (1, ""), self.pinyin or self.en or self.uri)


class Data:
    """The pages' view of the store: labels, links and the facts each template needs."""

    def __init__(self, site):
        self.store: ox.Store = site.store
        self.base: str = site.settings.base
        self.dist: Path = site.settings.dist
        self.context = conneg.load_context(self.dist)
        self.index = SearchIndex.from_store(self.store, self.base)
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                                      autoescape=jinja2.select_autoescape(["html"]),
                                      trim_blocks=True, lstrip_blocks=True)
        self.env.globals.update(formats=conneg.FORMATS, match_words=MATCH_WORDS)

    # -- primitive look-ups (cached: the store is read-only) --

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
        seen, out = set(), []
        for q in self.store.quads_for_pattern(ox.NamedNode(subject), ox.NamedNode(predicate), None, None):
            if q.object not in seen:
                seen.add(q.object)
                out.append(q.object)
        return sorted(out, key=str)

    def value(self, subject: str, predicate: str, lang: str | None = None) -> str:
        for o in self.objects(subject, predicate):
            if lang is None or (isinstance(o, ox.Literal) and (o.language or "").lower() == lang):
                return o.value
        return ""

    @functools.lru_cache(maxsize=100_000)
    def exists(self, uri: str) -> bool:
        return next(iter(self.store.quads_for_pattern(ox.NamedNode(uri), None, None, None)), None) is not None

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

    # -- statements, as rows of a table --

    def rows(self, uri: str, root: str) -> list[dict]:
        """Every asserted property of `uri` with readable values, grouped by predicate."""
        by_pred: dict[str, list] = {}
        inferred = ox.NamedNode(str(V.GRAPHS["inferred"]))
        for q in self.store.quads_for_pattern(ox.NamedNode(uri), None, None, None):
            p = q.predicate.value
            if q.graph_name == inferred:  # entailed statements: in the RDF twins, not the table
                continue
            values = by_pred.setdefault(p, [])
            v = self.render_value(q.object, root)
            if v not in values:
                values.append(v)
        out = []
        for p, values in by_pred.items():
            lab = self.predicate_labels.get(p, {})
            out.append({"uri": p, "href": self.href(p, root), "qname": self.qname(p), "zh": lab.get("zh", ""),
                        "en": lab.get("en", ""), "values": sorted(values, key=_value_key)})
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
        out = []
        while isinstance(node, (ox.BlankNode, ox.NamedNode)) and node.value != NS["rdf"] + "nil" and len(out) < 100:
            first = [q.object for q in self.store.quads_for_pattern(node, N("rdf:first"), None, None)]
            if not first:
                break
            out.append(first[0].value)
            rest = [q.object for q in self.store.quads_for_pattern(node, N("rdf:rest"), None, None)]
            node = rest[0] if rest else None
        return out

    def types(self, uri: str) -> set[str]:
        return {o.value for o in self.objects(uri, NS["rdf"] + "type")}


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def _value_key(v: dict) -> tuple:
    if v["kind"] == "ref":
        return (0, v["ref"].sort_key)
    return (1, v.get("lang", ""), v.get("text", ""))


# --- views: the facts of one page ------------------------------------------------------------------

class Views:
    def __init__(self, site: Data):
        self.s = site

    def common(self, uri: str, root: str) -> dict:
        s = self.s
        return {"uri": uri, "href": s.href(uri, root), "me": s.ref(uri, root), "root": root,
                "types": s.refs(s.types(uri), root),
                "notes": [{"text": o.value, "lang": o.language or ""} for p in NOTE_PREDICATES
                          for o in s.objects(uri, NS["skos"] + p)],
                "sources": self.sources([o.value for o in s.objects(uri, NS["dcterms"] + "source")], root),
                "rows": s.rows(uri, root)}

    def sources(self, uris: list[str], root: str) -> list[dict]:
        s = self.s
        out = []
        for u in sorted(set(uris)):
            out.append({"ref": s.ref(u, root), "url": s.value(u, NS["schema"] + "url"),
                        "issued": s.value(u, NS["dcterms"] + "issued")})
        return out

    # -- items of the classification --

    def item(self, uri: str, root: str) -> dict:
        s = self.s
        v = self.common(uri, root)
        node = ox.NamedNode(uri)
        level = s.select("SELECT ?lv WHERE { ?lv a xkos:ClassificationLevel ; skos:member $item }", item=node)
        v["level"] = s.ref(level[0]["lv"].value, root) if level else None
        v["scheme"] = next((s.ref(o.value, root) for o in s.objects(uri, NS["skos"] + "inScheme")), None)
        v["alt"] = [o.value for o in s.objects(uri, NS["skos"] + "altLabel")]
        v["crumbs"] = self.crumbs(uri, root)
        v["children"] = self.children(uri, root)
        v["definition"] = [{"text": o.value, "lang": o.language or ""}
                           for o in s.objects(uri, NS["skos"] + "definition")]
        v["definition_sources"] = self.sources([o.value for o in s.objects(uri, NS["cnocc"] + "definitionSource")], root)
        v["definition_confidence"] = s.value(uri, NS["cnocc"] + "definitionConfidence")
        v["code_sources"] = self.sources([o.value for o in s.objects(uri, NS["cnocc"] + "codeSource")], root)
        v["confidence"] = s.value(uri, NS["cnocc"] + "confidence")
        v["collections"] = [{"ref": s.ref(r["c"].value, root), "mark": r["mark"].value if r["mark"] else "",
                             "characteristic": r["ch"].value == "true"}
                            for r in s.select("""SELECT DISTINCT ?c ?mark ?ch WHERE { ?c a skos:Collection ; skos:member $item .
                                OPTIONAL { ?c skos:notation ?mark }
                                BIND (EXISTS { ?c a cnocc:Characteristic } AS ?ch) } ORDER BY ?c""", item=node)]
        v["links"] = self.correspondences(uri, root)
        kin = [l["ref"].uri for l in v["links"]]
        v["announcements"] = self.announcements([uri, *kin], uri, root)
        v["drivers"] = self.drivers([uri, *kin], [a["ref"].uri for a in v["announcements"]], uri, root)
        v["evidence"] = self.evidence([uri, *kin], uri, root)
        v["mappings"] = self.mappings(uri, root)
        return v

    def crumbs(self, uri: str, root: str) -> list[Ref]:
        """Up the `skos:broader` chain to the top of the edition, top first."""
        out, node, seen = [], uri, {uri}
        while True:
            ups = [o.value for o in self.s.objects(node, NS["skos"] + "broader")
                   if isinstance(o, ox.NamedNode) and o.value.startswith(self.s.base) and o.value not in seen]
            if not ups:
                return out[::-1]
            node = ups[0]
            seen.add(node)
            out.append(self.s.ref(node, root))

    def children(self, uri: str, root: str) -> list[dict]:
        rows = self.s.select("""SELECT ?c (COUNT(DISTINCT ?o) AS ?n) WHERE { ?c skos:broader $item .
            OPTIONAL { ?c skos:narrowerTransitive ?o . ?o a cnocc:Occupation } } GROUP BY ?c""", item=ox.NamedNode(uri))
        kids = [{"ref": self.s.ref(r["c"].value, root), "occupations": int(r["n"].value)} for r in rows]
        return sorted(kids, key=lambda k: k["ref"].sort_key)

    def correspondences(self, uri: str, root: str) -> list[dict]:
        """The same occupation elsewhere: across editions (xkos associations) and raised work types."""
        s = self.s
        rows = s.select("""SELECT DISTINCT ?a ?other ?dir ?type ?note WHERE {
            { ?a xkos:sourceConcept $item ; xkos:targetConcept ?other BIND ("to" AS ?dir) }
            UNION { ?a xkos:targetConcept $item ; xkos:sourceConcept ?other BIND ("from" AS ?dir) }
            OPTIONAL { ?a dcterms:type ?type } OPTIONAL { ?a skos:changeNote ?note } }""", item=ox.NamedNode(uri))
        out = [{"ref": s.ref(r["other"].value, root), "via": s.ref(r["a"].value, root), "dir": r["dir"].value,
                "type": r["type"].value if r["type"] else "", "note": r["note"].value if r["note"] else ""}
               for r in rows]
        for o in s.objects(uri, NS["cnocc"] + "raisedTo"):
            out.append({"ref": s.ref(o.value, root), "via": None, "dir": "to", "type": "raised", "note": ""})
        for r in s.select("SELECT ?w WHERE { ?w cnocc:raisedTo $item }", item=ox.NamedNode(uri)):
            out.append({"ref": s.ref(r["w"].value, root), "via": None, "dir": "from", "type": "raised", "note": ""})
        seen, unique = set(), []
        for l in sorted(out, key=lambda l: (l["ref"].uri, l["via"] is None)):
            if l["ref"].uri not in seen:
                seen.add(l["ref"].uri)
                scheme = s.value(l["ref"].uri, NS["skos"] + "inScheme")
                level = s.select("SELECT ?lv WHERE { ?lv a xkos:ClassificationLevel ; skos:member $x }", x=ox.NamedNode(l["ref"].uri))
                l["edition"] = s.value(scheme, NS["skos"] + "notation") if scheme else ""
                l["level"] = s.labels(level[0]["lv"].value).get("zh", "") if level else ""
                unique.append(l)
        return unique

    def announcements(self, subjects: list[str], me: str, root: str) -> list[dict]:
        s = self.s
        out: dict[str, dict] = {}
        for subj in subjects:
            for o in s.objects(subj, NS["cnocc"] + "introducedBy"):
                a = out.setdefault(o.value, {"ref": s.ref(o.value, root), "via": [],
                                             "batch": s.value(o.value, NS["cnocc"] + "batchNumber"),
                                             "issued": s.value(o.value, NS["dcterms"] + "issued")})
                if subj != me:
                    a["via"].append(s.ref(subj, root))
        return sorted(out.values(), key=lambda a: a["batch"])

    def drivers(self, subjects: list[str], announcements: list[str], me: str, root: str) -> list[dict]:
        """Policies the announcement names for this occupation, or for its whole batch."""
        s = self.s
        out: dict[str, dict] = {}
        for subj in subjects + announcements:
            for r in s.select("SELECT DISTINCT ?p WHERE { ?p cnocc:drives $x }", x=ox.NamedNode(subj)):
                d = out.setdefault(r["p"].value, {"ref": s.ref(r["p"].value, root), "via": []})
                if subj != me:
                    d["via"].append(s.ref(subj, root))
        return sorted(out.values(), key=lambda d: d["ref"].uri)

    def evidence(self, subjects: list[str], me: str, root: str) -> list[dict]:
        s = self.s
        out = []
        for subj in subjects:
            for r in s.select("""SELECT DISTINCT ?e ?src ?exact ?prefix ?suffix WHERE { $x cnocc:evidence ?e .
                ?e oa:hasSource ?src ; oa:hasSelector ?sel . ?sel oa:exact ?exact .
                OPTIONAL { ?sel oa:prefix ?prefix } OPTIONAL { ?sel oa:suffix ?suffix } } ORDER BY ?e""",
                              x=ox.NamedNode(subj)):
                src = r["src"].value
                out.append({"ref": s.ref(r["e"].value, root), "source": s.ref(src, root),
                            "source_url": s.value(src, NS["schema"] + "url"),
                            "anchor": s.href(src, root) + "#q-" + r["e"].value.rsplit("/", 1)[-1],
                            "exact": r["exact"].value, "prefix": r["prefix"].value if r["prefix"] else "",
                            "suffix": r["suffix"].value if r["suffix"] else "",
                            "via": None if subj == me else s.ref(subj, root)})
        return out

    def mappings(self, uri: str, root: str) -> list[dict]:
        """Links to ISCO-08 and ESCO with the curators' confidence and reason (their SSSOM record)."""
        s = self.s
        rows = s.select("""SELECT DISTINCT ?m ?p ?t ?conf ?why ?mod ?date WHERE { ?m a owl:Axiom ;
            owl:annotatedSource $item ; owl:annotatedProperty ?p ; owl:annotatedTarget ?t .
            OPTIONAL { ?m sssom:confidence ?conf } OPTIONAL { ?m rdfs:comment ?why }
            OPTIONAL { ?m sssom:predicate_modifier ?mod } OPTIONAL { ?m dcterms:created ?date } }""",
                        item=ox.NamedNode(uri))
        out = []
        for r in rows:
            target = r["t"].value
            out.append({"record": s.ref(r["m"].value, root), "predicate": r["p"].value.rsplit("#", 1)[-1],
                        "negated": r["mod"] is not None, "target": s.ref(target, root),
                        "confidence": r["conf"].value if r["conf"] else "", "why": r["why"].value if r["why"] else "",
                        "date": r["date"].value if r["date"] else "",
                        "isco": target.startswith(ISCO), "path": self.isco_path(target, root)})
        return sorted(out, key=lambda m: (m["negated"], not m["isco"], m["predicate"], m["target"].uri))

    def isco_path(self, uri: str, root: str) -> list[Ref]:
        out, node = [], uri
        while node and node.startswith(ISCO) and len(out) < 6:
            out.append(self.s.ref(node, root))
            ups = self.s.objects(node, NS["skos"] + "broader")
            node = ups[0].value if ups else ""
        return out

    # -- levels and collections: lists of items --

    def members(self, uri: str, root: str) -> dict:
        s = self.s
        v = self.common(uri, root)
        marks = self.marks()
        rows = s.select("SELECT DISTINCT ?m WHERE { $c skos:member ?m }", c=ox.NamedNode(uri))
        v["members"] = [{"ref": r, "marks": marks.get(r.uri, "")} for r in s.refs([x["m"].value for x in rows], root)]
        v["official"] = s.value(uri, NS["cnocc"] + "officialItemCount")
        v["scheme"] = self.scheme_of(uri, root)
        v["siblings"] = self.levels(v["scheme"].uri, root) if v["scheme"] else []
        v["rows"] = [r for r in v["rows"] if r["qname"] != "skos:member"]
        return v

    def scheme_of(self, uri: str, root: str) -> Ref | None:
        """What a list belongs to: a level's edition (its `xkos:levels`), else the nearest resource
        up its URI path (`2022/digital-occupations` -> `2022`, a characteristic -> its announcement)."""
        for r in self.s.select("SELECT ?s WHERE { ?s xkos:levels/rdf:rest*/rdf:first $lv }", lv=ox.NamedNode(uri)):
            return self.s.ref(r["s"].value, root)
        parts = uri[len(self.s.base):].split("/")
        for n in range(len(parts) - 1, 0, -1):
            up = self.s.base + "/".join(parts[:n])
            if self.s.exists(up):
                return self.s.ref(up, root)
        return None

    @functools.lru_cache(maxsize=1)
    def marks(self) -> dict[str, str]:
        """Item -> its marks (e.g. 'L/S'), from the collections that carry a notation."""
        out: dict[str, set[str]] = {}
        for r in self.s.select("SELECT DISTINCT ?m ?mark WHERE { ?c a skos:Collection ; skos:notation ?mark ; skos:member ?m }"):
            out.setdefault(r["m"].value, set()).add(r["mark"].value)
        return {k: "/".join(sorted(v)) for k, v in out.items()}

    def levels(self, scheme: str, root: str) -> list[dict]:
        rows = self.s.select("""SELECT ?lv ?depth ?official (COUNT(DISTINCT ?m) AS ?held) WHERE {
            $scheme xkos:levels/rdf:rest*/rdf:first ?lv . OPTIONAL { ?lv xkos:depth ?depth }
            OPTIONAL { ?lv cnocc:officialItemCount ?official } OPTIONAL { ?lv skos:member ?m } }
            GROUP BY ?lv ?depth ?official ORDER BY ?depth""", scheme=ox.NamedNode(scheme))
        return [{"ref": self.s.ref(r["lv"].value, root), "depth": r["depth"].value if r["depth"] else "",
                 "official": r["official"].value if r["official"] else "", "held": int(r["held"].value)} for r in rows]

    # -- editions --

    def scheme(self, uri: str, root: str) -> dict:
        s = self.s
        v = self.common(uri, root)
        node = ox.NamedNode(uri)
        v["levels"] = self.levels(uri, root)
        v["top"] = [{"ref": c["ref"], "occupations": c["occupations"]} for c in self.tops(uri, root)]
        v["collections"] = s.refs([r["c"].value for r in s.select(
            "SELECT DISTINCT ?c WHERE { ?c a skos:Collection FILTER (STRSTARTS(STR(?c), CONCAT(STR($s), '/'))) }", s=node)], root)
        v["amended_by"] = sorted(({"ref": s.ref(r["a"].value, root), "batch": r["b"].value if r["b"] else ""}
                                  for r in s.select("SELECT ?a ?b WHERE { ?a cnocc:amends $s OPTIONAL { ?a cnocc:batchNumber ?b } }", s=node)),
                                 key=lambda a: int(a["batch"] or 0))
        v["correspondences"] = s.refs([r["c"].value for r in s.select("SELECT DISTINCT ?c WHERE { ?c xkos:compares $s }", s=node)], root)
        v["rows"] = [r for r in v["rows"] if r["qname"] not in ("skos:hasTopConcept",)]
        return v

    def tops(self, scheme: str, root: str) -> list[dict]:
        rows = self.s.select("""SELECT ?c (COUNT(DISTINCT ?o) AS ?n) WHERE { $scheme skos:hasTopConcept ?c .
            OPTIONAL { ?c skos:narrowerTransitive ?o . ?o a cnocc:Occupation } } GROUP BY ?c""", scheme=ox.NamedNode(scheme))
        return sorted(({"ref": self.s.ref(r["c"].value, root), "occupations": int(r["n"].value)} for r in rows),
                      key=lambda c: c["ref"].sort_key)

    # -- anything else --

    def generic(self, uri: str, root: str) -> dict:
        s = self.s
        v = self.common(uri, root)
        incoming: dict[str, list[Ref]] = {}
        rows = s.select("""SELECT DISTINCT ?s ?p WHERE { GRAPH ?g { ?s ?p $o } FILTER (?g != $inferred) } LIMIT 1001""",
                        o=ox.NamedNode(uri), inferred=ox.NamedNode(str(V.GRAPHS["inferred"])))
        for r in rows:
            if isinstance(r["s"], ox.NamedNode):
                incoming.setdefault(r["p"].value, []).append(r["s"].value)
        v["incoming"] = [{"qname": s.qname(p), "zh": s.predicate_labels.get(p, {}).get("zh", ""),
                          "en": s.predicate_labels.get(p, {}).get("en", ""), "refs": s.refs(us, root)}
                         for p, us in sorted(incoming.items(), key=lambda kv: s.qname(kv[0]))]
        v["incoming_truncated"] = len(rows) > 1000
        text = s.value(uri, NS["schema"] + "text")
        v["text"] = self.marked_text(uri, text, root) if text else []
        if text:  # shown once, below, with its quotes marked
            v["rows"] = [r for r in v["rows"] if r["qname"] != "schema:text"]
        v["terms"] = self.terms(uri, root)
        return v

    def marked_text(self, source: str, text: str, root: str) -> list[dict]:
        """The source's text cut into runs, each quote cited as evidence marked with an anchor, so
        an evidence link lands on the words it quotes."""
        spans = []
        for r in self.s.select("""SELECT DISTINCT ?e ?exact ?prefix WHERE { ?e oa:hasSource $src ; oa:hasSelector ?sel .
            ?sel oa:exact ?exact . OPTIONAL { ?sel oa:prefix ?prefix } }""", src=ox.NamedNode(source)):
            exact, prefix = r["exact"].value, r["prefix"].value if r["prefix"] else ""
            at = text.find(prefix + exact)
            start = at + len(prefix) if at >= 0 else text.find(exact)
            if start >= 0:
                spans.append((start, start + len(exact), r["e"].value.rsplit("/", 1)[-1], self.s.href(r["e"].value, root)))
        runs, pos = [], 0
        for start, end, anchor, href in sorted(spans):
            if start < pos:
                continue  # overlapping quotes: the first keeps the mark, the other links to the page
            if start > pos:
                runs.append({"text": text[pos:start]})
            runs.append({"text": text[start:end], "anchor": "q-" + anchor, "href": href})
            pos = end
        runs.append({"text": text[pos:]})
        return runs

    def terms(self, uri: str, root: str) -> list[dict]:
        """For a hash namespace (the ontology): its terms, each with an anchor `#Term`."""
        out = []
        for t in self.s.hash_terms.get(uri, []):
            lab = self.s.predicate_labels.get(t, {})
            out.append({"anchor": t.split("#", 1)[1], "uri": t, "zh": lab.get("zh", ""), "en": lab.get("en", ""),
                        "types": self.s.refs(self.s.types(t), root),
                        "comment": self.s.value(t, NS["rdfs"] + "comment"), "rows": self.s.rows(t, root)})
        return out

    # -- the home page --

    @functools.lru_cache(maxsize=4)
    def home(self, root: str) -> dict:
        s = self.s
        ds = s.base + "dataset"
        editions = sorted((r["s"].value for r in s.select("SELECT DISTINCT ?s WHERE { ?s a skos:ConceptScheme ; xkos:levels ?l }")))
        latest = editions[-1] if editions else ""
        return {"dataset": s.ref(ds, root), "root": root,
                "description": {(o.language or "en"): o.value for o in s.objects(ds, NS["dcterms"] + "description")},
                "license": s.value(ds, NS["dcterms"] + "license"), "version": s.value(ds, NS["schema"] + "version"),
                "editions": [{"ref": s.ref(e, root), "issued": s.value(e, NS["dcterms"] + "issued"),
                              "levels": self.levels(e, root)} for e in editions],
                "latest": s.ref(latest, root) if latest else None,
                "marks_chart": self.marks_chart(latest, root) if latest else None,
                "batches": self.batches(root),
                "downloads": s.refs([o.value for o in s.objects(ds, NS["dcat"] + "distribution")], root),
                "mapping_sets": s.refs([r["m"].value for r in s.select("SELECT ?m WHERE { ?m a sssom:MappingSet }")], root)}

    def marks_chart(self, edition: str, root: str) -> dict:
        """Occupations per top group of an edition and how many carry each mark (S digital, L green)."""
        s = self.s
        marks = self.marks()
        collections = sorted({r["mark"].value: r["c"].value for r in s.select(
            "SELECT ?c ?mark WHERE { ?c a skos:Collection ; skos:notation ?mark FILTER (STRSTARTS(STR(?c), CONCAT(STR($e), '/'))) }",
            e=ox.NamedNode(edition))}.items())
        rows = []
        for top in self.tops(edition, root):
            occ = [r["o"].value for r in s.select(
                "SELECT DISTINCT ?o WHERE { $c skos:narrowerTransitive ?o . ?o a cnocc:Occupation }", c=ox.NamedNode(top["ref"].uri))]
            counts = {m: sum(1 for o in occ if m in marks.get(o, "").split("/")) for m, _ in collections}
            rows.append({"ref": top["ref"], "total": len(occ), "marks": counts})
        return {"rows": rows, "max": max([r["total"] for r in rows] or [1]) or 1,
                "collections": [{"mark": m, "ref": s.ref(c, root)} for m, c in collections]}

    def batches(self, root: str) -> list[dict]:
        rows = self.s.select("""SELECT ?a ?batch ?issued ?new ?types ?amends WHERE { ?a a cnocc:Announcement ;
            cnocc:batchNumber ?batch . OPTIONAL { ?a dcterms:issued ?issued } OPTIONAL { ?a cnocc:newOccupationCount ?new }
            OPTIONAL { ?a cnocc:newWorkTypeCount ?types } OPTIONAL { ?a cnocc:amends ?amends } }""")
        out = [{"ref": self.s.ref(r["a"].value, root), "batch": int(r["batch"].value),
                "issued": r["issued"].value if r["issued"] else "", "new": int(r["new"].value) if r["new"] else 0,
                "work_types": int(r["types"].value) if r["types"] else 0,
                "amends": self.s.ref(r["amends"].value, root) if r["amends"] else None} for r in rows]
        out.sort(key=lambda b: b["batch"])
        return out


# --- HTTP ------------------------------------------------------------------------------------------

class Handlers:
    def __init__(self, site):
        self.s = Data(site)
        self.views = Views(self.s)

    def render(self, template: str, code: int = 200, headers: dict | None = None, **ctx) -> HTMLResponse:
        html = self.s.env.get_template(template).render(**ctx)
        return HTMLResponse(html, status_code=code, headers=headers)

    @staticmethod
    def root(request: Request) -> str:
        return request.scope.get("root_path", "").rstrip("/")

    def not_found(self, request: Request, what: str) -> Response:
        if conneg.negotiate(request.headers.get("accept")) is conneg.HTML:
            return self.render("error.html", 404, status=404, message=what, root=self.root(request))
        return PlainTextResponse(f"404 not found: {what}\n", status_code=404)

    # -- fixed pages --

    def home(self, request: Request) -> Response:
        fmt = conneg.negotiate(request.headers.get("accept"))
        if fmt is not None and fmt is not conneg.HTML:  # a program asking for data: the dataset's description
            return RedirectResponse(self.root(request) + "/dataset", status_code=303, headers={"Vary": "Accept"})
        return self.render("home.html", headers={"Vary": "Accept"}, **self.views.home(self.root(request)))

    def search_page(self, request: Request) -> Response:
        q = request.query_params.get("q", "")
        hits = self.s.index.search(q, MAX_LIMIT)
        return self.render("search.html", q=q, hits=hits, root=self.root(request), limit=MAX_LIMIT)

    def api_search(self, request: Request) -> Response:
        q = request.query_params.get("q", "")
        raw = request.query_params.get("limit", str(DEFAULT_LIMIT))
        try:
            limit = int(raw)
        except ValueError:
            return JSONResponse({"error": f"limit must be a whole number, not {raw!r}"}, status_code=400)
        if limit < 1:
            return JSONResponse({"error": "limit must be at least 1"}, status_code=400)
        root = self.root(request)
        body = [e.to_json(score, root) for e, score in self.s.index.search(q, min(limit, MAX_LIMIT))]
        return JSONResponse(body, headers={"Access-Control-Allow-Origin": "*"})

    def az(self, request: Request) -> Response:
        groups = self.s.index.by_initial()
        return self.render("az.html", groups=groups, root=self.root(request),
                           total=sum(len(v) for v in groups.values()))

    # -- every minted URI --

    def resource(self, request: Request) -> Response:
        path = request.path_params["path"]
        root = self.root(request)
        fixed = None
        if not self.s.exists(self.s.base + path):
            stem, fmt = conneg.split_suffix(path)
            if fmt is not None and self.s.exists(self.s.base + stem):
                path, fixed = stem, fmt
            elif path.endswith("/") and path.strip("/") and self.s.exists(self.s.base + path.rstrip("/")):
                return RedirectResponse(root + "/" + path.rstrip("/"), status_code=301)
            else:
                return self.not_found(request, "/" + path)
        uri, href = self.s.base + path, root + "/" + path
        headers = {"Link": conneg.link_header(href) + f', <{uri}>; rel="canonical"'}
        fmt = fixed
        if fmt is None:
            headers["Vary"] = "Accept"
            fmt = conneg.negotiate(request.headers.get("accept"))
            if fmt is None:
                offered = ", ".join(f.media_type for f in conneg.FORMATS)
                return PlainTextResponse(f"406 not acceptable: this resource is available as {offered}\n",
                                         status_code=406, headers=headers)
            headers["Content-Location"] = href + fmt.suffix
        if fmt is conneg.HTML:
            return self.page(uri, root, headers)
        headers["Access-Control-Allow-Origin"] = "*"
        return Response(self.rdf(uri, fmt.key), media_type=fmt.content_type, headers=headers)

    @functools.lru_cache(maxsize=64)
    def rdf(self, uri: str, key: str) -> str:
        # a hash namespace's document (the ontology) describes its terms too
        subjects = [ox.NamedNode(u) for u in [uri, *self.s.hash_terms.get(uri, [])]]
        return conneg.serialize(conneg.describe(self.s.store, subjects), conneg.BY_KEY[key], self.s.context)

    def page(self, uri: str, root: str, headers: dict) -> Response:
        types = self.s.types(uri)
        if types & ITEM_TYPES:
            template, view = "concept.html", self.views.item
        elif NS["xkos"] + "ClassificationLevel" in types or NS["skos"] + "Collection" in types:
            template, view = "members.html", self.views.members
        elif NS["skos"] + "ConceptScheme" in types and self.s.objects(uri, NS["xkos"] + "levels"):
            template, view = "scheme.html", self.views.scheme
        else:
            template, view = "resource.html", self.views.generic
        return self.render(template, headers=headers, **view(uri, root))


def routes(site) -> list:
    """The pages' routes, the catch-all last: it answers for every URI the project mints."""
    h = Handlers(site)
    return [
        Route("/", h.home, methods=["GET", "HEAD"]),
        Route("/search", h.search_page, methods=["GET", "HEAD"]),
        Route("/api/search", h.api_search, methods=["GET", "HEAD"]),
        Route("/az", h.az, methods=["GET", "HEAD"]),
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
        Route("/{path:path}", h.resource, methods=["GET", "HEAD"]),
    ]
