"""Training throughput of the course's code path against PyTorch on the CPU.

    python benchmarks/mlp_throughput.py [--steps 40] [--rounds 3] [--batch B]

Trains lesson 08's 3072-1024-1024-10 MLP (ReLU, softmax cross-entropy with the lesson's
label smoothing, momentum with its weight decay, mini-batches of ``LESSON_CONFIG``'s size
unless ``--batch`` says otherwise) with ``nnutils.engine.train.train_step`` (the reference
forward pass of the lessons; the backward pass with the update riding on the weight-gradient
products, ``nnutils.engine.fused``) and, when
PyTorch is installed, with the equivalent torch model, in alternating rounds after
a warm-up. Prints samples/s, their ratio, the achieved FLOP/s (6 x parameters x
samples/s) and the FLOPs actually performed (less the input gradient, which neither
path computes) as a fraction of this machine's float32 GEMM peak, measured in the
same run (in every round, the best counts, as for the throughputs).

It also times the step's eight matrix products alone, in NumPy and in PyTorch,
on the same arrays: NumPy's products alone bound what any NumPy code can reach,
and comparing the two shows how much of the gap is the BLAS library (NumPy's
OpenBLAS against the MKL of PyTorch's x86 wheels) rather than the course's
code. Figures only: nothing is asserted.
"""

import argparse
import os

# Let BLAS threads sleep right after each matrix product (OpenBLAS reads this when
# NumPy loads it) so that the update's own threads get the cores.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "1")

import numpy as np  # noqa: E402
from report import gemm_peak, record, timed  # noqa: E402

from nnutils import reference as ref  # noqa: E402
from nnutils.engine.train import LESSON_CONFIG, Optimizer, train_step  # noqa: E402

LAYERS = LESSON_CONFIG["layer_dims"]
POOL = 8192  # rows the mini-batches are drawn from


def parameter_count(layers=LAYERS):
    return sum(n * n_prev + n for n_prev, n in zip(layers[:-1], layers[1:], strict=True))


def performed_flops_per_sample(layers=LAYERS):
    """6 x parameters, less the input gradient (2 n_x n_1) that neither path computes."""
    return 6 * parameter_count(layers) - 2 * layers[0] * layers[1]


class CoursePath:
    """The lesson-08 training step, on random data of ``dtype``."""

    def __init__(self, dtype, rng, batch):
        self.rows = rng.standard_normal((POOL, LAYERS[0])).astype(dtype)
        self.labels = rng.integers(0, LAYERS[-1], POOL)
        self.parameters = ref.initialize_parameters_deep(LAYERS, rng, dtype=dtype)
        self.optimizer = Optimizer("momentum", self.parameters)
        self.rng, self.batch = rng, batch

    def run(self, steps):
        for _ in range(steps):
            idx = self.rng.integers(0, POOL, self.batch)
            self.parameters, _, _ = train_step(
                self.parameters,
                self.rows[idx],
                self.labels[idx],
                self.optimizer,
                0.01,
                LESSON_CONFIG["weight_decay"],
                LESSON_CONFIG["label_smoothing"],
            )


class MatrixProducts:
    """Only the eight matrix products of a training step, with ``asarray`` NumPy's or PyTorch's.

    The same products, shapes and layouts as the course's step: forward
    W A, backward dZ A_prev^T and W^T dZ (no input gradient). Elementwise work,
    the update and the framework's bookkeeping are left out.
    """

    def __init__(self, asarray, rng, batch):
        self.rows = asarray(rng.standard_normal((POOL, LAYERS[0])).astype(np.float32))
        parameters = ref.initialize_parameters_deep(LAYERS, rng, dtype=np.float32)
        self.W = [asarray(parameters[f"W{l}"]) for l in range(1, len(LAYERS))]
        self.asarray, self.rng, self.batch = asarray, rng, batch

    def run(self, steps):
        W1, W2, W3 = self.W
        for _ in range(steps):
            X = self.rows[self.asarray(self.rng.integers(0, POOL, self.batch))].T
            A1 = W1 @ X
            A2 = W2 @ A1
            dZ3 = W3 @ A2  # stands in for AL - Y: only the shapes matter here
            dZ2 = W3.T @ dZ3
            dZ1 = W2.T @ dZ2
            self.gradients = (dZ3 @ A2.T, dZ2 @ A1.T, dZ1 @ X.T)


