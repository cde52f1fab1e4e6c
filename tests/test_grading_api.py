"""The check API itself: results, failures, misbehaving candidates, notebook display."""

import numpy as np
import pytest

from nnutils import reference as ref
from nnutils.checks import CheckFailed, CheckResult, ExerciseNotWritten, check, run_check


def test_passing_result_is_truthy_and_counts_cases():
    result = run_check("linear_forward", ref.linear_forward)
    assert result and result.passed and result.cases >= 3 and result.messages == []
    assert "passed" in str(result) and "passed" in result._repr_html_()


def test_seed_makes_cases_reproducible():
    def wrong(A, W, b):
        return W @ A, (A, W, b)

    assert (
        run_check("linear_forward", wrong, seed=3).messages
        == run_check("linear_forward", wrong, seed=3).messages
    )


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (lambda A, W, b: None, "is a `return` missing"),
        (lambda A, W, b: 1 / 0, "raised ZeroDivisionError"),
        (lambda A, W, b: ("Z", (A, W, b)), "should be a NumPy array"),
        (lambda A, W, b: (np.full((W.shape[0], A.shape[1]), np.nan), (A, W, b)), "NaN"),
        (lambda A, W, b: (W @ A + b,), "tuple of 2"),
        (lambda A: A, "raised TypeError"),
        (42, "pass the function itself"),
    ],
)
def test_misbehaving_candidates_fail_with_a_message_and_never_raise(candidate, words):
    result = run_check("linear_forward", candidate)
    assert not result.passed
    assert words in " ".join(result.messages)


def test_changing_an_input_in_place_is_a_mistake():
    def in_place(A, W, b):
        A *= 1.0
        A[0, 0] += 1.0
        return W @ A + b, (A, W, b)

    result = run_check("linear_forward", in_place)
    assert not result.passed and "changed its argument `A` in place" in result.messages[0]


def test_not_written_is_reported_as_such():
    def stub(A, W, b):
        raise NotImplementedError("Exercise linear_forward: replace this line with your code.")

    result = run_check("linear_forward", stub)
    assert not result.passed and result.not_written and "not written yet" in result.messages[0]
    with pytest.raises(ExerciseNotWritten) as raised:
        check("linear_forward", stub)
    assert isinstance(raised.value, NotImplementedError) and isinstance(
        raised.value, AssertionError
    )


def test_check_prints_a_pass_and_raises_the_explanation(capsys):
    check("linear_forward", ref.linear_forward)
    assert "passed" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="missing the bias"):
        check("linear_forward", lambda A, W, b: (W @ A, (A, W, b)))


def test_unknown_exercise_suggests_the_closest_name():
    with pytest.raises(KeyError, match="linear_forward"):
        run_check("linear_froward", ref.linear_forward)


def test_failure_renders_as_text_html_and_ansi():
    result = CheckResult("demo", False, ["the sign is wrong.", "expected:\n[1]"])
    assert str(result).startswith("\N{BALLOT X} demo: the sign is wrong.")
    assert "&lt;" not in result._repr_html_() and "the sign is wrong." in result._repr_html_()
    assert "\x1b[31m" in result.ansi()
