"""Course-wide switches read from the environment."""

import os


def autograding():
    """True inside nbgrader's autograder (it sets ``NBGRADER_EXECUTION=autograde`` for the kernel)."""
    return os.environ.get("NBGRADER_EXECUTION") == "autograde"


def quick_mode():
    """True when heavy lessons should run a reduced configuration.

    ``COURSE_QUICK=1`` turns it on (the tests set it) and ``COURSE_QUICK=0`` off; unset,
    it is on while nbgrader executes a notebook (autograde or validate), off otherwise.
    """
    switch = os.environ.get("COURSE_QUICK", "")
    if switch:
        return switch != "0"
    return bool(os.environ.get("NBGRADER_EXECUTION"))
