#!/usr/bin/python3
"""Fixtures for tests/test_convnext.cpp, from torchvision 0.14 (Debian python3-torchvision).

    /usr/bin/python3 tools/make_convnext_fixtures.py

convnext_tiny_names.txt: every state_dict key of torchvision's convnext_tiny with its shape.
convnext_small_config.txt: a small ConvNeXt (dims 8-12-16-24, depths 1-1-2-1, 5 classes) whose
parameters are all random and far from their init (layer scales and LayerNorm weights included,
so that each one matters), an input batch, the logits in eval mode, a weight w and the gradients of
sum(w * logits) for every parameter and for the input. Format as tests/fixtures/torch_ops.txt.
"""
import os
import torch
from torchvision.models import convnext_tiny
from torchvision.models.convnext import ConvNeXt, CNBlockConfig

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures")


def tensor_line(tag, name, t):
    vals = t.detach().double().reshape(-1).tolist()
    return " ".join([tag, name, "float64", str(t.dim())] + [str(s) for s in t.shape] + [repr(v) for v in vals])


def main():
    torch.manual_seed(0)
    with open(os.path.join(OUT, "convnext_tiny_names.txt"), "w") as f:
        for name, t in convnext_tiny().state_dict().items():
            f.write(name + " " + " ".join(str(s) for s in t.shape) + "\n")

    config = [CNBlockConfig(8, 12, 1), CNBlockConfig(12, 16, 1), CNBlockConfig(16, 24, 2), CNBlockConfig(24, None, 1)]
    model = ConvNeXt(config, stochastic_depth_prob=0.0, num_classes=5).double()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "layer_scale" in name:
                p.copy_(0.5 + torch.rand_like(p))                  # far from 1e-6
            elif p.dim() == 1 and ("block.2" in name or name.endswith("0.1.weight") or "classifier.0" in name
                                   or (name.startswith("features.") and ".0.weight" in name and p.dim() == 1)):
                p.copy_(0.5 + torch.rand_like(p) if name.endswith("weight") else torch.randn_like(p) * 0.3)
            else:
                p.copy_(torch.randn_like(p) * (0.3 if p.dim() == 1 else 1.0 / max(1, p[0].numel()) ** 0.5))
    model.eval()
    x = torch.randn(2, 3, 32, 32, dtype=torch.float64, requires_grad=True)
    logits = model(x)
    w = torch.randn_like(logits)
    (logits * w).sum().backward()
    lines = ["# torchvision %s ConvNeXt, dims 8-12-16-24, depths 1-1-2-1" % torch.__version__]
    for name, p in model.named_parameters():
        lines.append(tensor_line("param", name, p))
    lines.append(tensor_line("input", "x", x))
    lines.append(tensor_line("output", "logits", logits))
    lines.append(tensor_line("weight", "w", w))
    lines.append(tensor_line("grad", "x", x.grad))
    for name, p in model.named_parameters():
        lines.append(tensor_line("grad", name, p.grad))
    with open(os.path.join(OUT, "convnext_small_config.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote convnext fixtures")


if __name__ == "__main__":
    main()
