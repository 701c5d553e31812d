#!/usr/bin/python3
"""Writes the checkpoint fixtures in tests/fixtures/io/ with PyTorch (tests/test_io.cpp reads them).

Run with Debian's python3-torch (1.13):  /usr/bin/python3 tools/make_io_fixtures.py
The tests read the committed files and never need Python.

  conv_sd.pth          torch.save(OrderedDict): a tiny conv net's state_dict (float32 weights, BatchNorm
                       buffers with the int64 num_batches_tracked) plus a strided view with a storage
                       offset, a transposed tensor and a tensor tied to another one
  checkpoint.pth       {'model': that state dict, 'epoch': 3, ...}, as the official ConvNeXt checkpoints,
                       with an argparse.Namespace, numpy values and optimizer state as training saves them
  proto4.pth           the state dict with pickle_protocol=4 (FRAME, STACK_GLOBAL, MEMOIZE)
  dtypes.pth           float64, uint8, bool, int32/16/8 (read as int64), 0-dim, empty, expanded (stride 0)
  half.pth, bf16.pth   float16 and bfloat16 tensors
  deflated.pth         conv_sd.pth re-zipped with deflate compression and a 'little' byteorder entry
  zip64.pth            conv_sd.pth re-zipped with every size and offset in zip64 extra fields, as
                       torch.save does for checkpoints over 4 GB
  big_endian.pth       conv_sd.pth re-zipped with byteorder 'big' (must be refused)
  evil.pth             a torch-layout archive whose data.pkl calls os.system (must not run; a whole
                       object is refused)
  expected.safetensors the tensors every loadable .pth must give, named "<fixture>/<key>", in order
  interop.safetensors  every safetensors dtype, a 0-dim and empty tensors and metadata, written by hand
                       here (struct + json, like the reference implementation) with values the test
                       recomputes
"""
import argparse
import collections
import io
import json
import os
import struct
import zipfile

import numpy
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "io")
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # reproducible zip entries

ST_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
             torch.int64: "I64", torch.uint8: "U8", torch.bool: "BOOL"}


def write_safetensors(path, tensors, metadata=None, sort=False):
    """The safetensors format by hand: u64 header length, JSON header padded with spaces, data.
    With sort=True the tensors are laid out as the reference writer does (larger items first,
    then by name)."""
    items = list(tensors.items())
    if sort:
        items.sort(key=lambda kv: (-kv[1].element_size(), kv[0]))
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in items:
        data = t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
        header[name] = {"dtype": ST_DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def tiny_net_state_dict():
    torch.manual_seed(0)
    net = torch.nn.Sequential(collections.OrderedDict(
        features=torch.nn.Sequential(torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4)),
                                     torch.nn.ReLU()),
        pool=torch.nn.AdaptiveAvgPool2d(1), flatten=torch.nn.Flatten(), head=torch.nn.Linear(4, 2)))
    net.train()
    for _ in range(3):  # moves the BatchNorm statistics; num_batches_tracked becomes 3
        net(torch.randn(2, 3, 5, 5))
    sd = net.state_dict()
    base = torch.arange(30, dtype=torch.float32).reshape(5, 6)
    sd["extra.view"] = base[1:, ::2]  # storage offset 6, strides (6, 2)
    sd["extra.transposed"] = torch.arange(6, dtype=torch.float32).reshape(2, 3).t()  # strides (1, 3)
    sd["extra.tied"] = sd["head.weight"]  # the same tensor under two names (one storage)
    return sd


def dtypes_state_dict():
    sd = collections.OrderedDict()
    sd["f64"] = torch.arange(6, dtype=torch.float64).reshape(2, 3) / 3
    sd["u8"] = torch.tensor([0, 127, 255], dtype=torch.uint8)
    sd["mask"] = torch.tensor([True, False, True, True])
    sd["i32"] = torch.tensor([-2147483648, -1, 7, 2147483647], dtype=torch.int32)
    sd["i16"] = torch.tensor([-32768, -2, 32767], dtype=torch.int16)
    sd["i8"] = torch.tensor([-128, -1, 127], dtype=torch.int8)
    sd["i64"] = torch.tensor([-(2 ** 62), 2 ** 40 + 1], dtype=torch.int64)
    sd["scalar"] = torch.tensor(2.5)
    sd["empty"] = torch.zeros(0, 3)
    sd["expanded"] = torch.arange(3, dtype=torch.float32).expand(2, 3)  # stride (0, 1)
    sd["nested"] = {"deeper": {"leaf": torch.tensor([1.0, -1.0])}, "skipped": [torch.ones(2)]}
    return sd


def expected_of(sd, prefix=""):
    """The flattened, contiguous tensors minitorch should produce (int32/16/8 widened to int64)."""
    out = collections.OrderedDict()
    for key, value in sd.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, torch.Tensor):
            t = value.detach().contiguous().clone()
            out[name] = t.long() if t.dtype in (torch.int32, torch.int16, torch.int8) else t
        elif isinstance(value, dict):
            out.update(expected_of(value, name))
    return out


