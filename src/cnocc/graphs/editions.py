"""An edition as a classification: scheme, levels and level types, items, marks, and the items
announced into it."""

from __future__ import annotations

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS, XSD

from cnocc.graphs import linking
from cnocc.graphs.common import Builder, Triples, date_literal
from cnocc.model import vocab as V
from cnocc.model.vocab import CNOCC, XKOS, agency_uri, announcement_uri, source_uri
from cnocc.sources.tables import Row


# --- the edition graph -----------------------------------------------------------------------
def edition_graph(b: Builder, edition_id: str) -> Triples:
    """One edition as a classification: its scheme, levels, items, marks, the announced items it holds."""
    g = Triples()
    ed = b.ds.by("editions.csv", "id")[edition_id]
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
    b.cite(g, scheme, ed, "source")
    b.note(g, scheme, ed)

    levels = [r for r in b.ds.rows("levels.csv") if r["edition"] == edition_id]
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
        b.cite(g, lu, lv, "source")
        b.cite(g, lt, lv, "source")
        b.evidence(g, lu, lv)
        b.evidence(g, lt, lv)
        b.note(g, lu, lv)

    def add_item(s: URIRef, lv: str, row: Row) -> None:
        g.add((s, RDF.type, SKOS.Concept))
        g.add((s, RDF.type, V.LEVEL_CLASS[lv]))
        g.add((s, SKOS.inScheme, scheme))
        g.add((V.level(edition_id, lv), SKOS.member, s))
        b.labels(g, s, row, with_pinyin=True)
        b.note(g, s, row)
        b.cite(g, s, row, "source")
        b.evidence(g, s, row)

    for r in b.ds.rows("groups.csv") + b.ds.rows("2022/groups.csv"):
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

    marks = {m["mark"]: m for m in b.ds.rows("marks.csv") if m["edition"] == edition_id}
    for m in marks.values():
        c = V.uri(edition_id, m["id"])
        g.add((c, RDF.type, SKOS.Collection))
        g.add((c, SKOS.notation, Literal(m["mark"])))
        b.labels(g, c, m)
        g.add((c, CNOCC.officialItemCount, Literal(m.get("official_count"), datatype=XSD.nonNegativeInteger)))
        b.cite(g, c, m, "source")
        b.note(g, c, m)

    for r in b.ds.rows("occupations.csv") + b.ds.rows("2022/occupations.csv"):
        if r["edition"] != edition_id:
            continue
        get = r.values.get
        s = b.occupation_uri(r["slug"]) if get("slug") else V.item(edition_id, "occupation", r["code"])
        add_item(s, "occupation", r)
        if r["code"]:
            g.add((s, SKOS.notation, Literal(r["code"])))
            if get("code_source"):
                b.cite(g, s, r, "code_source")
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
            b.cite(g, s, r, "definition_source")
            if r["definition_confidence"]:
                g.add((s, CNOCC.definitionConfidence, Literal(r["definition_confidence"])))
        if get("introduced_by"):
            g.add((s, CNOCC.introducedBy, announcement_uri(r["introduced_by"])))
        if get("invalidated_by"):
            g.add((s, PROV.wasInvalidatedBy, announcement_uri(r["invalidated_by"])))

    for r in b.ds.rows("batch_occupations.csv"):
        if linking.announcement_edition(b.ds, r) != edition_id:
            continue
        code = linking.match(b.ds, r["name_zh"]) if edition_id == linking.TARGET else None
        ann = announcement_uri(r["announcement"])
        if code is not None:  # the announced name is an item of this edition: say which batch brought it
            s = V.item(edition_id, "occupation", code)
            g.add((s, CNOCC.introducedBy, ann))
            b.cite(g, s, r, "source")
            continue
        s = V.item(edition_id, "occupation", r["slug"])
        add_item(s, "occupation", r)
        g.add((s, CNOCC.introducedBy, ann))
        g.add((s, SKOS.editorialNote, Literal(
            f"Announced in batch {b.ds.by('announcements.csv', 'id')[r['announcement']]['batch']}; "
            f"its code in the {edition_id} frame is not sourced.", lang="en")))

    for r in b.ds.rows("work_types.csv"):
        if r["edition"] != edition_id:
            continue
        s = b.work_type_uri(r["slug"])
        add_item(s, "work-type", r)
        if r["parent"]:
            g.add((s, SKOS.broader, b.occupation_uri(r["parent"])))
            b.cite(g, s, r, "parent_source")
        if r["introduced_by"]:
            g.add((s, CNOCC.introducedBy, announcement_uri(r["introduced_by"])))
        if r["raised_to"]:
            o = b.occupation_uri(r["raised_to"])
            g.add((s, CNOCC.raisedTo, o))
            g.add((o, PROV.wasDerivedFrom, s))
            by = b.occ[r["raised_to"]]["introduced_by"]
            when = f" by the announcement of {by}" if by else ""
            g.add((s, SKOS.changeNote, Literal(f"Work type raised to an occupation{when}.", lang="en")))
            g.add((o, SKOS.changeNote, Literal(f"Raised from a work type{when}.", lang="en")))
    return g
