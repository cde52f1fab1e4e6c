"""A class on one JupyterHub machine: its configuration and its folders' owners and modes.

``python -m nnutils.classroom setup --instructor USER --students GROUP`` (as root, after
the accounts exist) writes into ``--config-dir`` (``/etc/nnutils-class``):

- ``jupyterhub_config.py``: sign-in with the machine's accounts (PAM), the instructor and
  the students' group only; each user's server is this environment's
  ``jupyterhub-singleuser``, with ``NNUTILS_DATA`` set and a Jupyter config folder per role;
- ``student/``: nbgrader's exchange and course id, and the instructor's panels (Formgrader,
  Create Assignment) switched off; ``instructor/``: the exchange, course id and course folder;
- ``state/`` (root only): the hub's database and cookie secret.

and sets owners and modes: the exchange root sticky and open to all as nbgrader requires,
its course folder the instructor's and closed to anyone outside the students' group; the
course folder (source, release, submitted, autograded, feedback, gradebook) and every home
of the class private to its owner; the CIFAR-10 folder readable by all, writable by root.

Inside the exchange nbgrader itself keeps students apart: the inbound and feedback folders
cannot be listed, and each submission or feedback file has a random name. Permissions do
the isolating; hiding the instructor's panels only tidies the students' menus.
"""

import grp
import json
import os
import pwd
import shutil
import stat
import sys
from pathlib import Path

from ..files import atomic_write

COURSE_ID = "nn-from-scratch"  # as in the nbgrader_config.py that `source` writes
CONFIG_DIR = Path("/etc/nnutils-class")
EXCHANGE = Path("/srv/nbgrader/exchange")
DATA = Path("/srv/nnutils-data")
PROXY = "configurable-http-proxy"
ROLES = ("instructor", "student")
# nbgrader's instructor-only parts: Lab plugins and the server extension behind them.
INSTRUCTOR_PLUGINS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment")
INSTRUCTOR_SERVER_EXTENSION = "nbgrader.server_extensions.formgrader"

HUB_CONFIG = '''\
"""JupyterHub for the class (written by `python -m nnutils.classroom setup`; run that
command again to change it, since it also sets the folders' owners and modes).

Start it as root: {hub} -f {config}
(it needs npm's configurable-http-proxy on PATH; put HTTPS in front of it for a real class).
"""

c = get_config()  # noqa: F821

INSTRUCTOR = {instructor!r}
STUDENTS = {students!r}  # the Unix group of the class's students

# Sign-in with the machine's accounts and passwords; only the instructor and the students.
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.open_sessions = False  # no login session per server (none is needed)
c.Authenticator.allowed_users = {{INSTRUCTOR}}
c.PAMAuthenticator.allowed_groups = {{STUDENTS}}

# Where the hub listens: every address, port 8000 (`--ip` and `--port` on its command line
# override them).
c.JupyterHub.ip = ""
c.JupyterHub.port = 8000

# The hub's own state, readable by root only.
c.JupyterHub.db_url = "sqlite:///{state}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{state}/jupyterhub_cookie_secret"
c.ConfigurableHTTPProxy.pid_file = "{state}/jupyterhub-proxy.pid"

# Each user's server runs as that user (LocalProcessSpawner), in their home, from the
# course's environment: its kernels import nnutils, its Lab has nbgrader's panels.
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120

# A Jupyter config folder per role: nbgrader's exchange and course id for everyone;
# Formgrader and Create Assignment for the instructor only.
ROLE_CONFIG = {{"instructor": {instructor_config!r}, "student": {student_config!r}}}


def role_config(spawner):
    return ROLE_CONFIG["instructor" if spawner.user.name == INSTRUCTOR else "student"]


c.Spawner.environment = {{
    "JUPYTER_CONFIG_PATH": role_config,
    # Lesson 08 reads CIFAR-10 from this shared, read-only folder instead of downloading it.
    "NNUTILS_DATA": {data!r},
    # Terminals find nbgrader and python of the course's environment first.
    "PATH": {path!r},
}}
'''

