"""CIFAR-10 test accuracy, speed and peak memory of lesson 09's convolutional network.

    python benchmarks/convnet_accuracy.py DATA [--epochs N] [--train N] [--batch B] [--torch]

DATA is the folder that ``NNUTILS_DATA`` would name (it holds ``cifar10/``); nothing is
downloaded. Trains ``nnutils.engine.convnet.train_convnet`` with ``LESSON_CONFIG`` (what lesson
09 runs) on the first ``--train`` training images (all 50,000 by default) and prints
per-epoch figures, the test accuracy, the wall time (loading included) and the peak resident
memory. ``--torch`` also trains the same network (same layers, initialization scheme, flips
and crops, batches, momentum and one-cycle schedule) in PyTorch, in the same process, epoch
by epoch in turn with NumPy's (NumPy's epoch 1, PyTorch's epoch 1, NumPy's epoch 2, ...), so
that both meet the same load on a shared machine, and prints its figures and the ratio of the
two training times. Peak memory is the process's, so with ``--torch`` it covers both.

Closeness to the machine's limit: the FLOPs of one training step per image, counted from the
layer shapes (the products a convolution, its weight gradient and its input gradient need,
none for the images' own gradient), times the images trained per second, as a fraction of
this machine's float32 GEMM peak (an n x n ``np.matmul`` on every core), measured in the same
process before and after training (the higher one counts).

The full run (``LESSON_CONFIG``) is written to the benchmarks page; ``--batch B`` to a section
of its own; a reduced run (``--train``, ``--epochs`` below the lesson's) only prints, for
trying changes quickly.
"""

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "1")

import numpy as np  # noqa: E402
from report import gemm_peak, machine, peak_memory_mb, record  # noqa: E402

from nnutils.data import load_cifar10  # noqa: E402
from nnutils.engine.augment import flip_and_crop  # noqa: E402
from nnutils.engine.convnet import LESSON_CONFIG, as_images, convnet_epochs, predict_images  # noqa: E402
from nnutils.engine.preprocess import prepare  # noqa: E402
from nnutils.engine.train import learning_rate_at  # noqa: E402


