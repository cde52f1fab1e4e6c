"""Training throughput of the course's code path against PyTorch on the CPU.

    python benchmarks/mlp_throughput.py [--steps 40] [--rounds 3]

Trains the 3072-1024-1024-10 MLP (ReLU, softmax cross-entropy, batch 256,
momentum) with ``nnutils.train.train_step`` (the reference functions of the
lessons) and, when PyTorch is installed, with the equivalent torch model, in
alternating rounds after a warm-up. Prints samples/s, their ratio, the achieved
FLOP/s (6 x parameters x samples/s) and its ratio to this machine's float32
GEMM peak measured in the same run. Figures only: nothing is asserted.
"""

import argparse
import os
import time

# Let BLAS threads sleep right after each matrix product (OpenBLAS reads this when
# NumPy loads it) so that the update's own threads get the cores.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "1")

import numpy as np  # noqa: E402

from nnutils import reference as ref  # noqa: E402
from nnutils.train import Optimizer, train_step  # noqa: E402

LAYERS = [3072, 1024, 1024, 10]
BATCH = 256
POOL = 8192  # rows the mini-batches are drawn from


def parameter_count(layers=LAYERS):
    return sum(n * n_prev + n for n_prev, n in zip(layers[:-1], layers[1:], strict=True))


def gemm_peak(dtype, n=2048, repeats=5):
    """Best float FLOP/s of an n x n matrix product with NumPy's BLAS."""
    a = np.random.default_rng(0).standard_normal((n, n)).astype(dtype)
    b = a.T.copy()
    a @ b
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2 * n**3 / best


def _timed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


class CoursePath:
    """The lesson-08 training step, on random data of ``dtype``."""

    def __init__(self, dtype, rng):
        self.rows = rng.standard_normal((POOL, LAYERS[0])).astype(dtype)
        self.labels = rng.integers(0, LAYERS[-1], POOL)
        self.parameters = ref.initialize_parameters_deep(LAYERS, rng, dtype=dtype)
        self.optimizer = Optimizer("momentum", self.parameters)
        self.rng = rng

    def run(self, steps):
        for _ in range(steps):
            idx = self.rng.integers(0, POOL, BATCH)
            self.parameters, _, _ = train_step(
                self.parameters, self.rows[idx], self.labels[idx], self.optimizer, 0.01
            )


class TorchPath:
    """The same model and optimiser in PyTorch."""

    def __init__(self, torch, rng):
        self.torch = torch
        torch.set_num_threads(os.cpu_count())
        layers = []
        for n_prev, n in zip(LAYERS[:-1], LAYERS[1:], strict=True):
            layers += [torch.nn.Linear(n_prev, n), torch.nn.ReLU()]
        self.model = torch.nn.Sequential(*layers[:-1])
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.01, momentum=0.9)
        self.loss = torch.nn.CrossEntropyLoss()
        self.rows = torch.from_numpy(rng.standard_normal((POOL, LAYERS[0])).astype(np.float32))
        self.labels = torch.from_numpy(rng.integers(0, LAYERS[-1], POOL))
        self.rng = rng

    def run(self, steps):
        for _ in range(steps):
            idx = self.torch.from_numpy(self.rng.integers(0, POOL, BATCH))
            self.optimizer.zero_grad(set_to_none=True)
            self.loss(self.model(self.rows[idx]), self.labels[idx]).backward()
            self.optimizer.step()


def throughput(path, steps):
    return steps * BATCH / _timed(lambda: path.run(steps))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40, help="steps per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    paths = {
        "numpy float32": CoursePath(np.float32, rng),
        "numpy float64": CoursePath(np.float64, rng),
    }
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed: measuring the course's code path only.")
    else:
        paths["torch float32"] = TorchPath(torch, rng)
    for path in paths.values():
        path.run(5)  # warm-up
    best = dict.fromkeys(paths, 0.0)
    for _ in range(args.rounds):
        for name, path in paths.items():
            best[name] = max(best[name], throughput(path, args.steps))
    peak32 = gemm_peak(np.float32)
    peak64 = gemm_peak(np.float64)
    flops_per_sample = 6 * parameter_count()
    print(
        f"MLP {LAYERS}, batch {BATCH}, {os.cpu_count()} cores, best of {args.rounds} rounds of {args.steps} steps"
    )
    print(
        f"GEMM peak (NumPy BLAS): float32 {peak32 / 1e9:.1f} GFLOP/s, float64 {peak64 / 1e9:.1f} GFLOP/s"
    )
    for name, samples in best.items():
        flops = samples * flops_per_sample
        peak = peak64 if "64" in name else peak32
        print(
            f"{name:14s} {samples:8.0f} samples/s  {flops / 1e9:6.1f} GFLOP/s  {flops / peak:5.0%} of GEMM peak"
        )
    if "torch float32" in best:
        print(
            f"ratio numpy float32 / torch float32: {best['numpy float32'] / best['torch float32']:.2f}"
        )
    print(
        f"ratio numpy float64 / numpy float32: {best['numpy float64'] / best['numpy float32']:.2f}"
    )


if __name__ == "__main__":
    main()
