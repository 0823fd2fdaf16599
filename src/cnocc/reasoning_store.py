"""The OWL 2 RL closure cnocc needs, as SPARQL Update rules run to a fixpoint in the store.

owlrl (see `reasoning.py`) stays the reference: it implements all of OWL 2 RL, but over rdflib
it takes minutes at a hundred thousand triples. cnocc's schema uses a handful of constructs —
sub-properties, inverses, transitive and symmetric properties, domains, ranges, sub-classes — and
each of those OWL 2 RL rules (prp-spo1, prp-inv1/2, prp-trp, prp-symp, prp-dom, prp-rng, cax-sco,
cax-eqc, prp-eqp) is one SPARQL INSERT here. The rules read the asserted graphs plus the
standard axioms and write only triples not already there into the inferred graph; the loop stops
when a round adds nothing. Then the same filter as the owlrl path removes what says nothing about
the data. If the schema uses anything else from OWL (class expressions, sameAs, keys, disjointness
…), or a functional property has two values (which would make owlrl derive owl:sameAs), the
closure is not this simple and `Unsupported` sends the build back to owlrl.

`tests/test_reasoning_differential.py` checks that the two give the same triples.
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox
from rdflib.namespace import OWL, RDF, RDFS

from .reasoning import TRIVIAL_TYPES

OWL_NS = str(OWL)
XSD_NS = "http://www.w3.org/2001/XMLSchema#"

# OWL terms the rules below cover, or that derive nothing cnocc keeps.
HANDLED = {str(t) for t in (
    OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.Ontology,
    OWL.versionInfo, OWL.inverseOf, OWL.TransitiveProperty, OWL.SymmetricProperty, OWL.FunctionalProperty,
    OWL.equivalentClass, OWL.equivalentProperty, OWL.Thing, OWL.imports, OWL.priorVersion,
    OWL.versionIRI, OWL.deprecated, OWL.NamedIndividual,
)}


class Unsupported(Exception):
    """The data or schema needs OWL 2 RL rules this path does not run."""


def _iri(t) -> str:
    return f"<{t}>"


# Semi-naive evaluation: each round, a rule reads its data premise from <delta> (what the last
# round derived; the whole input in the first round), its other premises from the default graph
# (everything so far), and writes to <new> what the default graph does not hold yet. Each rule is
# written out once per schema pair (sub-property, domain, …) of the current round.
NEW = "<urn:x-cnocc:new>"
INF = "<urn:x-cnocc:inferred>"
DELTA = "<urn:x-cnocc:delta>"
AXIOMS = "<urn:x-cnocc:axioms>"

SCHEMA = {  # rule: (schema query, its variables, data premise, head, extra filter)
    "prp-spo1": ("SELECT DISTINCT ?p ?q WHERE { { ?p rdfs:subPropertyOf ?q } UNION { ?p owl:equivalentProperty ?q } "
                 "UNION { ?q owl:equivalentProperty ?p } FILTER (?p != ?q) }", "?p ?q", "?x ?p ?y", "?x ?q ?y", ""),
    "prp-inv": ("SELECT DISTINCT ?p ?q WHERE { { ?p owl:inverseOf ?q } UNION { ?q owl:inverseOf ?p } }",
                "?p ?q", "?x ?p ?y", "?y ?q ?x", "FILTER (!isLiteral(?y))"),
    "prp-symp": ("SELECT DISTINCT ?p WHERE { ?p a owl:SymmetricProperty }", "?p", "?x ?p ?y", "?y ?p ?x",
                 "FILTER (!isLiteral(?y))"),
    "prp-dom": ("SELECT DISTINCT ?p ?c WHERE { ?p rdfs:domain ?c }", "?p ?c", "?x ?p ?y", "?x a ?c", ""),
    "prp-rng": ("SELECT DISTINCT ?p ?c WHERE { ?p rdfs:range ?c }", "?p ?c", "?x ?p ?y", "?y a ?c",
                "FILTER (!isLiteral(?y))"),
    "cax-sco": ("SELECT DISTINCT ?c ?d WHERE { { ?c rdfs:subClassOf ?d } UNION { ?c owl:equivalentClass ?d } "
                "UNION { ?d owl:equivalentClass ?c } FILTER (?c != ?d) }", "?c ?d", "?x a ?c", "?x a ?d", ""),
}


def _rules(work: ox.Store, first: bool) -> list[str]:
    """This round's updates, with the schema as it stands (a rule may have derived schema triples)."""
    open_, close = ("", "") if first else ("GRAPH " + DELTA + " {", "}")
    out = []
    for name, (query, variables, premise, head, extra) in sorted(SCHEMA.items()):
        names = variables.split()
        for sol in work.query(query, prefixes=PREFIXES):
            # the schema's terms written into the rule, so the store reads its index on that property
            # or class (bound with VALUES instead, its plan scans the whole delta once per pair)
            bind = {v: str(sol[v[1:]]) for v in names}
            h, pr = head, premise
            for v, term in bind.items():
                h, pr = h.replace(v, term), pr.replace(v, term)
            # distinct conclusions first, then one anti-join (Oxigraph runs FILTER NOT EXISTS row by row)
            keep = " ".join(sorted({v for v in ("?x", "?y") if v in h}))
            out.append("INSERT { GRAPH " + NEW + " { " + h + " } } WHERE { { SELECT DISTINCT " + keep + " WHERE { " +
                       open_ + " " + pr + " . " + close + " " + extra + " } } MINUS { " + h + " } }")
    return out


