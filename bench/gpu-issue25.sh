#!/bin/bash
# bench/gpu-issue25.sh OUTDIR: issue 25's GPU measurements in one device call, in order of what
# they decide: (1) StackLab against PyTorch eager, base and small, fp32 and bf16, ms/step alone,
# the optimiser's state per tensor and stacked; (2) base's GPU time by kind of work, ORT against
# PyTorch; (3) whether runs in threads of one process, or seeds batched in one trainer, gain over
# processes sharing the GPU (the lab's model). Each step writes to OUTDIR as it
# ends, so a call cut short keeps what it measured. On the device tool: source .device/setup.sh
# first (node, ORT and its CUDA provider), then `bash bench/gpu-issue25.sh "$OUT"`.
# The profile runs one step per call with CUDA_LAUNCH_BLOCKING=1: ORT's release build records a
# node's host time only, which with every launch synchronous is its kernels' GPU time (plus a
# launch's few microseconds).
set -u
# SECONDS_LEFT (default 480): a step starts only when the time it may take is still left, so a
# short device budget keeps the steps that decide most.
left=${SECONDS_LEFT:-480}
start=$(date +%s)
fits() { [ $(( $(date +%s) - start + $1 )) -le "$left" ] || { echo "== skipped: $2 (needs ${1}s)"; return 1; }; }
o=${1:?usage: bench/gpu-issue25.sh OUTDIR}
mkdir -p "$o"
B="node out/device/bench.mjs"
say() { echo "== $* ($(date +%T))"; }
SHOW='const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(r.msPerStep.toFixed(2),"ms/step; PyTorch",r.referenceMsPerStep?.toFixed(2),"; ratio",r.ratio?.toFixed(3),r.referenceNote??"")'

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$o/gpu.txt"
git rev-parse HEAD 2>/dev/null | tee "$o/commit.txt"

say "1. ms/step alone against PyTorch eager; the optimiser's state per tensor (the default) and stacked"
# Pairs in order of what they decide: base (issue 25's targets), the lab's small token model
# (what the lab job trains), then the rest.
for pq in "base bf16" "lab-small bf16" "base fp32" "small bf16" "small fp32"; do
  set -- $pq; p=$1; q=$2
  case $p in lab-*) m="--lab --preset ${p#lab-} --no-reference";; *) m="--preset $p --reference-steps 40";; esac
  fits 60 "$p $q" || continue
  say "$p $q"
  timeout 110 $B engine $m --device cuda --precision $q --steps 100 --json \
    > "$o/engine-$p-$q.json" && node -e "$SHOW" "$o/engine-$p-$q.json"
  fits 40 "$p $q stacked" || continue
  timeout 80 $B engine ${m/--reference-steps 40/--no-reference} --device cuda --precision $q --steps 100 \
    --layout stacked --no-reference --json > "$o/engine-$p-$q-stacked.json" && node -e "$SHOW" "$o/engine-$p-$q-stacked.json"
done

say "2. profile: base bf16, 3 + 10 steps, one step per call, launches synchronous (a node's host time is its kernels' GPU time)"
if fits 100 "profile"; then
  rm -f /tmp/ort_*.json
  CUDA_LAUNCH_BLOCKING=1 timeout 90 $B engine --preset base --device cuda --precision bf16 --steps 10 \
    --warmup 3 --steps-per-call 1 --no-reference --profile /tmp/ort
  timeout 90 python3 bench/reference/bench_torch.py --D 512 --H 8 --L 12 --P 16 --S 256 --C 16 --F 2048 \
    --B 32 --device cuda --precision bf16 --profile /tmp/torch.txt
  cp /tmp/torch.txt /tmp/torch.txt.json "$o/" 2>/dev/null
  for f in /tmp/ort_*.json; do gzip -c "$f" > "$o/ort-profile.json.gz"; done
  node bench/profile-compare.mjs /tmp/ort_*.json 13 /tmp/torch.txt.json | tee "$o/profile-compare.txt"
  node bench/profile-summary.mjs /tmp/ort_*.json 13 | tee "$o/profile-blocking.txt"
fi

say "3. runs at once: threads of one process, seeds batched in one trainer, then processes"
L="parallel --lab --preset small --layers 8 --device cuda --precision bf16 --steps 100"
if fits 190 "threads and batched seeds against processes"; then
  timeout 140 $B $L --runs 3 --seed-batch | tee "$o/parallel-threads.txt"
  for i in 1 2 3; do timeout 100 $B $L --runs 1 > "$o/parallel-proc$i.txt" 2>&1 & done
  wait
  cat "$o"/parallel-proc*.txt
fi
say done
