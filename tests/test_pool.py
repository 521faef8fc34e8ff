"""The extraction pool's hand-over of results, with workers killed at the worst moment."""

from __future__ import annotations

import errno
import multiprocessing.connection
import os
import pickle
import select
import shutil
import signal
from concurrent.futures import Future
from functools import partial

import pytest

from crawler.pool import WORKER_LOST, ExtractionPool, HandedOver, hand_over, take_over

LONG = 100_000


def die_while_answering(item: str) -> str:
    """In a worker: the item, ``LONG`` times over, and the worker killed while it writes its answer.

    The kernel writes a message to a pipe whole if it is at most PIPE_BUF bytes long; of a longer
    one, a process killed while writing may have written any part.
    """
    def send(connection, buf, *_):
        os.write(connection.fileno(), bytes(buf[:select.PIPE_BUF]))
        os.kill(os.getpid(), signal.SIGKILL)

    multiprocessing.connection.Connection._send = send
    return item * LONG


def test_a_worker_killed_while_it_answers_leaves_its_answer_whole():
    with ExtractionPool(1) as pool:
        assert pool.submit(die_while_answering, "x").result() == "x" * LONG
        assert os.listdir(pool.results.name) == []  # each file goes once it is read
    assert not os.path.exists(pool.results.name)


class FullDisk:
    def __reduce__(self):
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_results_directory_removed_under_the_pool_is_no_failure():
    with ExtractionPool(1) as pool:
        shutil.rmtree(pool.results.name)  # a cleaner of the temporary directory
        assert pool.submit(str.upper, "a").result() == "A"


def test_a_result_its_file_cannot_hold_goes_by_the_pipe(tmp_path):
    result = hand_over(str(tmp_path / "gone"), str.upper, "a")
    assert result == "A"
    assert not isinstance(result, HandedOver)
    # Refused once part of it is written (a full disk): the part goes.
    result = hand_over(str(tmp_path), list, ["x" * LONG, FullDisk()])
    assert isinstance(result, list)
    assert list(tmp_path.iterdir()) == []


def test_a_result_that_cannot_be_read_back_is_the_callers_error(tmp_path):
    damaged = tmp_path / "result"
    damaged.write_bytes(b"not a pickle")
    handed, result = Future(), Future()
    handed.add_done_callback(partial(take_over, result))
    handed.set_result(HandedOver(str(damaged)))
    with pytest.raises(pickle.UnpicklingError):
        result.result()


def die_once(marker: str, gate: str | None, item: str) -> str:
    """In a worker: the worker's death the first time, if the item says so; the next time the
    item, once ``gate`` exists if there is one."""
    if item == "death" and not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(1)
    while item == "death" and gate and not os.path.exists(gate):
        select.select([], [], [], 0.01)
    return item


def test_pages_whose_worker_died_are_run_once_more(tmp_path):
    # As a crawl submits them: all at once, each waited on apart. One worker: "death" kills it
    # with the three pages it holds.
    with ExtractionPool(1) as pool:
        futures = [pool.submit(die_once, str(tmp_path / "died"), None, item)
                   for item in ["death", "a", "b"]]
        assert [future.result() for future in futures] == ["death", "a", "b"]
        assert pool.retried == 3


def exit_on_death(item: str) -> str:
    """In a worker: the item, or the worker's death if the item says so."""
    if item == "death":
        os._exit(1)
    return item


def test_a_page_that_kills_its_worker_again_is_lost_alone():
    # The pages that died with it come back one at a time: none is in the pool it kills again.
    with ExtractionPool(1) as pool:
        futures = [pool.submit(exit_on_death, item) for item in ["death", "a", "b"]]
        assert [future.result() for future in futures] == [WORKER_LOST, "a", "b"]


def test_a_pool_shut_down_cancels_the_pages_waiting_to_come_back(tmp_path):
    gate = tmp_path / "gate"
    pool = ExtractionPool(1)
    futures = [pool.submit(die_once, str(tmp_path / "died"), str(gate), item) for item in ["death", "a", "b"]]
    while pool.retried < 3:  # "death" is back, and waits for the gate; "a" and "b" wait their turn
        select.select([], [], [], 0.01)
    pool.shutdown(wait=False, cancel_futures=True)
    assert futures[1].cancelled() and futures[2].cancelled()
    gate.touch()
    assert futures[0].result() == "death"
    with pytest.raises(RuntimeError):
        pool.submit(str.upper, "a")
    pool.shutdown()


def test_pages_that_cannot_come_back_fail_with_the_reason(tmp_path):
    def no_workers():
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    with ExtractionPool(1) as pool:
        pool._start = no_workers  # the workers after the first: as a system out of processes would refuse them
        futures = [pool.submit(die_once, str(tmp_path / "died"), None, item) for item in ["death", "a"]]
        for future in futures:
            with pytest.raises(OSError, match="Resource temporarily unavailable"):
                future.result()
