#!/usr/bin/env bash
# Runs every test of the project. On a fresh Debian 12 machine (as root, with the .NET 10 SDK) it first
# installs and starts the local stack (PostgreSQL, Dovecot, Postfix on loopback), then builds and tests.
# The last line it prints is the totals: "N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/stack.sh up

dotnet build Splynx.Orleans.sln -c Release --nologo -v minimal

results=.test-results
rm -rf "$results"
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

echo "${passed} passed, ${failed} failed"
if [ "$test_status" -ne 0 ] || [ "$failed" -ne 0 ]; then
  exit 1
fi
if [ "$passed" -eq 0 ]; then
  echo "No test ran." >&2
  exit 1
fi
