#!/usr/bin/env bash
# Browser tests of the example apps in frontend-examples/ (web chat, Telegram Mini App,
# bot login): Chromium, driven by playwright-core, against the real gateway binary.
#
#   bash scripts/browser-tests.sh                                # everything
#   bash scripts/browser-tests.sh --test-name-pattern='Mini App' # extra args go to `node --test`
#
# It does not build the gateway: run `cargo build` first (scripts/test.sh builds it with
# `cargo test`). It installs what the tests need: `npm ci` in frontend-examples/ when the
# lock file changed, and Debian's chromium when /usr/bin/chromium is missing and we are root.
#
# Env: GATEWAY_BIN (default $CARGO_TARGET_DIR/debug/messenger-gateway), CARGO_TARGET_DIR
# (default ~/.cache/messenger-gateway/target), CHROMIUM_PATH (default /usr/bin/chromium),
# DATABASE_URL / REDIS_URL (what scripts/ensure-services.sh makes sure runs; the tests
# create and drop their own database mg_browser_<random> on that server and use a unique
# Redis key prefix), BROWSER_TEST_POSTGRES_URL / BROWSER_TEST_REDIS_URL (override both).
# Screenshots and the gateway log of a run are in frontend-examples/test-results/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

section() { printf '\n==> %s\n' "$*"; }
die() { printf 'browser-tests: %s\n' "$*" >&2; exit 1; }
IS_ROOT=0
[[ "$(id -u)" == 0 ]] && IS_ROOT=1

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/messenger-gateway/target}"
export GATEWAY_BIN="${GATEWAY_BIN:-$CARGO_TARGET_DIR/debug/messenger-gateway}"
[[ -x "$GATEWAY_BIN" ]] ||
  die "no gateway binary at $GATEWAY_BIN: build it with \`cargo build\` (CARGO_TARGET_DIR=$CARGO_TARGET_DIR), or set GATEWAY_BIN"

section "services (PostgreSQL, Redis)"
# shellcheck source=scripts/ensure-services.sh
source scripts/ensure-services.sh
export BROWSER_TEST_POSTGRES_URL="${BROWSER_TEST_POSTGRES_URL:-$(es_url_with_db "$DATABASE_URL" postgres)}"
export BROWSER_TEST_REDIS_URL="${BROWSER_TEST_REDIS_URL:-$REDIS_URL}"

section "node dependencies (frontend-examples)"
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
  die "node and npm are required (Node >= 20.19 for Vite): https://nodejs.org or nvm"
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  die "node $(node --version) is too old: Vite needs Node >= 20.19"
fi
if [[ ! -f frontend-examples/node_modules/.package-lock.json ||
  frontend-examples/package-lock.json -nt frontend-examples/node_modules/.package-lock.json ||
  frontend-examples/package.json -nt frontend-examples/node_modules/.package-lock.json ]]; then
  (cd frontend-examples && npm ci --no-audit --no-fund)
else
  echo "frontend-examples/node_modules is up to date (node $(node --version))"
fi

section "chromium"
if [[ -z "${CHROMIUM_PATH:-}" ]]; then
  CHROMIUM_PATH=/usr/bin/chromium
  if [[ ! -x "$CHROMIUM_PATH" ]]; then
    if ((IS_ROOT)) && command -v apt-get >/dev/null 2>&1; then
      echo "chromium missing: installing Debian's chromium"
      DEBIAN_FRONTEND=noninteractive apt-get -qq update </dev/null || die "apt-get update failed"
      DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends \
        -o Dpkg::Use-Pty=0 chromium </dev/null >/dev/null || die "apt-get install chromium failed"
    else
      die "Chromium is required at /usr/bin/chromium: sudo apt-get install -y chromium, or set CHROMIUM_PATH"
    fi
  fi
fi
[[ -x "$CHROMIUM_PATH" ]] || die "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable"
export CHROMIUM_PATH
"$CHROMIUM_PATH" --version 2>/dev/null || true

section "browser tests (frontend-examples/tests)"
echo "GATEWAY_BIN=$GATEWAY_BIN"
cd frontend-examples
exec node --test --test-concurrency=1 --test-reporter=spec "$@" tests/
