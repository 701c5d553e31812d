#!/usr/bin/python3
"""Writes tests/fixtures/data/: small images and what PIL and torchvision make of them.

Run with Debian's Pillow 9.4 and torchvision 0.14:
    apt-get install -y python3-pil python3-torchvision libjpeg-turbo-progs  # jpegtran; python3-sklearn
    # adds two real photos
    /usr/bin/python3 tools/make_image_fixtures.py
The tests (tests/test_image.cpp, tests/test_transforms.cpp) read the committed files and never
need Python.

Inputs are synthetic but photo-like (smooth colour fields, texture, sensor noise, sharp edges,
grey and clipped regions), so resampling, JPEG and the colour maths meet realistic pixels.
Every expected image is an RGB PNG. cases.txt lists one check per line, `KIND ARGS...`:
    png_sum      FILE W H SUM            an RGB PNG's size and byte sum (guards the PNG reader)
    decode       INPUT EXPECTED          PIL's open(INPUT).convert('RGB')
    jpeg_decode  INPUT EXPECTED          the same for a JPEG (both through libjpeg-turbo: identical)
    resize       INPUT H W EXPECTED      PIL's resize((W, H), BILINEAR)
    resize_short INPUT SIZE EXPECTED     torchvision's Resize(SIZE) (shorter side, PIL path)
    center_crop  INPUT H W EXPECTED      torchvision's CenterCrop((H, W))
    brightness|contrast|saturation|hue INPUT FACTOR EXPECTED   torchvision's adjust_* on PIL
    normalize    INPUT M0 M1 M2 S0 S1 S2 EXPECTED.f32   ToTensor then Normalize; float32 [3, H, W]
    real_photo   PATH H W EXPECTED       PIL's decode of a photo on this machine, then resize;
                                         the test skips (visibly) when PATH is absent
"""
import glob
import os
import subprocess

import numpy as np
from PIL import Image
import torch
import torchvision.transforms as T
import torchvision.transforms.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "tests", "fixtures", "data"))
cases = []


