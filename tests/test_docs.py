"""Documentation that cannot fall behind: every command, bundled query and shape is in docs/reference.md."""

from __future__ import annotations

import pytest
from rdflib import Graph
from rdflib.namespace import RDF

from cnocc import paths
from cnocc.cli import main
from cnocc.store.queries import bundled
from cnocc.model.vocab import SH

REFERENCE = (paths.PROJECT_ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
README = (paths.PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def test_reference_page_is_current():
    from cnocc.reference import render

    assert REFERENCE == render(main), "docs/reference.md is stale: run 'cnocc reference > docs/reference.md'"


def test_readme_opens_with_the_two_commands():
    head = "\n".join(README.splitlines()[:6])
    assert "make build" in head and "make test" in head


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_is_documented(command):
    assert f"`cnocc {command}" in REFERENCE
    assert f"cnocc {command}" in README


@pytest.mark.parametrize("name", sorted(bundled()))
def test_every_bundled_query_is_documented(name):
    assert f"`{name}`" in REFERENCE


def _shape_names() -> list[str]:
    g = Graph().parse(paths.SHAPES_DIR / "cnocc-shapes.ttl")
    return sorted(str(g.value(s, SH.name)) for s in g.subjects(RDF.type, SH.NodeShape) if g.value(s, SH.name))


@pytest.mark.parametrize("name", _shape_names())
def test_every_shape_is_documented(name):
    assert f"| {name} |" in REFERENCE
