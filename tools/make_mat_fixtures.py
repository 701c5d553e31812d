#!/usr/bin/python3
"""tests/fixtures/mat/: small CACD-style metadata files written by the tools people use, for the
.mat reader's tests (tests/test_mat.cpp). Needs Debian's python3-scipy and python3-h5py:
    apt-get install -y python3-scipy python3-h5py && /usr/bin/python3 tools/make_mat_fixtures.py

- cacd_meta_v5.mat: MATLAB v5 through scipy.io.savemat, laid out as celebrity2000_meta.mat:
  structs celebrityData and celebrityImageData, columns N x 1 of uint8/uint16, `feature` an empty
  0 x 0 uint8, `name` an N x 1 cell of char.
- cacd_v73.mat: MATLAB v7.3 through h5py, laid out as MATLAB writes celebrity2000.mat: a 512-byte
  user block with the MAT header text, one HDF5 group per struct, float64 (1, N) datasets, `name`
  a (1, N) dataset of object references to uint16 (UTF-16) char datasets under #refs#, and a
  `feature` dataset declared (N, 75520) float64 but never written, so the file stays small and a
  reader that touched it would fail or take the whole memory.
- expected.txt: the values both files hold, one line per image and celebrity, the name last
  (everything after the last number and its space; it may be empty)."""
import os

import h5py
import numpy as np
import scipy.io

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "mat")

# Names with non-ASCII letters, apostrophes, spaces and a character outside the BMP (a UTF-16
# surrogate pair), as the CACD file names have (the last two are extra cases).
IMAGES = [  # age, identity, year, rank, lfw, birth, name
    (53, 1, 2004, 1, 1, 1951, "53_Robin_Williams_0001.jpg"),
    (14, 2, 2010, 3, 0, 1996, "14_Chlo\u00eb_Grace_Moretz_0003.jpg"),
    (62, 3, 2012, 5, 1, 1950, "62_Sin\u00e9ad_O'Connor_0012.jpg"),
    (27, 2, 2013, 3, 0, 1986, "27_Zo\u00eb Kravitz_0007.jpg"),
    (35, 4, 2009, 2, 0, 1974, "35_\u5f20\u5b50\u6021_0002.jpg"),
    (41, 5, 2011, 4, 1, 1970, "41_\U0001f600_0001.jpg"),
]
CELEBRITIES = [  # name, identity, birth, rank, lfw
    ("Robin_Williams", 1, 1951, 1, 1),
    ("Chlo\u00eb_Grace_Moretz", 2, 1996, 3, 0),
    ("Sin\u00e9ad_O'Connor", 3, 1950, 5, 1),
    ("\u5f20\u5b50\u6021", 4, 1974, 2, 0),
    ("\U0001f600", 5, 1970, 4, 1),
    ("", 6, 1980, 6, 0),  # an empty char array: MATLAB stores it differently in v7.3
]
IMAGE_FIELDS = ["age", "identity", "year", "feature", "rank", "lfw", "birth", "name"]
IMAGE_TYPES = {"age": np.uint8, "identity": np.uint16, "year": np.uint16, "rank": np.uint8, "lfw": np.uint8,
               "birth": np.uint16}
CELEBRITY_FIELDS = ["name", "identity", "birth", "rank", "lfw"]


def column(values, dtype):
    return np.array(values, dtype=dtype).reshape(-1, 1)


def cell(strings):
    out = np.empty((len(strings), 1), dtype=object)
    for i, s in enumerate(strings):
        out[i, 0] = s
    return out


