"""Helpers for the browser test: a JupyterLab server, headless Chromium, and a notebook page.

What the page shows of a check (its selectors) is defined once, in ``Look`` below.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent

# Debian's chromium; without the background-networking flags its connections are refused.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1024, "height": 768}


@dataclass(frozen=True)
class Look:
    """CSS selectors of what a learner reads; adapt them here when the display changes."""

    # The output that stops a cell: JupyterLab renders an error output as stderr text.
    error = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
    # A failed check's explanation: nnutils' HTML block (CheckResult._repr_html_).
    message = ".nnutils-check.nnutils-fail"
    # A check's green pass.
    passed = ".nnutils-check.nnutils-pass"
    # Plain text outputs (streams and text/plain), where a tqdm bar must not be drawn.
    text = (
        ".jp-OutputArea-output[data-mime-type^='application/vnd.jupyter.std'],"
        " .jp-OutputArea-output[data-mime-type='text/plain']"
    )
    # A tqdm bar drawn as a widget (tqdm.notebook: an HBox holding a progress bar).
    progress_widget = ".jp-OutputArea-output .widget-hprogress, .jp-OutputArea-output progress"

    @property
    def words(self):
        """What a learner reads of a check and a stop, whose words must stay whole."""
        return f"{self.message}, {self.error}"


LOOK = Look()
TRACEBACK_SIGNS = ("Traceback (most recent call last)", "----> ", 'File "', "Cell In[")


def chromium_path():
    """The system's Chromium executable, or None."""
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


def missing():
    """Why the browser test cannot run here (one line), or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return 'Playwright is not installed (pip install -e ".[browser]")'
    if chromium_path() is None:
        return "no Chromium found (apt-get install chromium, or set CHROMIUM=/path/to/chromium)"
    return None


def solution_cell(lesson, exercise):
    """Source of exercise cell ``exercise`` (id or function name) in solutions/``lesson``."""
    nb = nbformat.read(ROOT / "solutions" / lesson, as_version=4)
    for cell in nb.cells:
        if "exercise" not in cell.metadata.get("tags", []):
            continue
        if cell.metadata.get("exercise_id") == exercise or f"def {exercise}(" in cell.source:
            return cell.source
    raise LookupError(f"no exercise {exercise} in solutions/{lesson}")


def exercise_index(lesson, exercise):
    """Index of exercise cell ``exercise`` in notebooks/``lesson``."""
    nb = nbformat.read(ROOT / "notebooks" / lesson, as_version=4)
    for index, cell in enumerate(nb.cells):
        tags = cell.metadata.get("tags", [])
        named = cell.metadata.get("exercise_id") == exercise or f"def {exercise}(" in cell.source
        if "exercise" in tags and named:
            return index
    raise LookupError(f"no exercise {exercise} in notebooks/{lesson}")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Lab:
    """A JupyterLab server on 127.0.0.1 over a temporary copy of notebooks/."""

    def __init__(self):
        self.home = Path(tempfile.mkdtemp(prefix="nnutils-lab-"))
        self.root = self.home / "notebooks"
        shutil.copytree(ROOT / "notebooks", self.root)
        self.log = self.home / "jupyterlab.log"
        self.token = os.urandom(16).hex()
        self.port = None
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/lab?token={self.token}"

    def _env(self):
        """The server's environment: isolated Jupyter folders; no learner settings."""
        env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # inline plots
        for name, sub in (
            ("JUPYTER_CONFIG_DIR", "config"),
            ("JUPYTER_DATA_DIR", "data"),
            ("JUPYTER_RUNTIME_DIR", "runtime"),
            ("JUPYTERLAB_SETTINGS_DIR", "settings"),
            ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
            ("IPYTHONDIR", "ipython"),
        ):
            env[name] = str(self.home / sub)
        env["COURSE_QUICK"] = "1"
        env["OPENBLAS_NUM_THREADS"] = "1"
        news = self.home / "settings/@jupyterlab/apputils-extension"
        news.mkdir(parents=True, exist_ok=True)
        (news / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
        return env

    def _command(self):
        command = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            "--ServerApp.terminals_enabled=False",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
            "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: cells' models and kernel
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")
        return command

    def spawn(self):
        """Start the server on a free port, without waiting for it."""
        self.port = _free_port()
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                self._command(), env=self._env(), stdout=log, stderr=subprocess.STDOUT
            )
        return self

    def wait_ready(self, timeout=90, tries=3):
        """Wait until the API answers; respawn on another port if the server died (a few tries)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tries -= 1
                if tries == 0:
                    break
                self.spawn()
            try:
                self._api("GET", "status")
                return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"JupyterLab did not start; its log:\n{self.log_tail()}")

    def _api(self, method, path):
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/api/{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.read()

    def log_tail(self, lines=40):
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self):
        """Shut the server and its kernels down (only the process this object started)."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            self._api("POST", "shutdown")
            self.process.wait(15)
        except (OSError, subprocess.TimeoutExpired):
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.home, ignore_errors=True)


