"""What checkers use to call a candidate and compare what it returns.

``call`` runs the candidate safely; ``expect_array``, ``expect_float``,
``expect_keys`` and ``expect_tuple`` compare its output with the reference and
raise a ``Mistake`` naming the likely cause, from a catalogue of
``(sentence, wrong_value)`` pairs.
"""

import copy
import inspect
import os
import re

import numpy as np

from ..errors import failing_line, text_of
from ..isolation import restore_numpy

# NumPy's print options as they come, for the evidence in messages: a learner's
# np.set_printoptions (a formatter, a precision of 1) must not change what a message shows.
PRINT_OPTIONS = np.get_printoptions()


class Mistake(Exception):
    """A failed check: ``sentence`` names the mistake, ``details`` show the evidence."""

    def __init__(self, sentence, *details):
        super().__init__(sentence)
        self.sentence = sentence
        self.details = [d for d in details if d]


class NotWritten(Mistake):
    """The candidate still raises NotImplementedError."""


class Stopped(BaseException):
    """The answer was stopped before it could return (it called the course's own solution,
    or its sandbox stopped it): the text is the whole verdict. It passes ``call`` untouched."""


class Interrupted(BaseException):
    """The learner interrupted the candidate (KeyboardInterrupt); its text is the exercise."""


# Diagnoses that depend on the wording of NumPy's and Python's exceptions, in one table:
# (pattern searched in "ErrorType: message", sentence added to the message). A test provokes
# each real exception, so that a reworded message fails a test instead of losing a diagnosis.
EXCEPTION_HINTS = (
    (
        r"truth value of an array with more than one element is ambiguous",
        "An `if`, `and`, `or` or Python's max/min met a whole array: use NumPy's elementwise "
        "np.maximum(Z, 0) or np.where(Z > 0, ...) instead.",
    ),
    (
        r"arrays can be converted to Python scalars|OverflowError: math range error",
        "Use np.exp, which works on whole arrays (math.exp takes one number) and gives inf "
        "rather than an error.",
    ),
    (
        r"TypeError: Cannot interpret '.*' as a data type",
        "A shape is ONE tuple, as in np.zeros((n, 1)) and rng.standard_normal((n, n_prev)); "
        "np.zeros(n, 1) reads the 1 as a dtype.",
    ),
)


def hint_for(error, hints=()):
    """The sentence of the first ``(pattern, sentence)`` of ``hints``, then of
    ``EXCEPTION_HINTS``, whose pattern occurs in "ErrorType: message"; else ''."""
    raised = f"{type(error).__name__}: {text_of(error)}"
    for pattern, sentence in (*hints, *EXCEPTION_HINTS):
        if re.search(pattern, raised):
            return sentence
    return ""


def call(candidate, name, *args, may_change=(), hints=()):
    """Call ``candidate(*args)`` as exercise ``name`` would be; return its output.

    Exceptions (``sys.exit`` included), and arguments changed in place (unless their
    index is in ``may_change``), become a ``Mistake``; ``hints`` are this call's own
    ``(pattern, sentence)`` pairs, tried before ``EXCEPTION_HINTS``. An interrupt
    becomes ``Interrupted``.
    """
    if not callable(candidate):
        raise Mistake(
            f"expected a function, got {type(candidate).__name__}: pass the function itself, "
            f'as in check("{name}", {name}), without calling it.'
        )
    before = copy.deepcopy(args)
    pid = os.getpid()
    try:
        out = candidate(*args)
    except NotImplementedError:
        raise NotWritten(
            f"not written yet: replace `raise NotImplementedError` in {name} with your code, "
            "run that cell, then run this check again."
        ) from None
    except KeyboardInterrupt:
        raise Interrupted(name) from None
    except SystemExit:
        raise Mistake(
            f"{name} called exit() or sys.exit(), which stops the whole program: return the "
            "result instead."
        ) from None
    except Exception as error:
        names = [argument_name(candidate, index) for index in range(len(args))]
        hint = hint_for(error, hints)
        raise Mistake(
            f"{name} raised {type(error).__name__}: {text_of(error)}." + f" {hint}" * bool(hint),
            failing_line(error),
            f"while running it with {describe(args, names)}.",
        ) from None
    finally:
        if os.getpid() != pid:  # a process the answer forked: it must not run the check on
            os._exit(0)
        restore_numpy()  # NumPy functions the answer reassigned must not judge it
    for index, (now, then) in enumerate(zip(args, before, strict=True)):
        if index not in may_change and not same(now, then):
            arg = argument_name(candidate, index)
            raise Mistake(
                f"{name} changed its argument `{arg}` in place; compute a new array instead "
                "(for example `X = X + 1` rather than `X += 1` or `X[...] = ...`).",
            )
    return out


