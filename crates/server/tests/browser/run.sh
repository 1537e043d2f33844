#!/usr/bin/env bash
# Runs pages.mjs against a fresh keydesk-server in Debian's Chromium.
# Needs: the keydesk-server binary (KEYDESK_SERVER_BIN, default: cargo build
# output), node + npm (playwright-core is installed into a temp dir unless
# PLAYWRIGHT_DIR holds it), and /usr/bin/chromium (apt-get install chromium).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${KEYDESK_SERVER_BIN:-${CARGO_TARGET_DIR:-$here/../../../../target}/debug/keydesk-server}"
port="${KEYDESK_BROWSER_PORT:-18181}"
work="$(mktemp -d)"
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

if [ -z "${PLAYWRIGHT_DIR:-}" ]; then
  PLAYWRIGHT_DIR="$work/pw"
  mkdir -p "$PLAYWRIGHT_DIR"
  (cd "$PLAYWRIGHT_DIR" && npm init -y >/dev/null && npm install --silent playwright-core@1 >/dev/null)
fi
cp "$here/pages.mjs" "$PLAYWRIGHT_DIR/pages.mjs"

export KEYDESK_PASSWORD="browser test password"
common=(--data-dir "$work/data" --logon-suffix corp.example --argon2-memory-kib 64 --argon2-iterations 1)
"$bin" "${common[@]}" user add alice >/dev/null
"$bin" "${common[@]}" user add root --admin >/dev/null
"$bin" "${common[@]}" --origin "http://localhost:$port" serve --listen "127.0.0.1:$port" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/api/health" >/dev/null && break; sleep 0.1; done

KEYDESK_BASE="http://localhost:$port" KEYDESK_USER=alice KEYDESK_ADMIN=root node "$PLAYWRIGHT_DIR/pages.mjs"
