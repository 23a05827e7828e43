#!/usr/bin/env bash
# Builds the browser app (src/WebHost/ClientApp) into src/WebHost/wwwroot, where every web host serves it.
#   scripts/client.sh build   dependencies from the lockfile, then the production build
#   scripts/client.sh check   the same, after lint, type-check and the unit tests (results as JUnit XML in $VITEST_JUNIT)
# The unit tests' exit code is returned after the build, so a failing test still leaves a servable app.
set -euo pipefail
cd "$(dirname "$0")/../src/WebHost/ClientApp"

command -v npm >/dev/null || { echo "Node.js 20 (with npm) is needed to build the browser app." >&2; exit 1; }
npm ci --no-audit --no-fund --loglevel=error

status=0
if [ "${1:-build}" = "check" ]; then
  npm run --silent lint
  npm run --silent typecheck
  set +e
  npm run --silent test
  status=$?
  set -e
fi
npm run --silent build -- --logLevel warn
exit "$status"
