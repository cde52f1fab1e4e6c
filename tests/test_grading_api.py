"""The check API itself: results, failures, misbehaving candidates, notebook display."""

import math
import subprocess
import sys

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from nnutils import reference as ref
from nnutils.checks import (
    CheckFailed,
    CheckInterrupted,
    CheckResult,
    ExerciseNotWritten,
    check,
    run_check,
)
from nnutils.grading.expect import EXCEPTION_HINTS, hint_for


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


def test_a_failing_case_is_shown_again_until_it_passes(monkeypatch):
    """Two attempts can be compared: the inputs of the last failure come first again."""
    from nnutils.grading import api

    monkeypatch.setattr(api, "_FAILED_SEEDS", {})
    seen = []

    def recording(answer):
        def sigmoid(Z):
            seen.append(np.array(Z, copy=True))
            return answer(Z)

        return sigmoid

    first = run_check("sigmoid", recording(lambda Z: 1 / (1 + np.exp(Z))))
    shown = len(seen)
    again = run_check("sigmoid", recording(lambda Z: 1 / (1 + np.exp(Z)) + 0))
    assert not first.passed and first.messages == again.messages
    assert all(np.array_equal(a, b) for a, b in zip(seen[:shown], seen[shown:], strict=True))
    assert any("same test cases as at your last failing attempt" in note for note in again.notes)
    assert not any("same test cases" in note for note in first.notes)

    seen.clear()
    fixed = run_check("sigmoid", recording(ref.sigmoid))
    one_run = run_check("sigmoid", ref.sigmoid, seed=0).cases
    assert fixed.passed and len(seen) == 2 * one_run, "the old cases, then fresh ones"
    assert not any(
        np.array_equal(a, b)
        for a, b in zip(seen[:one_run], seen[one_run:], strict=True)
        if a.size > 4
    )
    assert "sigmoid" not in api._FAILED_SEEDS, "after a pass, fresh cases only"


def test_a_given_seed_is_never_replaced(monkeypatch):
    from nnutils.grading import api

    monkeypatch.setattr(api, "_FAILED_SEEDS", {"linear_forward": 123})
    result = run_check("linear_forward", ref.linear_forward, seed=5)
    assert result.passed and api._FAILED_SEEDS == {"linear_forward": 123}


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


def test_failure_renders_as_text_and_html_that_wraps_between_words():
    result = CheckResult("demo", False, ["the sign is <wrong>.", "expected:\n[1]"])
    assert str(result).startswith("\N{BALLOT X} demo: the sign is <wrong>.")
    page = result._repr_html_()
    assert "&lt;wrong&gt;" in page and "<wrong>" not in page
    assert "word-break:normal" in page and "white-space:normal" in page
    assert "break-all" not in page and "nnutils-fail" in page


def test_a_failed_check_stops_with_one_line_under_its_explanation():
    with pytest.raises(CheckFailed) as raised:
        check("linear_forward", lambda A, W, b: (W @ A, (A, W, b)))
    (line,) = raised.value._render_traceback_()
    assert "stopped here: linear_forward failed its check" in line


# --- misbehaving answers -----------------------------------------------------------------


class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no message")


def raise_unprintable(A, W, b):
    raise Unprintable


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (lambda A, W, b: sys.exit(), "called exit() or sys.exit()"),
        (lambda A, W, b: sys.exit(3), "called exit() or sys.exit()"),
        (raise_unprintable, "Unprintable whose message cannot be printed"),
        (lambda A, W, b: ((W @ A + b).astype(np.float16), (A, W, b)), "float16"),
    ],
)
def test_exits_unprintable_errors_and_coarse_dtypes_are_failed_results(candidate, words):
    result = run_check("linear_forward", candidate, seed=0)
    assert not result.passed and words in " ".join(result.messages)


def test_an_interrupt_stops_the_check_with_one_line():
    def endless(Z):
        raise KeyboardInterrupt

    with pytest.raises(CheckInterrupted) as raised:
        run_check("relu", endless)
    assert isinstance(raised.value, KeyboardInterrupt)
    assert raised.value._render_traceback_() == [
        "\x1b[31m\N{BALLOT X} interrupted while running your relu.\x1b[0m"
    ]


@pytest.mark.parametrize("name", ["exp", "allclose", "array_equal"])
def test_reassigned_numpy_functions_do_not_fool_the_check(monkeypatch, name):
    own = getattr(np, name)
    fake = {"exp": lambda Z: np.zeros_like(Z), "allclose": lambda *a, **k: True}
    monkeypatch.setattr(np, name, fake.get(name, lambda *a, **k: True))
    learner_version = getattr(np, name)
    result = run_check("sigmoid", lambda Z: 1 / (1 + np.exp(Z)), seed=0)
    assert not result.passed and "1 - σ(Z)" in result.messages[0]
    assert getattr(np, name) is learner_version, "the learner's reassignment is restored after"
    assert f"np.{name} had been reassigned" in " ".join(result.notes)
    assert getattr(np, name) is not own


# --- exception hints: NumPy's and Python's real wording ----------------------------------


def provoke(action):
    try:
        action()
    except Exception as error:
        return error
    raise AssertionError("no exception")


@pytest.mark.parametrize(
    ("action", "words"),
    [
        (lambda: bool(np.array([1.0, 2.0]) > 0), "np.maximum(Z, 0)"),
        (lambda: max(np.array([1.0, -1.0]), 0), "np.maximum(Z, 0)"),
        (lambda: math.exp(np.array([1.0, 2.0])), "Use np.exp"),
        (lambda: math.exp(1000.0), "Use np.exp"),
        (lambda: np.zeros(3, 1), "A shape is ONE tuple"),
        (lambda: np.random.default_rng(0).standard_normal(3, 2), "A shape is ONE tuple"),
    ],
)
def test_each_hint_matches_the_exception_numpy_really_raises(action, words):
    assert words in hint_for(provoke(action))


