"""pyshacl's default messages for the core constraint components, for shapes without sh:message."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rdflib import Graph
from rdflib.term import Node

from cnocc.model.vocab import SH
from cnocc.validate.common import _items, _one

if TYPE_CHECKING:
    from cnocc.validate.compiler import _Compiler


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


