#!/usr/bin/env bash
# The README's "run the product" command: builds the CLI, imports a real root filesystem (Debian's
# busybox-static) into the default store, and shows it the ways Docker users expect.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run build --silent
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rootfs/bin" "$work/rootfs/etc" "$work/rootfs/tmp"
cp /bin/busybox "$work/rootfs/bin/busybox"
for applet in sh ls cat echo; do ln -s busybox "$work/rootfs/bin/$applet"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$work/rootfs/etc/passwd"
tar -C "$work/rootfs" -czf "$work/busybox.tar.gz" .
stevedore() { node dist/cli.js "$@"; }
echo "\$ stevedore import -c 'CMD [\"/bin/sh\"]' busybox.tar.gz busybox:demo"
stevedore import -c 'CMD ["/bin/sh"]' -m 'busybox-static from Debian' "$work/busybox.tar.gz" busybox:demo
echo "\$ stevedore images"
stevedore images
echo "\$ stevedore history busybox:demo"
stevedore history busybox:demo
echo "\$ stevedore system check"
stevedore system check
