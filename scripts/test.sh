#!/usr/bin/env bash
# The one test command: system parts, lint and format, type check, then every test (unit, SQLite and
# PostgreSQL, conformance, Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/node ] || npm ci --no-audit --no-fund --loglevel=error
bash scripts/ensure-system.sh
export PATH="$PWD/node_modules/.bin:$PATH"
echo "node $(node -v)"
biome ci .
tsc -p .
vitest run "$@"
