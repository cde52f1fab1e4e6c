"""CIFAR-10 in the course's layout: downloaded once, verified, extracted safely, parsed.

``load_cifar10()`` returns ``Cifar10(X_train, y_train, X_test, y_test, class_names)``:
X_train (3072, 50000) and X_test (3072, 10000) float32 in [0, 1], one image per
column, the 3072 values in channel-major order (1024 red, 1024 green, 1024 blue,
each plane row by row, 32 x 32); y_train (1, 50000) and y_test (1, 10000) int64
labels 0..9; class_names the 10 names ("airplane", ...).

Where the files live: in ``<root>/cifar10/``, where ``<root>`` is the ``data_home``
argument if given, else the environment variable ``NNUTILS_DATA`` if set, else a
per-user cache (``$XDG_CACHE_HOME/nnutils`` or ``~/.cache/nnutils`` on Linux and macOS,
``%LOCALAPPDATA%\\nnutils`` on Windows); ``cache_folder()`` tells which. The folder holds
the official archive ``cifar-10-python.tar.gz`` (170 MB, checked against its MD5) and
its extracted batches ``cifar-10-batches-py/``. Offline, download the archive elsewhere
and put it in that folder by hand: the error message names the exact path.

Every file appears under its final name only once complete (download and
extraction go to temporary names first). A damaged cache is rebuilt from the
archive, and a damaged archive is downloaded again.
"""

import hashlib
import http.client
import os
import pickle
import shutil
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import NamedTuple

import numpy as np
from tqdm.auto import tqdm

from nnutils.settings import autograding

URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
MD5 = "c58f30108f718f92721af3b95e74349a"
ARCHIVE = "cifar-10-python.tar.gz"
FOLDER = "cifar-10-batches-py"
TRAIN_BATCHES = tuple(f"data_batch_{k}" for k in range(1, 6))
TEST_BATCH = "test_batch"
META = "batches.meta"
N_PIXELS = 3 * 32 * 32
ATTEMPTS = 3
RETRY_DELAY = 2.0  # seconds before a retry, times the attempt number
CHUNK = 1 << 20


class Cifar10(NamedTuple):
    """What ``load_cifar10`` returns (unpacks as a 5-tuple)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    class_names: list


class Cifar10Error(OSError):
    """CIFAR-10 could not be loaded; the message says why and what to do."""


class Cifar10Unavailable(Cifar10Error):
    """The archive is missing and could not be downloaded (offline, refused, interrupted)."""


class ChecksumMismatch(Cifar10Error):
    """The archive's MD5 is not the official one; the bad file has been deleted."""


class UnsafeArchive(Cifar10Error):
    """The archive holds a member that would land outside the extraction folder."""


class _Interrupted(Exception):
    """The connection dropped before the whole body arrived."""


class _Damaged(Exception):
    """An extracted batch file is missing or unreadable."""


def load_cifar10(data_home=None, *, url=URL, md5=MD5, download=True, subset=None, progress=True):
    """Load CIFAR-10, downloading the official archive the first time.

    ``subset``: keep only the first ``subset`` images of each split (all by default),
    reading only the batches they need. ``download=False`` never touches the network (nor
    does nbgrader's autograder).
    Returns ``Cifar10(X_train, y_train, X_test, y_test, class_names)``; the X are
    (3072, m) float32 views of row-major (m, 3072) arrays, so ``X.T`` is the
    one-image-per-row layout at no cost. Raises a ``Cifar10Error`` whose message
    says what went wrong and where to put the archive by hand.
    """
    if subset is not None and (not isinstance(subset, int | np.integer) or subset < 1):
        raise ValueError(f"subset must be a positive number of images or None, got {subset!r}")
    folder = cache_folder(data_home)
    if autograding():  # the class shares one folder ($NNUTILS_DATA): no download per student
        download = False
    try:
        return _load(folder, url, md5, download, subset, progress)
    except Cifar10Error as error:
        raise error.with_traceback(None) from None


def cache_folder(data_home=None):
    """The folder that holds the archive and the extracted batches (see the module doc)."""
    root = data_home or os.environ.get("NNUTILS_DATA")
    if root:
        return Path(root).expanduser() / "cifar10"
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "nnutils" / "cifar10"
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "nnutils" / "cifar10"


