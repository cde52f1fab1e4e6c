"""A class on JupyterHub as its users meet it, in headless Chromium, with real Unix accounts.

As root: an instructor and two students (accounts ``nnh-*``, removed afterwards), the
class set up by ``python -m nnutils.classroom setup`` (the documented recipe, see
TEACHING.md), JupyterHub on 127.0.0.1. The instructor releases lesson 03; student 1 signs
in, fetches it in the Assignments panel, answers with one exercise wrong, validates and
submits; the instructor collects and grades; student 1 fetches the feedback and reads the
wrong exercise's message. Student 2 then tries, with its own rights, to read what is not
its own. Needs root, JupyterHub, npm's configurable-http-proxy, Playwright and Chromium;
skips without them, except in CI (``CI=true``), where they are mandatory. On failure the
screenshots, the hub's log and the grading output go to ``browser-artifacts/class-hub/``.
"""

import csv
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from nnutils.classroom import setup as class_setup
from tests.browser import (
    CHROMIUM_ARGS,
    NOTEBOOK,
    ROOT,
    VIEWPORT,
    Notebook,
    _free_port,
    chromium_path,
    missing,
)

pytestmark = pytest.mark.browser

ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS", ROOT / "browser-artifacts")) / "class-hub"
# The course environment the class runs from: it must be runnable by every account (one
# made from a Python outside root's home); .ci/run makes one and names it here.
CLASS_ENV = Path(os.environ.get("NNUTILS_CLASS_ENV", sys.prefix))
BIN = CLASS_ENV / "bin"
PANEL = "window.jupyterapp.shell.currentWidget"
INSTRUCTOR = "nnh-teacher"
STUDENT_1, STUDENT_2 = "nnh-s1", "nnh-s2"
GROUP = "nnh-class"
LESSON = "03_forward"
# The wrong answer: linear_forward without its bias; its check names the mistake.
WRONG = ("linear_forward", "Z = W @ A + b", "Z = W @ A", "Z is missing the bias b")

# The instructor's commands, exactly as TEACHING.md gives them (a test checks they are there).
RELEASE = (
    "python -m nnutils.classroom source ~/nn-course",
    f"nbgrader generate_assignment {LESSON}",
    f"nbgrader release_assignment {LESSON}",
)
GRADE = (
    f"python -m nnutils.classroom collect {LESSON}",
    f"python -m nnutils.classroom autograde {LESSON}",
    f"nbgrader generate_feedback {LESSON}",
    f"nbgrader release_feedback {LESSON}",
    "nbgrader export --to grades.csv",
)


def require_class():
    """Skip (fail in CI) when root or a tool of the class is missing."""
    reasons = [missing()] if missing() else []
    if os.geteuid() != 0:
        reasons.append("needs root (accounts, the hub)")
    if not (BIN / "python").exists():
        reasons.append(f"no course environment at {CLASS_ENV} (NNUTILS_CLASS_ENV)")
    else:
        needs = "from nnutils.classroom.setup import needs; print(*needs(), sep='\\n')"
        done = run(str(BIN / "python"), "-c", needs, check=False)
        lines = done.stdout.splitlines() if done.returncode == 0 else [done.stderr[-300:]]
        reasons += [need for need in lines if need and not need.startswith("root")]
    reasons += [
        f"no {tool}" for tool in ("useradd", "runuser", "chpasswd") if not shutil.which(tool)
    ]
    if reasons:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the class test is mandatory in CI: {'; '.join(reasons)}")
        pytest.skip("; ".join(reasons))


def run(*command, check=True, **kwargs):
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def remove_accounts():
    """Remove this test's accounts and group (names starting nnh-), if a run left them."""
    for name in (INSTRUCTOR, STUDENT_1, STUDENT_2):
        if run("id", name, check=False).returncode == 0:
            run("userdel", "-r", "-f", name, check=False)
    if run("getent", "group", GROUP, check=False).returncode == 0:
        run("groupdel", GROUP, check=False)


def as_user(user, shell_command, cwd=None, role="student", config_dir=None):
    """Run ``shell_command`` as ``user`` with only that user's rights, in the environment the
    hub gives that user's terminals (the course's PATH, the role's Jupyter config)."""
    home = os.path.expanduser(f"~{user}")
    env = {
        "HOME": home,
        "USER": user,
        "PATH": f"{BIN}:/usr/local/bin:/usr/bin:/bin",
        "COURSE_QUICK": "1",
        "LANG": "C.UTF-8",
    }
    if config_dir is not None:
        env["JUPYTER_CONFIG_PATH"] = str(class_setup.role_config_dir(config_dir, role))
    return subprocess.run(
        [shutil.which("runuser"), "-u", user, "--", "bash", "-c", shell_command],
        cwd=cwd or home,
        env=env,
        capture_output=True,
        text=True,
    )


