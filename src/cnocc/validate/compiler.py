"""SHACL validation compiled to SPARQL and run inside a pyoxigraph store.

pyshacl walks the data graph in Python focus node by focus node, which takes minutes at a
million triples. Here each constraint of each shape becomes one SPARQL query that returns only
the violations, so the store does the work; a conformant graph costs one pass per constraint.

pyshacl stays the reference: the answers must be the ones pyshacl gives on the same data,
including where pyshacl departs from the SHACL text (each such place says so below), and
`pyshacl_violations` turns pyshacl's report into the same `Violation`s so tests can compare
the two. Anything in a shapes graph that the compiler does not translate raises `Unsupported`
when compiling, never silently, so the caller can fall back to pyshacl.

What the store cannot show (Oxigraph rewrites some literals when it stores them, see
`STORE_LIMITS`) is listed per compiled shapes graph in `CompiledShapes.blind_spots`.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node, _toPythonMapping

from cnocc.model.terms import Converter
from cnocc.model.vocab import SH

__all__ = [
    "CompiledShapes", "EXACT_GENERIC_MESSAGES", "STORE_LIMITS", "Unsupported", "Violation",
    "compile_shapes", "pyshacl_violations", "sort_key", "validate_store",
]

STORE_LIMITS = (
    "Oxigraph stores every integer-derived literal (xsd:int, xsd:positiveInteger, ...) as xsd:integer "
    "and xsd:dateTimeStamp as xsd:dateTime, so sh:datatype cannot tell these datatypes apart in the store; "
    "it also rewrites xsd:decimal, xsd:double, xsd:float and xsd:boolean lexical forms to their canonical "
    "form and lower-cases language tags, so such values are reported in the store's form, and sh:in / "
    "sh:hasValue compare them after that rewriting. \"x\" and \"x\"^^xsd:string are one term in the store "
    "(RDF 1.1) but two in rdflib. An ill-typed xsd:boolean is invisible: rdflib rewrites \"yes\" to \"false\" "
    "(keeping only a flag, which pyshacl reads) before the literal reaches the store."
)


class Unsupported(Exception):
    """The shapes graph uses something this compiler does not translate: validate with pyshacl instead."""


# --- results --------------------------------------------------------------------------------------

Path = object  # a predicate URIRef, ("^", URIRef) for an inverse, or a tuple of those for a sequence


@dataclass(frozen=True, order=True)
class Violation:
    focus: Node
    shape: Node
    component: URIRef
    path: Path | None
    value: Node | None
    message: str


def _term_key(t) -> tuple:
    """A total order over rdflib terms: rdflib's own `<` compares literal values and is not total."""
    if t is None:
        return (0,)
    if isinstance(t, URIRef):
        return (1, str(t))
    if isinstance(t, BNode):
        return (2, str(t))
    if isinstance(t, Literal):
        return (3, str(t), str(t.datatype or ""), (t.language or "").lower())
    if isinstance(t, tuple):
        return (4, tuple(_term_key(x) if not isinstance(x, str) else (5, x) for x in t))
    return (6, str(t))


def sort_key(v: Violation) -> tuple:
    return (_term_key(v.focus), _term_key(v.shape), str(v.component), _term_key(v.path), _term_key(v.value),
            v.message)


def _sorted(vs: Iterable[Violation]) -> list[Violation]:
    return sorted(vs, key=sort_key)


def _norm(t):
    """RDF 1.1 identity: "x"^^xsd:string is "x"; the store cannot keep them apart, so neither side does."""
    if isinstance(t, Literal) and t.datatype == XSD.string and not t.language:
        return Literal(str(t))
    return t


# --- constants ------------------------------------------------------------------------------------

XSDNS = str(XSD)
RDF_TYPE, RDFS_SUBCLASS = str(RDF.type), str(RDFS.subClassOf)
_STORED_AS = {XSDNS + n: XSDNS + "integer" for n in (
    "integer", "int", "long", "short", "byte", "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte",
    "positiveInteger", "negativeInteger", "nonPositiveInteger", "nonNegativeInteger")}
_STORED_AS[XSDNS + "dateTimeStamp"] = XSDNS + "dateTime"

_FN_DATATYPE = ox.NamedNode("urn:cnocc:shacl-sparql:datatype")
_FN_PATTERN = ox.NamedNode("urn:cnocc:shacl-sparql:pattern")
_FN_RANGE = ox.NamedNode("urn:cnocc:shacl-sparql:range")
_FN_WRITTEN = ox.NamedNode("urn:cnocc:shacl-sparql:written-datatype")
_TRUE = ox.Literal("true", datatype=ox.NamedNode(XSDNS + "boolean"))
_FALSE = ox.Literal("false", datatype=ox.NamedNode(XSDNS + "boolean"))

C = {n: SH[n + "ConstraintComponent"] for n in (
    "Class", "Datatype", "NodeKind", "MinCount", "MaxCount", "In", "LanguageIn", "Pattern", "HasValue",
    "MinInclusive", "MaxInclusive", "MinExclusive", "MaxExclusive", "MinLength", "MaxLength", "UniqueLang",
    "Not", "And", "Or", "Xone", "QualifiedMinCount", "QualifiedMaxCount", "SPARQL")}

# Components whose pyshacl default message (used when the shape has no sh:message) this module
# reproduces exactly whenever no blank node is involved and the parameter has a single value.
# The others (sh:in lists a Python set, in hash order) are approximated.
EXACT_GENERIC_MESSAGES = frozenset(C[n] for n in (
    "Class", "Datatype", "NodeKind", "MinCount", "MaxCount", "LanguageIn", "Pattern", "HasValue",
    "MinInclusive", "MaxInclusive", "MinExclusive", "MaxExclusive", "MinLength", "MaxLength", "UniqueLang",
    "Not", "And", "Or", "Xone", "QualifiedMinCount", "QualifiedMaxCount", "SPARQL"))

# Parameters of shapes this compiler translates; any other sh: predicate on a shape is Unsupported.
_ANNOTATIONS = {SH.name, SH.description, SH.message, SH.order, SH.group, SH.defaultValue, SH.severity}
_TARGETS = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf}
_VALUE_PARAMS = {SH["class"], SH.datatype, SH.nodeKind, SH["in"], SH.languageIn, SH.pattern, SH.flags,
                 SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive, SH.minLength, SH.maxLength,
                 SH["not"], SH["and"], SH["or"], SH.xone}
_PATH_PARAMS = {SH.minCount, SH.maxCount, SH.uniqueLang, SH.qualifiedValueShape, SH.qualifiedMinCount,
                SH.qualifiedMaxCount, SH.qualifiedValueShapesDisjoint}
_ALLOWED_ON_SHAPE = (_ANNOTATIONS | _TARGETS | _VALUE_PARAMS | _PATH_PARAMS
                     | {SH.property, SH.path, SH.hasValue, SH.sparql, RDF.type})
_SPARQL_CONSTRAINT_KEYS = {SH.select, SH.message, SH.prefixes, RDF.type, SH.name, SH.description}
_INERT = {SH.declare, SH.prefix, SH.namespace}  # prefix declarations, wherever they sit
_NODE_KINDS = {
    SH.IRI: "isIRI({v})", SH.BlankNode: "isBlank({v})", SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isIRI({v}) || isBlank({v}))", SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}
_RANGES = {SH.minInclusive: "MinInclusive", SH.maxInclusive: "MaxInclusive",
           SH.minExclusive: "MinExclusive", SH.maxExclusive: "MaxExclusive"}


_CLASS_MARK = re.compile(r"\u27e6class (\S+) (\?\w+)\u27e7")


def _instance_of(x: str, c) -> str:
    """A SHACL instance test (rdf:type/rdfs:subClassOf*), left as a marker that each run replaces
    with the class's sub-classes in the data spelled out: inside EXISTS, Oxigraph evaluates a
    property path or a join over the whole graph for every row, while a union of single triple
    patterns on the bound node costs a few lookups."""
    return f"\u27e6class {c} {x}\u27e7"


def _expand_classes(query: str, closures: dict[str, list[str]]) -> str:
    def one(m):
        x = m.group(2)
        if closures.get(m.group(1), ()) is None:
            return f"EXISTS {{ {x} <{RDF_TYPE}>/<{RDFS_SUBCLASS}>* <{m.group(1)}> }}"
        alts = " UNION ".join(f"{{ {x} <{RDF_TYPE}> <{t}> }}" for t in closures.get(m.group(1), [m.group(1)]))
        return f"EXISTS {{ {alts} }}"
    return _CLASS_MARK.sub(one, query)


def _sparql_string(s: str) -> str:
    return str(ox.Literal(s))


# --- terms as the store holds them ----------------------------------------------------------------

_scratch_conv = Converter()


