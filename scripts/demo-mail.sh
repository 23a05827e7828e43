#!/usr/bin/env bash
# Drops a message into a demo mailbox through the local stack's MX (plain SMTP, no login), the way a
# customer's mail arrives, so that it can be watched appearing in the app.
#   scripts/demo-mail.sh [USER] [FROM] [SUBJECT]      e.g. scripts/demo-mail.sh alice orders@nordwind.example
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
source .stack/env

to="${1:-alice}@${STACK_MAIL_DOMAIN}"
from=${2:-orders@nordwind.example}
subject=${3:-"Demo message sent at $(date -u +%H:%M:%S) UTC"}

exec 3<>"/dev/tcp/127.0.0.1/${STACK_SMTP_PORT}"
# One reply line per command (HELO rather than EHLO keeps it that way); a reply of another class stops here.
expect() {
  local line
  IFS= read -r line <&3
  [[ $line == "$1"* ]] || { echo "The mail server answered: ${line%$'\r'}" >&2; exit 1; }
}
say() { printf '%s\r\n' "$1" >&3; }

expect 220
say "HELO demo.local"; expect 250
say "MAIL FROM:<${from}>"; expect 250
say "RCPT TO:<${to}>"; expect 250
say "DATA"; expect 354
say "From: <${from}>"
say "To: <${to}>"
say "Subject: ${subject}"
say "Date: $(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S +0000')"
say "Message-ID: <demo-$(date +%s%N)@demo.local>"
say "Content-Type: text/plain; charset=utf-8"
say ""
say "Hello,"
say ""
say "this is a demo message from ${from}."
say "."
expect 250
say "QUIT"
exec 3>&-
echo "Delivered \"${subject}\" from ${from} to ${to}."
