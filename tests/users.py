"""Throwaway Unix users and groups (named nns-...) for tests where permissions matter.

Root only (CI runs as root): elsewhere the tests that use them skip with one line. Every
user and group made is deleted when the test ends. Code runs as a user in a process forked
from the test's, which then drops root for good: the user need not be able to reach this
Python or its standard library, only the files the code opens.
"""

import contextlib
import io
import multiprocessing
import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

TIMEOUT = 120  # seconds a call as another user may take before the test fails


class Users:
    """Makes users and groups, calls functions as one of them, deletes them all at the end."""

    def __init__(self):
        self.made = []  # (the command that deletes it, its name)

    def group(self):
        """The name of a new group."""
        name = f"nns-g{secrets.token_hex(3)}"
        subprocess.run(["groupadd", name], check=True)
        self.made.append(("groupdel", name))
        return name

    def user(self, *groups):
        """The name of a new user (with a group of its own, and a member of ``groups``)."""
        name = f"nns-u{secrets.token_hex(3)}"
        extra = ["-G", ",".join(groups)] if groups else []
        subprocess.run(["useradd", "-M", "-U", *extra, name], check=True)
        self.made.append(("userdel", name))
        return name

    def call(self, user, function, *args, umask=0o022):
        """``function(*args)`` run as ``user`` with ``umask``: (its value, or the text of
        what it raised; what it printed)."""
        context = multiprocessing.get_context("fork")
        ours, theirs = context.Pipe(duplex=False)
        child = context.Process(target=_as_user, args=(theirs, user, umask, function, args))
        child.start()
        theirs.close()
        try:
            assert ours.poll(TIMEOUT), f"{function.__name__} as {user} ran past {TIMEOUT} s"
            return ours.recv()
        finally:
            child.kill()
            child.join()

    def delete(self):
        for command, name in reversed(self.made):
            subprocess.run([command, name], check=False, capture_output=True)


def _as_user(connection, user, umask, function, args):
    """In the forked child: become ``user`` for good, call, send (value, output) back."""
    import pwd

    entry = pwd.getpwnam(user)
    os.setgroups(os.getgrouplist(user, entry.pw_gid))
    os.setgid(entry.pw_gid)
    os.setuid(entry.pw_uid)
    os.umask(umask)
    os.environ["HOME"] = tempfile.gettempdir()
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        try:
            value = function(*args)
        except BaseException as error:  # the test reads what was raised
            value = f"{type(error).__name__}: {error}"
    connection.send((value, printed.getvalue()))


@pytest.fixture
def users():
    """A ``Users``; skips without root."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("useradd"):
        pytest.skip("needs root and useradd, to create throwaway users")
    made = Users()
    yield made
    made.delete()


@pytest.fixture
def shared_tmp():
    """A folder every user may enter (pytest's ``tmp_path`` is root's alone), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="nns-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
