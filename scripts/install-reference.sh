#!/usr/bin/env bash
# Installs what the PyTorch reference scripts (bench/reference/) need, from Debian's own registry,
# when missing: python3-torch and python3-numpy (they run under /usr/bin/python3), and
# libopenblas0-pthread (with Debian's default reference BLAS torch is ~30x slower).
# Idempotent; prints nothing on stdout, errors go to stderr.
set -euo pipefail

pkgs=(python3-torch python3-numpy libopenblas0-pthread)

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "install-reference: need root to run: $*" >&2; exit 1
  fi
}

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ "${#missing[@]}" = 0 ] && exit 0

install() { as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; }

# Update the package lists first only when apt has none, or when the install fails without it.
if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
  as_root apt-get update -qq >/dev/null
  install
elif ! install 2>/dev/null; then
  as_root apt-get update -qq >/dev/null
  install
fi
