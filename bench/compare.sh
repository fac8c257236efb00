#!/usr/bin/env bash
# Side-by-side throughput of evovoiced and the Node.js peer (shared/peers/fastify-sqlite) in one
# run: fresh databases, all seeded by the peer's seed.mjs, then for each case wrk against the
# peer, then evovoiced on SQLite, then (PG=1) evovoiced on a throw-away PostgreSQL cluster with
# one server and with two servers on the same database (never two configurations at once); a
# table of req/s, ratios, p99 and non-2xx counts, each server's peak RSS (and PostgreSQL's), and
# optionally nginx serving the GET body statically.
# Loopback only; every process started here is stopped by its pid on exit. See bench/README.md.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
MAIN=$(cd "$HERE/.." && pwd)
PEER_SRC=${PEER_SRC:-$(cd "$MAIN/.." && pwd)/shared/peers/fastify-sqlite}
[ -d "$PEER_SRC" ] || PEER_SRC=/work/shared/peers/fastify-sqlite
EVO_BIN=${EVO_BIN:-$MAIN/build/evovoiced}

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
CONNS=${CONNS:-64}
EVO_THREADS=${EVO_THREADS:-0}   # 0: the server's default (one per core on SQLite, two per core on PostgreSQL)
THREADS_SAID=$([ "$EVO_THREADS" = 0 ] && echo "the default (one per core on SQLite, two per core on PostgreSQL)" || echo "$EVO_THREADS")
EVO_SQLITE_ARGS=${EVO_SQLITE_ARGS---db-exclusive}   # options of the SQLite server only (empty: none)
PEER_WORKERS=${PEER_WORKERS:-$(nproc)}
SEED_CUSTOMERS=${SEED_CUSTOMERS:-1000}
NGINX=${NGINX:-1}
PG=${PG:-1}
KEEP=${KEEP:-0}
EMAIL=admin@bench.test
PASSWORD=bench-pass
AUTH="Basic $(printf '%s:%s' "$EMAIL" "$PASSWORD" | base64 -w0)"

