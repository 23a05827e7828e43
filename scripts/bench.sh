#!/usr/bin/env bash
# Benchmarks (figures, not tests): scripts/bench.sh ingest [--messages N] | inbox [--messages N] [--mailboxes N]
# Starts the local stack, builds in Release and runs the benchmark program.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/stack.sh up
dotnet build bench/Splynx.Orleans.Bench -c Release --nologo -v quiet
dotnet bench/Splynx.Orleans.Bench/bin/Release/net10.0/Splynx.Orleans.Bench.dll "$@"
