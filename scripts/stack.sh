#!/usr/bin/env bash
# Private PostgreSQL 15, Dovecot (IMAP) and Postfix (SMTP) for tests and local runs.
#
#   scripts/stack.sh up                     install what is missing, start what is not running
#   scripts/stack.sh down                   stop the private instances, keep their data
#   scripts/stack.sh status                 exit 0 when all three run
#   scripts/stack.sh add-user NAME PASSWORD create or update NAME@$STACK_MAIL_DOMAIN
#   scripts/stack.sh kick NAME              drop every IMAP session of NAME (a server-side disconnect)
#   scripts/stack.sh restart-imap           stop and start Dovecot (tests of a mail server restart)
#   scripts/stack.sh env                    print .stack/env (connection settings for tests)
#   scripts/stack.sh reset                  down, then delete all state
#
# Everything lives under <repo>/.stack and listens on 127.0.0.1 only. The system services of the
# same packages are never started, stopped or reconfigured, and Postfix has no transport that
# could deliver anywhere but the private Dovecot.
set -euo pipefail
umask 022

SCRIPT_PATH=$(readlink -f "${BASH_SOURCE[0]}")
REPO_DIR=$(cd "$(dirname "$SCRIPT_PATH")/.." && pwd -P)
STACK_DIR=$REPO_DIR/.stack
TEMPLATE_DIR=$REPO_DIR/scripts/stack
LOG_DIR=$STACK_DIR/log
ENV_FILE=$STACK_DIR/env

PG_PORT=${STACK_PG_PORT:-55432}
IMAP_PORT=${STACK_IMAP_PORT:-10143}
IMAPS_PORT=${STACK_IMAPS_PORT:-10993}
SMTP_PORT=${STACK_SMTP_PORT:-10025}
SUBMISSION_PORT=${STACK_SUBMISSION_PORT:-10587}
SMTPS_PORT=${STACK_SMTPS_PORT:-10465}
# Where the tests host the OpenID Connect provider whose tokens Dovecot introspects (see dovecot-oauth2.conf.ext.in).
OIDC_PORT=${STACK_OIDC_PORT:-10880}
OIDC_INTROSPECTION_CLIENT=dovecot
MAIL_DOMAIN=${STACK_MAIL_DOMAIN:-example.test}
PG_USER=splynx
PG_DATABASE=splynx

PACKAGES=(postgresql dovecot-core dovecot-imapd dovecot-lmtpd postfix openssl)
PG_BIN=/usr/lib/postgresql/15/bin
# Users the daemons drop to; each must be able to reach the runtime files.
SERVICE_USERS=(postgres mail dovecot dovenull postfix)

# One name per checkout, so two clones on one machine never share sockets or /var/tmp state.
REPO_HASH=$(printf '%s' "$REPO_DIR" | sha256sum | cut -c1-10)
INSTANCE=splynx-stack-$REPO_HASH
FALLBACK_RUNTIME_DIR=/var/tmp/$INSTANCE

log() { printf 'stack: %s\n' "$*" >&2; }
warn() { printf 'stack: warning: %s\n' "$*" >&2; }
die() { printf 'stack: error: %s\n' "$*" >&2; exit 1; }

require_root() {
  [[ $EUID -eq 0 ]] || die "run as root (the daemons switch to their own users)"
}

# Starts a daemon without our lock descriptors: a daemon inheriting one would hold the lock forever.
without_locks() { "$@" </dev/null 8>&- 9>&-; }

# Run as the postgres user from /, because the caller's directory may be closed to it.
as_postgres() { (cd / && runuser -u postgres -- "$@"); }

