"""The cells that stopped with an error in this kernel, and what a cell's text defines.

``nnutils.checks`` fills ``FAILED_CELLS`` in IPython (after each cell); a check then tells a
learner whose exercise cell failed (a SyntaxError, any error) that it did, rather than that
the exercise is not written or not defined. Outside a kernel it stays empty.
"""

import collections
import re

# Cells that stopped with an error in this kernel, latest last: (execution count, source, the
# error in one line). Not the error itself: its traceback would keep the cell's arrays alive.
FAILED_CELLS = collections.deque(maxlen=50)


def defines(source, name):
    """True when ``source`` defines ``name`` at its top level: ``def name(``, ``class name``,
    or an assignment such as ``name = ...`` or ``a, name = ...`` (read as text: the source
    may not even parse)."""
    word = re.escape(name)
    target = r"[\w \t,*()\[\]]*"  # one line's assignment targets
    definition = (
        rf"(?:async\s+)?def\s+{word}\s*\(",
        rf"class\s+{word}\b",
        rf"{target}\b{word}\b{target}=(?!=)",
    )
    pattern = rf"^(?![ \t])(?:{'|'.join(definition)})"  # unindented: the cell's top level
    return re.search(pattern, source, re.MULTILINE) is not None


def failed_definition(name):
    """(execution count, error in one line) of the latest failed cell defining ``name``, or None."""
    for count, source, error in reversed(FAILED_CELLS):
        if defines(source, name):
            return count, error
    return None
