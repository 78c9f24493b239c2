#!/usr/bin/env bash
# Installs the exact versions in package-lock.json. `npm ci` first; on registry mirrors that do not
# serve other platforms' optional binaries, the lockfile written there lacks those entries and
# `npm ci` rejects it as out of sync, so fall back to `npm install --no-save`, which installs the same
# locked versions for this platform and leaves the lockfile untouched.
set -euo pipefail
cd "$(dirname "$0")/../.."
if npm ci --no-audit --no-fund; then exit 0; fi
echo "npm ci failed; installing the locked versions with npm install --no-save (see README)" >&2
npm install --no-audit --no-fund --no-save
