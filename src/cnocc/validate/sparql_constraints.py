"""SPARQL-based constraints (sh:sparql): the query as pyshacl runs it (its prefixes, $this
substituted), and when it may run once for all focus nodes instead of once per node.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from cnocc.model.vocab import SH
from cnocc.validate.common import _SPARQL_CONSTRAINT_KEYS, _one, _SparqlCheck
from cnocc.validate.results import Unsupported

if TYPE_CHECKING:
    from cnocc.validate.compiler import _Compiler


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