def _stored(t) -> ox.NamedNode | ox.Literal:
    """A constant from the shapes graph as the store would hold it, so sameTerm compares like with like."""
    if isinstance(t, BNode):
        raise Unsupported(f"a blank node as a constant ({t}) cannot be named in SPARQL")
    o = _scratch_conv.to_ox(t)
    return _store_form(o) if isinstance(o, ox.Literal) else o


def _nt(t) -> str:
    """An rdflib constant as SPARQL text, in the store's form."""
    return str(_stored(t))


# --- the run-time functions the queries call ------------------------------------------------------

_rdflib_term_log = logging.getLogger("rdflib.term")


@lru_cache(maxsize=1 << 16)
def _rdflib_accepts(lexical: str, datatype: str) -> bool:
    """pyshacl's datatype test on a literal whose datatype is already the right one.

    pyshacl asks rdflib whether the literal is ill-typed, then whether rdflib's Python value has
    the expected type; rdflib decides ill-typedness with its own parsers (Python's date, int,
    Decimal...), which differ from Oxigraph's at the edges (year 0, out-of-range derived
    integers), so the same parsers are asked here, once per distinct literal."""
    from pyshacl.constraints.core.value_constraints import DatatypeConstraintComponent

    was = _rdflib_term_log.disabled
    _rdflib_term_log.disabled = True  # rdflib logs a traceback for every lexical form it cannot parse
    try:
        lit = Literal(lexical, datatype=URIRef(datatype))
    finally:
        _rdflib_term_log.disabled = was
    if lit.ill_typed is True:
        return False
    return bool(DatatypeConstraintComponent._assert_actual_datatype(None, lit, URIRef(datatype)))


def _fn_datatype(v, d):
    if not isinstance(v, ox.Literal):
        return _FALSE
    return _TRUE if _rdflib_accepts(v.value, d.value) else _FALSE


def _as_bool(b: bool) -> ox.Literal:
    return _TRUE if b else _FALSE


# --- compiled shapes ------------------------------------------------------------------------------

@dataclass
class _Check:
    """One query whose rows are violations of one constraint, and how to turn a row into one."""

    query: str
    shape: Node
    component: URIRef
    path: Path | None
    value: str  # "none", "this" (the focus), "value" (the ?value column)
    messages: list[str]
    generic: Callable[[Node, Node | None], str] | None


@dataclass
class _SparqlCheck:
    """An sh:sparql constraint of a node shape: per focus node (pre-bound $this), or in bulk."""

    shape: Node
    select: str  # with pyshacl's prefixes
    focus_query: str  # the shape's focus nodes, as ?this
    bulk_query: str | None  # targets joined with the select, when that provably gives the same rows
    shape_messages: list[Literal]
    own_messages: list[Literal]
    names: list[str]  # the projection, in order: pyshacl substitutes message variables in that order
    # Counted over a union of graphs, a triple held by two graphs counts twice in Oxigraph (an RDF
    # merge is a set): queries whose answer depends on that get a de-duplicated copy of the triples
    # with these predicates (None: all) when the data graphs share triples.
    sensitive: bool
    predicates: frozenset | None
    prebind: "_Prebind | None" = None  # $this written in as a constant; None: Oxigraph's substitutions


@dataclass
class CompiledShapes:
    """Queries and the Python functions they call, made once per shapes graph: compiling parses every
    SPARQL constraint twice (rdflib for the proofs, Oxigraph for a dry run), validating does not."""

    checks: list[_Check]
    sparql_checks: list[_SparqlCheck]
    custom_functions: dict
    blind_spots: list[str] = field(default_factory=list)

    def queries(self) -> list[str]:
        return ([_expand_classes(c.query, {}) for c in self.checks]
                + [q for s in self.sparql_checks for q in (s.bulk_query or s.select, s.focus_query)])

    def classes(self) -> set[str]:
        return {m.group(1) for c in self.checks for m in _CLASS_MARK.finditer(c.query)}


# --- the compiler ---------------------------------------------------------------------------------

def _one(g: Graph, s, p, what: str):
    vals = list(g.objects(s, p))
    if len(vals) != 1:
        raise Unsupported(f"{what}: expected one {p}, found {len(vals)}")
    return vals[0]


def _int_param(g: Graph, s, p) -> int:
    v = _one(g, s, p, str(s))
    if not isinstance(v, Literal) or not isinstance(v.value, int) or isinstance(v.value, bool) or v.value < 0:
        raise Unsupported(f"{p} of {s} is not a non-negative integer")
    if p in (SH.minCount, SH.maxCount) and v.datatype != XSD.integer:
        raise Unsupported(f"{p} of {s} is not an xsd:integer")  # pyshacl refuses it
    return v.value


def _items(g: Graph, head) -> list:
    if head == RDF.nil:
        return []
    if not isinstance(head, BNode) or (head, RDF.first, None) not in g:
        raise Unsupported(f"{head} is not an RDF list")
    return list(Collection(g, head))


