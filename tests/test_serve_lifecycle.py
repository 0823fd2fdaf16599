"""`cnocc serve` as a user runs it: prints where it listens, stops cleanly on Ctrl-C."""

from __future__ import annotations

from conftest import Server, run_cli


def test_start_prints_the_address_and_ctrl_c_stops_cleanly(built):
    srv = Server(built[1])
    code = srv.stop()
    err = srv.proc.stderr.read()
    assert f"http://127.0.0.1:{srv.port}/" in err
    assert code == 0, err
    assert "Traceback" not in err


def test_serving_a_folder_without_a_build_says_so(tmp_path):
    proc = run_cli("serve", str(tmp_path), "--port", "1")
    assert proc.returncode == 2
    assert "run `cnocc build` first" in proc.stderr
