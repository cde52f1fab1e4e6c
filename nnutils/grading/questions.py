"""Checks of the predict-then-run and why questions of lessons 02 to 08.

A question is a value exercise: the learner writes a prediction before the cell that shows
the answer runs, ``check("first_cost", answer=0.69)``. A choice is a letter; a number is
accepted within a tolerance that the question states. A wrong answer gets a sentence that
says what it would have computed, from a table of the usual wrong answers.
"""

import math
import re

import numpy as np

from .api import exercise
from .data_visualisation import expect_keywords
from .expect import Mistake, is_number


def choice(values, exercise_id, options):
    """The letter the learner chose among ``options`` (e.g. "abcd"), lower-case."""
    expect_keywords(values, ["answer"], exercise_id)
    answer = values["answer"]
    letters = ", ".join(f'"{letter}"' for letter in options)
    if not isinstance(answer, str):
        raise Mistake(
            f"answer should be one letter in quotes, one of {letters}; got {answer!r}.",
            f'for example: check("{exercise_id}", answer="{options[0]}").',
        )
    letter = answer.strip().strip("().").strip().lower()
    if letter not in options or len(letter) != 1:
        raise Mistake(f"answer should be one of {letters}; got {answer!r}.")
    return letter


def number(values, exercise_id):
    """The number the learner predicted, as a float."""
    expect_keywords(values, ["answer"], exercise_id)
    answer = values["answer"]
    if isinstance(answer, str):
        raise Mistake(
            f"answer should be a number, not the text {answer!r}: write it without quotes."
        )
    if isinstance(answer, np.ndarray | np.generic) and answer.size == 1:
        answer = answer.item()  # np.log(2) or a one-entry array are numbers too
    if not is_number(answer):
        raise Mistake(f"answer should be a number, got {type(answer).__name__} {answer!r}.")
    if math.isnan(answer):
        raise Mistake("answer is NaN: write your prediction as a number.")
    return float(answer)


def expect_choice(values, exercise_id, right, wrong):
    """Pass on the letter ``right``; ``wrong`` maps each other letter to what it gets wrong."""
    letter = choice(values, exercise_id, "".join(sorted([right, *wrong])))
    if letter != right:
        raise Mistake(f"not ({letter}): {wrong[letter]}")
    return 1


def expect_near(answer, right, tolerance, wrong, otherwise):
    """Pass when ``answer`` is within ``tolerance`` of ``right``.

    ``wrong`` is a list of (value, sentence): the first value within ``tolerance`` of the
    answer names what the answer computed; ``otherwise`` is the sentence for anything else.
    """
    if abs(answer - right) <= tolerance:
        return 1
    for value, sentence in wrong:
        if abs(answer - value) <= tolerance:
            raise Mistake(f"{answer:g}: {sentence}")
    raise Mistake(f"{answer:g}: {otherwise}")


# --- lesson 02 --------------------------------------------------------------------------


@exercise("zero_start")
def _zero_start(values, rng):
    """Starting from all-zero weights and biases, W1 stays exactly zero (choice c)."""
    return expect_choice(
        values,
        "zero_start",
        "c",
        {
            "a": "rows can only differ if something makes them differ. Every hidden unit "
            "starts equal, sees the same inputs and receives the same gradient, so no row "
            "can go its own way.",
            "b": "equal rows that move are what a constant start other than zero gives (the "
            "experiment's second start, all 0.5). From zero there is less still: the gradient "
            "that reaches W1 passes through W2^T, and W2 is zero.",
            "d": "nothing in the forward or backward pass divides by a weight; with zero "
            "weights every number stays finite (the output is sigmoid(0) = 0.5).",
        },
    )


# --- lesson 03 --------------------------------------------------------------------------


@exercise("untrained_output")
def _untrained_output(values, rng):
    """Weights of size 0.01 and zero biases: every output is within a hair of 0.5 (choice b)."""
    return expect_choice(
        values,
        "untrained_output",
        "b",
        {
            "a": "a spread between 0 and 1 needs scores Z2 of a few units. Here the inputs of "
            "size 1 are multiplied by weights of size 0.01 twice: Z2 is of size 0.0001.",
            "c": "tanh(0) = 0 in the hidden layer, but the output layer is a sigmoid, and "
            "sigmoid(0) = 0.5, not 0.",
            "d": "sigmoid reaches 1 only for large scores; with weights of size 0.01 every "
            "score Z2 stays next to 0, where the sigmoid is 0.5.",
        },
    )


# --- lesson 04 --------------------------------------------------------------------------


