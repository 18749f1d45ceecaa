#!/usr/bin/env bash
# ccxt compatibility check: builds orderform, starts `orderform sim` on an
# ephemeral loopback port and drives it with the pinned ccxt (check.mjs).
# Needs Node.js and npm; without them it fails loudly (set
# ORDERFORM_SKIP_CCXT=1 to skip on purpose, which it also announces).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

banner() { printf '\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n!!! %s\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n' "$1" >&2; }

if [ "${ORDERFORM_SKIP_CCXT:-}" = 1 ]; then
  banner "ccxt compatibility check SKIPPED (ORDERFORM_SKIP_CCXT=1): the simulator's wire format is NOT verified"
  exit 0
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "ccxt check: Node.js not found; installing nodejs and npm with apt-get" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm) >&2 || true
  fi
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  banner "ccxt compatibility check FAILED: Node.js/npm not found. Install Node.js >= 18 (or set ORDERFORM_SKIP_CCXT=1 to skip knowingly)"
  exit 1
fi
echo "ccxt check: node $(node --version), npm $(npm --version)"

cd "$here"
npm ci --no-audit --no-fund --loglevel=error

work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$root" && go build -o "$work/orderform" .)
key="account-ccxt-compat"
secret="ccxt-compat-secret"
"$work/orderform" sim -addr 127.0.0.1:0 -key "$key" -secret "$secret" >"$work/sim.out" 2>"$work/sim.err" &
pid=$!
url=""
for _ in $(seq 1 100); do
  url="$(sed -n 's/^Simulated Gemini exchange at \(http:[^ ]*\).*/\1/p' "$work/sim.out")"
  [ -n "$url" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "ccxt check: orderform sim did not start:" >&2
  cat "$work/sim.out" "$work/sim.err" >&2
  exit 1
fi
echo "ccxt check: orderform sim at $url"
GEMINI_API_URL="$url" GEMINI_API_KEY="$key" GEMINI_API_SECRET="$secret" node check.mjs