class Steps:
    """Each step's wall time, printed at the end (measured, never asserted)."""

    def __init__(self):
        self.times = []

    def __call__(self, name):
        self.times.append((name, time.monotonic()))

    def report(self):
        marks = [*self.times, ("end", time.monotonic())]
        return "\n".join(
            f"  {name:<44} {later - start:6.1f} s"
            for (name, start), (_, later) in zip(marks, marks[1:], strict=False)
        )


class Hub:
    """JupyterHub started from the class's own jupyterhub_config.py, on free local ports."""

    def __init__(self, config, folder):
        self.config, self.log = config, folder / "jupyterhub.log"
        self.port = _free_port()
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=60):
        command = [
            str(BIN / "jupyterhub"),
            "-f",
            str(self.config),
            "--ip=127.0.0.1",
            f"--port={self.port}",
            f"--JupyterHub.hub_port={_free_port()}",
            f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{_free_port()}",
            # The test's own: a page the test can script, and no call out of this machine.
            "--Spawner.args=--LabApp.expose_app_in_browser=True",
            "--Spawner.args=--LabApp.news_url=None",
            "--Spawner.args=--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]
        env = {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{self.url}/hub/api/", timeout=2):
                    return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"JupyterHub did not start; its log:\n{self.log.read_text()[-3000:]}")

    def stop(self):
        """Stop the hub (it stops the servers it spawned, and its proxy)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def place():
    """A folder for the class's exchange, data and configuration, reachable by its users."""
    require_class()
    folder = Path(tempfile.mkdtemp(prefix="nnh-class-"))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def accounts(place):
    """The instructor and two students, with passwords; removed afterwards."""
    remove_accounts()
    run("groupadd", GROUP)
    passwords = {}
    for name in (INSTRUCTOR, STUDENT_1, STUDENT_2):
        groups = [] if name == INSTRUCTOR else ["-G", GROUP]
        run("useradd", "-m", "-K", "HOME_MODE=0700", "-s", "/bin/bash", *groups, name)
        passwords[name] = secrets.token_urlsafe(12)
    run("chpasswd", input="".join(f"{n}:{p}\n" for n, p in passwords.items()))
    yield passwords
    remove_accounts()


def save_evidence(pages, hub, folder):
    folder.mkdir(parents=True, exist_ok=True)
    for name, page in pages.items():
        try:
            page.screenshot(path=folder / f"{name}.png", full_page=True)
            (folder / f"{name}.html").write_text(page.content())
        except Exception as error:  # a dead page must not hide the test's own failure
            (folder / f"{name}-screenshot-error.txt").write_text(repr(error))
    if hub is not None and hub.log.exists():
        shutil.copy(hub.log, folder / "jupyterhub.log")
    return folder


def sign_in(browser, hub, user, password):
    """A student's page: the hub's login form, then their JupyterLab once it has started."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", password)
    page.click("#login_submit")
    page.wait_for_url(f"**/user/{user}/lab**", timeout=120_000)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started", timeout=60_000)
    page.locator(".jp-DirListing-content").wait_for()
    return page


def menu_items(page, top):
    """Labels of menu ``top``'s items (the menu is opened and closed again)."""
    page.get_by_role("menuitem", name=top, exact=True).click()
    items = page.locator(".lm-Menu:not(.lm-MenuBar) .lm-Menu-itemLabel").all_text_contents()
    page.keyboard.press("Escape")
    return [item.strip() for item in items if item.strip()]


def open_assignments(page):
    page.get_by_role("menuitem", name="Nbgrader", exact=True).click()
    page.get_by_role("menuitem", name="Assignment List", exact=True).click()
    panel = page.locator("#nbgrader-assignment-list")
    panel.wait_for()
    return panel


def solution_cells():
    """[(index, exercise id, solution cell source)] of the lesson's exercise cells; nbgrader's
    release keeps every cell in its place, so the index is the released notebook's too."""
    nb = nbformat.read(ROOT / "solutions" / f"{LESSON}.ipynb", as_version=4)
    return [
        (
            index,
            cell.metadata.get("exercise_id") or cell.source.split("def ", 1)[1].split("(")[0],
            cell.source,
        )
        for index, cell in enumerate(nb.cells)
        if "exercise" in cell.metadata.get("tags", [])
    ]


def test_the_recipe_is_the_documented_one():
    """Every instructor command this test runs is in TEACHING.md, word for word."""
    teaching = (ROOT / "TEACHING.md").read_text()
    for command in (*RELEASE, *GRADE, "python -m nnutils.classroom setup --instructor"):
        assert command in teaching, f"TEACHING.md does not give `{command}`"


def test_a_class_on_jupyterhub(place, accounts):
    steps = Steps()
    pages, hubs = {}, []
    try:
        _class(place, accounts, steps, pages, hubs)
    except BaseException:
        if hubs:  # the hub's log; the pages' screenshots were taken where they failed
            save_evidence({}, hubs[0], ARTIFACTS)
        raise
    finally:
        print("\nclass on JupyterHub, each step:\n" + steps.report())
        for page in pages.values():
            page.context.close()
        for hub in hubs:
            hub.stop()


def _class(place, passwords, steps, pages, hubs):
    from playwright.sync_api import sync_playwright

    config_dir, exchange, data = place / "etc", place / "exchange", place / "data"
    course = Path(os.path.expanduser(f"~{INSTRUCTOR}")) / "nn-course"

    steps("setup (as root)")
    run(
        str(BIN / "python"),
        "-m",
        "nnutils.classroom",
        "setup",
        f"--instructor={INSTRUCTOR}",
        f"--students={GROUP}",
        f"--exchange={exchange}",
        f"--data={data}",
        f"--config-dir={config_dir}",
    )

    steps("instructor: source, generate, release")
    for command in RELEASE:
        done = as_user(INSTRUCTOR, command, cwd=course, role="instructor", config_dir=config_dir)
        assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"

    steps("hub starts")
    hub = Hub(class_setup.hub_config_path(config_dir), place)
    hubs.append(hub)
    hub.start()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            _in_browser(browser, hub, passwords, steps, pages, course, exchange, config_dir)
        except BaseException:
            folder = save_evidence(pages, hub, ARTIFACTS)
            print(f"\nscreenshots and the hub's log in {folder}")
            raise
        finally:
            for page in pages.values():
                page.context.close()
            pages.clear()
            browser.close()


def _in_browser(browser, hub, passwords, steps, pages, course, exchange, config_dir):
    steps("student 1 signs in; the server starts")
    page = pages["student-1"] = sign_in(browser, hub, STUDENT_1, passwords[STUDENT_1])

    steps("student 1's menus")
    commands = page.evaluate(
        "() => ['nbgrader:open-assignment-list', 'nbgrader:open-formgrader',"
        " 'nbgrader:open-create-assignment'].filter(c => window.jupyterapp.commands.hasCommand(c))"
    )
    assert commands == ["nbgrader:open-assignment-list"], f"the student's Lab has {commands}"
    items = menu_items(page, "Nbgrader")
    assert "Assignment List" in items, f"no Assignments panel in the Nbgrader menu: {items}"
    shown = [item for item in items if "formgrader" in item.lower() or "create" in item.lower()]
    assert not shown, f"the student's Nbgrader menu offers {shown}"
    formgrader = page.request.get(f"{hub.url}/user/{STUDENT_1}/formgrader")
    assert formgrader.status == 404, f"the student's server serves Formgrader ({formgrader.status})"

    steps("student 1 fetches the lesson")
    panel = open_assignments(page)
    released = panel.locator("#released_assignments_list")
    released.locator(".list_item:not(.nested_list_item)", has_text=LESSON).locator(
        "button", has_text="Fetch"
    ).click()
    fetched = panel.locator(
        "#fetched_assignments_list .list_item:not(.nested_list_item)", has_text=LESSON
    )
    fetched.wait_for()

    steps("student 1 answers, one exercise wrong")
    page.locator(
        ".jp-DirListing-item", has_text=LESSON
    ).dblclick()  # their home, in the file browser
    notebook = Notebook(page)
    notebook.open(f"{LESSON}.ipynb")
    name, right, wrong, message = WRONG
    for index, exercise, source in solution_cells():
        if exercise == name:
            assert right in source, f"the solution's {name} changed: update WRONG"
            source = source.replace(right, wrong)
        notebook.type_into(index, source)
    page.keyboard.press("ControlOrMeta+s")
    page.wait_for_function(f"() => !{PANEL}.context.model.dirty")

    steps("student 1 validates")
    page.locator(f"{NOTEBOOK} .validate-button").click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=180_000)
    verdict = dialog.text_content()
    assert name in verdict and "failed" in verdict.lower(), f"Validate says: {verdict[:600]!r}"
    dialog.locator("button").last.click()

    steps("student 1 submits")
    page.get_by_role("tab", name="Assignments").click()
    fetched.locator("button", has_text="Submit").click()
    panel.locator(
        "#submitted_assignments_list .list_item:not(.nested_list_item)", has_text=LESSON
    ).wait_for()

    steps("instructor: collect, grade, feedback")
    for command in GRADE:
        done = as_user(INSTRUCTOR, command, cwd=course, role="instructor", config_dir=config_dir)
        assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
    with open(course / "grades.csv", newline="") as table:
        rows = [r for r in csv.DictReader(table) if r["student_id"] == STUDENT_1]
    scores = [(r["assignment"], float(r["score"]), float(r["max_score"])) for r in rows]
    points = len(solution_cells())
    assert scores == [(LESSON, points - 1.0, float(points))], (
        f"the gradebook holds {scores}, not {LESSON} {points - 1} / {points}"
    )

    steps("student 1 fetches and reads the feedback")
    page.get_by_role("tab", name="Assignments").click()
    submitted = panel.locator(
        "#submitted_assignments_list .list_item:not(.nested_list_item)", has_text=LESSON
    )
    submitted.locator("button", has_text="Fetch Feedback").click()
    view = submitted.locator("a", has_text="view feedback")
    view.wait_for()
    view.click()  # the file browser goes to the feedback folder
    page.locator(".jp-DirListing-item", has_text=f"{LESSON}.html").dblclick()
    body = page.frame_locator(".jp-HTMLViewer iframe").locator("body")
    body.filter(has_text=LESSON).wait_for()  # the viewer fills its frame after it opens
    text = body.inner_text()
    assert message in text, f"the feedback does not show {message!r}"
    assert f"{points - 1:.1f} / {points:.1f}" in text, f"the feedback's score: {text[:300]!r}"

    steps("student 2 tries what is not theirs")
    attacks(course, exchange, config_dir)