@exercise("confident_mistake")
def _confident_mistake(values, rng):
    """One example labeled 1, predicted a = 0.01: it costs -log(0.01) = 4.6."""
    right = -math.log(0.01)
    return expect_near(
        number(values, "confident_mistake"),
        right,
        0.006,  # 4.6 passes; 0.98, 0.99 and 1 are told apart
        [
            (
                0.99,
                "that is |y - a|, how far the prediction is from the label; the cost "
                "is -log(a) for a label 1, which grows without bound as a goes to 0.",
            ),
            (0.9801, "that is the squared error (y - a)^2; cross-entropy is -log(a) here."),
            (-right, "a cost is never negative: the cost is -log(a), and log(0.01) is negative."),
            (2.0, "that is -log10(0.01); np.log, and the cost, use the natural logarithm."),
            (
                -math.log2(0.01),
                "that is the cost in bits, -log2(0.01); the course uses the "
                "natural logarithm, np.log.",
            ),
            (
                0.01,
                "that is the prediction a itself, or -log(1 - a) = 0.01005, the term of a "
                "label 0; this example is labeled 1, so its cost is -log(a).",
            ),
        ],
        "for a label y = 1 only the term -y log(a) is active: the cost is -log(0.01).",
    )


# --- lesson 05 --------------------------------------------------------------------------


@exercise("sigmoid_max_slope")
def _sigmoid_max_slope(values, rng):
    """The most a sigmoid unit passes back: its largest slope, at z = 0, is 0.25."""
    answer = number(values, "sigmoid_max_slope")
    if answer < -1e-3:
        raise Mistake(
            f"{answer:g}: the sigmoid rises everywhere, so its slope is never negative; "
            "look at the sign of your derivative."
        )
    return expect_near(
        answer,
        0.25,
        1e-3,
        [
            (
                1.0,
                "that is the slope of a linear unit, or of a ReLU where it is active, which "
                "passes the gradient back unchanged. The sigmoid is flatter: it squeezes every "
                "z into (0, 1), so even where it is steepest it rises more slowly than z does.",
            ),
            (
                0.5,
                "that is sigmoid(0) = 0.5, the sigmoid's value at z = 0, not its slope there. "
                "Section 1 wrote the slope with the sigmoid's value itself: put 0.5 into it.",
            ),
            (
                0.0,
                "that is the slope far from 0, where the sigmoid saturates and flattens out: "
                "the smallest factor, not the largest. Where is the sigmoid steepest?",
            ),
            (
                4.0,
                "that is how many times smaller the gradient gets, at best; the question asks "
                "for the factor that multiplies it, the slope itself, which is its inverse.",
            ),
        ],
        "section 1 wrote the slope with the sigmoid's value itself: at which z is the sigmoid "
        "steepest, and what is its value there?",
    )


# --- lesson 05b ----------------------------------------------------------------------------------


@exercise("gradcheck_biases")
def _gradcheck_biases(values, rng):
    """Nonzero biases keep ReLU units off their kink in a gradient check (choice b)."""
    return expect_choice(
        values,
        "gradcheck_biases",
        "b",
        {
            "a": "the cost only takes logs of the output probabilities, which are sigmoid(Z) "
            "and never 0 or 1 for finite Z; zero biases change nothing there.",
            "c": "db = (1/m) sum of dZ over the examples does not involve b's value at all: "
            "it is the same formula at b = 0, and the check compares it just as well.",
            "d": "the check updates nothing: it compares two ways of computing the gradient at "
            "one point. (And b moves from 0 like any other parameter.)",
        },
    )


# --- lesson 06 --------------------------------------------------------------------------

STEEP, SHALLOW = 10.0, 1.0  # the valley's curvatures along b and along w


def _factor_sentence(alpha):
    """What one step with learning rate ``alpha`` does to b and to w on the valley."""
    along_b, along_w = 1 - STEEP * alpha, 1 - SHALLOW * alpha
    verdict = "converges" if abs(along_b) < 1 and abs(along_w) < 1 else "does not converge"
    return (
        f"with α = {alpha:g} one step multiplies b by 1 - 10α = {along_b:.3g} and w by "
        f"1 - α = {along_w:.3g}, so the path {verdict}"
    )


@exercise("diverging_rate")
def _diverging_rate(values, rng):
    """The learning rate from which gradient descent on the valley diverges: 2 / 10 = 0.2."""
    alpha = number(values, "diverging_rate")
    limit = 2 / STEEP
    if abs(alpha - limit) <= 1e-3:
        return 1
    if abs(alpha - 2 / SHALLOW) <= 1e-3:
        raise Mistake(
            f"{alpha:g} is the limit along w, the shallow direction (|1 - α| > 1 from α = 2). "
            "The steep direction b has the larger gradient, 10 b, and leaves first: find where "
            "|1 - 10α| passes 1."
        )
    if abs(alpha - 1 / STEEP) <= 1e-3:
        raise Mistake(
            f"{alpha:g} puts b exactly at 0 in one step (1 - 10α = 0): the fastest rate along "
            "b, not the last one that converges. Larger rates overshoot, yet the swings still "
            "shrink while |1 - 10α| < 1."
        )
    if alpha <= 0:
        raise Mistake(
            f"{alpha:g} is not a learning rate: α is positive, and the path diverges from some "
            "α onwards."
        )
    if alpha > limit:
        raise Mistake(
            f"{_factor_sentence(alpha)}; but a smaller rate already diverges: find the α at "
            "which |1 - 10α| reaches 1."
        )
    raise Mistake(f"{_factor_sentence(alpha)}: the rate you are looking for is larger.")


