"""JSON-LD compacted against the project's own context (short keys such as `name` and `broader`), which
pyoxigraph does not do and rdflib does slowly; `tests/test_independent_parsers.py` reads the result
back with pyld."""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import BinaryIO

import pyoxigraph as ox

from cnocc.export.bundle import _XSD_STRING, RDF_TYPE, Bundle


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


def write_jsonld(b: Bundle, out: BinaryIO) -> None:
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
    out.write((head[:-2] + ',\n "@graph": [\n').encode("utf-8"))
    for i in range(0, len(nodes), 10_000):
        out.write(",\n".join(map(encode, nodes[i:i + 10_000])).encode("utf-8"))
        out.write(b",\n" if i + 10_000 < len(nodes) else b"\n")
    out.write(b"]}\n")


