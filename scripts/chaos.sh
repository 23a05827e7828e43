#!/usr/bin/env bash
# The chaos command (not a test): three silos and a web host on the local stack with 200 mailboxes while mail
# flows, and for 10 minutes silos killed and stopped, Dovecot restarted and connections cut; then an audit of
# what was delivered (lost, duplicated, marked read but not stored, quarantined, not idle). Exit code 1 on any
# loss, duplicate or unstored \Seen.
#   scripts/chaos.sh [--minutes N] [--mailboxes N] [--per-minute N] [--seed N]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/WebHost -c Release --nologo -v quiet
exec bash scripts/bench.sh chaos "$@"