def torch_epochs(X_train, y_train, config, seed):
    """The same network and training in PyTorch: yields (model, seconds of training) after each epoch."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    F1, F2 = config["filters"]
    model = nn.Sequential(
        nn.Conv2d(3, F1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(F1, F2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(F2 * 64, 10),
    )  # fmt: skip
    for layer in model:  # as initialize_convnet: He for the convolutions, 1 / n for the output
        if isinstance(layer, nn.Conv2d):
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
        elif isinstance(layer, nn.Linear):
            nn.init.normal_(layer.weight, std=layer.in_features**-0.5)
        if isinstance(layer, nn.Conv2d | nn.Linear):
            nn.init.zeros_(layer.bias)
    # The course's momentum is v = beta v + (1 - beta) g: PyTorch's with dampening = beta (its
    # first step alone differs: it starts v at g, the course at (1 - beta) g).
    weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
    biases = [p for name, p in model.named_parameters() if name.endswith("bias")]
    opt = torch.optim.SGD(  # weight decay on the W only, as Optimizer.step
        [
            {"params": weights, "weight_decay": config["weight_decay"]},
            {"params": biases, "weight_decay": 0.0},
        ],
        lr=config["learning_rate"],
        momentum=0.9,
        dampening=0.9,
    )
    rng = np.random.default_rng(seed)
    m, B, epochs = len(y_train), config["batch_size"], config["epochs"]
    steps = -(-m // B)
    warmup = round(min(config["warmup_epochs"], epochs / 5) * steps)  # as train_convnet
    rows, t, seconds = X_train.reshape(m, -1), 0, 0.0
    for _ in range(epochs):
        start = time.perf_counter()
        order = rng.permutation(m)
        for k in range(0, m, B):
            idx = order[k : k + B]
            batch = flip_and_crop(rows[idx], rng, (3, 32, 32), config["crop_pad"])
            for group in opt.param_groups:
                group["lr"] = learning_rate_at(t, epochs * steps, warmup, config["learning_rate"])
            t += 1
            loss = nn.functional.cross_entropy(
                model(torch.from_numpy(batch.reshape(-1, 3, 32, 32))),
                torch.from_numpy(y_train[idx].astype(np.int64)),
            )
            opt.zero_grad()
            loss.backward()
            opt.step()
        seconds += time.perf_counter() - start
        yield model, seconds


def torch_accuracy(model, X_test, y_test):
    """Test accuracy of a PyTorch model on images X_test (m, C, H, W)."""
    import torch

    with torch.no_grad():
        predicted = torch.cat(
            [
                model(torch.from_numpy(X_test[k : k + 500])).argmax(1)
                for k in range(0, len(X_test), 500)
            ]
        )
    return float((predicted.numpy() == y_test).mean())


def training_flops_per_image(filters, image_shape=(3, 32, 32), classes=10, k=3):
    """Multiply-adds x 2 of one training step per image: every product of forward and backward.

    Each convolution (stride 1, ``k`` x ``k``, padding that keeps the size) is a product of
    2 F C k k H W FLOPs forward, as many for its weight gradient, and as many again for its
    input gradient except the first layer's (the images need none); each 2 x 2 pooling halves
    H and W; the output layer is 2 classes n for each of the three.
    """
    C, H, W = image_shape
    flops = 0
    for block, F in enumerate(filters):
        products = 2 if block == 0 else 3
        flops += products * 2 * F * C * k * k * H * W
        C, H, W = F, H // 2, W // 2
    return flops + 3 * 2 * classes * C * H * W


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help="folder holding cifar10/ (what NNUTILS_DATA would name)")
    parser.add_argument("--epochs", type=int, help="override LESSON_CONFIG's epochs")
    parser.add_argument("--batch", type=int, help="override LESSON_CONFIG's batch size")
    parser.add_argument("--train", type=int, default=50_000, help="training images used")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--learning-rate", type=float, help="override LESSON_CONFIG's")
    parser.add_argument("--torch", action="store_true", help="also train the network in PyTorch")
    args = parser.parse_args()
    config = dict(LESSON_CONFIG)
    if args.epochs:
        config["epochs"] = args.epochs
    if args.batch:
        config["batch_size"] = args.batch
    if args.learning_rate:
        config["learning_rate"] = args.learning_rate
    start = time.perf_counter()
    data = load_cifar10(args.data, download=False, progress=False)
    # Lesson 09's standardization (per channel, training statistics), the training images in place.
    X_train_cols, X_test_cols, _ = prepare(
        data.X_train[:, : args.train], data.X_test, in_place=True, zca=False
    )
    X_train, X_test = as_images(X_train_cols), as_images(X_test_cols)
    y_train, y_test = data.y_train.ravel()[: args.train], data.y_test.ravel()
    del data
    print(f"{len(y_train)} training images, loaded in {time.perf_counter() - start:.1f} s")
    print(f"config: {config}", flush=True)
    flops = training_flops_per_image(config["filters"])
    peak = gemm_peak(np.float32)
    print(
        f"float32 GEMM peak {peak / 1e9:.0f} GFLOP/s; {flops / 1e6:.1f} MFLOP per image per training step"
    )
    numpy_run = convnet_epochs(X_train, y_train, **config, rng=args.seed, progress=False)
    torch_run = torch_epochs(X_train, y_train, config, args.seed) if args.torch else None
    for epoch in range(1, config["epochs"] + 1):  # in turn, so that both meet the same load
        parameters, history = next(numpy_run)
        cost, acc, seconds = (history[key][-1] for key in ("cost", "train_accuracy", "seconds"))
        line = (
            f"epoch {epoch:3d}  cost {cost:.3f}  train accuracy {acc:.3f}  NumPy {seconds:6.0f} s"
        )
        if torch_run is not None:
            model, torch_seconds = next(torch_run)
            line += f"  PyTorch {torch_seconds:6.0f} s"
        print(line, flush=True)
    numpy_seconds = history["seconds"][-1]
    test = float(np.mean(predict_images(X_test, parameters) == y_test))
    wall = time.perf_counter() - start
    peak = max(peak, gemm_peak(np.float32))
    images = len(y_train) * config["epochs"]

    def fraction(seconds):
        return images / seconds * flops / peak

    print(f"NumPy: test accuracy {test:.4f}, training {numpy_seconds:.0f} s")
    print(
        f"NumPy: {images / numpy_seconds:.0f} images/s, {fraction(numpy_seconds):.0%} of the GEMM peak"
    )
    print(f"wall time {wall:.0f} s ({wall / 60:.1f} min); peak memory {peak_memory_mb():.0f} MB")
    print(f"machine: {machine()}")
    rows = [
        ("test accuracy", f"{test:.2%}"),
        (
            "training",
            f"{numpy_seconds:.0f} s ({numpy_seconds / len(history['seconds']):.0f} s per epoch)",
        ),
        (
            "wall time (loading, training and testing; PyTorch's too with --torch)",
            f"{wall / 60:.1f} min",
        ),
        ("peak memory", f"{peak_memory_mb():.0f} MB"),
        ("float32 GEMM peak (NumPy's BLAS, every core)", f"{peak / 1e9:.0f} GFLOP/s"),
        (
            "FLOPs per image per training step (products, from the layer shapes)",
            f"{flops / 1e6:.1f} MFLOP",
        ),
        (
            "NumPy training: images/s, fraction of the GEMM peak",
            f"{images / numpy_seconds:.0f}, **{fraction(numpy_seconds):.0%}**",
        ),
    ]
    if args.torch:
        torch_test = torch_accuracy(model, X_test, y_test)
        print(f"PyTorch: test accuracy {torch_test:.4f}, training {torch_seconds:.0f} s")
        print(
            f"PyTorch: {images / torch_seconds:.0f} images/s, {fraction(torch_seconds):.0%} of the GEMM peak"
        )
        print(f"NumPy / PyTorch training time: {numpy_seconds / torch_seconds:.2f}")
        rows += [
            (
                "PyTorch, same network and recipe",
                f"{torch_test:.2%} in {torch_seconds:.0f} s of training",
            ),
            (
                "PyTorch training: images/s, fraction of the GEMM peak",
                f"{images / torch_seconds:.0f}, {fraction(torch_seconds):.0%}",
            ),
            ("NumPy / PyTorch training time", f"**{numpy_seconds / torch_seconds:.2f}x**"),
        ]
    if len(y_train) < 50_000 or config["epochs"] < LESSON_CONFIG["epochs"]:
        print("a reduced run: not written to the benchmarks page")
    elif config["batch_size"] != LESSON_CONFIG["batch_size"]:
        record(f"convnet_accuracy batch {config['batch_size']}", rows)
    else:
        record("convnet_accuracy", rows)


if __name__ == "__main__":
    main()
