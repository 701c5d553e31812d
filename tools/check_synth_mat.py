#!/usr/bin/env python3
"""Checks that a celebrity2000_meta.mat has the layout of CACD's real one, as scipy reads it.

Usage: /usr/bin/python3 tools/check_synth_mat.py DATA_DIR/celebrity2000_meta.mat

Prints the structure (variables, fields, shapes, dtypes, a few values) and the number of images
per age group, then checks what the tutorial's code relies on: two 1x1 structs, the fields in
CACD's order with CACD's MATLAB classes and N x 1 shapes, file names AGE_First_Last_NNNN.jpg that
agree with the age field, age = year - birth in [14, 62], years 2004-2013, identities that point
into celebrityData. When a CACD2000/ folder sits next to the file, every named image must exist.
Exits with status 1 on the first kind of mismatch found (all mismatches are listed). Needs Debian's
python3-scipy.
"""
import collections
import os
import re
import sys

import numpy as np
import scipy.io

IMAGE_FIELDS = [("age", np.uint8), ("identity", np.uint16), ("year", np.uint16), ("feature", np.uint8),
                ("rank", np.uint8), ("lfw", np.uint8), ("birth", np.uint16), ("name", object)]
CELEBRITY_FIELDS = [("name", object), ("identity", np.uint16), ("birth", np.uint16), ("rank", np.uint8),
                    ("lfw", np.uint8)]
FILE_NAME = re.compile(r"^(\d+)_(.+)_(\d{4})\.jpg$")

problems = []


def check(condition, message):
    if not condition:
        problems.append(message)
    return condition


def text(cell):
    """A char row vector inside a cell, as scipy returns it with squeeze_me=False: array(['...'])."""
    if isinstance(cell, np.ndarray) and cell.dtype.kind == "U" and cell.shape == (1,):
        return str(cell[0])
    return None


def check_struct(mat, name, fields):
    """Checks one top-level 1x1 struct; returns its fields as a dict, or None."""
    if not check(name in mat, f"no top-level variable '{name}'"):
        return None
    var = mat[name]
    print(f"{name}: {type(var).__name__} shape {var.shape}, fields {var.dtype.names}")
    if not check(var.shape == (1, 1) and var.dtype.names is not None, f"{name} is not a 1x1 struct"):
        return None
    check(list(var.dtype.names) == [f for f, _ in fields],
          f"{name} fields {var.dtype.names}, expected {tuple(f for f, _ in fields)}")
    values = {}
    for field, dtype in fields:
        if field not in var.dtype.names:
            continue
        v = var[0, 0][field]
        values[field] = v
        sample = [text(c) for c in v[:3, 0]] if v.dtype == object and v.ndim == 2 else v.ravel()[:3].tolist()
        print(f"  {field:9} {str(v.shape):12} {str(v.dtype):7} {sample}")
        check(v.dtype == np.dtype(dtype), f"{name}.{field} has dtype {v.dtype}, expected {np.dtype(dtype)}")
    return values


def check_columns(name, values, skip=()):
    """Every field but those in `skip` is an N x 1 column of one common N; returns N."""
    n = None
    for field, v in values.items():
        if field in skip:
            continue
        n = v.shape[0] if n is None else n
        check(v.ndim == 2 and v.shape == (n, 1), f"{name}.{field} has shape {v.shape}, expected ({n}, 1)")
    return n or 0


def main(path):
    mat = scipy.io.loadmat(path, squeeze_me=False)
    print(f"{path}: {mat['__header__'].decode(errors='replace').strip()}")
    print(f"variables: {sorted(k for k in mat if not k.startswith('__'))}")
    images = check_struct(mat, "celebrityImageData", IMAGE_FIELDS)
    people = check_struct(mat, "celebrityData", CELEBRITY_FIELDS)
    if images is None or people is None or problems:
        return
    n = check_columns("celebrityImageData", images, skip=("feature",))
    k = check_columns("celebrityData", people)
    check(images["feature"].shape == (0, 0),
          f"celebrityImageData.feature has shape {images['feature'].shape}, expected (0, 0)")
    check(np.array_equal(people["identity"][:, 0], np.arange(1, k + 1)), "celebrityData.identity is not 1..K")
    names = [text(c) for c in people["name"][:, 0]]
    check(all(names), "celebrityData.name holds something other than char row vectors")
    check(len(set(names)) == k, "celebrityData.name has duplicates")

    folder = os.path.join(os.path.dirname(path), "CACD2000")
    groups = collections.Counter()
    for i in range(n):
        age, identity, year, birth = (int(images[f][i, 0]) for f in ("age", "identity", "year", "birth"))
        file = text(images["name"][i, 0])
        where = f"celebrityImageData entry {i} ({file})"
        groups[f"{min(age // 10 * 10, 100)}s"] += 1
        match = FILE_NAME.match(file or "")
        if not check(match, f"{where}: name is not AGE_First_Last_NNNN.jpg"):
            continue
        check(int(match.group(1)) == age, f"{where}: age field {age} differs from the file name")
        check(14 <= age <= 62 and 2004 <= year <= 2013, f"{where}: age {age} or year {year} outside CACD's range")
        check(age == year - birth, f"{where}: age {age} != year {year} - birth {birth}")
        if check(1 <= identity <= k, f"{where}: identity {identity} outside 1..{k}"):
            check(match.group(2) == names[identity - 1], f"{where}: identity {identity} is {names[identity - 1]}")
            check(birth == int(people["birth"][identity - 1, 0]), f"{where}: birth differs from celebrityData")
        if os.path.isdir(folder):
            check(os.path.isfile(os.path.join(folder, file)), f"{where}: no such file in {folder}")
    print(f"{n} images of {k} people; per age group: {dict(sorted(groups.items()))}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
    for p in problems[:50]:
        print("MISMATCH:", p)
    if problems:
        print(f"{len(problems)} mismatches")
        sys.exit(1)
    print("OK: the layout matches CACD's celebrity2000_meta.mat")