# --- lesson 07 --------------------------------------------------------------------------

LOG2 = math.log(2)


@exercise("first_cost")
def _first_cost(values, rng):
    """The first cost of a network whose output is 0.5 everywhere: log 2 (within 0.005)."""
    answer = number(values, "first_cost")
    return expect_near(
        answer,
        LOG2,
        0.005,
        [
            (
                0.5,
                "that is the prediction a = 0.5 itself, not its cost: each example costs "
                "-log(0.5), whether its label is 0 or 1.",
            ),
            (-LOG2, "a cost is never negative: the cross-entropy has a minus sign in front."),
            (
                math.log10(2),
                "that is log10(0.5) without its sign: the cross-entropy uses the natural "
                "logarithm, np.log.",
            ),
            (
                1.0,
                "that is -log2(0.5), the cost in bits: the cross-entropy uses the natural "
                "logarithm, np.log.",
            ),
            (0.25, "that is the squared error (0.5 - y)^2; the cost here is the cross-entropy."),
            (
                400 * LOG2,
                "that is the sum over the 400 examples: the cost is their mean.",
            ),
            (
                0.0,
                "a cost of 0 means perfect predictions; a network that says 0.5 is unsure of "
                "every point.",
            ),
        ],
        "work out A2 first: what is sigmoid(Z2) when every weight is about 0.01 and every "
        "bias 0? Then the cost of one example with that prediction.",
    )


@exercise("dropout_scaling")
def _dropout_scaling(values, rng):
    """Inverted dropout divides by keep_prob so that test time needs no change (choice b)."""
    return expect_choice(
        values,
        "dropout_scaling",
        "b",
        {
            "a": "dividing by keep_prob does make the kept activations larger, but the gradient "
            "of each dropped unit is still 0 and the step size is the learning rate's business. "
            "Think about what a unit of the next layer receives on average.",
            "c": "the mask holds 0s and 1s, and nothing requires it to sum to one; the "
            "division is about the activations the next layer receives.",
            "d": "dropout and L2 are separate cures for overfitting; neither undoes the other.",
        },
    )


# --- lesson 08 --------------------------------------------------------------------------

LOG10 = math.log(10)


@exercise("uniform_cost")
def _uniform_cost(values, rng):
    """The categorical cross-entropy of a uniform prediction over ten classes: log 10."""
    answer = number(values, "uniform_cost")
    return expect_near(
        answer,
        LOG10,
        0.01,
        [
            (
                0.1,
                "that is the probability of the true class, 1/10, not its cost -log(1/10).",
            ),
            (
                LOG2,
                "that is the cost of two classes at 0.5 each; with ten classes the true "
                "class gets 1/10.",
            ),
            (-LOG10, "a cost is never negative: it is MINUS the log of a probability."),
            (1.0, "that is -log10(1/10): the cross-entropy uses the natural logarithm, np.log."),
            (
                math.log2(10),
                "that is -log2(1/10), in bits: the cross-entropy uses the natural logarithm.",
            ),
            (
                10 * LOG10,
                "that adds -log(1/10) for all ten classes: the one-hot label keeps only the "
                "true class's term.",
            ),
            (
                LOG10 + 9 * math.log(10 / 9),
                "that adds the binary cross-entropy's (1 - y) log(1 - a) terms of the nine "
                "other classes: the categorical cost has only -log of the true class's "
                "probability.",
            ),
        ],
        "every class gets the same probability; what is it, and what does one example cost "
        "when its true class gets that probability?",
    )


# --- lesson 05b: the bug hunt --------------------------------------------------------------

# For each mystery backward pass of nnutils.bughunt, the parameters whose gradients it gets
# wrong. The right answer is any gradient whose error would spoil exactly these: dW2 alone
# for the first, db1 alone for the second; for the third, layer 2's dZ2 (or the dA2 it is
# computed from: the report cannot tell the two apart), which spoils both layers below it.
HUNT_LAYERS = 3
HUNT_WRONG = {
    "first": {"W2"},
    "second": {"b1"},
    "third": {"W2", "b2", "W1", "b1"},
}
GRADIENT = re.compile(r"d(w|b|z|a)(\d+)")
NO_D = re.compile(r"(w|b|z|a)(\d+)")


