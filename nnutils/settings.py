"""Course-wide switches read from the environment."""

import os


def quick_mode():
    """True when ``COURSE_QUICK=1``: heavy lessons run a reduced configuration (the tests set it)."""
    return os.environ.get("COURSE_QUICK", "") not in ("", "0")