class _Compiler:
    def __init__(self, shapes: Graph):
        self.g = shapes
        self.n = itertools.count()
        self.consumed: set = set()
        self.patterns: list[re.Pattern] = []
        self.ranges: list[tuple] = []
        self.blind: list[str] = []

    def var(self, stem: str = "v") -> str:
        return f"?{stem}{next(self.n)}"

    # --- shapes and their parameters ---

    def check_shape_node(self, s) -> None:
        """Refuse, up front, anything on a shape that would otherwise be ignored."""
        self.consumed.add(s)
        for p, o in self.g.predicate_objects(s):
            if p == RDF.type:
                if o not in (SH.NodeShape, SH.PropertyShape):
                    raise Unsupported(f"{s} is also a {o} (implicit class targets are not compiled)")
            elif p == SH.deactivated:
                raise Unsupported(f"{s} uses sh:deactivated")
            elif p == SH.severity:
                if o != SH.Violation:
                    raise Unsupported(f"{s} has severity {o}")
            elif p == SH.qualifiedValueShapesDisjoint:
                if not (isinstance(o, Literal) and o.value is False):
                    raise Unsupported(f"{s} uses sh:qualifiedValueShapesDisjoint")
            elif str(p).startswith(str(SH)) and p not in _ALLOWED_ON_SHAPE:
                raise Unsupported(f"{s} uses {p}")
        if (s, SH.flags, None) in self.g and (s, SH.pattern, None) not in self.g:
            raise Unsupported(f"{s} has sh:flags without sh:pattern")

    def path_of(self, s):
        """(SPARQL path text, comparable path value) of a property shape, or None for a node shape."""
        paths = list(self.g.objects(s, SH.path))
        if not paths:
            return None
        if len(paths) > 1:
            raise Unsupported(f"{s} has several sh:path")
        p = paths[0]
        if isinstance(p, URIRef):
            return f"<{p}>", p
        if isinstance(p, BNode):
            self.consumed.add(p)
            if (p, RDF.first, None) in self.g:
                steps = [self.step(x) for x in _items(self.g, p)]
                if len(steps) < 2:
                    raise Unsupported(f"sequence path of {s} has fewer than two steps")
                return "/".join(t for t, _ in steps), tuple(v for _, v in steps)
            return self.step(p)
        raise Unsupported(f"sh:path of {s} is {p!r}")

    def step(self, p):
        if isinstance(p, URIRef):
            return f"<{p}>", p
        if isinstance(p, BNode):
            self.consumed.add(p)
            keys = set(self.g.predicates(p))
            if keys == {SH.inversePath}:
                q = _one(self.g, p, SH.inversePath, "inverse path")
                if isinstance(q, URIRef):
                    return f"^<{q}>", ("^", q)
            raise Unsupported(f"path {p} ({', '.join(sorted(map(str, keys)))}) is not a predicate, inverse or sequence")
        raise Unsupported(f"path step {p!r}")

    # --- conformance: an expression true when the node in `x` conforms to shape `s` ---

    def conforms(self, s, x: str, depth: int = 0, origin: tuple | None = None) -> str:
        """`origin` is (subject variable, predicate) when `x` is the object of such a triple."""
        if depth > 12:
            raise Unsupported(f"shapes nest too deep (recursive?) at {s}")
        if not isinstance(s, (URIRef, BNode)):
            raise Unsupported(f"{s!r} is not a shape")
        self.check_shape_node(s)
        if (s, SH.sparql, None) in self.g:
            raise Unsupported(f"sh:sparql in {s}, a shape used inside another constraint")
        parts: list[str] = []
        path = self.path_of(s)
        if path is None:
            for p in (SH.minCount, SH.maxCount, SH.uniqueLang, SH.qualifiedValueShape):
                if (s, p, None) in self.g:
                    raise Unsupported(f"{p} on node shape {s}")
            parts += [ok for _, _, ok, _ in self.value_tests(s, x, depth, origin)]
            for hv in self.g.objects(s, SH.hasValue):
                parts.append(f"sameTerm({x}, {_nt(hv)})")
            for ps in self.g.objects(s, SH.property):
                parts.append(self.conforms_property(ps, x, depth + 1))
        else:
            parts.append(self.property_body(s, x, depth))
        return "(" + " && ".join(parts) + ")" if parts else "true"

    def conforms_property(self, ps, x: str, depth: int) -> str:
        self.check_shape_node(ps)
        if self.path_of(ps) is None:
            raise Unsupported(f"sh:property {ps} has no sh:path")
        return self.conforms(ps, x, depth)

    def property_body(self, s, x: str, depth: int) -> str:
        ptext, pval = self.path_of(s)
        origin = (x, pval) if isinstance(pval, URIRef) else None
        parts = []
        for _, _, ok, v in self.value_tests(s, None, depth, origin):
            parts.append(f"NOT EXISTS {{ {x} {ptext} {v} FILTER(!{ok}) }}")
        if (s, SH.minCount, None) in self.g:
            n = _int_param(self.g, s, SH.minCount)
            if n > 0:
                parts.append(self.at_least(x, ptext, n, None, depth))
        if (s, SH.maxCount, None) in self.g:
            parts.append("!" + self.at_least(x, ptext, _int_param(self.g, s, SH.maxCount) + 1, None, depth))
        if (s, SH.uniqueLang, None) in self.g and self.unique_lang(s):
            a, b = self.var(), self.var()
            parts.append(f"NOT EXISTS {{ {x} {ptext} {a} . {x} {ptext} {b} FILTER(!sameTerm({a}, {b}) && "
                         f"isLiteral({a}) && isLiteral({b}) && LANG({a}) != \"\" && LCASE(LANG({a})) = LCASE(LANG({b}))) }}")
        for hv in self.g.objects(s, SH.hasValue):
            v = self.var()
            parts.append(f"EXISTS {{ {x} {ptext} {v} FILTER(sameTerm({v}, {_nt(hv)})) }}")
        for q, lo, hi in self.qualified(s):
            if lo is not None and lo > 0:
                parts.append(self.at_least(x, ptext, lo, q, depth, origin))
            if hi is not None:
                parts.append("!" + self.at_least(x, ptext, hi + 1, q, depth, origin))
        for ps in self.g.objects(s, SH.property):  # each value node must conform to the nested property shape
            v = self.var()
            parts.append(f"NOT EXISTS {{ {x} {ptext} {v} FILTER(!{self.conforms_property(ps, v, depth + 1)}) }}")
        return "(" + " && ".join(parts) + ")" if parts else "true"

    def at_least(self, x: str, ptext: str, n: int, shape, depth: int, origin: tuple | None = None) -> str:
        """EXISTS n distinct value nodes (conforming to `shape`, if given): counting without a sub-query."""
        if n > 6:
            raise Unsupported(f"a count of {n} inside a nested shape")
        vs = [self.var() for _ in range(n)]
        conds = [f"!sameTerm({a}, {b})" for a, b in itertools.combinations(vs, 2)]
        if shape is not None:
            conds += [self.conforms(shape, v, depth + 1, origin and (x, origin[1])) for v in vs]
        body = " . ".join(f"{x} {ptext} {v}" for v in vs)
        return f"EXISTS {{ {body} {'FILTER(' + ' && '.join(conds) + ')' if conds else ''} }}"

    def unique_lang(self, s) -> bool:
        u = _one(self.g, s, SH.uniqueLang, str(s))
        if not (isinstance(u, Literal) and isinstance(u.value, bool)):
            raise Unsupported(f"sh:uniqueLang of {s} is not a boolean")
        return u.value

    def qualified(self, s):
        shapes = list(self.g.objects(s, SH.qualifiedValueShape))
        if not shapes:
            if (s, SH.qualifiedMinCount, None) in self.g or (s, SH.qualifiedMaxCount, None) in self.g:
                raise Unsupported(f"qualified count without sh:qualifiedValueShape on {s}")
            return []
        lo = _int_param(self.g, s, SH.qualifiedMinCount) if (s, SH.qualifiedMinCount, None) in self.g else None
        hi = _int_param(self.g, s, SH.qualifiedMaxCount) if (s, SH.qualifiedMaxCount, None) in self.g else None
        if lo is None and hi is None:
            raise Unsupported(f"sh:qualifiedValueShape without a count on {s}")
        return [(q, lo, hi) for q in shapes]

    # --- per-value tests: (component, parameter value, expression on the value node, variable) ---

    def value_tests(self, s, v: str | None, depth: int, origin: tuple | None = None):
        """Each test of one value node; `v` is the node's variable, or None for a fresh one each."""
        g = self.g
        out = []

        def add(comp, param, make):
            var = v or self.var()
            # an error (a function refusing its argument) means "does not conform", as in pyshacl
            out.append((comp, param, f"COALESCE({make(var)}, false)", var))

        for c in g.objects(s, SH["class"]):
            if not isinstance(c, URIRef):
                raise Unsupported(f"sh:class {c!r}")
            add("Class", c, lambda x, c=c: _instance_of(x, c))
        if (s, SH.datatype, None) in g:
            d = _one(g, s, SH.datatype, str(s))
            add("Datatype", d, lambda x: self.datatype_test(x, d, origin))
        if (s, SH.nodeKind, None) in g:
            k = _one(g, s, SH.nodeKind, str(s))
            if k not in _NODE_KINDS:
                raise Unsupported(f"sh:nodeKind {k}")
            add("NodeKind", k, lambda x: _NODE_KINDS[k].format(v=x))
        if (s, SH["in"], None) in g:
            lst = _one(g, s, SH["in"], str(s))
            self.consumed.add(lst)
            members = list(dict.fromkeys(_items(g, lst)))  # pyshacl: a set, RDF term equality
            add("In", lst, lambda x: "(" + (" || ".join(f"sameTerm({x}, {_nt(m)})" for m in members) or "false") + ")")
        if (s, SH.languageIn, None) in g:
            lst = _one(g, s, SH.languageIn, str(s))
            add("LanguageIn", lst, lambda x: self.language_test(x, lst))
        pats = list(g.objects(s, SH.pattern))
        if pats:
            flags = list(g.objects(s, SH.flags))
            for p in pats:
                add("Pattern", p, lambda x, p=p: self.pattern_test(x, p, flags[0] if flags else None))
        for pred, name in _RANGES.items():
            for b in g.objects(s, pred):
                add(name, b, lambda x, b=b, pred=pred: self.range_test(x, pred, b))
        for pred, name, op in ((SH.minLength, "MinLength", ">="), (SH.maxLength, "MaxLength", "<=")):
            if (s, pred, None) in g:
                n = _int_param(g, s, pred)
                if name == "MinLength" and n == 0:
                    add(name, n, lambda x: "true")  # pyshacl: length 0 passes everything, blank nodes too
                else:
                    add(name, n, lambda x, n=n, op=op: f"(!isBlank({x}) && STRLEN(STR({x})) {op} {n})")
        for n in g.objects(s, SH["not"]):
            add("Not", n, lambda x, n=n: f"!{self.conforms(n, x, depth + 1, origin)}")
        for lst in g.objects(s, SH["and"]):
            members = list(dict.fromkeys(self.shape_list(lst)))
            add("And", lst, lambda x, m=members: "(" + " && ".join(self.conforms(a, x, depth + 1, origin) for a in m) + ")")
        for lst in g.objects(s, SH["or"]):
            members = list(dict.fromkeys(self.shape_list(lst)))
            add("Or", lst, lambda x, m=members: "(" + " || ".join(self.conforms(a, x, depth + 1, origin) for a in m) + ")")
        for lst in g.objects(s, SH.xone):
            members = self.shape_list(lst)  # pyshacl keeps a list here: a shape listed twice counts twice
            add("Xone", lst, lambda x, m=members: "((" + " + ".join(
                f"IF({self.conforms(a, x, depth + 1, origin)}, 1, 0)" for a in m) + ") = 1)")
        return out

    def shape_list(self, lst) -> list:
        self.consumed.add(lst)
        members = _items(self.g, lst)
        if not members:
            raise Unsupported(f"empty list {lst} of shapes")  # pyshacl lets an empty sh:or pass
        return members

    def datatype_test(self, x: str, d, origin: tuple | None) -> str:
        if not isinstance(d, URIRef):
            raise Unsupported(f"sh:datatype {d!r}")
        if d == RDFS.Literal:
            return f"isLiteral({x})"
        if d == RDFS.Datatype:
            raise Unsupported("sh:datatype rdfs:Datatype (pyshacl's answer depends on rdflib's plain literals)")
        if d == RDF.langString:
            return f"(isLiteral({x}) && LANG({x}) != \"\")"
        if d == XSD.string:
            return f"(isLiteral({x}) && DATATYPE({x}) = <{XSD.string}>)"
        ds = str(d)
        stored = _STORED_AS.get(ds, ds)
        if stored != ds or ds in _STORED_AS.values():
            # The store cannot tell "5"^^xsd:integer from "5"^^xsd:positiveInteger: the literal as
            # written is looked up by its triple, which the caller's Converter recorded.
            family = "integer-derived" if stored.endswith("integer") else "dateTime"
            note = (f"sh:datatype {d}: the store holds every {family} literal as {stored}, so a value written "
                    f"with another datatype of that family passes unseen "
                    + ("(always: the value is not reached by a plain predicate)" if origin is None
                       else "unless validate_store is given the Converter that loaded the data"))
            if note not in self.blind:
                self.blind.append(note)
            if origin is None:
                subject, pred = "<urn:x-none>", "<urn:x-none>"
            else:
                subject, pred = origin[0], f"<{origin[1]}>"
            # IF, not &&: Oxigraph evaluates both sides of &&, and the function costs a call into Python
            return (f"IF(isLiteral({x}) && (DATATYPE({x}) = <{stored}> || DATATYPE({x}) = <{ds}>), "
                    f"<{_FN_WRITTEN.value}>({subject}, {pred}, {x}, <{ds}>), false)")
        test = f"isLiteral({x}) && DATATYPE({x}) = <{ds}>"
        if d in _toPythonMapping:  # rdflib parses it, so pyshacl can find it ill-typed
            return f"IF({test}, <{_FN_DATATYPE.value}>({x}, <{ds}>), false)"
        return f"({test})"

    def language_test(self, x: str, lst) -> str:
        """pyshacl's sh:languageIn, which is not langMatches: a range matches a tag only if it equals
        the whole tag or its first subtag, so ("zh-Latn") does not match "zh-Latn-pinyin"."""
        self.consumed.add(lst)
        ranges = []
        for r in _items(self.g, lst):
            if not (isinstance(r, Literal) and isinstance(r.value, str)):
                raise Unsupported(f"sh:languageIn member {r!r}")
            ranges.append(str(r.value).lower())
        if "*" in ranges:
            return f"(isLiteral({x}) && LANG({x}) != \"\")"
        if not ranges:
            return "false"
        rs = ", ".join(_sparql_string(r) for r in dict.fromkeys(ranges))
        return (f"(isLiteral({x}) && LANG({x}) != \"\" && (LCASE(LANG({x})) IN ({rs}) || "
                f"LCASE(STRBEFORE(CONCAT(LANG({x}), \"-\"), \"-\")) IN ({rs})))")

    def pattern_test(self, x: str, p, flags) -> str:
        """Python's `re` decides, as in pyshacl; Oxigraph's REGEX stands in where the two provably agree."""
        if not isinstance(p, Literal):
            raise Unsupported(f"sh:pattern {p!r}")
        text = str(p.value) if p.value is not None and len(p.value) > 1 else str(p)  # pyshacl's own choice
        fl = str(flags.value if isinstance(flags, Literal) and flags.value is not None else flags or "").lower()
        re_flags = (re.I if "i" in fl else 0) | (re.M if "m" in fl else 0)  # pyshacl ignores s, x, q
        try:
            compiled = re.compile(text, re_flags)
        except re.error as e:
            raise Unsupported(f"sh:pattern {text!r}: {e}") from e
        idx = len(self.patterns)
        self.patterns.append(compiled)
        py = f"<{_FN_PATTERN.value}>(STR({x}), {idx})"
        if re_flags == 0 and _portable_regex(text):
            # Python's "$" also matches before a final newline, and Rust's does not: newlines go to Python.
            fast = f"IF(CONTAINS(STR({x}), \"\\n\"), {py}, REGEX(STR({x}), {_sparql_string(text)}))"
        else:
            fast = py
        return f"IF(isBlank({x}), false, {fast})"

    def range_test(self, x: str, pred, bound) -> str:
        if not isinstance(bound, Literal):
            raise Unsupported(f"{pred} {bound!r}")
        idx = len(self.ranges)
        self.ranges.append((pred, bound))
        return f"<{_FN_RANGE.value}>({x}, {idx})"

    # --- targets ---

    def focus_predicates(self, s) -> frozenset:
        preds = {RDF_TYPE, RDFS_SUBCLASS} if (s, SH.targetClass, None) in self.g else set()
        preds |= {str(p) for p in self.g.objects(s, SH.targetSubjectsOf)}
        preds |= {str(p) for p in self.g.objects(s, SH.targetObjectsOf)}
        return frozenset(preds)

    def focus(self, s) -> str | None:
        """A group pattern binding ?this to each focus node of `s`, once each, or None without targets."""
        g = self.g
        alts = []
        for c in g.objects(s, SH.targetClass):
            if not isinstance(c, URIRef):
                raise Unsupported(f"sh:targetClass {c!r}")
            alts.append(f"?this <{RDF_TYPE}>/<{RDFS_SUBCLASS}>* <{c}>")
        nodes = list(g.objects(s, SH.targetNode))
        if nodes:
            alts.append("VALUES ?this { " + " ".join(_nt(n) for n in nodes) + " }")
        for p in g.objects(s, SH.targetSubjectsOf):
            if not isinstance(p, URIRef):
                raise Unsupported(f"sh:targetSubjectsOf {p!r}")
            alts.append(f"?this <{p}> [ ]")
        for p in g.objects(s, SH.targetObjectsOf):
            if not isinstance(p, URIRef):
                raise Unsupported(f"sh:targetObjectsOf {p!r}")
            alts.append(f"[ ] <{p}> ?this")
        if not alts:
            return None
        return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join("{ " + a + " }" for a in alts) + " } }"


