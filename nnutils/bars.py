"""The progress bar of the lessons' training loops. No solution code: the class grader's
sandbox imports it as it is."""

from tqdm.auto import trange


def progress_range(num_iterations, progress=True):
    """range(num_iterations); with ``progress``, a tqdm.auto bar shown once a run passes a second.

    The training loops of lesson 07 iterate over it: ``for i in progress_range(n, progress):``.
    """
    if not progress:
        return range(num_iterations)
    return trange(num_iterations, delay=1.0, desc="training", leave=False)
