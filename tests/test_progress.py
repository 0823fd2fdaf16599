"""What `cnocc build` prints while it works: a live line on a terminal, silence in pipes and CI.

Each case runs the real command on the real data: piped (as CI and scripts see it), with
--verbose, with --quiet and --profile, and with stderr on a pseudo-terminal (as a maintainer
sees it).
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys

from cnocc import paths
from conftest import run_cli

STAGES = ["read sources", "build graphs", "load store", "reason", "validate", "describe", "export cnocc.ttl"]


def test_piped_build_prints_the_summary_and_no_progress(tmp_path):
    proc = run_cli("build", "--out", str(tmp_path / "dist"))
    assert proc.returncode == 0, proc.stderr
    assert "edition-2022" in proc.stdout and "wrote" in proc.stdout
    assert not any(f"{s}:" in proc.stderr for s in STAGES), proc.stderr
    assert "\r" not in proc.stderr


def test_verbose_prints_every_stage_with_time_and_memory(tmp_path):
    proc = run_cli("build", "--verbose", "--out", str(tmp_path / "dist"))
    assert proc.returncode == 0, proc.stderr
    for stage in STAGES:
        line = next((ln for ln in proc.stderr.splitlines() if ln.startswith(f"{stage}: ")), None)
        assert line is not None, f"no line for {stage}:\n{proc.stderr}"
        assert " s, " in line and line.split(", ")[1].endswith("MB")
    assert "round 1:" in proc.stderr  # the reasoning rounds, as details of their stage


def test_quiet_prints_nothing_and_profile_has_every_stage(tmp_path):
    profile = tmp_path / "profile.json"
    proc = run_cli("build", "--quiet", "--profile", str(profile), "--out", str(tmp_path / "dist"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and proc.stderr == ""
    p = json.loads(profile.read_text(encoding="utf-8"))
    assert set(STAGES) <= set(p["stages"])
    assert all(v["s"] >= 0 and v["peak_mb"] > 0 for v in p["stages"].values())
    counts = p["graphs"]
    assert p["quads"] == sum(counts.values()) and counts["inferred"] > 0
    # stages a forked child ran (validation, some exports) overlap the others; the rest add up
    alongside = {k for k, v in p["stages"].items() if v.get("alongside")}
    assert {"validate", "export cnocc.jsonld"} <= alongside
    assert p["total_s"] >= sum(v["s"] for k, v in p["stages"].items() if k not in alongside) * 0.99
    assert all(p["total_s"] >= p["stages"][k]["s"] for k in alongside)
    assert p["peak_mb"] >= max(v["peak_mb"] for v in p["stages"].values())


def test_terminal_gets_a_live_status_line(tmp_path):
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "cnocc.cli", "build", "--out", str(tmp_path / "dist")],
                            stdout=subprocess.PIPE, stderr=slave, cwd=paths.PROJECT_ROOT.parent, env=os.environ)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=600)
    os.close(master)
    seen = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0
    assert "\r\x1b[K" in seen  # the status line is redrawn in place
    for stage in STAGES:
        assert f"{stage}: " in seen, seen[-2000:]
