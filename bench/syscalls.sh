#!/usr/bin/env bash
# syscalls.sh — system calls per keep-alive GET /customers/{id} (Basic auth, JSON) on SQLite,
# and the plain wrk figures beside them.
#
# Starts evovoiced on a fresh database in a temp dir, seeds SEED_CUSTOMERS customers (a
# shallow tree like bench/compare.sh's seed), then:
#   1. wrk -t1 -cCONNS for DURATION without strace: req/s and p99;
#   2. the same run again with `strace -f -c` attached to the server: every system call the
#      server made in that window divided by wrk's request count, per call name.
# Stops the server by pid on exit.  Needs wrk and strace (and ptrace permission).
set -euo pipefail
cd "$(dirname "$0")/.."
EVO_BIN=${EVO_BIN:-build/evovoiced}
SEED_CUSTOMERS=${SEED_CUSTOMERS:-300}
CONNS=${CONNS:-16}
DURATION=${DURATION:-5s}
EVO_THREADS=${EVO_THREADS:-0}   # 0: the server's default (one per core on SQLite)
EVO_ARGS=${EVO_ARGS---db-exclusive}   # extra serve options (set it empty for none)
EMAIL=admin@bench.test
PASSWORD=bench-pass-1234
WORK=$(mktemp -d /tmp/evo-syscalls.XXXXXX)
PID=''
cleanup() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

EVOVOICED_ADMIN_EMAIL=$EMAIL EVOVOICED_ADMIN_PASSWORD=$PASSWORD \
  "$EVO_BIN" serve --listen 127.0.0.1:0 --db "$WORK/evo.db" --threads "$EVO_THREADS" $EVO_ARGS >"$WORK/evo.log" 2>&1 &
PID=$!
for _ in $(seq 100); do grep -q 'listening on http://' "$WORK/evo.log" && break; sleep 0.1; done
URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$WORK/evo.log" | head -1)
[ -n "$URL" ] || { cat "$WORK/evo.log" >&2; exit 1; }

CID=$(URL=$URL EMAIL=$EMAIL PASSWORD=$PASSWORD N=$SEED_CUSTOMERS node --input-type=module -e '
const auth = "Basic " + Buffer.from(`${process.env.EMAIL}:${process.env.PASSWORD}`).toString("base64");
const post = async (path, body) => {
  const r = await fetch(process.env.URL + path, { method: "POST", headers: { authorization: auth, "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json();
};
const N = Number(process.env.N);
const acc = await post("/accounts", { name: "Bench" });
const ids = [];
for (let i = 0; i < N; i++) {
  const parent = i < 10 ? undefined : i < 100 ? ids[i % 10] : ids[10 + (i % 90)];
  const c = await post("/customers", { accountId: acc.id, name: `Customer ${(i * 7919) % N}`, parentCustomerId: parent, referenceId: `ref-${i}` });
  ids.push(c.id);
}
console.log(ids[Math.min(50, N - 1)]);
')
AUTH=$(printf '%s:%s' "$EMAIL" "$PASSWORD" | base64 -w0)
cat >"$WORK/get.lua" <<EOF
wrk.headers["Authorization"] = "Basic $AUTH"
wrk.headers["Accept"] = "application/json"
EOF
TARGET="$URL/customers/$CID"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Basic $AUTH" "$TARGET")
[ "$code" = 200 ] || { echo "GET $TARGET answered $code" >&2; exit 1; }

wrk -t1 -c"$CONNS" -d2s -s "$WORK/get.lua" "$TARGET" >/dev/null   # warm-up
wrk -t1 -c"$CONNS" -d"$DURATION" --latency -s "$WORK/get.lua" "$TARGET" >"$WORK/plain.txt"
rps=$(awk '/Requests\/sec/ { print $2 }' "$WORK/plain.txt")
p99=$(awk '$1 == "99%" { print $2 }' "$WORK/plain.txt")
echo "wrk -t1 -c$CONNS -d$DURATION GET /customers/{id}: $rps req/s, p99 $p99"

strace -f -c -p "$PID" -o "$WORK/strace.txt" &
SPID=$!
sleep 1
wrk -t1 -c"$CONNS" -d"$DURATION" -s "$WORK/get.lua" "$TARGET" >"$WORK/traced.txt"
kill -INT "$SPID"; wait "$SPID" 2>/dev/null || true
n=$(awk '/requests in/ { print $1 }' "$WORK/traced.txt")
echo "under strace: $n requests; system calls per request:"
awk -v n="$n" '$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" { name = $NF; calls = $4; total += calls; printf "  %-16s %8.3f\n", name, calls / n }
  END { printf "  %-16s %8.3f\n", "total", total / n }' "$WORK/strace.txt"
