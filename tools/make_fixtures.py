#!/usr/bin/python3
"""Writes tests/fixtures/torch_ops.txt and tests/fixtures/torch_print.txt with PyTorch's numbers.

Run with Debian's python3-torch (1.13):  /usr/bin/python3 tools/make_fixtures.py
The tests read the committed files and never need Python.

torch_ops.txt, one block per case:
    case NAME
    input|weight|output|grad DTYPE NDIM DIMS... VALUES...
For every case the test computes output = op(inputs) and the gradients of sum(weight * output)
with respect to each input, and compares them with PyTorch's.

torch_print.txt, one block per case: the tensor to print and the exact str() PyTorch gives:
    case NAME
    tensor DTYPE NDIM DIMS... VALUES...
    flags requires_grad=0|1
    text ESCAPED   (newlines written as \\n)
"""
import os
import torch
import torch.nn.functional as F

torch.manual_seed(0)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures")

DT = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64", torch.uint8: "uint8",
      torch.bool: "bool", torch.float16: "float16", torch.bfloat16: "bfloat16"}


def tensor_line(tag, t):
    t = t.detach()
    vals = t.double().reshape(-1).tolist() if t.dtype not in (torch.int64, torch.bool, torch.uint8) \
        else t.long().reshape(-1).tolist()
    return " ".join([tag, DT[t.dtype], str(t.dim())] + [str(s) for s in t.shape] + [repr(v) for v in vals])


def rnd(*shape, lo=-2.0, hi=2.0, dtype=torch.float64):
    return (torch.rand(*shape, dtype=torch.float64) * (hi - lo) + lo).to(dtype)


def nhwc_conv(x, w, b, stride, padding, groups):
    return F.conv2d(x.permute(0, 3, 1, 2), w, b, stride=stride, padding=padding, groups=groups).permute(0, 2, 3, 1)


