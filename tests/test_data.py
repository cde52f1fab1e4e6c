"""nnutils.data: layout, dtypes, determinism, balance, splitting."""

import numpy as np
import pytest

from nnutils import data

LOADERS = [data.load_planar, data.load_moons, data.load_circles]


@pytest.mark.parametrize("load", LOADERS)
@pytest.mark.parametrize("m", [400, 51, 2])
def test_layout_and_dtypes(load, m):
    X, Y = load(m=m)
    assert X.shape == (2, m)
    assert Y.shape == (1, m)
    assert X.dtype == np.float64
    assert Y.dtype == np.int64
    assert np.isfinite(X).all()
    assert set(np.unique(Y)) <= {0, 1}


@pytest.mark.parametrize("load", LOADERS)
def test_classes_are_balanced(load):
    for m in (400, 51):
        Y = load(m=m)[1]
        assert abs(int(Y.sum()) - (m - int(Y.sum()))) <= 1


@pytest.mark.parametrize("load", LOADERS)
def test_deterministic_by_seed(load):
    X1, Y1 = load(seed=3)
    X2, Y2 = load(seed=3)
    X3, _ = load(seed=4)
    assert np.array_equal(X1, X2)
    assert np.array_equal(Y1, Y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("load", LOADERS)
def test_default_is_seed_0(load):
    assert np.array_equal(load()[0], load(seed=0)[0])


def test_loaders_do_not_touch_global_random_state():
    state = np.random.get_state()[1].copy()  # noqa: NPY002
    for load in LOADERS:
        load(seed=5)
    assert np.array_equal(np.random.get_state()[1], state)  # noqa: NPY002


def test_planar_examples_are_shuffled():
    """The columns are not grouped by class: about half of the neighboring pairs differ."""
    Y = data.load_planar()[1].ravel()
    changes = np.count_nonzero(Y[1:] != Y[:-1])
    assert 150 < changes < 250


def test_planar_is_not_linearly_separable():
    """A line through the flower classifies about half of the points right, whatever line."""
    from sklearn.linear_model import LogisticRegression

    X, Y = data.load_planar()
    accuracy = LogisticRegression().fit(X.T, Y.ravel()).score(X.T, Y.ravel())
    assert 0.4 < accuracy < 0.6


def numbered(m):
    """X whose column j is (j, -j), Y whose column j is j % 2: each example recognizable."""
    columns = np.arange(m)
    return np.stack([columns, -columns]).astype(float), (columns % 2).reshape(1, m)


@pytest.mark.parametrize(("m", "fraction", "n_test"), [(100, 0.25, 25), (10, 0.5, 5), (3, 0.1, 1)])
def test_train_test_split_is_disjoint_and_complete(m, fraction, n_test):
    X, Y = numbered(m)
    X_train, X_test, Y_train, Y_test = data.train_test_split(X, Y, test_fraction=fraction)
    assert X_test.shape == (2, n_test)
    assert X_train.shape == (2, m - n_test)
    assert Y_train.shape == (1, m - n_test)
    assert Y_test.shape == (1, n_test)
    train, test = X_train[0].astype(int), X_test[0].astype(int)
    assert not set(train) & set(test)
    assert sorted([*train, *test]) == list(range(m))
    for X_part, Y_part in ((X_train, Y_train), (X_test, Y_test)):
        assert np.array_equal(X_part[1], -X_part[0]), "the columns were torn apart"
        assert np.array_equal(Y_part[0], X_part[0].astype(int) % 2), "labels left their examples"


def test_train_test_split_is_deterministic_and_shuffles():
    X, Y = numbered(50)
    first = data.train_test_split(X, Y, seed=1)
    again = data.train_test_split(X, Y, seed=1)
    other = data.train_test_split(X, Y, seed=2)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[1], other[1])
    assert not np.array_equal(first[0][0], np.sort(first[0][0])), "the columns were not shuffled"


def test_train_test_split_returns_scikit_learns_order():
    """X_train, X_test, Y_train, Y_test, as sklearn.model_selection.train_test_split(X, Y)."""
    from sklearn.model_selection import train_test_split

    X, Y = numbered(20)
    X = np.vstack([X, X])  # 4 rows, so X and Y parts cannot be mistaken for each other
    ours = data.train_test_split(X, Y, test_fraction=0.25)
    theirs = train_test_split(X.T, Y.T, test_size=0.25, random_state=0)
    assert [part.T.shape for part in ours] == [part.shape for part in theirs]
    assert [part.shape for part in ours] == [(4, 15), (4, 5), (1, 15), (1, 5)]


def test_importing_data_does_not_import_sklearn():
    """scikit-learn takes a second or two to import: only the loaders that need it import it."""
    import subprocess
    import sys

    code = "import sys, nnutils.data; print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_train_test_split_leaves_its_inputs_alone():
    X, Y = numbered(20)
    X_copy, Y_copy = X.copy(), Y.copy()
    data.train_test_split(X, Y)
    assert np.array_equal(X, X_copy)
    assert np.array_equal(Y, Y_copy)


@pytest.mark.parametrize("fraction", [0, 1, -0.25, 1.5])
def test_bad_test_fraction_raises(fraction):
    X, Y = numbered(10)
    with pytest.raises(ValueError, match="test_fraction"):
        data.train_test_split(X, Y, test_fraction=fraction)
