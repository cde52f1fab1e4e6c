"""Class grading end to end, with real accounts: every attack a student could try earns its honest score.

Root only (CI runs as root; elsewhere these skip): the students are accounts ``nng-<pid>-<role>``,
created here and removed at teardown. The instructor (root) writes the course source, generates
and releases the lessons with nbgrader; each student fetches, answers and submits as their own
account, with the file permissions nbgrader gives them. (The students' side uses ``cp`` and
``mkdir`` exactly as ``nbgrader fetch_assignment`` and ``submit`` do: the course's Python lies
where only root may run it on this machine.) The instructor collects with
``python -m nnutils.classroom collect``, grades with ``python -m nnutils.classroom autograde``
and exports with ``nbgrader export``; the tests read the exported CSV and the autograded
notebooks.
"""

import csv
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import nbformat
import pytest

from nnutils.authoring.generate import render
from nnutils.classroom import jail
from nnutils.classroom.course import write_course
from nnutils.progress import outline
from tests.test_nbgrader import answer, require_nbgrader

COURSE_ID = "nn-from-scratch"
SBIN = "/usr/sbin:/sbin:/usr/bin:/bin"
ATTACKED = "03_forward"
# One wrong exercise per lesson: a value exercise in lesson 01, `return None` elsewhere.
WRONG = {"01_data_visualisation": ("column_example", "x_i = X[:, i]\ny_i = Y[0, i]")}
FIRST_FUNCTION = {
    "02_initialization": "initialize_parameters",
    "03_forward": "linear_forward",
    "04_cost": "compute_cost",
    "05_backward": "relu_backward",
    "05b_gradient_checking": "gradient_check",
    "06_update": "update_parameters",
    "07_full_model": "predict",
    "08_cifar10": "standardize",
    "09_convolutions": "zero_pad",
}
WRONG.update({lesson: (name, "return None") for lesson, name in FIRST_FUNCTION.items()})
SOLUTION = object()  # an exercise answered with the course's solution
PARAMETERS = {
    "sigmoid": "Z",
    "relu": "Z",
    "leaky_relu": "Z, alpha",
    "linear_forward": "A, W, b",
    "linear_activation_forward": "A_prev, W, b, activation",
    "L_model_forward": "X, parameters",
}
ALL_RIGHT = dict.fromkeys(PARAMETERS, SOLUTION)


def require_root_class():
    """Skip without root; in CI, fail when a tool the class needs is missing."""
    if os.geteuid() != 0:
        pytest.skip("class grading with real accounts needs root (CI runs it)")
    require_nbgrader()
    if shutil.which("bwrap") is None:
        reason = "bubblewrap is not installed (apt-get install bubblewrap)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}, and CI must test the sandbox")
        pytest.skip(reason)


class Class:
    """A course folder, an exchange, and student accounts, as root."""

    def __init__(self):
        self.base = Path(tempfile.mkdtemp(prefix="nng-class-", dir="/tmp"))
        self.base.chmod(0o755)
        self.course, self.exchange = self.base / "course", self.base / "exchange"
        self.course.mkdir(mode=0o755)  # as a home folder is: students may look in
        self.exchange.mkdir(mode=0o755)
        (self.base / "staged").mkdir(mode=0o755)
        self.accounts = []
        self.env = {
            **os.environ,
            "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"],
            "JUPYTER_CONFIG_DIR": str(self.course / ".jupyter"),
            "COURSE_QUICK": "1",
        }

    def account(self, role):
        name = f"nng-{os.getpid() % 100000}-{role}"
        home = self.base / "home" / name
        useradd = [shutil.which("useradd", path=SBIN), "--no-create-home", "--home-dir", str(home)]
        subprocess.run([*useradd, "--shell", "/bin/sh", name], check=True)
        self.accounts.append(name)
        home.mkdir(parents=True)
        shutil.chown(home, name, name)
        home.chmod(0o700)
        return name

    def remove(self):
        for name in self.accounts:
            subprocess.run([shutil.which("userdel", path=SBIN), name], check=False)
        shutil.rmtree(self.base, ignore_errors=True)

    def run(self, *command):
        """Run a command as the instructor in the course folder; its output."""
        done = subprocess.run(
            command, cwd=self.course, env=self.env, capture_output=True, text=True
        )
        assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def nbgrader(self, *args):
        return self.run("nbgrader", *args, f"--Exchange.root={self.exchange}")

    def classroom(self, *args):
        return self.run(sys.executable, "-m", "nnutils.classroom", *args)

    def as_student(self, name, script, **variables):
        """Run the shell ``script`` as the account ``name``; the CompletedProcess."""
        env = {"PATH": "/usr/bin:/bin", "HOME": str(self.base / "home" / name), "USER": name}
        return subprocess.run(
            [shutil.which("runuser", path=SBIN), "-u", name, "--", "sh", "-c", script],
            env={**env, **variables},
            capture_output=True,
            text=True,
        )

    def submit(self, name, lesson, nb):
        """``name`` fetches ``lesson``, puts ``nb`` in its place and submits it."""
        staged = self.base / "staged" / f"{name}-{lesson}.ipynb"
        staged.write_text(render(nb))
        staged.chmod(0o644)
        done = self.as_student(
            name, SUBMIT, EX=str(self.exchange / COURSE_ID), L=lesson, STAGED=str(staged)
        )
        assert done.returncode == 0, done.stderr

    def grades(self):
        """{(lesson, student): score} from ``nbgrader export``."""
        table = self.base / "grades.csv"
        self.nbgrader("export", f"--to={table}")
        with open(table, newline="") as rows:
            return {
                (r["assignment"], r["student_id"]): float(r["score"]) for r in csv.DictReader(rows)
            }

    def verdict(self, lesson, student, exercise):
        """The text the autograded notebook shows under ``exercise``'s check."""
        path = self.course / "autograded" / student / lesson / f"{lesson}.ipynb"
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == f"check_{exercise}":
                return "\n".join(o.get("text", "") + o.get("evalue", "") for o in cell.outputs)
        raise LookupError(exercise)