# name -> (function of inputs, inputs). Indices are int64 inputs that get no gradient.
CASES = {
    "add_broadcast": (lambda a, b: a + b, [rnd(3, 1, 4), rnd(2, 4)]),
    "sub": (lambda a, b: a - b, [rnd(2, 3), rnd(3)]),
    "mul_broadcast": (lambda a, b: a * b, [rnd(2, 3, 1), rnd(1, 4)]),
    "div": (lambda a, b: a / b, [rnd(2, 3), rnd(2, 3, lo=0.5, hi=2)]),
    "pow_tensor": (lambda a, b: torch.pow(a, b), [rnd(3, 2, lo=0.5, hi=2), rnd(2)]),
    "pow_scalar": (lambda a: a ** 2.5, [rnd(4, lo=0.1, hi=3)]),
    "maximum": (lambda a, b: torch.maximum(a, b), [rnd(3, 4), rnd(4)]),
    "neg": (lambda a: -a, [rnd(5)]),
    "abs": (lambda a: a.abs(), [rnd(6)]),
    "exp": (lambda a: a.exp(), [rnd(2, 3)]),
    "log": (lambda a: a.log(), [rnd(2, 3, lo=0.1, hi=4)]),
    "sqrt": (lambda a: a.sqrt(), [rnd(5, lo=0.1, hi=4)]),
    "rsqrt": (lambda a: a.rsqrt(), [rnd(5, lo=0.1, hi=4)]),
    "tanh": (lambda a: a.tanh(), [rnd(7)]),
    "sigmoid": (lambda a: a.sigmoid(), [rnd(7, lo=-6, hi=6)]),
    "relu": (lambda a: a.relu(), [rnd(7)]),
    "erf": (lambda a: torch.erf(a), [rnd(7)]),
    "gelu": (lambda a: F.gelu(a), [rnd(9, lo=-4, hi=4)]),
    "gelu_tanh": (lambda a: F.gelu(a, approximate="tanh"), [rnd(9, lo=-4, hi=4)]),
    "clamp": (lambda a: a.clamp(-0.5, 1.0), [rnd(8)]),
    "where": (lambda a, b: torch.where(a > 0, a, b), [rnd(3, 4), rnd(4)]),
    "sum_dims": (lambda a: a.sum(dim=(0, 2)), [rnd(2, 3, 4)]),
    "sum_keepdim": (lambda a: a.sum(dim=1, keepdim=True), [rnd(2, 3, 4)]),
    "mean": (lambda a: a.mean(dim=-1), [rnd(3, 5)]),
    "var": (lambda a: a.var(dim=1), [rnd(3, 5)]),
    "var_unbiased0": (lambda a: a.var(dim=(0, 1), unbiased=False), [rnd(3, 5)]),
    "std": (lambda a: a.std(dim=0, keepdim=True), [rnd(4, 3)]),
    "amax": (lambda a: a.amax(dim=1), [rnd(3, 5)]),
    "max_dim": (lambda a: a.max(dim=0).values, [rnd(4, 3)]),
    "matmul_batched": (lambda a, b: a @ b, [rnd(2, 1, 3, 4), rnd(3, 4, 5)]),
    "matmul_vec": (lambda a, b: a @ b, [rnd(4), rnd(2, 4, 3)]),
    "linear": (lambda x, w, b: F.linear(x, w, b), [rnd(2, 3, 4), rnd(5, 4), rnd(5)]),
    "softmax": (lambda a: a.softmax(dim=1), [rnd(2, 4, 3, lo=-5, hi=5)]),
    "log_softmax": (lambda a: a.log_softmax(dim=-1), [rnd(3, 6, lo=-5, hi=5)]),
    "cat": (lambda a, b: torch.cat([a, b, a], dim=1), [rnd(2, 3), rnd(2, 1)]),
    "stack": (lambda a, b: torch.stack([a, b], dim=1), [rnd(2, 3), rnd(2, 3)]),
    "permute_reshape": (lambda a: a.permute(2, 0, 1).reshape(4, 6), [rnd(2, 3, 4)]),
    "narrow_select": (lambda a: a.narrow(1, 1, 2).select(0, 1), [rnd(2, 3, 4)]),
    "expand": (lambda a: a.expand(3, 2, 4), [rnd(2, 1)]),
    "index_select": (lambda a, i: a.index_select(1, i), [rnd(3, 4), torch.tensor([3, 0, 3])]),
    "gather": (lambda a, i: a.gather(1, i), [rnd(3, 4), torch.tensor([[0, 3], [1, 1], [2, 0]])]),
    "cross_entropy": (lambda x, y: F.cross_entropy(x, y), [rnd(5, 6, lo=-3, hi=3), torch.tensor([0, 5, 2, 2, 1])]),
    "layer_norm": (lambda x, w, b: F.layer_norm(x, (6,), w, b, eps=1e-6), [rnd(2, 3, 6), rnd(6), rnd(6)]),
    "layer_norm_noaffine": (lambda x: F.layer_norm(x, (5,)), [rnd(4, 5)]),
    # Convolutions: inputs are NHWC, as minitorch's activations; torch computes in NCHW.
    "conv_depthwise7": (lambda x, w, b: nhwc_conv(x, w, b, 1, 3, 4), [rnd(2, 9, 8, 4), rnd(4, 1, 7, 7), rnd(4)]),
    "conv_depthwise3_s2": (lambda x, w, b: nhwc_conv(x, w, b, 2, 1, 3), [rnd(1, 7, 6, 3), rnd(3, 1, 3, 3), rnd(3)]),
    "conv_patchify": (lambda x, w, b: nhwc_conv(x, w, b, 4, 0, 1), [rnd(2, 8, 12, 3), rnd(5, 3, 4, 4), rnd(5)]),
    "conv_dense3_s2": (lambda x, w, b: nhwc_conv(x, w, b, 2, 1, 1), [rnd(2, 7, 5, 3), rnd(4, 3, 3, 3), rnd(4)]),
    "conv_grouped": (lambda x, w: nhwc_conv(x, w, None, 1, 1, 2), [rnd(1, 5, 5, 4), rnd(6, 2, 3, 3)]),
    "ce_weighted_smooth": (lambda x, y, w: F.cross_entropy(x, y, weight=w.detach(), label_smoothing=0.1),
                           [rnd(6, 4, lo=-3, hi=3), torch.tensor([0, 3, 2, 2, 1, 3]), rnd(4, lo=0.2, hi=2)]),
    "ce_sum_ignore": (lambda x, y: F.cross_entropy(x, y, reduction="sum", ignore_index=1),
                      [rnd(5, 3, lo=-3, hi=3), torch.tensor([0, 1, 2, 1, 0])]),
    "ce_none_smooth": (lambda x, y: F.cross_entropy(x, y, reduction="none", label_smoothing=0.3),
                       [rnd(4, 5, lo=-3, hi=3), torch.tensor([4, 0, 1, 1])]),
    "nll_weighted": (lambda x, y, w: F.nll_loss(x.log_softmax(1), y, weight=w.detach()),
                     [rnd(5, 3), torch.tensor([2, 0, 1, 1, 2]), rnd(3, lo=0.5, hi=1.5)]),
    "float32_softmax": (lambda a: a.softmax(dim=-1), [rnd(4, 50, lo=-8, hi=8, dtype=torch.float32)]),
    "float32_gelu": (lambda a: F.gelu(a), [rnd(100, lo=-6, hi=6, dtype=torch.float32)]),
    "float32_matmul": (lambda a, b: a @ b, [rnd(33, 70, dtype=torch.float32), rnd(70, 17, dtype=torch.float32)]),
    "float32_layer_stats": (lambda a: (a - a.mean(-1, keepdim=True)) * torch.rsqrt(a.var(-1, unbiased=False, keepdim=True) + 1e-6),
                            [rnd(6, 96, dtype=torch.float32)]),
    # Every target ignored: the mean is NaN, but the gradient is 0, not NaN.
    "ce_mean_all_ignored": (lambda x, y: F.cross_entropy(x, y, ignore_index=2, label_smoothing=0.1),
                            [rnd(3, 4), torch.tensor([2, 2, 2])]),
    "nll_mean_all_ignored": (lambda x, y: F.nll_loss(x, y, ignore_index=0), [rnd(2, 3), torch.tensor([0, 0])]),
    # Counted targets whose class weights are all 0: NaN gradients, in torch as here.
    "ce_mean_zero_weights": (lambda x, y, w: F.cross_entropy(x, y, weight=w.detach()),
                             [rnd(3, 4), torch.tensor([1, 1, 2]), torch.tensor([1.0, 0, 0, 1], dtype=torch.float64)]),
    # A constant row has std 0: its gradient is 0, not 0 * inf.
    "std_constant_row": (lambda a: a.std(1), [torch.tensor([[2.0, 2, 2], [1, 2, 3.5]], dtype=torch.float64)]),
}


