"""Test-wide settings, inherited by the kernels that nbval and nbclient start."""

import os

os.environ["MPLBACKEND"] = "Agg"
os.environ["COURSE_QUICK"] = "1"
