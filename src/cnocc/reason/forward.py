"""The OWL 2 RL closure cnocc needs, by forward chaining over the properties the rules touch.

owlrl (see `reasoning.py`) stays the reference: it implements all of OWL 2 RL, but over rdflib
it takes minutes at a hundred thousand triples. cnocc's schema uses a handful of constructs —
sub-properties, inverses, transitive and symmetric properties, domains, ranges, sub-classes — and
every OWL 2 RL rule for those (prp-spo1, prp-eqp, prp-inv1/2, prp-symp, prp-dom, prp-rng, cax-sco,
cax-eqc) has a single data premise, so one pass of a work list over the triples they read, each
derived triple joining the list, reaches the fixpoint; prp-trp, the one rule with two, is a walk
over each transitive property's links. Only the triples of the properties some rule reads or
writes are taken from the store (a third of the graph at a million triples). Then the same
filter as the owlrl path removes what says nothing about the data. If the schema uses anything
else from OWL (class expressions, sameAs, keys, disjointness …), or a functional property has two
values (which would make owlrl derive owl:sameAs), the closure is not this simple and
`Unsupported` sends the build back to owlrl.

An earlier version ran each rule as a SPARQL update to a fixpoint in a scratch store: 35 s at a
million triples, most of it copying each round's triples between graphs; this takes a few seconds.

`tests/test_reasoning_differential.py` checks that the two give the same triples.
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox
from rdflib.namespace import OWL, RDF, RDFS

from cnocc.model.vocab import PREFIX_IRIS
from cnocc.reason.reference import TRIVIAL_TYPES

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


PREFIXES = PREFIX_IRIS  # rdf:, rdfs:, owl: in the queries below
SCHEMA_P = {str(t) for t in (RDFS.subPropertyOf, OWL.equivalentProperty, OWL.inverseOf, RDFS.domain, RDFS.range,
                              RDFS.subClassOf, OWL.equivalentClass)}
TYPE = ox.NamedNode(str(RDF.type))


class _Schema:
    """The pairs each rule reads from the schema: one step of each, the closure comes from the rounds."""

    def __init__(self, facts: dict) -> None:
        def pairs(iri) -> set:
            return set(facts.get(ox.NamedNode(str(iri)), ()))

        def typed(cls) -> set:
            c = ox.NamedNode(str(cls))
            return {x for x, k in facts.get(TYPE, ()) if k == c}

        def index(ps, reflexive: bool = False) -> dict:
            out: dict = {}
            for a, b in sorted(ps, key=str):
                if a != b or reflexive:
                    out.setdefault(a, []).append(b)
            return out

        eqp, eqc, inv = pairs(OWL.equivalentProperty), pairs(OWL.equivalentClass), pairs(OWL.inverseOf)
        self.sup = index(pairs(RDFS.subPropertyOf) | eqp | {(b, a) for a, b in eqp})       # prp-spo1, prp-eqp
        self.inv = index(inv | {(b, a) for a, b in inv}, reflexive=True)                  # prp-inv1/2
        self.sym = typed(OWL.SymmetricProperty)                                          # prp-symp
        self.trans = sorted(typed(OWL.TransitiveProperty), key=str)                      # prp-trp
        self.dom = index(pairs(RDFS.domain))                                             # prp-dom
        self.rng = index(pairs(RDFS.range))                                              # prp-rng
        self.sco = index(pairs(RDFS.subClassOf) | eqc | {(b, a) for a, b in eqc})        # cax-sco, cax-eqc
        self.key = (self.sup, self.inv, self.sym, self.trans, self.dom, self.rng, self.sco)

    def predicates(self) -> set:
        """Every property a rule reads or writes: the triples the closure has to hold."""
        out = {ox.NamedNode(p) for p in SCHEMA_P} | {TYPE, *self.sym, *self.trans}
        for d in (self.sup, self.inv):
            out |= set(d) | {q for qs in d.values() for q in qs}
        return out | set(self.dom) | set(self.rng)


def _load(store: ox.Store, graphs: list, predicates: set) -> dict:
    facts: dict = {}
    for p in sorted(predicates, key=str):
        pairs = facts.setdefault(p, set())
        for g in graphs:
            pairs.update((q.subject, q.object) for q in store.quads_for_pattern(None, p, None, g))
    return facts


def _walk(pairs: set) -> list:
    """prp-trp: the links a transitive property's links imply that it does not hold yet.

    As a SPARQL join, Oxigraph's plan for this rule grows faster than the graph (47 s for one
    round at 300k triples); a walk from each node takes a fraction of a second at a million."""
    succ: dict = {}
    for s, o in pairs:
        succ.setdefault(s, []).append(o)
    out = []
    for start, firsts in succ.items():
        seen, stack = set(), list(firsts)
        while stack:
            n = stack.pop()
            if n not in seen:
                seen.add(n)
                stack.extend(succ.get(n, ()))
        out.extend((start, z) for z in seen if (start, z) not in pairs)
    return out


def _closure(facts: dict, sch: _Schema, progress: Callable[[str], None] | None) -> list[tuple]:
    """Forward chaining with a work list: every triple, asserted or derived, goes through the
    rules once; what a rule derives and the facts do not hold yet joins the list. Each rule but
    prp-trp has one data premise, so this is the whole fixpoint; prp-trp runs when the list is
    empty, and the list starts again from the links it adds."""
    derived: list[tuple] = []
    sup, inv, sym, dom, rng, sco = sch.sup, sch.inv, sch.sym, sch.dom, sch.rng, sch.sco
    plans: dict = {}

    def plan(p) -> tuple:
        """What a triple with property `p` sets off, looked up once per property rather than once
        per triple (a million triples go through the loop below)."""
        plans[p] = pl = (sup.get(p, ()), dom.get(p, ()), p == TYPE, inv.get(p, ()), p in sym, rng.get(p, ()))
        return pl

    # a property no rule reads (one rules only write, say) sets nothing off: its triples skip the list
    queue = [(p, s, o) for p in sorted(facts, key=str) if any(plan(p)) for s, o in facts[p]]

    def add(p, s, o) -> None:
        pairs = facts[p]
        if (s, o) not in pairs:
            pairs.add((s, o))
            derived.append((p, s, o))
            queue.append((p, s, o))

    rounds = 0
    while queue:
        while queue:
            p, s, o = queue.pop()
            ups, doms, typing, invs, symmetric, rngs = plans.get(p) or plan(p)
            for q in ups:
                add(q, s, o)
            for c in doms:
                add(TYPE, s, c)
            if typing:
                for d in sco.get(o, ()):
                    add(TYPE, s, d)
            if type(o) is ox.Literal:
                continue
            for q in invs:
                add(q, o, s)
            if symmetric:
                add(p, o, s)
            for c in rngs:
                add(TYPE, o, c)
        for p in sch.trans:
            for s, o in _walk(facts[p]):
                add(p, s, o)
        rounds += 1
        if progress:
            progress(f"round {rounds}: {len(derived)} triples derived")
    return derived


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


def infer_in_store(store: ox.Store, asserted: list[ox.NamedNode], axioms: ox.NamedNode, out: ox.NamedNode | None,
                   progress: Callable[[str], None] | None = None) -> list[ox.Triple]:
    """What OWL 2 RL derives from `asserted` and `axioms`, as triples, also put in graph `out` if given.

    The closure holds only the properties some rule reads or writes, read from the store once, so
    a literal has the store's form in the closure as in the graphs. If the closure derives schema
    triples (a sub-property of rdfs:subClassOf, say), the schema has changed and the closure runs
    again with it.
    """
    graphs = [*asserted, axioms]
    _check(store, graphs)
    sch = _Schema(_load(store, graphs, {ox.NamedNode(p) for p in SCHEMA_P} | {TYPE}))
    while True:
        facts = _load(store, graphs, sch.predicates())
        derived = _closure(facts, sch, progress)
        again = _Schema(facts)
        if again.key == sch.key:
            break
        sch = again
    triples = _data_only(store, axioms, facts, derived)
    if out is not None:
        store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, out) for t in triples)
    return triples


DROPPED_P = {ox.NamedNode(str(t)) for t in (OWL.sameAs, OWL.differentFrom, OWL.disjointWith, RDFS.subClassOf,
                                            RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty,
                                            RDFS.domain, RDFS.range, OWL.inverseOf)}
TRIVIAL = {ox.NamedNode(str(t)) for t in TRIVIAL_TYPES} | {ox.NamedNode(str(RDFS.Datatype))}
VOCAB_TYPES = {ox.NamedNode(str(t)) for t in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.Ontology)}


def _data_only(store: ox.Store, axioms: ox.NamedNode, facts: dict, derived: list[tuple]) -> list[ox.Triple]:
    """The same filter as `reasoning._keep`: nothing about the vocabularies, nothing trivial."""
    vocab = {q.subject for q in store.quads_for_pattern(None, None, None, axioms)}
    vocab |= {x for x, k in facts[TYPE] if k in VOCAB_TYPES}
    out = []
    for p, s, o in derived:
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
    from cnocc.model.terms import Converter, load_graphs

    conv = Converter()
    store = ox.Store()
    load_graphs(store, {"asserted": asserted, "axioms": axioms}, conv)
    data = [ox.NamedNode(f"https://w3id.org/cnocc/graph/{n}") for n in ("asserted", "axioms")]
    out = ox.NamedNode("https://w3id.org/cnocc/graph/inferred")
    return restore_literals(store, data, infer_in_store(store, data[:1], data[1], out), conv)
