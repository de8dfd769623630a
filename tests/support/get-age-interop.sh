#!/usr/bin/env bash
# Installs the independent age implementations tests/sops_age_pq.rs checks ssp against, at test
# time only: typage (npm `age-encryption` 0.3.1, by age's author) and the C2SP CCTV age test
# vectors (npm `cctv-age` 0.2.0, the ones the Go reference tests itself with). Versions and the
# integrity of every package are pinned by tests/support/age-interop/package-lock.json; `npm ci`
# refuses anything else. They land in target/age-interop/ (never committed).
# Needs node >= 20.19 and the npm registry. Idempotent: a matching install is kept.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
dest="${CARGO_TARGET_DIR:-$repo/target}/age-interop"
src="$here/age-interop"

if [ -e "$dest/.installed" ] && cmp -s "$src/package-lock.json" "$dest/package-lock.json"; then
  cp "$src/age-interop.mjs" "$dest/"
  exit 0
fi
command -v node >/dev/null && command -v npm >/dev/null || { echo "get-age-interop: node and npm are needed" >&2; exit 1; }
rm -rf "$dest"
mkdir -p "$dest"
cp "$src/package.json" "$src/package-lock.json" "$src/age-interop.mjs" "$dest/"
(cd "$dest" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
touch "$dest/.installed"
echo "age interop tools in $dest"
