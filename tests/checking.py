"""Helpers of the checker tests: run a check over several seeds and assert its verdict.

A verdict must not depend on the seed: every test of a correct answer, and every cataloged
mistake with the words of its sentence, runs on the seeds 0 to CHECK_SEEDS - 1; 4 in the test
command (fast), 20 in CI (``.ci/run``). A question's answer is checked once: its check draws
no random cases. ``benchmarks/diagnoses.py`` counts the verdicts of ``fails_with`` and
``values_fail_with``: the catalogue of named mistakes.
"""

import os

from nnutils.checks import run_check

SEEDS = range(int(os.environ.get("CHECK_SEEDS", 4)))


def passes(exercise_id, candidate, seeds=SEEDS):
    """Assert that ``candidate`` passes the check of ``exercise_id`` for every seed."""
    for seed in seeds:
        result = run_check(exercise_id, candidate, seed=seed)
        assert result.passed, f"seed {seed}: {result}"
    return result


def fails_with(exercise_id, candidate, *words, seeds=SEEDS):
    """Assert that the check fails for every seed with a message containing all ``words``."""
    for seed in seeds:
        result = run_check(exercise_id, candidate, seed=seed)
        _assert_fails(result, words, f"seed {seed}: ")
    return result


def values_fail_with(exercise_id, values, *words):
    """Assert that the check of a value exercise or question fails on ``values`` (a dict of the
    keywords of ``check``, as ``{"answer": 0.5}``) with a message containing all ``words``."""
    result = run_check(exercise_id, **values)
    _assert_fails(result, words)
    return result


def _assert_fails(result, words, where=""):
    assert not result.passed, f"{where}a wrong answer passed"
    text = "\n".join(result.messages)
    for word in words:
        assert word in text, f"{where}{word!r} not in {text!r}"
