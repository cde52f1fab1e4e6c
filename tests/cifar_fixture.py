"""A small fake CIFAR-10 in the official "python version" format, for tests.

The images are a little learnable: each class has its own mean colour and a
brighter top or bottom half, plus noise, so a small network beats chance.
"""

import hashlib
import io
import pickle
import tarfile
from pathlib import Path

import numpy as np

CLASS_NAMES = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
]
FOLDER = "cifar-10-batches-py"
N_PIXELS = 3072


def fake_images(labels, rng):
    """Images (n, 3072) uint8 in the official order (1024 red, 1024 green, 1024 blue)."""
    palette = np.random.default_rng(12345).integers(70, 186, size=(10, 3, 1, 1))
    n = len(labels)
    images = palette[labels].astype(float) + rng.normal(0, 25, size=(n, 3, 32, 32))
    top = np.where(labels % 2 == 0, 20.0, -20.0)
    images[:, :, :16, :] += top[:, None, None, None]
    return np.clip(images, 0, 255).astype(np.uint8).reshape(n, -1)


def fake_cifar(per_batch=20, n_test=20, seed=0):
    """Dict batch name -> (data (n, 3072) uint8, labels list) for the 5 training and the test batch."""
    rng = np.random.default_rng(seed)
    sizes = {f"data_batch_{k}": per_batch for k in range(1, 6)} | {"test_batch": n_test}
    batches = {}
    for name, n in sizes.items():
        labels = rng.permutation(np.arange(n) % 10)
        batches[name] = (fake_images(labels, rng), [int(label) for label in labels])
    return batches


def batch_files(batches, names=CLASS_NAMES):
    """Dict file name -> pickled bytes, as in the official archive (bytes keys)."""
    files = {
        name: pickle.dumps({b"batch_label": name.encode(), b"labels": labels, b"data": data})
        for name, (data, labels) in batches.items()
    }
    meta = {b"label_names": [name.encode() for name in names], b"num_vis": N_PIXELS}
    files["batches.meta"] = pickle.dumps(meta)
    return files


def write_folder(folder, batches):
    """Write the extracted form: ``folder/cifar-10-batches-py/...``; returns that path."""
    target = Path(folder) / FOLDER
    target.mkdir(parents=True, exist_ok=True)
    for name, content in batch_files(batches).items():
        (target / name).write_bytes(content)
    return target


def write_archive(path, batches, extra=(), names=CLASS_NAMES):
    """Write a .tar.gz like the official one (plus ``extra`` TarInfo/bytes pairs); return its MD5."""
    with tarfile.open(path, "w:gz") as tar:
        files = batch_files(batches, names)
        members = [(f"{FOLDER}/{name}", data) for name, data in files.items()]
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info, data in extra:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return hashlib.md5(Path(path).read_bytes()).hexdigest()
