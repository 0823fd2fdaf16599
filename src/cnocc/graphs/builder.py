"""Turning the checked tables into RDF, one named graph per part users may want alone.

Only asserted facts go here; what follows from them is left to reasoning. Every resource gets
`dcterms:source` links to the documents its row cites, and evidence quotes where it came from
the release.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pypinyin import Style, pinyin
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, RDF, SKOS, XSD

from cnocc.graphs import linking
from cnocc.model import vocab as V
from cnocc.sources.dataset import Dataset
from cnocc.sources.tables import Row
from cnocc.model.vocab import CNOCC, ELI, OA, SCHEMA, XKOS

UNOFFICIAL_EN = "English label is an unofficial rendering by cnocc."


def new_graph() -> Graph:
    g = Graph()
    for p, ns in V.PREFIXES.items():
        g.bind(p, ns, override=True)
    return g


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


def pinyin_label(name: str) -> str:
    """Tone-marked pinyin, syllables separated by spaces; derived, so never stored in data/."""
    text = " ".join(s[0] for s in pinyin(name, style=Style.TONE, strict=True) if s[0].strip())
    return text.replace(" 、", ",")


def source_uri(sid: str) -> URIRef:
    return V.uri("source", sid)


def agency_uri(aid: str) -> URIRef:
    return V.uri("agency", aid)


def announcement_uri(aid: str) -> URIRef:
    return V.uri("announcement", aid)


def policy_uri(pid: str) -> URIRef:
    return V.uri("policy", pid)


def pinyin_names(ds: Dataset) -> list[str]:
    """Every Chinese name in the tables: those of items get a pinyin label (a few more do not)."""
    return sorted({r.values["name_zh"] for f in ds.tables for r in ds.rows(f) if r.values.get("name_zh")})


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

    # --- the edition graph -----------------------------------------------------------------------
    def edition_graph(self, edition_id: str) -> Triples:
        g = Triples()
        ed = self.ds.by("editions.csv", "id")[edition_id]
        scheme = V.edition(edition_id)
        g.add((scheme, RDF.type, SKOS.ConceptScheme))
        g.add((scheme, SKOS.prefLabel, Literal(ed["title_zh"], lang="zh")))
        g.add((scheme, SKOS.prefLabel, Literal(ed["title_en"], lang="en")))
        g.add((scheme, DCTERMS.title, Literal(ed["title_zh"], lang="zh")))
        g.add((scheme, DCTERMS.issued, date_literal(ed["issued"])))
        g.add((scheme, SKOS.notation, Literal(edition_id)))
        for a in ed.get("creators"):
            g.add((scheme, DCTERMS.creator, agency_uri(a)))
        if ed["supersedes"]:
            g.add((scheme, XKOS.supersedes, V.edition(ed["supersedes"])))
        g.add((scheme, CNOCC.complete, Literal(ed["complete"] == "yes")))
        self.cite(g, scheme, ed, "source")
        self.note(g, scheme, ed)

        levels = [r for r in self.ds.rows("levels.csv") if r["edition"] == edition_id]
        levels.sort(key=lambda r: r.get("depth"))
        g.add((scheme, XKOS.numberOfLevels, Literal(len(levels), datatype=XSD.positiveInteger)))
        head = BNode(f"levels-{edition_id}-1")
        g.add((scheme, XKOS.levels, head))
        node = head
        for i, lv in enumerate(levels, start=1):
            g.add((node, RDF.first, V.level(edition_id, lv["level"])))
            nxt = BNode(f"levels-{edition_id}-{i + 1}") if i < len(levels) else RDF.nil
            g.add((node, RDF.rest, nxt))
            node = nxt

        lt_scheme = V.uri("level-type")
        g.add((lt_scheme, RDF.type, SKOS.ConceptScheme))
        g.add((lt_scheme, SKOS.prefLabel, Literal("职业分类层级类型", lang="zh")))
        g.add((lt_scheme, SKOS.prefLabel, Literal("Level types of the occupational classification", lang="en")))
        for lv in levels:
            lu = V.level(edition_id, lv["level"])
            g.add((lu, RDF.type, XKOS.ClassificationLevel))
            g.add((lu, XKOS.depth, Literal(lv.get("depth"), datatype=XSD.positiveInteger)))
            g.add((lu, SKOS.prefLabel, Literal(lv["name_zh"], lang="zh")))
            g.add((lu, SKOS.prefLabel, Literal(f"{lv['name_en']}s ({edition_id} edition)", lang="en")))
            if lv["notation_pattern"]:
                g.add((lu, XKOS.notationPattern, Literal(lv["notation_pattern"])))
            if lv.get("official_count") is not None:
                g.add((lu, CNOCC.officialItemCount, Literal(lv.get("official_count"), datatype=XSD.nonNegativeInteger)))
            lt = V.level_type(lv["level"])
            g.add((lu, XKOS.organizedBy, lt))
            g.add((lt, RDF.type, SKOS.Concept))
            g.add((lt, SKOS.inScheme, lt_scheme))
            g.add((lt, SKOS.prefLabel, Literal(lv["name_zh"], lang="zh")))
            g.add((lt, SKOS.prefLabel, Literal(lv["name_en"], lang="en")))
            self.cite(g, lu, lv, "source")
            self.cite(g, lt, lv, "source")
            self.evidence(g, lu, lv)
            self.evidence(g, lt, lv)
            self.note(g, lu, lv)

        def add_item(s: URIRef, lv: str, row: Row) -> None:
            g.add((s, RDF.type, SKOS.Concept))
            g.add((s, RDF.type, V.LEVEL_CLASS[lv]))
            g.add((s, SKOS.inScheme, scheme))
            g.add((V.level(edition_id, lv), SKOS.member, s))
            self.labels(g, s, row, with_pinyin=True)
            self.note(g, s, row)
            self.cite(g, s, row, "source")
            self.evidence(g, s, row)

        for r in self.ds.rows("groups.csv") + self.ds.rows("2022/groups.csv"):
            if r["edition"] != edition_id:
                continue
            s = V.item(edition_id, r["level"], r["code"])
            add_item(s, r["level"], r)
            g.add((s, SKOS.notation, Literal(r["code"])))
            if r.values.get("gbm"):
                g.add((s, CNOCC.gbmCode, Literal(r["gbm"])))
            if r["parent"]:
                p_level = {"sub-major-group": "major-group", "minor-group": "sub-major-group"}[r["level"]]
                g.add((s, SKOS.broader, V.item(edition_id, p_level, r["parent"])))
            else:
                g.add((s, SKOS.topConceptOf, scheme))
                g.add((scheme, SKOS.hasTopConcept, s))

        marks = {m["mark"]: m for m in self.ds.rows("marks.csv") if m["edition"] == edition_id}
        for m in marks.values():
            c = V.uri(edition_id, m["id"])
            g.add((c, RDF.type, SKOS.Collection))
            g.add((c, SKOS.notation, Literal(m["mark"])))
            self.labels(g, c, m)
            g.add((c, CNOCC.officialItemCount, Literal(m.get("official_count"), datatype=XSD.nonNegativeInteger)))
            self.cite(g, c, m, "source")
            self.note(g, c, m)

        for r in self.ds.rows("occupations.csv") + self.ds.rows("2022/occupations.csv"):
            if r["edition"] != edition_id:
                continue
            get = r.values.get
            s = self.occupation_uri(r["slug"]) if get("slug") else V.item(edition_id, "occupation", r["code"])
            add_item(s, "occupation", r)
            if r["code"]:
                g.add((s, SKOS.notation, Literal(r["code"])))
                if get("code_source"):
                    self.cite(g, s, r, "code_source")
                    g.add((s, CNOCC.codeConfidence, Literal(r["code_confidence"] or "S1")))
                else:  # an imported edition table: the code comes from the same table as the item
                    for sid in r.get("source"):
                        g.add((s, CNOCC.codeSource, source_uri(sid)))
            if r["parent"]:
                g.add((s, SKOS.broader, V.item(edition_id, "minor-group", r["parent"])))
            for letter in (get("marks") or "").split("/"):
                if letter:
                    g.add((V.uri(edition_id, marks[letter]["id"]), SKOS.member, s))
            if get("definition_zh"):
                g.add((s, SKOS.definition, Literal(r["definition_zh"], lang="zh")))
                self.cite(g, s, r, "definition_source")
                if r["definition_confidence"]:
                    g.add((s, CNOCC.definitionConfidence, Literal(r["definition_confidence"])))
            if get("introduced_by"):
                g.add((s, CNOCC.introducedBy, announcement_uri(r["introduced_by"])))
            if get("invalidated_by"):
                g.add((s, PROV.wasInvalidatedBy, announcement_uri(r["invalidated_by"])))

        for r in self.ds.rows("batch_occupations.csv"):
            if linking.announcement_edition(self.ds, r) != edition_id:
                continue
            code = linking.match(self.ds, r["name_zh"]) if edition_id == linking.TARGET else None
            ann = announcement_uri(r["announcement"])
            if code is not None:  # the announced name is an item of this edition: say which batch brought it
                s = V.item(edition_id, "occupation", code)
                g.add((s, CNOCC.introducedBy, ann))
                self.cite(g, s, r, "source")
                continue
            s = V.item(edition_id, "occupation", r["slug"])
            add_item(s, "occupation", r)
            g.add((s, CNOCC.introducedBy, ann))
            g.add((s, SKOS.editorialNote, Literal(
                f"Announced in batch {self.ds.by('announcements.csv', 'id')[r['announcement']]['batch']}; "
                f"its code in the {edition_id} frame is not sourced.", lang="en")))

        for r in self.ds.rows("work_types.csv"):
            if r["edition"] != edition_id:
                continue
            s = self.work_type_uri(r["slug"])
            add_item(s, "work-type", r)
            if r["parent"]:
                g.add((s, SKOS.broader, self.occupation_uri(r["parent"])))
                self.cite(g, s, r, "parent_source")
            if r["introduced_by"]:
                g.add((s, CNOCC.introducedBy, announcement_uri(r["introduced_by"])))
            if r["raised_to"]:
                o = self.occupation_uri(r["raised_to"])
                g.add((s, CNOCC.raisedTo, o))
                g.add((o, PROV.wasDerivedFrom, s))
                by = self.occ[r["raised_to"]]["introduced_by"]
                when = f" by the announcement of {by}" if by else ""
                g.add((s, SKOS.changeNote, Literal(f"Work type raised to an occupation{when}.", lang="en")))
                g.add((o, SKOS.changeNote, Literal(f"Raised from a work type{when}.", lang="en")))
        return g

    # --- the announcements-and-policies graph ------------------------------------------------------
    def announcements_graph(self) -> Triples:
        g = Triples()
        for r in self.ds.rows("sources.csv"):
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
            if r["id"] in self.ds.texts:
                g.add((s, SCHEMA.text, Literal(self.ds.texts[r["id"]].text, lang="zh")))
                g.add((s, DCTERMS.language, Literal("zh")))

        for r in self.ds.rows("agencies.csv"):
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
            self.cite(g, s, r, "source")
            self.evidence(g, s, r)
            self.note(g, s, r)

        for r in self.ds.rows("notices.csv"):
            s = V.uri("notice", r["id"])
            g.add((s, RDF.type, CNOCC.Notice))
            g.add((s, DCTERMS.identifier, Literal(r["identifier"])))
            if r["title_zh"]:
                g.add((s, DCTERMS.title, Literal(r["title_zh"], lang="zh")))
            g.add((s, SKOS.prefLabel, Literal(r["identifier"], lang="zh")))
            for a in r.get("issuers") or []:
                g.add((s, DCTERMS.publisher, agency_uri(a)))
            self.cite(g, s, r, "source")
            self.note(g, s, r)

        for r in self.ds.rows("announcements.csv"):
            s = announcement_uri(r["id"])
            g.add((s, RDF.type, CNOCC.Announcement))
            self.labels(g, s, r)
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
            self.cite(g, s, r, "source")
            self.evidence(g, s, r)
            self.note(g, s, r)

        pscheme = V.uri("policy")
        g.add((pscheme, RDF.type, SKOS.ConceptScheme))
        g.add((pscheme, SKOS.prefLabel, Literal("新职业的政策动因", lang="zh")))
        g.add((pscheme, SKOS.prefLabel, Literal("Policy drivers of new occupations", lang="en")))
        for r in self.ds.rows("policies.csv"):
            s = policy_uri(r["id"])
            g.add((s, RDF.type, SKOS.Concept))
            g.add((s, RDF.type, CNOCC.PolicyDriver))
            g.add((s, SKOS.inScheme, pscheme))
            g.add((s, DCTERMS.type, Literal(r["kind"])))
            self.labels(g, s, r)
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
            self.cite(g, s, r, "source")
            self.evidence(g, s, r)
            self.note(g, s, r)

        for r in self.ds.rows("drivers.csv"):
            s = policy_uri(r["policy"])
            g.add((s, CNOCC.drives, self.ref_uri(r["target"])))
            self.evidence(g, s, r)

        for r in self.ds.rows("characteristics.csv"):
            s = V.uri("announcement", r["announcement"], "characteristic", str(r.get("position")))
            g.add((s, RDF.type, SKOS.Collection))
            g.add((s, RDF.type, CNOCC.Characteristic))
            g.add((announcement_uri(r["announcement"]), CNOCC.hasCharacteristic, s))
            g.add((s, SCHEMA.position, Literal(r.get("position"), datatype=XSD.integer)))
            self.labels(g, s, r)
            for m in r.get("members"):
                g.add((s, SKOS.member, self.ref_uri(m)))
            self.cite(g, s, r, "source")
            self.evidence(g, s, r)

        for r in self.ds.rows("figures.csv"):
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
            self.cite(g, s, r, "source")
            self.evidence(g, s, r)
        return g


    # --- the 2015 → 2022 correspondence ------------------------------------------------------------
    def correspondence_graph(self) -> Triples:
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
        for a in linking.correspondence(self.ds):
            src = self.source_item(a)
            tgt = V.item("2022", a.target_level, a.target_code)
            assoc = V.uri("correspondence", "2015-2022", f"{a.source_level}-{a.source_key}")
            g.add((corr, XKOS.madeOf, assoc))
            g.add((assoc, RDF.type, XKOS.ConceptAssociation))
            g.add((assoc, XKOS.sourceConcept, src))
            g.add((assoc, XKOS.targetConcept, tgt))
            g.add((assoc, SKOS.changeNote, Literal(a.note(), lang="en")))
            g.add((assoc, DCTERMS.type, Literal(a.kind)))
        return g

    def source_item(self, a: "linking.Association") -> URIRef:
        if a.source_level == "work-type":
            return V.item("2015", "work-type", a.source_key)
        return V.item("2015", a.source_level, a.source_key)


def build_graphs(ds: Dataset, ontology: Graph, spelled: Callable[[], Mapping[str, str]] | None = None) -> dict[str, Graph | Triples]:
    """The asserted named graphs, keyed by the names in `vocab.GRAPHS`.

    Pinyin is a third of the time at a million triples: `spelled` may give it for the names of
    `pinyin_names`, worked out elsewhere meanwhile (the build does it in a child process); it is
    asked for only once everything else is built. A name it lacks is spelled here."""
    b = Builder(ds)
    graphs = {"ontology": ontology}
    for ed in ds.rows("editions.csv"):
        graphs[f"edition-{ed['id']}"] = b.edition_graph(ed["id"])
    graphs["announcements"] = b.announcements_graph()
    graphs["correspondence-2015-2022"] = b.correspondence_graph()
    known = spelled() if spelled is not None else {}
    for g, s, name in b.pinyin:
        text = known[name] if name in known else pinyin_label(name)
        g.add((s, SKOS.prefLabel, Literal(text, lang="zh-Latn-pinyin")))
    return graphs
