#!/usr/bin/env bash
# Checks that the committed offline query data (.sqlx/) is what the queries in src/db
# produce against a database built from migrations/ — what `cargo sqlx prepare --check`
# does, without installing sqlx-cli. Offline builds already fail when .sqlx/ lacks a
# query; this also catches entries that went stale (a changed column type, a migration
# that changed what a query returns, a query that is gone).
#
#   bash scripts/check-sqlx.sh      # needs DATABASE_URL's server (scripts/ensure-services.sh)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/ensure-services.sh
source scripts/ensure-services.sh

scratch="mg_sqlx_check_$$"
admin="$(es_url_with_db "$DATABASE_URL" postgres)"
url="$(es_url_with_db "$DATABASE_URL" "$scratch")"
out="$(mktemp -d)"
cleanup() {
  psql "$admin" -X -q -c "drop database if exists $scratch" >/dev/null 2>&1 || true
  rm -rf "$out"
}
trap cleanup EXIT

psql "$admin" -X -q -v ON_ERROR_STOP=1 -c "create database $scratch" >/dev/null
for migration in migrations/*.sql; do
  psql "$url" -X -q -v ON_ERROR_STOP=1 -f "$migration" >/dev/null
done

# A target directory of its own, and this crate cleaned in it, so every query macro runs
# again (cargo cannot see that the database changed).
target="${CARGO_TARGET_DIR:-$HOME/.cache/messenger-gateway/target}/sqlx-check"
cargo clean -q -p messenger-gateway --target-dir "$target" 2>/dev/null || true
SQLX_OFFLINE=false DATABASE_URL="$url" SQLX_OFFLINE_DIR="$out" \
  cargo check -q --locked --lib --target-dir "$target"

if ! diff -r -q .sqlx "$out" >/dev/null; then
  echo "check-sqlx: .sqlx/ does not match the queries and migrations:" >&2
  diff -r -q .sqlx "$out" | sed "s#$out#<generated>#" >&2 || true
  echo "regenerate it as README.md (Development, 'SQL is compile-checked') says" >&2
  exit 1
fi
echo "check-sqlx: .sqlx/ matches ($(find "$out" -name 'query-*.json' | wc -l) queries)"
