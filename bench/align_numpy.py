#!/usr/bin/env python3
"""Reference implementation of `recon-align align --json` in numpy + scipy (OpenBLAS/LAPACK).

Written independently of the Rust code from docs/maths.md, the way the authors' code works:
materialise X in float64, centre, scale, G = X^T X, pencil (A, B), scipy.linalg.eigh(A, B),
then the alignment through explicit matrices. Used to time the Rust CLI against and to check
its numbers.

usage: align_numpy.py DIR [--noise none|gaussian:S|mask:P:K] [--limit N]
DIR holds train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz].
Prints one JSON object with n, d, noise and alignment (percent, entry K-1 for width K).
"""
import gzip
import json
import os
import sys

import numpy as np
import scipy.linalg as sla


def read_idx(directory, stem):
    for name in (stem, stem + ".gz"):
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as f:
                raw = f.read()
            ndim = raw[3]
            dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
            return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)
    sys.exit(f"{directory} holds no {stem}[.gz]")


def pencil(G, n, noise, shape):
    """(A, B) from docs/maths.md's table."""
    d = G.shape[0]
    kind, *params = noise.split(":")
    if kind == "none":
        return G @ G, G
    if kind == "gaussian":
        s = float(params[0])
        return G @ G, G + n * s * s * np.eye(d)
    if kind == "mask":
        p, k = float(params[0]), int(params[1])
        c, h, w = shape
        ys, xs = np.divmod(np.arange(h * w), w)
        patch = np.tile((ys // k) * ((w + k - 1) // k) + xs // k, c)
        same = patch[:, None] == patch[None, :]
        M = np.where(same, 1 - p, (1 - p) ** 2)
        return (1 - p) ** 2 * (G @ G), G * M
    sys.exit(f"bad noise {noise}")


def main():
    args = sys.argv[1:]
    directory = args[0]
    noise = args[args.index("--noise") + 1] if "--noise" in args else "none"
    limit = int(args[args.index("--limit") + 1]) if "--limit" in args else None
    images = read_idx(directory, "train-images-idx3-ubyte")
    labels = read_idx(directory, "train-labels-idx1-ubyte")
    if limit:
        images, labels = images[:limit], labels[:limit]
    n, h, w = images.shape
    d = h * w

    X = images.reshape(n, d).astype(np.float64) / 255.0
    X -= X.mean(axis=0)
    X /= X.std()
    G = X.T @ X
    G += 1e-6 * np.trace(G) / d * np.eye(d)  # docs/maths.md's relative ridge
    classes = int(labels.max()) + 1
    Y = np.zeros((n, classes))
    Y[np.arange(n), labels] = 1.0
    YtX = Y.T @ X
    counts = Y.sum(axis=0)

    A, B = pencil(G, n, noise, (1, h, w))
    mu, S = sla.eigh(A, B)  # LAPACK sygvd: Cholesky of B + symmetric eigensolve
    S = S[:, ::-1]  # decreasing mu
    R = sla.cholesky(S.T @ G @ S)  # upper, H = R^T R
    YtQ = sla.solve_triangular(R, (YtX @ S).T, trans="T").T  # (Y^T X) S R^{-1}
    a = (counts[:, None] * YtQ**2).sum(axis=0)
    alignment = 100.0 * np.sqrt(np.cumsum(a) / a.sum())
    json.dump({"n": n, "d": d, "noise": noise, "alignment": alignment.tolist()}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
