"""Writing files so that nothing is ever half written, and saying why a write failed.

``atomic_write(path, data)`` (or ``with atomic_file(path) as out:`` for a stream) writes
into a temporary file beside the target, ``.<name>.<random>.tmp``, flushes it to disk and
renames it over the target, so a reader sees the old content or the new, never a part,
and a failed write leaves the old content as it was. A symlinked target is written
through: the link stays and the file it points to gets the new content. A new file gets
the usual permissions (the umask's), a replaced one keeps its own.
"""

import contextlib
import errno
import os
import secrets
from pathlib import Path


@contextlib.contextmanager
def atomic_file(path):
    """An open binary file whose content replaces ``path`` when the block ends without error.

    Yields the file object; on an error the temporary file is deleted and ``path`` untouched.
    """
    target = Path(os.path.realpath(path))
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temporary, "xb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temporary, target.stat().st_mode & 0o7777)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def atomic_write(path, data):
    """Replace the content of ``path`` by ``data`` (str, written as UTF-8, or bytes) atomically."""
    with atomic_file(path) as out:
        out.write(data.encode("utf-8") if isinstance(data, str) else data)


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