# --- the page ----------------------------------------------------------------------

NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"
_PANEL = "window.jupyterapp.shell.currentWidget"

# Words (runs of non-space, split after hyphens, dashes and slashes, where normal wrapping
# may break) whose boxes sit on more than one line although the word is narrower than its
# block: a break inside a word that normal wrapping never makes.
BROKEN_WORDS_JS = """
(root) => {
  const broken = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const block = node.parentElement.closest('pre, div, p, li, td') || root;
    const width = block.clientWidth;
    for (const match of node.textContent.matchAll(/[^\\s\\-\u2010\u2013\u2014/]+[\\-\u2010\u2013\u2014/]?/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const rects = [...range.getClientRects()].filter(r => r.width > 0);
      const tops = new Set(rects.map(r => Math.round(r.top)));
      const wide = rects.reduce((sum, r) => sum + r.width, 0);
      if (tops.size > 1 && wide < width) {
        const css = getComputedStyle(block);
        broken.push({word: match[0], lines: tops.size, pieces: rects.length,
                     css: `word-break: ${css.wordBreak}; overflow-wrap: ${css.overflowWrap}`});
      }
    }
  }
  return broken;
}
"""

_IN_VIEW_JS = """
(el, whole_top) => {
  const r = el.getBoundingClientRect();
  const scroller = el.closest('.jp-WindowedPanel-outer') || document.documentElement;
  const s = scroller.getBoundingClientRect();
  const top = Math.max(s.top, 0), bottom = Math.min(s.bottom, window.innerHeight);
  return r.height > 0 && (whole_top ? r.top >= top - 1 : r.bottom > top + 4) && r.top < bottom - 4;
}
"""