PREFIXES = {"rdf": str(RDF), "rdfs": str(RDFS), "owl": OWL_NS}


def _transitive_closure(work: ox.Store) -> None:
    """prp-trp: add to <new> every link the transitive properties imply and nothing holds yet.

    The one rule with two data premises. As a SPARQL join, Oxigraph's plan for it grows faster
    than the graph (47 s for one round at 300k triples); a walk from each node over the links in
    the default graph and <new> takes a second at a million, so it runs here instead."""
    new_g = ox.NamedNode(NEW[1:-1])
    for sol in work.query("SELECT DISTINCT ?p WHERE { ?p a owl:TransitiveProperty }", prefixes=PREFIXES):
        p = sol["p"]
        succ: dict = {}
        have = set()
        for g in (ox.DefaultGraph(), new_g):
            for q in work.quads_for_pattern(None, p, None, g):
                succ.setdefault(q.subject, []).append(q.object)
                have.add((q.subject, q.object))
        add = []
        for start, firsts in succ.items():
            seen, stack = set(), list(firsts)
            while stack:
                n = stack.pop()
                if n in seen:
                    continue
                seen.add(n)
                stack.extend(succ.get(n, ()))
            add.extend(ox.Quad(start, p, z, new_g) for z in seen if (start, z) not in have)
        work.extend(add)


def _check(store: ox.Store, graphs: list[ox.NamedNode]) -> None:
    """Refuse what the rules do not cover, before running any of them."""
    used = store.query(
        "SELECT DISTINCT ?t WHERE { { ?s ?t ?o } UNION { ?s a ?t } UNION { ?s ?p ?t . FILTER (?p != rdf:type) } "
        "FILTER (isIRI(?t) && STRSTARTS(STR(?t), STR(owl:))) }", prefixes=PREFIXES, default_graph=graphs)
    unknown = sorted(s["t"].value for s in used if s["t"].value not in HANDLED)
    if unknown:
        raise Unsupported("the schema uses OWL terms the store rules do not cover: " + ", ".join(unknown))
    if store.query("ASK { ?p a owl:FunctionalProperty . ?x ?p ?a, ?b . FILTER (!sameTerm(?a, ?b)) }",
                   prefixes=PREFIXES, default_graph=graphs):
        raise Unsupported("a functional property has two values: OWL 2 RL derives owl:sameAs from that")
    if store.query("ASK { ?p a owl:FunctionalProperty . ?q rdfs:subPropertyOf|owl:equivalentProperty|^owl:equivalentProperty|owl:inverseOf|^owl:inverseOf ?p }",
                   prefixes=PREFIXES, default_graph=graphs):
        raise Unsupported("a functional property has sub-properties or inverses: its values are not checked here")


def _count(store: ox.Store, graph: str) -> int:
    return int(next(iter(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}")))["n"].value)


def infer_in_store(store: ox.Store, asserted: list[ox.NamedNode], axioms: ox.NamedNode, out: ox.NamedNode,
                   progress: Callable[[str], None] | None = None) -> int:
    """Fill graph `out` with what OWL 2 RL derives from `asserted` and `axioms`; return its size.

    The rules run in a scratch store whose default graph holds the input and grows with what is
    derived, so every pattern and property path reads one graph; <inferred> collects the new triples.
    """
    _check(store, [*asserted, axioms])
    work = ox.Store()
    work.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for g in [*asserted, axioms]
                     for q in store.quads_for_pattern(None, None, None, g))
    work.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(AXIOMS[1:-1]))
                     for q in store.quads_for_pattern(None, None, None, axioms))
    rounds = 0
    while True:
        for u in _rules(work, first=rounds == 0):
            work.update(u, prefixes=PREFIXES)
        _transitive_closure(work)
        rounds += 1
        new = _count(work, NEW)
        if progress:
            progress(f"round {rounds}: {new} new triples")
        if new == 0:
            break
        work.update(f"ADD {NEW} TO DEFAULT ; ADD {NEW} TO {INF} ; DROP SILENT GRAPH {DELTA} ; MOVE {NEW} TO {DELTA}")
    triples = _data_only(work)
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, out) for t in triples)
    return len(triples)


