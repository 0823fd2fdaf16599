"""The command line as a user meets it: help, version, exit codes, validation of a built folder."""

from __future__ import annotations

import shutil

import pytest
from rdflib import Dataset, URIRef
from rdflib.namespace import SKOS

from cnocc import __version__
from conftest import run_cli


@pytest.mark.parametrize("cmd", [[], ["build"], ["validate"], ["query"]])
def test_help(cmd):
    proc = run_cli(*cmd, "--help")
    assert proc.returncode == 0
    assert "Usage:" in proc.stdout


def test_version():
    proc = run_cli("--version")
    assert proc.returncode == 0 and __version__ in proc.stdout


def test_validate_reports_conformance_on_a_build(built):
    _, out = built
    proc = run_cli("validate", str(out))
    assert proc.returncode == 0, proc.stdout
    assert "conforms" in proc.stdout


def test_validate_fails_readably_on_a_broken_build(built, tmp_path):
    _, out = built
    broken = tmp_path / "dist"
    shutil.copytree(out, broken)
    d = Dataset()
    d.parse(broken / "cnocc.trig", format="trig")
    g = d.graph(URIRef("https://w3id.org/cnocc/graph/edition-2015"))
    occ = URIRef("https://w3id.org/cnocc/2015/occupation/4-01-02-07")
    g.remove((occ, SKOS.notation, None))
    g.add((occ, SKOS.notation, __import__("rdflib").Literal("4-14-02-07")))
    d.serialize(broken / "cnocc.trig", format="trig")
    proc = run_cli("validate", str(broken))
    assert proc.returncode == 1
    assert "互联网营销师" in proc.stdout
    assert "does not extend its parent's code 4-01-02" in proc.stdout


def test_validate_without_a_build(tmp_path):
    proc = run_cli("validate", str(tmp_path))
    assert proc.returncode == 2
    assert "run 'cnocc build' first" in proc.stderr
