#!/usr/bin/python3
"""The pipeline of bench/image_pipeline_bench.cpp in torchvision 0.14 + Pillow 9.4, one thread.

    /usr/bin/python3 tools/image_pipeline_torchvision.py [IMAGE.jpg]
"""
import io
import os
import sys
import time

import torch
import torchvision.transforms as T
from PIL import Image

torch.set_num_threads(1)
here = os.path.dirname(os.path.abspath(__file__))
path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "tests", "fixtures", "data", "photo_250.jpg")
data = open(path, "rb").read()
pipeline = T.Compose([T.Resize((224, 224)), T.RandomHorizontalFlip(0.5), T.ColorJitter(0.2, 0.2), T.ToTensor(),
                      T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])


def one():
    return pipeline(Image.open(io.BytesIO(data)).convert("RGB"))


one()  # warm-up
wall, cpu = [], []
for _ in range(5):
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(200):
        one()
    wall.append((time.perf_counter() - start) / 200 * 1000)
    cpu.append((time.process_time() - cpu_start) / 200 * 1000)
wall_ms, cpu_ms = sorted(wall)[2], sorted(cpu)[2]
print(f"torchvision + Pillow, 1 thread: wall {wall_ms:.3f} ms/image, CPU {cpu_ms:.3f} ms/image "
      f"-> {1000 / wall_ms:.0f} images/s (wall), {1000 / cpu_ms:.0f} per CPU second")