def _portable_regex(pattern: str) -> bool:
    """True when Rust's regex (Oxigraph) and Python's re agree on every newline-free string.

    Only literals, a few escapes, classes, groups, alternation, counted repetition and anchors:
    \\w, \\s, \\b, look-around and back-references differ between the two engines."""
    i, n = 0, len(pattern)
    in_class = False
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= n or pattern[i + 1] not in ".-/\\dDnt^$|?*+()[]{}":
                return False
            i += 2
            continue
        if in_class:
            if ch == "[" or (ch in "&~-" and i + 1 < n and pattern[i + 1] == ch):
                return False  # nested classes and set operations are Rust-only syntax
            if ch == "]":
                in_class = False
            i += 1
            continue
        if ch == "[":
            in_class = True
            i += 1
            if i < n and pattern[i] == "^":
                i += 1
            if i < n and pattern[i] == "]":
                i += 1  # a literal "]" first in a class
            continue
        if ch == "(":
            if pattern.startswith("(?", i) and not pattern.startswith("(?:", i):
                return False
        if ch == "{":
            m = re.match(r"\{\d+(,\d*)?\}", pattern[i:])
            if not m:
                return False
            i += m.end()
            continue
        if ch == "}":
            return False
        i += 1
    return not in_class


# --- SPARQL-based constraints ---------------------------------------------------------------------

