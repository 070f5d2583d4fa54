#!/usr/bin/env bash
# Puts Valkey 8.1 (the first server with `SET … IFEQ`) under .cache/valkey, from Debian 13's packages,
# and prints the path of a `valkey-server` launcher. Debian 12 has no Valkey 8.1 and its C library is too
# old for Debian 13's binary, so the launcher runs it with Debian 13's loader and C library, kept beside it.
# Idempotent: a second run only prints the path. Needs curl, xz and dpkg-deb (Debian).
set -euo pipefail
cd "$(dirname "$0")/.."
dest="$PWD/.cache/valkey"
launcher="$dest/valkey-server"
if [ -x "$launcher" ] && "$launcher" --version >/dev/null 2>&1; then
  echo "$launcher"
  exit 0
fi
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
rm -rf "$dest"
mkdir -p "$dest/debs" "$dest/root"
index="$dest/Packages"
curl -fsS "$mirror/dists/trixie/main/binary-amd64/Packages.xz" | xz -d >"$index"
for pkg in valkey-server valkey-tools libc6 libssl3t64; do
  file="$(awk -v p="$pkg" '$0 == "Package: " p { f = 1 } f && /^Filename:/ { print $2; exit }' "$index")"
  if [ -z "$file" ]; then
    echo "valkey.sh: $pkg is not in Debian 13's index at $mirror" >&2
    exit 1
  fi
  curl -fsS -o "$dest/debs/$pkg.deb" "$mirror/$file"
  dpkg-deb -x "$dest/debs/$pkg.deb" "$dest/root"
done
rm -rf "$dest/debs" "$index"
libs="$dest/root/usr/lib/x86_64-linux-gnu"
cat >"$launcher" <<LAUNCH
#!/bin/sh
exec "$libs/ld-linux-x86-64.so.2" --library-path "$libs:/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu" "$dest/root/usr/bin/valkey-server" "\$@"
LAUNCH
chmod +x "$launcher"
"$launcher" --version >/dev/null
echo "$launcher"
