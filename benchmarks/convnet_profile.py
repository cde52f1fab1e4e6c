"""Where lesson 09's training step spends its time, layer by layer, before and after the engine.

    python benchmarks/convnet_profile.py [--images 64] [--rounds 5] [--steps 5]

Times one thread's share of a training step (``--images``: half of the lesson's batch of 128,
as each of two threads computes it) on random images, with a one-thread BLAS, in two ways:
the reference layers the lesson's exercises are checked against (``nnutils.reference``:
``conv_forward``, ``relu``, ``max_pool_forward``, ... and their backward functions, called one
by one as ``convnet_forward`` / ``convnet_backward`` do), after ``flip_and_crop`` as the
trainer used them, and the engine's step that training runs (``flip_and_crop_into`` its input,
then ``nnutils.engine.convstep.ConvNetStep``, its stages timed by its own clock). Each figure
is the best of ``--rounds`` rounds of ``--steps`` steps, in milliseconds per step; products
also in GFLOP/s. Figures only: nothing is asserted.
"""

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "1")

import numpy as np  # noqa: E402
from report import record  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from nnutils import reference as ref  # noqa: E402
from nnutils.engine.augment import (  # noqa: E402
    flip_and_crop,
    flip_and_crop_into,
    random_flips_and_crops,
)
from nnutils.engine.convnet import LESSON_CONFIG, initialize_convnet  # noqa: E402
from nnutils.engine.convstep import ConvNetStep  # noqa: E402


class ReferenceStep:
    """The reference layers, one call at a time, each call's time added to ``timings``."""

    def __init__(self, X, Y, parameters):
        self.rows, self.Y, self.parameters, self.timings = X.reshape(len(X), -1), Y, parameters, {}
        self.rng = np.random.default_rng(1)

    def _timed(self, stage, function, *args, **options):
        start = time.perf_counter()
        result = function(*args, **options)
        self.timings[stage] = self.timings.get(stage, 0.0) + time.perf_counter() - start
        return result

    def run(self):
        batch = self._timed("flip and crop", flip_and_crop, self.rows, self.rng, (3, 32, 32), 4)
        P, L, A, caches = (
            self.parameters,
            len(self.parameters) // 2,
            batch.reshape(-1, 3, 32, 32),
            [],
        )
        for l in range(1, L):
            Z, conv_cache = self._timed(
                f"conv{l} (im2col, product, bias)",
                ref.conv_forward,
                A,
                P[f"W{l}"],
                P[f"b{l}"],
                1,
                1,
            )
            R = self._timed(f"relu{l}", ref.relu, Z)
            A, pool_cache = self._timed(f"pool{l}", ref.max_pool_forward, R, 2, 2)
            caches.append((conv_cache, Z, pool_cache))
        ZL, linear_cache = self._timed(
            "linear, softmax", ref.linear_forward, ref.flatten(A), P[f"W{L}"], P[f"b{L}"]
        )
        AL = self._timed("linear, softmax", ref.softmax, ZL)
        dA, _, _ = self._timed("linear backward", ref.linear_backward, AL - self.Y, linear_cache)
        dA = ref.unflatten(dA, A.shape)
        for l in range(L - 1, 0, -1):
            conv_cache, Z, pool_cache = caches[l - 1]
            dR = self._timed(f"pool{l} backward", ref.max_pool_backward, dA, pool_cache)
            dZ = self._timed(f"relu{l} backward", ref.relu_backward, dR, Z)
            dA, _, _ = self._timed(
                f"conv{l} backward (im2col, products{', col2im' if l > 1 else ''})",
                ref.conv_backward,
                dZ,
                conv_cache,
                input_gradient=l > 1,
            )


class EngineStep:
    """The engine's step on the same images; its stages timed by ``ConvNetStep.timings``."""

    def __init__(self, X, Y, parameters):
        self.Y, self.parameters, self.n = Y, parameters, len(X)
        self.rows, self.rng = X.reshape(len(X), -1), np.random.default_rng(1)
        filters = tuple(parameters[f"W{l}"].shape[0] for l in range(1, len(parameters) // 2))
        self.step = ConvNetStep(self.n, filters, X.shape[1:], X.dtype)
        self.step.timings = self.timings = {}

    def run(self):
        start = time.perf_counter()
        draws = random_flips_and_crops(self.rng, self.n, 4)
        images = self.step.input_images(self.n)
        flip_and_crop_into(images, self.rows, np.arange(self.n), draws, (3, 32, 32), 4)
        self.timings["flip and crop"] = (
            self.timings.get("flip and crop", 0.0) + time.perf_counter() - start
        )
        AL = self.step.forward(self.parameters, self.n)
        self.step.backward(AL, self.Y, self.parameters, self.n)


def best_stages(path, rounds, steps):
    """{stage: best mean seconds per step over the rounds}, and the best total per step."""
    best, totals = {}, []
    for _ in range(rounds):
        path.timings.clear()
        start = time.perf_counter()
        for _ in range(steps):
            path.run()
        totals.append((time.perf_counter() - start) / steps)
        for stage, seconds in path.timings.items():
            best[stage] = min(best.get(stage, np.inf), seconds / steps)
    return best, min(totals)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=LESSON_CONFIG["batch_size"] // 2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    filters, m = LESSON_CONFIG["filters"], args.images
    parameters = initialize_convnet(filters, rng=rng)
    X = rng.standard_normal((m, 3, 32, 32)).astype(np.float32)
    Y = ref.one_hot(rng.integers(0, 10, m), 10, np.float32)
    F1, F2 = filters
    products = {  # FLOPs of each product of the engine's step
        "conv1 product": 2 * F1 * 27 * 1024 * m,
        "conv1 dW product": 2 * F1 * 27 * 1024 * m,
        "conv2 product": 2 * F2 * F1 * 9 * 256 * m,
        "conv2 dW product": 2 * F2 * F1 * 9 * 256 * m,
    }
    paths = {"reference layers": ReferenceStep, "engine": EngineStep}
    rows = []
    with threadpool_limits(1, user_api="blas"):
        for name, make in paths.items():
            path = make(X, Y, parameters)
            path.run()  # warm-up
            stages, total = best_stages(path, args.rounds, args.steps)
            print(f"{name}: {total * 1e3:.1f} ms per step of {m} images on one thread")
            rows.append((f"{name}: one step of {m} images, one thread", f"{total * 1e3:.1f} ms"))
            for stage, seconds in stages.items():
                rate = (
                    f", {products[stage] / seconds / 1e9:.0f} GFLOP/s" if stage in products else ""
                )
                print(f"  {stage:45s} {seconds * 1e3:7.2f} ms{rate}")
                rows.append((f"{name}: {stage}", f"{seconds * 1e3:.2f} ms{rate}"))
    record("convnet_profile", rows)


if __name__ == "__main__":
    main()
