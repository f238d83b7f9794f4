"""The scoring threads' turns (execgym.engine.turns): one thread at a time runs its Python work, and a thread
waiting for the sandbox lets the others run."""

from __future__ import annotations

import threading

import execgym
from execgym.engine import turns


def test_a_turn_excludes_other_threads_until_it_waits():
    lock = threading.Lock()
    entered, release, waited = threading.Event(), threading.Event(), threading.Event()

    def holder():
        with turns.turn(lock):
            entered.set()
            with turns.turn(lock):  # re-entry is a no-op, not a deadlock
                pass
            release.wait(10)
            with turns.waiting():
                waited.wait(10)

    t = threading.Thread(target=holder)
    t.start()
    assert entered.wait(10)
    assert not lock.acquire(timeout=0.1)  # held by the other thread
    release.set()
    assert lock.acquire(timeout=10)  # given up while it waits
    lock.release()
    waited.set()
    t.join(10)
    assert not t.is_alive()
    assert lock.acquire(blocking=False)  # released at the end of the turn
    lock.release()


def test_waiting_without_a_turn_is_a_no_op():
    lock = threading.Lock()
    lock.acquire()  # held by this thread, but not as a turn
    with turns.waiting():
        assert lock.locked()  # waiting() releases only a turn
    assert lock.locked() and getattr(turns._local, "lock", None) is None
    lock.release()


def test_a_sandbox_run_gives_the_turn_up():
    lock = threading.Lock()
    got = {}
    entered = threading.Event()

    def runner():
        with turns.turn(lock):
            entered.set()
            got["result"] = execgym.run("import time\ndef f():\n    time.sleep(1.0)\n    return 1\n", "f()")

    t = threading.Thread(target=runner)
    t.start()
    assert entered.wait(10)
    acquired = False
    for _ in range(200):  # while the program sleeps in the sandbox, this thread gets the turn
        if lock.acquire(timeout=0.05):
            acquired = True
            lock.release()
            break
    t.join(60)
    assert acquired
    assert got["result"].ok and got["result"].return_value == 1


def test_a_fair_lock_goes_to_its_waiters_in_order():
    lock = turns.FairLock()
    lock.acquire()
    order, started = [], []

    def waiter(k):
        started.append(k)
        with turns.turn(lock):
            order.append(k)

    threads = []
    for k in range(5):
        t = threading.Thread(target=waiter, args=(k,))
        t.start()
        threads.append(t)
        while len(lock._waiters) < k + 1:  # queued before the next one starts
            threading.Event().wait(0.001)
    lock.release()
    for t in threads:
        t.join(10)
    assert order == [0, 1, 2, 3, 4]
    assert lock.acquire() and lock._held
    lock.release()
    assert not lock._held
