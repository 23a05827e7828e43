#!/usr/bin/env bash
# Runs every test of the project. On a fresh Debian 12 machine (as root, with the .NET 10 SDK) it first
# installs and starts the local stack (PostgreSQL, Dovecot, Postfix on loopback), then builds and tests.
# The last line it prints is the totals: "N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/stack.sh up
bash scripts/browser.sh

results=.test-results
rm -rf "$results"
mkdir -p "$results"

# The browser app: lint, type-check, unit tests (counted below) and the build the web hosts serve. Built
# before the solution, whose build copies it next to the web host.
set +e
VITEST_JUNIT="$PWD/$results/vitest.xml" bash scripts/client.sh check
client_status=$?
set -e
[ -f src/WebHost/wwwroot/index.html ] || { echo "The browser app did not build." >&2; exit 1; }

dotnet build Splynx.Orleans.sln -c Release --nologo -v minimal

set +e
dotnet test Splynx.Orleans.sln -c Release --no-build --nologo \
  --logger "trx;LogFileName=tests.trx" --logger "console;verbosity=normal" \
  --results-directory "$results"
test_status=$?
set -e

# Totals come from the test results themselves, not from the runner's exit code alone.
passed=0
failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done
# Vitest's JUnit report: the first <testsuites> element holds the totals.
if [ -f "$results/vitest.xml" ]; then
  suites=$(grep -o '<testsuites [^>]*>' "$results/vitest.xml" | head -n 1)
  tests=$(sed -n 's/.* tests="\([0-9]*\)".*/\1/p' <<<"$suites")
  f=$(sed -n 's/.* failures="\([0-9]*\)".*/\1/p' <<<"$suites")
  e=$(sed -n 's/.* errors="\([0-9]*\)".*/\1/p' <<<"$suites")
  skipped=$(grep -c '<skipped' "$results/vitest.xml" || true)
  passed=$((passed + ${tests:-0} - ${f:-0} - ${e:-0} - ${skipped:-0}))
  failed=$((failed + ${f:-0} + ${e:-0}))
elif [ "$client_status" -ne 0 ]; then
  failed=$((failed + 1))
fi

echo "${passed} passed, ${failed} failed"
if [ "$test_status" -ne 0 ] || [ "$client_status" -ne 0 ] || [ "$failed" -ne 0 ]; then
  exit 1
fi
if [ "$passed" -eq 0 ]; then
  echo "No test ran." >&2
  exit 1
fi