def argument_name(function, index):
    """Name of ``function``'s positional parameter number ``index`` (or "#index")."""
    try:
        params = list(inspect.signature(function).parameters)
        return params[index]
    except (TypeError, ValueError, IndexError):
        return f"#{index + 1}"


def same(a, b):
    """True when ``a`` and ``b`` hold the same data (arrays, dicts, tuples, lists, scalars)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.shape == b.shape
            and a.dtype == b.dtype
            and np.array_equal(a, b, equal_nan=True)
        )
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return (
            isinstance(b, list | tuple)
            and len(a) == len(b)
            and all(same(x, y) for x, y in zip(a, b, strict=True))
        )
    return a == b


def describe(args, names=None):
    """Short description of call arguments: shapes of arrays, values of the rest."""
    if not args:
        return "no arguments"
    names = names or [f"#{index + 1}" for index in range(len(args))]
    return ", ".join(f"{n}={_describe(a)}" for n, a in zip(names, args, strict=True))


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"array{value.shape} {value.dtype}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_describe(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        if len(value) <= 8 and all(isinstance(v, int | float) for v in value):
            return repr(value)
        inner = ", ".join(_describe(v) for v in value[:4])
        return (
            f"{type(value).__name__} of {len(value)} ({inner}{', ...' if len(value) > 4 else ''})"
        )
    return repr(value)


def show(array, limit=6):
    """Compact text of an array: at most ``limit`` rows and columns, 4 significant digits."""
    array = np.asarray(array)
    if array.ndim == 2:
        array = array[:limit, :limit]
    elif array.ndim == 1:
        array = array[:limit]
    with np.printoptions(**PRINT_OPTIONS):
        return np.array2string(array, precision=4, suppress_small=True, separator=", ")


def tolerance(expected):
    """(rtol, atol) suited to ``expected``'s dtype."""
    if np.asarray(expected).dtype == np.float32:
        return 1e-4, 1e-5
    return 1e-6, 1e-9


def close(got, expected):
    """True when ``got`` matches ``expected`` in shape and value (within the dtype's tolerance).

    Dicts match when ``got`` has every key of ``expected`` with a matching value.
    """
    if isinstance(expected, dict):
        return isinstance(got, dict) and all(
            key in got and close(got[key], value) for key, value in expected.items()
        )
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return False
    expected = np.asarray(expected)
    if got.shape != expected.shape:
        return False
    rtol, atol = tolerance(expected)
    return bool(np.allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True))


def is_number(value, integer=False):
    """True for a Python or NumPy real number (an integer if ``integer``), never a bool."""
    kinds = int | np.integer if integer else float | int | np.floating | np.integer
    return isinstance(value, kinds) and not isinstance(value, bool)


def reject_none(got, what, case=""):
    """Raise a ``Mistake`` when ``got`` is None, the sign of a forgotten ``return``."""
    if got is None:
        raise Mistake(f"{what} is None: is a `return` missing?", case)


def named_mistake(got, expected, mistakes, match=close, differs=None):
    """The sentence of the ``(sentence, wrong)`` that ``got`` matches, else None.

    A wrong value that the right answer also matches (``differs`` is False) names nothing.
    When several sentences match (two slips giving the same numbers in this case), the
    message names each of them rather than guess.
    """
    differs = differs or (lambda right, wrong: not match(right, wrong))
    found = []
    for sentence, wrong in mistakes:
        if sentence not in found and differs(expected, wrong) and match(got, wrong):
            found.append(sentence)
    if len(found) > 1:
        return (
            f"{len(found)} slips give these very numbers here, so it is one of them: "
            + " ".join(f"({number}) {sentence}" for number, sentence in enumerate(found, start=1))
        )
    return found[0] if found else None