# What `nbgrader fetch_assignment` and `nbgrader submit` do, as the student.
SUBMIT = r"""set -e
mkdir -p "$HOME/$L"
cp "$EX/outbound/$L/$L.ipynb" "$HOME/$L/"
cp "$STAGED" "$HOME/$L/$L.ipynb"
TS="$(date -u '+%Y-%m-%d %H:%M:%S.%6N UTC')"
D="$EX/inbound/$USER+$L+$TS+$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
mkdir "$D"
cp "$HOME/$L/$L.ipynb" "$D/"
printf '%s' "$TS" > "$D/timestamp.txt"
chmod 0644 "$D"/*
chmod 0777 "$D"
"""


def notebook(course, lesson, answers, prefix="", drop_checks=False):
    """The released ``lesson`` with ``answers`` {exercise: code or SOLUTION} in place of the
    blanks, ``prefix`` before the first answer cell's code, and check cells dropped if asked."""
    source = nbformat.read(course / "source" / lesson / f"{lesson}.ipynb", as_version=4)
    nb = nbformat.read(course / "release" / lesson / f"{lesson}.ipynb", as_version=4)
    by_id = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells}
    for exercise, code in answers.items():
        edited = source if code is SOLUTION else answer(source, exercise, code)
        cells = zip(edited.cells, source.cells, strict=True)
        changed = [e for e, s in cells if e.source != s.source] or [
            c for c in source.cells if f"def {exercise}(" in c.source
        ]
        by_id[changed[0].metadata["nbgrader"]["grade_id"]].source = changed[0].source
    first = next(c for c in nb.cells if c.metadata["nbgrader"]["solution"])
    first.source = prefix + first.source
    if drop_checks:
        nb.cells = [c for c in nb.cells if not c.metadata["nbgrader"]["grade"]]
    return nb


@pytest.fixture(scope="module")
def classroom():
    require_root_class()
    room = Class()
    try:
        write_course(room.course)
        room.nbgrader("generate_assignment", "*")
        yield room
    finally:
        room.remove()


@pytest.fixture(scope="module")
def lesson_grades(classroom):
    """Every lesson: one student answers all right, one gets one exercise wrong.

    Their notebooks are placed in ``submitted/`` as ``collect`` leaves them (the attacks
    below go through release, submit and collect), and all the lessons are graded in one run.
    """
    full, wrong = "nng-lessons-full", "nng-lessons-wrong"
    for lesson, (exercise, code) in WRONG.items():
        source = nbformat.read(classroom.course / "source" / lesson / f"{lesson}.ipynb", 4)
        for student, nb in ((full, source), (wrong, answer(source, exercise, code))):
            folder = classroom.course / "submitted" / student / lesson
            folder.mkdir(parents=True)
            (folder / f"{lesson}.ipynb").write_text(render(nb))
    classroom.classroom("autograde", *WRONG)
    return full, wrong, classroom.grades()


@pytest.mark.parametrize("lesson", list(WRONG))
def test_a_right_submission_gets_full_marks(lesson_grades, lesson):
    full, _, grades = lesson_grades
    assert grades[lesson, full] == len(outline()[lesson]["exercises"])


@pytest.mark.parametrize("lesson", list(WRONG))
def test_one_wrong_exercise_costs_its_point_only(lesson_grades, lesson):
    _, wrong, grades = lesson_grades
    assert grades[lesson, wrong] == len(outline()[lesson]["exercises"]) - 1


