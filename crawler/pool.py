"""The process pool pages are extracted in, by a crawl and by `scrapy reextract`."""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import re
import shutil
import signal
import tempfile
import threading
from collections import deque
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from functools import partial
from pathlib import Path

logger = logging.getLogger(__name__)

INTERRUPTS = {signal.SIGINT, signal.SIGTERM}  # Ctrl-C; a service manager's stop
RESULTS_PREFIX = "crawler-results-"
RESULTS_DIRECTORY_RE = re.compile(re.escape(RESULTS_PREFIX) + r"(\d+)-")  # the pid of the process it is for

# What a page comes to when its worker died with it twice: the page may well be what kills it.
WORKER_LOST = {"error": "worker-lost", "detail": "its extraction worker died with it, twice (killed, or crashed)"}


class ExtractionPool(Executor):
    """A process pool that survives its workers.

    Ctrl-C and a service manager's stop reach the whole process group, and the caller acts on
    them: it stops its workers once their results are in, so workers ignore both signals. They
    are started afresh, not forked from the caller (forking a process that runs threads is
    unsafe) nor from a fork server (the signal kills the server, and the pool, watching its
    workers through it, counts them all dead).

    A worker that dies all the same (the OOM killer, a crash in a C library) breaks a process
    pool for good: the pages it and the others held fail with ``BrokenProcessPool``. Each of
    them is run once more in a new pool (``retried`` counts them), and one whose worker dies
    again comes to ``WORKER_LOST``: the page may well be what kills it. A worker killed while it
    wrote a result to the pool's pipe would leave half a message there, and the pool would wait
    for the rest for ever; so results go by file (``hand_over``), and the pipe carries only the
    file's name, in one write that the kernel makes whole or not at all.
    """

    def __init__(self, workers: int):
        self.workers = workers
        self.retried = 0
        # Retries wait their turn, one at a time: a page that kills its worker again takes no
        # other retried page with it. They are handed over on the thread of the pool that broke.
        self._waiting: deque[tuple[partial, Future]] = deque()
        self._retrying = False
        self._closed = False
        self._lock = threading.RLock()
        remove_orphaned_results()
        self.results = tempfile.TemporaryDirectory(prefix=f"{RESULTS_PREFIX}{os.getpid()}-", ignore_cleanup_errors=True)
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=_WorkerContext(), initializer=ignore_interrupts)

    def submit(self, fn, /, *args, **kwargs) -> Future:
        """A future of ``fn(*args, **kwargs)``, run in a worker, or of ``WORKER_LOST``. Cancelling it
        drops the result, but does not take the call out of the queue (``shutdown(cancel_futures=True)``
        does): the two futures would hold each other, and the results with them, until the garbage
        collector ran."""
        result = Future()
        self._hand(partial(hand_over, self.results.name, fn, *args, **kwargs), result, retry=False)
        return result

    def _hand(self, work: partial, result: Future, retry: bool) -> None:
        with self._lock:
            if self._closed:
                if not retry:
                    raise RuntimeError("cannot schedule new futures after shutdown")
                result.cancel()  # its turn came as the caller shut the pool down
                return
            try:
                handed = self._pool.submit(work)
            except BrokenProcessPool:
                logger.warning("An extraction worker died (killed, or crashed); starting the workers again")
                self._pool.shutdown(wait=False)
                self._pool = self._start()
                handed = self._pool.submit(work)
        handed.add_done_callback(partial(self._settle, work, result, retry))

    def _settle(self, work: partial, result: Future, retry: bool, handed: Future) -> None:
        """Run as ``handed`` is settled, on its pool's thread: ``result`` settled with what it came
        to, or a call whose worker died queued to run once more."""
        lost = not handed.cancelled() and isinstance(handed.exception(), BrokenProcessPool)
        if lost and not retry:
            with self._lock:
                self.retried += 1
                self._waiting.append((work, result))
        elif lost:
            if result.set_running_or_notify_cancel():
                result.set_result(WORKER_LOST)
        else:
            take_over(result, handed)
        if retry:
            with self._lock:
                self._retrying = False
        self._retry_next()

    def _retry_next(self) -> None:
        """Hand the next call waiting to run once more over, unless one is running."""
        while True:
            with self._lock:
                if self._retrying or not self._waiting:
                    return
                self._retrying = True
                work, result = self._waiting.popleft()
            try:
                self._hand(work, result, retry=True)
                return
            except Exception as exc:  # no new workers (no memory, no processes left): the caller's error
                if result.set_running_or_notify_cancel():
                    result.set_exception(exc)
                with self._lock:
                    self._retrying = False

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """As a process pool's; calls still waiting to be run once more are cancelled."""
        with self._lock:  # not held while it waits: the pool's thread may need it to settle a call
            self._closed = True
            for _, result in self._waiting:
                result.cancel()
            self._waiting.clear()
        self._pool.shutdown(wait, cancel_futures=cancel_futures)
        if wait:  # else a worker may still write its result
            self.results.cleanup()

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        self.shutdown(cancel_futures=exc_type is not None)  # a caller that failed wants no more pages


def remove_orphaned_results() -> None:
    """Remove the results directories of pools whose process is gone: one killed (SIGKILL, the
    OOM killer) could not remove its own, and a crawl run daily would leave one a run."""
    for path in Path(tempfile.gettempdir()).glob(f"{RESULTS_PREFIX}*"):
        named = RESULTS_DIRECTORY_RE.match(path.name)
        if named and path.is_dir() and not is_running(int(named.group(1))):
            shutil.rmtree(path, ignore_errors=True)


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # no signal: only whether there is such a process
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        pass
    return True


class HandedOver(str):
    """The name of the file a worker wrote a result to."""


def hand_over(directory: str, fn, /, *args, **kwargs):
    """Run in a worker: ``fn``'s result, written to a file in ``directory``, whose name is returned.

    A result that finds no room there goes by the pipe, as a pool's results do.
    """
    result = fn(*args, **kwargs)
    file = None
    try:
        with tempfile.NamedTemporaryFile(dir=directory, delete=False) as file:
            pickle.dump(result, file, pickle.HIGHEST_PROTOCOL)
    except OSError:
        if file:
            with suppress(OSError):
                os.unlink(file.name)
        return result
    return HandedOver(file.name)  # a message far shorter than the pipe's atomic write (PIPE_BUF)


def take_over(result: Future, handed: Future) -> None:
    """Settle ``result`` with what ``handed`` came to: a worker's result, read from its file."""
    if handed.cancelled():
        result.cancel()
        return
    error = handed.exception()
    value = None if error else handed.result()
    if isinstance(value, HandedOver):
        name = value
        try:
            with open(name, "rb") as file:
                value = pickle.load(file)
            os.unlink(name)
        except Exception as exc:  # unsettled, the future would keep its caller waiting for ever
            error = exc
    if not result.set_running_or_notify_cancel():  # the caller gave up on it
        return
    if error:
        result.set_exception(error)
    else:
        result.set_result(value)


class _WorkerProcess(multiprocessing.context.SpawnProcess):
    def start(self) -> None:
        # Blocked from its first instruction, as CPython starts its resource tracker: a signal
        # sent while it imports waits for ``ignore_interrupts`` instead of killing it.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, INTERRUPTS)
        try:
            super().start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


class _WorkerContext(multiprocessing.context.SpawnContext):
    Process = _WorkerProcess


def ignore_interrupts() -> None:
    """Run in a worker as it starts; a signal that came before is dropped with the block."""
    for signum in INTERRUPTS:
        signal.signal(signum, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, INTERRUPTS)
