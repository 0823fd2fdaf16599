"""A whole shapes graph compiled: every node and property shape's checks, the run-time functions they
need, and what the store cannot show (`compile_shapes`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF

from cnocc.model.terms import Converter
from cnocc.model.vocab import SH
from cnocc.validate.common import (
    _FN_DATATYPE,
    _FN_PATTERN,
    _FN_RANGE,
    _FN_WRITTEN,
    _INERT,
    _TARGETS,
    C,
    CompiledShapes,
    _Check,
    _int_param,
    _nt,
    _SparqlCheck,
)
from cnocc.validate.compat import _as_bool, _fn_datatype
from cnocc.validate.compiler import _Compiler
from cnocc.validate.messages import _generic
from cnocc.validate.results import Unsupported, _term_key
from cnocc.validate.run import _written_function
from cnocc.validate.sparql_constraints import _compile_sparql

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


