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

from crawler.pool import ExtractionPool, HandedOver, hand_over, take_over

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
