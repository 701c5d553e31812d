#!/usr/bin/python3
"""Fixtures for tests/test_convnext.cpp, from torchvision 0.14 (Debian python3-torchvision).

    /usr/bin/python3 tools/make_convnext_fixtures.py

convnext_tiny_names.txt: every state_dict key of torchvision's convnext_tiny with its shape.
convnext_small_config.txt: a small ConvNeXt (dims 8-12-16-24, depths 1-1-2-1, 5 classes) whose
parameters are all random and far from their init (layer scales and LayerNorm weights included,
so that each one matters), an input batch, the logits in eval mode, a weight w and the gradients of
sum(w * logits) for every parameter and for the input. Format as tests/fixtures/torch_ops.txt.
convnext_small_autocast.txt: the same model, input and weight in float32 with minitorch's bf16
autocast written out in PyTorch: every linear layer and dense convolution rounds its two operands
to bfloat16 and computes in float32, forward and backward (where the output gradient is rounded
too); everything else stays float32. (torch.autocast itself writes bf16 activations, and in
PyTorch 1.13 on the CPU it fails inside layer_norm on this model.)
"""
import copy
import os
import torch
from torchvision.models import convnext_tiny
from torchvision.models.convnext import ConvNeXt, CNBlockConfig

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures")


def tensor_line(tag, name, t):
    vals = t.detach().double().reshape(-1).tolist()
    return " ".join([tag, name, "float64", str(t.dim())] + [str(s) for s in t.shape] + [repr(v) for v in vals])


def bf16(t):
    return t.bfloat16().float()


class Bf16Linear(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w, b):
        xr, wr = bf16(x), bf16(w)
        ctx.save_for_backward(xr, wr)
        return xr @ wr.t() + b

    @staticmethod
    def backward(ctx, g):
        xr, wr = ctx.saved_tensors
        gr = bf16(g)
        gw = gr.reshape(-1, gr.shape[-1]).t() @ xr.reshape(-1, xr.shape[-1])
        return gr @ wr, gw, g.reshape(-1, g.shape[-1]).sum(0)


class Bf16Conv(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w, b, stride):
        xr, wr = bf16(x), bf16(w)
        ctx.save_for_backward(xr, wr)
        ctx.stride = stride
        return torch.nn.functional.conv2d(xr, wr, b, stride)

    @staticmethod
    def backward(ctx, g):
        xr, wr = ctx.saved_tensors
        gr = bf16(g)
        gx = torch.nn.grad.conv2d_input(xr.shape, wr, gr, ctx.stride)
        gw = torch.nn.grad.conv2d_weight(xr, wr.shape, gr, ctx.stride)
        return gx, gw, g.sum((0, 2, 3)), None


def with_bf16_products(model):
    for m in model.modules():
        if isinstance(m, torch.nn.Linear):
            m.forward = lambda x, m=m: Bf16Linear.apply(x, m.weight, m.bias)
        elif isinstance(m, torch.nn.Conv2d) and m.groups == 1:
            assert m.padding == (0, 0) and m.dilation == (1, 1)
            m.forward = lambda x, m=m: Bf16Conv.apply(x, m.weight, m.bias, m.stride)
    return model


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

    model32 = with_bf16_products(copy.deepcopy(model).float())
    model32.zero_grad()
    x32 = x.detach().float().requires_grad_()
    logits32 = model32(x32)
    (logits32 * w.float()).sum().backward()
    lines = ["# torchvision %s ConvNeXt as above, float32, linear and dense conv operands rounded to bf16"
             % torch.__version__]
    lines.append(tensor_line("output", "logits", logits32.float()))
    lines.append(tensor_line("grad", "x", x32.grad))
    for name, p in model32.named_parameters():
        lines.append(tensor_line("grad", name, p.grad))
    with open(os.path.join(OUT, "convnext_small_autocast.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote convnext fixtures")


if __name__ == "__main__":
    main()
