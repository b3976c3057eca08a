#!/usr/bin/env bash
# Rebuilds the offline consoles the gateway embeds (GraphiQL on GET /graphql, Swagger UI
# on /api/docs, ReDoc on /api/redoc) into assets/consoles/; commit that folder afterwards.
# `cargo build` needs no npm: it embeds the committed files (src/http/consoles.rs).
#
#   bash consoles/build.sh
#
# Needs Node >= 20.19 and npm (it runs `npm ci` here when the lock file changed). To move
# to newer versions: `cd consoles && npm update` (or `npm install graphiql@latest …`), then
# run this script, check GET /graphql, /api/docs and /api/redoc, and commit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
  { echo "consoles/build.sh: node and npm are required (Node >= 20.19 for Vite)" >&2; exit 1; }
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  echo "consoles/build.sh: node $(node --version) is too old: Vite needs Node >= 20.19" >&2
  exit 1
fi
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ||
  package.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
node build.mjs
