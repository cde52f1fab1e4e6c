"""The safe encoding between the class grader and its sandbox: JSON, and .npy for arrays.

Nothing read from the sandbox is unpickled or evaluated. ``decode`` builds only None, bool,
int, float, str, list, tuple, dict, NumPy arrays and scalars of numbers (their raw bytes, of
exactly the size their dtype and shape say), NumPy random Generators (from their state) and, for any other object, an empty stand-in whose type bears the
original type's name (so that a check can still say "got DataFrame"). ``copy_into`` makes
the caller's objects hold what a call on the other side left in them; ``rebuilt`` makes an
exception that the other side reported. A frame is an 8-byte
length and that many bytes of UTF-8 JSON, at most ``LIMIT`` bytes.
"""

import base64
import builtins
import json
import math
import os
import re
import select
import time

import numpy as np

LIMIT = 64 * 2**20  # bytes in one frame
DEPTH = 64  # nesting kept; deeper values travel as stand-ins
NUMBERS = "biufc"  # the dtype kinds an array may have
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


class WireError(Exception):
    """The other side sent something that is not a frame of this protocol, or fell silent."""


def encode(value, depth=0):
    """``value`` as JSON-ready data (see ``decode``)."""
    if (
        value is None
        or isinstance(value, bool | int | float | str)
        and type(value)
        in (
            bool,
            int,
            float,
            str,
        )
    ):
        return value
    if depth < DEPTH:
        if isinstance(value, np.ndarray | np.generic) and value.dtype.kind in NUMBERS:
            kind = "array" if isinstance(value, np.ndarray) else "scalar"
            data = base64.b64encode(np.ascontiguousarray(value).tobytes()).decode()
            return {kind: [value.dtype.str, list(value.shape), data]}
        if isinstance(value, np.random.Generator):
            return {"generator": encode(value.bit_generator.state, depth + 1)}
        if isinstance(value, list | tuple):
            kind = "list" if isinstance(value, list) else "tuple"
            return {kind: [encode(item, depth + 1) for item in value]}
        if isinstance(value, dict):
            return {
                "dict": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]
            }
    return {"other": type(value).__name__}


def decode(data):
    """The value that ``encode`` described; raises WireError on anything else."""
    if data is None or isinstance(data, bool | int | float | str):
        return data
    if not isinstance(data, dict) or len(data) != 1:
        raise WireError("malformed value")
    ((kind, body),) = data.items()
    if kind in ("array", "scalar"):
        array = _array(body)
        return array if kind == "array" else array[()]
    if kind in ("list", "tuple") and isinstance(body, list):
        items = [decode(item) for item in body]
        return items if kind == "list" else tuple(items)
    if kind == "dict" and isinstance(body, list):
        return {_key(decode(k)): decode(v) for k, v in map(_pair, body)}
    if kind == "generator":
        return generator(decode(body))
    if kind == "other" and isinstance(body, str):
        return stand_in(body)
    raise WireError(f"malformed value of kind {kind!r}")


def _array(body):
    """The array of [dtype string, shape, base64 bytes]: numbers only, of exactly that size."""
    if not (isinstance(body, list) and len(body) == 3 and isinstance(body[1], list)):
        raise WireError("malformed array")
    kind, shape, data = body
    try:
        dtype = np.dtype(str(kind))
        raw = base64.b64decode(str(data), validate=True)
    except (TypeError, ValueError) as error:
        raise WireError(f"malformed array: {error}") from None
    if dtype.kind not in NUMBERS or not all(type(n) is int and n >= 0 for n in shape):
        raise WireError("malformed array")
    if len(raw) != math.prod(shape) * dtype.itemsize:
        raise WireError("an array's bytes do not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def generator(state):
    """A NumPy Generator in ``state`` (a bit generator's ``.state``)."""
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if name not in BIT_GENERATORS:
        raise WireError(f"unknown bit generator {name!r}")
    bits = getattr(np.random, name)()
    try:
        bits.state = state
    except (TypeError, ValueError, KeyError) as error:
        raise WireError(f"bad generator state: {error}") from None
    return np.random.Generator(bits)


def _pair(item):
    if not isinstance(item, list) or len(item) != 2:
        raise WireError("malformed dict item")
    return item


def _key(key):
    """A dict key must be hashable: lists come back as tuples."""
    return tuple(_key(k) for k in key) if isinstance(key, list | tuple) else key


def stand_in(type_name):
    """An empty object whose type is called ``type_name`` (made a valid identifier)."""
    name = re.sub(r"\W", "_", type_name)[:60] or "object"
    name = name if name[0].isalpha() or name[0] == "_" else f"_{name}"
    return type(name, (), {"__repr__": lambda self: f"<{name} object>"})()


def write_frame(fd, message):
    """Send ``message`` (JSON-ready) as one frame on file descriptor ``fd``."""
    data = json.dumps(message).encode()
    if len(data) > LIMIT:
        data = json.dumps({"too large": f"{len(data)} bytes"}).encode()
    view = memoryview(len(data).to_bytes(8, "big") + data)
    while view:
        view = view[os.write(fd, view) :]


def read_frame(fd, deadline=None):
    """The next frame's message from ``fd``; WireError on a bad frame, EOF or the deadline
    (``time.monotonic()`` value, None for none)."""
    size = int.from_bytes(_read(fd, 8, deadline), "big")
    if size > LIMIT:
        raise WireError(f"a frame of {size} bytes, more than the limit")
    try:
        return json.loads(_read(fd, size, deadline))
    except ValueError as error:
        raise WireError(f"not JSON: {error}") from None


def _read(fd, size, deadline):
    chunks, left = [], size
    while left:
        wait = None if deadline is None else max(0.0, deadline - time.monotonic())
        if not select.select([fd], [], [], wait)[0]:
            raise WireError("deadline")
        chunk = os.read(fd, min(left, 2**20))
        if not chunk:
            raise WireError("closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def copy_into(target, value):
    """Make the mutable parts of ``target`` hold ``value`` (what the child's call left there)."""
    if isinstance(target, dict) and isinstance(value, dict):
        merged = {key: merged_into(target.get(key), item) for key, item in value.items()}
        target.clear()
        target.update(merged)
    elif isinstance(target, list) and isinstance(value, list | tuple):
        target[:] = [
            merged_into(target[i] if i < len(target) else None, item)
            for i, item in enumerate(value)
        ]
    elif isinstance(target, tuple) and isinstance(value, list | tuple):
        for before, after in zip(target, value, strict=False):
            copy_into(before, after)
    elif isinstance(target, np.random.Generator) and isinstance(value, np.random.Generator):
        target.bit_generator.state = value.bit_generator.state
    elif isinstance(target, np.ndarray) and isinstance(value, np.ndarray):
        if target.shape == value.shape and target.flags.writeable:
            np.copyto(target, value, casting="unsafe")


def merged_into(old, new):
    """``old`` made to hold ``new`` when it can (arrays keep their identity), else ``new``."""
    if isinstance(old, np.ndarray) and isinstance(new, np.ndarray) and old.shape == new.shape:
        copy_into(old, new)
        return old
    if isinstance(old, dict | list) and type(new) is type(old):
        copy_into(old, new)
        return old
    return new


def rebuilt(raised):
    """The exception the child reported, rebuilt from its name and text only."""
    name, message = str(raised.get("type")), str(raised.get("message", ""))
    kind = getattr(builtins, name, None)
    if not (isinstance(kind, type) and issubclass(kind, Exception | SystemExit)):
        kind = type(stand_in(name).__class__.__name__, (Exception,), {})
    error = kind(message)
    error.failing_line = str(raised.get("line") or "")
    return error
