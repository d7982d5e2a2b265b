#!/usr/bin/env bash
# Installs what a fresh machine lacks, then starts Signet on the embedded default (SQLite under ./data).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/node ] || npm ci --no-audit --no-fund --loglevel=error
export PATH="$PWD/node_modules/.bin:$PATH"
exec node bin/signet.js serve "$@"