class Notebook:
    """A learner's actions on the notebook open in a JupyterLab page."""

    def __init__(self, page):
        self.page = page
        self.lesson = None  # the notebook's file name, once opened

    def open(self, name, timeout=90_000):
        """Open ``name`` from the file browser; wait for its kernel to be idle."""
        self.lesson = name
        self.page.locator(".jp-DirListing-item", has_text=name).dblclick()
        self.page.wait_for_function(
            f"""() => {{ const w = {_PANEL};
                return w && w.context && w.context.path.endsWith({json.dumps(name)})
                    && w.sessionContext.session?.kernel?.status === 'idle'; }}""",
            timeout=timeout,
        )
        self.page.locator(f"{NOTEBOOK} .jp-Cell").first.wait_for()

    def cell(self, index, scroll=True):
        """Locator of cell ``index``, scrolled into view unless ``scroll`` is false."""
        if scroll:
            self.page.evaluate(f"(i) => {_PANEL}.content.scrollToItem(i, 'smart')", index)
        return self.page.locator(f"{NOTEBOOK} .jp-Cell[data-windowed-list-index='{index}']")

    def source(self, index):
        return self.page.evaluate(
            f"(i) => {_PANEL}.content.widgets[i].model.sharedModel.getSource()", index
        )

    def sources(self):
        """Text of every cell."""
        return self.page.evaluate(
            f"() => {_PANEL}.content.widgets.map(c => c.model.sharedModel.getSource())"
        )

    def menu(self, top, item):
        """Click menu ``top``, then its item ``item``."""
        self.page.get_by_role("menuitem", name=top, exact=True).click()
        self.page.get_by_role("menuitem", name=item, exact=True).click()

    def run_all(self, timeout=120_000):
        """Run > Run All Cells; wait until the kernel is done."""
        self.menu("Run", "Run All Cells")
        self.wait_idle(timeout)

    def type_into(self, index, text):
        """Replace cell ``index``'s text as a learner would: select all in its editor, type."""
        editor = self.cell(index).locator(".cm-content")
        editor.click()
        self.page.keyboard.press("ControlOrMeta+a")
        self.page.keyboard.insert_text(text)
        got = self.source(index)
        if got != text:
            raise AssertionError(f"cell {index} holds {got!r} after typing {text!r}")

    def run_cell(self, index, timeout=120_000):
        """Select cell ``index``, press Shift+Enter; wait until it has run."""
        before = self.execution_count(index)
        self.cell(index).locator(".jp-InputPrompt").click()
        self.page.keyboard.press("Shift+Enter")
        self.page.wait_for_function(
            f"""([i, before]) => {{ const m = {_PANEL}.content.widgets[i].model;
                return m.executionCount !== null && m.executionCount !== before; }}""",
            arg=[index, before],
            timeout=timeout,
            polling=100,
        )
        self.wait_idle(timeout)

    def active_cell(self, expected=None, within=3.5):
        """Index of the notebook's active cell (the one Shift+Enter runs); with ``expected``,
        waits up to ``within`` seconds for it to become that one (the stop activates it)."""
        if expected is not None:
            try:
                self.page.wait_for_function(
                    f"(i) => {_PANEL}.content.activeCellIndex === i",
                    arg=expected,
                    timeout=within * 1000,
                    polling=100,
                )
            except Exception:  # noqa: BLE001 - the caller reports the index it got
                pass
        return self.page.evaluate(f"() => {_PANEL}.content.activeCellIndex")

    def cell_count(self):
        return self.page.evaluate(f"() => {_PANEL}.content.widgets.length")

    def execution_count(self, index):
        return self.page.evaluate(f"(i) => {_PANEL}.content.widgets[i].model.executionCount", index)

    def wait_idle(self, timeout=120_000):
        """Wait until the kernel is idle and no cell runs or waits, at two polls 250 ms apart."""
        condition = f"""() => {{ const w = {_PANEL};
            const busy = w.content.widgets.some(c => c.model.type === 'code'
                && (c.model.executionState === 'running'
                    || c.node.querySelector('.jp-InputPrompt')?.textContent.includes('*')));
            return w.sessionContext.session?.kernel?.status === 'idle' && !busy; }}"""
        self.page.wait_for_function(condition, timeout=timeout, polling=100)
        self.page.wait_for_timeout(250)  # outputs render after the kernel's reply
        self.page.wait_for_function(condition, timeout=timeout, polling=100)

    def close(self):
        """Shut the notebook's kernel down and close it, unsaved (teardown, not a learner's step)."""
        self.page.evaluate(
            f"""async () => {{ const w = {_PANEL};
                if (!w || !w.sessionContext) return;
                await w.sessionContext.shutdown();
                w.context.model.dirty = false;
                w.dispose(); }}"""
        )

    def outputs(self, index, selector=".jp-OutputArea-output", scroll=True):
        """Locator of cell ``index``'s outputs matching ``selector``."""
        return self.cell(index, scroll).locator(selector)

    def texts(self, index, selector=".jp-OutputArea-output"):
        """Text of cell ``index``'s outputs matching ``selector`` (rendered or not yet)."""
        return self.outputs(index, selector, scroll=False).all_text_contents()

    def error_cells(self):
        """Indices of the cells whose outputs hold an error (not mere stderr text)."""
        return self.page.evaluate(
            f"""() => {_PANEL}.content.widgets.map((c, i) => [c, i])
                .filter(([c]) => c.model.type === 'code' && c.model.outputs.toJSON()
                    .some(o => o.output_type === 'error'))
                .map(([, i]) => i)"""
        )

    def error_output(self, index, scroll=True):
        """Locator of the error output that stopped cell ``index`` (None if it has none)."""
        k = self.page.evaluate(
            f"""(i) => {_PANEL}.content.widgets[i].model.outputs.toJSON()
                .findIndex(o => o.output_type === 'error')""",
            index,
        )
        if k < 0:
            return None
        children = self.cell(index, scroll).locator(".jp-Cell-outputArea > .jp-OutputArea-child")
        return children.nth(k).locator(".jp-OutputArea-output")

    def in_view(self, locator, within=3.0, top=False):
        """True when ``locator``'s element is (at least partly; with ``top``, from its top edge)
        inside the notebook's viewport, or comes into view within ``within`` seconds (the stop
        scrolls itself into view)."""
        for _ in range(int(within * 10)):
            if locator.evaluate(_IN_VIEW_JS, top):
                return True
            self.page.wait_for_timeout(100)
        return bool(locator.evaluate(_IN_VIEW_JS, top))


def broken_words(locator):
    """Words of ``locator``'s elements that the page breaks across lines."""
    broken = []
    for element in locator.element_handles():
        element.scroll_into_view_if_needed()
        broken += element.evaluate(BROKEN_WORDS_JS)
    return broken


def save_evidence(page, lab, folder):
    """Screenshots of the page (viewport and full) and the JupyterLab log into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    if page is not None:
        try:
            page.screenshot(path=folder / "viewport.png")
            page.screenshot(path=folder / "full.png", full_page=True)
            (folder / "page.html").write_text(page.content())
        except Exception as error:  # a dead page must not hide the test's own failure
            (folder / "screenshot-error.txt").write_text(repr(error))
    if lab is not None and lab.log.exists():
        shutil.copy(lab.log, folder / "jupyterlab.log")
    return folder
