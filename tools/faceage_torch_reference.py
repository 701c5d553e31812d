#!/usr/bin/python3
"""The tutorial's PyTorch pipeline, step 3 onwards, timed: the reference that faceage is measured against.

/usr/bin/python3 tools/faceage_torch_reference.py --data DIR [--out DIR] [--epochs 5] [--threads 2]
    [--weights FILE.pth] [--save-init FILE.pth] [--image-size 224] [--workers 4]

It follows the seed's script (../shared/WORKFLOW.md, step 3) with its settings: set_seed(2024),
Resize((224, 224)) / RandomHorizontalFlip / ColorJitter(0.2, 0.2) / ToTensor / Normalize for
training, Resize / ToTensor / Normalize for validation, ImageFolder, DataLoader(batch_size=32,
shuffle=True, num_workers=4), torchvision's convnext_tiny with classifier[2] replaced by
Linear(768, 6), CrossEntropyLoss, Adam(lr=1e-4), train and val phases per epoch printing the seed's
lines; then the logits of both splits as features (torch.save((features, labels))), PCA and
t-SNE (sklearn, random_state=42) of the train features.

The ImageNet weights cannot be downloaded here, so the model starts from torchvision's random
initialisation. `--save-init FILE` writes that initial ImageNet-shaped state dict (1000-class
head) before training, so that `faceage train --weights FILE` starts from exactly the same
numbers. The last line printed is one JSON object with the phase times and accuracies.

Needs Debian's python3-torch, python3-torchvision, python3-sklearn and libopenblas0-pthread.
"""
import argparse
import json
import os
import random
import resource
import time

import numpy as np
import torch
import torch.nn as nn
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE
from torchvision import datasets, models, transforms

p = argparse.ArgumentParser()
p.add_argument("--data", required=True, help="folder with train/ and val/ (faceage split's output)")
p.add_argument("--out", default=None, help="where to write features and the per-epoch CSV")
p.add_argument("--epochs", type=int, default=5)
p.add_argument("--batch-size", type=int, default=32)
p.add_argument("--lr", type=float, default=1e-4)
p.add_argument("--image-size", type=int, default=224)
p.add_argument("--workers", type=int, default=4)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--weights", default=None, help="ImageNet-shaped state dict to start from")
p.add_argument("--save-init", default=None, help="write the initial ImageNet-shaped state dict here")
args = p.parse_args()


def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False


set_seed(2024)
torch.set_num_threads(args.threads)
device = torch.device("cpu")
print("Using device:", device)

size = (args.image_size, args.image_size)
normalize = transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
data_transforms = {
    "train": transforms.Compose([transforms.Resize(size), transforms.RandomHorizontalFlip(),
                                 transforms.ColorJitter(brightness=0.2, contrast=0.2),
                                 transforms.ToTensor(), normalize]),
    "val": transforms.Compose([transforms.Resize(size), transforms.ToTensor(), normalize]),
}
image_datasets = {x: datasets.ImageFolder(os.path.join(args.data, x), data_transforms[x]) for x in ["train", "val"]}
dataloaders = {x: torch.utils.data.DataLoader(image_datasets[x], batch_size=args.batch_size, shuffle=True,
                                              num_workers=args.workers) for x in ["train", "val"]}
dataset_sizes = {x: len(image_datasets[x]) for x in ["train", "val"]}
class_names = image_datasets["train"].classes
num_classes = len(class_names)

model = models.convnext_tiny()
if args.weights:
    model.load_state_dict(torch.load(args.weights))
if args.save_init:
    torch.save(model.state_dict(), args.save_init)
model.classifier[2] = nn.Linear(model.classifier[2].in_features, num_classes)
model = model.to(device)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)

history = {"train_losses": [], "train_accuracies": [], "val_losses": [], "val_accuracies": []}
epoch_seconds = []
t_train = time.perf_counter()
for epoch in range(args.epochs):
    print(f"Epoch {epoch + 1}/{args.epochs}")
    print("-" * 10)
    t_epoch = time.perf_counter()
    for phase in ["train", "val"]:
        model.train(phase == "train")
        running_loss = 0.0
        running_corrects = 0
        for inputs, labels in dataloaders[phase]:
            inputs, labels = inputs.to(device), labels.to(device)
            optimizer.zero_grad()
            with torch.set_grad_enabled(phase == "train"):
                outputs = model(inputs)
                _, preds = torch.max(outputs, 1)
                loss = criterion(outputs, labels)
                if phase == "train":
                    loss.backward()
                    optimizer.step()
            running_loss += loss.item() * inputs.size(0)
            running_corrects += torch.sum(preds == labels.data).item()
        epoch_loss = running_loss / dataset_sizes[phase]
        epoch_acc = running_corrects / dataset_sizes[phase]
        history[phase + "_losses"].append(epoch_loss)
        history[phase + "_accuracies"].append(epoch_acc)
        print(f"{phase} Loss: {epoch_loss:.4f} Acc: {epoch_acc:.4f}", flush=True)
    epoch_seconds.append(time.perf_counter() - t_epoch)
train_seconds = time.perf_counter() - t_train


def extract_features(loader):
    model.eval()
    features, labels = [], []
    with torch.no_grad():
        for inputs, targets in loader:
            features.append(model(inputs.to(device)).cpu())
            labels.append(targets)
    return torch.cat(features), torch.cat(labels)


t_features = time.perf_counter()
train_features, train_labels = extract_features(dataloaders["train"])
val_features, val_labels = extract_features(dataloaders["val"])
features_seconds = time.perf_counter() - t_features
if args.out:
    os.makedirs(args.out, exist_ok=True)
    torch.save((train_features, train_labels), os.path.join(args.out, "convnext_train_features.pth"))
    torch.save((val_features, val_labels), os.path.join(args.out, "convnext_val_features.pth"))
    with open(os.path.join(args.out, "convnext_loss_acc.csv"), "w", encoding="utf_8_sig") as f:
        f.write("," + ",".join(history) + "\n")
        for i in range(args.epochs):
            f.write(str(i) + "," + ",".join(repr(history[k][i]) for k in history) + "\n")

t_projection = time.perf_counter()
x = train_features.numpy()
PCA(n_components=2).fit_transform(x)
tsne = TSNE(n_components=2, random_state=42)
tsne.fit_transform(x)
projection_seconds = time.perf_counter() - t_projection

print(json.dumps({
    "framework": "pytorch " + torch.__version__, "threads": args.threads, "workers": args.workers,
    "train_images": dataset_sizes["train"], "val_images": dataset_sizes["val"], "epochs": args.epochs,
    "image_size": args.image_size, "train_seconds": round(train_seconds, 1),
    "epoch_seconds": [round(s, 1) for s in epoch_seconds], "features_seconds": round(features_seconds, 1),
    "projection_seconds": round(projection_seconds, 1), "tsne_kl": round(float(tsne.kl_divergence_), 4),
    "val_accuracies": [round(a, 4) for a in history["val_accuracies"]],
    "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
