#!/usr/bin/env bash
# The code-shape numbers of issue 22 at a revision (default HEAD): lines over 120 characters in
# src/, lines and files that spell out the plan's `normalize` field, and `?? DEFAULT_PRECISION`
# sites.   bash bench/code-shape.sh [REV]
set -euo pipefail
rev=${1:-HEAD}
files=$(git ls-tree -r --name-only "$rev" src | grep -E '\.(ts|vue)$')
long=0
norm=''
sites=0
for f in $files; do
  text=$(git show "$rev:$f")
  long=$((long + $(awk 'length > 120' <<<"$text" | wc -l)))
  norm+=$(grep -n '\bnormalize\b' <<<"$text" | sed "s|^|$f:|" || true)$'\n'
  sites=$((sites + $(grep -c '?? DEFAULT_PRECISION' <<<"$text" || true)))
done
lines=$(grep -c . <<<"$norm" || true)
nfiles=$(grep . <<<"$norm" | cut -d: -f1 | sort -u | wc -l)
echo "$rev: lines over 120 characters in src/: $long; 'normalize' on $lines lines of $nfiles files; '?? DEFAULT_PRECISION' sites: $sites"