# ---------------------------------------------------------------------------------------------
# Layout. Files every daemon must reach (data, sockets, mail, configs, cert) live in RUNTIME_DIR:
# .stack itself, or /var/tmp/<instance> when the checkout sits where service users cannot
# traverse (such as /root/...). .stack then holds symlinks to it. Logs, env and locks stay in
# .stack, as only root touches them (daemons get log files opened by root).
# ---------------------------------------------------------------------------------------------
set_paths() {
  RUNTIME_DIR=$1
  PG_DATA=$RUNTIME_DIR/pg
  RUN_DIR=$RUNTIME_DIR/run
  PG_SOCKET_DIR=$RUN_DIR/pg
  DOVECOT_RUN=$RUN_DIR/dovecot
  DOVECOT_DIR=$RUNTIME_DIR/dovecot
  DOVECOT_CONF=$DOVECOT_DIR/dovecot.conf
  DOVECOT_OAUTH2_CONF=$DOVECOT_DIR/dovecot-oauth2.conf.ext
  DOVECOT_STATE=$DOVECOT_DIR/state
  USERS_DIR=$DOVECOT_DIR/users
  # Postfix wants its config tree owned by root alone, so queue and data sit beside it.
  POSTFIX_DIR=$RUNTIME_DIR/postfix
  POSTFIX_CONF=$POSTFIX_DIR/etc
  POSTFIX_QUEUE=$POSTFIX_DIR/queue
  POSTFIX_DATA=$POSTFIX_DIR/data
  MAIL_ROOT=$RUNTIME_DIR/mail
  TLS_DIR=$RUNTIME_DIR/tls
}
RUNTIME_ITEMS=(pg run dovecot postfix mail tls)

# Paths of an existing stack; false when `up` never ran here.
load_paths() {
  [[ -f $STACK_DIR/runtime-dir ]] || return 1
  set_paths "$(<"$STACK_DIR/runtime-dir")"
}

reachable_by_service_users() {
  local user
  for user in "${SERVICE_USERS[@]}"; do
    runuser -u "$user" -- test -x "$1" 2>/dev/null || return 1
  done
}

prepare_layout() {
  mkdir -p "$LOG_DIR"
  chmod 755 "$STACK_DIR"
  if ! load_paths; then
    local runtime=$STACK_DIR
    if ! reachable_by_service_users "$STACK_DIR"; then
      runtime=$FALLBACK_RUNTIME_DIR
      log "service users cannot traverse $REPO_DIR; runtime files go to $runtime"
    fi
    printf '%s\n' "$runtime" >"$STACK_DIR/runtime-dir"
    set_paths "$runtime"
  fi

  mkdir -p "$RUNTIME_DIR"
  chmod 755 "$RUNTIME_DIR"
  if [[ $RUNTIME_DIR != "$STACK_DIR" ]]; then
    local item
    for item in "${RUNTIME_ITEMS[@]}"; do
      mkdir -p "$RUNTIME_DIR/$item"
      ln -sfn "$RUNTIME_DIR/$item" "$STACK_DIR/$item"
    done
  fi

  mkdir -p "$RUN_DIR" "$DOVECOT_DIR" "$DOVECOT_STATE" "$USERS_DIR" "$POSTFIX_CONF" \
    "$POSTFIX_QUEUE" "$POSTFIX_DATA" "$MAIL_ROOT/$MAIL_DOMAIN" "$TLS_DIR"
  install -d -o postgres -g postgres -m 700 "$PG_DATA"
  install -d -o postgres -g postgres -m 755 "$PG_SOCKET_DIR"
  chown mail:mail "$MAIL_ROOT" "$MAIL_ROOT/$MAIL_DOMAIN"
  chmod 770 "$MAIL_ROOT" "$MAIL_ROOT/$MAIL_DOMAIN"
  # The auth process runs as the dovecot user and reads one passwd-file per user.
  chown root:dovecot "$USERS_DIR"
  chmod 750 "$USERS_DIR"
  chown postfix "$POSTFIX_DATA"
}

# ---------------------------------------------------------------------------------------------
# Packages and kernel limits
# ---------------------------------------------------------------------------------------------
missing_packages() {
  local pkg
  for pkg in "${PACKAGES[@]}"; do
    [[ $(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) == "install ok installed" ]] \
      || printf '%s\n' "$pkg"
  done
}