def write_v5(path, compressed=False):
    images = {}
    for i, field in enumerate(IMAGE_FIELDS):
        if field == "feature":
            images[field] = np.zeros((0, 0), dtype=np.uint8)
        elif field == "name":
            images[field] = cell([row[6] for row in IMAGES])
        else:
            images[field] = column([row[i if i < 3 else i - 1] for row in IMAGES], IMAGE_TYPES[field])
    celebrities = {
        "name": cell([c[0] for c in CELEBRITIES]),
        "identity": column([c[1] for c in CELEBRITIES], np.uint16),
        "birth": column([c[2] for c in CELEBRITIES], np.uint16),
        "rank": column([c[3] for c in CELEBRITIES], np.uint8),
        "lfw": column([c[4] for c in CELEBRITIES], np.uint8),
    }
    scipy.io.savemat(path, {"celebrityData": celebrities, "celebrityImageData": images}, format="5",
                     long_field_names=False, do_compression=compressed, oned_as="column")


def utf16_units(s):
    data = s.encode("utf-16-le")
    return np.frombuffer(data, dtype="<u2")


def matlab_attrs(obj, cls, **extra):
    obj.attrs.create("MATLAB_class", np.bytes_(cls))
    for k, v in extra.items():
        obj.attrs[k] = v


def write_v73(path):
    with h5py.File(path, "w", userblock_size=512, libver="earliest") as f:
        refs = f.create_group("#refs#")
        counter = [0]

        def char_dataset(s):
            counter[0] += 1
            name = "s%d" % counter[0]
            if not s:  # MATLAB's empty char: the dims as uint64 and MATLAB_empty = 1
                d = refs.create_dataset(name, data=np.array([0, 0], dtype=np.uint64))
                matlab_attrs(d, "char", MATLAB_empty=np.uint8(1))
            else:  # MATLAB's 1 x L char is HDF5 (L, 1): MATLAB is column-major
                d = refs.create_dataset(name, data=utf16_units(s).reshape(-1, 1))
                matlab_attrs(d, "char", MATLAB_int_decode=np.int32(2))
            return d.ref

        def names(group, strings):
            d = group.create_dataset("name", (1, len(strings)), dtype=h5py.ref_dtype)
            for i, s in enumerate(strings):
                d[0, i] = char_dataset(s)
            matlab_attrs(d, "cell")

        def numbers(group, field, values):
            d = group.create_dataset(field, data=np.array(values, dtype=np.float64).reshape(1, -1))
            matlab_attrs(d, "double")

        celebrities = f.create_group("celebrityData")
        matlab_attrs(celebrities, "struct")
        names(celebrities, [c[0] for c in CELEBRITIES])
        for j, field in enumerate(CELEBRITY_FIELDS[1:], start=1):
            numbers(celebrities, field, [c[j] for c in CELEBRITIES])

        images = f.create_group("celebrityImageData")
        matlab_attrs(images, "struct")
        for i, field in enumerate(IMAGE_FIELDS):
            if field == "feature":
                d = images.create_dataset("feature", (len(IMAGES), 75520), dtype=np.float64, chunks=(1, 4096))
                matlab_attrs(d, "double")
            elif field == "name":
                names(images, [row[6] for row in IMAGES])
            else:
                numbers(images, field, [row[i if i < 3 else i - 1] for row in IMAGES])
    # The MAT-file header in the user block, as MATLAB writes it: 116 bytes of text, 8 bytes of
    # subsystem offset, version 0x0200 and the endian indicator "IM".
    header = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024 HDF5 schema 1.00 ."
    with open(path, "r+b") as f:
        f.write(header.ljust(116, b" ") + b"\0" * 8 + b"\x00\x02" + b"IM")


def write_expected(path):
    with open(path, "w", encoding="utf-8") as f:
        for row in IMAGES:
            f.write("image " + " ".join(str(v) for v in row[:6]) + " " + row[6] + "\n")
        for c in CELEBRITIES:
            f.write("celebrity " + " ".join(str(v) for v in c[1:]) + " " + c[0] + "\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    write_v5(os.path.join(OUT, "cacd_meta_v5.mat"))
    # MATLAB's default format (v7) is v5 with every variable compressed, as the CACD download is.
    write_v5(os.path.join(OUT, "cacd_meta_v7.mat"), compressed=True)
    write_v73(os.path.join(OUT, "cacd_v73.mat"))
    write_expected(os.path.join(OUT, "expected.txt"))


if __name__ == "__main__":
    main()
