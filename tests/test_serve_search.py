"""Search over real HTTP: what a person remembers of an occupation finds it, ranked predictably.

The occupation, its codes and its English name come from the committed tables in data/.
"""

from __future__ import annotations

import csv

import httpx
import pytest

from cnocc import paths
from cnocc.model import vocab as V
from cnocc.graphs.pinyin import pinyin_label
from cnocc.server.search import MAX_LIMIT


def rows(name: str) -> list[dict]:
    with open(paths.DATA_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


NEW = next(r for r in rows("2022/occupations.csv") if r["name_zh"] == "区块链工程技术人员")
OLD = next(r for r in rows("occupations.csv") if r["name_zh"] == NEW["name_zh"])  # its 2015-frame twin
NEW_PATH = f"/2022/occupation/{NEW['code']}"
KEYS = {"uri", "path", "name_zh", "name_en", "code", "edition", "level", "score"}


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, timeout=60) as c:
        yield c


def search(client, q: str, **params) -> list[dict]:
    r = client.get("/api/search", params={"q": q, **params})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    return r.json()


def position(results: list[dict], path: str) -> int:
    return [r["path"] for r in results].index(path)


PINYIN = pinyin_label(NEW["name_zh"])  # tone-marked, one syllable per word, as the build derives it
TONELESS = "".join(PINYIN.split()).translate(str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü", "aaaaeeeeiiiioooouuuuuuuuu"))


@pytest.mark.parametrize("q", [
    "区块链",                       # start of the Chinese name
    NEW["name_zh"][1:5],            # "块链工程": inside it
    TONELESS[:10],                  # "qukuailian": start of the pinyin, no tones, no spaces
    " ".join(PINYIN.split()[:3]),   # "qū kuài liàn": tones and spaces
    TONELESS,                       # the whole name in pinyin, run together
    OLD["name_en"].split()[0].lower(),  # "blockchain": an English word, any case
    OLD["name_en"].split()[0].upper(),
])
def test_names_find_the_2022_occupation_first(client, q):
    assert position(search(client, q), NEW_PATH) == 0, q


def test_code_prefix_finds_it_near_the_top(client):
    prefix = NEW["code"][:-3]  # "2-02-38": its 小类
    results = search(client, prefix)
    assert results[0]["code"] == prefix and results[0]["level"] == "minor-group"  # exact code first
    siblings = sorted(r["code"] for r in rows("2022/occupations.csv") if r["code"].startswith(prefix + "-"))
    assert position(results, NEW_PATH) == 1 + siblings.index(NEW["code"])  # then the prefix matches, in code order
    assert position(results, NEW_PATH) < 10


def test_ranking_exact_code_then_exact_name_then_prefix(client):
    by_code = search(client, NEW["code"])
    assert by_code[0]["path"] == NEW_PATH and by_code[0]["score"] > max([r["score"] for r in by_code[1:]] or [0])
    by_name = search(client, NEW["name_zh"])
    assert [r["path"] for r in by_name[:2]] == [NEW_PATH, f"/2015/occupation/{OLD['code']}"]  # 2022 first on a tie
    assert by_name[0]["score"] == by_name[1]["score"] > by_name[2]["score"] if len(by_name) > 2 else True
    assert by_code[0]["score"] > by_name[0]["score"]
    by_prefix = search(client, "区块链")
    assert by_name[0]["score"] > by_prefix[0]["score"]
    scores = [r["score"] for r in by_prefix]
    assert scores == sorted(scores, reverse=True)


def test_result_shape(client):
    results = search(client, "区块链")
    assert results and all(set(r) == KEYS for r in results)
    top = results[0]
    assert top == {"uri": V.BASE + NEW_PATH[1:], "path": NEW_PATH, "name_zh": NEW["name_zh"], "name_en": None,
                   "code": NEW["code"], "edition": "2022", "level": "occupation", "score": top["score"]}
    assert isinstance(top["score"], int)
    for r in results:
        assert r["uri"] == V.BASE + r["path"][1:]
        assert client.get(r["path"], headers={"Accept": "text/turtle"}).status_code == 200
    old = next(r for r in results if r["edition"] == "2015" and r["code"] == OLD["code"])
    assert old["name_en"] == OLD["name_en"]


def test_limit(client):
    assert len(search(client, "人员", limit=1)) == 1
    assert len(search(client, "人员", limit=5)) == 5
    assert len(search(client, "人员", limit=10_000)) == MAX_LIMIT
    assert len(search(client, "人员")) == 20  # the default
    for bad in ("abc", "0", "-3"):
        assert client.get("/api/search", params={"q": "人员", "limit": bad}).status_code == 400


@pytest.mark.parametrize("q", ["", "   ", "　"])
def test_empty_query_gives_nothing(client, q):
    assert search(client, q) == []


def test_search_page(client):
    html = client.get("/search", params={"q": "区块链"}).text
    assert 'name="q"' in html and 'value="区块链"' in html
    assert html.index(f'href="{NEW_PATH}"') < html.index(f'href="/2015/occupation/{OLD["code"]}"')
    empty = client.get("/search")
    assert empty.status_code == 200 and 'name="q"' in empty.text and f'href="{NEW_PATH}"' not in empty.text
