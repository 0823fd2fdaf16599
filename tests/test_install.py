"""A regular install (`pip install .`, not `-e`) from a clean clone builds and serves away from any checkout.

The clone holds only what is committed; the new virtualenv sees this environment's dependencies
through a `.pth` line but not its editable cnocc, so what runs is the installed package with the
data it carries (`cnocc/_home`). Built without network: --no-build-isolation, --no-deps.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import free_port

from cnocc import paths


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    if not (paths.PROJECT_ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("needs a git checkout to clone")
    work = tmp_path_factory.mktemp("install")
    clone = work / "clone"
    subprocess.run(["git", "clone", "--quiet", str(paths.PROJECT_ROOT), str(clone)], check=True)
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    inner = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                           capture_output=True, text=True, check=True).stdout.strip()
    (Path(inner) / "outer.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", str(clone)],
                   check=True, cwd=work, env={**os.environ, "PIP_NO_INDEX": "1"})
    shutil.rmtree(clone)  # nothing may still read from the clone
    return venv


def _run(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CNOCC_HOME")}
    return subprocess.run([str(venv / "bin" / "cnocc"), *args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=600)


def test_the_installed_package_is_not_the_checkout(installed, tmp_path):
    out = subprocess.run([str(installed / "bin" / "python"), "-c", "import cnocc, cnocc.paths as p; "
                          "print(cnocc.__file__); print(p.DATA_DIR)"], capture_output=True, text=True, cwd=tmp_path,
                         env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, check=True).stdout.split("\n")
    assert out[0].startswith(str(installed)), out
    assert out[1].startswith(str(installed)) and out[1].endswith("_home/data"), out


def test_installed_build_and_serve(installed, tmp_path):
    dist = tmp_path / "dist"
    r = _run(installed, "build", "--out", str(dist), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    expected = sorted(p.name for p in (paths.DATA_DIR / "mappings").glob("*.sssom.tsv"))
    assert set(expected) <= {p.name for p in dist.iterdir()}
    assert (dist / "cnocc.nq").stat().st_size > 0
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CNOCC_HOME")}
    proc = subprocess.Popen([str(installed / "bin" / "cnocc"), "serve", str(dist), "--port", str(port)], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/2022/occupation/2-02-38-08.jsonld", timeout=5) as resp:
                    body = json.loads(resp.read())
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.poll() is not None else "timeout"
                time.sleep(0.3)
        assert "区块链工程技术人员" in json.dumps(body, ensure_ascii=False)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