def test_every_hint_in_the_table_is_provoked_by_a_test():
    provoked = [
        provoke(action)
        for action in (
            lambda: bool(np.array([1.0, 2.0]) > 0),
            lambda: math.exp(np.array([1.0, 2.0])),
            lambda: np.zeros(3, 1),
        )
    ]
    assert {hint_for(error) for error in provoked} == {sentence for _, sentence in EXCEPTION_HINTS}


@pytest.mark.parametrize(
    ("action", "pattern"),
    [
        (lambda: np.ones((2, 3)) @ np.ones((2, 3)), "matmul|not aligned"),
        (lambda: np.dot(np.ones((2, 3)), np.ones((2, 3))), "matmul|not aligned"),
        (lambda: {"W1": 1}["W2"], "KeyError: '[Wb]2'"),
        (lambda: np.ones(3)[np.array([[0, 1]]), 1], "^IndexError"),
        (lambda: np.ones((2, 5)).reshape((1, 5)), "cannot reshape"),
    ],
)
def test_the_checkers_own_patterns_match_real_errors(action, pattern):
    assert hint_for(provoke(action), [(pattern, "found")]) == "found"


# --- in a real kernel ----------------------------------------------------------------------


def run_cells(*sources):
    """Outputs of each cell of a notebook run in a real kernel, going on after errors."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    NotebookClient(nb, allow_errors=True, timeout=60).execute()
    return [cell.outputs for cell in nb.cells]


def test_the_notebook_shows_one_line_where_the_run_stops():
    outputs = run_cells(
        "from nnutils.checks import check",
        'raise NotImplementedError("Exercise dataset_shapes: replace this line with your code.")',
        'check("dataset_shapes", shape_X=shape_X, shape_Y=(1, 400), m=400)',
        'check("linear_forward", lambda A, W, b: (W @ A, (A, W, b)))',
        "undefined_elsewhere + 1",
    )
    errors = [[o for o in cell if o.output_type == "error"] for cell in outputs]
    assert [len(e) for e in errors] == [0, 1, 1, 1, 1]
    stub, unrun, failed, other = (e[0].traceback for e in errors[1:])
    assert stub == ["\x1b[31m\N{BALLOT X} stopped here: dataset_shapes is not written yet.\x1b[0m"]
    assert unrun == stub, "a check run before its value exercise stops the same way"
    assert failed == ["\x1b[31m\N{BALLOT X} stopped here: linear_forward failed its check.\x1b[0m"]
    assert len(other) > 1, "other errors keep their usual traceback"
    shown = [[o for o in cell if o.output_type == "display_data"] for cell in outputs]
    assert "replace `raise NotImplementedError`" in shown[1][0].data["text/html"]
    assert (
        "shape_X is not defined yet: run the exercise cell above" in shown[2][0].data["text/plain"]
    )
    assert "missing the bias" in shown[3][0].data["text/html"]
    assert "missing the bias" in shown[3][0].data["text/plain"]
    assert "scrollIntoView" in shown[3][0].data["text/html"]


# --- the check's own robustness -------------------------------------------------------------


def test_a_learner_print_formatter_does_not_reach_the_evidence():
    def off_by_30_percent(Z):
        return 1.3 * ref.sigmoid(Z)

    saved = np.get_printoptions()
    try:
        np.set_printoptions(formatter={"float": lambda x: "1.0"}, precision=1)
        result = run_check("sigmoid", off_by_30_percent, seed=0)
    finally:
        np.set_printoptions(**saved)
    assert result.messages[0] == "sigmoid(Z) has wrong values.", result
    assert "0.8723" in "\n".join(result.messages), result


def test_reassigning_numpy_comparisons_while_running_does_not_pass():
    def identity_and_a_lie(Z):
        np.allclose = lambda *args, **kwargs: True
        np.array_equal = lambda *args, **kwargs: True
        np.isclose = lambda a, b, **kwargs: np.ones(np.shape(a), dtype=bool)
        return Z

    own = np.allclose, np.array_equal, np.isclose
    try:
        result = run_check("sigmoid", identity_and_a_lie, seed=0)
    finally:
        np.allclose, np.array_equal, np.isclose = own
    assert not result.passed and "wrong values" in result.messages[0], result


def test_a_forked_child_does_not_run_the_rest_of_the_check(tmp_path):
    """The child stops when the answer returns: only the parent writes a verdict."""
    script = tmp_path / "fork.py"
    script.write_text(
        "import os\n"
        "import numpy as np\n"
        "from nnutils.checks import run_check\n"
        "def forks(Z):\n"
        "    os.fork()\n"
        "    return 1 / (1 + np.exp(-Z))\n"
        "print(run_check('sigmoid', forks, seed=0).passed, flush=True)\n"
    )
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True"], out


def test_a_4d_difference_shows_the_slice_holding_it():
    def scaled(A_prev, W, b, stride, pad):
        Z, cache = ref.conv_forward(A_prev, W, b, stride, pad)
        return Z * 1.1, cache

    result = run_check("conv_forward", scaled, seed=0)
    text = "\n".join(result.messages)
    assert "(the slice holding the largest difference)" in text and "largest difference at" in text
    assert max(len(m) for m in result.messages) < 400, text
