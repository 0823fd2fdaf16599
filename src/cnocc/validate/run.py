"""Running compiled shapes in a pyoxigraph store, and restoring the literals as they were written."""

from __future__ import annotations

import re
from collections import defaultdict

import pyoxigraph as ox
from rdflib import URIRef

from cnocc.model.terms import Converter
from cnocc.validate.common import (
    _FALSE,
    _FN_WRITTEN,
    RDFS_SUBCLASS,
    XSDNS,
    C,
    CompiledShapes,
    _expand_classes,
    _SparqlCheck,
    _store_form,
)
from cnocc.validate.compat import _as_bool, rdflib_accepts
from cnocc.validate.results import Violation, _norm, _sorted

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
                return _as_bool(all(c.datatype == d and rdflib_accepts(c.value, d.value) for c in originals))
        return _as_bool(rdflib_accepts(v.value, d.value))  # taken as written with the expected datatype
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


