"""How results look: one palette, the HTML of a check's verdict and the IPython lookup.

Used by the checks (``nnutils.grading.api``, ``nnutils.checks``) and the progress table.
Plain text outside Jupyter; HTML that wraps between words inside it.
"""

import html

PALETTE = {"pass": "#1a7f37", "fail": "#cf222e", "note": "#9a6700", "muted": "#6e7781"}
BODY_COLOR = "#1f2328"
# Sentences wrap between words; evidence (arrays) keeps its layout and scrolls if wide.
TEXT_STYLE = "white-space:normal;word-break:normal;overflow-wrap:break-word"
PRE_STYLE = "margin:4px 0;white-space:pre;overflow-x:auto;word-break:normal"
# After "Run All", JupyterLab shows the last cell and makes it the active one. Bring the outputs
# of the cell where the run stopped into view (with the exercise cell above them, from its
# first line, when both fit in the window), again once figures above have rendered, and make
# the exercise to fix the active cell, so that Shift+Enter runs it: the cell above when the stop
# is a check cell (its text starts with "check("), else the stopped cell itself. Focusing a cell
# is how a click selects it (JupyterLab's notebook activates the cell that takes the focus).
# Never after the learner has clicked, typed or scrolled. JupyterLab runs the scripts of
# outputs it trusts only (those made in this session).
SCROLL_HERE = (
    "<script>(function () { var script = document.currentScript, timers = [];"
    " var inputs = ['mousedown', 'keydown', 'wheel', 'touchstart'];"
    " function stop() { timers.forEach(clearTimeout);"
    " inputs.forEach(function (e) { document.removeEventListener(e, stop, true); }); }"
    " function exercise(cell) { var text = cell.querySelector('.jp-InputArea .cm-content');"
    " var above = cell.previousElementSibling;"
    " var isCheck = text && /^\\s*check\\(/.test(text.textContent);"
    " return isCheck && above && above.classList.contains('jp-Cell') ? above : cell; }"
    " function show() { var cell = script && script.closest('.jp-Cell');"
    " var outputs = cell && cell.querySelector('.jp-Cell-outputWrapper');"
    " var target = cell && exercise(cell);"
    " if (outputs) { outputs.scrollIntoView({block: 'nearest'});"
    " var view = target.closest('.jp-WindowedPanel-outer') || document.documentElement;"
    " var both = outputs.getBoundingClientRect().bottom - target.getBoundingClientRect().top;"
    " if (target !== cell && both < view.clientHeight) { target.scrollIntoView({block: 'start'}); } }"
    " if (target && document.activeElement !== target) { target.focus({preventScroll: true}); } }"
    " inputs.forEach(function (e) { document.addEventListener(e, stop, true); });"
    " timers = [50, 400, 1500, 3000].map(function (ms) { return setTimeout(show, ms); });"
    " timers.push(setTimeout(stop, 3100)); })();</script>"
)


def _notes_html(notes):
    return "".join(
        f"<div style='color:{PALETTE['note']};font-weight:400;{TEXT_STYLE}'>"
        f"note: {html.escape(n)}</div>"
        for n in notes
    )


def pass_html(line, notes):
    """A passed check: its one line (``line``) and its remarks."""
    return (
        f'<div class="nnutils-check nnutils-pass" style="color:{PALETTE["pass"]};'
        f'font-weight:600;{TEXT_STYLE}">{html.escape(line)}{_notes_html(notes)}</div>'
    )


def fail_html(exercise, messages, notes):
    """A failed check: the mistake (``messages[0]``), its evidence, notes, and the scroll script."""
    body = "".join(
        f"<pre style='{PRE_STYLE}'>{html.escape(m)}</pre>"
        if "\n" in m
        else f"<div style='{TEXT_STYLE}'>{html.escape(m)}</div>"
        for m in messages[1:]
    )
    return (
        f'<div class="nnutils-check nnutils-fail" style="border-left:4px solid {PALETTE["fail"]};'
        f'padding:4px 8px;color:{PALETTE["fail"]};{TEXT_STYLE}">'
        f"<div><b>\N{BALLOT X} {html.escape(exercise)}</b>: {html.escape(messages[0])}</div>"
        f"<div style='color:{BODY_COLOR}'>{body}</div>{_notes_html(notes)}</div>{SCROLL_HERE}"
    )


def shell():
    """The running IPython shell, or None (plain Python, or IPython not installed)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def show(obj, *, print_outside=True):
    """Display ``obj`` as rich output in IPython; outside it, print it (if ``print_outside``)."""
    if shell() is None:
        if print_outside:
            print(obj)
        return
    from IPython.display import display

    display(obj)
