"""The predict-then-run and why questions: the right answer in any spelling passes, and each
usual wrong answer is told what it computed."""

import math

import numpy as np
import pytest

from nnutils import reference as ref
from nnutils.bughunt import mystery_backward
from nnutils.checks import run_check
from nnutils.gradcheck import SUSPICIOUS, gradient_check_report
from nnutils.grading.cases import random_network
from tests.checking import values_fail_with

RIGHT = {
    "zero_start": ["c", "C", " (c) ", "c."],
    "dropout_scaling": ["b", "B", "(b)"],
    "gradcheck_biases": ["b", " b"],
    "untrained_output": ["b", "(B)"],
    "confident_mistake": [math.log(100), 4.6, 4.61, -np.log(0.01), np.float32(4.605)],
    "sigmoid_max_slope": [
        0.25,
        1 / 4,
        ref.sigmoid(0.0) * (1 - ref.sigmoid(0.0)),  # computed with the lesson's sigmoid
        np.float32(0.25),
        np.array([[0.25]]),
        0.2495,
    ],
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
    # sigmoid_max_slope: the sigmoid is steepest at z = 0, where its slope is 0.25
    ("sigmoid_max_slope", 1): ["1: that is the slope of a linear unit", "unchanged"],
    ("sigmoid_max_slope", 0.5): ["sigmoid(0) = 0.5", "value at z = 0, not its slope"],
    ("sigmoid_max_slope", 0): ["saturates", "smallest factor, not the largest"],
    ("sigmoid_max_slope", 4): ["how many times smaller", "inverse"],
    ("sigmoid_max_slope", -0.25): ["never negative"],
    ("sigmoid_max_slope", -1): ["never negative"],
    ("sigmoid_max_slope", 0.197): ["0.197: section 1 wrote the slope", "steepest"],
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
    values_fail_with(exercise_id, {"answer": answer}, *WRONG[key])


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
    values_fail_with(exercise_id, {"answer": answer}, *words)


@pytest.mark.parametrize(
    "exercise_id",
    ["confident_mistake", "sigmoid_max_slope", "diverging_rate", "first_cost", "uniform_cost"],
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
    values_fail_with(exercise_id, {"answer": answer}, *words)


def test_missing_or_misnamed_keyword_is_reported():
    result = values_fail_with("first_cost", {"cost": 0.69}, "missing answer")
    assert "missing answer" in result.messages[0]
    assert 'check("first_cost", answer=answer)' in result.messages[0]


# --- bug_hunt: where each mystery backward pass of nnutils.bughunt first goes wrong ---------

HUNT_RIGHT = {"first": "dW2", "second": "db1", "third": "dZ2"}


@pytest.mark.parametrize(
    "answers",
    [
        HUNT_RIGHT,
        {"first": "dw2", "second": "DB1", "third": "dz2"},
        {"first": " dW2 ", "second": "db[1]", "third": "dZ^[2]"},
        {"first": "dW^{[2]}", "second": "d b 1", "third": "dA2"},  # dA2 spoils what dZ2 does
        {"first": "dW_2", "second": "db1", "third": "da2"},
    ],
)
def test_bug_hunt_right_answers_pass(answers):
    result = run_check("bug_hunt", **answers)
    assert result.passed, result
    assert result.cases == 1


HUNT_WRONG = {
    # the parameter, or a forward value, in place of its gradient
    ("first", "W2"): ["first: 'W2' names a parameter", "dW2"],
    ("second", "b1"): ["second: 'b1' names a parameter", "db1"],
    ("third", "Z2"): ["third: 'Z2' names a value of the forward pass", "dZ2"],
    # a parameter of the right layer but the other kind
    ("first", "db2"): ["first: db2 is in the right layer", "not red", "layer 2's"],
    ("second", "dW1"): ["second: dW1 is in the right layer", "layer 1's"],
    # a layer that is right
    ("first", "dW3"): ["first: dW3 is right", "bar of W3", "further down"],
    ("first", "dW1"): ["first: dW1 is right", "further up"],
    ("first", "dZ1"): ["first: dZ1 is right", "bars of W1 and b1", "further up"],
    ("second", "db2"): ["second: db2 is right", "further down"],
    ("third", "db3"): ["third: db3 is right", "further down"],
    # a gradient that would spoil more than the report shows
    ("first", "dZ2"): ["first: if dZ2 were wrong, db2 would be wrong too", "more than"],
    ("second", "dA1"): ["second: if dA1 were wrong, dW1 would be wrong too"],
    ("third", "dZ3"): ["third: if dZ3 were wrong, dW3 would be wrong too"],
    # wrong, but only because the error flows down from the real one
    ("third", "dW1"): ["third: dW1 is wrong too", "comes from layer 2", "output layer down"],
    ("third", "db1"): ["third: db1 is wrong too", "comes from layer 2"],
    ("third", "dA1"): ["third: dA1 is wrong too", "comes from layer 2"],
    # wrong, but so is its neighbour: the error entered before the two split
    ("third", "dW2"): ["third: dW2 is wrong, but so is db2", "every layer below", "both"],
    ("third", "db2"): ["third: db2 is wrong, but so is dW2"],
    # names outside the network, or that the report cannot see
    ("first", "dW4"): ["layers 1 to 3", "no dW4"],
    ("second", "dA0"): ["dA0", "cannot show it"],
    ("third", "dZ0"): ["no dZ0"],
    ("first", "dX"): ["a gradient's name in quotes", "'dX'"],
    ("first", 2): ["a gradient's name in quotes", "got 2"],
    ("second", None): ["a gradient's name in quotes", "got None"],
}


@pytest.mark.parametrize("key", HUNT_WRONG, ids=[f"{c}={a}" for c, a in HUNT_WRONG])
def test_bug_hunt_wrong_answers_say_what_they_misread(key):
    case, answer = key
    result = values_fail_with("bug_hunt", HUNT_RIGHT | {case: answer}, *HUNT_WRONG[key])
    assert result.messages[0].startswith(case)  # the one wrong answer leads
    text = " ".join(result.messages)
    for other in set(HUNT_RIGHT) - {case}:  # the right ones are not blamed
        assert f"{other}:" not in text and f"{other} should" not in text


def test_bug_hunt_reports_every_wrong_answer():
    result = values_fail_with("bug_hunt", {"first": "dW1", "second": "dW1", "third": "dW1"})
    assert [m.split(":")[0] for m in result.messages[:3]] == ["first", "second", "third"]


def test_bug_hunt_missing_answer_shows_the_call():
    result = values_fail_with("bug_hunt", {"first": "dW2", "second": "db1"}, "missing third")
    assert "missing third" in result.messages[0]
    assert 'check("bug_hunt", first=first, second=second, third=third)' in result.messages[0]


def lesson_network():
    """The network of lesson 05b's sections 2 and 3, built as the lesson builds it."""
    check_rng = np.random.default_rng(30)
    parameters = ref.initialize_parameters_deep([4, 5, 3, 1], check_rng)
    for key in ("b1", "b2", "b3"):
        parameters[key] = 0.1 * check_rng.standard_normal(parameters[key].shape)
    X = 0.5 * check_rng.standard_normal((4, 6))
    Y = check_rng.integers(0, 2, size=(1, 6))
    return parameters, X, Y


@pytest.mark.parametrize("seed", ["lesson", *range(6)])
@pytest.mark.parametrize("case", list(HUNT_RIGHT))
def test_each_mystery_has_its_bug_where_the_answer_says(case, seed):
    """The report flags exactly the gradients the right answer spoils: one parameter of the
    highest wrong layer alone for a dW or db answer, both and every layer below for a dZ."""
    if seed == "lesson":
        parameters, X, Y = lesson_network()
    else:
        parameters, X, Y = random_network(np.random.default_rng(seed), [4, 5, 3, 1], 6)
    AL, caches = ref.L_model_forward(X, parameters)
    grads = mystery_backward(case)(AL, Y, caches)
    right = ref.L_model_backward(AL, Y, caches)
    assert grads.keys() == right.keys()
    assert all(grads[key].shape == right[key].shape for key in right)
    report = gradient_check_report(parameters, grads, X, Y)
    flagged = {key for key, value in report.items() if value > SUSPICIOUS}
    kind, layer = HUNT_RIGHT[case][1], int(HUNT_RIGHT[case][2:])
    if kind in "Wb":
        expected = {f"{kind}{layer}"}
    else:
        expected = {f"{p}{j}" for j in range(1, layer + 1) for p in "Wb"}
    assert flagged == expected, report
    assert all(report[key] < 1e-6 for key in report if key not in expected), report
    assert max(int(key[1:]) for key in flagged) == layer  # the highest wrong layer


def test_mystery_backward_names_its_cases():
    assert mystery_backward("second").__name__ == "mystery_backward('second')"
    with pytest.raises(ValueError, match='"first", "second" or "third"'):
        mystery_backward(1)
    parameters, X, Y = random_network(np.random.default_rng(0), [4, 3, 1], 5)
    AL, caches = ref.L_model_forward(X, parameters)
    with pytest.raises(ValueError, match="for 3 layers"):
        mystery_backward("first")(AL, Y, caches)