def _pyshacl_prefixes(g: Graph, node) -> dict[str, str]:
    """The prefixes pyshacl puts before an sh:select: rdf, rdfs, owl, then every sh:declare reachable
    through sh:prefixes (and those of any owl:Ontology, which pyshacl adds to all)."""
    out = {"rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL)}
    onts = set(g.subjects(RDF.type, OWL.Ontology))
    glob = {d for o in onts for d in g.objects(o, SH.declare)}
    for pv in g.objects(node, SH.prefixes):
        own = set(g.objects(pv, SH.declare))
        decls = own if (own and pv in onts) else glob | own
        for d in decls:
            prefix = _one(g, d, SH.prefix, f"prefix declaration {d}")
            ns = _one(g, d, SH.namespace, f"prefix declaration {d}")
            if not isinstance(prefix, Literal) or not isinstance(ns, Literal):
                raise Unsupported(f"prefix declaration {d}")
            out[str(prefix.value)] = str(ns.value)
    return out


def _mentions_this(x) -> bool:
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import Variable

    if isinstance(x, Variable):
        return str(x) == "this"
    if isinstance(x, (CompValue, dict)):
        return any(_mentions_this(v) for k, v in x.items() if k != "_vars")
    if isinstance(x, (list, tuple, set)):
        return any(_mentions_this(v) for v in x)
    return False


def _bulk_equivalent(query: str) -> bool:
    """Whether running `query` with $this free, joined with the focus nodes, gives each focus node
    exactly the rows pre-binding $this would.

    True when $this is bound by a triple pattern of the query's main group or of a sub-select
    that projects it (not under OPTIONAL, UNION, MINUS or a GRAPH), every expression that reads
    $this sits above that pattern, an OPTIONAL reads $this only once it is bound, any grouping
    groups by $this, and nothing limits or offsets the rows. Sub-selects with aggregates, above
    all, answer differently when they may not bind $this: an empty group survives pre-binding only."""
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.term import Variable

    this = Variable("this")
    algebra = prepareQuery(query).algebra
    samples: set = set()

    def walk(node) -> tuple[bool, bool]:  # (allowed, binds $this)
        name = getattr(node, "name", None)
        if name == "BGP":
            return True, any(this in t for t in node.triples)
        if name == "Join":
            a1, b1 = walk(node.p1)
            a2, b2 = walk(node.p2)
            return a1 and a2, b1 or b2
        if name == "LeftJoin":  # OPTIONAL: the same rows when $this is bound before it, or not read in it
            a1, b1 = walk(node.p1)
            a2, _ = walk(node.p2)
            reads = _mentions_this(node.p2) or _mentions_this(node.expr)
            return a1 and a2 and (b1 or not reads), b1
        if name == "ToMultiSet":  # a sub-select; its Project must keep $this (below)
            return walk(node.p)
        if name in ("Filter", "OrderBy"):
            a, b = walk(node.p)
            expr = node.expr
            return a and (b or not _mentions_this(expr)), b
        if name == "Extend":
            a, b = walk(node.p)
            if node.var == this:
                return a and b and isinstance(node.expr, Variable) and node.expr in samples, True
            return a and (b or not _mentions_this(node.expr)), b
        if name == "AggregateJoin":
            grp = node.p
            if getattr(grp, "name", None) != "Group" or not grp.expr or this not in list(grp.expr):
                return False, False
            for agg in node.A:
                if agg.name == "Aggregate_Sample" and agg.vars == this:
                    samples.add(agg.res)
            a, b = walk(grp.p)
            return a and b, b
        if name in ("Project", "Distinct", "Reduced"):
            a, b = walk(node.p)
            if name == "Project" and this not in list(node.PV):
                return False, b
            return a, b
        return False, False

    top = algebra.p if getattr(algebra, "name", None) == "SelectQuery" else None
    if top is None or getattr(algebra, "datasetClause", None):
        return False
    allowed, binds = walk(top)
    return allowed and binds


def _compile_sparql(comp: _Compiler, s, focus: str, shape_messages: list[Literal]) -> list[_SparqlCheck]:
    from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper as H

    g = comp.g
    out = []
    for c in g.objects(s, SH.sparql):
        comp.consumed.add(c)
        for p, o in g.predicate_objects(c):
            if p == SH.deactivated:
                raise Unsupported(f"sh:deactivated on {c}")
            if p == RDF.type and o != SH.SPARQLConstraint:
                raise Unsupported(f"{c} is a {o}")
            if str(p).startswith(str(SH)) and p not in _SPARQL_CONSTRAINT_KEYS:
                raise Unsupported(f"{c} uses {p}")
        sel = _one(g, c, SH.select, f"sh:sparql {c}")
        if not (isinstance(sel, Literal) and isinstance(sel.value, str)):
            raise Unsupported(f"sh:select of {c} is not a string")
        text = sel.value
        # what pyshacl refuses when validating, and what it cannot pre-bind
        for rx, what in ((H.has_minus_regex, "MINUS"), (H.has_values_regex, "VALUES"),
                         (H.has_service_regex, "SERVICE")):
            if rx.search(text):
                raise Unsupported(f"sh:select of {c} uses {what}")
        nested = H.has_nested_select_regex.search(text)
        if nested and "this" not in [v.lstrip("$?") for v in nested.group(1).split()]:
            raise Unsupported(f"a sub-select of {c} does not select $this")
        as_var = H.has_as_var_regex.search(text)
        if as_var and as_var.group(1) in ("this", "shapesGraph", "currentShape"):
            raise Unsupported(f"sh:select of {c} rebinds ${as_var.group(1)}")
        for rx, what in ((H.bind_sg_regex, "$shapesGraph"), (H.bind_cs_regex, "$currentShape"),
                         (H.bind_path_regex, "$PATH")):
            if rx.search(text):
                raise Unsupported(f"sh:select of {c} uses {what}")
        prefixes = _pyshacl_prefixes(g, c)
        head = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items())
        text = _star_free(head, text)
        full = head + "\n" + text
        try:
            from rdflib.plugins.sparql import prepareQuery

            alg = prepareQuery(full).algebra
        except Exception as e:
            raise Unsupported(f"sh:select of {c} does not parse: {e}") from e
        names = [str(v) for v in getattr(alg, "PV", [])]
        if "failure" in names:
            raise Unsupported(f"sh:select of {c} selects ?failure")
        bulk = None
        if not re.match(r"\s*(PREFIX|BASE)\b", _strip_comments(text), re.I) and _bulk_equivalent(full):
            bulk = head + "SELECT * WHERE {\n" + focus + "\n{\n" + text + "\n}\n}"
        msgs = list(g.objects(c, SH.message))
        if any(not isinstance(m, Literal) for m in msgs):
            raise Unsupported(f"sh:message of {c} is not a literal")
        focus_query = "SELECT ?this WHERE " + focus
        prebind = _Prebind.make(head, text) if bulk is None else None
        sensitive = _counts_duplicates(alg)
        preds = _predicates(alg) if sensitive else frozenset()
        if preds is not None:
            preds |= comp.focus_predicates(s)
        out.append(_SparqlCheck(s, full, focus_query, bulk, shape_messages, msgs, names, sensitive, preds, prebind))
    return out


def _walk(x, seen=None):
    """Every node of an rdflib query algebra or syntax tree, paths included."""
    from rdflib.paths import Path as RPath
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [x]
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, (CompValue, dict)):
            stack.extend(v for k, v in n.items() if k != "_vars")
        elif isinstance(n, (list, tuple, set)):
            stack.extend(n)
        elif isinstance(n, RPath):
            stack.extend(getattr(n, "args", ()) or ())
            for attr in ("arg", "path"):
                if getattr(n, attr, None) is not None:
                    stack.append(getattr(n, attr))


def _counts_duplicates(algebra) -> bool:
    """Whether a triple held twice could change the answer: COUNT, SUM, AVG or GROUP_CONCAT without
    DISTINCT, or LIMIT/OFFSET. Anything else only repeats rows, and pyshacl drops repeated rows."""
    for n in _walk(algebra):
        name = getattr(n, "name", None)
        if name in ("Aggregate_Count", "Aggregate_Sum", "Aggregate_Avg", "Aggregate_GroupConcat") and not n.get("distinct"):
            return True
        if name == "Slice":
            return True
    return False


def _predicates(algebra) -> frozenset | None:
    """Every IRI the query names (a superset of its predicates), or None when a predicate is a
    variable or a negated set, which could read any triple."""
    from rdflib.paths import NegatedPath
    from rdflib.term import Variable

    iris = set()
    for n in _walk(algebra):
        if isinstance(n, URIRef):
            iris.add(str(n))
        elif isinstance(n, NegatedPath) or getattr(n, "name", None) == "PathNegatedPropertySet":
            return None
        elif hasattr(n, "get") and isinstance(n.get("triples"), list):
            for t in n["triples"]:  # algebra: (s, p, o) tuples; syntax tree: flat runs s p o s p o ...
                if isinstance(t, (list, tuple)) and any(isinstance(t[i], Variable) for i in range(1, len(t), 3)):
                    return None
    return frozenset(iris)


_TOKEN = re.compile(r'''
    (?P<ws>\s+) | (?P<comment>\#[^\n]*)
  | (?P<string>"""(?:[^"\\]|\\.|"(?!""))*""" | \'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'
               | "(?:[^"\\\n]|\\.)*" | '(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-.:]*)
  | (?P<other>.)''', re.X | re.S)