class TorchPath:
    """The same model and optimizer in PyTorch."""

    def __init__(self, torch, rng, batch):
        self.torch = torch
        layers = []
        for n_prev, n in zip(LAYERS[:-1], LAYERS[1:], strict=True):
            layers += [torch.nn.Linear(n_prev, n), torch.nn.ReLU()]
        self.model = torch.nn.Sequential(*layers[:-1])
        named = list(self.model.named_parameters())
        self.optimizer = torch.optim.SGD(  # weight decay on the weights only, as the course's
            [
                {"params": [p for n, p in named if n.endswith("weight")]},
                {"params": [p for n, p in named if n.endswith("bias")], "weight_decay": 0.0},
            ],
            lr=0.01,
            momentum=0.9,
            weight_decay=LESSON_CONFIG["weight_decay"],
        )
        self.loss = torch.nn.CrossEntropyLoss(label_smoothing=LESSON_CONFIG["label_smoothing"])
        self.rows = torch.from_numpy(rng.standard_normal((POOL, LAYERS[0])).astype(np.float32))
        self.labels = torch.from_numpy(rng.integers(0, LAYERS[-1], POOL))
        self.rng, self.batch = rng, batch

    def run(self, steps):
        for _ in range(steps):
            idx = self.torch.from_numpy(self.rng.integers(0, POOL, self.batch))
            self.optimizer.zero_grad(set_to_none=True)
            self.loss(self.model(self.rows[idx]), self.labels[idx]).backward()
            self.optimizer.step()


def throughput(path, steps):
    return steps * path.batch / timed(lambda: path.run(steps))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40, help="steps per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=LESSON_CONFIG["batch_size"])
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    paths = {
        "numpy float32": CoursePath(np.float32, rng, args.batch),
        "numpy float64": CoursePath(np.float64, rng, args.batch),
        "numpy products": MatrixProducts(np.asarray, rng, args.batch),
    }
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed: measuring the course's code path only.")
    else:
        torch.set_num_threads(os.cpu_count())
        paths["torch float32"] = TorchPath(torch, rng, args.batch)
        paths["torch products"] = MatrixProducts(torch.from_numpy, rng, args.batch)
    for path in paths.values():
        path.run(5)  # warm-up
    best = dict.fromkeys(paths, 0.0)
    peak32 = peak64 = 0.0
    for _ in range(args.rounds):  # the peaks too, in every round: the best meets the best
        for name, path in paths.items():
            best[name] = max(best[name], throughput(path, args.steps))
        peak32 = max(peak32, gemm_peak(np.float32))
        peak64 = max(peak64, gemm_peak(np.float64))
    print(
        f"MLP {LAYERS}, batch {args.batch}, {os.cpu_count()} cores, best of {args.rounds} rounds of {args.steps} steps"
    )
    print(
        f"GEMM peak (NumPy BLAS): float32 {peak32 / 1e9:.1f} GFLOP/s, float64 {peak64 / 1e9:.1f} GFLOP/s"
    )
    print(
        f"{'':14s} {'samples/s':>9s}  {'GFLOP/s (6 x parameters)':>24s}  performed FLOPs / GEMM peak"
    )
    for name, samples in best.items():
        peak = peak64 if "64" in name else peak32
        performed = samples * performed_flops_per_sample() / peak
        print(
            f"{name:14s} {samples:9.0f}  {samples * 6 * parameter_count() / 1e9:24.1f}  {performed:27.0%}"
        )
    ratios = [
        ("numpy float32", "torch float32", "the course's step against PyTorch's"),
        ("numpy products", "torch float32", "NumPy's products alone against PyTorch's whole step"),
        ("numpy products", "torch products", "the same products, OpenBLAS against PyTorch's BLAS"),
        ("numpy float32", "numpy products", "the course's step against its products alone"),
        ("torch float32", "torch products", "PyTorch's step against its products alone"),
        ("numpy float64", "numpy float32", "float64 against float32"),
    ]
    rows = [("float32 GEMM peak (NumPy's BLAS)", f"{peak32 / 1e9:.0f} GFLOP/s")]
    rows += [(f"{name}, samples/s", f"{samples:.0f}") for name, samples in best.items()]
    for top, bottom, meaning in ratios:
        if top in best and bottom in best:
            print(f"ratio {top} / {bottom}: {best[top] / best[bottom]:.2f}  ({meaning})")
            rows.append((f"{meaning} ({top} / {bottom})", f"**{best[top] / best[bottom]:.2f}x**"))
    record(f"mlp_throughput batch {args.batch}", rows)


if __name__ == "__main__":
    main()
