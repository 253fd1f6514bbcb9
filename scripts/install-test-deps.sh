#!/usr/bin/env bash
# Installs what the tests need beyond npm packages, from Debian's own registry, when missing:
#   - chromium (Debian's package) for the end-to-end tests, driven by playwright-core;
#   - redis-server (Debian's) for the job-queue tests, which start their own on a loopback port;
#   - Mesa lavapipe from bookworm-backports (Mesa 25; Debian 12's own Mesa is rejected by Dawn),
#     a CPU Vulkan driver, so the WebGPU execution provider runs without a GPU.
# Prints the environment to use, for `eval "$(scripts/install-test-deps.sh)"`.
set -euo pipefail

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "install-test-deps: need root to run: $*" >&2; exit 1
  fi
}
updated=0
apt_update() { [ "$updated" = 1 ] || { as_root apt-get update -qq >&2; updated=1; }; }

if ! command -v chromium >/dev/null 2>&1; then
  echo "install-test-deps: installing Debian's chromium for the end-to-end tests" >&2
  apt_update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
fi

if ! command -v redis-server >/dev/null 2>&1; then
  echo "install-test-deps: installing Debian's redis-server for the job-queue tests" >&2
  apt_update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >&2
fi

icd=/usr/share/vulkan/icd.d/lvp_icd.json
if ! dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | grep -q '~bpo12'; then
  echo "install-test-deps: installing Mesa lavapipe (bookworm-backports) for the WebGPU tests" >&2
  list=/etc/apt/sources.list.d/stacklab-backports.list
  if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    echo "deb ${mirror:-http://deb.debian.org/debian} bookworm-backports main" | as_root tee "$list" >/dev/null
    updated=0
  fi
  apt_update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >&2
fi
[ -f "$icd" ] || { echo "install-test-deps: lavapipe's ICD file $icd is missing after the install" >&2; exit 1; }

echo "export CHROMIUM_PATH=$(command -v chromium)"
echo "export VK_ICD_FILENAMES=$icd"
echo "export XDG_RUNTIME_DIR=\${XDG_RUNTIME_DIR:-/tmp}"
echo "export REDIS_SERVER=$(command -v redis-server)"
