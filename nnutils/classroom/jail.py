"""How the class grader starts its child (``sandbox``): which process, as whom, with what.

Always: a process of its own, in a session of its own (``kill`` reaches all it starts),
with rlimits (``LIMITS``: CPU seconds, address space, file size, no core dumps; as root
also ``PROCESSES``), a clean environment, and one BLAS thread. The wall-clock deadline per exercise is
the parent's (``remote``).

With bubblewrap (``bwrap``, Debian's package ``bubblewrap``), also: new network, PID, IPC
and UTS namespaces (no network at all, not even the host's loopback; it cannot signal the
grader), a filesystem that holds only the system's programs, Python and the course
(read-only) and a private ``/tmp`` of TMP_BYTES in memory as its only writable place: the
course folder, the gradebook and the other submissions are not there, nor is the course's
solution code (``hidden``: the child's stand-ins ask the grader instead, see ``remote``). As root, the child
then runs as an unprivileged user id of its own (``uid_for``) with no capabilities; as
another user, in a user namespace of its own.

Without bubblewrap (a warning says so): as root, the child still runs under its own user id,
in a private temporary folder; file permissions alone keep it from the course's files, and
it can read (though not call) the course's solution code.
"""

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import nnutils

LIMITS = {
    resource.RLIMIT_CPU: 120,  # seconds, for the whole submission
    resource.RLIMIT_AS: 4 * 2**30,
    resource.RLIMIT_FSIZE: 64 * 2**20,
    resource.RLIMIT_CORE: 0,
}
# Processes of the child's own user id (as root): the child itself, so fork and threads fail.
# As another user the limit would count all of that user's processes: the PID namespace
# then contains what the child starts, and ends it with the child.
PROCESSES = 1
TMP_BYTES = 128 * 2**20
UID_BASE = 200_000  # child user ids: UID_BASE + the grading process's id, no account needed
ENVIRONMENT = {
    "PATH": "/usr/bin:/bin",
    "HOME": "/tmp",
    "MPLCONFIGDIR": "/tmp",
    "MPLBACKEND": "Agg",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
    "LANG": "C.UTF-8",
}
CHILD = [sys.executable, "-I", "-m", "nnutils.classroom.sandbox"]


def uid_for(pid):
    """The unprivileged user id the child of grading process ``pid`` runs as."""
    return UID_BASE + pid


def _limit():
    limits = {**LIMITS, **({resource.RLIMIT_NPROC: PROCESSES} if os.geteuid() == 0 else {})}
    for which, value in limits.items():
        resource.setrlimit(which, (value, value))


def _read_only():
    """The folders the child needs to read: the system's, Python's and the course's."""
    course = Path(nnutils.__file__).parent
    folders = {Path(p) for p in ("/usr", sys.prefix, sys.base_prefix, course) if Path(p).exists()}
    return sorted(f for f in folders if not any(o != f and o in f.parents for o in folders))


def hidden():
    """The course's solution code and every compiled copy of the course: emptied in the jail."""
    course = Path(nnutils.__file__).parent
    found = [course / name for name in ("reference.py", "checks.py", "grading", "engine")]
    found += [p for p in course.rglob("__pycache__") if not any(f in p.parents for f in found)]
    return [p for p in found if p.exists()]


def bwrap_command(root):
    """The bubblewrap command line that runs the child (as root: as ``uid_for``)."""
    command = ["bwrap", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts"]
    command += ["--die-with-parent", "--new-session", "--clearenv"]
    # The private /tmp first: a course or Python under /tmp (a clone there) is bound on top.
    command += ["--perms", "1777", "--size", str(TMP_BYTES), "--tmpfs", "/tmp"]
    binds = _read_only()
    parents = {p for f in binds for p in f.parents if p not in (Path("/"), Path("/tmp"))}
    for folder in sorted(parents, key=len_of_parts):
        command += ["--perms", "0755", "--dir", str(folder)]
    for folder in binds:
        command += ["--ro-bind", str(folder), str(folder)]
    for path in hidden():
        command += (
            ["--tmpfs", str(path)] if path.is_dir() else ["--ro-bind", "/dev/null", str(path)]
        )
    for name in ("lib", "lib64", "bin", "sbin"):
        if Path(f"/usr/{name}").exists() and Path(f"/{name}").is_symlink():
            command += ["--symlink", f"usr/{name}", f"/{name}"]
    command += ["--proc", "/proc", "--dev", "/dev", "--chdir", "/tmp"]
    for key, value in ENVIRONMENT.items():
        command += ["--setenv", key, value]
    if root:
        uid = str(uid_for(os.getpid()))
        command += ["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
        command += ["--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    else:
        command.insert(1, "--unshare-user")
    return command + CHILD


def len_of_parts(path):
    return len(path.parts)


def start():
    """The child process (a ``subprocess.Popen`` with pipes for stdin and stdout)."""
    root = os.geteuid() == 0
    options = dict(stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    if shutil.which("bwrap"):
        command = bwrap_command(root)
        return subprocess.Popen(command, preexec_fn=_limit, start_new_session=True, **options)
    warnings.warn("bubblewrap is missing: the grader's child has no namespaces", stacklevel=2)
    folder = tempfile.mkdtemp(prefix="nng-sandbox-")
    uid = uid_for(os.getpid())
    if root:
        os.chown(folder, uid, uid)
    env = {**ENVIRONMENT, "HOME": folder, "MPLCONFIGDIR": folder, "TMPDIR": folder}

    def drop():
        _limit()
        if root:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)

    return subprocess.Popen(
        CHILD, cwd=folder, env=env, preexec_fn=drop, start_new_session=True, **options
    )
