"""The grader reads what its sandbox sends as data only: no pickle, no eval, bounded frames."""

import os

import numpy as np
import pytest

from nnutils.classroom import wire
from nnutils.classroom.wire import WireError, decode, encode


def round_trip(value):
    return decode(wire.json.loads(wire.json.dumps(encode(value))))


def test_values_of_the_checks_come_back_equal_with_their_types():
    rng = np.random.default_rng(3)
    value = {
        "W1": rng.standard_normal((3, 2)).astype(np.float32),
        "shape": (3, 2),
        "cost": np.float32(0.5),
        "caches": [((np.ones(2), 2, None), np.arange(3))],
        "flags": [True, float("nan"), "relu"],
        0: -1,
    }
    back = round_trip(value)
    assert back.keys() == value.keys() and back["shape"] == (3, 2) and back[0] == -1
    assert back["W1"].dtype == np.float32 and np.array_equal(back["W1"], value["W1"])
    assert type(back["cost"]) is np.float32 and isinstance(back["caches"][0], tuple)


def test_a_generator_comes_back_in_the_same_state():
    rng = np.random.default_rng(7)
    rng.standard_normal(5)
    assert round_trip(rng).standard_normal() == rng.standard_normal()


def test_other_objects_come_back_as_empty_stand_ins_bearing_their_type_name():
    class DataFrame:
        pass

    assert type(round_trip(DataFrame())).__name__ == "DataFrame"
    assert type(round_trip(np.array([object()]))).__name__ == "ndarray"
    assert type(round_trip(lambda: 0)).__name__ == "function"


def test_object_arrays_wrong_sizes_and_unknown_kinds_are_refused():
    pointers = wire.base64.b64encode(bytes(16)).decode()
    eight = wire.base64.b64encode(bytes(8)).decode()
    for bad in (
        {"array": ["|O", [2], pointers]},  # an object array: pointers into the grader
        {"array": ["i4,f8", [1], pointers]},  # a structured dtype
        {"array": ["<f8", [3], pointers]},  # 16 bytes are not 3 floats
        {"array": ["<f8", [-1], eight]},
        {"array": ["<f8", [True], eight]},
        {"array": "a string"},
        {"eval": "1 + 1"},
        {"list": 3},
        {"dict": [[1]]},
        [1, 2],
        {"generator": {}},
    ):
        with pytest.raises(WireError):
            decode(bad)
    assert decode({"array": ["<f8", [1, 1], eight]}).flags.writeable


def test_frames_over_the_limit_or_cut_short_are_refused():
    read, write = os.pipe()
    os.write(write, (wire.LIMIT + 1).to_bytes(8, "big"))
    with pytest.raises(WireError, match="limit"):
        wire.read_frame(read)
    wire.write_frame(write, {"ok": 1})
    assert wire.read_frame(read) == {"ok": 1}
    os.write(write, (10).to_bytes(8, "big") + b"{")
    os.close(write)
    with pytest.raises(WireError, match="closed"):
        wire.read_frame(read)
    os.close(read)
