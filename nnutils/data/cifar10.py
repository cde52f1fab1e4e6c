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
its extracted batches ``cifar-10-batches-py/``, with ``nnutils-record.json`` in there:
the archive's MD5 and each batch file's size and SHA-256, checked whenever a file is
read. Offline, download the archive elsewhere and put it in that folder by hand: the
error message names the exact path.

Every file appears under its final name only once complete (download and
extraction go to temporary names first; a later load removes those a killed one
left). What a load creates gets the permissions of the folder it is made in, never
writable by others: in a folder shared by a group (``chmod g+rwxs``) every member
can read the cache and rebuild it, whatever the umask of who filled it first. A
file you may not read names its owner and the command that shares it. Loads sharing a folder take turns through its lock file ``.lock``: one
downloads and extracts, the others wait, then read. Batches that do not match
their record, or were extracted from another archive, are rebuilt from the
archive; a damaged archive is downloaded again. Batches without a record and
without an archive beside them (put there by hand) are used as they are, once
their values pass the checks. A FIFO or a device in place of a file is never waited on.
"""

import contextlib
import errno
import gzip
import hashlib
import http.client
import json
import os
import pickle
import posixpath
import shutil
import ssl
import stat
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path
from typing import NamedTuple

import filelock
import numpy as np
from tqdm.auto import tqdm

try:
    import pwd
except ImportError:  # Windows
    pwd = None

from nnutils.files import atomic_file, file_in_the_way, read_file
from nnutils.settings import autograding

URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
MD5 = "c58f30108f718f92721af3b95e74349a"
ARCHIVE = "cifar-10-python.tar.gz"
FOLDER = "cifar-10-batches-py"
TRAIN_BATCHES = tuple(f"data_batch_{k}" for k in range(1, 6))
TEST_BATCH = "test_batch"
META = "batches.meta"
NEEDED = (*TRAIN_BATCHES, TEST_BATCH, META)  # the archive's other members are skipped
RECORD = "nnutils-record.json"
LOCK = ".lock"
N_PIXELS = 3 * 32 * 32
N_CLASSES = 10
ATTEMPTS = 3
RETRY_DELAY = 2.0  # seconds before a retry, times the attempt number
TIMEOUT = 30.0  # seconds a connection may stay silent
DEADLINE = 3600.0  # seconds a whole download may take, retries included
LOCK_WAIT = DEADLINE + 600.0  # seconds to wait for another process's download
MAX_MEMBER = 40_000_000  # bytes a member may hold (an official batch file holds 31 MB)
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
    """The archive holds a member that would land outside the extraction folder, or is too big."""


class CacheFolderError(Cifar10Error):
    """The cache folder cannot be written: read-only, full, or not a folder at all."""


class _Interrupted(Exception):
    """The connection dropped before the whole body arrived."""


class _TooSlow(Exception):
    """The download went past its deadline."""


class _Damaged(Exception):
    """An extracted batch file is missing, unreadable, or not what the record says."""


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
    """Read the cache without waiting if it is sound, else rebuild it under the lock."""
    try:
        data = _parse(folder, md5, subset)
    except _Damaged as damage:
        if not download and not (folder / ARCHIVE).is_file():
            if os.path.lexists(folder / FOLDER):
                raise Cifar10Unavailable(
                    f"The CIFAR-10 cache in {folder / FOLDER} is damaged ({damage}), and with "
                    "download=False there is no archive to rebuild it from. "
                    + _by_hand(folder / ARCHIVE, url)
                ) from None
            raise _not_here(folder, url) from None
        with _disk_errors(folder), _locked(folder):
            return _rebuild(folder, url, md5, download, subset, progress)
    _clean_if_idle(folder)
    return data


def _rebuild(folder, url, md5, download, subset, progress):
    """Holding the lock: read what another process may have just built, else build it."""
    _remove_litter(folder)
    batches = folder / FOLDER
    try:
        return _parse(folder, md5, subset)
    except _Damaged as damage:
        if os.path.lexists(batches):
            _say(f"The CIFAR-10 cache in {batches} is damaged or stale ({damage}); rebuilding it.")
    _ensure_archive(folder, url, md5, download, progress)
    _extract(folder / ARCHIVE, batches, md5)
    try:
        return _parse(folder, md5, subset)
    except _Damaged as damage:
        _remove(batches)
        raise Cifar10Error(
            f"{folder / ARCHIVE} passed its checksum but does not hold CIFAR-10 batches "
            f"({damage}). Delete that file and load again."
        ) from None


# --- the cache folder: lock, litter, disk errors ---------------------------------------


@contextlib.contextmanager
def _locked(folder):
    """Hold ``folder``'s lock file, waiting while another process loads into it."""
    _make_folder(folder)
    lock = filelock.FileLock(folder / LOCK, mode=_mode_in(folder, 0o666))
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        _say(f"Another process is loading CIFAR-10 into {folder}; waiting for it.")
        try:
            lock.acquire(timeout=LOCK_WAIT)
        except filelock.Timeout:
            raise Cifar10Error(
                f"Another process has been loading CIFAR-10 into {folder} for "
                f"{_duration(LOCK_WAIT)}. Stop it (restart that notebook's kernel) and load again."
            ) from None
    try:
        yield
    finally:
        lock.release()


