"""A real browser on the real server: home page, search, a concept page, up its breadcrumb.

Drives the system's Chromium with Playwright (never a downloaded browser). Without Chromium the
test skips, except under CNOCC_REQUIRE_BROWSER=1 (set by .ci/run), where a missing browser fails.
The screenshots land in test-output/browser/ for people to look at.
"""

from __future__ import annotations

import csv
import os
import shutil

import pytest

from cnocc import paths

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRED = os.environ.get("CNOCC_REQUIRE_BROWSER") == "1"
OUT = paths.PROJECT_ROOT / "test-output" / "browser"


def blockchain_2022() -> dict:
    with open(paths.DATA_DIR / "2022" / "occupations.csv", encoding="utf-8", newline="") as f:
        return next(r for r in csv.DictReader(f) if r["name_zh"] == "区块链工程技术人员")


def group_names() -> dict[str, str]:
    with open(paths.DATA_DIR / "2022" / "groups.csv", encoding="utf-8", newline="") as f:
        return {r["code"]: r["name_zh"] for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        if REQUIRED:
            pytest.fail("Chromium is required here (CNOCC_REQUIRE_BROWSER=1) but not installed")
        pytest.skip("no Chromium on this machine (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--disable-gpu", "--no-first-run"])
        yield b
        b.close()


def test_search_then_walk_up_the_breadcrumb(server, browser):
    occ, names = blockchain_2022(), group_names()
    OUT.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    offsite = []
    page.on("request", lambda r: offsite.append(r.url) if not r.url.startswith(server.url) else None)

    page.goto(server.url + "/")
    assert page.locator("svg").count() >= 1, "the home page shows at least one picture"
    page.screenshot(path=str(OUT / "home.png"), full_page=True)

    page.locator("input[name=q]").first.fill("区块链")
    page.locator("input[name=q]").first.press("Enter")
    page.wait_for_url("**/search?**")
    result = page.locator(f"a[href$='/2022/occupation/{occ['code']}']").first
    assert result.count() == 1, page.content()[:2000]
    result.click()
    page.wait_for_url(f"**/2022/occupation/{occ['code']}")
    assert occ["name_zh"] in page.locator("h1").inner_text()
    page.screenshot(path=str(OUT / "concept-page.png"), full_page=True)

    # up the breadcrumb: 小类 → 中类 → 大类, each a page of its own
    code = occ["code"]
    for parent in (code[:-3], code[:-6], code[:1]):
        link = page.locator(f"nav.breadcrumb a[href$='/{parent}']").first
        assert link.count() == 1, f"no breadcrumb link to {parent}"
        link.click()
        page.wait_for_url(f"**/{parent}")
        assert names[parent] in page.locator("h1").inner_text()
    page.screenshot(path=str(OUT / "major-group.png"), full_page=True)
    assert offsite == [], f"pages asked for resources outside the server: {offsite}"
