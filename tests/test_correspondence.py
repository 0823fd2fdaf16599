"""The 2015→2022 correspondence and the batches: links by exact name only, each with its note."""

from __future__ import annotations

import csv

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from cnocc import paths
from cnocc.model.vocab import BASE, CNOCC, XKOS

CORR = URIRef(BASE + "correspondence/2015-2022")


def _csv(name: str) -> list[dict]:
    with (paths.DATA_DIR / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def links(built):
    result, _ = built
    g = result.bundle.graphs["correspondence-2015-2022"]
    out = {}
    for a in g.objects(CORR, XKOS.madeOf):
        out[str(g.value(a, XKOS.sourceConcept))] = (str(g.value(a, XKOS.targetConcept)), str(g.value(a, SKOS.changeNote)),
                                                     str(g.value(a, DCTERMS.type)))
    return out


def test_correspondence_compares_the_two_editions(built):
    result, _ = built
    g = result.bundle.graphs["correspondence-2015-2022"]
    assert set(g.objects(CORR, XKOS.compares)) == {URIRef(BASE + "2015"), URIRef(BASE + "2022")}
    assert (URIRef(BASE + "2022"), XKOS.supersedes, URIRef(BASE + "2015")) in result.bundle.graphs["edition-2022"]


@pytest.mark.parametrize("source,target,kind", [
    ("2015/occupation/4-14-01-04", "2022/occupation/4-14-04-04", "renumbered"),  # 社群健康助理员
    ("2015/occupation/2-02-10-15", "2022/occupation/2-02-38-08", "renumbered"),  # 区块链工程技术人员
    ("2015/occupation/4-14-02-05", "2022/occupation/4-14-02-05", "unchanged"),  # 老年人能力评估师
    ("2015/occupation/chengshi-guanli-wanggeyuan", "2022/occupation/3-01-04-02", "coded"),
    ("2015/work-type/fangyiyuan", "2022/occupation/4-14-04-01", "raised"),  # raised in 2020
    ("2015/occupation/fangyiyuan", "2022/occupation/4-14-04-01", "coded"),
    ("2015/work-type/xiaoduyuan", "2022/occupation/4-14-04-02", "raised"),
    ("2015/work-type/gonggong-changsuo-weisheng-guanliyuan", "2022/occupation/4-14-04-03", "raised"),
    ("2015/work-type/laowu-paiqian-guanliyuan", "2022/occupation/4-07-03-06", "raised"),  # a work type in 2020
    ("2015/major-group/2", "2022/major-group/2", "unchanged"),
    ("2015/major-group/7", "2022/major-group/7", "renamed"),  # 军人 → 军队人员
    ("2015/minor-group/4-14-04", "2022/minor-group/4-14-04", "unchanged"),
])
def test_known_associations(links, source, target, kind):
    assert links[BASE + source][0] == BASE + target
    assert links[BASE + source][2] == kind
    assert links[BASE + source][1]  # every association explains itself


def test_renumbering_note_names_both_codes(links):
    note = links[BASE + "2015/occupation/4-14-01-04"][1]
    assert "4-14-01-04" in note and "4-14-04-04" in note


def test_nothing_is_linked_without_an_exact_name(built, links):
    """Every occupation or work-type link joins two items of identical Chinese name."""
    result, _ = built
    g = result.bundle.union()
    for source, (target, _, kind) in links.items():
        if kind == "renamed":
            continue
        zh = {str(o) for o in g.objects(URIRef(source), SKOS.prefLabel) if o.language == "zh"}
        zh_target = {str(o) for o in g.objects(URIRef(target), SKOS.prefLabel) if o.language == "zh"}
        assert zh == zh_target, (source, target)


def test_abolished_occupation_is_not_linked(links):
    assert BASE + "2015/occupation/4-14-04-00" not in links  # 公共卫生辅助服务员, abolished in 2020


def test_groups_with_unsourced_2015_names_are_not_linked(links):
    for code in ("4-01-02", "4-14-01", "4-14-02"):
        assert BASE + f"2015/minor-group/{code}" not in links


def test_every_batch_name_is_announced_and_linked_only_by_exact_name(built):
    result, _ = built
    g = result.bundle.union()
    codes = {}
    for o in _csv("2022/occupations.csv"):
        codes.setdefault(o["name_zh"], []).append(o["code"])
    announcements = {a["id"]: a for a in _csv("announcements.csv")}
    for b in _csv("batch_occupations.csv"):
        ann = URIRef(BASE + "announcement/" + b["announcement"])
        items = [s for s in g.subjects(CNOCC.introducedBy, ann)
                 if Literal(b["name_zh"], lang="zh") in set(g.objects(s, SKOS.prefLabel))]
        assert len(items) == 1, b
        target = codes.get(b["name_zh"], [])
        if announcements[b["announcement"]]["edition"] == "2022":
            expected = BASE + (f"2022/occupation/{target[0]}" if len(target) == 1 else f"2022/occupation/{b['slug']}")
            assert str(items[0]) == expected
        else:
            assert str(items[0]) == BASE + f"2015/occupation/{b['slug']}"


def test_batch_counts_match_the_announced_counts(built):
    result, _ = built
    g = result.bundle.union()
    for a in _csv("announcements.csv"):
        ann = URIRef(BASE + "announcement/" + a["id"])
        new = {s for s in g.subjects(CNOCC.introducedBy, ann)
               if (s, RDF.type, CNOCC.Occupation) in g and (None, CNOCC.raisedTo, s) not in g}
        assert len(new) == int(a["new_occupations"]), a["id"]


def test_build_lists_unmatched_names(built):
    result, _ = built
    unmatched = {(u.announcement, u.name) for u in result.unmatched}
    assert ("batch-2", "电气电子产品环保检测员") in unmatched
    assert ("batch-6", "网络主播") in unmatched
    names_2022 = {o["name_zh"] for o in _csv("2022/occupations.csv")}
    for _, name in unmatched:
        assert name not in names_2022
    matched_batch_names = {b["name_zh"] for b in _csv("batch_occupations.csv")} & names_2022
    assert not matched_batch_names & {n for _, n in unmatched}
