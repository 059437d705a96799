#!/usr/bin/env bash
# The load benchmark (README, "Speed"): 200 connections for 60 s on the recovery dashboard,
# as a browser asks for it (gzip and brotli accepted), while 4 heavy ad-hoc queries run
# through POST /api/sql again and again. Prints the dashboard's latency percentiles, its
# errors and the ad-hoc queries' answers by status.
#
#   bench/load.sh [BINARY] [DATA]        # defaults: target/release/yanhuo, sample-data
#   CONNECTIONS=200 DURATION=60 HEAVY=4 bench/load.sh
#
# Needs wrk (Debian: apt-get install wrk) and curl. The load runs on this machine only
# (127.0.0.1), and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${1:-target/release/yanhuo}
data=${2:-sample-data}
connections=${CONNECTIONS:-200}
seconds=${DURATION:-60}
heavy=${HEAVY:-4}
command -v wrk >/dev/null || { echo "bench/load.sh needs wrk (apt-get install wrk)" >&2; exit 2; }
[ -x "$bin" ] || { echo "no binary at $bin: cargo build --release first" >&2; exit 2; }

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
# As many ad-hoc slots as heavy queries, so none is turned away as busy: the benchmark
# asks whether the dashboards stay fast beside them, not whether the queue works.
YANHUO_LOG=warn "$bin" --data "$data" serve --addr "127.0.0.1:$port" \
    --sql-concurrency "$heavy" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 600); do
    curl -sf "$base/healthz" >/dev/null && break
    sleep 0.1
done
curl -sf "$base/healthz" >/dev/null || { cat "$work/server.log" >&2; exit 1; }

# The first view renders the page; the benchmark measures the views after it.
first=$(curl -s -o /dev/null -w '%{time_total}' -H 'Accept-Encoding: gzip, br' "$base/d/recovery")
size=$(curl -s -H 'Accept-Encoding: gzip, br' "$base/d/recovery" | wc -c)
plain=$(curl -s "$base/d/recovery" | wc -c)

heavy_sql='SELECT s.community_id, s.category, local_date(o.ordered_at) AS date, COUNT(*) AS orders, SUM(o.amount_cny) AS revenue FROM orders o JOIN shops s USING (shop_id) GROUP BY 1, 2, 3 ORDER BY revenue DESC'
deadline=$(( $(date +%s) + seconds ))
for i in $(seq 1 "$heavy"); do
    (
        while [ "$(date +%s)" -lt "$deadline" ]; do
            curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 60 \
                -H 'content-type: application/json' \
                -d "{\"sql\": \"$heavy_sql\"}" "$base/api/sql" || echo "000 0"
        done >"$work/heavy-$i.txt"
    ) &
done

wrk -t2 -c"$connections" -d"${seconds}s" --timeout 10s --latency \
    -H 'Accept-Encoding: gzip, deflate, br' "$base/d/recovery" >"$work/wrk.txt"
wait $(jobs -p | grep -v "^$server\$") 2>/dev/null || true

echo "recovery dashboard: first view ${first} s; ${size} bytes compressed (${plain} plain)"
sed -n '/Latency Distribution/,/Requests\/sec/p;/Socket errors/p;/Non-2xx/p' "$work/wrk.txt"
grep -q 'Socket errors\|Non-2xx' "$work/wrk.txt" || echo "  errors: 0"
cat "$work"/heavy-*.txt | awk '
    { n[$1]++; t[$1] += $2 }
    END { for (s in n) printf "ad-hoc queries: %d answered %s, mean %.2f s\n", n[s], s, t[s] / n[s] }'
