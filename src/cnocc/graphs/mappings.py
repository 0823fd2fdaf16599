"""The mapping sets as RDF: each set as sssom writes it (mapping records and direct SKOS links), the
ISCO-08 and ESCO targets they point at, and a VoID linkset per set.

The links live in their own named graph and never enter the OWL-RL closure: SKOS makes
`skos:broadMatch` a sub-property of `skos:broader`, and a national item must never acquire an
ISCO group as its parent.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, SKOS, VOID, XSD

from cnocc.model import vocab as V
from cnocc.model.errors import Problem
from cnocc.model.vocab import new_graph, source_uri
from cnocc.sources.sssom import (
    EDITORS,
    ESCO_SCHEME,
    ESCO_SOURCE,
    ISCO_NS,
    ISCO_SCHEME,
    MAPPINGS_DIR,
    UNTITLED_ZH,
    MappingFile,
    MappingRow,
    Target,
    _expand,
    _parse,
    _sssom_problems,
    read_file,
)


def sssom_work(data_dir: Path) -> dict[str, tuple[list[Problem], list[tuple] | None]]:
    """For each mapping file, by name: sssom's verdict on it, and its RDF as sssom writes it (None
    if the file has problems, which `load` then reports).

    Both need sssom, which takes two seconds to import and set up whatever the files' size, so
    the build asks for them in a child process while it builds the graphs (see `build`)."""
    folder = data_dir / MAPPINGS_DIR
    out = {}
    for path in sorted(folder.glob("*.sssom.tsv")) if folder.is_dir() else []:
        rel = f"data/{MAPPINGS_DIR}/{path.name}"
        problems = _sssom_problems(path, rel)
        mf, found = read_file(path, rel)
        out[path.name] = problems, (None if problems or found else _set_triples(mf))
    return out


def record_id(row: MappingRow) -> str:
    key = f"{row.subject}|{row.predicate}|{'Not' if row.negated else ''}|{row.target}"
    return "cn:mapping/" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def _set_triples(mf: MappingFile) -> list[tuple]:
    """sssom's RDF of one set: mapping records (named by a stable hash) and the direct SKOS triples."""
    from sssom.writers import to_rdf_graph

    msdf = _parse(mf.path)
    ids = {(str(r.subject), str(r.target)): record_id(r) for r in mf.rows}
    msdf.df["record_id"] = [ids[(_expand(s), _expand(o))] for s, o in zip(msdf.df["subject_id"], msdf.df["object_id"])]
    return list(to_rdf_graph(msdf, hydrate=True))


def mapping_graph(files: list[MappingFile], written: dict[str, list[tuple] | None] | None = None) -> Graph:
    """Every set's RDF, and the editors it credits. `written`: each set's triples by file name,
    where `sssom_work` has made them already."""
    g = new_graph()
    for mf in files:
        triples = (written or {}).get(mf.path.name)
        for t in _set_triples(mf) if triples is None else triples:
            g.add(t)
    g.add((EDITORS, RDF.type, PROV.Agent))
    g.add((EDITORS, FOAF.name, Literal("cnocc editors", lang="en")))
    return g


def reference_graph(targets: dict[URIRef, Target], files: list[MappingFile]) -> Graph:
    """The ISCO-08 groups (title, code, parent) and the ESCO occupations that mappings point at.

    All 619 ISCO groups are kept, so the path from a unit group up to its major group, and queries
    from any ISCO level down to cnocc items, work without leaving cnocc.
    """
    g = new_graph()
    used = {r.target for mf in files for r in mf.rows}
    src = source_uri(ESCO_SOURCE)
    for t in sorted(targets.values(), key=lambda t: str(t.uri)):
        if not t.code and t.uri not in used:
            continue
        g.add((t.uri, RDF.type, SKOS.Concept))
        g.add((t.uri, SKOS.prefLabel, Literal(t.label, lang="en")))
        g.add((t.uri, SKOS.editorialNote, Literal(UNTITLED_ZH, lang="en")))
        g.add((t.uri, DCTERMS.source, src))
        if t.code:
            g.add((t.uri, SKOS.notation, Literal(t.code)))
            g.add((t.uri, SKOS.inScheme, ISCO_SCHEME))
            if t.parent:
                g.add((t.uri, SKOS.broader, URIRef(ISCO_NS + t.parent)))
        else:
            g.add((t.uri, SKOS.inScheme, ESCO_SCHEME))
    return g


def linksets(files: list[MappingFile], mappings: Graph) -> Graph:
    """A VoID linkset per mapping set, so catalogues see what links where, by which predicates."""
    g = new_graph()
    for mf in files:
        ls = URIRef(mf.metadata["mapping_set_id"])
        g.add((ls, RDF.type, VOID.Linkset))
        g.add((ls, DCTERMS.title, Literal(mf.metadata.get("mapping_set_title", ls), lang="en")))
        g.add((ls, DCTERMS.license, URIRef(mf.metadata["license"])))
        g.add((ls, VOID.subjectsTarget, V.DATASET))
        g.add((ls, VOID.objectsTarget, URIRef(mf.metadata["object_source"])))
        g.add((V.DATASET, VOID.subset, ls))
        positive = [r for r in mf.rows if not r.negated]
        for p in sorted({r.predicate for r in positive}):
            g.add((ls, VOID.linkPredicate, SKOS[p.split(":", 1)[1]]))
        g.add((ls, VOID.triples, Literal(len({(r.subject, r.predicate, r.target) for r in positive}), datatype=XSD.integer)))
        g.add((ls, DCTERMS.source, URIRef(V.BASE + "dumps/" + mf.path.name)))
    return g
