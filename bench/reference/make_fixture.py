"""Generates the `tiny` training-step fixture the TypeScript engine is tested against.

    /usr/bin/python3 bench/reference/make_fixture.py --out tests/fixtures/tiny-step [--no-check]

Writes data.safetensors, initial.safetensors, grads.safetensors (step-1 gradients before
clipping), after3.safetensors (parameters after 3 AdamW steps) and meta.json. Unless --no-check,
first verifies the step-1 autograd gradients against float64 central finite differences.
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import PatchTransformer, batch_from_starts, param_shapes  # noqa: E402
import safetensors_io  # noqa: E402

CONFIG = {"D": 32, "H": 2, "L": 2, "P": 4, "S": 16, "C": 3, "F": 128, "B": 8}
OPT = {"lr": 1e-3, "b1": 0.9, "b2": 0.95, "eps": 1e-8, "wd": 0.1, "maxNorm": 1.0}
N = 400
STEPS = 3


def make_data():
    rng = np.random.default_rng(1234)
    t = np.arange(N, dtype=np.float64)
    ch0 = np.sin(2 * np.pi * t / 37)
    ch1 = 0.5 * np.cos(2 * np.pi * t / 23) + 0.3 * ch0
    ch2 = np.cumsum(rng.normal(0.0, 0.05, N))
    data = np.stack([ch0, ch1, ch2], axis=1) + rng.normal(0.0, 0.05, (N, 3))
    return data.astype(np.float32)


def make_initial(cfg):
    """Parameters drawn in canonical name order from default_rng(7)."""
    rng = np.random.default_rng(7)
    out = {}
    for name, shape in param_shapes(cfg).items():
        if len(shape) >= 2:
            w = rng.normal(0.0, 0.02, shape)
        else:
            base = 1.0 if name.endswith(".g") else 0.0  # LayerNorm gains start at 1
            w = base + rng.normal(0.0, 0.01, shape)
        out[name] = w.astype(np.float32)
    return out


def make_starts(cfg):
    span = cfg["S"] * cfg["P"]
    return np.random.default_rng(99).integers(0, N - span + 1, size=(STEPS, cfg["B"])).astype(np.int32)


def fd_check(initial, data, starts, n_entries=16, h=1e-6):
    """Max relative error of float32 and float64 autograd gradients vs float64 central differences."""
    m32 = PatchTransformer(CONFIG)
    m32.load_named(initial)
    m32(torch.from_numpy(data), torch.from_numpy(starts)).backward()
    g32 = {n: p.grad.double() for n, p in m32.named().items()}

    m64 = PatchTransformer(CONFIG, dtype=torch.float64)
    m64.load_named(initial)
    d64 = torch.from_numpy(data).double()
    s = torch.from_numpy(starts)
    m64(d64, s).backward()
    g64 = {n: p.grad.clone() for n, p in m64.named().items()}
    gscale = math.sqrt(sum(float((g ** 2).sum()) for g in g64.values()))

    rng = np.random.default_rng(5)
    names = list(g64)
    picks = [names[i] for i in rng.choice(len(names), size=n_entries, replace=True)]
    err64 = err32 = 0.0
    rows = []
    with torch.no_grad():
        for name in picks:
            p = m64.p(name)
            flat = p.view(-1)
            i = int(rng.integers(0, flat.numel()))
            orig = float(flat[i])
            flat[i] = orig + h
            lp = float(m64(d64, s))
            flat[i] = orig - h
            lm = float(m64(d64, s))
            flat[i] = orig
            fd = (lp - lm) / (2 * h)
            a64 = float(g64[name].view(-1)[i])
            a32 = float(g32[name].view(-1)[i])
            # Floor the denominator at 1e-4 of the total gradient norm so near-zero entries don't dominate.
            den = max(abs(fd), abs(a64), 1e-4 * gscale)
            e64, e32 = abs(a64 - fd) / den, abs(a32 - fd) / den
            err64, err32 = max(err64, e64), max(err32, e32)
            rows.append((name, i, fd, a64, a32, e64, e32))
    return err64, err32, rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--no-check", action="store_true", help="skip the finite-difference gradient check")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(0)
    torch.use_deterministic_algorithms(True)
    torch.set_default_dtype(torch.float32)

    data = make_data()
    initial = make_initial(CONFIG)
    starts = make_starts(CONFIG)

    if not args.no_check:
        err64, err32, rows = fd_check(initial, data, starts[0])
        if args.verbose:
            for r in rows:
                print("  %-22s [%5d] fd=% .6e f64=% .6e f32=% .6e  rel64=%.1e rel32=%.1e" % r)
        print(f"FD check (step 1, {len(rows)} entries): max rel err float64 autograd {err64:.2e}, "
              f"float32 autograd {err32:.2e}")
        if err64 > 1e-5 or err32 > 1e-2:
            raise SystemExit("finite-difference gradient check FAILED")

    model = PatchTransformer(CONFIG)
    model.load_named(initial)
    params = model.named()
    opt = torch.optim.AdamW(model.decay_groups(OPT["wd"]), lr=OPT["lr"], betas=(OPT["b1"], OPT["b2"]),
                            eps=OPT["eps"])
    data_t = torch.from_numpy(data)
    losses, norms, grads1 = [], [], None
    for step in range(STEPS):
        opt.zero_grad(set_to_none=True)
        loss = model(data_t, torch.from_numpy(starts[step]))
        loss.backward()
        if step == 0:
            grads1 = {n: p.grad.detach().clone() for n, p in params.items()}
        total = torch.nn.utils.clip_grad_norm_(list(params.values()), OPT["maxNorm"])
        opt.step()
        losses.append(float(loss))
        norms.append(float(total))

    os.makedirs(args.out, exist_ok=True)
    safetensors_io.save(os.path.join(args.out, "data.safetensors"), {"data": data, "starts": starts})
    safetensors_io.save(os.path.join(args.out, "initial.safetensors"), initial)
    safetensors_io.save(os.path.join(args.out, "grads.safetensors"), grads1)
    safetensors_io.save(os.path.join(args.out, "after3.safetensors"),
                        {n: p.detach() for n, p in params.items()})
    meta = {"config": CONFIG, "optimizer": OPT, "losses": losses, "gradNorms": norms,
            "torch": torch.__version__}
    with open(os.path.join(args.out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print(json.dumps({"losses": losses, "gradNorms": norms}))


if __name__ == "__main__":
    main()
