#!/usr/bin/python3
"""tests/fixtures/torch_optim.txt: parameters after each of 5 steps of torch.optim optimizers fed
the same gradients (Debian python3-torch).  /usr/bin/python3 tools/make_optim_fixtures.py

Per case: "case NAME", the initial parameters ("input"), then per step the gradients ("grad") and
the parameters after the step ("output"), in order."""
import os
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "torch_optim.txt")

CASES = {
    "sgd": lambda p: torch.optim.SGD(p, lr=0.1),
    "sgd_momentum_wd": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01),
    "sgd_nesterov": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    "adam": lambda p: torch.optim.Adam(p, lr=1e-2),
    "adam_wd": lambda p: torch.optim.Adam(p, lr=1e-3, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
    "adamw": lambda p: torch.optim.AdamW(p, lr=1e-2, weight_decay=0.05),
    "adamw_default_decay": lambda p: torch.optim.AdamW(p, lr=0.1),  # weight_decay=1e-2 unless given
}


def line(tag, t):
    return " ".join([tag, "float32", str(t.dim())] + [str(s) for s in t.shape] + [repr(v) for v in t.reshape(-1).tolist()])


def main():
    torch.manual_seed(0)
    lines = ["# torch.optim %s, 5 steps each" % torch.__version__]
    for name, make in CASES.items():
        params = [torch.randn(5, 7, requires_grad=True), torch.randn(3, requires_grad=True)]
        opt = make(params)
        lines.append("case " + name)
        for p in params:
            lines.append(line("input", p.detach()))
        for step in range(5):
            for p in params:
                p.grad = torch.randn_like(p)
                lines.append(line("grad", p.grad))
            opt.step()
            for p in params:
                lines.append(line("output", p.detach()))
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