def array_of_shape(got, expected, what, mistakes=(), case="", shape_hint=""):
    """(got, expected) as arrays; a ``Mistake`` unless ``got`` is a numeric array of
    ``expected``'s shape. A named mistake of ``mistakes`` (see ``expect_array``) comes first."""
    expected = np.asarray(expected)
    reject_none(got, what, case)
    if isinstance(got, np.matrix) or not isinstance(got, np.ndarray | np.generic | float | int):
        raise Mistake(f"{what} should be a NumPy array, got {type(got).__name__}.", case)
    got = np.asarray(got)
    if got.dtype.kind not in "fiub":
        raise Mistake(f"{what} should hold numbers, got an array of dtype {got.dtype}.", case)
    sentence = named_mistake(got, expected, mistakes)
    if sentence:
        raise Mistake(sentence, case)
    if got.shape != expected.shape:
        raise Mistake(shape_sentence(what, got.shape, expected.shape, shape_hint), case)
    return got, expected


def expect_array(got, expected, what, mistakes=(), case="", shape_hint="", dtype_hint=""):
    """Raise a ``Mistake`` unless ``got`` is an array equal to ``expected``, in its dtype.

    ``mistakes`` is a sequence of ``(sentence, wrong_value)``: when ``got`` matches
    a wrong value, that sentence is the message. ``case`` describes the inputs;
    ``shape_hint``, if given, is the advice on a wrong shape (see ``shape_sentence``);
    ``dtype_hint`` replaces the advice on a float32 answer returned in another dtype.
    The one dtype rule: a float32 answer stays float32, and no answer is a narrower
    float than the expected one.
    """
    got, expected = array_of_shape(got, expected, what, mistakes, case, shape_hint)
    if np.isnan(got).any() and not np.isnan(expected).any():
        raise Mistake(
            f"{what} contains NaN where the answer is finite.",
            case,
            f"got:\n{show(got)}",
        )
    narrower = got.dtype.kind == "f" and got.dtype.itemsize < expected.dtype.itemsize
    if narrower and expected.dtype.kind == "f":
        raise Mistake(f"{what} is {got.dtype}, expected {expected.dtype}: {KEEP_DTYPE}", case)
    if not close(got, expected):
        raise Mistake(_wrong_values(got, expected, what), case, *_difference(got, expected))
    if expected.dtype == np.float32 and got.dtype != np.float32:
        raise Mistake(f"{what} is {got.dtype}, expected float32: {dtype_hint or KEEP_DTYPE}", case)


KEEP_DTYPE = (
    "keep the inputs' dtype (float32 in, float32 out). A float64 array or NumPy scalar "
    "(np.zeros or np.ones without dtype=, np.power(0.9, t), .astype(float)) turns float32 "
    "into float64."
)


def _wrong_values(got, expected, what):
    """'... has wrong values.', naming the dtype when the values print alike."""
    if show(got) != show(expected):
        return f"{what} has wrong values."
    if got.dtype != expected.dtype:
        return (
            f"{what} differs from the answer beyond its first digits: it is {got.dtype}, "
            f"expected {expected.dtype}; keep the inputs' dtype."
        )
    return f"{what} differs from the answer beyond its first digits."


def shape_sentence(what, got, expected, hint=""):
    """'what has shape got, expected expected: cause'; ``hint`` replaces the guessed cause.

    The guesses suit activations and gradients, whose columns are the examples.
    """
    if hint:
        return f"{what} has shape {got}, expected {expected}: {hint}"
    if len(got) == 2 and got == expected[::-1]:
        return f"{what} has shape {got}, expected {expected}: is a transpose missing or extra?"
    if len(expected) == 2 and expected[1] == 1 and got == expected[:1]:
        return (
            f"{what} has shape {got}, expected {expected}: keep the column dimension "
            "(for example with keepdims=True)."
        )
    if len(got) == 2 and len(expected) == 2 and got[0] == expected[0] and got[1] != expected[1]:
        return f"{what} has shape {got}, expected {expected}: one column per example."
    return f"{what} has shape {got}, expected {expected}."


