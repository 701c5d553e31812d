#!/usr/bin/python3
"""Writes models/imagenet_classes.cpp: the 1000 ImageNet class names in torchvision's order, from
the metadata of torchvision's weights (no download).  /usr/bin/python3 tools/make_imagenet_classes.py"""
import json
import os

from torchvision.models import ConvNeXt_Tiny_Weights

names = ConvNeXt_Tiny_Weights.IMAGENET1K_V1.meta["categories"]
assert len(names) == 1000
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models", "imagenet_classes.cpp")
with open(out, "w") as f:
    f.write("// The 1000 ImageNet-1k class names in torchvision's order (written by tools/make_imagenet_classes.py).\n")
    f.write('#include "models/imagenet_classes.hpp"\n\nnamespace minitorch::models {\n\n')
    f.write("const std::array<const char*, 1000>& imagenet_classes() {\n  static const std::array<const char*, 1000> names = {\n")
    for n in names:
        f.write("      %s,\n" % json.dumps(n))
    f.write("  };\n  return names;\n}\n\n")
    f.write("data::transforms::Compose imagenet_eval_preset() {\n  using namespace data::transforms;\n")
    f.write("  return Compose({Resize(236), CenterCrop(224), ToTensor(), Normalize({0.485, 0.456, 0.406}, {0.229, 0.224, 0.225})});\n")
    f.write("}\n\n}  // namespace minitorch::models\n")
print("wrote", out)
