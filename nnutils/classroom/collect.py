"""``python -m nnutils.classroom collect LESSON``: ``nbgrader collect``, then seal what it collected.

``nbgrader submit`` leaves each submission folder writable by everyone (so that the instructor
can delete it) and ``nbgrader collect`` copies that mode into ``submitted/``: until sealed, a
student can swap their collected notebook. Sealing removes the write permission of group and
others from every collected folder and file of the lesson, at once after collection; the
class grader (``autograde``) grades no submission that others can still write.
"""

import os
import stat
import subprocess
import sys
from pathlib import Path


def seal(folder):
    """Remove group and other write permission from ``folder`` and everything in it."""
    for root, folders, files in os.walk(folder):
        for name in [root, *(os.path.join(root, f) for f in folders + files)]:
            info = os.lstat(name)
            if not stat.S_ISLNK(info.st_mode):
                os.chmod(name, stat.S_IMODE(info.st_mode) & ~0o022)


def collect(course, lesson_name, nbgrader_args=()):
    """Run ``nbgrader collect LESSON`` in ``course``, then seal every collected copy."""
    command = [sys.executable, "-m", "nbgrader", "collect", lesson_name, *nbgrader_args]
    subprocess.run(command, cwd=course, check=True)
    for folder in sorted(Path(course, "submitted").glob(f"*/{lesson_name}")):
        seal(folder)
