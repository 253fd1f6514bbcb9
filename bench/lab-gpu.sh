#!/bin/bash
# bench/lab-gpu.sh DIR SECONDS [PARALLEL] [bench lab options…]: the reasoning lab's GPU job
# (baseline, GradStack and MIDAS × seeds 1–5, or those SEEDS names, the small preset at 8 layers,
# bf16, 3,000 steps, a 32 MiB corpus), one process per run, PARALLEL of them at once on the one
# GPU. PARALLEL auto (the default) allows 15 GB of GPU memory per process, what one held after
# its arena grew (15 overflowed an H200's 141 GB, 10 an H100's 80 GB: bench/RESULTS.md). Every process
# stops with a checkpoint once SECONDS have passed since this script began; run it again with
# --resume (on the same machine) to continue each run exactly. THREADS=1 runs them as threads
# of one process instead (see below).
# On the device tool: source .device/setup.sh first (node, ORT and its CUDA provider).
set -u
dir=$1
end=$(($(date +%s) + $2))
par=${3:-auto}
if [ "$par" = auto ]; then
  mib=$(nvidia-smi --query-gpu=memory.total --format=csv,noheader,nounits | head -1)
  par=$(( ${mib:-0} / 15000 )); [ "$par" -ge 1 ] || par=1; [ "$par" -le 15 ] || par=15
  echo "lab-gpu: $par processes at once (${mib:-unknown} MiB of GPU memory)"
fi
case $par in '' | *[!0-9]*) echo "bench/lab-gpu.sh: PARALLEL must be a number, got \"$par\" (DIR SECONDS [auto|N] [options])" >&2; exit 2 ;; esac
shift 3 || shift $#
mkdir -p "$dir"
extra="$*"
export dir end extra
seeds=(${SEEDS:-1 2 3 4 5})
# THREADS=1: one process, the runs in worker threads of it (bench lab --parallel, the thread
# executor), where processes sharing the GPU are time-sliced. SEEDS must then be consecutive.
if [ "${THREADS:-0}" = 1 ]; then
  for ((i = 1; i < ${#seeds[@]}; i++)); do
    [ "${seeds[i]}" -eq $((seeds[0] + i)) ] || { echo "bench/lab-gpu.sh: THREADS=1 needs consecutive SEEDS, got \"${seeds[*]}\"" >&2; exit 2; }
  done
  exec node out/device/bench.mjs lab --device cuda --precision bf16 --d 256 --heads 8 --layers 8 \
    --steps 3000 --val-every 300 --lab-items 128 --corpus-bytes 33554432 \
    --variants baseline,gradstack,midas --seed "${seeds[0]}" --seeds "${#seeds[@]}" --parallel "$par" \
    --deadline "$((end - $(date +%s)))" --out "$dir" $extra >>"$dir/threads.log" 2>&1
fi
# Seed by seed, so that a job cut short has as many seeds of each variant (SEEDS: which).
for s in "${seeds[@]}"; do for v in baseline gradstack midas; do echo "$v $s"; done; done |
  xargs -P "$par" -L 1 bash -c '
    left=$((end - $(date +%s)))
    [ "$left" -gt 60 ] || exit 0
    node out/device/bench.mjs lab --device cuda --precision bf16 --d 256 --heads 8 --layers 8 \
      --steps 3000 --val-every 300 --lab-items 128 --corpus-bytes 33554432 \
      --variants "$0" --seed "$1" --deadline "$left" --out "$dir" $extra >>"$dir/$0-s$1.log" 2>&1'