def attacks(course, exchange, config_dir):
    """Student 2, with its own rights, reads and writes where it must not; a read it may make
    (the released lesson) shows that the attempts really run as student 2."""
    box = exchange / class_setup.COURSE_ID
    home_1 = Path(os.path.expanduser(f"~{STUDENT_1}"))
    allowed = as_user(STUDENT_2, f"cat {box}/outbound/{LESSON}/{LESSON}.ipynb >/dev/null")
    assert allowed.returncode == 0, f"student 2 cannot read the released lesson: {allowed.stderr}"
    denied = {
        "list the exchange's submissions": f"ls {box}/inbound",
        "list the exchange's feedback": f"ls {box}/feedback",
        "find student 1's submission": f"cat {box}/inbound/{STUDENT_1}+*/{LESSON}.ipynb",
        "read student 1's work": f"cat {home_1}/{LESSON}/{LESSON}.ipynb",
        "list student 1's submission copies": f"ls {home_1}/.local/share/jupyter",
        "read the gradebook": f"cat {course}/gradebook.db",
        "read the course source": f"cat {course}/source/{LESSON}/{LESSON}.ipynb",
        "read the collected submission": f"cat {course}/submitted/{STUDENT_1}/{LESSON}/{LESSON}.ipynb",
        "write into the collected submission": f"touch {course}/submitted/{STUDENT_1}/{LESSON}/x",
        "write into the graded submission": f"touch {course}/autograded/{STUDENT_1}/{LESSON}/x",
        "write into the shared data": f"touch {exchange.parent / 'data'}/x",
    }
    hidden = sorted((box / "inbound").glob(f"{STUDENT_1}+{LESSON}+*"))
    assert hidden, "student 1's submission is not in the exchange"
    got = {}
    for what, command in denied.items():
        done = as_user(STUDENT_2, command)
        # Refused by the file system; the glob finds nothing, since inbound cannot be listed.
        refused = "Permission denied" in done.stderr or (
            what.startswith("find") and "No such file" in done.stderr
        )
        got[what] = "denied" if done.returncode != 0 and refused else "ALLOWED"
        print(f"  student 2: {what:<38} {got[what]}: {done.stderr.strip()[:90]}")
    assert all(v == "denied" for v in got.values()), f"student 2 could: {got}"
    known = as_user(STUDENT_2, f"cat {hidden[0]}/{LESSON}.ipynb >/dev/null")
    print(f"  student 2, given the random name: {'reads' if known.returncode == 0 else 'denied'}")
    submissions = [p.name for p in (box / "inbound").iterdir()]
    assert all(len(s.split("+")[-1]) >= 12 for s in submissions), submissions
