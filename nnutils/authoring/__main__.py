"""``python -m nnutils.authoring``: regenerate ``notebooks/`` and the outline from ``solutions/``."""

import argparse

from nnutils.authoring.generate import __doc__ as GENERATE_DOC
from nnutils.authoring.generate import regenerate

argparse.ArgumentParser(prog="python -m nnutils.authoring", description=GENERATE_DOC).parse_args()
regenerate()