def rezip(src, dst, compression, replace=None, zip64=False):
    """Copies a torch.save archive entry by entry with Python's zipfile (another zip writer).
    zip64=True lowers zipfile's zip64 threshold to 0, so every size and offset that can be goes to
    the zip64 extra fields."""
    replace = replace or {}
    saved_limit = zipfile.ZIP64_LIMIT
    zipfile.ZIP64_LIMIT = 0 if zip64 else saved_limit
    try:
        copy_entries(src, dst, compression, replace)
    finally:
        zipfile.ZIP64_LIMIT = saved_limit


def copy_entries(src, dst, compression, replace):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        folder = zin.namelist()[0].split("/")[0]
        names = zin.namelist() + [f"{folder}/{n}" for n in replace if f"{folder}/{n}" not in zin.namelist()]
        for name in names:
            data = replace.get(name.split("/", 1)[1], None)
            data = zin.read(name) if data is None else data
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = compression
            zout.writestr(info, data)


def hostile_archive(path):
    """data.pkl = os.system('echo pwned'), zipped in the torch layout."""
    pkl = b"\x80\x02cos\nsystem\nq\x00X\n\x00\x00\x00echo pwnedq\x01\x85q\x02Rq\x03."
    with zipfile.ZipFile(path, "w") as z:
        for name, data in [("evil/data.pkl", pkl), ("evil/byteorder", b"little"), ("evil/version", b"3\n")]:
            z.writestr(zipfile.ZipInfo(name, FIXED_TIME), data)


def interop_tensors():
    base = torch.arange(6, dtype=torch.float64).reshape(2, 3) * 0.25 - 0.5
    t = collections.OrderedDict()
    t["f32"] = base.float()
    t["f16"] = base.half()
    t["bf16"] = base.bfloat16()
    t["f64"] = torch.arange(6, dtype=torch.float64).reshape(3, 2) / 3
    t["i64"] = torch.tensor([-3, 0, 2 ** 40], dtype=torch.int64)
    t["u8"] = torch.tensor([0, 127, 255], dtype=torch.uint8)
    t["bool"] = torch.tensor([True, False, True])
    t["scalar"] = torch.tensor(3.5)
    t["empty"] = torch.zeros(0, 4)
    t["empty_i64"] = torch.zeros(2, 0, dtype=torch.int64)
    return t


def main():
    os.makedirs(OUT, exist_ok=True)
    path = lambda name: os.path.join(OUT, name)
    sd = tiny_net_state_dict()
    expected = collections.OrderedDict()

    fixtures = {
        "conv_sd": (sd, {}),
        # As training scripts save them: Python objects beside the weights must not stop the load.
        "checkpoint": ({"model": sd, "epoch": 3, "best_acc1": 81.5, "arch": "tiny", "note": None,
                        "milestones": [30, 60], "args": argparse.Namespace(lr=0.1, arch="tiny", drop_path=0.1),
                        "best_acc5": numpy.float64(95.25), "mean": numpy.array([0.485, 0.456, 0.406]),
                        "optimizer": {"state": {0: {"momentum_buffer": torch.ones(2)}}, "param_groups": [{"lr": 0.1}]}},
                       {}),
        "proto4": (sd, {"pickle_protocol": 4}),
        "dtypes": (dtypes_state_dict(), {}),
        "half": (collections.OrderedDict((k, v.half()) for k, v in sd.items() if v.is_floating_point()), {}),
        "bf16": (collections.OrderedDict((k, v.bfloat16()) for k, v in sd.items() if v.is_floating_point()), {}),
    }
    for name, (obj, kwargs) in fixtures.items():
        torch.save(obj, path(name + ".pth"), **kwargs)
        for key, t in expected_of(obj).items():
            expected[f"{name}/{key}"] = t
    rezip(path("conv_sd.pth"), path("deflated.pth"), zipfile.ZIP_DEFLATED, {"byteorder": b"little"})
    rezip(path("conv_sd.pth"), path("zip64.pth"), zipfile.ZIP_STORED, zip64=True)
    for archive in ("deflated", "zip64"):
        for key, t in expected_of(sd).items():
            expected[f"{archive}/{key}"] = t
    rezip(path("conv_sd.pth"), path("big_endian.pth"), zipfile.ZIP_STORED, {"byteorder": b"big"})
    hostile_archive(path("evil.pth"))

    write_safetensors(path("expected.safetensors"), expected)
    write_safetensors(path("interop.safetensors"), interop_tensors(),
                      metadata={"format": "pt", "note": "caf\u00e9 \"quoted\"\n\ttab"}, sort=True)
    for name in sorted(os.listdir(OUT)):
        print(f"{name:24s} {os.path.getsize(path(name)):6d} bytes")


if __name__ == "__main__":
    main()
