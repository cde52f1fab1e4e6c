"""One progress bar over a long computation made of named stages (lesson 08's preprocessing).

A stage such as an eigendecomposition reports no progress of its own: the bar moves when
it ends, by the share of the time it is expected to take (its weight), so that the bar's
estimate of the time left holds after the first stage.
"""

from .train import progress_bar

BAR_FORMAT = "{desc}: {percentage:3.0f}%|{bar}| [{elapsed}<{remaining}]"


class Stages:
    """A tqdm bar named ``desc`` over stages ``weights`` ({name: expected share of the time}).

    ``start(name)`` ends the running stage and names the next one on the bar; ``advance``
    moves within a stage by a fraction of its weight; ``close`` (or leaving a ``with``
    block) ends the last. The bar appears at 0% as soon as the object is made.
    """

    def __init__(self, weights, desc, disable=False, **options):
        self.weights = dict(weights)
        self.desc, self.current, self.done = desc, None, 0.0
        total = sum(self.weights.values())
        self.bar = progress_bar(total, desc=desc, disable=disable, bar_format=BAR_FORMAT, **options)
        self.bar.refresh()

    def _move_to(self, position):
        self.bar.update(max(position - self.bar.n, 0))

    def start(self, name):
        """End the running stage and start ``name`` (one of the weights' keys)."""
        self.finish()
        self.current = name
        self.bar.set_description_str(f"{self.desc}: {name}", refresh=True)

    def advance(self, fraction):
        """Mark ``fraction`` (0 to 1) of the running stage as done."""
        self._move_to(self.done + fraction * self.weights[self.current])

    def finish(self):
        """End the running stage: the bar moves by its whole weight."""
        if self.current is not None:
            self.done += self.weights[self.current]
            self._move_to(self.done)
            self.current = None

    def close(self):
        self.finish()
        self.bar.set_description_str(self.desc)
        self.bar.close()

    def __enter__(self):
        return self

    def __exit__(self, *error):
        self.close()
