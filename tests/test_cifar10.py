"""The CIFAR-10 loader, against small archives served from 127.0.0.1 (never the real network)."""

import builtins
import contextlib
import errno
import grp
import io
import multiprocessing
import os
import pwd
import socket
import stat
import tarfile
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import filelock
import matplotlib.pyplot as plt
import numpy as np
import pytest

from nnutils.data import cifar10
from nnutils.data import load_cifar10 as reexported
from nnutils.data.cifar10 import (
    ChecksumMismatch,
    Cifar10Error,
    Cifar10Unavailable,
    UnsafeArchive,
    cache_folder,
    load_cifar10,
)
from nnutils.plot import (
    image_of,
    plot_confusion_matrix,
    show_class_samples,
    show_images,
    show_misclassified,
)
from tests.cifar_fixture import CLASS_NAMES, fake_cifar, write_archive, write_folder
from tests.cifar_worker import load_at


class Server:
    """Serves ``body`` at /cifar.tar.gz, counting requests, to several clients at once.

    ``truncate`` lists, per request, whether to cut the body short; ``pieces`` and ``pause``
    send it in that many pieces with a pause after each; ``give_up`` closes the connection
    that many seconds into a body.
    """

    def __init__(self, body):
        self.body = body
        self.truncate = []
        self.requests = 0
        self.pieces, self.pause, self.give_up = 1, 0.0, 10.0
        self.counting = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                with server.counting:
                    server.requests += 1
                    cut = server.truncate.pop(0) if server.truncate else False
                if self.path != "/cifar.tar.gz":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.close_connection = True
                with contextlib.suppress(ConnectionError):
                    self.send(server.body[: len(server.body) // 3] if cut else server.body)

            def send(self, body):
                size = -(-len(body) // server.pieces)
                started = time.monotonic()
                for start in range(0, len(body), size):
                    if time.monotonic() - started > server.give_up:
                        return
                    self.wfile.write(body[start : start + size])
                    time.sleep(server.pause)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/cifar.tar.gz"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def batches():
    return fake_cifar(per_batch=20, n_test=20, seed=1)


@pytest.fixture
def archive(tmp_path, batches):
    """(bytes, md5) of a small archive in the official format."""
    path = tmp_path / "served.tar.gz"
    md5 = write_archive(path, batches)
    return path.read_bytes(), md5


@pytest.fixture
def server(archive):
    with Server(archive[0]) as running:
        yield running


@pytest.fixture(autouse=True)
def no_retry_delay(monkeypatch):
    monkeypatch.setattr(cifar10, "RETRY_DELAY", 0.0)


def leftovers(folder):
    """Temporary files or folders the loader may have left behind (not its lock file)."""
    return sorted(p.name for p in Path(folder).glob(".*") if p.name != cifar10.LOCK)


def contents(folder):
    """What the loader keeps in ``folder``, but for its lock file."""
    return sorted(p.name for p in Path(folder).iterdir() if p.name != cifar10.LOCK)


def expect_data(data, batches, n_train=100, n_test=20):
    X_train, y_train, X_test, y_test, class_names = data
    assert X_train.shape == (3072, n_train) and X_test.shape == (3072, n_test)
    assert y_train.shape == (1, n_train) and y_test.shape == (1, n_test)
    assert X_train.dtype == X_test.dtype == np.float32
    assert y_train.dtype == y_test.dtype == np.int64
    assert 0 <= X_train.min() and X_train.max() <= 1
    assert class_names == CLASS_NAMES
    train_data = np.concatenate([batches[f"data_batch_{k}"][0] for k in range(1, 6)])
    train_labels = np.concatenate([batches[f"data_batch_{k}"][1] for k in range(1, 6)])
    np.testing.assert_allclose(X_train, train_data[:n_train].T / 255, rtol=1e-6)
    np.testing.assert_array_equal(y_train[0], train_labels[:n_train])
    np.testing.assert_allclose(X_test, batches["test_batch"][0][:n_test].T / 255, rtol=1e-6)
    np.testing.assert_array_equal(y_test[0], batches["test_batch"][1][:n_test])


def test_first_load_downloads_and_second_uses_the_cache(tmp_path, server, archive, batches):
    data = load_cifar10(tmp_path, url=server.url, md5=archive[1])
    assert server.requests == 1
    expect_data(data, batches)
    folder = tmp_path / "cifar10"
    assert (folder / "cifar-10-python.tar.gz").read_bytes() == archive[0]
    assert (folder / "cifar-10-batches-py" / "data_batch_5").is_file()
    assert leftovers(folder) == []
    expect_data(load_cifar10(tmp_path, url=server.url, md5=archive[1]), batches)
    assert server.requests == 1


def test_layout_channel_order_and_rows_view(tmp_path):
    batches = fake_cifar(per_batch=10, n_test=10, seed=2)
    rows, cols = np.meshgrid(np.arange(32), np.arange(32), indexing="ij")
    image = np.stack([rows * 8, cols * 8, np.full((32, 32), 200)]).astype(np.uint8)
    batches["data_batch_1"][0][3] = image.reshape(-1)
    write_folder(tmp_path / "cifar10", batches)
    X_train, y_train, *_ = load_cifar10(tmp_path, download=False)
    planes = X_train[:, 3].reshape(3, 32, 32) * 255
    np.testing.assert_allclose(planes[0], rows * 8, atol=1e-3)  # red: brighter downwards
    np.testing.assert_allclose(planes[1], cols * 8, atol=1e-3)  # green: brighter to the right
    np.testing.assert_allclose(planes[2], 200, atol=1e-3)  # blue: constant
    assert y_train[0, 3] == batches["data_batch_1"][1][3]
    assert X_train.T.flags.c_contiguous, "X.T should be the row layout without a copy"


def test_subset_keeps_the_first_images(tmp_path, batches):
    write_folder(tmp_path / "cifar10", batches)
    expect_data(load_cifar10(tmp_path, download=False, subset=30), batches, 30, 20)
    with pytest.raises(ValueError, match="subset"):
        load_cifar10(tmp_path, download=False, subset=0)


def test_data_home_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("NNUTILS_DATA", str(tmp_path / "env"))
    assert cache_folder() == tmp_path / "env" / "cifar10"
    assert cache_folder(tmp_path / "arg") == tmp_path / "arg" / "cifar10"
    monkeypatch.delenv("NNUTILS_DATA")
    assert cache_folder().name == "cifar10" and cache_folder().parent.name == "nnutils"
    assert reexported is load_cifar10


def test_checksum_mismatch_is_clear_and_leaves_nothing(tmp_path, server, archive):
    with pytest.raises(ChecksumMismatch) as error:
        load_cifar10(tmp_path, url=server.url, md5="0" * 32, progress=False)
    message = str(error.value)
    assert archive[1] in message and "0" * 32 in message, message
    assert str(tmp_path / "cifar10" / "cifar-10-python.tar.gz") in message
    assert contents(tmp_path / "cifar10") == []


def test_damaged_archive_in_the_cache_is_downloaded_again(tmp_path, server, archive, capfd):
    folder = tmp_path / "cifar10"
    folder.mkdir()
    (folder / "cifar-10-python.tar.gz").write_bytes(archive[0][:1000])
    load_cifar10(tmp_path, url=server.url, md5=archive[1], progress=False)
    assert server.requests == 1
    assert "damaged" in capfd.readouterr().err
    assert (folder / "cifar-10-python.tar.gz").read_bytes() == archive[0]


def test_interrupted_download_is_retried(tmp_path, server, archive, batches, capfd):
    server.truncate = [True, True]
    data = load_cifar10(tmp_path, url=server.url, md5=archive[1], progress=False)
    assert server.requests == 3
    assert "interrupted" in capfd.readouterr().err
    expect_data(data, batches)
    assert leftovers(tmp_path / "cifar10") == []


def test_download_interrupted_every_time_gives_up_cleanly(tmp_path, server, archive):
    server.truncate = [True] * cifar10.ATTEMPTS
    with pytest.raises(Cifar10Unavailable, match="interrupted 3 times") as error:
        load_cifar10(tmp_path, url=server.url, md5=archive[1], progress=False)
    assert server.requests == cifar10.ATTEMPTS
    assert str(tmp_path / "cifar10" / "cifar-10-python.tar.gz") in str(error.value)
    assert contents(tmp_path / "cifar10") == []


def test_offline_names_the_file_to_put_by_hand(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/cifar-10-python.tar.gz"
    with pytest.raises(Cifar10Unavailable) as error:
        load_cifar10(tmp_path, url=url, progress=False)
    message = str(error.value)
    assert url in message and "refused" in message.lower(), message
    assert str(tmp_path / "cifar10" / "cifar-10-python.tar.gz") in message
    assert error.value.__cause__ is None and error.value.__suppress_context__
    assert isinstance(error.value, OSError)


def test_http_error_is_reported(tmp_path, server):
    with pytest.raises(Cifar10Unavailable, match="404") as error:
        load_cifar10(tmp_path, url=server.url + ".missing", progress=False)
    assert str(tmp_path / "cifar10" / "cifar-10-python.tar.gz") in str(error.value)
    assert contents(tmp_path / "cifar10") == []


def test_no_download_when_told_not_to(tmp_path):
    with pytest.raises(Cifar10Unavailable, match="download=False") as error:
        load_cifar10(tmp_path, download=False)
    assert str(tmp_path / "cifar10" / "cifar-10-python.tar.gz") in str(error.value)


def test_damaged_cache_is_rebuilt_from_the_archive(tmp_path, server, archive, batches, capfd):
    load_cifar10(tmp_path, url=server.url, md5=archive[1], progress=False)
    extracted = tmp_path / "cifar10" / "cifar-10-batches-py"
    (extracted / "data_batch_3").write_bytes((extracted / "data_batch_3").read_bytes()[:500])
    capfd.readouterr()
    expect_data(load_cifar10(tmp_path, url=server.url, md5=archive[1]), batches)
    assert "damaged" in capfd.readouterr().err and server.requests == 1
    (extracted / "test_batch").unlink()
    (tmp_path / "cifar10" / "cifar-10-python.tar.gz").unlink()
    expect_data(load_cifar10(tmp_path, url=server.url, md5=archive[1], progress=False), batches)
    assert "test_batch is missing" in capfd.readouterr().err and server.requests == 2


def link(name, target, kind=tarfile.SYMTYPE):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


def member(name, data=b"gotcha"):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


@pytest.mark.parametrize(
    "extra",
    [
        member("../evil"),
        member("cifar-10-batches-py/../../evil"),
        member("/tmp/nnutils-evil-absolute"),
        (link("cifar-10-batches-py/evil", "/etc/passwd"), None),
        (link("cifar-10-batches-py/evil", "../../evil", tarfile.LNKTYPE), None),
    ],
    ids=["dotdot", "nested-dotdot", "absolute", "symlink", "hardlink"],
)
def test_unsafe_archive_is_refused(tmp_path, batches, extra):
    folder = tmp_path / "home" / "cifar10"
    folder.mkdir(parents=True)
    md5 = write_archive(folder / "cifar-10-python.tar.gz", batches, extra=[extra])
    with pytest.raises(UnsafeArchive, match="Refusing to extract"):
        load_cifar10(tmp_path / "home", md5=md5, download=False)
    assert not (tmp_path / "evil").exists() and not (tmp_path / "home" / "evil").exists()
    assert not Path("/tmp/nnutils-evil-absolute").exists()
    assert contents(folder) == ["cifar-10-python.tar.gz"]


def test_archive_that_is_not_a_tar_file(tmp_path):
    folder = tmp_path / "cifar10"
    folder.mkdir()
    garbage = io.BytesIO(b"not a tar archive at all" * 100).getvalue()
    (folder / "cifar-10-python.tar.gz").write_bytes(garbage)
    md5 = cifar10._md5_of(folder / "cifar-10-python.tar.gz")
    with pytest.raises(cifar10.Cifar10Error, match="cannot be read as a tar archive"):
        load_cifar10(tmp_path, md5=md5, download=False)
    assert leftovers(folder) == []


# --- concurrent loads ---------------------------------------------------------------------

ROUNDS, LOADERS = 3, 4


def test_concurrent_loads_all_succeed_with_one_download(tmp_path, server, archive, batches):
    write_folder(tmp_path / "reference" / "cifar10", batches)
    expected = load_at(0, tmp_path / "reference", server.url, archive[1])
    server.pieces, server.pause = 8, 0.02  # a download that takes a moment, as a real one does
    with loader_pool() as pool:
        warm_up = [(0, tmp_path / "reference", server.url, archive[1])] * LOADERS
        assert pool.starmap(load_at, warm_up) == [expected] * LOADERS
        for done in range(ROUNDS):
            home, start = tmp_path / f"round{done}", time.time() + 0.2
            results = pool.starmap(load_at, [(start, home, server.url, archive[1])] * LOADERS)
            assert results == [expected] * LOADERS
            assert server.requests == done + 1
            assert leftovers(home / "cifar10") == []


def loader_pool():
    """A pool of ``LOADERS`` fresh processes, forked from one that has imported the loader."""
    if "forkserver" not in multiprocessing.get_all_start_methods():  # Windows
        return multiprocessing.get_context("spawn").Pool(LOADERS)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.cifar_worker"])
    return context.Pool(LOADERS)


def test_stale_temporary_files_are_removed(tmp_path, server, archive):
    folder = tmp_path / "cifar10"
    litter = make_litter(folder)
    load_cifar10(tmp_path, url=server.url, md5=archive[1], progress=False)
    assert leftovers(folder) == []
    make_litter(folder)
    load_cifar10(tmp_path, url=server.url, md5=archive[1], progress=False)
    assert leftovers(folder) == [] and server.requests == 1
    make_litter(folder)
    with filelock.FileLock(folder / cifar10.LOCK):  # another process is loading right now
        load_cifar10(tmp_path, url=server.url, md5=archive[1], progress=False)
    assert leftovers(folder) == litter


def make_litter(folder):
    """What a killed download and a killed extraction leave behind; returns their names."""
    part = folder / ".cifar-10-python.tar.gz.12345.part"
    staging = folder / ".extract-k1lled" / "cifar-10-batches-py"
    staging.mkdir(parents=True)
    part.write_bytes(b"half an archive")
    (staging / "data_batch_1").write_bytes(b"half a batch")
    return sorted([part.name, staging.parent.name])


# --- errors of the disk ---------------------------------------------------------------------


def frames(error):
    """How many stack frames the traceback of ``error`` shows (the test's own included)."""
    return len(traceback.extract_tb(error.__traceback__))


def deny_writes(monkeypatch, folder):
    """Make creating or writing anything under ``folder`` fail, as in a read-only folder."""
    real_mkdir, real_os_open, real_open = os.mkdir, os.open, builtins.open

    def refuse(path, writing=True):
        if writing and Path(os.fsdecode(path)).resolve().is_relative_to(folder):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(path))

    def mkdir(path, *args, **kwargs):
        refuse(path)
        return real_mkdir(path, *args, **kwargs)

    def os_open(path, flags, *args, **kwargs):
        refuse(path, flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
        return real_os_open(path, flags, *args, **kwargs)

    def open_(file, mode="r", *args, **kwargs):
        refuse(file, not isinstance(file, int) and bool(set(mode) & set("wax+")))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", mkdir)
    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(builtins, "open", open_)


def fill_disk(monkeypatch, folder):
    """Make writing into any file under ``folder`` fail, as on a full disk."""
    real_open = builtins.open

    class Full(io.FileIO):
        def write(self, data):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def open_(file, mode="r", *args, **kwargs):
        if set(mode) & set("wx") and Path(os.fsdecode(file)).resolve().is_relative_to(folder):
            return Full(file, "w")
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", open_)


def test_data_home_that_is_a_file_is_named(tmp_path, server, archive, monkeypatch):
    home = tmp_path / "data"
    home.write_text("not a folder")
    monkeypatch.setenv("NNUTILS_DATA", str(home))
    with pytest.raises(Cifar10Error, match="is a file, not a folder") as error:
        load_cifar10(url=server.url, md5=archive[1], progress=False)
    assert str(home) in str(error.value) and "NNUTILS_DATA" in str(error.value)
    assert frames(error.value) <= 2 and server.requests == 0


def test_read_only_folder_is_named(tmp_path, server, archive, batches, monkeypatch):
    (tmp_path / "shared").mkdir()
    deny_writes(monkeypatch, tmp_path)
    with pytest.raises(Cifar10Error, match="Cannot write") as error:
        load_cifar10(tmp_path / "shared", url=server.url, md5=archive[1], progress=False)
    assert str(tmp_path / "shared" / "cifar10") in str(error.value)
    assert "NNUTILS_DATA" in str(error.value)
    assert frames(error.value) <= 2 and server.requests == 0
    monkeypatch.undo()
    load_cifar10(tmp_path / "shared", url=server.url, md5=archive[1], progress=False)
    deny_writes(monkeypatch, tmp_path)  # a class's shared folder, filled by the teacher
    expect_data(load_cifar10(tmp_path / "shared", url=server.url, md5=archive[1]), batches)


def test_full_disk_is_named(tmp_path, server, archive, monkeypatch):
    fill_disk(monkeypatch, tmp_path)
    with pytest.raises(Cifar10Error, match="is full") as error:
        load_cifar10(tmp_path, url=server.url, md5=archive[1], progress=False)
    assert str(tmp_path / "cifar10") in str(error.value) and "free" in str(error.value).lower()
    assert frames(error.value) <= 2
    assert leftovers(tmp_path / "cifar10") == []


def test_file_where_the_batches_folder_should_be_is_replaced(
    tmp_path, server, archive, batches, capfd
):
    folder = tmp_path / "cifar10"
    folder.mkdir()
    (folder / "cifar-10-batches-py").write_text("not a folder")
    expect_data(load_cifar10(tmp_path, url=server.url, md5=archive[1], progress=False), batches)
    assert f"{folder / 'cifar-10-batches-py'} is damaged" in capfd.readouterr().err
    expect_data(load_cifar10(tmp_path, url=server.url, md5=archive[1]), batches)


# --- a cache that stays honest --------------------------------------------------------------


def test_changed_bytes_in_a_batch_are_noticed(tmp_path, server, archive, batches, capfd):
    load_cifar10(tmp_path, url=server.url, md5=archive[1], progress=False)
    batch = tmp_path / "cifar10" / "cifar-10-batches-py" / "data_batch_2"
    content = bytearray(batch.read_bytes())
    content[len(content) // 2] ^= 0xFF  # one pixel: the pickle still loads
    batch.write_bytes(content)
    capfd.readouterr()
    expect_data(load_cifar10(tmp_path, url=server.url, md5=archive[1]), batches)
    assert "data_batch_2 has changed" in capfd.readouterr().err and server.requests == 1


def test_another_archive_replaces_the_cached_data(tmp_path, server, archive, batches):
    other = fake_cifar(per_batch=20, n_test=20, seed=7)
    md5 = write_archive(tmp_path / "other.tar.gz", other)
    with Server((tmp_path / "other.tar.gz").read_bytes()) as other_server:
        load_cifar10(tmp_path, url=server.url, md5=archive[1], progress=False)
        expect_data(load_cifar10(tmp_path, url=other_server.url, md5=md5, progress=False), other)
        expect_data(load_cifar10(tmp_path, url=server.url, md5=archive[1], progress=False), batches)
    assert server.requests == 2 and other_server.requests == 1


def test_the_cache_takes_the_permissions_of_its_folder_whatever_the_umask(
    tmp_path, server, archive
):
    home = tmp_path / "shared"
    home.mkdir()
    home.chmod(0o2775)  # a class's folder: the group may read and write, others read
    umask = os.umask(0o077)
    try:
        load_cifar10(home, url=server.url, md5=archive[1], progress=False)
    finally:
        os.umask(umask)
    folder = home / "cifar10"
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (folder, *folder.rglob("*"))}
    folders = {"cifar10", "cifar-10-batches-py"}
    assert {name: mode for name, mode in modes.items() if name in folders} == dict.fromkeys(
        folders, 0o2775
    )
    assert {mode for name, mode in modes.items() if name not in folders} == {0o664}
    assert len(modes) == 2 + 2 + len(cifar10.NEEDED) + 1  # the archive, the lock, the record


def test_batches_without_a_record_are_rebuilt_from_the_archive(tmp_path, batches):
    folder = tmp_path / "cifar10"
    write_folder(folder, fake_cifar(per_batch=20, n_test=20, seed=7))
    md5 = write_archive(folder / "cifar-10-python.tar.gz", batches)
    expect_data(load_cifar10(tmp_path, md5=md5, download=False), batches)
    assert (folder / "cifar-10-batches-py" / cifar10.RECORD).is_file()


SPOILT = {
    "float images": (lambda data, labels: (data / 255, labels), CLASS_NAMES, "float64 images"),
    "label 42": (lambda data, labels: (data, [42, *labels[1:]]), CLASS_NAMES, "label 42"),
    "label -1": (lambda data, labels: (data, [-1, *labels[1:]]), CLASS_NAMES, "label -1"),
    "small images": (lambda data, labels: (data[:, :1024], labels), CLASS_NAMES, "of 1024 values"),
    "3 class names": (lambda data, labels: (data, labels), CLASS_NAMES[:3], "3 class names"),
}


@pytest.mark.parametrize("spoil, names, problem", SPOILT.values(), ids=SPOILT.keys())
def test_values_unlike_cifar10_are_refused(tmp_path, batches, spoil, names, problem):
    folder = tmp_path / "cifar10"
    folder.mkdir()
    spoilt = batches | {"data_batch_1": spoil(*batches["data_batch_1"])}
    md5 = write_archive(folder / "cifar-10-python.tar.gz", spoilt, names=names)
    with pytest.raises(Cifar10Error, match="does not hold CIFAR-10 batches") as error:
        load_cifar10(tmp_path, md5=md5, download=False)
    assert problem in str(error.value)
    assert contents(folder) == ["cifar-10-python.tar.gz"]


# --- limits: time and size ------------------------------------------------------------------


def test_a_download_that_trickles_stops_at_the_deadline(tmp_path, server, archive, monkeypatch):
    monkeypatch.setattr(cifar10, "DEADLINE", 1.0)
    server.pieces, server.pause, server.give_up = len(archive[0]), 0.1, 3.0  # 10 bytes a second
    started = time.monotonic()
    with pytest.raises(Cifar10Unavailable, match="took longer than 1 s") as error:
        load_cifar10(tmp_path, url=server.url, md5=archive[1], progress=False)
    assert time.monotonic() - started < 2.5 and server.requests == 1
    assert str(tmp_path / "cifar10" / "cifar-10-python.tar.gz") in str(error.value)
    assert contents(tmp_path / "cifar10") == []


def test_only_the_batches_are_extracted(tmp_path, batches):
    folder = tmp_path / "cifar10"
    folder.mkdir()
    extra = [member("cifar-10-batches-py/huge", bytes(300_000)), member("huge", bytes(300_000))]
    md5 = write_archive(folder / "cifar-10-python.tar.gz", batches, extra=extra)
    expect_data(load_cifar10(tmp_path, md5=md5, download=False), batches)
    assert contents(folder) == ["cifar-10-batches-py", "cifar-10-python.tar.gz"]
    expected = [*batches, "batches.meta", cifar10.RECORD]
    assert contents(folder / "cifar-10-batches-py") == sorted(expected)


def test_a_member_larger_than_a_batch_is_refused(tmp_path, batches, monkeypatch):
    monkeypatch.setattr(cifar10, "MAX_MEMBER", 100_000)
    folder = tmp_path / "cifar10"
    folder.mkdir()
    larger = batches | {"data_batch_1": fake_cifar(per_batch=40)["data_batch_1"]}  # 123 kB
    md5 = write_archive(folder / "cifar-10-python.tar.gz", larger)
    with pytest.raises(UnsafeArchive, match="Refusing to extract .* larger than"):
        load_cifar10(tmp_path, md5=md5, download=False)
    assert contents(folder) == ["cifar-10-python.tar.gz"]


# --- pictures of CIFAR images --------------------------------------------------------------


def test_image_of_puts_channels_last_and_rescales_standardized_values():
    column = np.concatenate([np.full(1024, 0.1), np.full(1024, 0.5), np.linspace(0, 1, 1024)])
    image = image_of(column)
    assert image.shape == (32, 32, 3)
    np.testing.assert_allclose(image[..., 0], 0.1)
    np.testing.assert_allclose(image[0, :, 2], np.linspace(0, 1, 1024)[:32])
    standardized = image_of(4 * column - 2)
    assert standardized.min() == 0 and standardized.max() == 1


def test_image_plots_draw_every_image(batches):
    X = batches["data_batch_1"][0].T / 255
    y = np.array([batches["data_batch_1"][1]])
    fig = show_images(X[:, :7], y[:, :7], CLASS_NAMES, ncols=4)
    assert len([ax for ax in fig.axes if ax.images]) == 7
    fig = show_class_samples(X, y, CLASS_NAMES, per_class=2, rng=0)
    assert len([ax for ax in fig.axes if ax.images]) == 20
    assert [ax.get_title() for ax in fig.axes[:10]] == CLASS_NAMES
    y_pred = y.copy()
    y_pred[0, :3] = (y[0, :3] + 1) % 10
    fig = show_misclassified(X, y, y_pred, CLASS_NAMES, n=20, rng=0)
    titles = sorted(ax.get_title() for ax in fig.axes if ax.images)
    expected = sorted(
        f"{CLASS_NAMES[p]}\n(true: {CLASS_NAMES[t]})"
        for t, p in zip(y[0, :3], y_pred[0, :3], strict=True)
    )
    assert titles == expected
    assert show_misclassified(X, y, y, CLASS_NAMES) is None
    ax = plot_confusion_matrix(np.diag(np.arange(10)), CLASS_NAMES)
    assert len(ax.texts) == 100 and ax.texts[11].get_text() == "1"
    plt.close("all")


# --- a folder shared by a class, the autograder's download=False ----------------------------


def load_digest(home, md5):
    """A digest of what ``load_cifar10(home, download=False)`` returns (run as another user)."""
    return load_at(0, home, "http://127.0.0.1:9/never", md5)


def shared_home(shared_tmp, group):
    """A class's data folder: owned by root and ``group``, which may write in it (g+rwxs)."""
    home = shared_tmp / "data"
    home.mkdir()
    os.chown(home, 0, grp.getgrnam(group).gr_gid)
    home.chmod(0o2775)
    return home


@pytest.mark.parametrize("umask", [0o077, 0o022])
def test_case8_every_member_of_the_group_reads_and_rebuilds_the_cache(
    users, shared_tmp, server, archive, umask
):
    group = users.group()
    first, other = users.user(group), users.user(group)
    home = shared_home(shared_tmp, group)
    expected = load_at(0, shared_tmp / "mine", server.url, archive[1])
    value, _ = users.call(first, load_at, 0, home, server.url, archive[1], umask=umask)
    assert value == expected
    assert users.call(other, load_digest, home, archive[1]) == (expected, "")
    batch = home / "cifar10" / "cifar-10-batches-py" / "data_batch_2"
    batch.write_bytes(batch.read_bytes()[:500])  # damaged: the other member rebuilds it
    value, said = users.call(other, load_digest, home, archive[1])
    assert value == expected and "damaged or stale" in said and server.requests == 2


def test_case8_a_cache_you_may_not_read_names_its_owner(users, shared_tmp, server, archive):
    owner, other = users.user(), users.user()
    home = shared_tmp / "theirs"
    home.mkdir()
    os.chown(home, pwd.getpwnam(owner).pw_uid, -1)
    users.call(owner, load_at, 0, home, server.url, archive[1])
    batch = home / "cifar10" / "cifar-10-batches-py" / "data_batch_1"
    batch.chmod(0o600)  # as an older version left it for a umask of 077
    value, _ = users.call(other, load_digest, home, archive[1])
    assert value == (
        f"CacheFolderError: You may not read {batch}, which belongs to {owner}: ask them to run "
        f"chmod -R a+rX {home / 'cifar10'} (or set NNUTILS_DATA to a folder of your own)."
    )


def test_case9_a_damaged_cache_without_its_archive_says_it_is_damaged(tmp_path, batches):
    extracted = write_folder(tmp_path / "cifar10", batches)
    (extracted / "data_batch_4").write_bytes(b"garbage")
    with pytest.raises(Cifar10Unavailable) as error:
        load_cifar10(tmp_path, download=False)
    assert str(error.value).startswith(
        f"The CIFAR-10 cache in {extracted} is damaged (data_batch_4 is unreadable: "
    )
    assert "there is no archive to rebuild it from" in str(error.value)
    assert str(tmp_path / "cifar10" / "cifar-10-python.tar.gz") in str(error.value)
    assert frames(error.value) <= 2


def nested_record(path):
    path.write_text('{"archive_md5": ' + "[" * 200_000 + "]" * 200_000 + "}")


@pytest.mark.parametrize(
    ("name", "plant"),
    [(cifar10.RECORD, os.mkfifo), (cifar10.RECORD, nested_record), ("data_batch_1", os.mkfifo)],
    ids=["fifo-record", "nested-record", "fifo-batch"],
)
def test_case10_a_fifo_or_a_nested_record_is_damage_that_heals(tmp_path, batches, name, plant):
    folder = tmp_path / "cifar10"
    folder.mkdir()
    md5 = write_archive(folder / "cifar-10-python.tar.gz", batches)
    expected = load_digest(tmp_path, md5)
    target = folder / "cifar-10-batches-py" / name
    target.unlink()
    plant(target)
    with multiprocessing.get_context("spawn").Pool(1) as pool:  # a hang fails, not blocks
        assert pool.apply_async(load_digest, (tmp_path, md5)).get(timeout=120) == expected
    assert stat.S_ISREG(target.stat().st_mode)
