"""Writing files so that nothing is ever half written, and saying why a write failed.

``atomic_write(path, data)`` (or ``with atomic_file(path) as out:`` for a stream) writes
into a temporary file beside the target, ``.<name>.<random>.tmp``, flushes it to disk and
renames it over the target, so a reader sees the old content or the new, never a part,
and a failed write leaves the old content as it was. A symlinked target is written
through: the link stays and the file it points to gets the new content. A new file gets
the usual permissions (the umask's), a replaced one keeps its own. ``read_file(path)``
reads a file without ever waiting on a FIFO planted in its place.
"""

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path


class NotAFile(OSError):
    """A folder, a FIFO or a device where a regular file was expected."""


@contextlib.contextmanager
def atomic_file(path, mode=None):
    """An open binary file whose content replaces ``path`` when the block ends without error.

    Yields the file object; on an error the temporary file is deleted and ``path`` untouched.
    ``mode``: the permissions of the result (by default the replaced file's, else the umask's).
    """
    target = Path(os.path.realpath(path))
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temporary, "xb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        if mode is None and target.exists():
            mode = target.stat().st_mode
        if mode is not None:
            os.chmod(temporary, mode & 0o7777)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def atomic_write(path, data, mode=None):
    """Replace the content of ``path`` by ``data`` (str, written as UTF-8, or bytes) atomically."""
    with atomic_file(path, mode) as out:
        out.write(data.encode("utf-8") if isinstance(data, str) else data)


def read_file(path):
    """The bytes of the regular file ``path``; ``NotAFile`` for anything else, never waiting
    on a FIFO (other OSErrors, FileNotFoundError included, pass through)."""
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    kind = stat.S_IFMT(os.fstat(handle).st_mode)
    if kind != stat.S_IFREG:
        os.close(handle)
        what = "a folder" if kind == stat.S_IFDIR else "not a regular file"
        raise NotAFile(errno.EINVAL, what, str(path))
    with open(handle, "rb") as file:
        return file.read()


def file_in_the_way(path):
    """The nearest of ``path`` and its parents that exists, if it is not a folder (else None)."""
    for place in (Path(path), *Path(path).parents):
        if place.exists():
            return None if place.is_dir() else place
    return None


def why_not_written(error, folder):
    """'<cause>: <remedy>' for ``error``, an OSError raised while writing in ``folder``."""
    if error.errno == errno.ENOSPC:
        return f"the disk that holds {folder} is full: free some space"
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"{folder} is not writable ({error.strerror}): make it writable"
    blocker = file_in_the_way(folder)
    if blocker is not None:
        return f"{blocker} is a file, not a folder: move it away"
    return f"{folder}: {error.strerror or error}"