@dataclass
class _Prebind:
    """An sh:select with $this written in as a constant, for one focus node at a time.

    Oxigraph's `substitutions=` gives SHACL's pre-binding but does not use the value to look
    triples up: each call evaluates the whole query (60 ms at 150k triples, per focus node). A
    constant in the text is looked up directly. $this leaves the SELECT lists (a row's $this is
    the focus node, as rdflib hands it to pyshacl) and becomes `(node)` in GROUP BY / ORDER BY,
    where a bare constant is not allowed. The rewrite is used only if rdflib, parsing it, finds
    no $this left and Oxigraph parses it."""

    parts: list  # text; None where the node goes; ("by",) where "(node)" goes
    projects_this: bool

    @classmethod
    def make(cls, head: str, text: str) -> "_Prebind | None":
        parts: list = []
        context = None  # "select" (a projection list), "by" (GROUP BY / ORDER BY), or None
        depth = select_depth = 0
        selects = 0
        projects = False
        for m in _TOKEN.finditer(text):
            kind, tok = m.lastgroup, m.group()
            up = tok.upper() if kind == "word" else ""
            if up == "SELECT":
                context, select_depth = "select", depth
                selects += 1
            elif up in ("WHERE", "FROM") and context == "select":
                context = None
            elif up in ("GROUP", "ORDER"):
                context = "by"
            elif up in ("HAVING", "LIMIT", "OFFSET", "VALUES"):
                context = None
            elif tok == "(" and kind == "other":
                depth += 1
            elif tok == ")" and kind == "other":
                depth -= 1
            elif tok in "{}" and kind == "other":
                context = None
            top = selects == 1
            if kind == "other" and tok == "*" and context == "select" and top and depth == select_depth:
                projects = True
            if kind == "var" and tok[1:] == "this":
                if context == "select" and depth == select_depth:
                    projects = projects or top
                    continue  # dropped from the projection
                parts.append(("by",) if context == "by" and depth == 0 else None)
                continue
            parts.append(tok)
        if not any(p is None or isinstance(p, tuple) for p in parts):
            return None
        pb = cls(parts, projects)
        try:
            from rdflib.plugins.sparql import prepareQuery
            from rdflib.term import Variable

            sample = head + pb.render("<urn:x-cnocc:focus>")
            if any(isinstance(n, Variable) and str(n) == "this" for n in _walk(prepareQuery(sample).algebra)):
                return None
            list(ox.Store().query(sample))
        except Exception:
            return None
        return pb

    def render(self, node: str) -> str:
        text = "".join(f" {node} " if p is None else f" ({node}) " if isinstance(p, tuple) else p
                       for p in self.parts)
        # a SELECT list that held only $this
        return re.sub(r"(?i)\bSELECT(\s+(?:DISTINCT|REDUCED))?(\s*)(?=WHERE\b|\{)",
                      r"SELECT\1 (1 AS ?cnocc_prebound)\2", text)


def _star_free(head: str, text: str) -> str:
    """`p*` written as the same path `(p+)?`, which Oxigraph 0.5 evaluates from the bound end.

    Inside EXISTS, Oxigraph evaluates a zero-or-more path from both ends unbound, i.e. over every
    node of the graph, for every row (half a second per focus node at 150k triples, for the
    xkos:levels/rdf:rest*/rdf:first test of cs:DeclaredCountShape); `(p+)?` matches exactly the
    same pairs. Only `iri*` and `prefix:name*` are rewritten, and only if rdflib parses the
    rewritten query to the same algebra, zero-or-more paths aside."""
    out: list[str] = []
    kinds: list[str] = []
    changed = False
    for m in _TOKEN.finditer(text):
        kind, tok = m.lastgroup, m.group()
        if kind == "other" and tok == "*" and out and (
                kinds[-1] == "iri" or (kinds[-1] == "word" and (":" in out[-1] or out[-1] == "a"))):
            out[-1] = f"({out[-1]}+)?"  # only right after the predicate: "x:p *" is left alone
            changed = True
            continue
        out.append(tok)
        kinds.append(kind)
    if not changed:
        return text
    new = "".join(out)
    try:
        from rdflib.plugins.sparql import prepareQuery

        before = re.sub(r"Path\(([^()]*)\*\)", r"Path(Path(\1+)?)", repr(prepareQuery(head + text).algebra))
        after = repr(prepareQuery(head + new).algebra)
    except Exception:
        return text
    return new if before == after else text


def _strip_comments(text: str) -> str:
    return re.sub(r"#[^\n]*", "", text)


# --- generic messages -------------------------------------------------------------------------------

def _generic(comp: _Compiler, component: str, s, param, path_node) -> Callable[[Node, Node | None], str] | None:
    """pyshacl's default message for a constraint without sh:message, as a function of focus and value.

    Data nodes are named with rdflib's default prefixes, which is what pyshacl sees for a graph
    made with `Graph()` (cnocc's union of graphs)."""
    from pyshacl.rdfutil.stringify import stringify_node

    sg, dg = comp.g, Graph()

    def sgs(n) -> str:
        return stringify_node(sg, n)

    def dgs(n) -> str:
        try:
            return stringify_node(dg, n)
        except (LookupError, ValueError):
            return str(n)

    g = sg
    if component == "Class":
        rules = list(g.objects(s, SH["class"]))
        text = (f"Value does not have class {sgs(rules[0])}" if len(rules) < 2
                else "Value class is not in classes ({})".format(", ".join(sgs(c) for c in rules)))
        return lambda f, v: text
    if component == "Datatype":
        text = f"Value is not Literal with datatype {sgs(param)}"
        return lambda f, v: text
    if component == "NodeKind":
        text = f"Value is not of Node Kind {sgs(param)}"
        return lambda f, v: text
    if component == "Pattern":
        rules = list(g.objects(s, SH.pattern))
        text = (f"Value does not match pattern '{rules[0].value}'" if len(rules) < 2 else
                "Value does not match every pattern in ('{}')".format("', '".join(str(r.value) for r in rules)))
        return lambda f, v: text
    if component == "LanguageIn":
        text = f"String language is not in {sgs(param)}"
        return lambda f, v: text
    if component == "UniqueLang":
        return lambda f, v: "More than one String shares the same Language"
    if component in ("MinInclusive", "MaxInclusive", "MinExclusive", "MaxExclusive"):
        pred = {"MinInclusive": SH.minInclusive, "MaxInclusive": SH.maxInclusive,
                "MinExclusive": SH.minExclusive, "MaxExclusive": SH.maxExclusive}[component]
        op = {"MinInclusive": ">=", "MaxInclusive": "<=", "MinExclusive": ">", "MaxExclusive": "<"}[component]
        vals = list(g.objects(s, pred))
        text = (f"Value is not {op} {sgs(vals[0])}" if len(vals) < 2
                else "Value is not {} in ({})".format(op, ", ".join(sgs(c) for c in vals)))
        return lambda f, v: text
    if component in ("MinLength", "MaxLength"):
        rule = _one(g, s, SH.minLength if component == "MinLength" else SH.maxLength, str(s))
        text = f"String length not {'>=' if component == 'MinLength' else '<='} {dgs(rule)}"
        return lambda f, v: text
    if component in ("MinCount", "MaxCount"):
        n = _one(g, s, SH.minCount if component == "MinCount" else SH.maxCount, str(s)).value
        word = "Less" if component == "MinCount" else "More"
        p = sgs(path_node)
        return lambda f, v: f"{word} than {n} values on {dgs(f)}->{p}"
    if component == "HasValue":
        the_set = [sgs(x) for x in set(g.objects(s, SH.hasValue))]
        if path_node is not None:
            p = sgs(path_node)
            return lambda f, v: f"Node {dgs(f)}->{p} does not contain a value in the set: {the_set}"
        return lambda f, v: f"Node {dgs(f)} value is not a in the set of values: {the_set}"
    if component == "In":
        list1 = [sgs(x) for x in set(_items(g, param))]
        return lambda f, v: f"Value {dgs(v)} not in list {list1}"
    if component == "Not":
        nots = list(g.objects(s, SH["not"]))
        tail = (f"must not conform to shape {sgs(nots[0])}" if len(nots) == 1 else
                "must not conform to any shapes in {}".format(" , ".join(sgs(n) for n in nots)))
        return lambda f, v: f"Node {dgs(v)} {tail}"
    if component in ("And", "Or", "Xone"):
        pred = {"And": SH["and"], "Or": SH["or"], "Xone": SH.xone}[component]
        lists = list(g.objects(s, pred))
        if len(lists) < 2:
            inner = " , ".join(sgs(a) for a in g.items(lists[0]))
        else:
            inner = " and ".join("({})".format(" , ".join(sgs(a) for a in g.items(x))) for x in lists)
        what = {"And": "all shapes in", "Or": "one or more shapes in", "Xone": "exactly one shape in"}[component]
        return lambda f, v: f"Node {dgs(v)} must conform to {what} {inner}"
    if component in ("QualifiedMinCount", "QualifiedMaxCount"):
        vs = set(g.objects(s, SH.qualifiedValueShape))
        shapes_string = ",".join(sgs(x) for x in vs)
        count = ""
        if (s, SH.qualifiedMinCount, None) in g:
            count += f" MinCount {_one(g, s, SH.qualifiedMinCount, str(s)).value}"
        if (s, SH.qualifiedMaxCount, None) in g:
            count += f" MaxCount {_one(g, s, SH.qualifiedMaxCount, str(s)).value}"
        text = (f"Focus node does not conform to shapes{count}: ({shapes_string})" if len(vs) > 1
                else f"Focus node does not conform to shape{count}: {shapes_string}")
        return lambda f, v: text
    return None


# --- compiling a whole shapes graph ---------------------------------------------------------------

def _messages(g: Graph, s) -> list[Literal]:
    ms = list(g.objects(s, SH.message))
    if any(not isinstance(m, Literal) for m in ms):
        raise Unsupported(f"sh:message of {s} is not a literal")
    return ms