NBGRADER_CONFIG = '''\
"""nbgrader for the class's {role} (written by `python -m nnutils.classroom setup`).

JupyterHub gives the {role}'s server this folder in JUPYTER_CONFIG_PATH.
"""

c = get_config()  # noqa: F821

# The exchange through which lessons go out and submissions and feedback come back.
c.Exchange.root = {exchange!r}
# The course whose lessons the Assignments panel lists, fetches and submits.
c.CourseDirectory.course_id = {course_id!r}
'''

INSTRUCTOR_EXTRA = """
# The instructor's course folder (source, release, submitted, autograded, feedback,
# gradebook.db), private to the instructor; Formgrader and the commands work on it.
c.CourseDirectory.root = {course_dir!r}
"""


def members(group):
    """User names of ``group``: its listed members and the accounts whose primary group it is."""
    entry = grp.getgrnam(group)
    names = set(entry.gr_mem)
    names.update(user.pw_name for user in pwd.getpwall() if user.pw_gid == entry.gr_gid)
    return sorted(names)


def role_config_dir(config_dir, role):
    """The Jupyter config folder that the hub hands to ``role``'s server."""
    if role not in ROLES:
        raise ValueError(f"role is one of {ROLES}, not {role!r}")
    return Path(config_dir) / role


def hub_config_path(config_dir=CONFIG_DIR):
    return Path(config_dir) / "jupyterhub_config.py"


def open_to_all(path):
    """True when every account can reach ``path`` (each folder above it searchable by others)
    and read it (execute it, if it is a program)."""
    path = Path(os.path.realpath(path))
    for folder in path.parents:
        if not os.stat(folder).st_mode & stat.S_IXOTH:
            return False
    mode = os.stat(path).st_mode
    return bool(mode & stat.S_IROTH) and (not mode & stat.S_IXUSR or bool(mode & stat.S_IXOTH))


def needs():
    """What the class needs and this machine lacks, one line each (empty when all is there)."""
    lacking = []
    if os.geteuid() != 0:
        lacking.append("root: setup sets owners and modes; the hub signs users in and runs as them")
    singleuser = Path(sys.prefix) / "bin" / "jupyterhub-singleuser"
    if not singleuser.exists():
        lacking.append(f'{singleuser}: pip install -e ".[classroom]" in the course environment')
    package = Path(__file__).resolve().parent.parent
    for what, path in (("its Python", sys.executable), ("the course package", package)):
        if not open_to_all(path):
            lacking.append(
                f"a course environment every account can run: {what} ({os.path.realpath(path)})"
                " is closed to other accounts; make one from a Python outside root's home,"
                " e.g. /usr/bin/python3 -m venv /opt/nn-course, in a clone all can read"
            )
    if shutil.which(PROXY) is None:
        lacking.append(f"{PROXY} on PATH: npm install -g {PROXY} (apt-get install nodejs npm)")
    return lacking


def _write(path, text, mode=0o644):
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, text, mode)  # a failed write leaves the old file whole
    os.chown(path, 0, 0)
    print(f"wrote {path}")


def _folder(path, owner, group, mode):
    """Create ``path`` if needed (parents as root, 0755); give it ``owner``, ``group``, ``mode``."""
    path.mkdir(parents=True, exist_ok=True)
    os.chown(path, pwd.getpwnam(owner).pw_uid if owner else 0, grp.getgrnam(group).gr_gid)
    os.chmod(path, mode)
    print(f"{stat.filemode(mode | stat.S_IFDIR)} {owner or 'root'}:{group} {path}")