def _load(folder, url, md5, download, subset, progress):
    batches = folder / FOLDER
    if batches.is_dir():
        try:
            return _parse(batches, subset)
        except _Damaged as damage:
            _say(f"The CIFAR-10 cache in {batches} is damaged ({damage}); rebuilding it.")
    _ensure_archive(folder, url, md5, download, progress)
    _extract(folder / ARCHIVE, batches)
    try:
        return _parse(batches, subset)
    except _Damaged as damage:
        raise Cifar10Error(
            f"{folder / ARCHIVE} passed its checksum but does not hold CIFAR-10 batches "
            f"({damage}). Delete that file and load again."
        ) from None


# --- download -----------------------------------------------------------------------


def _ensure_archive(folder, url, md5, download, progress):
    """Make sure ``folder/ARCHIVE`` exists with the right MD5, downloading it if needed."""
    archive = folder / ARCHIVE
    if archive.is_file():
        got = _md5_of(archive)
        if got == md5:
            return
        archive.unlink()
        message = f"{archive} is damaged (MD5 {got}, expected {md5}) and was deleted"
        if not download:
            raise ChecksumMismatch(f"{message}. {_by_hand(archive, url)}")
        _say(f"{message}; downloading it again.")
    elif not download:
        raise Cifar10Unavailable(
            f"CIFAR-10 is not in {folder} and download=False. " + _by_hand(archive, url)
        )
    _download(url, archive, md5, progress)