def _report_constraints(comp: _Compiler, s, focus: str, checks: list[_Check]) -> None:
    """Queries for every constraint of `s`, whose focus nodes `focus` binds to ?this."""
    g = comp.g
    comp.check_shape_node(s)
    msgs = [str(m) for m in _messages(g, s)]
    path = comp.path_of(s)
    path_node = next(iter(g.objects(s, SH.path)), None)
    ptext, pval = path if path else (None, None)

    def add(component: str, query: str, value: str, param) -> None:
        gen = None if msgs else _generic(comp, component, s, param, path_node)
        checks.append(_Check(query, s, C[component], pval, value, msgs, gen))

    origin = ("?this", pval) if isinstance(pval, URIRef) else None
    for component, param, ok, _ in comp.value_tests(s, "?this" if ptext is None else "?value", 0, origin):
        if ptext is None:
            add(component, f"SELECT ?this WHERE {{ {focus} FILTER(!{ok}) }}", "this", param)
        else:
            add(component, f"SELECT DISTINCT ?this ?value WHERE {{ {focus} ?this {ptext} ?value FILTER(!{ok}) }}",
                "value", param)
    for hv in g.objects(s, SH.hasValue):
        if ptext is None:
            q = f"SELECT ?this WHERE {{ {focus} FILTER(!sameTerm(?this, {_nt(hv)})) }}"
        else:
            q = f"SELECT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {ptext} ?v FILTER(sameTerm(?v, {_nt(hv)})) }} }}"
        add("HasValue", q, "none", hv)
    if ptext is None:
        for p in (SH.minCount, SH.maxCount, SH.uniqueLang, SH.qualifiedValueShape):
            if (s, p, None) in g:
                raise Unsupported(f"{p} on node shape {s}")
        for ps in g.objects(s, SH.property):
            comp.check_shape_node(ps)
            if comp.path_of(ps) is None:
                raise Unsupported(f"sh:property {ps} of {s} has no sh:path")
            if (ps, SH.property, None) in g:
                raise Unsupported(f"property shape {ps} has its own sh:property (results on value nodes)")
            if (ps, SH.sparql, None) in g:
                raise Unsupported(f"sh:sparql on property shape {ps}")
            _report_constraints(comp, ps, focus, checks)
        return
    if (s, SH.property, None) in g:
        raise Unsupported(f"property shape {s} has its own sh:property (results on value nodes)")
    if (s, SH.minCount, None) in g:
        n = _int_param(g, s, SH.minCount)
        if n == 1:
            # FILTER NOT EXISTS, not MINUS: Oxigraph answers MINUS by matching its pattern for every
            # node of the graph, NOT EXISTS by a lookup per focus node (?this is always bound
            # here, so both mean the same): at 1M these checks took 2.6 s, now 1.2 s
            add("MinCount", f"SELECT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {ptext} ?v }} }}", "none", n)
        elif n > 1:
            add("MinCount", f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this {ptext} ?v }} }} "
                            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {n})", "none", n)
    if (s, SH.maxCount, None) in g:
        n = _int_param(g, s, SH.maxCount)
        add("MaxCount", f"SELECT ?this WHERE {{ {focus} ?this {ptext} ?v }} "
                        f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {n})", "none", n)
    if (s, SH.uniqueLang, None) in g and comp.unique_lang(s):
        # one result per language used twice, without a value: pyshacl's way
        add("UniqueLang", f"SELECT ?this ?lang WHERE {{ {focus} ?this {ptext} ?v FILTER(isLiteral(?v) && LANG(?v) != \"\") }} "
                          f"GROUP BY ?this (LCASE(LANG(?v)) AS ?lang) HAVING (COUNT(DISTINCT ?v) > 1)", "none", True)
    for q, lo, hi in comp.qualified(s):
        v = comp.var()
        conf = comp.conforms(q, v, 1, origin)
        if lo is not None and lo == 1:
            add("QualifiedMinCount", f"SELECT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {ptext} {v} FILTER({conf}) }} }}",
                "none", lo)
        elif lo is not None and lo > 1:
            add("QualifiedMinCount", f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this {ptext} {v} FILTER({conf}) }} }} "
                                     f"GROUP BY ?this HAVING (COUNT(DISTINCT {v}) < {lo})", "none", lo)
        if hi is not None:
            add("QualifiedMaxCount", f"SELECT ?this WHERE {{ {focus} ?this {ptext} {v} FILTER({conf}) }} "
                                     f"GROUP BY ?this HAVING (COUNT(DISTINCT {v}) > {hi})", "none", hi)


def compile_shapes(shapes: Graph) -> CompiledShapes:
    """Translate every shape with targets into queries; raise Unsupported for anything left over."""
    comp = _Compiler(shapes)
    g = shapes
    checks: list[_Check] = []
    sparql_checks: list[_SparqlCheck] = []
    candidates = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape))
    for t in _TARGETS | {SH.target}:
        candidates |= set(g.subjects(t, None))
    for s in sorted(candidates, key=_term_key):
        if (s, SH.target, None) in g:
            raise Unsupported(f"{s} uses sh:target (SPARQL-based targets)")
        focus = comp.focus(s)
        if focus is None:
            # Validated only through other shapes: compile its conformance to refuse what it cannot express.
            if (s, SH.sparql, None) in g:
                comp.check_shape_node(s)
                _compile_sparql(comp, s, "{ }", [])
            else:
                comp.conforms(s, "?x")
            continue
        _report_constraints(comp, s, focus, checks)
        if (s, SH.sparql, None) in g:
            if comp.path_of(s) is not None:
                raise Unsupported(f"sh:sparql on property shape {s}")
            sparql_checks += _compile_sparql(comp, s, focus, _messages(g, s))
    # Nothing SHACL may remain that no compiled shape owns: rules, functions, custom components...
    lists = set()
    for n in comp.consumed:
        if isinstance(n, BNode) and (n, RDF.first, None) in g:
            lists |= set(_list_nodes(g, n))
    for s, p, o in g:
        shacl = str(p).startswith(str(SH)) or (p == RDF.type and str(o).startswith(str(SH)))
        if shacl and p not in _INERT and s not in comp.consumed and s not in lists \
                and not (p == RDF.type and o == SH.PrefixDeclaration):
            raise Unsupported(f"{s} {p} {o}: not part of any shape the compiler translates")
    funcs = {
        _FN_DATATYPE: _fn_datatype,
        _FN_PATTERN: _pattern_function(comp.patterns),
        _FN_RANGE: _range_function(comp.ranges),
        _FN_WRITTEN: _written_function(None),  # replaced per run by one that knows the literals as written
    }
    compiled = CompiledShapes(checks, sparql_checks, funcs, comp.blind)
    scratch = ox.Store()
    for q in compiled.queries():  # a query Oxigraph cannot parse is refused now, not mid-build
        try:
            list(scratch.query(q, custom_functions=funcs))
        except SyntaxError as e:
            raise Unsupported(f"Oxigraph cannot run a compiled query: {e}\n{q}") from e
    return compiled


def _list_nodes(g: Graph, head) -> Iterable:
    while head is not None and head != RDF.nil:
        yield head
        head = g.value(head, RDF.rest)


def _pattern_function(patterns: list[re.Pattern]):
    def fn(s, idx):
        if not isinstance(s, ox.Literal):
            return None
        rx = patterns[int(idx.value)]
        return _as_bool(bool(rx.match(s.value) or rx.search(s.value)))
    return fn


def _range_function(ranges: list[tuple]):
    """pyshacl's comparison of a value with sh:min/maxIn/Exclusive, on rdflib literals: rdflib orders
    literals its own way (and refuses some pairs), which SPARQL's operators do not reproduce."""
    from pyshacl.rdfutil.compare import compare_literal

    conv = Converter()

    @lru_cache(maxsize=1 << 16)
    def decide(v, idx: int) -> bool:
        pred, bound = ranges[idx]
        if not isinstance(v, ox.Literal):
            return False
        lit = conv.from_ox(v)
        bound_is_str, v_is_str = isinstance(bound.value, str), isinstance(lit.value, str)
        if bound_is_str != v_is_str:
            return False
        try:
            if pred in (SH.minInclusive, SH.minExclusive):
                cmp = compare_literal(lit, bound)
                return cmp >= 0 if pred == SH.minInclusive else cmp > 0
            cmp = compare_literal(lit, bound)
            return cmp <= 0 if pred == SH.maxInclusive else cmp < 0
        except (TypeError, NotImplementedError):
            return False

    def fn(v, idx):
        return _as_bool(decide(v, int(idx.value)))
    return fn


# --- running --------------------------------------------------------------------------------------

def _format(msg: str, bound: list[tuple[str, object]]) -> str:
    """pyshacl's substitution of {?var}/{$var}, replacement text and all (re.sub reads backslashes in it)."""
    for var, val in bound:
        msg = re.sub("{{[?$]{}}}".format(var), str(val), msg)
    return msg


