#!/usr/bin/env bash
# Installs what Stevedore's build and tests need on a fresh Debian machine: the real peers the
# tests run against (skopeo, umoci, busybox-static), then the npm dependencies. Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(skopeo umoci busybox-static tar gzip time openssl apache2-utils docker-registry debootstrap docker.io podman libkrb5-dev chromium tinyproxy zstd gnupg runc buildah uidmap zsh fish attr unzip)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi

# The VS Code test host (code-server on Node 24, outside the checkout, reused when present).
node scripts/vscodeHost/ensure.mjs
