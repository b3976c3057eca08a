#!/usr/bin/env bash
# Makes sure the PostgreSQL and Redis used by messenger-gateway are up.
#
#   bash scripts/ensure-services.sh        # execute
#   source scripts/ensure-services.sh      # or source: also exports the
#                                          # resolved DATABASE_URL / REDIS_URL
#
# URLs come from the environment, else from ./.env (repo root), else the
# defaults below. Only localhost URLs are managed; other hosts are only probed.
# For a local service that is not reachable, the script (in this order)
# starts an installed instance, or, when running as root, installs it with
# apt-get (Debian) and starts it. Without root it prints the exact commands to
# run and fails. One line per service says what happened.
#
# Knobs: ENSURE_SERVICES_TIMEOUT (seconds to wait for readiness, default 30).
#
# When sourced, the caller's shell options are restored afterwards.
__es_saved_flags="$-"
__es_saved_pipefail=0
if [[ -o pipefail ]]; then __es_saved_pipefail=1; fi
set -euo pipefail

__es_main() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

  ES_DEFAULT_DATABASE_URL='postgres://postgres:postgres@127.0.0.1:5432/messenger_gateway'
  ES_DEFAULT_REDIS_URL='redis://127.0.0.1:6379'
  ES_TIMEOUT="${ENSURE_SERVICES_TIMEOUT:-30}"
  ES_APT_UPDATED=0
  ES_IS_ROOT=0
  [[ "$(id -u)" == 0 ]] && ES_IS_ROOT=1

  DATABASE_URL="${DATABASE_URL:-$(es_dotenv_get DATABASE_URL "$root/.env")}"
  DATABASE_URL="${DATABASE_URL:-$ES_DEFAULT_DATABASE_URL}"
  REDIS_URL="${REDIS_URL:-$(es_dotenv_get REDIS_URL "$root/.env")}"
  REDIS_URL="${REDIS_URL:-$ES_DEFAULT_REDIS_URL}"
  export DATABASE_URL REDIS_URL

  local rc=0
  es_ensure_postgres "$DATABASE_URL" || rc=1
  es_ensure_redis "$REDIS_URL" || rc=1
  return "$rc"
}

# ---------------------------------------------------------------- helpers

es_log() { printf '%s\n' "$*"; }
es_err() { printf '%s\n' "$*" >&2; }

