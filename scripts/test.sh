#!/usr/bin/env bash
# Quickstart "test", and what CI runs (.ci/run):
#   services -> node deps -> cargo fmt --check -> clippy -D warnings -> .sqlx check
#   -> cargo test
#   -> browser tests of frontend-examples/ (scripts/browser-tests.sh)
#
#   bash scripts/test.sh                 # everything
#   bash scripts/test.sh some_test_name  # extra args go to `cargo test`
#
# Env: CARGO_TARGET_DIR (default ~/.cache/messenger-gateway/target, outside
# the clone so clean-clone CI runs reuse compiled deps), DATABASE_URL,
# REDIS_URL, TEST_DATABASE_URL (default: DATABASE_URL with database
# `postgres`; the tests create one database per test through it),
# TEST_REDIS_URL (default: REDIS_URL), MOTO_PYTHON (a Python with moto's
# server, aiosmtpd and schemathesis; default: python3 if it has them, else a venv in
# MOTO_VENV), TEST_PYTHON (default: MOTO_PYTHON).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

section() { printf '\n==> %s\n' "$*"; }
die() { printf 'test: %s\n' "$*" >&2; exit 1; }

export SQLX_OFFLINE=true
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/messenger-gateway/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-$([[ -t 1 ]] && echo auto || echo never)}"
IS_ROOT=0
[[ "$(id -u)" == 0 ]] && IS_ROOT=1

section "services (PostgreSQL, Redis)"
# shellcheck source=scripts/ensure-services.sh
source scripts/ensure-services.sh
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-$(es_url_with_db "$DATABASE_URL" postgres)}"
export TEST_REDIS_URL="${TEST_REDIS_URL:-$REDIS_URL}"

section "node dependencies (tests/js)"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if ((IS_ROOT)) && command -v apt-get >/dev/null 2>&1; then
    echo "node/npm missing: installing Debian nodejs npm"
    DEBIAN_FRONTEND=noninteractive apt-get -qq update </dev/null || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends \
      -o Dpkg::Use-Pty=0 nodejs npm </dev/null >/dev/null || die "apt-get install nodejs npm failed"
  else
    die "node and npm are required (Node >= 20): sudo apt-get install -y nodejs npm, or use nvm"
  fi
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if ((node_major < 20)); then
  echo "warning: node $(node --version) is older than the supported 20; the JS helpers may fail" >&2
fi
if [[ ! -f tests/js/node_modules/.package-lock.json ||
  tests/js/package-lock.json -nt tests/js/node_modules/.package-lock.json ||
  tests/js/package.json -nt tests/js/node_modules/.package-lock.json ]]; then
  (cd tests/js && npm ci --no-audit --no-fund)
else
  echo "tests/js/node_modules is up to date (node $(node --version))"
fi

section "python test tools (moto for S3, aiosmtpd for SMTP, schemathesis for OpenAPI)"
# The media tests start `$MOTO_PYTHON -m moto.server`, the account tests
# `$TEST_PYTHON tests/smtp_sink.py` (aiosmtpd), the OpenAPI test
# `$TEST_PYTHON -m schemathesis.cli run …`. An interpreter that already has all three
# is used as it is; otherwise they are installed into a venv next to the
# build cache (MOTO_VENV), which works on distributions whose system Python refuses
# `pip install` (PEP 668).
MOTO_VENV="${MOTO_VENV:-$HOME/.cache/messenger-gateway/moto-venv}"
has_moto() { "$1" -c 'import moto.server, aiosmtpd, schemathesis' >/dev/null 2>&1; }
if [[ -n "${MOTO_PYTHON:-}" ]] && has_moto "$MOTO_PYTHON"; then
  :
elif command -v python3 >/dev/null 2>&1 && has_moto python3; then
  MOTO_PYTHON=python3
elif has_moto "$MOTO_VENV/bin/python"; then
  MOTO_PYTHON="$MOTO_VENV/bin/python"
else
  if ! command -v python3 >/dev/null 2>&1 || ! python3 -m venv "$MOTO_VENV" >/dev/null 2>&1; then
    if ((IS_ROOT)) && command -v apt-get >/dev/null 2>&1; then
      echo "python3 venv support missing: installing Debian python3 python3-venv"
      DEBIAN_FRONTEND=noninteractive apt-get -qq update </dev/null || die "apt-get update failed"
      DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends \
        -o Dpkg::Use-Pty=0 python3 python3-venv </dev/null >/dev/null || die "apt-get install python3-venv failed"
      python3 -m venv "$MOTO_VENV" || die "python3 -m venv $MOTO_VENV failed"
    else
      die "python3 with venv support is required for the media tests: sudo apt-get install -y python3 python3-venv"
    fi
  fi
  echo "installing moto's S3 server, aiosmtpd and schemathesis into $MOTO_VENV"
  "$MOTO_VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "moto[server]==5.*" "aiosmtpd==1.*" "schemathesis==4.*" ||
    die "pip install moto[server] aiosmtpd schemathesis failed"
  MOTO_PYTHON="$MOTO_VENV/bin/python"
fi
export MOTO_PYTHON
export TEST_PYTHON="${TEST_PYTHON:-$MOTO_PYTHON}"
echo "moto $("$MOTO_PYTHON" -c 'import moto; print(moto.__version__)') ($MOTO_PYTHON)"
echo "schemathesis $("$TEST_PYTHON" -c 'import schemathesis; print(schemathesis.__version__)' 2>/dev/null ||
  echo 'missing') ($TEST_PYTHON)"

section "toolchain"
command -v cargo >/dev/null 2>&1 || die "cargo not found; install Rust with rustup (https://rustup.rs)"
for component in rustfmt clippy; do
  sub=${component/rustfmt/fmt}
  if ! cargo "$sub" --version >/dev/null 2>&1; then
    command -v rustup >/dev/null 2>&1 || die "cargo $sub is missing (install the $component component)"
    echo "installing rustup component $component"
    rustup component add "$component"
  fi
done
echo "$(cargo --version); $(cargo fmt --version); $(cargo clippy --version)"
echo "CARGO_TARGET_DIR=$CARGO_TARGET_DIR"
mask() { sed -E 's#(://[^:/@]*):[^@/]*@#\1:***@#' <<<"$1"; }
echo "TEST_DATABASE_URL=$(mask "$TEST_DATABASE_URL") TEST_REDIS_URL=$(mask "$TEST_REDIS_URL")"

section "cargo fmt --check"
cargo fmt --all -- --check

section "cargo clippy"
cargo clippy --locked --all-targets -- -D warnings

section "sqlx offline data (.sqlx/) matches the queries and migrations"
bash scripts/check-sqlx.sh

section "cargo test"
cargo test --locked "$@"

# The example apps in a real browser, against the binary `cargo test` just built. Skipped
# when a test filter was given (a focused run), or with SKIP_BROWSER_TESTS=1.
if [[ $# -eq 0 && "${SKIP_BROWSER_TESTS:-0}" != 1 ]]; then
  section "browser tests (frontend-examples in Chromium)"
  bash scripts/browser-tests.sh
fi

section "all checks passed"
