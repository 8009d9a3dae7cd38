"""torch's threads for a run: one, and more only for large data on a machine with cores to
spare (the figures that chose it: tests/bench/threads.py)."""

from __future__ import annotations

import os
import threading

import torch

from gdstudio.core.settings.torch_threads import threads_for, torch_threads, usable_cores


def test_two_cores_train_with_one_thread_at_every_size():
    # measured on a busy 2-core machine: 1 thread 29x faster at 1e5 points, 9x at 1e6
    assert {threads_for(n, cores=2) for n in (1, 10**3, 10**5, 10**6, 10**8)} == {1}
    assert threads_for(10**8, cores=1) == 1


def test_more_threads_only_for_large_data_leaving_a_core_free():
    assert threads_for(100_000, cores=16) == 1
    assert threads_for(500_000, cores=16) == 2
    assert threads_for(10**7, cores=16) == 4  # memory-bound: no more than 4
    assert threads_for(10**7, cores=3) == 2  # one core left to the window


def test_the_machine_is_this_process_cores():
    assert 1 <= usable_cores() <= (os.cpu_count() or 1)
    assert threads_for(10**9) == max(1, min(usable_cores() - 1, 4))


def test_threads_set_for_the_block_then_given_back_in_that_thread_only():
    seen = {}

    def worker():
        before = torch.get_num_threads()
        with torch_threads(1):
            seen["inside"] = torch.get_num_threads()
        seen["after"] = torch.get_num_threads() == before

    main = torch.get_num_threads()
    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == {"inside": 1, "after": True}
    assert torch.get_num_threads() == main