def write_configs(config_dir, instructor, students, course_dir, exchange, data, course_id):
    """The hub's configuration and one Jupyter config folder per role, under ``config_dir``."""
    config_dir = Path(config_dir)
    _folder(config_dir, None, "root", 0o755)
    state = config_dir / "state"
    _folder(state, None, "root", 0o700)
    bin_dir = Path(sys.prefix) / "bin"
    hub = hub_config_path(config_dir)
    role_dirs = {role: role_config_dir(config_dir, role) for role in ROLES}
    _write(
        hub,
        HUB_CONFIG.format(
            hub=bin_dir / "jupyterhub",
            config=hub,
            instructor=instructor,
            students=students,
            state=state,
            singleuser=str(bin_dir / "jupyterhub-singleuser"),
            instructor_config=str(role_dirs["instructor"]),
            student_config=str(role_dirs["student"]),
            data=str(data),
            path=f"{bin_dir}:/usr/local/bin:/usr/bin:/bin",
        ),
    )
    for role, folder in role_dirs.items():
        _folder(folder, None, "root", 0o755)
        text = NBGRADER_CONFIG.format(role=role, exchange=str(exchange), course_id=course_id)
        if role == "instructor":
            text += INSTRUCTOR_EXTRA.format(course_dir=str(course_dir))
        _write(folder / "nbgrader_config.py", text)
    # The student's Lab: no Formgrader or Create Assignment, and no server side behind them.
    student = role_dirs["student"]
    disabled = {"disabledExtensions": dict.fromkeys(INSTRUCTOR_PLUGINS, True)}
    _write(student / "labconfig" / "page_config.json", json.dumps(disabled, indent=2) + "\n")
    extensions = {"ServerApp": {"jpserver_extensions": {INSTRUCTOR_SERVER_EXTENSION: False}}}
    _write(student / "jupyter_server_config.json", json.dumps(extensions, indent=2) + "\n")
    return hub


def set_permissions(instructor, students, course_dir, exchange, data, course_id):
    """Owners and modes of the exchange, the course folder, the homes and the data folder."""
    teacher = pwd.getpwnam(instructor)
    # nbgrader requires an exchange root that everyone may write (it checks for 0777);
    # sticky, so nobody removes what another made.
    _folder(Path(exchange), None, "root", 0o1777)
    # The course's box in it: made by the instructor's first release otherwise. Students
    # pass through; users outside the class do not.
    _folder(Path(exchange) / course_id, instructor, students, 0o750)
    # Every home of the class, and so the fetched lessons and nbgrader's cache of each
    # submission, private to its owner.
    for name in sorted({instructor, *members(students)}):
        home = Path(pwd.getpwnam(name).pw_dir)
        if home.is_dir():
            os.chmod(home, 0o700)
            print(f"drwx------ {name} {home}")
    # The course folder: source, release, submitted, autograded, feedback, the gradebook.
    course_dir = Path(course_dir)
    course_dir.mkdir(parents=True, exist_ok=True)
    os.chown(course_dir, teacher.pw_uid, teacher.pw_gid)
    os.chmod(course_dir, 0o700)
    print(f"drwx------ {instructor} {course_dir}")
    # CIFAR-10, shared: readable by all, written by root only.
    data = Path(data)
    data.mkdir(parents=True, exist_ok=True)
    for folder, dirs, files in os.walk(data):
        for name in [folder, *(os.path.join(folder, d) for d in dirs)]:
            os.chown(name, 0, 0)
            os.chmod(name, 0o755)
        for name in (os.path.join(folder, f) for f in files):
            os.chown(name, 0, 0)
            os.chmod(name, 0o644)
    print(f"drwxr-xr-x root {data} (and everything in it: read-only for users)")


def setup(
    instructor,
    students,
    course_dir=None,
    exchange=EXCHANGE,
    data=DATA,
    config_dir=CONFIG_DIR,
    course_id=COURSE_ID,
):
    """Configure the class and set its permissions; the path of ``jupyterhub_config.py``."""
    if lacking := needs():
        raise SystemExit("setup needs:\n  " + "\n  ".join(lacking))
    try:
        teacher = pwd.getpwnam(instructor)
        grp.getgrnam(students)
    except KeyError as error:
        raise SystemExit(
            f"no such account or group: {error.args[0]} (create the accounts first: useradd)"
        ) from None
    course_dir = Path(course_dir or Path(teacher.pw_dir) / "nn-course")
    if instructor in members(students):
        raise SystemExit(f"{instructor} is in the students' group {students}: keep them apart")
    hub = write_configs(config_dir, instructor, students, course_dir, exchange, data, course_id)
    set_permissions(instructor, students, course_dir, exchange, data, course_id)
    print(f"start the hub as root: {Path(sys.prefix) / 'bin' / 'jupyterhub'} -f {hub}")
    return hub