def validate_store(store: ox.Store, data_graphs: list[ox.NamedNode], shapes: CompiledShapes,
                   written: Converter | None = None) -> list[Violation]:
    """Every violation of the compiled shapes by the union of `data_graphs`, sorted.

    `written` is the Converter that loaded the data: it remembers typed literals as written, which
    the store does not (it keeps "5"^^xsd:positiveInteger as "5"^^xsd:integer). With it, sh:datatype
    on integer and dateTime families and the reported values are pyshacl's; without it, see
    `CompiledShapes.blind_spots`."""
    conv = Converter()
    fr = conv.from_ox
    out: list[Violation] = []
    funcs = dict(shapes.custom_functions)
    funcs[_FN_WRITTEN] = _written_function(written)
    opts = {"default_graph": list(data_graphs), "custom_functions": funcs}
    restore = _restorer(written, fr)
    closures: dict = {}
    for c in sorted(shapes.classes()):
        subs = [r["t"] for r in store.query(f"SELECT DISTINCT ?t WHERE {{ ?t <{RDFS_SUBCLASS}>+ <{c}> }}",
                                            default_graph=list(data_graphs))]
        if all(isinstance(t, ox.NamedNode) for t in subs):
            closures[c] = [c] + sorted({t.value for t in subs} - {c})
        else:
            closures[c] = None  # a blank node cannot be named: keep the (slow) path
    for c in shapes.checks:
        for row in store.query(_expand_classes(c.query, closures), **opts):
            focus = fr(row["this"])
            if c.value == "this":
                value = focus
            elif c.value == "value":
                value = restore(row["this"], c.path, row["value"])
            else:
                value = None
            if c.messages:
                msg = "\n".join(sorted(set(c.messages)))
            else:
                msg = c.generic(focus, value) if c.generic else ""
            out.append(Violation(_norm(focus), c.shape, c.component, c.path, _norm(value), msg))
    sensitive = [sc for sc in shapes.sparql_checks if sc.sensitive]
    merged = _merged_copy(store, data_graphs, sensitive) if sensitive else None
    for sc in shapes.sparql_checks:
        if sc.sensitive and merged is not None:
            out += _run_sparql(merged, sc, {"custom_functions": funcs}, fr)
        else:
            out += _run_sparql(store, sc, opts, fr)
    return _sorted(out)


def _merged_copy(store: ox.Store, data_graphs: list, checks: list) -> ox.Store | None:
    """The data graphs as one set of triples, limited to the predicates `checks` read, if they share
    any of those triples; None when counting over the union is already right."""
    if len(data_graphs) < 2:
        return None
    preds: set | None = set()
    for c in checks:
        if c.predicates is None:
            preds = None
            break
        preds |= c.predicates
    values = "" if preds is None else "VALUES ?p { " + " ".join(f"<{p}>" for p in sorted(preds)) + " } "
    shared = store.query(f"ASK {{ {values}GRAPH ?a {{ ?s ?p ?o }} GRAPH ?b {{ ?s ?p ?o }} FILTER(?a != ?b) }}",
                         named_graphs=list(data_graphs))
    if not bool(shared):
        return None
    merged = ox.Store()
    for g in data_graphs:
        for p in ([None] if preds is None else [ox.NamedNode(x) for x in sorted(preds)]):
            merged.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, p, None, g))
    return merged


_scratch = ox.Store()
_scratch_node = ox.NamedNode("urn:x-cnocc:scratch")


@lru_cache(maxsize=1 << 16)
def _store_form(lit: ox.Literal) -> ox.Literal:
    """The literal as Oxigraph keeps it: canonical lexical form, integer subtypes as xsd:integer."""
    _scratch.add(ox.Quad(_scratch_node, _scratch_node, lit))
    back = next(iter(_scratch)).object
    _scratch.clear()
    return back


def _originals(written: Converter, subject, predicate, value) -> list:
    return [c for c in written.typed.get((subject, predicate), ()) if _store_form(c) == value]


def _written_function(written: Converter | None):
    """sh:datatype for literals the store may have retyped: decided on the literal as written."""
    def fn(s, p, v, d):
        if not isinstance(v, ox.Literal):
            return _FALSE
        if written is not None and isinstance(p, ox.NamedNode):
            originals = _originals(written, s, p, v)
            if originals:
                return _as_bool(all(c.datatype == d and _rdflib_accepts(c.value, d.value) for c in originals))
        return _as_bool(_rdflib_accepts(v.value, d.value))  # taken as written with the expected datatype
    return fn


def _restorer(written: Converter | None, fr):
    """A reported value as written, where the store rewrote it and the triple says which one it was."""
    def restore(subject, path, value):
        if written is None or not isinstance(value, ox.Literal):
            return fr(value)
        # (Language tags stay lower-cased: the Converter keeps one spelling per tag, not per literal.)
        if isinstance(path, URIRef) and value.datatype.value.startswith(XSDNS):
            originals = _originals(written, subject, ox.NamedNode(str(path)), value)
            if len(originals) == 1:
                return fr(originals[0])
        return fr(value)
    return restore


def _run_sparql(store: ox.Store, sc: _SparqlCheck, opts: dict, fr) -> list[Violation]:
    rows_by_focus: dict = defaultdict(list)
    if sc.bulk_query is not None:
        res = store.query(sc.bulk_query, **opts)
        names = [v.value for v in res.variables]
        for row in res:
            rows_by_focus[row["this"]].append({n: row[n] for n in names if row[n] is not None})
    else:
        foci = [r["this"] for r in store.query(sc.focus_query, **opts)]
        head = sc.select[:sc.select.index("\n\n") + 2]
        for f in foci:
            if sc.prebind is not None and not isinstance(f, ox.BlankNode):  # a blank node cannot be written in
                res = store.query(head + sc.prebind.render(str(f)), **opts)
                extra = {"this": f} if sc.prebind.projects_this else {}
            else:
                res = store.query(sc.select, substitutions={ox.Variable("this"): f}, **opts)
                extra = {}
            names = [v.value for v in res.variables if v.value != "cnocc_prebound"]
            rows_by_focus[f] += [extra | {n: row[n] for n in names if row[n] is not None} for row in res]
    out = []
    for f_ox, rows in rows_by_focus.items():
        f = fr(f_ox)
        seen = []
        for row in rows:
            d = {k: fr(v) for k, v in row.items()}
            d = {k: d[k] for k in sc.names if k in d}  # the query's own order, as rdflib gives it to pyshacl
            p, v, t = d.pop("path", None), d.pop("value", None), d.pop("this", None)
            if p is None and v is None and t is None:
                continue  # pyshacl keeps only rows that bind $this, ?path or ?value
            key = (t, p, v, d)
            if key in seen:
                continue
            seen.append(key)
            if v is None:
                v = f  # a node shape's violation is about the focus node itself
            bound = list(d.items()) + [(k, x) for k, x in (("this", t), ("path", p), ("value", v)) if x is not None]
            msgs = [_format(str(m), bound) for m in sc.own_messages if m not in sc.shape_messages]
            msgs += [_format(str(m), bound) for m in sc.shape_messages]
            path = p if isinstance(p, URIRef) or p is None else p
            out.append(Violation(_norm(t or f), sc.shape, C["SPARQL"], path, _norm(v), "\n".join(sorted(set(msgs)))))
    return out


# --- the reference ----------------------------------------------------------------------------------

def _path_value(g: Graph, node):
    if node is None or isinstance(node, URIRef):
        return node
    if (node, RDF.first, None) in g:
        return tuple(_path_value(g, x) for x in Collection(g, node))
    inv = g.value(node, SH.inversePath)
    if inv is not None:
        return ("^", inv)
    return node


def pyshacl_violations(data: Graph, shapes: Graph, inplace: bool = False) -> list[Violation]:
    """pyshacl's answer, run as cnocc.validate.report runs it, as sorted Violations.

    `inplace=True` only spares pyshacl its copy of the data graph (made in advanced mode for
    sh:rule, which writes to the data; with no rules nothing does): most of pyshacl's time when
    a shape has few focus nodes, as in the tests that validate many broken copies."""
    from pyshacl import validate as shacl_validate

    _, report, _ = shacl_validate(data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=False,
                                  inplace=inplace)
    out = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        if report.value(r, SH.resultSeverity) != SH.Violation:
            raise Unsupported(f"pyshacl reported a {report.value(r, SH.resultSeverity)}")
        msgs = sorted({str(m) for m in report.objects(r, SH.resultMessage)})
        out.append(Violation(
            focus=_norm(report.value(r, SH.focusNode)),
            shape=report.value(r, SH.sourceShape),
            component=report.value(r, SH.sourceConstraintComponent),
            path=_path_value(report, report.value(r, SH.resultPath)),
            value=_norm(report.value(r, SH.value)),
            message="\n".join(msgs),
        ))
    return _sorted(out)