def _gradient_name(answer, case):
    """The learner's answer as (kind, layer), kind one of "W", "b", "Z", "A"."""
    example = 'a gradient\'s name in quotes, like "dW3", "db2" or "dZ1"'
    if not isinstance(answer, str):
        raise Mistake(f"{case} should be {example}; got {answer!r}.")
    text = re.sub(r"[\s\[\]{}()^_'\"]", "", answer).lower()
    match = GRADIENT.fullmatch(text)
    if match is None:
        bare = NO_D.fullmatch(text)
        if bare is not None:
            name = _display(bare.group(1), int(bare.group(2)))
            raise Mistake(
                f"{case}: {answer!r} names a {'parameter' if name[0] in 'Wb' else 'value'} "
                f"of the forward pass; the question asks for a gradient, as in d{name}."
            )
        raise Mistake(f"{case} should be {example}; got {answer!r}.")
    kind, layer = match.group(1), int(match.group(2))
    return _display(kind, layer)


def _display(kind, layer):
    """The course's spelling of a gradient's kind and layer: W2, b1, Z3, A0."""
    return f"{kind.upper() if kind != 'b' else 'b'}{layer}"


def _spoils(name):
    """The parameters a wrong gradient ``d<name>`` spoils: itself for dW, db; for dZ and dA of
    layer l, every parameter of layer l and below (the error flows down with dA)."""
    kind, layer = name[0], int(name[1:])
    if kind in "Wb":
        return {name}
    return {f"{p}{j}" for j in range(1, layer + 1) for p in "Wb"}


def _hunt_answer(answer, case):
    """Pass if ``answer`` names where the ``case``'s bug starts; else a Mistake saying why not."""
    name = _gradient_name(answer, case)
    kind, layer = name[0], int(name[1:])
    wrong = HUNT_WRONG[case]
    d = f"d{name}"
    if kind in "Wb" and not 1 <= layer <= HUNT_LAYERS or kind in "ZA" and layer > HUNT_LAYERS:
        raise Mistake(f"{case}: the network has layers 1 to {HUNT_LAYERS}; there is no {d}.")
    if kind == "Z" and layer == 0:
        raise Mistake(f"{case}: there is no dZ0: layer 0 is the input X, with no step of its own.")
    if kind == "A" and layer == 0:
        raise Mistake(
            f"{case}: dA0 is handed down to the input, which has no parameters: no bar of the "
            "report depends on it, so the report cannot show it wrong."
        )
    spoiled = _spoils(name)
    if spoiled == wrong:
        return
    top = max(int(key[1:]) for key in wrong)  # the highest layer with a wrong gradient
    if spoiled < wrong:  # wrong itself, but downstream of the real mistake
        if layer < top:
            raise Mistake(
                f"{case}: {d} is wrong too, but its error comes from layer {top}: read the "
                "report from the output layer down, and stop at the first red bar."
            )
        others = sorted(wrong - spoiled - {key for key in wrong if int(key[1:]) < top})
        below = ", and so is every layer below" if top > 1 else ""
        raise Mistake(
            f"{case}: {d} is wrong, but so is d{others[0]}{below}: a slip in {d}'s own "
            f"formula would leave them right. Which gradient do {d} and d{others[0]} both "
            "come from?"
        )
    if spoiled > wrong:  # it would spoil more than is wrong
        right = sorted(spoiled - wrong, key=lambda key: (-int(key[1:]), key))[0]
        raise Mistake(
            f"{case}: if {d} were wrong, d{right} would be wrong too, but its bar is not red "
            "(a tiny relative difference): a slip there would spoil more than the report shows."
        )
    if kind in "Wb" and any(int(key[1:]) == layer for key in wrong):
        raise Mistake(
            f"{case}: {d} is in the right layer, but its bar is not red (a tiny relative "
            f"difference): {d} is right. Which of layer {layer}'s gradients is red?"
        )
    direction = "down" if layer > top else "up"
    bars = (
        f"the bar of {name} is not red (a tiny relative difference)"
        if len(spoiled) == 1
        else f"the bars of {' and '.join(sorted(spoiled))} are not red (tiny relative differences)"
    )
    raise Mistake(f"{case}: {d} is right: {bars}. Look further {direction} for the first red bar.")


@exercise("bug_hunt")
def _bug_hunt(values, rng):
    """Where each of the three mystery backward passes first goes wrong."""
    expect_keywords(values, list(HUNT_WRONG), "bug_hunt")
    wrong = []
    for case in HUNT_WRONG:
        try:
            _hunt_answer(values[case], case)
        except Mistake as mistake:
            wrong.append(mistake.sentence)
    if wrong:
        raise Mistake(wrong[0], *wrong[1:])
    return 1
