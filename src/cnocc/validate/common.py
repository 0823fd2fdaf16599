"""What every part of the compiler shares: constants, the names of the run-time functions the queries
call, terms as the store holds them, and the compiled checks (`CompiledShapes`) themselves.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, XSD
from rdflib.term import Node

from cnocc.model.terms import Converter
from cnocc.model.vocab import SH
from cnocc.validate.results import Path, Unsupported

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




_scratch = ox.Store()
_scratch_node = ox.NamedNode("urn:x-cnocc:scratch")


@lru_cache(maxsize=1 << 16)
def _store_form(lit: ox.Literal) -> ox.Literal:
    """The literal as Oxigraph keeps it: canonical lexical form, integer subtypes as xsd:integer."""
    _scratch.add(ox.Quad(_scratch_node, _scratch_node, lit))
    back = next(iter(_scratch)).object
    _scratch.clear()
    return back


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


if TYPE_CHECKING:
    from cnocc.validate.sparql_constraints import _Prebind
