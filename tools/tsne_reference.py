#!/usr/bin/python3
"""scikit-learn's PCA and t-SNE results that faceage's projections are checked against
(Debian python3-sklearn).
    /usr/bin/python3 tools/tsne_reference.py [--runs N] [--threads T] [--out FILE]

Writes tests/fixtures/tsne/digits.txt: sklearn.datasets.load_digits() (1797 x 64 integers 0..16),
and tests/fixtures/tsne/reference.txt, one "key values..." line each:
  pca_input R C v...        a small matrix; pca_output R 2 v...: PCA(n_components=2).fit_transform
  pca_ratio r1 r2           its explained_variance_ratio_
  pca_digits_ratio r1 r2    the same for digits; pca_digits_head 5 2 v...: its first 5 rows
  tsne NAME N kl K seconds S threads T
                            TSNE(n_components=2, random_state=42) with every other default:
                            kl_divergence_ and the median wall time of --runs fits on T OpenMP
                            threads (--threads, default all cores)
  noisy_checksum SUM        sum of the noisy_5000 data, to check that C++ rebuilt the same array
Data sets: digits_500 (the first 500 rows), digits_1797, noisy_5000 (see noisy_digits).
--out writes the reference lines elsewhere, e.g. timings on another thread count for
bench/tsne_bench.cpp's --reference."""
import argparse
import os
import time

import numpy as np
import sklearn
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE
from threadpoolctl import threadpool_info, threadpool_limits

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "tsne")
MASK = (1 << 64) - 1


def splitmix64(x):
    z = (x + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def noisy_digits(digits, n):
    """Row r is digits[r % 1797] plus uniform noise in [-2, 2): element (r, c) adds
    4 * (u - 0.5) with u = (splitmix64(r * 64 + c) >> 11) / 2**53. bench/tsne_bench.cpp builds
    the same array."""
    rows, cols = digits.shape
    out = np.empty((n, cols))
    for r in range(n):
        for c in range(cols):
            u = (splitmix64(r * cols + c) >> 11) / float(1 << 53)
            out[r, c] = digits[r % rows, c] + 4.0 * (u - 0.5)
    return out


def values(a):
    return " ".join(repr(float(v)) for v in np.asarray(a).reshape(-1))


def time_tsne(x, runs):
    times, kl = [], None
    for _ in range(runs):
        start = time.perf_counter()
        tsne = TSNE(n_components=2, random_state=42)
        tsne.fit_transform(x)
        times.append(time.perf_counter() - start)
        kl = tsne.kl_divergence_
    return kl, float(np.median(times))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--out", default=os.path.join(OUT, "reference.txt"))
    args = parser.parse_args()
    limiter = threadpool_limits(limits=args.threads, user_api="openmp") if args.threads else None
    os.makedirs(OUT, exist_ok=True)
    digits = load_digits().data
    with open(os.path.join(OUT, "digits.txt"), "w") as f:
        f.write("# sklearn.datasets.load_digits().data: rows, columns, then one row per line\n")
        f.write("%d %d\n" % digits.shape)
        for row in digits.astype(int):
            f.write(" ".join(str(v) for v in row) + "\n")

    threads = max((info.get("num_threads", 1) for info in threadpool_info() if info.get("user_api") == "openmp"),
                  default=1)
    lines = ["# scikit-learn %s, numpy %s: see tools/tsne_reference.py" % (sklearn.__version__, np.__version__)]
    small = np.random.RandomState(0).randn(9, 5) * np.array([3.0, 2.0, 1.0, 0.5, 0.1]) + 1.0
    pca = PCA(n_components=2)
    lines.append("pca_input 9 5 " + values(small))
    lines.append("pca_output 9 2 " + values(pca.fit_transform(small)))
    lines.append("pca_ratio " + values(pca.explained_variance_ratio_))
    pca = PCA(n_components=2)
    projected = pca.fit_transform(digits)
    lines.append("pca_digits_ratio " + values(pca.explained_variance_ratio_))
    lines.append("pca_digits_head 5 2 " + values(projected[:5]))

    noisy = noisy_digits(digits, 5000)
    lines.append("noisy_checksum " + repr(float(noisy.sum())))
    for name, x in [("digits_500", digits[:500]), ("digits_1797", digits), ("noisy_5000", noisy)]:
        kl, seconds = time_tsne(x, args.runs)
        lines.append("tsne %s %d kl %r seconds %.3f threads %d" % (name, len(x), float(kl), seconds, threads))
        print(lines[-1], flush=True)
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    if limiter:
        limiter.restore_original_limits()


if __name__ == "__main__":
    main()
