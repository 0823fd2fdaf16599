"""What the graph builders share: the triples container, dates, and the per-row habits (labels,
sources, evidence quotes, notes) every resource gets alike.

Only asserted facts are built; what follows from them is left to reasoning. Every resource gets
`dcterms:source` links to the documents its row cites, and evidence quotes where it came from
the release.
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

from cnocc.model import vocab as V
from cnocc.model.vocab import CNOCC, OA, announcement_uri, source_uri
from cnocc.sources.dataset import Dataset
from cnocc.sources.tables import Row

UNOFFICIAL_EN = "English label is an unofficial rendering by cnocc."


class Triples(dict):
    """A graph the builders only add to: a set of (s, p, o) with rdflib terms, in the order added.

    rdflib's in-memory store spends ~13 µs indexing each added triple, which the builders never
    query; the triples go straight on into the store, and an rdflib view is made only on demand
    (`exports.Bundle.graphs`). A dict rather than a set keeps them in the order the rows were
    read, each item's triples together: the steps after (conversion, sorting by line) touch
    memory in that order, and at a million triples take half the time they take in a set's
    hash order. The files do not depend on it: they are sorted."""

    def add(self, triple: tuple) -> None:
        self[triple] = None


def date_literal(value: str) -> Literal:
    n = value.count("-")
    dtype = {0: XSD.gYear, 1: XSD.gYearMonth, 2: XSD.date}[n]
    return Literal(value, datatype=dtype)


class Builder:
    def __init__(self, ds: Dataset):
        self.ds = ds
        self.pinyin: list[tuple[Triples, URIRef, str]] = []  # labels to spell out once the graphs are built
        self.occ = {r["slug"]: r for r in ds.rows("occupations.csv")}
        self.wt = {r["slug"]: r for r in ds.rows("work_types.csv")}

    # --- references shared by several tables ---------------------------------------------------
    def occupation_uri(self, slug: str) -> URIRef:
        r = self.occ[slug]
        return V.item(r["edition"], "occupation", r["code"] or r["slug"])

    def work_type_uri(self, slug: str) -> URIRef:
        r = self.wt[slug]
        return V.item(r["edition"], "work-type", r["slug"])

    def ref_uri(self, ref: str) -> URIRef:
        kind, _, ident = ref.partition(":")
        if kind == "occupation":
            return self.occupation_uri(ident)
        if kind == "work-type":
            return self.work_type_uri(ident)
        return announcement_uri(ident)

    def cite(self, g: Graph, s: URIRef, row: Row, *cols: str) -> None:
        for col in cols:
            pred = {"code_source": CNOCC.codeSource, "definition_source": CNOCC.definitionSource}.get(col, DCTERMS.source)
            for sid in row.get(col) or []:
                g.add((s, pred, source_uri(sid)))

    def evidence(self, g: Graph, s: URIRef, row: Row) -> None:
        quotes = row.get("evidence") or []
        if not quotes:
            return
        src = self.ds.quote_source(row)
        text = self.ds.texts[src]
        for q in quotes:
            e = V.evidence(src, q)
            sel = URIRef(str(e) + "/selector")
            prefix, suffix = text.selector(q)
            g.add((s, CNOCC.evidence, e))
            g.add((e, RDF.type, OA.SpecificResource))
            g.add((e, OA.hasSource, source_uri(src)))
            g.add((e, OA.hasSelector, sel))
            g.add((sel, RDF.type, OA.TextQuoteSelector))
            g.add((sel, OA.exact, Literal(q)))
            g.add((sel, OA.prefix, Literal(prefix)))
            g.add((sel, OA.suffix, Literal(suffix)))

    def labels(self, g: Graph, s: URIRef, row: Row, zh: str = "name_zh", en: str = "name_en", with_pinyin: bool = False) -> None:
        if row[zh]:
            g.add((s, SKOS.prefLabel, Literal(row[zh], lang="zh")))
            if with_pinyin:
                self.pinyin.append((g, s, row[zh]))
        if en in row.values and row[en]:
            g.add((s, SKOS.prefLabel, Literal(row[en], lang="en")))
            src = row.values.get("name_en_source")
            if src == "cnocc":
                g.add((s, SKOS.editorialNote, Literal(UNOFFICIAL_EN, lang="en")))
            elif src:
                g.add((s, SKOS.editorialNote, Literal(f"English label after source '{src}' (unofficial).", lang="en")))
                g.add((s, DCTERMS.source, source_uri(src)))

    def note(self, g: Graph, s: URIRef, row: Row) -> None:
        if row.values.get("note"):
            g.add((s, SKOS.editorialNote, Literal(row["note"], lang="en")))
        if row.values.get("confidence"):
            g.add((s, CNOCC.confidence, Literal(row["confidence"])))
