#!/usr/bin/python3
"""PyTorch's side of bench/convnext_bench.cpp: same model, batch, size, threads and step.

/usr/bin/python3 tools/convnext_bench_torch.py --mode infer|train --batch B --size S --threads T [--steps N]
Needs Debian's python3-torch, python3-torchvision and libopenblas0-pthread. Prints one JSON line.
"""
import argparse
import json
import resource
import time

import torch
import torch.nn.functional as F
import torchvision

p = argparse.ArgumentParser()
p.add_argument("--mode", choices=["infer", "train"], default="infer")
p.add_argument("--batch", type=int, default=32)
p.add_argument("--size", type=int, default=224)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--steps", type=int, default=3)
p.add_argument("--channels-last", action="store_true")
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)
model = torchvision.models.convnext_tiny()
images = torch.randn(args.batch, 3, args.size, args.size)
labels = torch.randint(0, 1000, (args.batch,))
if args.channels_last:
    model = model.to(memory_format=torch.channels_last)
    images = images.to(memory_format=torch.channels_last)
opt = torch.optim.Adam(model.parameters(), lr=1e-4)
train = args.mode == "train"
model.train(train)


def step():
    if not train:
        with torch.no_grad():
            model(images)
        return
    loss = F.cross_entropy(model(images), labels)
    opt.zero_grad()
    loss.backward()
    opt.step()


times = []
for s in range(args.steps + 1):
    t0 = time.perf_counter()
    step()
    t = time.perf_counter() - t0
    print("%s step %d: %.1f ms (%.1f ms/img)%s" % (args.mode, s, t * 1e3, t * 1e3 / args.batch, " warm-up" if s == 0 else ""))
    if s:
        times.append(t)
t = sorted(times)[len(times) // 2]
macs = 4.47e9 * (args.size / 224) ** 2
flops = 2 * macs * args.batch * (3 if train else 1)
print(json.dumps({"framework": "pytorch " + torch.__version__, "mode": args.mode, "batch": args.batch, "size": args.size,
                  "threads": args.threads, "ms_per_img": round(t * 1e3 / args.batch, 2), "gflops": round(flops / t / 1e9, 1),
                  "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
