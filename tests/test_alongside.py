"""Work in a forked child: its answer, its errors and its stages come back as if it ran in place."""

from __future__ import annotations

import os

import pytest

from cnocc.pipeline import alongside
from cnocc.pipeline.alongside import Alongside
from cnocc.model.errors import ValidationFailed
from cnocc.pipeline.progress import Progress


def _pid_work():
    return os.getpid(), [("work", 0.25, "done")]


def _failing_work():
    raise ValidationFailed("a shape is broken")


@pytest.mark.parametrize("fork", [True, False])
def test_answer_and_stages_come_back(fork, monkeypatch):
    monkeypatch.setattr(alongside, "can_fork", lambda: fork)
    progress = Progress(level=0)
    pid = Alongside("work", _pid_work, progress).result()
    assert (pid != os.getpid()) is fork
    [st] = progress.stages
    assert (st.name, st.seconds, st.items) == ("work", 0.25, "done") and st.peak_mb > 0


@pytest.mark.parametrize("fork", [True, False])
def test_the_childs_error_is_raised_here(fork, monkeypatch):
    monkeypatch.setattr(alongside, "can_fork", lambda: fork)
    job = Alongside("work", _failing_work, Progress(level=0))
    with pytest.raises(ValidationFailed, match="a shape is broken"):
        job.result()


def test_a_child_that_dies_is_an_error_not_a_hang():
    job = Alongside("work", lambda: os._exit(3), Progress(level=0))
    with pytest.raises(RuntimeError, match="ended without an answer"):
        job.result()


def test_stop_ends_the_child():
    import time
    job = Alongside("work", lambda: (time.sleep(600), []), Progress(level=0))
    pid = job._proc.pid
    job.stop()
    with pytest.raises(ProcessLookupError):  # ended and reaped, not left sleeping
        os.kill(pid, 0)
    assert job.done()


def _holding_memory():
    import time
    block = bytearray(300 * 2**20)
    block[::4096] = b"x" * len(block[::4096])  # touch every page, so it is resident
    time.sleep(2.5)
    return len(block), [("hold", 2.5, "")]


def test_memory_while_a_child_runs_counts_the_childs_share():
    from cnocc.pipeline.progress import rss_mb
    progress = Progress(level=0)
    before = rss_mb()
    job = Alongside("hold", _holding_memory, progress)
    with progress.stage("wait"):
        job.result()
    stages = {st.name: st for st in progress.stages}
    wait, hold = stages["wait"], stages["hold"]
    assert hold.alongside and not wait.alongside
    # the child's 300 MB are its own pages, on top of what this process holds
    assert wait.peak_mb >= before + 250 and hold.peak_mb >= before + 250