def _download(url, archive, md5, progress):
    """Fetch ``url`` into ``archive`` atomically, retrying interrupted transfers."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, ATTEMPTS + 1):
        part = archive.with_name(f".{archive.name}.{os.getpid()}.part")
        try:
            got = _fetch(url, part, progress)
        except _Interrupted as error:
            if attempt == ATTEMPTS:
                raise Cifar10Unavailable(
                    f"The download of CIFAR-10 from {url} was interrupted {ATTEMPTS} times "
                    f"(last time: {error}). Check your connection and load again. "
                    + _by_hand(archive, url)
                ) from None
            _say(
                f"The download was interrupted ({error}); trying again ({attempt + 1}/{ATTEMPTS})."
            )
            time.sleep(RETRY_DELAY * attempt)
            continue
        except urllib.error.URLError as error:
            raise Cifar10Unavailable(
                f"Could not download CIFAR-10 from {url}: {_reason(error)}. "
                + _by_hand(archive, url)
            ) from None
        if got != md5:
            part.unlink()
            raise ChecksumMismatch(
                f"The CIFAR-10 archive downloaded from {url} is damaged: its MD5 is {got}, "
                f"expected {md5}. The bad file was deleted; load again to retry. "
                + _by_hand(archive, url)
            )
        os.replace(part, archive)
        return


def _fetch(url, part, progress):
    """Stream ``url`` into the file ``part`` (deleted on failure); return the MD5 of the body."""
    request = urllib.request.Request(url, headers={"User-Agent": "nnutils"})
    digest = hashlib.md5(usedforsecurity=False)
    received = 0
    try:
        with urllib.request.urlopen(request, timeout=30) as response, open(part, "wb") as out:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            with tqdm(
                total=total, unit="B", unit_scale=True, desc="CIFAR-10", disable=not progress
            ) as bar:
                while chunk := response.read(CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
            if total is not None and received < total:
                raise _Interrupted(f"received {received} of {total} bytes")
            out.flush()
            os.fsync(out.fileno())
    except (http.client.IncompleteRead, ConnectionError, TimeoutError) as error:
        part.unlink(missing_ok=True)
        raise _Interrupted(f"{type(error).__name__} after {received} bytes") from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return digest.hexdigest()


def _md5_of(path):
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _reason(error):
    if isinstance(error, urllib.error.HTTPError):
        return f"the server answered {error.code} {error.reason}"
    return str(error.reason)


def _by_hand(archive, url):
    return (
        f"To install it by hand, download {url} (for example in a browser) and save it as\n"
        f"    {archive}\n"
        "(or set the environment variable NNUTILS_DATA to a folder whose cifar10/ "
        f"subfolder holds {ARCHIVE})."
    )


def _say(message):
    print(message, file=sys.stderr, flush=True)


# --- extraction ---------------------------------------------------------------------


def _extract(archive, batches):
    """Extract ``archive`` safely into a temporary folder, then move its batches into place."""
    folder = batches.parent
    staging = Path(tempfile.mkdtemp(prefix=".extract-", dir=folder))
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = tar.getmembers()
            for member in members:
                _refuse_unsafe(member, staging, archive)
            if hasattr(tarfile, "data_filter"):
                tar.extractall(staging, members=members, filter="data")
            else:
                tar.extractall(staging, members=members)
        extracted = staging / FOLDER
        if not extracted.is_dir():
            raise Cifar10Error(f"{archive} holds no {FOLDER}/ folder: it is not CIFAR-10.")
        if batches.exists():
            shutil.rmtree(batches)
        try:
            os.replace(extracted, batches)
        except OSError:
            if not batches.is_dir():  # else another process has just put its copy there
                raise
    except (tarfile.TarError, EOFError) as error:
        raise Cifar10Error(
            f"{archive} cannot be read as a tar archive ({error}); delete it and load again."
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _refuse_unsafe(member, target, archive):
    """Raise ``UnsafeArchive`` unless ``member`` is a plain file or folder inside ``target``."""
    name = member.name
    if not (member.isfile() or member.isdir()):
        problem = f"is a link or special file ({name!r})"
    elif os.path.isabs(name) or name.startswith(("/", "\\")) or Path(name).drive:
        problem = f"has an absolute path ({name!r})"
    elif not _inside(target / name, target):
        problem = f"would be written outside the folder ({name!r})"
    else:
        return
    raise UnsafeArchive(
        f"Refusing to extract {archive}: a member {problem}. This is not the official "
        "CIFAR-10 archive; delete it and load again."
    )


def _inside(path, folder):
    real, root = os.path.realpath(path), os.path.realpath(folder)
    return os.path.commonpath([real, root]) == root


# --- parsing ------------------------------------------------------------------------


def _unpickle(path):
    try:
        with open(path, "rb") as file:
            return pickle.load(file, encoding="bytes")
    except FileNotFoundError:
        raise _Damaged(f"{path.name} is missing") from None
    except Exception as error:  # a truncated or garbled pickle fails in many ways
        raise _Damaged(f"{path.name} is unreadable: {error or type(error).__name__}") from None


def _read_batch(path):
    """(data (n, 3072) uint8, labels (n,)) of one batch file."""
    batch = _unpickle(path)
    try:
        data = np.asarray(batch[b"data"], dtype=np.uint8)
        labels = np.asarray(batch[b"labels"], dtype=np.int64)
    except (KeyError, TypeError, ValueError) as error:
        raise _Damaged(f"{path.name} lacks data or labels ({error})") from None
    if data.ndim != 2 or data.shape[1] != N_PIXELS or labels.shape != data.shape[:1]:
        raise _Damaged(f"{path.name} has data {data.shape} and labels {labels.shape}")
    return data, labels


def _read_split(paths, subset):
    """Images (3072, m) float32 in [0, 1] and labels (1, m) int64 from batch files."""
    parts, m = [], 0
    for path in paths:
        if subset is not None and m >= subset:
            break
        data, labels = _read_batch(path)
        parts.append((data, labels))
        m += len(labels)
    m = m if subset is None else min(m, subset)
    rows = np.empty((m, N_PIXELS), dtype=np.float32)
    y = np.empty((1, m), dtype=np.int64)
    start = 0
    for data, labels in parts:
        stop = min(start + len(labels), m)
        np.divide(data[: stop - start], np.float32(255), out=rows[start:stop])
        y[0, start:stop] = labels[: stop - start]
        start = stop
    return rows.T, y


def _parse(batches, subset):
    meta = _unpickle(batches / META)
    try:
        class_names = [name.decode() for name in meta[b"label_names"]]
    except (KeyError, TypeError, AttributeError) as error:
        raise _Damaged(f"{META} lacks label_names ({error})") from None
    X_train, y_train = _read_split([batches / name for name in TRAIN_BATCHES], subset)
    X_test, y_test = _read_split([batches / TEST_BATCH], subset)
    return Cifar10(X_train, y_train, X_test, y_test, class_names)