def wrong_only(exercise, body):
    """Lesson 03 all right but ``exercise``, whose body is ``body``."""
    return {**ALL_RIGHT, exercise: body}


def reference_calls():
    return {name: f"return r.{name}({args})" for name, args in PARAMETERS.items()}


# role: (answers, prefix, honest score, {exercise: words its verdict must contain})
ATTACKS = {
    "honest": (ALL_RIGHT, "", 6, {}),
    "leftcheck": (ALL_RIGHT, "check('relu', print)\n", 6, {}),  # a check left in an answer cell
    "reference": (
        reference_calls(),
        "import nnutils.reference as r\n",
        0,
        {"linear_forward": "calls nnutils.reference.linear_forward: the exercise is to write"},
    ),
    "untrace": (  # the learner's-notebook rule traces calls: here the grader refuses them
        {k: f"sys.settrace(None)\n{v}" for k, v in reference_calls().items()},
        "import sys\nimport nnutils.reference as r\n",
        0,
        {"relu": "calls nnutils.reference.relu: the exercise is to write"},
    ),
    "source": (  # run the solution's source or a compiled copy, read from the course folder
        {name: f"return r[{name!r}]({args})" for name, args in PARAMETERS.items()},
        "import marshal, pathlib, nnutils\nr = {{'__name__': 'nnutils.reference', "
        "'__package__': 'nnutils'}}\nfolder = pathlib.Path(nnutils.__file__).parent\n"
        "for path in [folder / 'reference.py', *folder.rglob('reference*.pyc')]:\n"
        "    try:\n"
        "        exec(path.read_text() if path.suffix == '.py' else "
        "marshal.loads(path.read_bytes()[16:]), r)\n"
        "    except Exception:\n        pass\n",
        0,
        {},
    ),
    "nocheck": ({}, "check = lambda *a, **k: None\n", 0, {}),
    "patch": (
        {},
        "import nnutils.grading as g\nimport nnutils.grading.api as api\n"
        "import nnutils.grading.expect as expect\n"
        "api.run_check = g.run_check = lambda *a, **k: True\n"
        "expect.close = lambda *a, **k: True\n",
        0,
        {},
    ),
    "builtins": (
        {},
        "import builtins\nbuiltins.check = lambda *a, **k: None\ndel check\n",
        0,
        {},
    ),
    "gradebook": (
        {},
        "import sqlite3\ndb = sqlite3.connect({gradebook!r})\n"
        "db.execute('update grade set auto_score = 1'); db.commit()\n",
        0,
        {},
    ),
    "handler": (
        {},
        "get_ipython().set_custom_exc((Exception,), lambda *a, **k: None)\n",
        0,
        {},
    ),
    "nocells": ({}, "", 0, {}),  # check cells deleted (see test)
    "swap": ({}, "", 0, {}),  # after collection, tries to swap in the solution
    "swapopen": ({}, "", 0, {"sigmoid": "could be changed after collection"}),
    "hang": (
        wrong_only("sigmoid", "while True:\n    pass"),
        "",
        5,
        {"sigmoid": "did not finish within 8 s"},
    ),
    "fork": (
        wrong_only("relu", "import os\nwhile True:\n    os.fork()"),
        "",
        5,
        {"relu": "BlockingIOError"},
    ),
    "memory": (
        wrong_only(
            "leaky_relu",
            "import numpy\nbig = numpy.ones(50 * 2**30 // 8)\nreturn np.where(Z > 0, Z, alpha * Z)",
        ),
        "",
        5,
        {"leaky_relu": "MemoryError"},
    ),
    "disk": (
        wrong_only(
            "linear_forward",
            "with open('/tmp/big', 'wb') as f:\n    for _ in range(10 * 1024):\n"
            "        f.write(bytes(2**20))\nreturn W @ A + b, (A, W, b)",
        ),
        "",
        5,
        {"linear_forward": "File too large"},
    ),
    "peek": (
        wrong_only(
            "linear_activation_forward",
            "import json\nfor path in {peek!r}:\n    try:\n        cells = json.load(open(path))['cells']\n"
            "        break\n    except OSError:\n        pass\n"
            "code = [''.join(c['source']) for c in cells if 'def linear_activation_forward' in ''.join(c['source'])]\n"
            "space = dict(globals())\nexec(code[0], space)\n"
            "return space['linear_activation_forward'](A_prev, W, b, activation)",
        ),
        "",
        5,
        {},
    ),
    "readbook": (
        wrong_only(
            "L_model_forward",
            "open({gradebook!r}, 'rb').read()\nreturn None",
        ),
        "",
        5,
        {"L_model_forward": "FileNotFoundError"},
    ),
    "socket": (
        wrong_only(
            "relu",
            "import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2).sendall(b'x')\n"
            "return np.maximum(Z, 0)",
        ),
        "",
        5,
        {},
    ),
    "setuid": (
        wrong_only("sigmoid", "import os\nos.setuid(0)\nreturn 1 / (1 + np.exp(-Z))"),
        "",
        5,
        {"sigmoid": "PermissionError"},
    ),
    "killer": (
        wrong_only(
            "leaky_relu",
            "import os, signal\nos.kill(-1, signal.SIGKILL)\nos.kill(os.getppid(), signal.SIGKILL)\n"
            "return np.where(Z > 0, Z, alpha * Z)",
        ),
        "",
        5,
        {"leaky_relu": "os.kill"},
    ),
}


