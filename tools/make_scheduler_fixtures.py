#!/usr/bin/python3
"""tests/fixtures/torch_schedulers.txt: learning-rate sequences of torch.optim.lr_scheduler and the
results of torch.nn.utils.clip_grad_norm_ (Debian python3-torch).
    /usr/bin/python3 tools/make_scheduler_fixtures.py

Tensors are written one per line as "TAG DTYPE NDIM DIMS... VALUES..." (tests/fixtures.hpp).
Schedulers: "case NAME", "base_lrs LR...", and one float64 tensor "output" [steps + 1, groups]: the learning rates
after construction and after each step. The C++ test builds the same schedulers from the name.
Clipping: "case clip_NAME", "max_norm X", "norm_type X", the gradients ("grad"), the total norm
torch returned ("total X") and the gradients after clipping ("output")."""
import os
import warnings
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "torch_schedulers.txt")
S = torch.optim.lr_scheduler


def opt(*lrs):
    groups = [{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in lrs]
    return torch.optim.SGD(groups, lr=lrs[0])


def warmup_cosine(o):
    return S.SequentialLR(o, [S.LinearLR(o, 0.1, 1.0, 5), S.CosineAnnealingLR(o, 15)], milestones=[5])


def three_parts(o):
    parts = [S.LinearLR(o, 0.5, 1.0, 2), S.StepLR(o, 2, 0.5), S.CosineAnnealingLR(o, 5, 1e-3)]
    return S.SequentialLR(o, parts, milestones=[2, 6])


# name: (learning rates of the groups, scheduler factory, steps); mirrored in tests/test_schedulers.cpp
SCHEDULERS = {
    "step": ((0.1,), lambda o: S.StepLR(o, 3, 0.5), 12),
    "step_two_groups": ((0.1, 0.01), lambda o: S.StepLR(o, 2), 8),
    "cosine": ((0.01,), lambda o: S.CosineAnnealingLR(o, 10, 1e-4), 25),
    "cosine_zero_min": ((0.5,), lambda o: S.CosineAnnealingLR(o, 7), 10),
    "linear": ((0.2,), lambda o: S.LinearLR(o, 0.1, 1.0, 4), 8),
    "linear_default": ((1e-3,), lambda o: S.LinearLR(o), 7),
    "linear_decay": ((0.3,), lambda o: S.LinearLR(o, 1.0, 0.25, 6), 9),
    "warmup_cosine": ((1e-3, 1e-4), warmup_cosine, 25),
    "three_parts": ((0.05,), three_parts, 14),
}

CLIPS = [  # name, max_norm, norm_type, gradient scale
    ("l2_clipped", 1.0, 2.0, 1.0),
    ("l2_not_clipped", 100.0, 2.0, 1.0),
    ("l1", 0.5, 1.0, 1.0),
    ("inf", 0.5, float("inf"), 1.0),
    ("p3", 2.0, 3.0, 1.0),
    ("tiny_grads", 1.0, 2.0, 1e-4),
]


def tensor_line(tag, t):
    values = [repr(v) for v in t.reshape(-1).tolist()]
    dtype = {torch.float32: "float32", torch.float64: "float64"}[t.dtype]
    return " ".join([tag, dtype, str(t.dim())] + [str(s) for s in t.shape] + values)


def main():
    # SequentialLR steps its parts with step(0) at the milestones, which torch 1.13 warns about.
    warnings.filterwarnings("ignore", message="The epoch parameter")
    lines = ["# torch %s" % torch.__version__]
    for name, (base_lrs, make, steps) in SCHEDULERS.items():
        o = opt(*base_lrs)
        sched = make(o)
        lrs = []
        for step in range(steps + 1):
            if step:
                o.step()
                sched.step()
            lrs.append([g["lr"] for g in o.param_groups])
        lines.append("case " + name)
        lines.append("base_lrs " + " ".join(repr(lr) for lr in base_lrs))
        lines.append(tensor_line("output", torch.tensor(lrs, dtype=torch.float64)))
    torch.manual_seed(0)
    for name, max_norm, norm_type, scale in CLIPS:
        params = [torch.zeros(5, 7, requires_grad=True), torch.zeros(3, requires_grad=True)]
        for p in params:
            p.grad = torch.randn_like(p) * scale
        lines += ["case clip_" + name, "max_norm %r" % max_norm, "norm_type %r" % norm_type]
        lines += [tensor_line("grad", p.grad) for p in params]
        total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
        lines.append("total %r" % total.item())
        lines += [tensor_line("output", p.grad) for p in params]
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
