#!/bin/bash
# bench/lab-gpu.sh DIR DEADLINE_S [bench lab options…]: the reasoning lab's GPU job (baseline,
# GradStack and MIDAS × seeds 1–5, the small preset at 8 layers, bf16, 3,000 steps, 32 MiB corpus),
# one process per run, all side by side on the one GPU. Each process stops with a checkpoint after
# DEADLINE_S seconds; run it again with --resume (on the same machine) to continue exactly.
# On the device tool: source .device/setup.sh first (node, ORT and its CUDA provider).
set -u
dir=$1
deadline=$2
shift 2
mkdir -p "$dir"
for v in baseline gradstack midas; do
  for s in 1 2 3 4 5; do
    node out/device/bench.mjs lab --device cuda --precision bf16 --d 256 --heads 8 --layers 8 \
      --steps 3000 --val-every 300 --lab-items 128 --corpus-bytes 33554432 \
      --variants "$v" --seed "$s" --deadline "$deadline" --out "$dir" "$@" >>"$dir/$v-s$s.log" 2>&1 &
  done
done
wait
