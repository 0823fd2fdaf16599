"""What a compiled validation returns: `Violation`s in pyshacl's terms, sorted as the reference sorts them,
and `Unsupported` for shapes the compiler does not translate (the caller then asks pyshacl).

What the store cannot show (Oxigraph rewrites some literals when it stores them) is `STORE_LIMITS`,
listed per compiled shapes graph in `CompiledShapes.blind_spots`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

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


