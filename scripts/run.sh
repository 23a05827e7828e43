#!/usr/bin/env bash
# Runs the service locally on a Debian 12 machine (as root, with the .NET 10 SDK): installs and starts
# the local stack, creates a few demo mail accounts, builds, and starts one web host with a co-hosted
# silo on 127.0.0.1 that migrates the database and creates the bootstrap super-admin.
# Stop it with Ctrl+C; `scripts/stack.sh down` stops the stack.
set -euo pipefail
cd "$(dirname "$0")/.."

port=${PORT:-5080}
bash scripts/stack.sh up
# shellcheck disable=SC1091
source .stack/env

# Secrets of the local run are made once per checkout and kept in the ignored .stack folder.
secrets=.stack/run-secrets
if [ ! -f "$secrets" ]; then
  new_password() { head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
  {
    echo "ADMIN_PASSWORD=$(new_password)"
    for user in alice bob carol; do echo "MAIL_PASSWORD_${user}=$(new_password)"; done
  } >"$secrets"
  chmod 600 "$secrets"
fi
# shellcheck disable=SC1090
source "$secrets"
for user in alice bob carol; do
  password_var="MAIL_PASSWORD_${user}"
  bash scripts/stack.sh add-user "$user" "${!password_var}" >/dev/null
done

# The browser app first: the web host's build copies it next to the program.
bash scripts/client.sh build
dotnet build src/WebHost -c Release --nologo -v quiet

export ConnectionStrings__Postgres="$STACK_PG_CONNECTION"
export Orleans__CoHosted=true
export Orleans__AdvertisedIP=127.0.0.1
export Database__MigrateOnStart=true
export DataProtection__Certificate__Path="$STACK_KEYRING_CERT" DataProtection__Certificate__Password="$STACK_KEYRING_PASSWORD"
export Bootstrap__AdminLogin=admin
export Bootstrap__AdminPassword="$ADMIN_PASSWORD"
export ASPNETCORE_URLS="http://127.0.0.1:${port}"
export DOTNET_ENVIRONMENT=Development ASPNETCORE_ENVIRONMENT=Development
# A living demo, seeded once per fresh database: admins alice and bob (their sign-in password is that of their
# mail account) syncing the stack's mailboxes, alice granting bob access, customers, leads and a few messages.
export Demo__Seed=true
export Demo__MailHost="$STACK_IMAP_HOST" Demo__MailDomain="$STACK_MAIL_DOMAIN"
export Demo__ImapPort="$STACK_IMAP_PORT" Demo__SubmissionPort="$STACK_SUBMISSION_PORT" Demo__SmtpPort="$STACK_SMTP_PORT"
export Demo__Passwords__alice="$MAIL_PASSWORD_alice" Demo__Passwords__bob="$MAIL_PASSWORD_bob"

# From its output folder, which is its content root (appsettings.json, wwwroot).
(cd src/WebHost/bin/Release/net10.0 && exec dotnet Splynx.Orleans.WebHost.dll) &
web_host=$!
trap 'kill -TERM "$web_host" 2>/dev/null; wait "$web_host"' INT TERM

# In a subshell whose errors go nowhere: a refused connection while the host starts is expected, not news.
ready() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/${port}" || exit 1
    printf 'GET /readyz HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
    read -r _ status _ <&3 || true
    [ "$status" = "200" ]
  ) 2>/dev/null
}
for _ in $(seq 1 120); do
  ready && break
  kill -0 "$web_host" 2>/dev/null || { echo "The web host stopped; see its output above." >&2; exit 1; }
  sleep 1
done
ready || { echo "The web host did not become ready in 2 minutes." >&2; exit 1; }

cat <<BANNER

  Splynx.Orleans is running: http://127.0.0.1:${port}/   (readiness: /readyz)

  Sign in as the super-admin:  admin / ${ADMIN_PASSWORD}
  or as a demo admin (mailbox synced, alice lets bob read hers):
    alice / ${MAIL_PASSWORD_alice}
    bob   / ${MAIL_PASSWORD_bob}
  Watch mail arrive:  scripts/demo-mail.sh alice "jan.kowalski@unknown.example" "Is fibre available in my street?"

  Demo mail accounts for My Profile (IMAP ${STACK_IMAP_HOST}:${STACK_IMAP_PORT} STARTTLS or ${STACK_IMAPS_PORT} SSL,
  SMTP submission ${STACK_SUBMISSION_PORT} STARTTLS or ${STACK_SMTPS_PORT} SSL, self-signed certificate):
    alice@${STACK_MAIL_DOMAIN} / ${MAIL_PASSWORD_alice}
    bob@${STACK_MAIL_DOMAIN}   / ${MAIL_PASSWORD_bob}
    carol@${STACK_MAIL_DOMAIN} / ${MAIL_PASSWORD_carol}
  Mail from "customers" can be dropped in without auth on SMTP port ${STACK_SMTP_PORT}.

  Ctrl+C stops the service; scripts/stack.sh down stops PostgreSQL, Dovecot and Postfix.

BANNER
wait "$web_host"
