"""The announcements-and-policies graph: who announced what, when, on what grounds, with which figures.

Every resource cites its sources, and quotes from the release carry their place in it."""

from __future__ import annotations

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, RDF, SKOS, XSD

from cnocc.graphs.common import Builder, Triples, date_literal
from cnocc.model import vocab as V
from cnocc.model.vocab import CNOCC, ELI, SCHEMA, agency_uri, announcement_uri, policy_uri, source_uri


# --- the announcements-and-policies graph ------------------------------------------------------
def announcements_graph(b: Builder) -> Triples:
    """Sources, agencies, notices, announcements, policy drivers, characteristics and figures."""
    g = Triples()
    for r in b.ds.rows("sources.csv"):
        s = source_uri(r["id"])
        g.add((s, RDF.type, FOAF.Document))
        kind_class = {"news-release": SCHEMA.NewsArticle, "web-page": SCHEMA.WebPage,
                      "repository": SCHEMA.SoftwareSourceCode, "pdf": SCHEMA.DigitalDocument,
                      "statistical-table": SCHEMA.Dataset, "dataset": SCHEMA.Dataset}[r["kind"]]
        g.add((s, RDF.type, kind_class))
        g.add((s, DCTERMS.title, Literal(r["title"])))
        if r["issued"]:
            g.add((s, DCTERMS.issued, date_literal(r["issued"])))
        if r["publisher"]:
            g.add((s, DCTERMS.publisher, agency_uri(r["publisher"])))
        if r["url"]:
            g.add((s, SCHEMA.url, Literal(r["url"], datatype=XSD.anyURI)))
        if r["note"]:
            g.add((s, SKOS.editorialNote, Literal(r["note"], lang="en")))
        if r["id"] in b.ds.texts:
            g.add((s, SCHEMA.text, Literal(b.ds.texts[r["id"]].text, lang="zh")))
            g.add((s, DCTERMS.language, Literal("zh")))

    for r in b.ds.rows("agencies.csv"):
        s = agency_uri(r["id"])
        g.add((s, RDF.type, ORG.OrganizationalUnit if r["unit_of"] else ORG.FormalOrganization))
        if not r["unit_of"]:
            g.add((s, RDF.type, SCHEMA.GovernmentOrganization))
        g.add((s, SKOS.prefLabel, Literal(r["name_zh"], lang="zh")))
        if r["name_en"]:
            g.add((s, SKOS.prefLabel, Literal(r["name_en"], lang="en")))
        if r["short_zh"] and r["short_zh"] != r["name_zh"]:
            g.add((s, SKOS.altLabel, Literal(r["short_zh"], lang="zh")))
        if r["abbr"]:
            g.add((s, SKOS.altLabel, Literal(r["abbr"], lang="en")))
        if r["homepage"]:
            g.add((s, FOAF.homepage, URIRef(r["homepage"])))
        if r["wikidata"]:
            g.add((s, SCHEMA.sameAs, V.WD[r["wikidata"]]))
        if r["unit_of"]:
            g.add((s, ORG.unitOf, agency_uri(r["unit_of"])))
        b.cite(g, s, r, "source")
        b.evidence(g, s, r)
        b.note(g, s, r)

    for r in b.ds.rows("notices.csv"):
        s = V.uri("notice", r["id"])
        g.add((s, RDF.type, CNOCC.Notice))
        g.add((s, DCTERMS.identifier, Literal(r["identifier"])))
        if r["title_zh"]:
            g.add((s, DCTERMS.title, Literal(r["title_zh"], lang="zh")))
        g.add((s, SKOS.prefLabel, Literal(r["identifier"], lang="zh")))
        for a in r.get("issuers") or []:
            g.add((s, DCTERMS.publisher, agency_uri(a)))
        b.cite(g, s, r, "source")
        b.note(g, s, r)

    for r in b.ds.rows("announcements.csv"):
        s = announcement_uri(r["id"])
        g.add((s, RDF.type, CNOCC.Announcement))
        b.labels(g, s, r)
        if r["released"]:
            g.add((s, DCTERMS.issued, date_literal(r["released"])))
        g.add((s, CNOCC.batchNumber, Literal(r.get("batch"), datatype=XSD.positiveInteger)))
        g.add((s, CNOCC.amends, V.edition(r["edition"])))
        for a in r.get("agencies") or []:
            g.add((s, PROV.wasAssociatedWith, agency_uri(a)))
        if r["notice"]:
            g.add((s, CNOCC.notice, V.uri("notice", r["notice"])))
        if r["document"]:
            g.add((s, PROV.generated, source_uri(r["document"])))
        for col, prop in (("new_occupations", CNOCC.newOccupationCount), ("new_work_types", CNOCC.newWorkTypeCount),
                          ("raised_work_types", CNOCC.raisedWorkTypeCount)):
            if r.get(col) is not None:
                g.add((s, prop, Literal(r.get(col), datatype=XSD.nonNegativeInteger)))
        b.cite(g, s, r, "source")
        b.evidence(g, s, r)
        b.note(g, s, r)

    pscheme = V.uri("policy")
    g.add((pscheme, RDF.type, SKOS.ConceptScheme))
    g.add((pscheme, SKOS.prefLabel, Literal("新职业的政策动因", lang="zh")))
    g.add((pscheme, SKOS.prefLabel, Literal("Policy drivers of new occupations", lang="en")))
    for r in b.ds.rows("policies.csv"):
        s = policy_uri(r["id"])
        g.add((s, RDF.type, SKOS.Concept))
        g.add((s, RDF.type, CNOCC.PolicyDriver))
        g.add((s, SKOS.inScheme, pscheme))
        g.add((s, DCTERMS.type, Literal(r["kind"])))
        b.labels(g, s, r)
        if r["parent"]:
            g.add((s, SKOS.broader, policy_uri(r["parent"])))
        else:
            g.add((s, SKOS.topConceptOf, pscheme))
            g.add((pscheme, SKOS.hasTopConcept, s))
        if r["kind"] in ("law", "regulation"):
            g.add((s, RDF.type, ELI.LegalResource))
        if r["date_proposed"]:
            g.add((s, DCTERMS.created, date_literal(r["date_proposed"])))
        if r["date_document"]:
            g.add((s, ELI.date_document, date_literal(r["date_document"])))
        if r["date_in_force"]:
            g.add((s, ELI.first_date_entry_in_force, date_literal(r["date_in_force"])))
        b.cite(g, s, r, "source")
        b.evidence(g, s, r)
        b.note(g, s, r)

    for r in b.ds.rows("drivers.csv"):
        s = policy_uri(r["policy"])
        g.add((s, CNOCC.drives, b.ref_uri(r["target"])))
        b.evidence(g, s, r)

    for r in b.ds.rows("characteristics.csv"):
        s = V.uri("announcement", r["announcement"], "characteristic", str(r.get("position")))
        g.add((s, RDF.type, SKOS.Collection))
        g.add((s, RDF.type, CNOCC.Characteristic))
        g.add((announcement_uri(r["announcement"]), CNOCC.hasCharacteristic, s))
        g.add((s, SCHEMA.position, Literal(r.get("position"), datatype=XSD.integer)))
        b.labels(g, s, r)
        for m in r.get("members"):
            g.add((s, SKOS.member, b.ref_uri(m)))
        b.cite(g, s, r, "source")
        b.evidence(g, s, r)

    for r in b.ds.rows("figures.csv"):
        s = V.uri("figure", r["id"])
        g.add((s, RDF.type, SCHEMA.MonetaryAmount if r["currency"] else SCHEMA.QuantitativeValue))
        g.add((s, SCHEMA.name, Literal(r["name_zh"], lang="zh")))
        g.add((s, SCHEMA.name, Literal(r["name_en"], lang="en")))
        value = Literal(r["value"], datatype=XSD.decimal if "." in r["value"] else XSD.integer)
        g.add((s, SCHEMA.minValue if r["qualifier"] == "minimum" else SCHEMA.value, value))
        if r["qualifier"] == "approximate":
            g.add((s, SKOS.editorialNote, Literal("An order of magnitude as the text states it, not an exact amount.", lang="en")))
        if r["unit_code"]:
            g.add((s, SCHEMA.unitCode, Literal(r["unit_code"])))
        g.add((s, SCHEMA.unitText, Literal(r["unit_text"], lang="en")))
        if r["currency"]:
            g.add((s, SCHEMA.currency, Literal(r["currency"])))
        g.add((announcement_uri(r["announcement"]), CNOCC.figure, s))
        b.cite(g, s, r, "source")
        b.evidence(g, s, r)
    return g
