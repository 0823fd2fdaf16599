"""The dataset's description (VoID and DCAT), so catalogues and crawlers can find and size it."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS, VOID, XSD

from cnocc import __version__
from cnocc.model import vocab as V
from cnocc.model.vocab import new_graph

LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
VOCABULARIES = [V.XKOS, SKOS, DCTERMS, "http://www.w3.org/ns/prov#", "http://www.w3.org/ns/org#", V.OA, V.ELI,
                V.SCHEMA, FOAF, V.BASE + "ontology"]


def describe(graphs: dict[str, list], files: dict[str, str], linksets: Graph | None = None) -> Graph:
    """VoID/DCAT for the named graphs (`graphs`: name -> distinct pyoxigraph triples), the export files
    (`files`: name -> media type) and linksets."""
    g = new_graph()
    for t in linksets or ():
        g.add(t)
    ds = V.DATASET
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, DCTERMS.title, Literal("cnocc：中华人民共和国职业分类大典关联数据", lang="zh")))
    g.add((ds, DCTERMS.title, Literal("cnocc: China's national occupational classification as linked data", lang="en")))
    g.add((ds, DCTERMS.description, Literal(
        "The 2022 edition in full and the 2015 edition as far as its items are sourced; every batch of new "
        "occupations since 2015 and the July 2020 announcement with its agencies, notice, policy drivers and "
        "quoted figures; the 2015-2022 correspondence; reviewed links to ISCO-08 and ESCO. Every fact cites its "
        "source.", lang="en")))
    g.add((ds, DCTERMS.license, LICENSE))
    g.add((ds, DCTERMS.conformsTo, URIRef(str(V.XKOS).rstrip("#"))))
    g.add((ds, V.SCHEMA.version, Literal(__version__)))
    g.add((ds, VOID.uriSpace, Literal(V.BASE)))
    g.add((ds, VOID.dataDump, URIRef(V.BASE + "dumps/cnocc.nt")))
    for vocab in VOCABULARIES:
        g.add((ds, VOID.vocabulary, URIRef(str(vocab))))
    union = set()
    for name in sorted(graphs):
        graph = graphs[name]
        union.update(graph)
        sub = V.GRAPHS[name] if name in V.GRAPHS else V.uri("graph", name)
        g.add((ds, VOID.subset, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, DCTERMS.title, Literal(f"cnocc graph: {name}", lang="en")))
        g.add((sub, VOID.triples, Literal(len(graph), datatype=XSD.integer)))
        g.add((sub, VOID.entities, Literal(len({t.subject for t in graph}), datatype=XSD.integer)))
    g.add((ds, VOID.triples, Literal(len(union), datatype=XSD.integer)))
    for fname in sorted(files):
        dist = URIRef(V.BASE + "dumps/" + fname)
        g.add((ds, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.downloadURL, dist))
        g.add((dist, DCAT.mediaType, Literal(files[fname])))
        g.add((dist, DCTERMS.title, Literal(fname)))
        g.add((dist, DCTERMS.license, LICENSE))
    return g
