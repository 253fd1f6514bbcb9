"""PyTorch (fp32 eager) train-step throughput of the StackLab patch-transformer, as a reference.

    /usr/bin/python3 bench/reference/bench_torch.py --D 128 --H 4 --L 6 --P 8 --S 64 --C 16 \
        --F 512 --B 32 --device cpu --threads 2

Timed loop per step: forward, backward, clip_grad_norm_, AdamW step, zero_grad (random starts
each step). Prints one JSON line. Works with torch 1.13 and 2.x (no torch.compile).
"""
import argparse
import json
import os
import sys
import time

# Debian's torch runs its intra-op pool on GNU OpenMP while OpenBLAS (pthread build) keeps its own
# threads; with both spin-waiting on 2 cores a train step got 2-7x slower and very noisy. Passive
# waiting removes that oversubscription artifact. Must be set before torch (libgomp) loads; an
# explicit OMP_WAIT_POLICY in the environment wins.
if "--device" not in sys.argv or "cuda" not in sys.argv:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import PatchTransformer  # noqa: E402


def grad_scaler(device_type, enabled):
    """fp16's dynamic loss scaling: torch.amp.GradScaler from PyTorch 2.3 on (the device's 2.x);
    Debian's 1.13 has only torch.cuda.amp.GradScaler, which scales on CUDA alone (fp16 on a CPU
    is not a configuration this benchmark compares)."""
    amp = getattr(torch, "amp", None)
    if amp is not None and hasattr(amp, "GradScaler"):
        return amp.GradScaler(device_type, enabled=enabled)
    return torch.cuda.amp.GradScaler(enabled=enabled and device_type == "cuda")


def main():
    ap = argparse.ArgumentParser()
    for k, v in {"D": 128, "H": 4, "L": 6, "P": 8, "S": 64, "C": 16, "F": 512, "B": 32}.items():
        ap.add_argument(f"--{k}", type=int, default=v)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--threads", type=int, default=2)
    # fp32: strict (no TF32); tf32: TF32 tensor cores for fp32 products; bf16/fp16: autocast
    # (fp16 with GradScaler's dynamic loss scaling, as the engine's fp16).
    ap.add_argument("--precision", choices=["fp32", "tf32", "bf16", "fp16"], default="fp32")
    ap.add_argument("--seed", type=int, default=0)
    # GPU time per kernel of a few steps (torch.profiler), as a table in this file.
    ap.add_argument("--profile", default=None)
    args = ap.parse_args()

    cfg = {k: getattr(args, k) for k in ("D", "H", "L", "P", "S", "C", "F", "B")}
    dev = torch.device(args.device)
    if args.device == "cpu":
        torch.set_num_threads(args.threads)
    else:
        if not torch.cuda.is_available():
            raise SystemExit("bench_torch: --device cuda but CUDA is not available")
        # Like with like: strict fp32 has no TF32 tensor-core shortcuts; tf32 and bf16 allow them.
        tf32 = args.precision != "fp32"
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.backends.cudnn.allow_tf32 = tf32

    torch.manual_seed(args.seed)
    span = cfg["S"] * cfg["P"]
    n_rows = 50 * span
    data = torch.randn(n_rows, cfg["C"], device=dev, dtype=torch.float32)

    model = PatchTransformer(cfg, device=dev)
    with torch.no_grad():
        for p in model.named().values():
            if p.dim() >= 2:
                p.normal_(0.0, 0.02)
        for name, p in model.named().items():
            if name.endswith(".g"):  # LayerNorm gains start at 1, biases at 0
                p.fill_(1.0)
    params = list(model.named().values())
    opt = torch.optim.AdamW(model.decay_groups(0.1), lr=1e-3, betas=(0.9, 0.95), eps=1e-8)

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize()

    half = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(args.precision)
    scaler = grad_scaler(dev.type, args.precision == "fp16")

    def step():
        starts = torch.randint(0, n_rows - span + 1, (cfg["B"],), device=dev)
        with torch.autocast(device_type=dev.type, dtype=half or torch.bfloat16, enabled=half is not None):
            loss = model(data, starts)
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        scaler.step(opt)
        scaler.update()
        opt.zero_grad(set_to_none=True)
        return loss

    for _ in range(args.warmup):
        step()
    sync()
    t0 = time.perf_counter()
    for _ in range(args.steps):
        step()
    sync()
    sec = (time.perf_counter() - t0) / args.steps

    if args.profile:
        acts = [torch.profiler.ProfilerActivity.CPU]
        if dev.type == "cuda":
            acts.append(torch.profiler.ProfilerActivity.CUDA)
        with torch.profiler.profile(activities=acts) as prof:
            for _ in range(10):
                step()
            sync()
        key = "self_cuda_time_total" if dev.type == "cuda" else "self_cpu_time_total"
        with open(args.profile, "w") as f:
            f.write("10 steps\n")
            f.write(prof.key_averages().table(sort_by=key, row_limit=40))
        # Per operator, self time in ms per step, for bench/profile-compare.mjs.
        rows = [
            {"name": e.key, "ms": getattr(e, key) / 1000 / 10, "count": e.count / 10}
            for e in prof.key_averages()
            if getattr(e, key) > 0
        ]
        with open(args.profile + ".json", "w") as f:
            json.dump({"device": dev.type, "steps": 10, "ops": rows}, f)

    out = {
        "device": torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu",
        "threads": torch.get_num_threads() if dev.type == "cpu" else None,
        "msPerStep": sec * 1e3,
        "tokensPerSec": cfg["B"] * cfg["S"] / sec,
        "config": cfg,
        "torch": torch.__version__,
        "precision": args.precision,
        "ompWaitPolicy": os.environ.get("OMP_WAIT_POLICY"),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
