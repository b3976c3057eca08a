#!/usr/bin/env bash
# Quickstart "run": starts the gateway locally (release build by default).
#
#   bash scripts/run.sh              # cargo run --release -- serve
#   PROFILE=debug bash scripts/run.sh
#
# Creates .env from .env.example when missing, makes sure PostgreSQL and Redis
# are up (scripts/ensure-services.sh), then execs cargo. Extra arguments are
# passed to `serve`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export SQLX_OFFLINE=true

release=(--release)
case "${PROFILE:-release}" in
  release) ;;
  debug | dev) release=() ;;
  *) echo "run: PROFILE must be 'release' or 'debug' (got '${PROFILE}')" >&2; exit 2 ;;
esac

if [[ ! -f .env ]]; then
  if [[ -f .env.example ]]; then
    cp .env.example .env
    echo "run: created .env from .env.example (edit it to change settings)"
  else
    echo "run: no .env and no .env.example; using the environment and defaults"
  fi
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "run: cargo not found; install Rust with rustup (https://rustup.rs) and retry" >&2
  exit 1
fi

# shellcheck source=scripts/ensure-services.sh
source scripts/ensure-services.sh

echo "run: cargo run --locked${release[*]:+ ${release[*]}} -- serve${*:+ $*}"
exec cargo run --locked "${release[@]}" -- serve "$@"
