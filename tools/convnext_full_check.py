#!/usr/bin/python3
"""The full-size comparison with torchvision (opt-in; see scripts/check-against-torch.sh).

/usr/bin/python3 tools/convnext_full_check.py OUT_DIR

Builds torchvision's convnext_tiny (stochastic depth off, so training mode is deterministic),
moves every LayerNorm weight and bias and every layer scale far from its init so that each
parameter matters, and writes OUT_DIR/weights.pth (torch.save of the state_dict, the file a user
would have) and OUT_DIR/expected.pth: the input batch, the labels, the logits and the gradient of
the mean cross-entropy for every parameter.
"""
import os
import sys

import torch
import torch.nn.functional as F
from torchvision.models import convnext_tiny

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)
model = convnext_tiny(stochastic_depth_prob=0.0)
with torch.no_grad():
    for name, p in model.named_parameters():
        if "layer_scale" in name:
            p.uniform_(0.05, 0.3)
        elif p.dim() == 1 and name.endswith("weight"):  # LayerNorm weights
            p.uniform_(0.5, 1.5)
        elif p.dim() == 1:  # biases
            p.normal_(0, 0.1)
model.train()
x = torch.randn(2, 3, 224, 224)
labels = torch.tensor([3, 997])
logits = model(x)
F.cross_entropy(logits, labels).backward()
# The evaluation preset of the weights, through PIL and torchvision, on a photo-like test image.
from PIL import Image
from torchvision.models import ConvNeXt_Tiny_Weights
image = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "data", "photo_250.png")
model.eval()
with torch.no_grad():
    preset_logits = model(ConvNeXt_Tiny_Weights.IMAGENET1K_V1.transforms()(Image.open(image).convert("RGB")).unsqueeze(0))[0]
torch.save(model.state_dict(), os.path.join(out, "weights.pth"))
expected = {"input": x, "labels": labels, "logits": logits.detach(), "preset_logits": preset_logits}
for name, p in model.named_parameters():
    expected["grad." + name] = p.grad
torch.save(expected, os.path.join(out, "expected.pth"))
print("wrote", out)
