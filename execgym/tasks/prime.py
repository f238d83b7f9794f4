"""The unit-test reward of ExecVerify's Stage II (``reward="prime"`` in UnitTest-v0), with its crash fixed.

Contract: ``prime_score(details) -> (reward, max_reward, reason)`` from the per-test verdicts of one run of
every test (each test in its own sandbox run, under the task's per-test ``timeout``; the verdicts are
computed in the caller by ``UnitTestTask.judge``). The rules of the reference (verl ``prime_code`` with
``continuous=True``, wrapped by ExecVerify's ``code_gen.compute_score_prime``; research notes §12.4):

1. all tests together: when every test passes, the pass rate is 1;
2. otherwise the first ``FIRST_N`` (10) tests one by one: the pass rate is the fraction of them that pass
   (so a solution failing only test 11 or later still gets 1);
3. reward = pass rate + ``FORMAT_BONUS`` (0.05) for a response holding ``<answer>`` and ``</answer>`` (a
   response without them is a ``format_error`` before this point), at most 1.05.

The fix: the reference never assigns its score at pass rate 0 and raises ``UnboundLocalError`` (verl's
manager then scores 0.0, hiding the format bonus and any real error); here pass rate 0 scores the bonus,
0.05, with the reason (when every test timed out, or the sandbox failed, UnitTest-v0 scores 0 with outcome
``timeout`` / ``error`` before these rules, as for ``pass_rate``). Tests run once: rule 2 reads the first ten verdicts of the same runs (each test is
already a separate process here, so "one by one" gives the same verdicts).
"""

from __future__ import annotations

FIRST_N = 10
FORMAT_BONUS = 0.05
MAX_REWARD = 1.0 + FORMAT_BONUS


def prime_score(details: list[dict]) -> tuple[float, float, str]:
    """(reward, max reward, reason) under the PRIME/APPS rules above; ``details`` carry ``correct``."""
    n = len(details)
    if n and all(d.get("correct") for d in details):
        return MAX_REWARD, MAX_REWARD, f"prime: all {n} test(s) passed together (pass rate 1) + format 0.05"
    first = details[:FIRST_N]
    passed = sum(1 for d in first if d.get("correct"))
    rate = passed / len(first) if first else 0.0
    reason = (f"prime: not all {n} test(s) passed; {passed} of the first {len(first)} passed one by one "
              f"(pass rate {rate:.3g}) + format 0.05")
    return rate + FORMAT_BONUS, MAX_REWARD, reason
