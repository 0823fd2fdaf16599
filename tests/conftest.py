"""Shared fixtures: one real build of the real data per test session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cnocc import paths
from cnocc.build import BuildResult, build, Project


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> tuple[BuildResult, Path]:
    out = tmp_path_factory.mktemp("build") / "dist"
    return build(Project(), out), out


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the installed command as a user would, from a neutral working directory."""
    return subprocess.run([sys.executable, "-m", "cnocc.cli", *args], capture_output=True, text=True,
                          cwd=paths.PROJECT_ROOT.parent, env={**os.environ, **(env or {})}, timeout=600)
