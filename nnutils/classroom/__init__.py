"""Teaching a class with nbgrader: ``python -m nnutils.classroom`` (see its ``--help``)."""
