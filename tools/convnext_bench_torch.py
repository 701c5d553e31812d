#!/usr/bin/python3
"""PyTorch's side of bench/convnext_bench.cpp: same model, batch, size, threads and step.

/usr/bin/python3 tools/convnext_bench_torch.py --mode infer|train --batch B --size S --threads T [--steps N]
    [--device cpu|cuda] [--channels-last] [--amp bf16] [--tf32]
Needs Debian's python3-torch, python3-torchvision and libopenblas0-pthread (CPU), or any PyTorch
with CUDA (GPU: eager mode, each step synchronised). Prints one JSON line.
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
p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
p.add_argument("--amp", choices=["none", "bf16"], default="none", help="autocast to bf16, fp32 master weights")
p.add_argument("--tf32", action="store_true", help="float32 matmuls and convolutions on TF32 tensor cores")
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)
torch.backends.cuda.matmul.allow_tf32 = args.tf32
torch.backends.cudnn.allow_tf32 = args.tf32
torch.backends.cudnn.benchmark = True
device = torch.device(args.device)
model = torchvision.models.convnext_tiny().to(device)
images = torch.randn(args.batch, 3, args.size, args.size, device=device)
labels = torch.randint(0, 1000, (args.batch,), device=device)
if args.channels_last:
    model = model.to(memory_format=torch.channels_last)
    images = images.to(memory_format=torch.channels_last)
opt = torch.optim.Adam(model.parameters(), lr=1e-4)
train = args.mode == "train"
model.train(train)


def autocast():
    return torch.autocast(args.device, dtype=torch.bfloat16, enabled=args.amp == "bf16")


def step():
    if not train:
        with torch.no_grad(), autocast():
            model(images)
        return
    with autocast():
        loss = F.cross_entropy(model(images), labels)
    opt.zero_grad()
    loss.backward()
    opt.step()


def synchronize():
    if args.device == "cuda":
        torch.cuda.synchronize()


times = []
for s in range(args.steps + 1):
    t0 = time.perf_counter()
    step()
    synchronize()
    t = time.perf_counter() - t0
    print("%s step %d: %.1f ms (%.1f ms/img)%s" % (args.mode, s, t * 1e3, t * 1e3 / args.batch, " warm-up" if s == 0 else ""))
    if s:
        times.append(t)
t = sorted(times)[len(times) // 2]
macs = 4.47e9 * (args.size / 224) ** 2
flops = 2 * macs * args.batch * (3 if train else 1)
peak_tensor = torch.cuda.max_memory_allocated() / 2**20 if args.device == "cuda" else 0
print(json.dumps({"framework": "pytorch " + torch.__version__, "mode": args.mode, "device": args.device, "amp": args.amp,
                  "tf32": args.tf32, "channels_last": args.channels_last, "batch": args.batch, "size": args.size,
                  "threads": args.threads, "ms_per_img": round(t * 1e3 / args.batch, 3),
                  "images_per_s": round(args.batch / t, 1), "gflops": round(flops / t / 1e9, 1),
                  "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                  "peak_tensor_mib": round(peak_tensor)}))
