#!/usr/bin/env bash
# Installs the exact versions in package-lock.json with `npm ci`, and fails when the package.json
# files and the lockfile disagree (a dependency added without `npm install`, a version moved); then
# builds the three apps.
#
# One known exception: a lockfile written on a registry mirror that does not serve other platforms'
# optional binaries (`@swc/core-darwin-*`, `@unrs/resolver-binding-*`, ...) lacks their entries, and
# `npm ci` names them "Missing". When every complaint is such an optional dependency of a locked
# package, this script installs the same locked versions with `npm install --no-save` instead,
# saying so in one line; any other complaint is real drift and stops the install.
set -euo pipefail
cd "$(dirname "$0")/../.."

log="$(mktemp -t npm-ci.XXXXXX)"
trap 'rm -f "$log"' EXIT

# Then the three apps are built (Nx caches the result), so that `npm start` only starts them.
build_apps() {
  echo "building gateway, tp-capital-api and workspace"
  if ! NX_DAEMON=false node_modules/.bin/nx run-many -t build -p gateway tp-capital-api workspace --outputStyle=static >"$log" 2>&1; then
    echo "the build failed:" >&2
    tail -40 "$log" >&2
    exit 1
  fi
}

if npm ci --no-audit --no-fund >"$log" 2>&1; then
  grep -E '^added |^up to date' "$log" || true
  build_apps
  exit 0
fi

if ! grep -q 'can only install packages when your package.json and package-lock.json' "$log"; then
  echo "npm ci failed:" >&2
  grep -v 'Unknown user config' "$log" | tail -40 >&2
  exit 1
fi

# Each "Missing: <name>@<version> from lock file" / "Invalid: ..." line, classified against the lockfile.
drift="$(grep -E '^npm error (Missing|Invalid): ' "$log" | sed 's/^npm error //' || true)"
real="$(
  DRIFT="$drift" node -e '
    const lock = require("./package-lock.json");
    const optional = new Set();
    for (const entry of Object.values(lock.packages)) for (const name of Object.keys(entry.optionalDependencies ?? {})) optional.add(name);
    for (const line of process.env.DRIFT.split("\n").filter(Boolean)) {
      const missing = line.match(/^Missing: (.+?)@[^@]* from lock file$/);
      if (!missing || !optional.has(missing[1])) console.log(line);
    }
  '
)"
if [ -n "$real" ] || [ -z "$drift" ]; then
  echo "package-lock.json is out of sync with the package.json files:" >&2
  echo "${real:-$(grep -v 'Unknown user config' "$log" | tail -20)}" | sed 's/^/  /' >&2
  echo "Run \`npm install\` and commit package-lock.json with the package.json change." >&2
  exit 1
fi

count="$(printf '%s\n' "$drift" | grep -c .)"
echo "npm ci: the lockfile lacks ${count} other-platform optional binaries this registry does not serve; installing the locked versions with npm install --no-save (see README)" >&2
if ! npm install --no-audit --no-fund --no-save >"$log" 2>&1; then
  echo "npm install failed:" >&2
  grep -v 'Unknown user config' "$log" | tail -40 >&2
  exit 1
fi
grep -E '^added |^up to date|^changed ' "$log" || true
build_apps
