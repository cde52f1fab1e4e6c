"""The predict-then-run and why questions: the right answer in any spelling passes, and each
usual wrong answer is told what it computed."""

import math

import numpy as np
import pytest

from nnutils.checks import run_check

RIGHT = {
    "zero_start": ["c", "C", " (c) ", "c."],
    "dropout_scaling": ["b", "B", "(b)"],
    "gradcheck_biases": ["b", " b"],
    "untrained_output": ["b", "(B)"],
    "confident_mistake": [math.log(100), 4.6, 4.61, -np.log(0.01), np.float32(4.605)],
    "diverging_rate": [0.2, 2 / 10, np.float32(0.2), np.array(0.2), 0.2004],
    "first_cost": [math.log(2), 0.693, 0.69, np.log(2), -np.log(0.5), np.float32(0.6931)],
    "uniform_cost": [math.log(10), 2.3, 2.303, np.log(10), -np.log(np.float32(0.1))],
}


@pytest.mark.parametrize(
    ("exercise_id", "answer"), [(e, a) for e, answers in RIGHT.items() for a in answers]
)
def test_right_answers_pass(exercise_id, answer):
    result = run_check(exercise_id, answer=answer)
    assert result.passed, result
    assert result.cases == 1


WRONG = {
    # zero_start: the six rows of W1 after training from zero
    ("zero_start", "a"): ["not (a)", "same gradient"],
    ("zero_start", "b"): ["not (b)", "all 0.5", "W2 is zero"],
    ("zero_start", "d"): ["not (d)", "sigmoid(0) = 0.5"],
    # dropout_scaling: why divide by keep_prob
    ("dropout_scaling", "a"): ["not (a)", "on average"],
    ("dropout_scaling", "c"): ["not (c)", "sum to one"],
    ("dropout_scaling", "d"): ["not (d)", "L2"],
    # gradcheck_biases: why nonzero biases in a gradient check
    ("gradcheck_biases", "a"): ["not (a)", "never 0 or 1"],
    ("gradcheck_biases", "c"): ["not (c)", "does not involve b's value"],
    ("gradcheck_biases", "d"): ["not (d)", "updates nothing"],
    # untrained_output: weights of size 0.01 give outputs within a hair of 0.5
    ("untrained_output", "a"): ["not (a)", "0.01 twice"],
    ("untrained_output", "c"): ["not (c)", "sigmoid(0) = 0.5"],
    ("untrained_output", "d"): ["not (d)", "next to 0"],
    # confident_mistake: label 1 predicted 0.01 costs -log(0.01)
    ("confident_mistake", 0.99): ["0.99: that is |y - a|", "-log(a)"],
    ("confident_mistake", 0.98): ["squared error"],
    ("confident_mistake", -4.605): ["never negative"],
    ("confident_mistake", 2): ["-log10(0.01)", "natural logarithm"],
    ("confident_mistake", 6.64): ["in bits"],
    ("confident_mistake", 0.01): ["the prediction a itself"],
    ("confident_mistake", 0.01005): ["the prediction a itself", "-log(1 - a)"],
    ("confident_mistake", 1.0): ["only the term -y log(a) is active"],
    # diverging_rate: the valley's limit is 2 / 10
    ("diverging_rate", 2.0): ["limit along w", "shallow", "|1 - 10α|"],
    ("diverging_rate", 0.1): ["exactly at 0", "fastest"],
    ("diverging_rate", 0.15): ["1 - 10α = -0.5", "converges", "larger"],
    ("diverging_rate", 0.205): ["1 - 10α = -1.05", "does not converge", "smaller rate"],
    ("diverging_rate", 1.0): ["1 - 10α = -9", "smaller rate"],
    ("diverging_rate", 0.02): ["1 - 10α = 0.8", "converges", "larger"],
    ("diverging_rate", -0.2): ["not a learning rate"],
    # first_cost: a network that says 0.5 everywhere costs log 2
    ("first_cost", 0.5): ["0.5: that is the prediction", "-log(0.5)"],
    ("first_cost", -0.693): ["never negative"],
    ("first_cost", 0.301): ["log10", "np.log"],
    ("first_cost", 1.0): ["in bits"],
    ("first_cost", 0.25): ["squared error"],
    ("first_cost", 277.26): ["sum over the 400 examples", "mean"],
    ("first_cost", 0): ["perfect predictions"],
    ("first_cost", 1.5): ["1.5: work out A2 first"],
    # uniform_cost: ten classes at 1/10 each cost log 10
    ("uniform_cost", 0.1): ["probability of the true class", "-log(1/10)"],
    ("uniform_cost", 0.693): ["two classes"],
    ("uniform_cost", -2.303): ["never negative"],
    ("uniform_cost", 1): ["log10", "natural logarithm"],
    ("uniform_cost", 3.32): ["in bits"],
    ("uniform_cost", 23.03): ["all ten classes", "one-hot"],
    ("uniform_cost", 3.251): ["(1 - y) log(1 - a)", "nine"],
    ("uniform_cost", 5): ["5: every class gets the same probability"],
}


@pytest.mark.parametrize("key", WRONG, ids=[f"{e}={a}" for e, a in WRONG])
def test_wrong_answers_say_what_they_computed(key):
    exercise_id, answer = key
    result = run_check(exercise_id, answer=answer)
    assert not result.passed
    text = " ".join(result.messages)
    for word in WRONG[key]:
        assert word in text, f"{word!r} not in {text!r}"


@pytest.mark.parametrize(
    "exercise_id", ["zero_start", "untrained_output", "dropout_scaling", "gradcheck_biases"]
)
@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (3, ["one letter in quotes", "answer="]),
        (None, ["one letter in quotes"]),
        ("e", ["should be one of", "'e'"]),
        ("ab", ["should be one of"]),
        ("", ["should be one of"]),
    ],
)
def test_odd_choices_fail_with_the_form_of_an_answer(exercise_id, answer, words):
    result = run_check(exercise_id, answer=answer)
    assert not result.passed
    text = " ".join(result.messages)
    for word in words:
        assert word in text, f"{word!r} not in {text!r}"


@pytest.mark.parametrize(
    "exercise_id", ["diverging_rate", "confident_mistake", "first_cost", "uniform_cost"]
)
@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ("0.69", ["not the text", "without quotes"]),
        (None, ["should be a number", "NoneType"]),
        (True, ["should be a number", "bool"]),
        (float("nan"), ["NaN"]),
        (np.array([0.2, 0.3]), ["should be a number"]),
        (..., ["should be a number"]),
    ],
)
def test_odd_numbers_fail_with_the_form_of_an_answer(exercise_id, answer, words):
    result = run_check(exercise_id, answer=answer)
    assert not result.passed
    text = " ".join(result.messages)
    for word in words:
        assert word in text, f"{word!r} not in {text!r}"


def test_missing_or_misnamed_keyword_is_reported():
    result = run_check("first_cost", cost=0.69)
    assert not result.passed
    assert "missing answer" in result.messages[0]
    assert 'check("first_cost", answer=answer)' in result.messages[0]