install_packages() {
  local missing
  missing=$(missing_packages)
  [[ -z $missing ]] && return 0
  log "installing: ${missing//$'\n'/ }"

  # Package scripts would start system instances on the standard ports: forbid that for the
  # duration of the install (exit 101 = "action not allowed"), then put back what was there.
  local policy=/usr/sbin/policy-rc.d backup=""
  if [[ -e $policy ]]; then
    backup=$(mktemp /usr/sbin/policy-rc.d.stack-XXXXXX)
    cp -p "$policy" "$backup"
  fi
  # shellcheck disable=SC2064 # expand now: the trap must restore this exact backup
  trap "restore_policy '$backup'" EXIT
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"

  # Postfix asks what kind of mail system to set up; the answer that writes no main.cf.
  echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections

  export DEBIAN_FRONTEND=noninteractive
  local apt_opts=(-y -q -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef
    -o Dpkg::Options::=--force-confold)
  apt-get "${apt_opts[@]}" update </dev/null
  # shellcheck disable=SC2086
  apt-get "${apt_opts[@]}" install --no-install-recommends $missing </dev/null

  restore_policy "$backup"
  trap - EXIT
}

restore_policy() {
  local backup=$1 policy=/usr/sbin/policy-rc.d
  if [[ -n $backup ]]; then
    mv -f "$backup" "$policy"
  else
    rm -f "$policy"
  fi
}