def write_ops():
    lines = ["# PyTorch %s reference values, made by tools/make_fixtures.py" % torch.__version__]
    for name, (fn, inputs) in CASES.items():
        inputs = [t.clone().requires_grad_(t.is_floating_point()) for t in inputs]
        out = fn(*inputs)
        weight = torch.randn(out.shape, dtype=out.dtype)
        (out * weight).sum().backward()
        lines.append("case " + name)
        for t in inputs:
            lines.append(tensor_line("input", t))
        lines.append(tensor_line("weight", weight))
        lines.append(tensor_line("output", out))
        for t in inputs:
            if t.grad is not None:  # inputs an op uses detached (class weights) get none
                lines.append(tensor_line("grad", t.grad))
    with open(os.path.join(OUT, "torch_ops.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def print_cases():
    yield "floats", torch.tensor([1.5, -2.25, 3.0, 0.1234567])
    yield "ints_as_floats", torch.tensor([1.0, -2.0, 300.0])
    yield "zeros", torch.zeros(2, 3)
    yield "sci_large", torch.tensor([1e9, 1.0, -3.5])
    yield "sci_small", torch.tensor([1e-5, 0.5])
    yield "int_sci", torch.tensor([1.0, 100000.0])
    yield "matrix", torch.arange(12, dtype=torch.float32).reshape(3, 4) / 7
    yield "cube", torch.arange(24, dtype=torch.float32).reshape(2, 3, 4) - 10
    yield "int64", torch.tensor([[1, -20], [300, 4]])
    yield "float64", torch.tensor([0.5, 2.0], dtype=torch.float64)
    yield "uint8", torch.tensor([0, 255, 7], dtype=torch.uint8)
    yield "bool", torch.tensor([True, False, True])
    yield "scalar", torch.tensor(3.25)
    yield "scalar_int", torch.tensor(7)
    yield "empty", torch.zeros(0)
    yield "empty_2d", torch.zeros(0, 3)
    yield "empty_int64", torch.zeros(0, dtype=torch.int64)  # empty: every dtype but the default is named
    yield "empty_bool_2d", torch.zeros(0, 2, dtype=torch.bool)
    yield "nonfinite", torch.tensor([float("nan"), float("inf"), -1.5])
    yield "nonfinite_int_mode", torch.tensor([float("-inf"), 2.0])
    yield "long_row", torch.linspace(-1, 1, 30)
    yield "summarized", torch.arange(2000, dtype=torch.float32).reshape(40, 50) / 3
    yield "summarized_1d", torch.arange(1500, dtype=torch.float32)
    yield "requires_grad", torch.tensor([1.0, 2.0], requires_grad=True)
    yield "float64_grad", torch.tensor([[1.0, 2.5]], dtype=torch.float64, requires_grad=True)
    yield "float16", torch.tensor([1.5, 0.1], dtype=torch.float16)
    yield "mixed_width", torch.tensor([[1.0, -123.456], [0.001, 99.0]])


def write_print():
    lines = ["# PyTorch %s str() of tensors, made by tools/make_fixtures.py" % torch.__version__]
    for name, t in print_cases():
        lines.append("case " + name)
        lines.append(tensor_line("tensor", t))
        lines.append("flags requires_grad=%d" % int(t.requires_grad))
        lines.append("text " + str(t).replace("\\", "\\\\").replace("\n", "\\n"))
    with open(os.path.join(OUT, "torch_print.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    write_ops()
    write_print()
    print("wrote", os.path.join(OUT, "torch_ops.txt"), "and torch_print.txt")