def photo_like(w, h, seed):
    """A smooth colour field with texture, noise, a saturated disk, a grey strip and highlights."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    u, v = x / w, y / h
    img = np.stack([
        128 + 100 * np.sin(2 * np.pi * (0.8 * u + 0.1)) * np.cos(2.2 * v),
        120 + 90 * np.sin(2 * np.pi * (0.6 * v + 0.3 * u + 0.4)),
        110 + 110 * np.cos(2 * np.pi * (0.5 * u - 0.7 * v)),
    ], axis=-1)
    img += (18 * np.sin(0.9 * x + 0.4 * y) * np.sin(0.7 * y))[..., None]   # texture
    img += rng.normal(0, 6, img.shape)                                    # sensor noise
    disk = (u - 0.65) ** 2 + (v - 0.35) ** 2 < 0.04
    img[disk] = [235, 40, 25] + rng.normal(0, 4, (disk.sum(), 3))         # sharp saturated edge
    strip = (u > 0.1) & (u < 0.25)
    img[strip] = (40 + 200 * v[strip] + rng.normal(0, 3, strip.sum()))[:, None]  # pure greys
    img[(u > 0.85) & (v > 0.8)] = 255                                     # clipped highlight
    img[(u < 0.08) & (v > 0.85)] = 0                                      # crushed shadow
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def save_expected(name, image):
    """Saves a PIL image as an RGB PNG and records its byte sum, so the reader is checked too."""
    arr = np.asarray(image.convert("RGB"))
    Image.fromarray(arr).save(os.path.join(OUT, name))
    cases.append(f"png_sum {name} {arr.shape[1]} {arr.shape[0]} {int(arr.astype(np.int64).sum())}")
    return name


def main():
    os.makedirs(OUT, exist_ok=True)
    for old in glob.glob(os.path.join(OUT, "*")):
        os.remove(old)

    # ---- inputs -----------------------------------------------------------------------------
    small = Image.fromarray(photo_like(61, 47, 1))
    big = Image.fromarray(photo_like(250, 250, 2))
    small.save(os.path.join(OUT, "photo_61x47.png"))
    big.save(os.path.join(OUT, "photo_250.png"))
    small.save(os.path.join(OUT, "photo_61x47.jpg"), quality=90)
    big.save(os.path.join(OUT, "photo_250.jpg"), quality=90)
    small.save(os.path.join(OUT, "photo_61x47.bmp"))
    small.convert("L").save(os.path.join(OUT, "gray_61x47.png"))
    la = small.convert("L")
    la.putalpha(Image.fromarray(photo_like(61, 47, 3)[..., 0]))
    la.save(os.path.join(OUT, "gray_alpha_61x47.png"))
    rgba = small.copy()
    rgba.putalpha(Image.fromarray(photo_like(61, 47, 4)[..., 1]))   # varying alpha, not composited
    rgba.save(os.path.join(OUT, "rgba_61x47.png"))
    pal = small.quantize(colors=64)
    pal.info["transparency"] = 5                                     # a tRNS chunk: PIL ignores it
    pal.save(os.path.join(OUT, "palette_61x47.png"), transparency=5)
    # A JPEG of the small image with a truncated tail and a text file that claims to be a JPEG.
    data = open(os.path.join(OUT, "photo_61x47.jpg"), "rb").read()
    open(os.path.join(OUT, "truncated.jpg"), "wb").write(data[: len(data) * 2 // 3])
    open(os.path.join(OUT, "text.jpg"), "w").write("this is not an image\n")
    open(os.path.join(OUT, "empty.png"), "wb").close()

    # ---- decoding: PIL's convert('RGB') --------------------------------------------------------
    for name in ["photo_61x47.bmp", "gray_61x47.png", "gray_alpha_61x47.png", "rgba_61x47.png",
                 "palette_61x47.png"]:
        expected = save_expected("decoded_" + name.replace(".", "_") + ".png",
                                 Image.open(os.path.join(OUT, name)).convert("RGB"))
        cases.append(f"decode {name} {expected}")
    # Chroma subsampled 4:2:2 (stb_image gets its last chroma column wrong) and a grey JPEG.
    big.save(os.path.join(OUT, "photo_250_422.jpg"), quality=90, subsampling=1)
    small.convert("L").save(os.path.join(OUT, "gray_61x47.jpg"), quality=90)
    # CMYK with Adobe's marker (as PIL writes it) and without (PIL reads both the same way), and
    # arithmetic coding (jpegtran, from Debian's libjpeg-turbo-progs).
    small.convert("CMYK").save(os.path.join(OUT, "cmyk_61x47.jpg"), quality=90)
    data = open(os.path.join(OUT, "cmyk_61x47.jpg"), "rb").read()
    app14 = data.find(b"\xff\xee")
    length = data[app14 + 2] * 256 + data[app14 + 3]
    open(os.path.join(OUT, "cmyk_no_adobe_61x47.jpg"), "wb").write(data[:app14] + data[app14 + 2 + length:])
    subprocess.run(["jpegtran", "-arithmetic", "-outfile", os.path.join(OUT, "arithmetic_61x47.jpg"),
                    os.path.join(OUT, "photo_61x47.jpg")], check=True)
    for name in ["photo_61x47.jpg", "photo_250.jpg", "photo_250_422.jpg", "gray_61x47.jpg", "cmyk_61x47.jpg",
                 "cmyk_no_adobe_61x47.jpg", "arithmetic_61x47.jpg"]:
        expected = save_expected("pil_decoded_" + name.replace(".", "_") + ".png",
                                 Image.open(os.path.join(OUT, name)).convert("RGB"))
        cases.append(f"jpeg_decode {name} {expected}")

    # ---- resize ------------------------------------------------------------------------------
    # (H, W): down and up by integer and non-integer factors, one axis only, extreme thin sizes.
    for h, w in [(47, 61), (23, 30), (16, 20), (40, 17), (94, 122), (100, 128), (47, 20), (13, 61),
                 (70, 33), (1, 1), (1, 61), (200, 7)]:
        expected = save_expected(f"resize_61x47_to_{w}x{h}.png", small.resize((w, h), Image.BILINEAR))
        cases.append(f"resize photo_61x47.png {h} {w} {expected}")
    for h, w in [(224, 224), (80, 120), (64, 64), (173, 97), (31, 250)]:
        expected = save_expected(f"resize_250_to_{w}x{h}.png", big.resize((w, h), Image.BILINEAR))
        cases.append(f"resize photo_250.png {h} {w} {expected}")
    for size in [32, 47, 100]:
        expected = save_expected(f"resize_short_61x47_{size}.png", T.Resize(size)(small))
        cases.append(f"resize_short photo_61x47.png {size} {expected}")
    tall = small.transpose(Image.Transpose.ROTATE_90)   # 47 wide, 61 tall: the other branch
    tall.save(os.path.join(OUT, "photo_47x61.png"))
    expected = save_expected("resize_short_47x61_30.png", T.Resize(30)(tall))
    cases.append(f"resize_short photo_47x61.png 30 {expected}")

    # ---- center crop (torchvision rounds the offsets half to even) ------------------------------
    for h, w in [(20, 30), (47, 61), (46, 60), (45, 58), (1, 1), (30, 61)]:
        expected = save_expected(f"center_crop_61x47_{w}x{h}.png", T.CenterCrop((h, w))(small))
        cases.append(f"center_crop photo_61x47.png {h} {w} {expected}")

    # ---- colour: each ColorJitter step with a fixed factor -----------------------------------
    ops = {
        "brightness": (F.adjust_brightness, [0.0, 0.5, 0.83, 1.0, 1.2, 1.7]),
        "contrast": (F.adjust_contrast, [0.0, 0.6, 0.8125, 1.3, 2.0]),
        "saturation": (F.adjust_saturation, [0.0, 0.4, 1.0, 1.5, 3.0]),
        "hue": (F.adjust_hue, [-0.5, -0.3, -0.05, 0.0, 0.1, 0.37, 0.5]),
    }
    for op, (fn, factors) in ops.items():
        for factor in factors:
            expected = save_expected(f"{op}_{factor:g}.png", fn(small, factor))
            cases.append(f"{op} photo_61x47.png {factor!r} {expected}")

    # ---- ToTensor + Normalize (ImageNet statistics) ---------------------------------------------
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    t = T.Normalize(mean, std)(T.ToTensor()(small))
    assert t.dtype == torch.float32 and t.shape == (3, 47, 61)
    t.numpy().astype("<f4").tofile(os.path.join(OUT, "normalize_61x47.f32"))
    cases.append("normalize photo_61x47.png " + " ".join(repr(x) for x in mean + std) + " normalize_61x47.f32")

    # ---- real photos (Debian's python3-sklearn ships two) ----------------------------------------
    for path in sorted(glob.glob("/usr/lib/python3/dist-packages/sklearn/datasets/images/*.jpg")):
        stem = os.path.splitext(os.path.basename(path))[0]
        photo = Image.open(path).convert("RGB")
        for h, w in [(224, 224), (80, 120)]:
            expected = save_expected(f"real_{stem}_{w}x{h}.png", photo.resize((w, h), Image.BILINEAR))
            cases.append(f"real_photo {path} {h} {w} {expected}")

    with open(os.path.join(OUT, "cases.txt"), "w") as f:
        f.write("\n".join(cases) + "\n")
    total = sum(os.path.getsize(p) for p in glob.glob(os.path.join(OUT, "*")))
    print(f"wrote {len(cases)} cases, {total / 1024:.0f} KiB, to {OUT}")


if __name__ == "__main__":
    main()
