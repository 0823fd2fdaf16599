"""Namespaces and the URIs cnocc mints, in one place so every module mints them alike."""

from __future__ import annotations

import hashlib

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

BASE = "https://w3id.org/cnocc/"
CNOCC = Namespace(BASE + "ontology#")
XKOS = Namespace("http://rdf-vocabulary.ddialliance.org/xkos#")
OA = Namespace("http://www.w3.org/ns/oa#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
SCHEMA = Namespace("https://schema.org/")
SH = Namespace("http://www.w3.org/ns/shacl#")
WD = Namespace("http://www.wikidata.org/entity/")
SSSOM = Namespace("https://w3id.org/sssom/")
PAV = Namespace("http://purl.org/pav/")
SEMAPV = Namespace("https://w3id.org/semapv/vocab/")

PREFIXES = {
    "cnocc": CNOCC, "xkos": XKOS, "skos": SKOS, "dcterms": DCTERMS, "prov": PROV, "org": ORG,
    "foaf": FOAF, "oa": OA, "eli": ELI, "schema": SCHEMA, "void": VOID, "dcat": DCAT,
    "owl": OWL, "rdfs": RDFS, "rdf": RDF, "xsd": XSD, "sh": SH, "wd": WD,
    "sssom": SSSOM, "pav": PAV, "semapv": SEMAPV,
}
# the same, as strings, for pyoxigraph's writers and SPARQL prologues
PREFIX_IRIS = {p: str(ns) for p, ns in PREFIXES.items()}


def sparql_prolog() -> str:
    """The prefixes as a SPARQL prologue, for queries written with them."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIX_IRIS.items())


LEVEL_PLURAL = {
    "major-group": "major-groups", "sub-major-group": "sub-major-groups", "minor-group": "minor-groups",
    "occupation": "occupations", "work-type": "work-types",
}
LEVEL_CLASS = {
    "major-group": CNOCC.MajorGroup, "sub-major-group": CNOCC.SubMajorGroup,
    "minor-group": CNOCC.MinorGroup, "occupation": CNOCC.Occupation, "work-type": CNOCC.WorkType,
}


def uri(*parts: str) -> URIRef:
    return URIRef(BASE + "/".join(parts))


def edition(e: str) -> URIRef:
    return uri(e)


def level(e: str, lv: str) -> URIRef:
    return uri(e, LEVEL_PLURAL[lv])


def level_type(lv: str) -> URIRef:
    return uri("level-type", lv)


def item(e: str, lv: str, key: str) -> URIRef:
    """An item of an edition, by code where one is sourced, else by its pinyin slug."""
    return uri(e, lv, key)


def evidence(source: str, exact: str) -> URIRef:
    digest = hashlib.sha256(f"{source}\n{exact}".encode("utf-8")).hexdigest()[:16]
    return uri("evidence", digest)


def source_uri(sid: str) -> URIRef:
    return uri("source", sid)


def agency_uri(aid: str) -> URIRef:
    return uri("agency", aid)


def announcement_uri(aid: str) -> URIRef:
    return uri("announcement", aid)


def policy_uri(pid: str) -> URIRef:
    return uri("policy", pid)


def new_graph() -> Graph:
    g = Graph()
    for p, ns in PREFIXES.items():
        g.bind(p, ns, override=True)
    return g


GRAPHS = {
    "ontology": uri("graph", "ontology"),
    "edition-2015": uri("graph", "edition-2015"),
    "edition-2022": uri("graph", "edition-2022"),
    "announcements": uri("graph", "announcements"),
    "correspondence-2015-2022": uri("graph", "correspondence-2015-2022"),
    "mappings": uri("graph", "mappings"),
    "reference": uri("graph", "reference"),
    "inferred": uri("graph", "inferred"),
    "metadata": uri("graph", "metadata"),
}
DATASET = uri("dataset")