raise_inotify_limits() {
  # Each IDLE (or hibernated) session holds an inotify instance of the one mail uid; past the
  # limit Dovecot silently falls back to polling and new mail shows up seconds late.
  local key_want key want current
  for key_want in fs.inotify.max_user_instances=8192 fs.inotify.max_user_watches=1048576; do
    key=${key_want%%=*}
    want=${key_want#*=}
    current=$(sysctl -n "$key" 2>/dev/null || echo 0)
    if ((current < want)) && ! sysctl -qw "$key=$want" >/dev/null 2>&1; then
      warn "could not raise $key to $want (now $current); many IDLE sessions will see late mail"
    fi
  done
}

# ---------------------------------------------------------------------------------------------
# Secrets, certificate and configuration files
# ---------------------------------------------------------------------------------------------
ensure_pg_password() {
  local file=$STACK_DIR/pg-password
  if [[ ! -s $file ]]; then
    (umask 077 && openssl rand -hex 24 >"$file")
  fi
  PG_PASSWORD=$(<"$file")
}

ensure_tls_cert() {
  [[ -s $TLS_DIR/cert.pem && -s $TLS_DIR/key.pem ]] && return 0
  log "generating a self-signed certificate for localhost / 127.0.0.1"
  openssl req -x509 -newkey rsa:2048 -sha256 -days 3650 -nodes \
    -keyout "$TLS_DIR/key.pem" -out "$TLS_DIR/cert.pem" -subj /CN=localhost \
    -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' \
    -addext 'extendedKeyUsage=serverAuth' 2>/dev/null
  # Daemons load the key while still root; nobody else needs it.
  chmod 600 "$TLS_DIR/key.pem"
  chmod 644 "$TLS_DIR/cert.pem"
}

# The secret with which Dovecot authenticates to the test OpenID Connect provider's introspection endpoint;
# the provider the tests host reads it from .stack/env.
ensure_oidc_secret() {
  local file=$STACK_DIR/oidc-introspection-secret
  if [[ ! -s $file ]]; then
    (umask 077 && openssl rand -hex 24 >"$file")
  fi
  OIDC_INTROSPECTION_SECRET=$(<"$file")
}

# The certificate that encrypts the service's Data Protection key ring in local runs and benchmarks (tests
# make their own). PKCS#12 with a generated password; both stay in .stack, never in the repository.
ensure_keyring_cert() {
  KEYRING_CERT=$STACK_DIR/keyring.pfx
  local password_file=$STACK_DIR/keyring-password
  if [[ ! -s $KEYRING_CERT || ! -s $password_file ]]; then
    log "generating the certificate that encrypts the service's key ring"
    (umask 077 && openssl rand -hex 24 >"$password_file")
    local work
    work=$(mktemp -d)
    openssl req -x509 -newkey rsa:2048 -sha256 -days 3650 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
      -subj '/CN=Splynx.Orleans key ring' 2>/dev/null
    (umask 077 && openssl pkcs12 -export -inkey "$work/key.pem" -in "$work/cert.pem" -out "$KEYRING_CERT" \
      -passout "file:$password_file")
    rm -rf "$work"
  fi
  KEYRING_PASSWORD=$(<"$password_file")
}

# Writes template $1 to $2 with @NAME@ replaced by $NAME; succeeds only when $2 changed.
render() {
  local template=$TEMPLATE_DIR/$1 target=$2 text name
  text=$(<"$template")
  for name in INSTANCE LOG_DIR TLS_DIR MAIL_DOMAIN MAIL_ROOT USERS_DIR DOVECOT_RUN DOVECOT_DIR \
    DOVECOT_STATE POSTFIX_QUEUE POSTFIX_DATA PG_PORT PG_SOCKET_DIR IMAP_PORT IMAPS_PORT \
    SMTP_PORT SUBMISSION_PORT SMTPS_PORT OIDC_PORT OIDC_INTROSPECTION_CLIENT OIDC_INTROSPECTION_SECRET; do
    text=${text//@$name@/${!name}}
  done
  if [[ $text =~ @[A-Z_]+@ ]]; then
    die "$template: unknown placeholder ${BASH_REMATCH[0]}"
  fi
  if [[ -f $target && $(<"$target") == "$text" ]]; then
    return 1
  fi
  printf '%s\n' "$text" >"$target.new"
  mv -f "$target.new" "$target"
}

validate_ports() {
  local name
  for name in PG_PORT IMAP_PORT IMAPS_PORT SMTP_PORT SUBMISSION_PORT SMTPS_PORT OIDC_PORT; do
    if ! [[ ${!name} =~ ^[0-9]+$ ]] || ((${!name} < 1 || ${!name} > 65535)); then
      die "STACK_$name must be a port number, got '${!name}'"
    fi
  done
  [[ $MAIL_DOMAIN =~ ^[a-z0-9.-]+$ ]] || die "STACK_MAIL_DOMAIN must be a lower-case domain"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Fails early and clearly when something else (another checkout's stack?) holds a port.
require_free_ports() {
  local what=$1 port
  shift
  for port in "$@"; do
    if port_open "$port"; then
      die "$what cannot start: 127.0.0.1:$port is in use by another process (choose other STACK_*_PORT values)"
    fi
  done
}

wait_for_ports() {
  local what=$1 deadline=$((SECONDS + 30)) port
  shift
  for port in "$@"; do
    until port_open "$port"; do
      ((SECONDS < deadline)) || die "$what does not listen on 127.0.0.1:$port (see $LOG_DIR)"
      sleep 0.1
    done
  done
}

# True for a running process; zombies do not count (PID 1 here may reap them only later).
alive() {
  local stat
  # `read`, not $(<…): a failing $(<…) ends the script under set -e even inside a condition.
  IFS= read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

# Pids of processes whose title (first word of the command line) starts with $1.
# Pure bash: with thousands of IMAP processes, a fork per process would make `down` crawl.
pids_by_title() {
  local prefix=$1 path title
  for path in /proc/[0-9]*/cmdline; do
    title=""
    IFS= read -r -d '' title 2>/dev/null <"$path" || [[ -n $title ]] || continue
    if [[ $title == "$prefix"* ]]; then
      path=${path#/proc/}
      echo "${path%%/*}"
    fi
  done
}

# Pids of processes that have the environment entry $1 (NAME=value).
pids_by_env() {
  local wanted=$1 path entry
  for path in /proc/[0-9]*/environ; do
    while IFS= read -r -d '' entry; do
      if [[ $entry == "$wanted" ]]; then
        path=${path#/proc/}
        echo "${path%%/*}"
        break
      fi
    done 2>/dev/null <"$path" || true
  done
}

# Waits until the pid lister $2 finds nothing; after $3 seconds the rest gets SIGKILL.
wait_for_exit() {
  local what=$1 list_pids=$2 grace=$3 deadline pids
  deadline=$((SECONDS + grace))
  while pids=$("$list_pids") && [[ -n $pids ]]; do
    if ((SECONDS >= deadline)); then
      warn "$what: processes still alive after ${grace}s, killing: ${pids//$'\n'/ }"
      # shellcheck disable=SC2086
      kill -KILL $pids 2>/dev/null || true
      deadline=$((SECONDS + 10))
      grace=10
    fi
    sleep 0.2
  done
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------------
pg_running() {
  [[ -f $PG_DATA/PG_VERSION ]] && as_postgres "$PG_BIN/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1
}

pg_init() {
  [[ -f $PG_DATA/PG_VERSION ]] && return 0
  log "initialising PostgreSQL cluster in $PG_DATA"
  # A half-made cluster from an interrupted run would make initdb refuse the directory.
  find "$PG_DATA" -mindepth 1 -delete
  as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=peer --auth-host=scram-sha-256 >>"$LOG_DIR/postgres.log" 2>&1 \
    || die "initdb failed, see $LOG_DIR/postgres.log"
  echo "include_if_exists = 'stack.conf'" >>"$PG_DATA/postgresql.conf"
}

pg_configure() {
  local changed=1
  render postgresql.conf.in "$PG_DATA/stack.conf" && changed=0
  render pg_hba.conf.in "$PG_DATA/pg_hba.conf" && changed=0
  chown postgres:postgres "$PG_DATA/stack.conf" "$PG_DATA/pg_hba.conf"
  return "$changed"
}

pg_start() {
  require_free_ports PostgreSQL "$PG_PORT"
  # No -l: the server keeps the log file that root opened, wherever the checkout sits.
  without_locks as_postgres "$PG_BIN/pg_ctl" start -D "$PG_DATA" -w -t 60 \
    >>"$LOG_DIR/postgres.log" 2>&1 \
    || die "PostgreSQL did not start, see $LOG_DIR/postgres.log"
}

pg_stop() {
  pg_running || return 0
  as_postgres "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w -t 120 \
    </dev/null >>"$LOG_DIR/postgres.log" 2>&1 || warn "pg_ctl stop failed, see $LOG_DIR/postgres.log"
}

pg_psql() {
  as_postgres psql -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres "$@"
}

pg_ensure_role_and_database() {
  pg_psql -d postgres -v user="$PG_USER" -v password="$PG_PASSWORD" -v db="$PG_DATABASE" \
    >/dev/null <<'SQL'
SELECT format('CREATE ROLE %I', :'user')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'user') \gexec
ALTER ROLE :"user" WITH LOGIN CREATEDB PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'user')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL
}

pg_up() {
  pg_init
  if pg_configure && pg_running; then
    log "PostgreSQL configuration changed, restarting it"
    pg_stop
  fi
  pg_running || pg_start
  pg_ensure_role_and_database
}

# ---------------------------------------------------------------------------------------------
# Dovecot
# ---------------------------------------------------------------------------------------------
dovecot_master_pid() {
  local pid
  IFS= read -r pid 2>/dev/null <"$DOVECOT_RUN/master.pid" || return 1
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == dovecot ]] || return 1
  echo "$pid"
}

dovecot_running() { dovecot_master_pid >/dev/null; }

# Dovecot's children overwrite their environment with the process title, which carries the
# instance name ("dovecot-<instance>/imap"); the master is found through its pid file.
dovecot_pids() {
  dovecot_master_pid || true
  pids_by_title "dovecot-$INSTANCE/"
}

dovecot_start() {
  # A previous instance's processes still holding the sockets would make the start fail.
  wait_for_exit dovecot dovecot_pids 60
  require_free_ports Dovecot "$IMAP_PORT" "$IMAPS_PORT"
  # A pid file left by a crash could name an unrelated live process by now.
  rm -f "$DOVECOT_RUN/master.pid"
  without_locks dovecot -c "$DOVECOT_CONF" >>"$LOG_DIR/dovecot.log" 2>&1 \
    || die "Dovecot did not start, see $LOG_DIR/dovecot.log"
  # The master binds every listener before it detaches; probing a plain-text one is enough and
  # leaves no TLS handshake errors in the logs.
  wait_for_ports Dovecot "$IMAP_PORT"
}

dovecot_stop() {
  local pid
  if pid=$(dovecot_master_pid); then
    kill -TERM "$pid" 2>/dev/null || true
  fi
  # Hibernated and still-busy sessions outlive the master for a while; wait for all of them.
  wait_for_exit dovecot dovecot_pids 90
}

dovecot_up() {
  local changed=1
  render dovecot.conf.in "$DOVECOT_CONF" && changed=0
  render dovecot-oauth2.conf.ext.in "$DOVECOT_OAUTH2_CONF" && changed=0
  # It holds the introspection secret: readable by the auth process (user dovecot) only.
  chown root:dovecot "$DOVECOT_OAUTH2_CONF"
  chmod 640 "$DOVECOT_OAUTH2_CONF"
  if ((changed == 0)) && dovecot_running; then
    log "Dovecot configuration changed, restarting it"
    dovecot_stop
  fi
  dovecot_running || dovecot_start
}

# ---------------------------------------------------------------------------------------------
# Postfix
# ---------------------------------------------------------------------------------------------
# Checked through the pid file rather than `postfix status`, which logs on every call.
postfix_master_pid() {
  local pid
  [[ -f $POSTFIX_QUEUE/pid/master.pid ]] || return 1
  pid=$(tr -d ' \n' <"$POSTFIX_QUEUE/pid/master.pid")
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" && grep -qzxF "MAIL_CONFIG=$POSTFIX_CONF" "/proc/$pid/environ" 2>/dev/null \
    || return 1
  echo "$pid"
}

postfix_running() { postfix_master_pid >/dev/null; }

# Every Postfix process inherits MAIL_CONFIG from its master.
postfix_pids() { pids_by_env "MAIL_CONFIG=$POSTFIX_CONF"; }

postfix_start() {
  require_free_ports Postfix "$SMTP_PORT" "$SUBMISSION_PORT" "$SMTPS_PORT"
  # `check` creates the queue tree with the ownership Postfix insists on.
  postfix -c "$POSTFIX_CONF" check </dev/null >>"$LOG_DIR/postfix.log" 2>&1 \
    || die "postfix check failed, see $LOG_DIR/postfix.log"
  without_locks postfix -c "$POSTFIX_CONF" start >>"$LOG_DIR/postfix.log" 2>&1 \
    || die "Postfix did not start, see $LOG_DIR/postfix.log"
  wait_for_ports Postfix "$SMTP_PORT" "$SUBMISSION_PORT"
}

postfix_stop() {
  if postfix_running; then
    postfix -c "$POSTFIX_CONF" stop </dev/null >>"$LOG_DIR/postfix.log" 2>&1 || true
  fi
  wait_for_exit postfix postfix_pids 60
}

postfix_up() {
  local changed=1
  render postfix-main.cf.in "$POSTFIX_CONF/main.cf" && changed=0
  render postfix-master.cf.in "$POSTFIX_CONF/master.cf" && changed=0
  if ((changed == 0)) && postfix_running; then
    log "Postfix configuration changed, reloading it"
    postfix -c "$POSTFIX_CONF" reload </dev/null >>"$LOG_DIR/postfix.log" 2>&1
    wait_for_ports Postfix "$SMTP_PORT" "$SUBMISSION_PORT"
  fi
  postfix_running || postfix_start
}

# ---------------------------------------------------------------------------------------------
# env file
# ---------------------------------------------------------------------------------------------
# Values with shell-special characters (the connection strings' ';', spaces) get single quotes.
env_line() {
  local key=$1 value=$2
  if [[ $value =~ ^[A-Za-z0-9_./:@,+=-]*$ ]]; then
    printf '%s=%s\n' "$key" "$value"
  else
    printf "%s='%s'\n" "$key" "${value//\'/\'\\\'\'}"
  fi
}

write_env() {
  local pg_common="Host=127.0.0.1;Port=$PG_PORT;Username=$PG_USER;Password=$PG_PASSWORD"
  {
    echo "# Written by scripts/stack.sh up; values with ; or spaces are single-quoted."
    env_line STACK_DIR "$STACK_DIR"
    env_line STACK_RUNTIME_DIR "$RUNTIME_DIR"
    env_line STACK_LOG_DIR "$LOG_DIR"
    env_line STACK_PG_HOST 127.0.0.1
    env_line STACK_PG_PORT "$PG_PORT"
    env_line STACK_PG_USER "$PG_USER"
    env_line STACK_PG_PASSWORD "$PG_PASSWORD"
    env_line STACK_PG_DATABASE "$PG_DATABASE"
    env_line STACK_PG_ADMIN_CONNECTION "$pg_common;Database=postgres"
    env_line STACK_PG_CONNECTION "$pg_common;Database=$PG_DATABASE"
    env_line STACK_IMAP_HOST 127.0.0.1
    env_line STACK_IMAP_PORT "$IMAP_PORT"
    env_line STACK_IMAPS_PORT "$IMAPS_PORT"
    env_line STACK_SMTP_HOST 127.0.0.1
    env_line STACK_SMTP_PORT "$SMTP_PORT"
    env_line STACK_SUBMISSION_PORT "$SUBMISSION_PORT"
    env_line STACK_SMTPS_PORT "$SMTPS_PORT"
    env_line STACK_MAIL_DOMAIN "$MAIL_DOMAIN"
    env_line STACK_TLS_CERT "$STACK_DIR/tls/cert.pem"
    env_line STACK_OIDC_PORT "$OIDC_PORT"
    env_line STACK_OIDC_INTROSPECTION_CLIENT "$OIDC_INTROSPECTION_CLIENT"
    env_line STACK_OIDC_INTROSPECTION_SECRET "$OIDC_INTROSPECTION_SECRET"
    env_line STACK_KEYRING_CERT "$KEYRING_CERT"
    env_line STACK_KEYRING_PASSWORD "$KEYRING_PASSWORD"
    env_line STACK_SCRIPT "$SCRIPT_PATH"
    env_line STACK_ADD_USER "$SCRIPT_PATH add-user"
  } >"$ENV_FILE.new"
  chmod 644 "$ENV_FILE.new"
  # Readers (tests running in parallel) see either the old or the new file, never half of one.
  mv -f "$ENV_FILE.new" "$ENV_FILE"
}

# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------
# Serialises up/down/reset between concurrent callers.
lock_stack() {
  mkdir -p "$STACK_DIR"
  exec 9>"$STACK_DIR/stack.lock"
  flock -w 900 9 || die "timed out waiting for another stack.sh run"
}

cmd_up() {
  require_root
  validate_ports
  lock_stack
  install_packages
  raise_inotify_limits
  prepare_layout
  ensure_pg_password
  ensure_tls_cert
  ensure_oidc_secret
  ensure_keyring_cert
  pg_up
  dovecot_up
  postfix_up
  write_env
  cat >&2 <<EOF
stack: up ($STACK_DIR)
  PostgreSQL  127.0.0.1:$PG_PORT  user $PG_USER, database $PG_DATABASE
  IMAP        127.0.0.1:$IMAP_PORT (STARTTLS)  127.0.0.1:$IMAPS_PORT (TLS)
  SMTP        127.0.0.1:$SMTP_PORT (MX, no auth)  127.0.0.1:$SUBMISSION_PORT (STARTTLS+AUTH)  127.0.0.1:$SMTPS_PORT (TLS+AUTH)
  OAuth2      XOAUTH2/OAUTHBEARER tokens introspected at http://127.0.0.1:$OIDC_PORT/ (the provider the tests host)
  mail domain $MAIL_DOMAIN; add users with: $SCRIPT_PATH add-user NAME PASSWORD
  settings    $ENV_FILE; logs in $LOG_DIR
EOF
}

cmd_down() {
  require_root
  lock_stack
  load_paths || { log "no stack here"; return 0; }
  postfix_stop
  dovecot_stop
  pg_stop
  log "down"
}

cmd_status() {
  require_root
  local all=0
  if ! load_paths; then
    echo "postgresql: not set up"
    echo "dovecot: not set up"
    echo "postfix: not set up"
    return 1
  fi
  if pg_running; then echo "postgresql: running (127.0.0.1:$PG_PORT)"; else echo "postgresql: stopped"; all=1; fi
  if dovecot_running; then echo "dovecot: running (pid $(dovecot_master_pid))"; else echo "dovecot: stopped"; all=1; fi
  if postfix_running; then echo "postfix: running"; else echo "postfix: stopped"; all=1; fi
  return "$all"
}

cmd_add_user() {
  require_root
  (($# == 2)) || die "usage: stack.sh add-user NAME PASSWORD"
  local name=${1,,} password=$2
  # Accept the full address too, as long as it is in the test domain.
  if [[ $name == *@* ]]; then
    [[ ${name#*@} == "$MAIL_DOMAIN" ]] || die "only $MAIL_DOMAIN addresses live here: $1"
    name=${name%@*}
  fi
  [[ $name =~ ^[a-z0-9][a-z0-9._-]*$ ]] || die "user name must match [a-z0-9][a-z0-9._-]*: $1"
  [[ -n $password && $password != *$'\n'* ]] || die "password must be one non-empty line"
  if ! load_paths || [[ ! -f $DOVECOT_CONF ]]; then
    die "stack is not set up; run: $SCRIPT_PATH up"
  fi

  # The temporary name starts with a dot, which no user name can.
  local hash file=$USERS_DIR/$name tmp=$USERS_DIR/.$name.tmp
  hash=$(doveadm -c "$DOVECOT_CONF" pw -s SSHA512 -p "$password") || die "doveadm pw failed"
  hash=${hash#\{SSHA512\}}

  # One lock per user: different users never wait for each other, while concurrent updates of
  # one user are serialised including the check below, so each caller sees its own password.
  mkdir -p "$STACK_DIR/locks"
  exec 8>"$STACK_DIR/locks/user-$name"
  flock -w 60 8 || die "timed out waiting for the lock of user $name"

  # Dovecot re-reads a passwd-file when its mtime (whole seconds) or size differs from what it
  # read last: a same-second, same-size rewrite would go unnoticed, so the mtime must move on.
  local mtime=0
  [[ -f $file ]] && mtime=$(stat -c %Y "$file")
  printf '%s:{SSHA512}%s::::::\n' "$name" "$hash" >"$tmp"
  chown root:dovecot "$tmp"
  chmod 640 "$tmp"
  if ((mtime >= $(date +%s))); then
    touch -d "@$((mtime + 1))" "$tmp"
  fi
  mv -f "$tmp" "$file"

  # Dovecot looks at a passwd-file at most once a second; return only once it sees the new one.
  if dovecot_running; then
    local deadline=$((SECONDS + 5))
    until doveadm -c "$DOVECOT_CONF" auth test -x service=imap "$name" "$password" >/dev/null 2>&1; do
      ((SECONDS < deadline)) || die "Dovecot does not accept the new password of $name"
      sleep 0.1
    done
  fi
  echo "$name@$MAIL_DOMAIN"
}

# Tests use it to cut a client's connection the way a server restart would, without disturbing
# the sessions of other users (other tests run at the same time).
cmd_kick() {
  require_root
  (($# == 1)) || die "usage: stack.sh kick NAME"
  load_paths && [[ -f $DOVECOT_CONF ]] || die "stack is not set up; run: $SCRIPT_PATH up"
  local status=0
  doveadm -c "$DOVECOT_CONF" kick "${1%@*}" || status=$?
  # 68 (EX_NOUSER) only says nobody was connected: nothing to cut is not a failure.
  ((status == 0 || status == 68)) || die "doveadm kick failed ($status)"
}

cmd_restart_imap() {
  require_root
  lock_stack
  load_paths && [[ -f $DOVECOT_CONF ]] || die "stack is not set up; run: $SCRIPT_PATH up"
  dovecot_stop
  dovecot_start
  log "Dovecot restarted"
}

cmd_env() {
  [[ -f $ENV_FILE ]] || die "no $ENV_FILE yet; run: $SCRIPT_PATH up"
  cat "$ENV_FILE"
}

cmd_reset() {
  require_root
  cmd_down
  if load_paths && [[ $RUNTIME_DIR == "$FALLBACK_RUNTIME_DIR" ]]; then
    rm -rf -- "$RUNTIME_DIR"
  fi
  rm -rf -- "$STACK_DIR"
  log "reset: removed $STACK_DIR"
}

usage() {
  sed -n '2,12p' "$SCRIPT_PATH" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

main() {
  local command=${1:-}
  (($# > 0)) && shift
  case $command in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    add-user) cmd_add_user "$@" ;;
    kick) cmd_kick "$@" ;;
    restart-imap) cmd_restart_imap ;;
    env) cmd_env ;;
    reset) cmd_reset ;;
    *) usage ;;
  esac
}

main "$@"
