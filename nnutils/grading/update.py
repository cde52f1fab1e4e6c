"""Checks of lesson 06: gradient descent, mini-batches, momentum and Adam."""

import copy

import numpy as np

from .. import reference as ref
from .api import exercise
from .cases import case_dtype, parameter_keys, random_parameters
from .expect import Mistake, call, close, expect_array, expect_keys, expect_tuple, named_mistake

# --- cases ------------------------------------------------------------------------------


def network_dims(rng, count=4):
    """Layer sizes [n_x, n_1, ..., n_L]: two small nets (2 layers, 1 layer), then 2 to 4 layers."""
    dims = [[2, 3, 1], [3, 1]]
    for _ in range(count - 2):
        depth = int(rng.integers(2, 5))
        dims.append([int(n) for n in rng.integers(1, 9, size=depth)] + [1])
    return dims


def network_case(rng, dims, dtype=np.float64):
    """Parameters of a net with sizes ``dims`` and their real gradients on random data.

    The biases are made non-zero, as they are after some training. Returns (parameters, grads).
    """
    parameters = random_parameters(rng, dims, bias_scale=0.1, dtype=dtype)
    m = int(rng.integers(3, 20))
    X = rng.standard_normal((dims[0], m)).astype(dtype)
    Y = rng.integers(0, 2, size=(1, m))
    AL, caches = ref.L_model_forward(X, parameters)
    return parameters, ref.L_model_backward(AL, Y, caches)


def random_moments(rng, parameters, scale=0.1):
    """Non-zero moments (v, s) keyed like the gradients, as after a few steps; s is positive."""
    v, s = {}, {}
    for key, P in parameters.items():
        v[f"d{key}"] = (scale * rng.standard_normal(P.shape)).astype(P.dtype)
        s[f"d{key}"] = (v[f"d{key}"] ** 2 + scale**2 * rng.random(P.shape)).astype(P.dtype)
    return v, s


def describe_case(parameters, **values):
    """Text of a case: 'with L=2 layers (W1 (4, 3), W2 (1, 4)), float64, learning_rate=0.1.'"""
    L = len(parameters) // 2
    shapes = ", ".join(f"W{l} {parameters[f'W{l}'].shape}" for l in range(1, L + 1))
    settings = "".join(f", {name}={value:.4g}" for name, value in values.items())
    dtype = parameters["W1"].dtype.name
    return f"with L={L} layer{'s' * (L > 1)} ({shapes}), {dtype}{settings}."


# --- shared expectations -------------------------------------------------------------------


def call_update(candidate, name, *args, may_change=()):
    """``call``, with a KeyError on a layer that does not exist explained as a loop off by one."""
    L = len(args[0]) // 2
    outside = "|".join(f"'{p}{l}'" for p in ("W", "b", "dW", "db") for l in (0, L + 1))
    loop = "The layers are numbered 1 to L, so loop over range(1, L + 1) (or over the keys)."
    return call(
        candidate, name, *args, may_change=may_change, hints=[(f"KeyError: ({outside})", loop)]
    )


def unchanged_sentence(unchanged, L):
    """Name the parameters that kept their old value, and the likely cause."""
    layers = {int(key[1:]) for key in unchanged}
    if set(unchanged) == set(parameter_keys(L)):
        return (
            "the parameters came back unchanged: every W and b must take a step "
            "(does the loop run over l = 1 .. L, i.e. range(1, L + 1)?)."
        )
    if set(unchanged) == {f"b{l}" for l in range(1, L + 1)}:
        return "the biases b were not updated: they take a step too, like the weights."
    if L > 1 and layers == set(range(1, L)):
        return (
            f"only the last layer (W{L}, b{L}) was updated: is the update outside the loop, "
            "or does it use L instead of l?"
        )
    if L > 1 and layers == {L}:
        return (
            f"the last layer (W{L}, b{L}) was not updated: the loop stops one layer early; "
            "use range(1, L + 1)."
        )
    return f"{', '.join(sorted(unchanged))} kept the old value: every W and b must take a step."