log() { printf '[compare] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ------------------------------------------------------------------ tools
need_apt=()
command -v wrk >/dev/null 2>&1 || need_apt+=(wrk)
if [ "$NGINX" = 1 ] && ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  need_apt+=(nginx-light)
fi
# shellcheck disable=SC2012  # the path has no odd characters
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }   # as scripts/pg-cluster finds it
if [ "$PG" = 1 ] && [ ! -x "$(pg_bin)/initdb" ]; then need_apt+=(postgresql); fi
if [ "${#need_apt[@]}" -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing ${need_apt[*]}; install them (apt-get install -y ${need_apt[*]})"
  log "installing ${need_apt[*]}"
  timeout 300 apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
NGINX_BIN=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
for t in node npm curl wrk; do command -v "$t" >/dev/null 2>&1 || die "$t not found"; done
[ -x "$EVO_BIN" ] || die "$EVO_BIN not built (run make in $MAIN)"
[ -f "$PEER_SRC/seed.mjs" ] || die "peer not found at $PEER_SRC"
[ "$PG" != 1 ] || [ -x "$(pg_bin)/initdb" ] || die "PostgreSQL not found under /usr/lib/postgresql"

# ------------------------------------------------------------------ process bookkeeping
WORK=$(mktemp -d /tmp/evo-compare.XXXXXX)
chmod 755 "$WORK"   # nginx workers run as nobody
PEER_PID='' EVO_PID='' NGINX_PID=''
PGA_PID='' PGB_PID='' PG_DIR='' PG_PM_PID=''
PEER_CHILDREN=''

stop_pid() { # pid: SIGTERM, wait up to 5 s, then SIGKILL
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then log "pid $pid ignored SIGTERM; SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
  wait "$pid" 2>/dev/null || true
}
children_of() { # pid -> its child pids
  cat /proc/"$1"/task/*/children 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+$' || true
}
peer_children() { # pids of the peer's cluster workers (children of its primary, by parent pid)
  [ -n "$PEER_PID" ] || return 0
  children_of "$PEER_PID"
}
running() { # pid: exists and is not a zombie
  [ -r /proc/"$1"/stat ] && [ "$(awk '{ print $3 }' /proc/"$1"/stat 2>/dev/null)" != Z ]
}
pg_stop() { # stop the PostgreSQL cluster (pg-cluster removes its dir; its log is kept as pg-server.log)
  [ -n "$PG_DIR" ] || return 0
  local pm=${PG_PM_PID:-$(head -1 "$PG_DIR/data/postmaster.pid" 2>/dev/null || true)}
  cp "$PG_DIR/server.log" "$WORK/pg-server.log" 2>/dev/null || true
  timeout 120 "$MAIN/scripts/pg-cluster" stop "$PG_DIR" >/dev/null 2>&1 || log "pg-cluster stop failed"
  if [ -n "$pm" ]; then
    # pg_ctl returns when postmaster.pid is gone, a moment before the process is (and pid 1 reaps it)
    for _ in $(seq 50); do running "$pm" || break; sleep 0.1; done
    if running "$pm"; then   # immediate shutdown, then SIGKILL
      log "postmaster $pm still running; SIGQUIT"; kill -QUIT "$pm" 2>/dev/null || true
      for _ in $(seq 50); do running "$pm" || break; sleep 0.1; done
      if running "$pm"; then kill -KILL "$pm" 2>/dev/null || true; fi
    fi
  fi
  rm -rf "$PG_DIR"; PG_DIR=''
}
cleanup() {
  local rc=$? p
  [ -n "$PEER_PID" ] && PEER_CHILDREN="$PEER_CHILDREN $(peer_children | tr '\n' ' ')"
  stop_pid "$NGINX_PID"; NGINX_PID=''
  stop_pid "$EVO_PID"; EVO_PID=''
  stop_pid "$PGB_PID"; PGB_PID=''
  stop_pid "$PGA_PID"; PGA_PID=''
  pg_stop
  stop_pid "$PEER_PID"; PEER_PID=''
  for p in $PEER_CHILDREN; do   # workers the primary may have left behind
    if kill -0 "$p" 2>/dev/null; then kill -KILL "$p" 2>/dev/null || true; fi
  done
  if [ "$KEEP" = 1 ] || [ "$rc" != 0 ]; then log "work files kept in $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
wait_for() { # file, pattern, pid, what
  for _ in $(seq 300); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || { cat "$1" >&2; die "$4 exited during start-up"; }
    sleep 0.1
  done
  cat "$1" >&2; die "$4 did not start within 30 s"
}

# ------------------------------------------------------------------ peer install
log "work dir $WORK"
mkdir -p "$WORK/peer"
cp -R "$PEER_SRC"/. "$WORK/peer/"
chmod -R u+w "$WORK/peer"
rm -rf "$WORK/peer/node_modules"
# npm ci builds better-sqlite3 from source (two minutes here): its result is kept per lock
# file under PEER_CACHE and copied for the next run
PEER_CACHE=${PEER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/evovoiced-bench}
LOCK_SUM=$(sha256sum "$WORK/peer/package-lock.json" | cut -c1-16)
if [ -d "$PEER_CACHE/node_modules-$LOCK_SUM" ]; then
  log "peer: node_modules from $PEER_CACHE"
  cp -R "$PEER_CACHE/node_modules-$LOCK_SUM" "$WORK/peer/node_modules"
else
  log "copying peer and running npm ci"
  (cd "$WORK/peer" && timeout 600 npm ci --no-audit --no-fund --loglevel=error >"$WORK/npm.log" 2>&1) \
    || { cat "$WORK/npm.log" >&2; die "npm ci failed"; }
  mkdir -p "$PEER_CACHE" && rm -rf "$PEER_CACHE/tmp.$$" \
    && cp -R "$WORK/peer/node_modules" "$PEER_CACHE/tmp.$$" \
    && mv "$PEER_CACHE/tmp.$$" "$PEER_CACHE/node_modules-$LOCK_SUM" || log "could not keep node_modules in $PEER_CACHE"
fi

# ------------------------------------------------------------------ start both servers
PEER_PORT=$(free_port)
(cd "$WORK/peer" && PEER_PORT=$PEER_PORT PEER_DB="$WORK/peer.db" PEER_WORKERS=$PEER_WORKERS \
  PEER_ADMIN_EMAIL=$EMAIL PEER_ADMIN_PASSWORD=$PASSWORD exec node server.mjs) >"$WORK/peer.log" 2>&1 &
PEER_PID=$!
wait_for "$WORK/peer.log" 'listening on' "$PEER_PID" peer
PEER_URL=http://127.0.0.1:$PEER_PORT
log "peer: $PEER_URL ($PEER_WORKERS workers, pid $PEER_PID)"

start_evo() { # db, log name, what, pid variable[, extra options]: evovoiced serve on DB, log in $WORK/NAME.log -> S_URL
  # shellcheck disable=SC2086 # the extra options are words
  EVOVOICED_ADMIN_EMAIL=$EMAIL EVOVOICED_ADMIN_PASSWORD=$PASSWORD \
    "$EVO_BIN" serve --listen 127.0.0.1:0 --db "$1" --threads "$EVO_THREADS" ${5:-} >"$WORK/$2.log" 2>&1 &
  printf -v "$4" '%s' "$!"   # known to cleanup before the wait
  wait_for "$WORK/$2.log" 'listening on http://' "$!" "$3"
  S_URL=$(grep -o 'listening on http://127\.0\.0\.1:[0-9]*' "$WORK/$2.log" | head -1 | sed 's/^listening on //')
  [ -n "$S_URL" ] || die "could not read $3's address from its log"
  log "$3: $S_URL (threads: $EVO_THREADS, pid ${!4})"
}
start_evo "$WORK/evo.db" evo evovoiced EVO_PID "$EVO_SQLITE_ARGS"
EVO_URL=$S_URL

if [ "$PG" = 1 ]; then
  PG_DIR=$WORK/pg
  log "starting a PostgreSQL cluster in $PG_DIR"
  PG_URL=$(timeout 180 "$MAIN/scripts/pg-cluster" start "$PG_DIR" 2>"$WORK/pg-start.err") \
    || { cat "$WORK/pg-start.err" >&2; die "pg-cluster start failed"; }
  PG_PM_PID=$(head -1 "$PG_DIR/data/postmaster.pid")
  PG_VERSION=$("$(pg_bin)/postgres" --version | awk '{ print $3 }')
  log "PostgreSQL $PG_VERSION: $PG_URL (postmaster pid $PG_PM_PID)"
  start_evo "$PG_URL" evo-pg-a "evovoiced on PostgreSQL (A)" PGA_PID
  PGA_URL=$S_URL
fi

# ------------------------------------------------------------------ seed both through HTTP
seed() { # url, name -> writes $WORK/seed-NAME.json
  log "seeding $2 with $SEED_CUSTOMERS customers"
  (cd "$WORK/peer" && PEER_URL=$1 PEER_ADMIN_EMAIL=$EMAIL PEER_ADMIN_PASSWORD=$PASSWORD \
    SEED_CUSTOMERS=$SEED_CUSTOMERS timeout 600 node seed.mjs) >"$WORK/seed-$2.json" 2>"$WORK/seed-$2.err" \
    || { cat "$WORK/seed-$2.err" >&2; die "seeding $2 failed"; }
}
seed "$PEER_URL" peer
seed "$EVO_URL" evo
[ "$PG" != 1 ] || seed "$PGA_URL" pg
jget() { node -e 'const o=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(eval("o."+process.argv[2]))' "$1" "$2"; }
PEER_ACC=$(jget "$WORK/seed-peer.json" accountId)
PEER_CID=$(jget "$WORK/seed-peer.json" 'customerIds[50]')
EVO_ACC=$(jget "$WORK/seed-evo.json" accountId)
EVO_CID=$(jget "$WORK/seed-evo.json" 'customerIds[50]')
PG_ACC='' PG_CID=''
if [ "$PG" = 1 ]; then
  PG_ACC=$(jget "$WORK/seed-pg.json" accountId)
  PG_CID=$(jget "$WORK/seed-pg.json" 'customerIds[50]')
fi
for v in "$PEER_ACC" "$PEER_CID" "$EVO_ACC" "$EVO_CID" ${PG_ACC:+"$PG_ACC" "$PG_CID"}; do
  [[ $v =~ ^[0-9A-Za-z_-]+$ ]] || die "unexpected id from seed.mjs: '$v'"
done

# ------------------------------------------------------------------ key-set check and static body
fetch() { curl -sS --max-time 10 -H "Authorization: $AUTH" "$@"; }
fetch -o "$WORK/get-peer.json" "$PEER_URL/customers/$PEER_CID"
fetch -o "$WORK/get-evo.json" "$EVO_URL/customers/$EVO_CID"
fetch -o "$WORK/list-peer.json" "$PEER_URL/customers?accountIds=$PEER_ACC&page=0&countPerPage=25"
fetch -o "$WORK/list-evo.json" "$EVO_URL/customers?accountIds=$EVO_ACC&page=0&countPerPage=25"
if [ "$PG" = 1 ]; then
  fetch -o "$WORK/get-pg.json" "$PGA_URL/customers/$PG_CID"
  fetch -o "$WORK/list-pg.json" "$PGA_URL/customers?accountIds=$PG_ACC&page=0&countPerPage=25"
  # the second server, started after seeding, on the same database; it must see A's data
  start_evo "$PG_URL" evo-pg-b "evovoiced on PostgreSQL (B)" PGB_PID
  PGB_URL=$S_URL
  fetch -f -o "$WORK/get-pg-b.json" "$PGB_URL/customers/$PG_CID" || die "server B does not serve A's seeded customer"
fi
# shellcheck disable=SC2016  # JavaScript, not shell
KEYCHECK=$(node -e '
  const fs = require("fs");
  const keys = (f) => { try { return Object.keys(JSON.parse(fs.readFileSync(f, "utf8"))); }
                        catch (e) { return null; } };
  const out = [];
  for (const [what, a, b] of [["GET /customers/{id}", process.argv[1], process.argv[2]],
                              ["GET /customers?accountIds (top level)", process.argv[3], process.argv[4]]]) {
    const p = keys(a), e = keys(b);
    if (!p || !e) { out.push(`WARNING: ${what}: body is not JSON (peer ${!!p}, evovoiced ${!!e})`); continue; }
    const onlyP = p.filter((k) => !e.includes(k)), onlyE = e.filter((k) => !p.includes(k));
    if (onlyP.length || onlyE.length) {
      out.push(`WARNING: ${what}: top-level keys differ; only peer: [${onlyP.join(", ")}]; only evovoiced: [${onlyE.join(", ")}]`);
    } else out.push(`${what}: same ${p.length} top-level keys`);
  }
  console.log(out.join("\n"));
' "$WORK/get-peer.json" "$WORK/get-evo.json" "$WORK/list-peer.json" "$WORK/list-evo.json")
mkdir -p "$WORK/www"
cp "$WORK/get-evo.json" "$WORK/www/customer.json"   # the ceiling's body: evovoiced's GET, before any PATCH
chmod 644 "$WORK/www/customer.json"; chmod 755 "$WORK/www"

# ------------------------------------------------------------------ wrk scripts
cat >"$WORK/get.lua" <<EOF
wrk.headers["Authorization"] = "$AUTH"
EOF
cat >"$WORK/patch.lua" <<EOF
wrk.method = "PATCH"
wrk.body = '{"referenceId":"x"}'
wrk.headers["Authorization"] = "$AUTH"
wrk.headers["Content-Type"] = "application/json"
EOF
# ------------------------------------------------------------------ running cases
to_ms() { # wrk duration (e.g. 812.00us, 3.21ms, 1.02s) -> ms
  awk -v v="$1" 'BEGIN { if (v == "") { print "-"; exit }
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.2f", v * 60000 }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.2f", v * 1000 }
    else print v }'
}
RUN_SEQ=0
wrk_run() { # label, connections, lua, url: warm-up, then the measured run into $WORK/wrk-SEQ-LABEL.txt
  local label=$1 conns=$2 lua=$3 url=$4 out="$WORK/wrk-$RUN_SEQ-$1.txt"
  # what earlier runs wrote (the other server's among them) goes to the disk now, not while
  # this one is measured: the kernel writes a dirty page back some 30 s after it was written
  sync
  timeout 60 wrk -t1 -c"$conns" -d"$WARMUP" -s "$lua" "$url" >"$WORK/warm-$RUN_SEQ-$label.txt" 2>&1 || true
  timeout 600 wrk -t1 -c"$conns" -d"$DURATION" --latency -s "$lua" "$url" >"$out" 2>&1 \
    || { cat "$out" >&2; log "wrk failed for $label $url"; }
}
wrk_parse() { # wrk output -> sets R_RPS R_P99 R_BAD R_ERR
  local out=$1
  R_RPS=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")
  R_P99=$(to_ms "$(awk '$1 == "99%" { print $2; exit }' "$out")")
  R_BAD=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out"); R_BAD=${R_BAD:-0}
  R_ERR=$(awk '/Socket errors:/ { e = 0; for (i = 3; i <= NF; i++) { gsub(/,/, "", $i); if ($i ~ /^[0-9]+$/) e += $i } print e }' "$out")
  R_ERR=${R_ERR:-0}
  R_RPS=${R_RPS:-0}
}
bench() { # server-label, lua, url -> sets R_RPS R_P99 R_BAD R_ERR; output kept in $WORK
  RUN_SEQ=$((RUN_SEQ + 1))
  wrk_run "$1" "$CONNS" "$2" "$3"
  wrk_parse "$WORK/wrk-$RUN_SEQ-$1.txt"
}
bench_pair() { # label, lua-a, url-a, lua-b, url-b: two wrk at once, half the connections each ->
  # R_RPS the sum, R_P99 the worse, R_BAD and R_ERR the sums
  local half=$((CONNS / 2)) pa pb rps p99 bad err
  RUN_SEQ=$((RUN_SEQ + 1))
  wrk_run "$1-a" "$half" "$2" "$3" & pa=$!
  wrk_run "$1-b" "$((CONNS - half))" "$4" "$5" & pb=$!
  wait "$pa" || true
  wait "$pb" || true
  wrk_parse "$WORK/wrk-$RUN_SEQ-$1-a.txt"; rps=$R_RPS p99=$R_P99 bad=$R_BAD err=$R_ERR
  wrk_parse "$WORK/wrk-$RUN_SEQ-$1-b.txt"
  R_RPS=$((rps + R_RPS)) R_BAD=$((bad + R_BAD)) R_ERR=$((err + R_ERR))
  R_P99=$(awk -v a="$p99" -v b="$R_P99" 'BEGIN { if (a == "-" || b == "-") print "-"; else print (a + 0 > b + 0 ? a : b) }')
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
note_bad() { # what, non-2xx, socket errors: a PROBLEMS line unless both are 0
  [ "$2" = 0 ] && [ "$3" = 0 ] || PROBLEMS+=("$1 non-2xx=$2 socket-errors=$3")
}

ROWS=()
PG_ROWS=()
PROBLEMS=()
declare -A CASE_RATIO CASE_P99 CASE_RPS   # evovoiced on SQLite, by case name: for the goals
run_case() { # name, peer-lua, peer-url, evo-lua, evo-url, pg-lua-a, pg-lua-b, pg-path (after the host)
  local name=$1 prps pp99 pbad perr erps ep99 ebad eerr ratio
  local rps1 p991 bad1 err1 rps2 p992 bad2 err2
  log "case: $name (peer)"
  bench peer "$2" "$3"; prps=$R_RPS pp99=$R_P99 pbad=$R_BAD perr=$R_ERR
  log "case: $name (evovoiced)"
  bench evo "$4" "$5"; erps=$R_RPS ep99=$R_P99 ebad=$R_BAD eerr=$R_ERR
  LAST_EVO_RPS=$erps
  ratio=$(ratio "$erps" "$prps")
  CASE_RATIO[$name]=$ratio CASE_P99[$name]=$ep99 CASE_RPS[$name]=$erps
  ROWS+=("$(printf '%-34s %10s %10s %7s %9s %9s %9s %9s' "$name" "$prps" "$erps" "$ratio" \
    "$pp99" "$ep99" "$pbad/$perr" "$ebad/$eerr")")
  note_bad "$name: peer" "$pbad" "$perr"
  note_bad "$name: evovoiced" "$ebad" "$eerr"
  kill -0 "$PEER_PID" 2>/dev/null || PROBLEMS+=("$name: PEER PROCESS DIED")
  kill -0 "$EVO_PID" 2>/dev/null || PROBLEMS+=("$name: EVOVOICED PROCESS DIED")
  [ "$PG" = 1 ] || return 0
  log "case: $name (evovoiced on PostgreSQL, one server)"
  bench pg1 "$6" "$PGA_URL$8"; rps1=$R_RPS p991=$R_P99 bad1=$R_BAD err1=$R_ERR
  log "case: $name (evovoiced on PostgreSQL, two servers)"
  bench_pair pg2 "$6" "$PGA_URL$8" "$7" "$PGB_URL$8"; rps2=$R_RPS p992=$R_P99 bad2=$R_BAD err2=$R_ERR
  PG_ROWS+=("$(printf '%-34s %10s %10s %8s %10s %8s %7s %9s %9s %9s %9s' "$name" "$prps" "$rps1" \
    "$(ratio "$rps1" "$prps")" "$rps2" "$(ratio "$rps2" "$prps")" "$(ratio "$rps2" "$rps1")" \
    "$p991" "$p992" "$bad1/$err1" "$bad2/$err2")")
  note_bad "$name: evo-pg x1" "$bad1" "$err1"
  note_bad "$name: evo-pg x2" "$bad2" "$err2"
  kill -0 "$PGA_PID" 2>/dev/null || PROBLEMS+=("$name: EVOVOICED (POSTGRESQL, A) PROCESS DIED")
  kill -0 "$PGB_PID" 2>/dev/null || PROBLEMS+=("$name: EVOVOICED (POSTGRESQL, B) PROCESS DIED")
  kill -0 "$PG_PM_PID" 2>/dev/null || PROBLEMS+=("$name: POSTGRESQL (postmaster) DIED")
}

run_case "GET /customers/{id}" "$WORK/get.lua" "$PEER_URL/customers/$PEER_CID" \
  "$WORK/get.lua" "$EVO_URL/customers/$EVO_CID" "$WORK/get.lua" "$WORK/get.lua" "/customers/$PG_CID"
GET_EVO_RPS=$LAST_EVO_RPS
run_case "GET /customers?accountIds (25)" "$WORK/get.lua" "$PEER_URL/customers?accountIds=$PEER_ACC&page=0&countPerPage=25" \
  "$WORK/get.lua" "$EVO_URL/customers?accountIds=$EVO_ACC&page=0&countPerPage=25" \
  "$WORK/get.lua" "$WORK/get.lua" "/customers?accountIds=$PG_ACC&page=0&countPerPage=25"
run_case "PATCH /customers/{id}" "$WORK/patch.lua" "$PEER_URL/customers/$PEER_CID" \
  "$WORK/patch.lua" "$EVO_URL/customers/$EVO_CID" "$WORK/patch.lua" "$WORK/patch.lua" "/customers/$PG_CID"
# POST last: the customers it creates ("zz bench ...") would otherwise grow the list case's data.
# Warm-up and measured run are separate wrk processes, so the tag carries a per-invocation part.
post_lua() { # account id [, tag prefix] -> lua creating a uniquely named customer per request
  # (counter + per-process tag; the prefix tells apart two wrk processes started together)
  cat <<EOF
math.randomseed(os.time() + math.floor(os.clock() * 1e6))
local tag = string.format("${2:-}%x%x", os.time(), math.random(0, 2^30))
local n = 0
local hdrs = { ["Authorization"] = "$AUTH", ["Content-Type"] = "application/json" }
request = function()
  n = n + 1
  local body = string.format('{"accountId":"%s","name":"zz bench %s %d","referenceId":"b-%d"}', "$1", tag, n, n)
  return wrk.format("POST", "/customers", hdrs, body)
end
EOF
}
post_lua "$PEER_ACC" >"$WORK/post-peer.lua"
post_lua "$EVO_ACC" >"$WORK/post-evo.lua"
post_lua "$PG_ACC" a >"$WORK/post-pg-a.lua"
post_lua "$PG_ACC" b >"$WORK/post-pg-b.lua"
run_case "POST /customers" "$WORK/post-peer.lua" "$PEER_URL/customers" "$WORK/post-evo.lua" "$EVO_URL/customers" \
  "$WORK/post-pg-a.lua" "$WORK/post-pg-b.lua" /customers

# ------------------------------------------------------------------ peak RSS (before stopping anything)
hwm_kb() { awk '/^VmHWM:/ { print $2 }' /proc/"$1"/status 2>/dev/null || echo 0; }
PEER_KIDS=$(peer_children | tr '\n' ' ')
PEER_CHILDREN="$PEER_CHILDREN $PEER_KIDS"
PEER_KB=$(hwm_kb "$PEER_PID")
for p in $PEER_KIDS; do PEER_KB=$((PEER_KB + $(hwm_kb "$p"))); done
EVO_KB=$(hwm_kb "$EVO_PID")
PEER_NPROC=$(( $(wc -w <<<"$PEER_KIDS") + 1 ))
if grep -q 'restarting' "$WORK/peer.log"; then PROBLEMS+=("peer: a cluster worker exited and was restarted (see peer.log)"); fi
if [ "$PG" = 1 ]; then
  PGA_KB=$(hwm_kb "$PGA_PID") PGB_KB=$(hwm_kb "$PGB_PID")
  PG_PIDS="$PG_PM_PID $(children_of "$PG_PM_PID" | tr '\n' ' ')"   # postmaster, backends, helpers
  PG_KB=0 PG_PSS_KB=0
  for p in $PG_PIDS; do
    PG_KB=$((PG_KB + $(hwm_kb "$p")))
    PG_PSS_KB=$((PG_PSS_KB + $(awk '/^Pss:/ { print $2 }' /proc/"$p"/smaps_rollup 2>/dev/null || echo 0)))
  done
  PG_NPROC=$(wc -w <<<"$PG_PIDS")
fi

# ------------------------------------------------------------------ nginx ceiling
NGINX_ROW=''
if [ "$NGINX" = 1 ]; then
  # stop every server (and PostgreSQL) first so nginx has the machine to itself
  stop_pid "$EVO_PID"; EVO_PID=''
  stop_pid "$PEER_PID"; PEER_PID=''
  stop_pid "$PGB_PID"; PGB_PID=''
  stop_pid "$PGA_PID"; PGA_PID=''
  pg_stop
  NGINX_PORT=$(free_port)
  mkdir -p "$WORK/nginx-tmp"
  cat >"$WORK/nginx.conf" <<EOF
worker_processes $(nproc);
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/json;
  keepalive_requests 1000000;
  client_body_temp_path $WORK/nginx-tmp/body;
  proxy_temp_path $WORK/nginx-tmp/proxy;
  fastcgi_temp_path $WORK/nginx-tmp/fastcgi;
  uwsgi_temp_path $WORK/nginx-tmp/uwsgi;
  scgi_temp_path $WORK/nginx-tmp/scgi;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $WORK/www;
  }
}
EOF
  "$NGINX_BIN" -c "$WORK/nginx.conf" -e "$WORK/nginx-error.log" >"$WORK/nginx.log" 2>&1 &
  NGINX_PID=$!
  for _ in $(seq 50); do curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$NGINX_PORT/customer.json" && break; sleep 0.1; done
  log "case: nginx static GET body"
  bench nginx "$WORK/get.lua" "http://127.0.0.1:$NGINX_PORT/customer.json"
  NGINX_ROW=$(printf 'nginx static copy of GET body (%s bytes): %s req/s, p99 %s ms, non-2xx/socket-errors %s/%s' \
    "$(wc -c <"$WORK/www/customer.json")" "$R_RPS" "$R_P99" "$R_BAD" "$R_ERR")
  note_bad nginx: "$R_BAD" "$R_ERR"
  NGINX_RPS=$R_RPS
  stop_pid "$NGINX_PID"; NGINX_PID=''
fi

# ------------------------------------------------------------------ report
echo
echo "evovoiced vs fastify-sqlite peer: wrk -t1 -c$CONNS -d$DURATION (after $WARMUP warm-up), $(nproc) CPUs,"
echo "peer $PEER_WORKERS workers, evovoiced threads: $THREADS_SAID, $SEED_CUSTOMERS seeded customers each"
echo "GET body bytes: peer $(wc -c <"$WORK/get-peer.json"), evovoiced $(wc -c <"$WORK/get-evo.json");" \
  "list body bytes: peer $(wc -c <"$WORK/list-peer.json"), evovoiced $(wc -c <"$WORK/list-evo.json")"
echo
printf '%-34s %10s %10s %7s %9s %9s %9s %9s\n' case "peer r/s" "evo r/s" evo/peer "peer p99" "evo p99" "peer bad" "evo bad"
printf '%-34s %10s %10s %7s %9s %9s %9s %9s\n' "" "" "" "" "(ms)" "(ms)" "(n2xx/err)" "(n2xx/err)"
for r in "${ROWS[@]}"; do echo "$r"; done
echo
PEER_MIB=$(awk -v k="$PEER_KB" 'BEGIN { printf "%.1f", k / 1024 }')
EVO_MIB=$(awk -v k="$EVO_KB" 'BEGIN { printf "%.1f", k / 1024 }')
MEM_RATIO=$(ratio "$EVO_KB" "$PEER_KB")
echo "peak RSS (VmHWM): peer $PEER_MIB MiB ($PEER_NPROC processes), evovoiced $EVO_MIB MiB; evo/peer $MEM_RATIO"
if [ -n "$NGINX_ROW" ]; then
  echo "$NGINX_ROW"
  if [ "${NGINX_RPS:-0}" -gt 0 ]; then
    echo "evovoiced GET /customers/{id} = $(awk -v a="$GET_EVO_RPS" -v b="$NGINX_RPS" 'BEGIN { printf "%.0f", 100 * a / b }')% of the nginx ceiling"
  fi
fi
echo "$KEYCHECK"
if [ "$PG" = 1 ]; then
  mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
  echo
  echo "evovoiced on PostgreSQL $PG_VERSION (throw-away local cluster, fsync=on), same cases, threads per server: $THREADS_SAID:"
  echo "  pg1 = evo-pg×1: server A alone, wrk -t1 -c$CONNS"
  echo "  pg2 = evo-pg×2: servers A and B on one database, two wrk at once (-t1 -c$((CONNS / 2)) to A," \
    "-c$((CONNS - CONNS / 2)) to B): r/s summed, p99 the worse, bad summed"
  echo "GET body bytes: evo-pg $(wc -c <"$WORK/get-pg.json"); list body bytes: evo-pg $(wc -c <"$WORK/list-pg.json")"
  echo
  printf '%-34s %10s %10s %8s %10s %8s %7s %9s %9s %9s %9s\n' case "peer r/s" "pg1 r/s" pg1/peer "pg2 r/s" \
    pg2/peer pg2/pg1 "pg1 p99" "pg2 p99" "pg1 bad" "pg2 bad"
  printf '%-34s %10s %10s %8s %10s %8s %7s %9s %9s %9s %9s\n' "" "" "" "" "" "" "" "(ms)" "(ms)" "(n2xx/err)" "(n2xx/err)"
  for r in "${PG_ROWS[@]}"; do echo "$r"; done
  echo
  echo "peak RSS (VmHWM): evo-pg A $(mib "$PGA_KB") MiB, B $(mib "$PGB_KB") MiB;" \
    "PostgreSQL $(mib "$PG_KB") MiB (sum over $PG_NPROC processes)"
  echo "  (shared buffers count in every postgres process that touched them; PSS sum at the end $(mib "$PG_PSS_KB") MiB)"
  echo "  evo-pg×1 (A + PostgreSQL) / peer $(ratio "$((PGA_KB + PG_KB))" "$PEER_KB");" \
    "evo-pg×2 (A + B + PostgreSQL) / peer $(ratio "$((PGA_KB + PGB_KB + PG_KB))" "$PEER_KB")"
fi
# the goals of the speed work, each against this run's figures (evovoiced on SQLite)
goal() { # what, measured, wanted, met (1/0)
  printf '  %-44s %12s %12s   %s\n' "$1" "$2" "$3" "$([ "$4" = 1 ] && echo met || echo MISSED)"
}
ge() { awk -v a="$1" -v b="$2" 'BEGIN { print (a != "-" && a + 0 >= b + 0) ? 1 : 0 }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a != "-" && a + 0 <= b + 0) ? 1 : 0 }'; }
echo
echo "goals (evovoiced on SQLite, this run):"
printf '  %-44s %12s %12s\n' goal measured wanted
if [ -n "${NGINX_RPS:-}" ] && [ "${NGINX_RPS:-0}" -gt 0 ]; then
  G=$(ratio "${CASE_RPS["GET /customers/{id}"]}" "$NGINX_RPS")
  goal "GET /customers/{id} / nginx" "$G" ">= 0.70" "$(ge "$G" 0.70)"
fi
goal "list of 25 / peer" "${CASE_RATIO["GET /customers?accountIds (25)"]}" ">= 4" "$(ge "${CASE_RATIO["GET /customers?accountIds (25)"]}" 4)"
goal "PATCH /customers/{id} / peer" "${CASE_RATIO["PATCH /customers/{id}"]}" ">= 3" "$(ge "${CASE_RATIO["PATCH /customers/{id}"]}" 3)"
goal "POST /customers / peer" "${CASE_RATIO["POST /customers"]}" ">= 3" "$(ge "${CASE_RATIO["POST /customers"]}" 3)"
for c in "GET /customers/{id}" "GET /customers?accountIds (25)" "PATCH /customers/{id}" "POST /customers"; do
  goal "p99 $c (ms)" "${CASE_P99[$c]}" "<= 5" "$(le "${CASE_P99[$c]}" 5)"
done
goal "peak RSS (MiB, $SEED_CUSTOMERS customers)" "$EVO_MIB" "<= 64" "$(le "$EVO_MIB" 64)"
echo "  (p99 at $CONNS connections is at least their mean wait, $CONNS / req/s: 5 ms needs $((CONNS * 200)) req/s;"
echo "   memory and start-up with 100,000 customers and numbers: bench/scale.mjs)"
if [ "${#PROBLEMS[@]}" -gt 0 ]; then
  echo
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo "!!! PROBLEMS: results above are NOT valid as a like-for-like comparison"
  for p in "${PROBLEMS[@]}"; do echo "!!!   $p"; done
  echo "!!! wrk outputs and server logs: $WORK (kept)"
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  KEEP=1
  exit 2
fi
