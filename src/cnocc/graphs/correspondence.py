"""The correspondence between the 2015 frame and the 2022 edition, as XKOS concept associations."""

from __future__ import annotations

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from cnocc.graphs import linking
from cnocc.graphs.common import Builder, Triples
from cnocc.model import vocab as V
from cnocc.model.vocab import XKOS, source_uri


# --- the 2015 → 2022 correspondence ------------------------------------------------------------
def correspondence_graph(b: Builder) -> Triples:
    """The 2015 → 2022 correspondence: an XKOS association for each link `linking` finds."""
    g = Triples()
    corr = V.uri("correspondence", "2015-2022")
    g.add((corr, RDF.type, XKOS.Correspondence))
    g.add((corr, SKOS.prefLabel, Literal("职业分类大典2015年版与2022年版对照", lang="zh")))
    g.add((corr, SKOS.prefLabel, Literal("Correspondence between the 2015 and 2022 editions", lang="en")))
    g.add((corr, XKOS.compares, V.edition("2015")))
    g.add((corr, XKOS.compares, V.edition("2022")))
    g.add((corr, DCTERMS.description, Literal(
        "Links an item of the 2015 frame to the 2022 item of exactly the same official name (groups: same code and "
        "name, or a sourced rename). Items without such a match are left unlinked, never guessed.", lang="en")))
    g.add((corr, DCTERMS.source, source_uri("structure-table-2022")))
    for a in linking.correspondence(b.ds):
        src = _source_item(a)
        tgt = V.item("2022", a.target_level, a.target_code)
        assoc = V.uri("correspondence", "2015-2022", f"{a.source_level}-{a.source_key}")
        g.add((corr, XKOS.madeOf, assoc))
        g.add((assoc, RDF.type, XKOS.ConceptAssociation))
        g.add((assoc, XKOS.sourceConcept, src))
        g.add((assoc, XKOS.targetConcept, tgt))
        g.add((assoc, SKOS.changeNote, Literal(a.note(), lang="en")))
        g.add((assoc, DCTERMS.type, Literal(a.kind)))
    return g

def _source_item(a: "linking.Association") -> URIRef:
    if a.source_level == "work-type":
        return V.item("2015", "work-type", a.source_key)
    return V.item("2015", a.source_level, a.source_key)