# es_dotenv_get KEY FILE: value of KEY in a dotenv file ('' if absent).
# Handles `export KEY=...`, quotes and trailing comments; first match wins
# (like dotenvy, which never overrides an already-set variable).
es_dotenv_get() {
  local key=$1 file=$2 line val
  [[ -f "$file" ]] || return 0
  line="$(grep -E "^[[:space:]]*(export[[:space:]]+)?${key}[[:space:]]*=" "$file" | head -n1 || true)"
  [[ -n "$line" ]] || return 0
  val="${line#*=}"
  val="${val#"${val%%[![:space:]]*}"}"            # ltrim
  if [[ "$val" == \"*\"* ]]; then
    val="${val#\"}"; val="${val%%\"*}"
  elif [[ "$val" == \'*\'* ]]; then
    val="${val#\'}"; val="${val%%\'*}"
  else
    val="${val%%[[:space:]]#*}"                   # strip ' # comment'
    val="${val%"${val##*[![:space:]]}"}"          # rtrim
  fi
  printf '%s' "$val"
}

# es_parse_url URL: sets U_SCHEME U_USER U_PASS U_HOST U_PORT U_PATH.
# U_USER / U_PASS are percent-decoded.
# shellcheck disable=SC2034 # U_SCHEME / U_PATH are part of the result
es_parse_url() {
  local url=$1 rest hostport auth
  U_SCHEME="${url%%://*}"
  rest="${url#*://}"
  rest="${rest%%\?*}"; rest="${rest%%#*}"
  if [[ "$rest" == */* ]]; then hostport="${rest%%/*}"; U_PATH="${rest#*/}"; else hostport=$rest; U_PATH=''; fi
  U_USER=''; U_PASS=''
  if [[ "$hostport" == *@* ]]; then
    auth="${hostport%@*}"; hostport="${hostport##*@}"
    U_USER="${auth%%:*}"
    [[ "$auth" == *:* ]] && U_PASS="${auth#*:}"
  fi
  if [[ "$hostport" == \[* ]]; then                # [ipv6]:port
    U_HOST="${hostport#[}"; U_HOST="${U_HOST%%]*}"
    U_PORT="${hostport#*]}"; U_PORT="${U_PORT#:}"
  else
    U_HOST="${hostport%%:*}"
    if [[ "$hostport" == *:* ]]; then U_PORT="${hostport##*:}"; else U_PORT=''; fi
  fi
  U_USER="$(es_urldecode "$U_USER")"
  U_PASS="$(es_urldecode "$U_PASS")"
}

es_urldecode() { local s="${1//\\/\\\\}"; printf '%b' "${s//%/\\x}"; }

# es_url_with_db URL DB: URL with its path (database name) replaced by DB;
# query parameters are kept. Used for the admin/test connection.
es_url_with_db() {
  local url=$1 db=$2 query='' prefix rest
  if [[ "$url" == *\?* ]]; then query="?${url#*\?}"; url="${url%%\?*}"; fi
  prefix="${url%%://*}://"; rest="${url#*://}"
  printf '%s%s/%s%s' "$prefix" "${rest%%/*}" "$db" "$query"
}

es_is_local_host() {
  case "$1" in
    '' | localhost | 127.* | ::1 | 0:0:0:0:0:0:0:1 | ip6-localhost) return 0 ;;
    *) return 1 ;;
  esac
}

# es_tcp_open HOST PORT: true if something accepts TCP connections.
es_tcp_open() {
  local host=${1:-127.0.0.1} port=$2
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$host" "$port" 2>/dev/null
}

es_wait() { # es_wait CHECK_FUNCTION ARGS...: poll up to ES_TIMEOUT seconds
  local deadline=$((SECONDS + ES_TIMEOUT))
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

es_apt_install() { # es_apt_install LABEL PKG...
  local label=$1 log
  shift
  log="$(mktemp "${TMPDIR:-/tmp}/ensure-services-apt.XXXXXX.log")"
  es_log "$label: installing $* with apt-get (log: $log) ..."
  export DEBIAN_FRONTEND=noninteractive
  if ((ES_APT_UPDATED == 0)); then
    if ! apt-get -q update >"$log" 2>&1 </dev/null; then
      es_err "$label: apt-get update failed:"; tail -n 20 "$log" >&2; return 1
    fi
    ES_APT_UPDATED=1
  fi
  if ! apt-get -q install -y --no-install-recommends -o Dpkg::Use-Pty=0 \
      -o DPkg::Lock::Timeout=120 "$@" >>"$log" 2>&1 </dev/null; then
    es_err "$label: apt-get install $* failed:"; tail -n 20 "$log" >&2; return 1
  fi
}

# ---------------------------------------------------------------- postgres

es_pg_ready() { # HOST PORT
  if command -v pg_isready >/dev/null 2>&1; then
    if [[ -n "$1" ]]; then
      pg_isready -q -h "$1" -p "$2" -t 2 >/dev/null 2>&1
    else
      pg_isready -q -p "$2" -t 2 >/dev/null 2>&1
    fi
  else
    es_tcp_open "${1:-127.0.0.1}" "$2"
  fi
}

# Prints "VERSION NAME PORT" for every installed Debian cluster.
es_pg_clusters() {
  if command -v pg_lsclusters >/dev/null 2>&1; then
    pg_lsclusters --no-header 2>/dev/null | awk 'NF >= 3 { print $1, $2, $3 }' || true
    return 0
  fi
  local conf d ver name cport
  for conf in /etc/postgresql/*/*/postgresql.conf; do
    [[ -f "$conf" ]] || continue
    d="${conf%/postgresql.conf}"
    name="${d##*/}"; ver="${d%/*}"; ver="${ver##*/}"
    cport="$(sed -nE 's/^[[:space:]]*port[[:space:]]*=[[:space:]]*([0-9]+).*/\1/p' "$conf" | tail -n1)"
    printf '%s %s %s\n' "$ver" "$name" "${cport:-5432}"
  done
}

es_pg_server_version() { # newest installed server binaries, e.g. "15"
  local d v=''
  for d in /usr/lib/postgresql/*/bin/postgres; do
    [[ -x "$d" ]] || continue
    d="${d%/bin/postgres}"; v="${d##*/}"
  done
  printf '%s' "$v"
}

es_run_as_postgres() {
  if command -v runuser >/dev/null 2>&1; then
    runuser -u postgres -- "$@"
  else
    su postgres -s /bin/bash -c "$(printf '%q ' "$@")"
  fi
}

# After a fresh install: let the URL's role log in over TCP with the URL's
# password (Debian's default pg_hba uses scram for 127.0.0.1). Creates the
# role (LOGIN CREATEDB) if it is not `postgres`.
es_pg_set_password() {
  local user=$1 pass=$2
  (cd / && es_run_as_postgres psql -X -q -v ON_ERROR_STOP=1 -v "u=$user" -v "pw=$pass" -d postgres) >/dev/null <<'SQL'
SELECT format('CREATE ROLE %I LOGIN CREATEDB', :'u')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'u') \gexec
ALTER ROLE :"u" WITH LOGIN PASSWORD :'pw';
SQL
}

# Can we log in with DATABASE_URL? (checks the maintenance db `postgres`,
# then the URL's own db; "database does not exist" still means auth is fine)
es_pg_login_ok() {
  local url=$1 out
  command -v psql >/dev/null 2>&1 || return 0
  out="$(PGCONNECT_TIMEOUT=5 psql -X -q -w -d "$(es_url_with_db "$url" postgres)" -tAc 'select 1' </dev/null 2>&1)" && return 0
  PGCONNECT_TIMEOUT=5 psql -X -q -w -d "$url" -tAc 'select 1' </dev/null >/dev/null 2>&1 && return 0
  [[ "$out" == *"does not exist"* && "$out" != *"role"* ]] && return 0
  [[ "$out" == *"invalid URI query parameter"* ]] && return 0 # sqlx-only params: cannot check
  ES_PG_LOGIN_ERROR="$(printf '%s' "$out" | head -n 2)"
  return 1
}

es_ensure_postgres() {
  local url=$1 host port user pass where did='' clusters cluster='' ver='' name='' fresh=0 sudo=''
  es_parse_url "$url"
  host=$U_HOST; port=${U_PORT:-5432}; user=${U_USER:-postgres}; pass=$U_PASS
  where="${host:-local socket}:$port"
  ((ES_IS_ROOT)) || sudo='sudo '

  if ! es_is_local_host "$host"; then
    if es_wait es_pg_ready "$host" "$port"; then
      es_log "postgres: reachable at $where (remote, not managed here)"; return 0
    fi
    es_err "postgres: NOT reachable at $where (remote host; start it yourself or fix DATABASE_URL)"
    return 1
  fi

  if es_pg_ready "$host" "$port"; then
    did="already running"
  else
    clusters="$(es_pg_clusters)"
    cluster="$(awk -v p="$port" '$3 == p { print $1, $2; exit }' <<<"$clusters")"
    if [[ -z "$cluster" && -n "$clusters" ]]; then
      es_err "postgres: nothing listens on $where and no installed cluster uses port $port."
      es_err "  installed clusters (version name port): $(tr '\n' ';' <<<"$clusters")"
      es_err "  fix DATABASE_URL, or start/reconfigure the cluster (pg_ctlcluster --skip-systemctl-redirect VERSION NAME start)"
      return 1
    fi
    if [[ -z "$cluster" ]]; then
      # nothing installed (or server binaries without a cluster)
      ver="$(es_pg_server_version)"
      if ((!ES_IS_ROOT)); then
        es_err "postgres: not running at $where and no cluster is installed. Run:"
        if [[ -z "$ver" ]]; then
          es_err "  sudo apt-get update && sudo apt-get install -y postgresql"
          es_err "  sudo pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql | sort -V | tail -n1) main start"
        else
          es_err "  sudo pg_createcluster --port $port $ver main"
          es_err "  sudo pg_ctlcluster --skip-systemctl-redirect $ver main start"
        fi
        es_err "  sudo -u postgres psql -c \"ALTER USER $user PASSWORD '<password from DATABASE_URL>'\""
        es_err "then re-run this script."
        return 1
      fi
      if [[ -z "$ver" ]]; then
        es_apt_install postgres postgresql || return 1
        did="installed postgresql (apt)"
        clusters="$(es_pg_clusters)"
        cluster="$(awk -v p="$port" '$3 == p { print $1, $2; exit }' <<<"$clusters")"
      fi
      if [[ -z "$cluster" ]]; then
        ver="$(es_pg_server_version)"
        [[ -n "$ver" ]] || { es_err "postgres: no server binaries under /usr/lib/postgresql after install"; return 1; }
        # Debian creates 'main' on install; only create one if that did not happen
        if ! pg_createcluster --port "$port" "$ver" main >/dev/null 2>&1 </dev/null; then
          es_err "postgres: pg_createcluster --port $port $ver main failed (is there a cluster on another port? $(tr '\n' ';' <<<"$clusters"))"
          return 1
        fi
        cluster="$ver main"
        did="${did:+$did, }created cluster $ver/main"
      fi
      fresh=1
    fi
    read -r ver name <<<"$cluster"
    if ! command -v pg_ctlcluster >/dev/null 2>&1; then
      es_err "postgres: cluster $ver/$name exists but pg_ctlcluster is missing (install postgresql-common)"
      return 1
    fi
    # the package's postinst may already have started it
    if ! es_pg_ready "$host" "$port"; then
      if ((ES_IS_ROOT)) || [[ "$(id -un)" == postgres ]]; then
        if ! pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start >/dev/null 2>&1 </dev/null; then
          # "already running" is fine (it may be starting up); anything else is an error
          pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" status >/dev/null 2>&1 || {
            es_err "postgres: pg_ctlcluster $ver $name start failed; log tail:"
            tail -n 20 "/var/log/postgresql/postgresql-$ver-$name.log" >&2 2>/dev/null || true
            return 1
          }
        fi
        did="${did:+$did, }started cluster $ver/$name"
      else
        es_err "postgres: cluster $ver/$name is installed but not running. Run:"
        es_err "  ${sudo}pg_ctlcluster --skip-systemctl-redirect $ver $name start"
        es_err "then re-run this script."
        return 1
      fi
    fi
    if ! es_wait es_pg_ready "$host" "$port"; then
      es_err "postgres: not ready at $where after ${ES_TIMEOUT}s (log: /var/log/postgresql/postgresql-$ver-$name.log)"
      return 1
    fi
    if ((fresh)) && [[ -n "$pass" ]]; then
      es_pg_set_password "$user" "$pass" || { es_err "postgres: could not set the password of role $user"; return 1; }
      did="$did, set password of role $user"
    elif ((fresh)); then
      did="$did (DATABASE_URL has no password: TCP logins need one on a fresh Debian cluster)"
    fi
  fi

  if ! es_pg_login_ok "$url"; then
    es_err "postgres: running at $where, but logging in as '$user' with DATABASE_URL fails:"
    es_err "  ${ES_PG_LOGIN_ERROR:-unknown error}"
    local stmt="ALTER ROLE $user PASSWORD '<password from DATABASE_URL>'"
    [[ "${ES_PG_LOGIN_ERROR:-}" == *'role "'*'" does not exist'* ]] &&
      stmt="CREATE ROLE $user LOGIN CREATEDB PASSWORD '<password from DATABASE_URL>'"
    es_err "  fix: ${sudo}su postgres -c \"psql -c \\\"$stmt\\\"\", or set DATABASE_URL"
    return 1
  fi
  es_log "postgres: $did at $where"
}

# ---------------------------------------------------------------- redis

es_redis_ping() { # URL HOST PORT
  local reply
  if command -v redis-cli >/dev/null 2>&1; then
    reply="$(timeout 3 redis-cli --no-auth-warning -u "$1" ping 2>/dev/null </dev/null || true)"
  else
    # shellcheck disable=SC2016 # expanded by the inner bash
    reply="$(timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1" && printf "PING\r\n" >&3 && head -c 5 <&3' \
      "${2:-127.0.0.1}" "$3" 2>/dev/null || true)"
    reply="${reply#+}"; reply="${reply%$'\r'}"
  fi
  [[ "$reply" == PONG* ]]
}

es_ensure_redis() {
  local url=$1 host port pass where did='' dir logdir logfile
  es_parse_url "$url"
  host=${U_HOST:-127.0.0.1}; port=${U_PORT:-6379}; pass=$U_PASS
  where="$host:$port"

  if ! es_is_local_host "$host"; then
    if es_wait es_redis_ping "$url" "$host" "$port"; then
      es_log "redis: reachable at $where (remote, not managed here)"; return 0
    fi
    es_err "redis: NOT reachable at $where (remote host; start it yourself or fix REDIS_URL)"
    return 1
  fi

  if es_redis_ping "$url" "$host" "$port"; then
    es_log "redis: already running at $where"; return 0
  fi
  if es_tcp_open "$host" "$port"; then
    # something listens: maybe still loading, maybe auth; give it time
    if es_wait es_redis_ping "$url" "$host" "$port"; then
      es_log "redis: already running at $where"; return 0
    fi
    es_err "redis: something listens on $where but does not answer PING with REDIS_URL (wrong password or not redis?)"
    return 1
  fi

  if ! command -v redis-server >/dev/null 2>&1; then
    if ((!ES_IS_ROOT)); then
      es_err "redis: not running at $where and redis-server is not installed. Run:"
      es_err "  sudo apt-get update && sudo apt-get install -y redis-server"
      es_err "then re-run this script."
      return 1
    fi
    es_apt_install redis redis-server || return 1
    did="installed redis-server (apt), "
    # the package's postinst may already have started it
    if es_wait_short_redis "$url" "$host" "$port"; then
      es_log "redis: ${did}running at $where"; return 0
    fi
  fi

  if ((ES_IS_ROOT)) || [[ -w /var/lib/redis && -w /var/log/redis ]]; then
    dir=/var/lib/redis; logdir=/var/log/redis
  else
    dir="${XDG_CACHE_HOME:-$HOME/.cache}/messenger-gateway/redis"; logdir=$dir
  fi
  mkdir -p "$dir" "$logdir" || return 1
  logfile="$logdir/ci.log"
  local -a args=(--daemonize yes --bind 127.0.0.1 -::1 --port "$port" --save "" --appendonly no
    --dir "$dir" --logfile "$logfile")
  [[ -n "$pass" ]] && args+=(--requirepass "$pass")
  if ! redis-server "${args[@]}" </dev/null >/dev/null 2>&1; then
    es_err "redis: redis-server failed to start; log tail ($logfile):"
    tail -n 20 "$logfile" >&2 2>/dev/null || true
    return 1
  fi
  if ! es_wait es_redis_ping "$url" "$host" "$port"; then
    es_err "redis: not answering PING at $where after ${ES_TIMEOUT}s; log tail ($logfile):"
    tail -n 20 "$logfile" >&2 2>/dev/null || true
    return 1
  fi
  es_log "redis: ${did}started redis-server at $where (log: $logfile)"
}

es_wait_short_redis() { local ES_TIMEOUT=3; es_wait es_redis_ping "$@"; }

# ---------------------------------------------------------------- entry

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  __es_main "$@"
else
  # sourced: restore the caller's -e/-u/pipefail, report failure via the status
  __es_rc=0
  __es_main "$@" || __es_rc=$?
  if [[ "$__es_saved_flags" == *e* ]]; then set -e; else set +e; fi
  if [[ "$__es_saved_flags" == *u* ]]; then set -u; else set +u; fi
  if ((__es_saved_pipefail)); then set -o pipefail; else set +o pipefail; fi
  unset __es_saved_flags __es_saved_pipefail
  return "$__es_rc"
fi
