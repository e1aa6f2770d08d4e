"""CPU vs GPU: training steps per second of a perceptron 784 → width → width → 10.

    python benchmarks/gpu.py                 # cpu and cuda (and PyTorch on cuda, if installed)
    python benchmarks/gpu.py --device standin --quick   # the code path, without a GPU

Writes ``benchmarks/gpu_results.json`` and ``benchmarks/gpu_results.md`` (or ``--out``):
for each batch size and width, the median steps/s over several runs on each device,
the speed-up of the GPU over the CPU, and PyTorch on the same GPU for comparison.
Each step is forward, cross-entropy, backward and an SGD update, in float32, ending
with ``loss.item()`` so that the GPU's asynchronous work is included.
"""

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import minigrad as mg  # noqa: E402
import minigrad.functional as F  # noqa: E402
from minigrad import backend, nn, optim  # noqa: E402

HERE = Path(__file__).resolve().parent


def _median_rate(step, repeats, warmup=3):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return 1 / float(np.median(times)), 1 / max(times), 1 / min(times)


def minigrad_step(device, batch, width):
    """One training step of the benchmark's model on ``device``, as a function."""
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(),
                          nn.Linear(width, 10)).to(device)
    opt = optim.SGD(model.parameters(), lr=0.01)
    x = mg.randn(batch, 784, dtype=np.float32, device=device)
    y = mg.tensor(np.arange(batch) % 10, device=device)

    def step():
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss.item()

    return step


def minigrad_rate(device, batch, width, repeats):
    return _median_rate(minigrad_step(device, batch, width), repeats)


def profile(device, batch, width, steps=200):
    """Print where a step's time goes (cProfile, the 25 costliest functions)."""
    import cProfile
    import pstats

    step = minigrad_step(device, batch, width)
    for _ in range(5):
        step()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        step()
    profiler.disable()
    print(f"profile of {steps} steps, batch {batch}, width {width}, on {device}:")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def torch_rate(batch, width, repeats):
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, width), torch.nn.ReLU(),
                                torch.nn.Linear(width, width), torch.nn.ReLU(),
                                torch.nn.Linear(width, 10)).cuda()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.randn(batch, 784, device="cuda")
    y = torch.arange(batch, device="cuda") % 10

    def step():
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss.item()

    return _median_rate(step, repeats)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="the device to compare with the CPU")
    parser.add_argument("--quick", action="store_true", help="a small grid, few repeats")
    parser.add_argument("--out", default=str(HERE / "gpu_results"),
                        help="path without extension for the .json and .md files")
    parser.add_argument("--profile", metavar="BATCH,WIDTH",
                        help="instead of the table, profile one configuration's step")
    args = parser.parse_args(argv)
    if args.device == "cuda" and not backend.cuda_available():
        print(f"No GPU to measure: {backend.cuda_problem()}.")
        return 0
    if args.profile:
        batch, width = (int(n) for n in args.profile.split(","))
        profile(args.device, batch, width)
        return 0
    batches = [32, 256] if args.quick else [32, 128, 1024, 4096]
    widths = [64] if args.quick else [128, 512, 2048]
    repeats = 3 if args.quick else 20
    rows = []
    for width in widths:
        for batch in batches:
            row = {"batch": batch, "width": width}
            for device in ("cpu", args.device):
                row[device] = minigrad_rate(device, batch, width, repeats)
            row["speedup"] = row[args.device][0] / row["cpu"][0]
            if args.device == "cuda":
                row["torch_cuda"] = torch_rate(batch, width, repeats)
            rows.append(row)
            print(f"batch {batch:>5} width {width:>5}: cpu {row['cpu'][0]:9.1f} steps/s, "
                  f"{args.device} {row[args.device][0]:9.1f} steps/s, "
                  f"speed-up {row['speedup']:6.2f}")
    gpu = None
    if args.device == "cuda":
        import cupy
        gpu = cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
    results = {"device": args.device, "gpu": gpu, "cpu": platform.processor() or platform.machine(),
               "repeats": repeats, "rows": rows}
    Path(args.out + ".json").write_text(json.dumps(results, indent=1) + "\n")
    lines = [f"# CPU vs {args.device}" + (f" ({gpu})" if gpu else ""), "",
             "Steps per second (median of the runs), model 784 → width → width → 10, float32.", "",
             "| batch | width | CPU | " + args.device + " | speed-up | PyTorch CUDA |",
             "|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        torch_cell = f"{row['torch_cuda'][0]:.1f}" if row.get("torch_cuda") else "–"
        lines.append(f"| {row['batch']} | {row['width']} | {row['cpu'][0]:.1f} | "
                     f"{row[args.device][0]:.1f} | {row['speedup']:.2f} | {torch_cell} |")
    Path(args.out + ".md").write_text("\n".join(lines) + "\n")
    print("wrote", args.out + ".json", "and", args.out + ".md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
