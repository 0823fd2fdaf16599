"""The worker processes that run SPARQL queries, and the pool the web process keeps of them.

A runaway query can only be stopped by killing its process (pyoxigraph cannot be interrupted from
Python), and killing a worker must never take the pages down with it. A worker is used by one
request at a time over its own pipe; the web process waits for the reply without blocking the event
loop and kills the worker when the time limit passes.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from pathlib import Path

import pyoxigraph as ox

from cnocc.server.sparql.jobs import Answer, Job, answer

log = logging.getLogger("cnocc.server.sparql.endpoint")  # the endpoint's name, as before the module was split
STARTUP_TIMEOUT = 120.0  # opening the store and importing the parser; generous for a slow disk

# --- inside a worker process ---------------------------------------------------------------------


def _exit_with_parent(parent_pid: int) -> None:
    """A worker busy in a long query never reads its pipe, so it would outlive a killed server."""
    def watch():
        while os.getppid() == parent_pid:
            time.sleep(1)
        os._exit(0)
    threading.Thread(target=watch, daemon=True).start()


def _limit_memory(megabytes: int) -> None:
    """A query that sorts or groups a huge intermediate result would otherwise take the machine's
    memory before the time limit stops it; past the limit the worker dies and is replaced."""
    if megabytes > 0:
        import resource

        resource.setrlimit(resource.RLIMIT_DATA, (megabytes * 2**20, megabytes * 2**20))


def _worker_main(conn, store_dir: str, max_rows: int, parent_pid: int, memory_mb: int = 0) -> None:
    _exit_with_parent(parent_pid)
    _limit_memory(memory_mb)
    import rdflib.plugins.sparql.parser  # noqa: F401 - warm now, not in the first query's time

    store = ox.Store.read_only(store_dir)
    conn.send("ready")
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return  # the server closed the pipe: it is gone or stopping
        if job is None:
            return
        conn.send(answer(store, job, max_rows))


# --- in the web process --------------------------------------------------------------------------


async def _readable(conn, timeout: float) -> None:
    """Wait until the worker has written (or died), without a thread and without blocking."""
    loop = asyncio.get_running_loop()
    ready = loop.create_future()
    fd = conn.fileno()
    loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
    try:
        await asyncio.wait_for(ready, max(timeout, 0))
    finally:
        loop.remove_reader(fd)


class _Worker:
    def __init__(self, ctx, store_dir: Path, max_rows: int, memory_mb: int = 0):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, str(store_dir), max_rows, os.getpid(), memory_mb),
                                name="cnocc-sparql", daemon=True)
        self.proc.start()
        child.close()

    async def ready(self, timeout: float) -> None:
        await _readable(self.conn, timeout)
        if self.conn.recv() != "ready":
            raise RuntimeError("SPARQL worker sent something else than ready")

    async def ask(self, job: Job, timeout: float) -> Answer:
        if timeout <= 0:
            raise asyncio.TimeoutError
        if not self.proc.is_alive():
            raise EOFError("worker not running")
        self.conn.send(job)
        await _readable(self.conn, timeout)
        # a large reply arrives in pieces: read it off the event loop so pages keep being served
        return await asyncio.get_running_loop().run_in_executor(None, self.conn.recv)

    def kill(self) -> None:
        self.proc.kill()
        self.conn.close()


def _seconds(limit: float) -> str:
    return f"{limit:g} second{'' if limit == 1 else 's'}"


class WorkerPool:
    """A fixed number of worker processes, each answering one query at a time.

    A worker that overruns, crashes or is abandoned by its request is killed and replaced, so
    the pool never shrinks and never hands a request a worker with a stale reply in its pipe.
    """

    def __init__(self, store_dir: Path, size: int, max_rows: int, query_timeout: float, memory_mb: int = 0):
        self.store_dir = store_dir
        self.memory_mb = memory_mb
        self.size = size
        self.max_rows = max_rows
        self.query_timeout = query_timeout
        self._ctx = multiprocessing.get_context("spawn")  # fork would copy the web process's store handle
        self._idle: asyncio.Queue[_Worker] | None = None
        self._workers: set[_Worker] = set()
        self._tasks: set[asyncio.Task] = set()

    def _spawn(self) -> _Worker:
        worker = _Worker(self._ctx, self.store_dir, self.max_rows, self.memory_mb)
        self._workers.add(worker)
        return worker

    async def start(self) -> None:
        self._idle = asyncio.Queue()
        workers = [self._spawn() for _ in range(max(1, self.size))]
        await asyncio.gather(*(w.ready(STARTUP_TIMEOUT) for w in workers))
        for worker in workers:
            self._idle.put_nowait(worker)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for worker in list(self._workers):
            self._discard(worker)

    def _discard(self, worker: _Worker) -> None:
        self._workers.discard(worker)
        worker.kill()
        loop = asyncio.get_running_loop()
        loop.run_in_executor(None, worker.proc.join, 10)  # reap it without waiting here

    def _replace(self, worker: _Worker) -> None:
        self._discard(worker)
        task = asyncio.get_running_loop().create_task(self._add_fresh())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _add_fresh(self) -> None:
        """Keep trying: a pool that silently lost a worker would serve ever slower."""
        while True:
            worker = self._spawn()
            try:
                await worker.ready(STARTUP_TIMEOUT)
            except (asyncio.TimeoutError, EOFError, OSError, RuntimeError) as exc:
                log.error("a new SPARQL worker did not start (%s); trying again", exc)
                self._discard(worker)
                await asyncio.sleep(1)
                continue
            self._idle.put_nowait(worker)
            return

    async def run(self, job: Job) -> Answer:
        """Answer `job` within the time limit. The wait for a free worker counts too, or a queue of
        runaway queries could hold a client far longer than the limit it was promised."""
        limit = self.query_timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        try:
            worker = await asyncio.wait_for(self._idle.get(), limit)
        except asyncio.TimeoutError:
            return 503, "text/plain", self._busy_message(limit).encode()
        healthy = False
        try:
            reply = await worker.ask(job, deadline - loop.time())
            healthy = True
            return reply
        except asyncio.TimeoutError:
            log.warning("SPARQL query stopped after %ss", limit)
            return 503, "text/plain", self._timeout_message(limit).encode()
        except (EOFError, OSError) as exc:
            log.error("SPARQL worker %s stopped unexpectedly (%r); replacing it", worker.proc.pid, exc)
            return 500, "text/plain", b"the query worker stopped unexpectedly; try again"
        finally:
            if healthy:
                self._idle.put_nowait(worker)
            else:  # includes a cancelled request: its reply may still come, so nobody else may read it
                self._replace(worker)

    @staticmethod
    def _timeout_message(limit: float) -> str:
        return (f"the query ran longer than {_seconds(limit)}, the time limit of this endpoint, and was stopped: "
                f"make it more selective or add a LIMIT (or, on your own server, raise --query-timeout)")

    @staticmethod
    def _busy_message(limit: float) -> str:
        return (f"no query worker became free within {_seconds(limit)}, the time limit of this endpoint: "
                f"the server is busy, try again shortly")