@pytest.fixture(scope="module")
def attack(classroom, lesson_grades):
    """Lesson 03 graded once for a class of attackers and one honest student.

    Returns (accounts {role: name}, grades before, grades after, connections the socket
    attack made to the listening server).
    """
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    connections, stop = [], threading.Event()

    def listen():
        while not stop.is_set():
            try:
                connections.append(server.accept())
            except TimeoutError:
                pass

    listener = threading.Thread(target=listen)
    listener.start()
    room = classroom
    names = {role: room.account(role) for role in ATTACKS}
    honest_path = room.course / "submitted" / names["honest"] / ATTACKED / f"{ATTACKED}.ipynb"
    inbound = room.exchange / COURSE_ID / "inbound"
    peek = [str(honest_path), *map(str, inbound.glob(f"{names['honest']}+*/*.ipynb"))]
    fill = {"gradebook": str(room.course / "gradebook.db"), "port": server.getsockname()[1]}
    before = room.grades()
    room.nbgrader("release_assignment", ATTACKED)
    try:
        for role, (answers, prefix, _, _) in ATTACKS.items():
            code = {
                k: v if v is SOLUTION else v.format(**fill, peek=peek) for k, v in answers.items()
            }
            nb = notebook(room.course, ATTACKED, code, prefix.format(**fill), role == "nocells")
            room.submit(names[role], ATTACKED, nb)
        room.classroom("collect", ATTACKED, f"--Exchange.root={room.exchange}")
        solution = room.base / "staged" / f"{names['honest']}-{ATTACKED}.ipynb"
        swapped = {}
        for role in ("swap", "swapopen"):
            collected = room.course / "submitted" / names[role] / ATTACKED
            if role == "swapopen":  # as plain `nbgrader collect` leaves it
                subprocess.run(["chmod", "-R", "a+w", str(collected)], check=True)
            target = collected / f"{ATTACKED}.ipynb"
            done = room.as_student(
                names[role], 'rm -f "$T"; cp "$S" "$T"', T=str(target), S=str(solution)
            )
            swapped[role] = done.returncode == 0
        room.classroom("autograde", ATTACKED, "--seconds", "8")
        after = room.grades()
        room.nbgrader("generate_feedback", ATTACKED)
    finally:
        stop.set()
        listener.join()
        server.close()
    return names, before, after, connections, swapped


@pytest.mark.parametrize("role", list(ATTACKS))
def test_an_attack_earns_its_honest_score(classroom, attack, role):
    names, _, after, _, _ = attack
    _, _, score, verdicts = ATTACKS[role]
    assert after[ATTACKED, names[role]] == score
    for exercise, words in verdicts.items():
        assert words in classroom.verdict(ATTACKED, names[role], exercise)


def test_the_attacks_leave_every_other_row_unchanged(attack):
    names, before, after, _, _ = attack
    assert {k: after[k] for k in before} == before
    new = {k: v for k, v in after.items() if k not in before and k[0] != ATTACKED}
    assert set(new.values()) == {0} and {k[1] for k in new} == set(names.values())


def test_a_sealed_collection_cannot_be_swapped_and_an_open_one_is_not_graded(attack):
    _, _, _, _, swapped = attack
    assert swapped == {"swap": False, "swapopen": True}


def test_feedback_carries_the_checks_messages(classroom, attack):
    names = attack[0]
    folder = classroom.course / "feedback" / names["reference"] / ATTACKED
    page = (folder / f"{ATTACKED}.html").read_text()
    assert "calls nnutils.reference.relu: the exercise is to write it yourself" in page


def test_no_connection_left_the_sandbox(attack):
    assert attack[3] == []


def test_no_sandboxed_process_outlives_grading(attack):
    users = subprocess.run(["ps", "-eo", "uid="], capture_output=True, text=True).stdout.split()
    assert not [uid for uid in map(int, users) if uid >= jail.UID_BASE]


def test_students_are_real_accounts(attack):
    names = attack[0]
    assert all(pwd.getpwnam(name).pw_uid != 0 for name in names.values())