def _make_folder(folder):
    """Create ``folder`` (and its parents) if missing, with the permissions of its parent."""
    try:
        folder.mkdir(parents=True)
    except FileExistsError:
        return
    os.chmod(folder, _mode_in(folder.parent, 0o2777))


def _mode_in(folder, mode):
    """``mode`` (0o666 for a file, 0o2777 for a folder) limited by the permissions of ``folder``,
    never writable by others: a group-shared folder's files stay shared, whatever the umask."""
    return mode & folder.stat().st_mode & ~stat.S_IWOTH


def _litter(folder):
    """Temporary files and folders of downloads and extractions in ``folder``."""
    return [*folder.glob(f".{ARCHIVE}.*"), *folder.glob(".extract-*")]


def _remove_litter(folder):
    """Delete what killed loads left (call holding the lock: no live load owns any)."""
    for path in _litter(folder):
        _remove(path)


def _clean_if_idle(folder):
    """Remove litter if there is some and no other process is loading right now."""
    if not _litter(folder):
        return
    lock = filelock.FileLock(folder / LOCK)
    with contextlib.suppress(OSError, filelock.Timeout), lock.acquire(timeout=0):
        _remove_litter(folder)


def _remove(path):
    """Delete a file or a folder tree, whichever ``path`` is."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)


@contextlib.contextmanager
def _disk_errors(folder):
    """Turn an OS error raised while writing in ``folder`` into advice."""
    try:
        yield
    except Cifar10Error:
        raise
    except OSError as error:
        raise _disk_advice(folder, error) from None


def _disk_advice(folder, error):
    """The ``CacheFolderError`` that tells what to do about ``error``."""
    other = "or set NNUTILS_DATA to another folder"
    if error.errno == errno.ENOSPC:
        return CacheFolderError(
            f"The disk that holds {folder} is full. CIFAR-10 needs about 350 MB there: "
            f"free some space, {other}."
        )
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return CacheFolderError(
            f"Cannot write in {folder} ({error.strerror}), which belongs to {_owner(folder)}: "
            f"ask them to make it writable for you (chmod -R g+rwX,g+s {folder}), {other}."
        )
    blocker = file_in_the_way(folder)
    if blocker is not None:
        return CacheFolderError(
            f"{blocker} is a file, not a folder, so CIFAR-10 cannot be stored in {folder}. "
            f"Move that file away, {other}."
        )
    return CacheFolderError(f"Cannot store CIFAR-10 in {folder} ({error}). Check it, {other}.")


def _owner(path):
    """The name of who owns ``path`` (or the nearest folder above it that can be seen)."""
    for place in (path, *path.parents):
        with contextlib.suppress(OSError):
            uid = place.stat().st_uid
            break
    else:
        return "another user"
    with contextlib.suppress(KeyError, AttributeError):  # a user without a name; Windows
        return pwd.getpwuid(uid).pw_name
    return f"user {uid}"


def _not_yours(path, folder):
    """The error for a file of the cache that you may not read."""
    return CacheFolderError(
        f"You may not read {path}, which belongs to {_owner(path)}: ask them to run "
        f"chmod -R a+rX {folder} (or set NNUTILS_DATA to a folder of your own)."
    )


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
        raise _not_here(folder, url)
    _download(url, archive, md5, progress)


def _not_here(folder, url):
    return Cifar10Unavailable(
        f"CIFAR-10 is not in {folder} and download=False. " + _by_hand(folder / ARCHIVE, url)
    )


def _download(url, archive, md5, progress):
    """Fetch ``url`` into ``archive`` atomically, retrying interrupted transfers."""
    deadline = time.monotonic() + DEADLINE
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with atomic_file(archive, _mode_in(archive.parent, 0o666)) as out:
                got = _fetch(url, out, progress, deadline)
                if got != md5:
                    raise ChecksumMismatch(
                        f"The CIFAR-10 archive downloaded from {url} is damaged: its MD5 is "
                        f"{got}, expected {md5}. The bad file was deleted; load again to retry. "
                        + _by_hand(archive, url)
                    )
            return
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
        except urllib.error.URLError as error:
            raise Cifar10Unavailable(
                f"Could not download CIFAR-10 from {url}: {_reason(error)}. "
                + _by_hand(archive, url)
            ) from None
        except _TooSlow:
            raise Cifar10Unavailable(
                f"The download of CIFAR-10 from {url} took longer than {_duration(DEADLINE)} "
                "and was stopped: the connection is too slow. " + _by_hand(archive, url)
            ) from None


def _fetch(url, out, progress, deadline):
    """Stream the body of ``url`` into the open file ``out``; return its MD5.

    Raises ``_Interrupted`` if the connection drops, ``_TooSlow`` once the monotonic clock
    passes ``deadline``.
    """
    request = urllib.request.Request(url, headers={"User-Agent": "nnutils"})
    digest = hashlib.md5(usedforsecurity=False)
    received = 0
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            with tqdm(
                total=total, unit="B", unit_scale=True, desc="CIFAR-10", disable=not progress
            ) as bar:
                while chunk := _read_before(response, deadline):
                    out.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
    except (http.client.IncompleteRead, ConnectionError, TimeoutError, ssl.SSLError) as error:
        raise _Interrupted(f"{type(error).__name__} after {received} bytes") from None
    if total is not None and received < total:
        raise _Interrupted(f"received {received} of {total} bytes")
    return digest.hexdigest()


def _read_before(response, deadline):
    """The next piece of the body (b"" at its end); ``_TooSlow`` once past ``deadline``.

    Checked between reads, so a silent connection may overrun it by ``TIMEOUT``.
    """
    if time.monotonic() > deadline:
        raise _TooSlow
    return response.read1(CHUNK)


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


def _duration(seconds):
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} minutes"


def _say(message):
    print(message, file=sys.stderr, flush=True)


# --- extraction ---------------------------------------------------------------------


def _extract(archive, batches, md5):
    """Replace ``batches`` by the batch files of ``archive`` and their record (hold the lock)."""
    staging = Path(tempfile.mkdtemp(prefix=".extract-", dir=batches.parent))
    extracted = staging / FOLDER  # given the cache folder's permissions, unlike ``staging``
    try:
        extracted.mkdir()
        files = _extract_needed(archive, extracted)
        record = {"archive_md5": md5, "files": files}
        (extracted / RECORD).write_text(json.dumps(record, indent=1))
        for path in (extracted, *extracted.iterdir()):
            os.chmod(path, _mode_in(batches.parent, 0o2777 if path.is_dir() else 0o666))
        _remove(batches)
        os.replace(extracted, batches)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise Cifar10Error(
            f"{archive} cannot be read as a tar archive ({error}); delete it and load again."
        ) from None
    finally:
        _remove(staging)


def _extract_needed(archive, target):
    """Copy the ``NEEDED`` members of ``archive`` into ``target``; return their record.

    Every member is checked first (``UnsafeArchive`` on the first bad one); only
    the batch files are written, under their own names, so no filter is needed.
    """
    files = {}
    with tarfile.open(archive, "r:*") as tar:
        members = tar.getmembers()
        for member in members:
            _refuse_unsafe(member, target, archive)
        for member in members:
            name = _needed_name(member)
            if name is not None:
                files[name] = _copy_member(tar.extractfile(member), target / name)
    return files


def _needed_name(member):
    """The file name of ``member`` if it is one of the ``NEEDED`` batch files, else None."""
    folder, name = posixpath.split(posixpath.normpath(member.name))
    return name if member.isfile() and folder == FOLDER and name in NEEDED else None


def _copy_member(source, path):
    """Copy the open member ``source`` to ``path``; return its size and SHA-256."""
    digest, size = hashlib.sha256(), 0
    with source, open(path, "wb") as out:
        while chunk := source.read(CHUNK):
            out.write(chunk)
            digest.update(chunk)
            size += len(chunk)
    return {"size": size, "sha256": digest.hexdigest()}


def _refuse_unsafe(member, target, archive):
    """Raise ``UnsafeArchive`` unless ``member`` is a plain file or folder inside ``target``,
    of at most ``MAX_MEMBER`` bytes."""
    name = member.name
    if not (member.isfile() or member.isdir()):
        problem = f"is a link or special file ({name!r})"
    elif os.path.isabs(name) or name.startswith(("/", "\\")) or Path(name).drive:
        problem = f"has an absolute path ({name!r})"
    elif not _inside(target / name, target):
        problem = f"would be written outside the folder ({name!r})"
    elif member.size > MAX_MEMBER:
        problem = f"is larger than a CIFAR-10 batch ({name!r}, {member.size} bytes)"
    else:
        return
    raise UnsafeArchive(
        f"Refusing to extract {archive}: a member {problem}. This is not the official "
        "CIFAR-10 archive; delete it and load again."
    )


def _inside(path, folder):
    real, root = os.path.realpath(path), os.path.realpath(folder)
    return os.path.commonpath([real, root]) == root


# --- reading, checked against the record ---------------------------------------------


def _record_of(folder, md5):
    """The record of ``folder/FOLDER`` if it came from the archive with MD5 ``md5``.

    None for batches put there by hand (no record, no archive); ``_Damaged`` if
    they must be rebuilt.
    """
    batches = folder / FOLDER
    if not os.path.lexists(batches):
        raise _Damaged(f"{FOLDER} is missing")
    if not batches.is_dir():
        raise _Damaged("it is a file, not a folder")
    try:
        record = json.loads(_read(batches / RECORD, folder))
        extracted_from, files = record["archive_md5"], dict(record["files"])
    except FileNotFoundError:
        if (folder / ARCHIVE).exists():
            raise _Damaged(f"it has no {RECORD}") from None
        return None
    except RecursionError:
        raise _Damaged(f"{RECORD} is unreadable: nested too deeply") from None
    except (ValueError, KeyError, TypeError) as error:
        raise _Damaged(f"{RECORD} is unreadable: {error}") from None
    if extracted_from != md5:
        raise _Damaged(f"it was extracted from an archive with MD5 {extracted_from}")
    return files


def _read(path, folder):
    """The bytes of the file ``path`` of the cache ``folder``: ``_Damaged`` if it is not a
    readable file (FileNotFoundError passes), a ``CacheFolderError`` if you may not read it."""
    try:
        return read_file(path)
    except FileNotFoundError:
        raise
    except PermissionError:
        raise _not_yours(path, folder) from None
    except OSError as error:
        raise _Damaged(f"{path.name} is unreadable: {error.strerror or error}") from None


def _read_checked(batches, name, record):
    """The bytes of the batch file ``name``, checked against ``record`` (if any)."""
    try:
        content = _read(batches / name, batches.parent)
    except FileNotFoundError:
        raise _Damaged(f"{name} is missing") from None
    if record is None:
        return content
    if record.get(name) != {"size": len(content), "sha256": hashlib.sha256(content).hexdigest()}:
        raise _Damaged(f"{name} has changed since it was extracted")
    return content


def _unpickle(content, name):
    try:
        return pickle.loads(content, encoding="bytes")
    except Exception as error:  # a truncated or garbled pickle fails in many ways
        raise _Damaged(f"{name} is unreadable: {error or type(error).__name__}") from None


def _read_batch(batches, name, record):
    """(data (n, 3072) uint8, labels (n,) int64 in 0..9) of one batch file."""
    batch = _unpickle(_read_checked(batches, name, record), name)
    try:
        data, labels = np.asarray(batch[b"data"]), np.asarray(batch[b"labels"])
    except (KeyError, TypeError, ValueError) as error:
        raise _Damaged(f"{name} lacks data or labels ({error})") from None
    _check_values(name, data, labels)
    return data, labels.astype(np.int64)


def _check_values(name, data, labels):
    """``_Damaged`` unless ``data`` holds uint8 images and ``labels`` one label 0..9 each."""
    if data.dtype != np.uint8:
        raise _Damaged(f"{name} holds {data.dtype} images; CIFAR-10's are uint8, 0..255")
    if data.ndim != 2:
        raise _Damaged(f"{name} holds data of shape {data.shape}, not (images, {N_PIXELS})")
    if data.shape[1] != N_PIXELS:
        raise _Damaged(f"{name} holds images of {data.shape[1]} values, not {N_PIXELS}")
    if labels.shape != data.shape[:1] or labels.dtype.kind not in "iu":
        raise _Damaged(
            f"{name} has {labels.shape} labels of type {labels.dtype} for {len(data)} images"
        )
    wrong = labels[(labels < 0) | (labels >= N_CLASSES)]
    if wrong.size:
        raise _Damaged(f"{name} holds label {wrong[0]}; CIFAR-10's are 0..{N_CLASSES - 1}")


def _read_split(batches, names, record, subset):
    """Images (3072, m) float32 in [0, 1] and labels (1, m) int64 from batch files."""
    parts, m = [], 0
    for name in names:
        if subset is not None and m >= subset:
            break
        data, labels = _read_batch(batches, name, record)
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


def _class_names(batches, record):
    meta = _unpickle(_read_checked(batches, META, record), META)
    try:
        names = [name.decode() for name in meta[b"label_names"]]
    except (KeyError, TypeError, AttributeError) as error:
        raise _Damaged(f"{META} lacks label_names ({error})") from None
    if len(names) != N_CLASSES:
        raise _Damaged(f"{META} holds {len(names)} class names; CIFAR-10 has {N_CLASSES}")
    return names


def _parse(folder, md5, subset):
    """The data in ``folder/FOLDER``, each file read checked against its record."""
    record = _record_of(folder, md5)
    batches = folder / FOLDER
    class_names = _class_names(batches, record)
    X_train, y_train = _read_split(batches, TRAIN_BATCHES, record, subset)
    X_test, y_test = _read_split(batches, [TEST_BATCH], record, subset)
    return Cifar10(X_train, y_train, X_test, y_test, class_names)
