"""The command line as a user meets it: help, version, exit codes, validation of a built folder."""

from __future__ import annotations

import shutil

import pytest
from rdflib import Dataset, Literal, URIRef
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


@pytest.mark.parametrize("engine", ["auto", "pyshacl"])
def test_validate_reports_conformance_on_a_build(built, engine):
    _, out = built
    proc = run_cli("validate", str(out), "--engine", engine)
    assert proc.returncode == 0, proc.stdout
    assert "conforms" in proc.stdout


def _broken_copy(out, tmp_path, graph: str, edit) -> object:
    """A copy of the build with `edit(graph)` applied to one named graph, in both dumps: the fast path
    reads the N-Quads, pyshacl the TriG."""
    broken = tmp_path / "dist"
    shutil.copytree(out, broken)
    d = Dataset()
    d.parse(broken / "cnocc.trig", format="trig")
    edit(d.graph(URIRef(f"https://w3id.org/cnocc/graph/{graph}")))
    d.serialize(broken / "cnocc.trig", format="trig")
    d.serialize(broken / "cnocc.nq", format="nquads")
    return broken


@pytest.mark.parametrize("engine", ["auto", "pyshacl"])
def test_validate_fails_readably_on_a_broken_build(built, tmp_path, engine):
    occ = URIRef("https://w3id.org/cnocc/2015/occupation/4-01-02-07")

    def recode(g):
        g.remove((occ, SKOS.notation, None))
        g.add((occ, SKOS.notation, Literal("4-14-02-07")))

    broken = _broken_copy(built[1], tmp_path, "edition-2015", recode)
    proc = run_cli("validate", str(broken), "--engine", engine)
    assert proc.returncode == 1
    assert "互联网营销师" in proc.stdout
    assert "does not extend its parent's code 4-01-02" in proc.stdout


@pytest.mark.parametrize("engine", ["auto", "pyshacl"])
def test_validate_without_a_build(tmp_path, engine):
    proc = run_cli("validate", str(tmp_path), "--engine", engine)
    assert proc.returncode == 2
    assert "cnocc build" in proc.stderr and "first" in proc.stderr


def test_validate_engines_agree_on_a_broken_build_result_for_result(built, tmp_path):
    """Several problems at once: the store path reports exactly pyshacl's results, in the same words."""
    def unname(g):
        for code in ("2-02-38-08", "4-14-04-04", "6-18-01-13"):
            g.remove((URIRef(f"https://w3id.org/cnocc/2022/occupation/{code}"), SKOS.prefLabel, None))

    broken = _broken_copy(built[1], tmp_path, "edition-2022", unname)
    fast, ref = (run_cli("validate", str(broken), "--engine", e) for e in ("auto", "pyshacl"))
    assert fast.returncode == ref.returncode == 1
    assert fast.stdout.count("- https://w3id.org/cnocc/2022/occupation/") >= 3
    assert fast.stdout == ref.stdout