def expect_parameters(got, expected, old, mistakes, case):
    """The updated parameters: right keys, every one changed, values as expected.

    ``mistakes`` holds (sentence, wrong parameters dict) pairs.
    """
    keys = list(expected)
    expect_keys(got, keys, "the updated parameters dict", case)
    unchanged = [k for k in keys if close(got[k], old[k]) and not close(expected[k], old[k])]
    if unchanged:
        raise Mistake(unchanged_sentence(unchanged, len(keys) // 2), case)
    for key in keys:
        pairs = [(sentence, wrong[key]) for sentence, wrong in mistakes]
        expect_array(got[key], expected[key], key, pairs, case)


def expect_moments(got, expected, old, what, mistakes, case):
    """Moments ``what`` (v or s) keyed dW1, db1, ...; ``mistakes`` as in expect_parameters."""
    keys = list(expected)
    expect_keys(got, keys, f"the returned {what}", case)
    stale = (f"the returned {what} is the old one: return the updated {what}.", old)
    sentence = named_mistake(got, expected, [stale, *mistakes])
    if sentence:
        raise Mistake(sentence, case)
    for key in keys:
        expect_array(got[key], expected[key], f"{what}[{key!r}]", case=case)


def reject_whole(got, expected, wrong, sentence, case, others=()):
    """Raise ``sentence`` when every entry of the dict ``got`` matches the dict ``wrong``,
    unless ``expected`` or one of the ``others`` (other mistakes) matches ``wrong`` too."""

    if close(got, wrong) and not any(close(other, wrong) for other in [expected, *others]):
        raise Mistake(sentence, case)


def steps(parameters, direction, scale):
    """P - scale * direction[dP] for every parameter P (a wrong answer's update)."""
    return {key: P - scale * direction[f"d{key}"] for key, P in parameters.items()}


def moving_average(old, new, beta):
    """beta * old + (1 - beta) * new, key by key."""
    return {key: beta * old[key] + (1 - beta) * new[key] for key in old}


# --- update_parameters ---------------------------------------------------------------------


@exercise("update_parameters")
def _update_parameters(candidate, rng):
    """One gradient-descent step on every W and b, inputs left unchanged."""
    dims_list = network_dims(rng)
    for index, dims in enumerate(dims_list):
        dtype = case_dtype(index, len(dims_list))
        parameters, grads = network_case(rng, dims, dtype)
        learning_rate = float(rng.uniform(0.05, 0.5))
        case = describe_case(parameters, learning_rate=learning_rate)
        old = copy.deepcopy(parameters)
        expected = ref.update_parameters(parameters, grads, learning_rate)
        swapped = {f"dW{l}": grads[f"db{l}"] for l in range(1, len(dims))}
        swapped.update({f"db{l}": grads[f"dW{l}"] for l in range(1, len(dims))})
        mistakes = [
            ("the step goes uphill: subtract the gradient, P - learning_rate * dP.",
             steps(old, grads, -learning_rate)),
            ("the learning rate is missing: P - learning_rate * dP.", steps(old, grads, 1.0)),
            ("the gradients are mixed up: W uses dW and b uses db.",
             steps(old, swapped, learning_rate)),
        ]  # fmt: skip
        got = call_update(
            candidate, "update_parameters", parameters, grads, learning_rate, may_change=(0,)
        )
        expect_parameters(got, expected, old, mistakes, case)
    return len(dims_list)


# --- mini-batches --------------------------------------------------------------------------


def column_lookup(A):
    """Map the bytes of every column of A to its index."""
    return {A[:, j].tobytes(): j for j in range(A.shape[1])}


def column_indices(batch, A, lookup, what, case):
    """Index in A of every column of ``batch``; explain columns that are not columns of A."""
    indices = [
        lookup.get(np.ascontiguousarray(batch[:, j], dtype=A.dtype).tobytes())
        for j in range(batch.shape[1])
    ]
    if None in indices:
        column = batch[:, indices.index(None)]
        if any(np.array_equal(np.sort(column), np.sort(A[:, j])) for j in range(A.shape[1])):
            raise Mistake(
                f"{what} has its rows shuffled: the examples are the columns, so shuffle and "
                "slice the columns, X[:, permutation].",
                case,
            )
        raise Mistake(f"{what} holds columns that are not columns of the input.", case)
    return np.array(indices, dtype=int)


def expect_batch_array(batch, rows, what, case):
    """An array with ``rows`` rows, one column per example of the batch."""
    if not isinstance(batch, np.ndarray):
        raise Mistake(f"{what} should be a NumPy array, got {type(batch).__name__}.", case)
    if batch.ndim != 2 or batch.shape[0] != rows:
        raise Mistake(
            f"{what} has shape {batch.shape}, expected ({rows}, batch size): keep every row "
            "and take a slice of the columns, e.g. X[:, indices].",
            case,
        )


def batch_sizes_sentence(sizes, expected, m, size):
    """Why the list of batch sizes is wrong, or None when it is right."""
    if sizes == expected:
        return None
    if m % size and sizes == expected[:-1]:
        return (
            f"the last, smaller mini-batch (the {m % size} examples left over after "
            f"{m // size} full batches) is missing."
        )
    if sizes == [*expected, 0]:
        return (
            "there is an empty mini-batch at the end: when m is a multiple of mini_batch_size "
            "there is no partial batch."
        )
    return f"the mini-batch sizes are {sizes}, expected {expected}."


def batches_order(out, X, Y, size, case):
    """Check the structure of ``out``; return the order of the examples, shape (m,)."""
    (n_x, m), k = X.shape, Y.shape[0]
    if not isinstance(out, list | tuple):
        raise Mistake(
            f"random_mini_batches should return a list of (X_batch, Y_batch) pairs, "
            f"got {type(out).__name__}.",
            case,
        )
    pairs = [
        expect_tuple(p, 2, f"mini-batch {i}", "X_batch, Y_batch", case) for i, p in enumerate(out)
    ]
    for i, (X_batch, Y_batch) in enumerate(pairs):
        expect_batch_array(X_batch, n_x, f"mini-batch {i}'s X", case)
        expect_batch_array(Y_batch, k, f"mini-batch {i}'s Y", case)
        if X_batch.shape[1] != Y_batch.shape[1]:
            raise Mistake(
                f"mini-batch {i} has {X_batch.shape[1]} examples in X but {Y_batch.shape[1]} in Y.",
                case,
            )
    expected = [size] * (m // size) + [m % size] * (m % size > 0)
    sentence = batch_sizes_sentence([X_batch.shape[1] for X_batch, _ in pairs], expected, m, size)
    if sentence:
        raise Mistake(sentence, case)
    x_lookup, y_lookup = column_lookup(X), column_lookup(Y)
    order = []
    for i, (X_batch, Y_batch) in enumerate(pairs):
        ix = column_indices(X_batch, X, x_lookup, f"mini-batch {i}'s X", case)
        iy = column_indices(Y_batch, Y, y_lookup, f"mini-batch {i}'s Y", case)
        if not np.array_equal(ix, iy):
            raise Mistake(
                "X and Y were shuffled differently, so examples lost their labels: "
                "index both with the same permutation.",
                case,
            )
        order.append(ix)
    order = np.concatenate(order)
    if not np.array_equal(np.sort(order), np.arange(m)):
        raise Mistake(
            "some examples appear twice and others never: cut ONE permutation of the m columns "
            "into consecutive slices.",
            case,
        )
    if m >= 10 and np.array_equal(order, np.arange(m)):  # a chance below 1 in 3 million
        raise Mistake(
            "the examples are in their original order: shuffle the columns first, with a "
            "permutation drawn from rng.",
            case,
        )
    return order


COLUMNS = (
    "^IndexError",
    "Examples are columns: shuffle with X[:, permutation], not X[permutation].",
)


def call_batches(candidate, X, Y, size, rng):
    """Call the candidate (it may draw from ``rng``); errors get the hints of their likely cause."""
    rows = (
        "cannot reshape",
        f"Y may have several rows (here {Y.shape[0]}), like X: take its columns with "
        "Y[:, permutation] and keep its shape (no reshape to (1, m)).",
    )
    hints = [COLUMNS, rows]
    return call(candidate, "random_mini_batches", X, Y, size, rng, may_change=(3,), hints=hints)


def expect_uses_rng(candidate, X, Y, size, seed, case):
    """Same generator seed, same shuffle; another seed, another shuffle; a plain seed works too."""
    draws = [
        batches_order(call_batches(candidate, X, Y, size, rng), X, Y, size, case)
        for rng in (np.random.default_rng(seed), np.random.default_rng(seed), seed + 1)
    ]
    if not np.array_equal(draws[0], draws[1]):
        raise Mistake(
            "the same rng gave two different shuffles: draw the permutation from rng "
            "(rng.permutation(m)), not from np.random.",
            case,
        )
    if np.array_equal(draws[0], draws[2]):
        raise Mistake(
            "different rngs gave the same shuffle: draw the permutation from the rng you "
            "are given, not from a generator of your own.",
            case,
        )


@exercise("random_mini_batches")
def _random_mini_batches(candidate, rng):
    """Shuffled mini-batches of X and Y that keep examples paired, from the generator."""
    cases = [(2, 1, 10, 4), (3, 1, 12, 4), (2, 2, 5, 64)]
    cases += [
        (int(rng.integers(1, 6)), 1, int(rng.integers(40, 200)), int(rng.choice([8, 16, 32])))
        for _ in range(2)
    ]
    cases.append((int(rng.integers(1, 6)), 3, 96, 32))
    for index, (n_x, k, m, size) in enumerate(cases):
        dtype = case_dtype(index, len(cases))
        X = rng.standard_normal((n_x, m)).astype(dtype)
        Y = rng.permutation(k * m).reshape(k, m)
        case = f"with X{X.shape} {X.dtype.name}, Y{Y.shape}, mini_batch_size={size}."
        seed = int(rng.integers(1e6))
        out = call_batches(candidate, X, Y, size, np.random.default_rng(seed))
        batches_order(out, X, Y, size, case)
        if m >= 10:
            expect_uses_rng(candidate, X, Y, size, seed, case)
    return len(cases)


# --- momentum ------------------------------------------------------------------------------


def expect_zero_moments(got, parameters, what, case):
    """A dict dW1, db1, ... of zeros shaped like the parameters."""
    keys = [f"d{key}" for key in parameters]
    if isinstance(got, dict) and set(got) == set(parameters):
        raise Mistake(
            f"{what} is keyed like the parameters; key it like the gradients: "
            f"{', '.join(keys[:2])}, ...",
            case,
        )
    expect_keys(got, keys, what, case)
    for key, P in parameters.items():
        hint = (
            f"each entry of {what} has the shape of its parameter "
            f"(np.zeros_like(parameters['{key}']))."
        )
        expect_array(
            got[f"d{key}"], np.zeros_like(P), f"{what}[{f'd{key}'!r}]", case=case, shape_hint=hint
        )


def zero_moments_check(candidate, name, rng, count):
    """Run ``candidate(parameters)`` on nets of several sizes; yield (case, result, parameters)."""
    for index, dims in enumerate(network_dims(rng, count)):
        dtype = case_dtype(index, count)
        parameters, _ = network_case(rng, dims, dtype)
        yield describe_case(parameters), call_update(candidate, name, parameters), parameters


@exercise("initialize_velocity")
def _initialize_velocity(candidate, rng):
    """Zero velocities with the gradients' keys and shapes."""
    count = 4
    for case, v, parameters in zero_moments_check(candidate, "initialize_velocity", rng, count):
        expect_zero_moments(v, parameters, "v", case)
    return count


OLD_VELOCITY = (
    "the step used v from before this update: update v first, "
    "v = beta * v + (1 - beta) * dP, then step with the new v, P - learning_rate * v."
)


@exercise("update_parameters_with_momentum")
def _update_parameters_with_momentum(candidate, rng):
    """One momentum step: the new velocity, then the parameters."""
    dims_list = network_dims(rng)
    for index, dims in enumerate(dims_list):
        dtype = case_dtype(index, len(dims_list))
        parameters, grads = network_case(rng, dims, dtype)
        v = (
            ref.initialize_velocity(parameters)
            if index == 0
            else random_moments(rng, parameters)[0]
        )
        beta, learning_rate = float(rng.uniform(0.8, 0.95)), float(rng.uniform(0.05, 0.5))
        case = describe_case(parameters, beta=beta, learning_rate=learning_rate)
        old_parameters, old_v = copy.deepcopy(parameters), copy.deepcopy(v)
        expected, expected_v = ref.update_parameters_with_momentum(
            parameters, grads, v, beta, learning_rate
        )
        out = call_update(
            candidate, "update_parameters_with_momentum", parameters, grads, v, beta,
            learning_rate, may_change=(0, 2),
        )  # fmt: skip
        got, got_v = expect_tuple(out, 2, "the result", "parameters, v", case)
        v_mistakes = [
            ("beta and 1 - beta are swapped: v = beta * v + (1 - beta) * dP.",
             moving_average(old_v, grads, 1 - beta)),
            ("the (1 - beta) factor is missing: v = beta * v + (1 - beta) * dP.",
             {key: beta * old_v[key] + grads[key] for key in old_v}),
        ]  # fmt: skip
        expect_moments(got_v, expected_v, old_v, "v", v_mistakes, case)
        old_step = steps(old_parameters, old_v, learning_rate)
        reject_whole(got, expected, old_step, OLD_VELOCITY, case)
        mistakes = [
            ("the step uses the gradient: with momentum it is P - learning_rate * v.",
             steps(old_parameters, grads, learning_rate)),
            ("the step goes uphill: P - learning_rate * v.",
             steps(old_parameters, expected_v, -learning_rate)),
            ("the learning rate is missing: P - learning_rate * v.",
             steps(old_parameters, expected_v, 1.0)),
        ]  # fmt: skip
        expect_parameters(got, expected, old_parameters, mistakes, case)
    return len(dims_list)


# --- Adam ----------------------------------------------------------------------------------


@exercise("initialize_adam")
def _initialize_adam(candidate, rng):
    """Zero first and second moments with the gradients' keys and shapes."""
    count = 4
    for case, out, parameters in zero_moments_check(candidate, "initialize_adam", rng, count):
        v, s = expect_tuple(out, 2, "the result", "v, s", case)
        expect_zero_moments(v, parameters, "v", case)
        expect_zero_moments(s, parameters, "s", case)
        if v is s or any(np.shares_memory(v[key], s[key]) for key in v):
            raise Mistake(
                "v and s share their arrays, so updating one changes the other: "
                "create separate zeros for each.",
                case,
            )
    return count


def adam_step(parameters, v, s, t, learning_rate, beta1, beta2, denominator):
    """P - learning_rate * v_hat / denominator(s_hat), from already updated moments v, s.

    ``t`` None skips the bias correction; the typical mistakes vary the arguments.
    """
    new = {}
    for key, P in parameters.items():
        v_hat, s_hat = v[f"d{key}"], s[f"d{key}"]
        if t is not None:
            v_hat, s_hat = v_hat / (1 - beta1**t), s_hat / (1 - beta2**t)
        new[key] = P - learning_rate * v_hat / denominator(s_hat)
    return new


def adam_settings(rng, index, count):
    """(t, learning_rate, beta1, beta2, epsilon): t = 1 at first; one case has a large epsilon."""
    t = 1 if index == 0 else int(rng.integers(2, 30))
    return (
        t,
        float(rng.uniform(0.005, 0.05)),
        float(rng.uniform(0.8, 0.95)),
        float(rng.uniform(0.99, 0.9999)),
        1e-3 if index == count - 2 else 1e-8,
    )


EPSILON_INSIDE = "epsilon is inside the square root: divide by sqrt(s_hat) + epsilon."


def adam_mistakes(old, v, s, settings):
    """(sentence, wrong parameters) pairs of the typical Adam steps; v, s are the right moments."""
    t, learning_rate, beta1, beta2, epsilon = settings
    right = {"v": v, "s": s, "t": t, "learning_rate": learning_rate, "beta1": beta1, "beta2": beta2}

    def outside(s_hat):
        return np.sqrt(s_hat) + epsilon

    return [
        ("the bias correction is missing: divide v by (1 - beta1**t) and s by (1 - beta2**t).",
         adam_step(old, **{**right, "t": None}, denominator=outside)),
        ("the bias correction uses t - 1: t counts the steps from 1, so the first step "
         "divides by 1 - beta**1.", adam_step(old, **{**right, "t": t - 1}, denominator=outside)),
        ("the bias correction uses t + 1: t already is the number of this step; do not add 1.",
         adam_step(old, **{**right, "t": t + 1}, denominator=outside)),
        (EPSILON_INSIDE,
         adam_step(old, **right, denominator=lambda s_hat: np.sqrt(s_hat + epsilon))),
        ("the square root is missing: divide by sqrt(s_hat) + epsilon.",
         adam_step(old, **right, denominator=lambda s_hat: s_hat + epsilon)),
        ("the step goes uphill: P - learning_rate * v_hat / (sqrt(s_hat) + epsilon).",
         adam_step(old, **{**right, "learning_rate": -learning_rate}, denominator=outside)),
    ]  # fmt: skip


def adam_step_from(old, v, s, settings):
    """The right step, but from the moments v, s given (a slip passes the old ones)."""
    t, learning_rate, beta1, beta2, epsilon = settings
    return adam_step(
        old, v, s, t, learning_rate, beta1, beta2, lambda s_hat: np.sqrt(s_hat) + epsilon
    )


def efficient_adam_step(old, v, s, settings):
    """The 'efficient form': lr_t = lr sqrt(1 - beta2**t) / (1 - beta1**t), sqrt(s) + epsilon."""
    t, learning_rate, beta1, beta2, epsilon = settings
    rate = learning_rate * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    return {
        key: P - rate * v[f"d{key}"] / (np.sqrt(s[f"d{key}"]) + epsilon) for key, P in old.items()
    }


def adam_moment_mistakes(old, grads, beta, t, what):
    """(sentence, wrong moment) pairs for v (what="v") or s (what="s")."""
    power = 1 if what == "v" else 2
    formula = (
        f"{what} = beta{power} * {what} + (1 - beta{power}) * {'dP' if power == 1 else 'dP**2'}"
    )
    target = {key: g**power for key, g in grads.items() if key in old}
    updated = moving_average(old, target, beta)
    pairs = [
        (f"beta{power} and 1 - beta{power} are swapped: {formula}.",
         moving_average(old, target, 1 - beta)),
        (f"the returned {what} is bias-corrected: return the running average itself and use the "
         f"corrected {what}_hat only for the step.",
         {key: value / (1 - beta**t) for key, value in updated.items()}),
    ]  # fmt: skip
    if what == "s":
        pairs.append((f"s averages the gradient, not its square: {formula}.",
                      moving_average(old, grads, beta)))  # fmt: skip
    return pairs


EFFICIENT_FORM = (
    "this is the 'efficient form' of Adam (learning_rate * sqrt(1 - beta2**t) / (1 - beta1**t), "
    "with epsilon added to sqrt(s)), which moves epsilon: here epsilon goes with the "
    "bias-corrected s, divide v_hat by sqrt(s_hat) + epsilon."
)

EPSILON_EITHER = (
    "your step differs from the right one only by where epsilon goes, and in these cases two "
    "slips give the same numbers: epsilon inside the square root, or the 'efficient form' of "
    "Adam (learning_rate * sqrt(1 - beta2**t) / (1 - beta1**t), epsilon added to sqrt(s)). "
    "Here epsilon goes with the bias-corrected s: divide v_hat by sqrt(s_hat) + epsilon."
)

OLD_MOMENTS = (
    "the step used v and s from before this update: update them first, then step with the "
    "bias-corrected new ones, P - learning_rate * v_hat / (sqrt(s_hat) + epsilon)."
)

HYPER_PARAMETERS = (
    "the result matches the default hyper-parameters: use the learning_rate, beta1, beta2 and "
    "epsilon you are given."
)


@exercise("update_parameters_with_adam")
def _update_parameters_with_adam(candidate, rng):
    """One Adam step with bias correction, over several t and settings."""
    dims_list = network_dims(rng, 5)
    ambiguous = None  # the first case where two epsilon slips give the same numbers
    for index, dims in enumerate(dims_list):
        dtype = case_dtype(index, len(dims_list))
        parameters, grads = network_case(rng, dims, dtype)
        if index == 0:
            v, s = ref.initialize_adam(parameters)
        else:
            v, s = random_moments(rng, parameters)
        settings = adam_settings(rng, index, len(dims_list))
        t, _, beta1, beta2, _ = settings
        names = ("learning_rate", "beta1", "beta2", "epsilon")
        case = describe_case(parameters, t=t, **dict(zip(names, settings[1:], strict=True)))
        old, old_v, old_s = copy.deepcopy((parameters, v, s))
        expected, expected_v, expected_s = ref.update_parameters_with_adam(
            parameters, grads, v, s, *settings
        )
        default, default_v, default_s = ref.update_parameters_with_adam(old, grads, old_v, old_s, t)
        out = call_update(
            candidate, "update_parameters_with_adam", parameters, grads, v, s, *settings,
            may_change=(0, 2, 3),
        )  # fmt: skip
        got, got_v, got_s = expect_tuple(out, 3, "the result", "parameters, v, s", case)
        v_mistakes = [
            *adam_moment_mistakes(old_v, grads, beta1, t, "v"),
            (HYPER_PARAMETERS, default_v),
        ]
        expect_moments(got_v, expected_v, old_v, "v", v_mistakes, case)
        s_mistakes = [
            *adam_moment_mistakes(old_s, grads, beta2, t, "s"),
            (HYPER_PARAMETERS, default_s),
        ]
        expect_moments(got_s, expected_s, old_s, "s", s_mistakes, case)
        mistakes = [
            *adam_mistakes(old, expected_v, expected_s, settings),
            (HYPER_PARAMETERS, default),
        ]
        efficient = efficient_adam_step(old, expected_v, expected_s, settings)
        old_step = adam_step_from(old, old_v, old_s, settings)
        others = [wrong for _, wrong in mistakes]
        reject_whole(got, expected, old_step, OLD_MOMENTS, case, [efficient, *others])
        inside = dict(mistakes)[EPSILON_INSIDE]
        if close(got, efficient) and close(got, inside) and not close(expected, efficient):
            ambiguous = ambiguous or case  # a later case may tell the two apart
            continue
        reject_whole(got, expected, efficient, EFFICIENT_FORM, case, others)
        expect_parameters(got, expected, old, mistakes, case)
    if ambiguous:  # no case told them apart: say both, as neither alone is known
        raise Mistake(EPSILON_EITHER, ambiguous)
    return len(dims_list)
