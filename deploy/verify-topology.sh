#!/usr/bin/env bash
# Runs compose.yaml's topology without containers: a throwaway PostgreSQL, two `aftercall serve`
# processes from this repository's build sharing it, and nginx with deploy/nginx.conf in front (only the
# upstream addresses, the listen address and nginx's temporary paths changed). Clients submit surveys
# through nginx while the first server gets SIGTERM; every acknowledged survey must be stored, no client
# may see an error, and /metrics through the proxy must need the operator token.
#
#   npm run build && deploy/verify-topology.sh
#
# Needs PostgreSQL's server binaries (initdb, pg_ctl) and nginx (Debian's `nginx` package; only its
# binary is used, unpacked from the .deb into a temporary folder when it is not installed).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/aftercall-topology-XXXXXX")"
chmod 755 "$work"
pg_port=25432 s1_port=28781 s2_port=28782 proxy_port=28080
token="topology-check-operator-token-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
pids=()
pgbin="$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | tail -1 || true)")"
[ -x "$pgbin/createdb" ] || pgbin="$(dirname "$(command -v initdb)")"
nginx="$(command -v nginx || true)"
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  [ -d "$work/pg" ] && run_pg "$pgbin/pg_ctl" -D "$work/pg" stop -m fast >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
run_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; else "$@"; fi; }

if [ -z "$nginx" ]; then
  (cd "$work" && apt-get download nginx >/dev/null 2>&1 && dpkg-deb -x nginx_*.deb nginx-root)
  nginx="$work/nginx-root/usr/sbin/nginx"
fi
[ "$(id -u)" = 0 ] && chown postgres "$work"
run_pg "$pgbin/initdb" -D "$work/pg" -U aftercall --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
run_pg "$pgbin/pg_ctl" -D "$work/pg" -o "-p $pg_port -k $work -c listen_addresses=127.0.0.1" -l "$work/pg.log" -w start >/dev/null
run_pg "$pgbin/createdb" -h 127.0.0.1 -p "$pg_port" -U aftercall aftercall
db="postgres://aftercall@127.0.0.1:${pg_port}/aftercall"

serve() {
  AFTERCALL_OPERATOR_TOKEN="$token" AFTERCALL_LOG_LEVEL=warn DATABASE_URL="$db" \
    node "$root/packages/server/bin/aftercall.js" serve --port "$1" --no-demo-data >"$work/server-$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$1/readyz" >/dev/null && return; sleep 0.5; done
  cat "$work/server-$1.log"; exit 1
}
serve "$s1_port" # first alone: it migrates and creates the first project, as in compose.yaml
first_pid="${pids[0]}"
serve "$s2_port"

mkdir -p "$work/nginx-tmp" "$work/nginx-prefix/logs"
sed -e "s/aftercall-1:8787/127.0.0.1:${s1_port}/; s/aftercall-2:8787/127.0.0.1:${s2_port}/" \
    -e "s/listen 8080;/listen 127.0.0.1:${proxy_port};/" \
    -e "s#^pid .*#pid $work/nginx.pid; error_log $work/nginx-error.log;#" \
    -e "s#^http {#http {\n  client_body_temp_path $work/nginx-tmp/body; proxy_temp_path $work/nginx-tmp/proxy; fastcgi_temp_path $work/nginx-tmp/fcgi; uwsgi_temp_path $work/nginx-tmp/uwsgi; scgi_temp_path $work/nginx-tmp/scgi;#" \
    "$root/deploy/nginx.conf" >"$work/nginx.conf"
"$nginx" -t -q -p "$work/nginx-prefix" -c "$work/nginx.conf"
"$nginx" -p "$work/nginx-prefix" -c "$work/nginx.conf"
proxy="http://127.0.0.1:${proxy_port}"
key="$(grep -o 'ac_pk_[A-Za-z0-9_-]*' "$work/server-${s1_port}.log" | head -1)"

check() { [ "$2" = "$3" ] || { echo "verify-topology: $1: got $2, want $3"; exit 1; }; echo "  ok: $1"; }
check "/metrics through the proxy without a token" "$(curl -s -o /dev/null -w '%{http_code}' "$proxy/metrics")" 401
check "/metrics through the proxy with the operator token" \
  "$(curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer $token" "$proxy/metrics")" 200

echo "verify-topology: 8 clients through the proxy for 8 s; SIGTERM to the first server after 3 s"
result="$(node --input-type=module - "$proxy" "$key" "$first_pid" <<'JS'
const [base, key, firstPid] = process.argv.slice(2);
const acked = []; const statuses = {}; let errors = 0;
const stopAt = Date.now() + 8000;
setTimeout(() => process.kill(Number(firstPid), "SIGTERM"), 3000);
async function client() {
  while (Date.now() < stopAt) {
    const id = crypto.randomUUID();
    const body = JSON.stringify({ id, callId: "c", participantId: "p", clientTime: new Date().toISOString(), overallRating: { score: 4 } });
    try {
      const r = await fetch(`${base}/v1/surveys`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body });
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      await r.arrayBuffer();
      if (r.status === 201) acked.push(id); else errors++;
    } catch { errors++; }
  }
}
await Promise.all(Array.from({ length: 8 }, client));
console.log(JSON.stringify({ acked: acked.length, errors, statuses, ids: acked }));
JS
)"
echo "  $(node -e 'const r = JSON.parse(process.argv[1]); delete r.ids; console.log(JSON.stringify(r))' "$result")"
check "client-visible errors" "$(node -p 'JSON.parse(process.argv[1]).errors' "$result")" 0
ids="$(node -p 'JSON.parse(process.argv[1]).ids.map((i) => `(\x27${i}\x27)`).join(",")' "$result")"
acked="$(node -p 'JSON.parse(process.argv[1]).acked' "$result")"
stored="$(run_pg "$pgbin/psql" -h 127.0.0.1 -p "$pg_port" -U aftercall -d aftercall -Atc \
  "select count(*) from surveys s join (values $ids) a(id) on s.id::text = a.id")"
check "acknowledged surveys stored ($acked)" "$stored" "$acked"
kill -0 "$first_pid" 2>/dev/null && { echo "verify-topology: the first server did not stop"; exit 1; }
echo "verify-topology: passed"