DROPPED_P = {ox.NamedNode(str(t)) for t in (OWL.sameAs, OWL.differentFrom, OWL.disjointWith, RDFS.subClassOf,
                                            RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty,
                                            RDFS.domain, RDFS.range, OWL.inverseOf)}
TRIVIAL = {ox.NamedNode(str(t)) for t in TRIVIAL_TYPES} | {ox.NamedNode(str(RDFS.Datatype))}
TYPE = ox.NamedNode(str(RDF.type))


def _data_only(work: ox.Store) -> list[ox.Triple]:
    """The same filter as `reasoning._keep`: nothing about the vocabularies, nothing trivial."""
    vocab = {r["s"] for r in work.query(
        f"SELECT DISTINCT ?s WHERE {{ {{ GRAPH {AXIOMS} {{ ?s ?p ?o }} }} UNION "
        "{ ?s a ?k . VALUES ?k { owl:Class owl:ObjectProperty owl:DatatypeProperty owl:Ontology } } }", prefixes=PREFIXES)}
    out = []
    for q in work.quads_for_pattern(None, None, None, ox.NamedNode(INF[1:-1])):
        s, p, o = q.subject, q.predicate, q.object
        if not isinstance(s, ox.NamedNode) or s in vocab or p in DROPPED_P or (p == TYPE and o in TRIVIAL):
            continue
        out.append(ox.Triple(s, p, o))
    return out


def restore_literals(store: ox.Store, graphs: list[ox.NamedNode], triples: list[ox.Triple], conv) -> list[ox.Triple]:
    """Give inferred triples the literals as written, where the store changed them.

    The store keeps "3"^^xsd:positiveInteger as "3"^^xsd:integer; a rule copying it (batchNumber →
    schema:position) copies the store's form. Rules move a literal only up the property hierarchy
    of the same subject, so the original is a literal of that subject under the property or one of
    its sub-properties; if two of those look alike in the store, which one was meant cannot be
    told, and owlrl takes over.
    """
    subs: dict = {}
    for row in store.query("SELECT ?p ?q WHERE { ?p (rdfs:subPropertyOf|owl:equivalentProperty|^owl:equivalentProperty)+ ?q }",
                           prefixes=PREFIXES, default_graph=graphs):
        subs.setdefault(row["q"], set()).add(row["p"])
    scratch = ox.Store()
    p = ox.NamedNode("urn:x-cnocc:literal")
    out = []
    for t in triples:
        o = t.object
        if isinstance(o, ox.Literal) and o.datatype.value.startswith(XSD_NS):
            written = set()
            for prop in subs.get(t.predicate, ()):
                written |= conv.typed.get((t.subject, prop), set())
            originals = {c for c in written if _stored(scratch, p, t.subject, c) == o}
            if len(originals) > 1:
                raise Unsupported(f"{t.subject} has literals the store cannot tell apart: {sorted(map(str, originals))}")
            if originals:
                t = ox.Triple(t.subject, t.predicate, originals.pop())
        out.append(t)
    return out


def _stored(scratch: ox.Store, p: ox.NamedNode, s, lit: ox.Literal) -> ox.Literal:
    q = ox.Quad(s, p, lit)
    scratch.add(q)
    back = next(iter(scratch.quads_for_pattern(s, p, None))).object
    scratch.clear()
    return back


def infer_graph(asserted, axioms) -> list[ox.Triple]:
    """The store path on rdflib graphs, for comparing it with `reasoning.infer` on the same input."""
    from .oxterms import Converter, load_graphs

    conv = Converter()
    store = ox.Store()
    load_graphs(store, {"asserted": asserted, "axioms": axioms}, conv)
    data = [ox.NamedNode(f"https://w3id.org/cnocc/graph/{n}") for n in ("asserted", "axioms")]
    out = ox.NamedNode("https://w3id.org/cnocc/graph/inferred")
    infer_in_store(store, data[:1], data[1], out)
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, out)]
    return restore_literals(store, data, triples, conv)
