#!/usr/bin/env bash
# Benchmarks (figures, not tests): scripts/bench.sh ingest [--messages N] | inbox [--messages N] [--mailboxes N] | inbox-ui [--messages N]
#   | scale [--mailboxes N] [--deliveries N] [--connects-per-second N] [--failover-only]   (silo processes; see README "Scale")
#   | chaos [--minutes N] [--mailboxes N] [--per-minute N] [--seed N]   (see scripts/chaos.sh)
# Starts the local stack, builds in Release and runs the benchmark program.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/stack.sh up
# shellcheck disable=SC1091
source .stack/env
# The benchmark's silo runs as in production: its key ring is encrypted with the stack's certificate.
export DataProtection__Certificate__Path="$STACK_KEYRING_CERT" DataProtection__Certificate__Password="$STACK_KEYRING_PASSWORD"
if [ "${1:-}" = "inbox-ui" ]; then
  # The browser benchmark starts the web host with the browser app, as scripts/run.sh does.
  bash scripts/browser.sh
  bash scripts/client.sh build
  dotnet build src/WebHost -c Release --nologo -v quiet
fi
dotnet build src/Silo -c Release --nologo -v quiet
dotnet build bench/Splynx.Orleans.Bench -c Release --nologo -v quiet
dotnet bench/Splynx.Orleans.Bench/bin/Release/net10.0/Splynx.Orleans.Bench.dll "$@"