def _difference(got, expected):
    """Lines showing expected vs got, and where they differ most."""
    got = np.asarray(got, dtype=float)
    gap = np.abs(got - expected)
    gap = np.where(np.isnan(gap), np.inf, gap)
    where = np.unravel_index(np.argmax(gap), gap.shape) if gap.size else ()
    index = tuple(int(i) for i in where)
    if gap.ndim > 2:  # the 2-D slice holding the largest difference, not the whole array
        lead = index[:-2]
        at = f"[{', '.join(map(str, lead))}, :, :]"
        lines = [
            f"expected{at} (the slice holding the largest difference):\n{show(expected[lead])}",
            f"got{at}:\n{show(got[lead])}",
        ]
    else:
        lines = [f"expected:\n{show(expected)}", f"got:\n{show(got)}"]
    if gap.ndim and gap.size > 1:
        lines.append(
            f"largest difference at index {index}: "
            + _distinct(float(expected[index]), float(got[index]))
            + "."
        )
    return lines


def _distinct(expected, got):
    """'expected X, got Y' with just enough digits for X and Y to differ."""
    for digits in (6, 9, 12, 17):
        if f"{expected:.{digits}g}" != f"{got:.{digits}g}":
            break
    return f"expected {expected:.{digits}g}, got {got:.{digits}g}"


def expect_float(got, expected, what, mistakes=(), case=""):
    """Raise a ``Mistake`` unless ``got`` is a Python/NumPy scalar equal to ``expected``."""
    reject_none(got, what, case)
    if isinstance(got, np.ndarray) and got.size == 1 and got.ndim > 0:
        raise Mistake(
            f"{what} should be a number, got an array of shape {got.shape}: "
            "turn it into one (for example with .item() or np.squeeze).",
            case,
        )
    if isinstance(got, np.ndarray) and got.ndim == 0:
        got = got[()]
    if not is_number(got):
        raise Mistake(f"{what} should be a number, got {type(got).__name__}.", case)
    sentence = named_mistake(got, expected, mistakes)
    if sentence:
        raise Mistake(sentence, case)
    if np.isnan(got) and not np.isnan(expected):
        raise Mistake(f"{what} is NaN where the answer is finite.", case)
    if not close(got, expected):
        raise Mistake(f"{what} is wrong: {_distinct(float(expected), float(got))}.", case)


def expect_keys(got, expected_keys, what, case=""):
    """Raise a ``Mistake`` unless ``got`` is a dict with exactly ``expected_keys``."""
    reject_none(got, what, case)
    if not isinstance(got, dict):
        raise Mistake(f"{what} should be a dict, got {type(got).__name__}.", case)
    difference = key_difference(got, expected_keys, lambda keys: f"keys {keys}")
    if difference:
        raise Mistake(f"{what} has {difference}.", f"expected keys {list(expected_keys)}.", case)


def key_difference(got, expected, name_keys):
    """'missing ... and unexpected ...' between the keys of ``got`` and ``expected`` ('' if equal).

    ``name_keys`` turns a list of keys into text.
    """
    missing = [k for k in expected if k not in got]
    extra = [k for k in got if k not in expected]
    parts = [
        f"{label} {name_keys(keys)}"
        for label, keys in (("missing", missing), ("unexpected", extra))
        if keys
    ]
    return " and ".join(parts)


def expect_tuple(got, length, what, names, case=""):
    """Raise a ``Mistake`` unless ``got`` is a tuple or list of ``length`` items; return it."""
    reject_none(got, what, case)
    if not isinstance(got, tuple | list) or len(got) != length:
        got_text = f"{type(got).__name__}" + (
            f" of {len(got)}" if isinstance(got, tuple | list) else ""
        )
        raise Mistake(f"{what} should be a tuple of {length}: ({names}); got {got_text}.", case)
    return got
