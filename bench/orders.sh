#!/usr/bin/env bash
# Order list throughput (issue "cases and orders"): with ORDERS orders and AUDIT audit entries in
# the database, the filtered order list API (50 per page) under wrk -t2 -c32 against /health/live
# under the same load in the same run, on SQLite and on a throwaway PostgreSQL started here on
# 127.0.0.1. Target: list >= 1/3 of /health/live. Then the list again with the answer cache off
# (Orders:ListCacheSeconds=0), for what a request that misses the cache costs. Results: docs/performance.md.
#   bash bench/orders.sh            # ORDERS=100000 AUDIT=1000000 DURATION=20s
set -euo pipefail
cd "$(dirname "$0")/.."
ORDERS=${ORDERS:-100000}
AUDIT=${AUDIT:-1000000}
DURATION=${DURATION:-20s}
PORT=${PORT:-5189}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq is missing: apt-get install jq" >&2; exit 1; }

dotnet build src/Trabecula.Server -c Release -nologo -v quiet >&2
dotnet build bench/Trabecula.Bench -c Release -nologo -v quiet >&2
dll=src/Trabecula.Server/bin/Release/net10.0/Trabecula.Server.dll
bench=bench/Trabecula.Bench/bin/Release/net10.0/Trabecula.Bench.dll

work=$(mktemp -d)
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_pg=()
if [ "$(id -u)" = 0 ]; then chown postgres "$work"; as_pg=(runuser -u postgres --); fi
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  [ -f "$work/pg/PG_VERSION" ] && "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/pg" stop -m fast >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# A throwaway PostgreSQL cluster (fsync and synchronous_commit left on).
pw=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "$pw" >"$work/pw"; [ "$(id -u)" = 0 ] && chown postgres "$work/pw"
"${as_pg[@]}" "$pg_bin/initdb" -D "$work/pg" -A scram-sha-256 --pwfile="$work/pw" -U trabecula -E UTF8 --locale=C >/dev/null
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w -o "-p 55498 -k $work -c listen_addresses=127.0.0.1" start >/dev/null
pg_settings=(--Database:Provider=PostgreSQL "--Database:ConnectionString=Host=127.0.0.1;Port=55498;Username=trabecula;Password=$pw;Database=trabecula_bench")
PGPASSWORD=$pw "$pg_bin/psql" -h 127.0.0.1 -p 55498 -U trabecula -d postgres -qc "CREATE DATABASE trabecula_bench" >/dev/null

rps() { awk '/Requests\/sec/ {print $2}'; }
latency() { awk '/Latency/ {print $2; exit}'; }

echo "# order list benchmark - $(date -u '+%Y-%m-%d %H:%M:%S') UTC; $(nproc) cores; $ORDERS orders, $AUDIT extra audit entries; wrk -t2 -c32 -d$DURATION"
for provider in sqlite postgresql; do
  data="$work/data-$provider"; mkdir -p "$data"
  settings=(--data "$data")
  [ "$provider" = postgresql ] && settings+=("${pg_settings[@]}")
  seed=$(dotnet "$dll" demo seed "${settings[@]}" 2>/dev/null)
  otp=$(awk '$1 == "demo.designer" {print $3}' <<<"$seed")
  started=$(date +%s)
  dotnet "$bench" orders-seed --orders "$ORDERS" --audit "$AUDIT" -- "--Data:Directory=$data" "${settings[@]:2}" \
    "--Logging:LogLevel:Default=Warning" >&2
  echo "  $provider: seeded in $(( $(date +%s) - started )) s" >&2

  SignIn__RequestsPerMinutePerAddress=10000 Logging__LogLevel__Default=Warning \
    dotnet "$dll" serve "${settings[@]}" --urls "http://127.0.0.1:$PORT" >"$work/server-$provider.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null && break; sleep 0.2; done
  base="http://127.0.0.1:$PORT"

  # The demo designer sets a password and signs in; wrk then sends that session cookie.
  jar="$work/jar-$provider"
  curl -sf -c "$jar" -H 'Content-Type: application/json' -d "{\"userName\":\"demo.designer\",\"password\":\"$otp\"}" "$base/api/auth/login" >/dev/null
  token=$(curl -sf -b "$jar" -c "$jar" "$base/api/auth/antiforgery" | jq -r .token)
  curl -sf -b "$jar" -c "$jar" -H "X-CSRF-TOKEN: $token" -H 'Content-Type: application/json' \
    -d "{\"currentPassword\":\"$otp\",\"newPassword\":\"trabeculae grow along the lines of stress\"}" "$base/api/me/password" >/dev/null
  rm -f "$jar"
  curl -sf -c "$jar" -H 'Content-Type: application/json' -d '{"userName":"demo.designer","password":"trabeculae grow along the lines of stress"}' "$base/api/auth/login" >/dev/null
  cookie=$(awk '$6 ~ /^(__Host-)?[Tt]rabecula/ {printf "%s=%s; ", $6, $7}' "$jar")
  list="$base/api/orders?state=Designing&category=SpinalCage&pageSize=50"
  total=$(curl -sf -H "Cookie: $cookie" "$list" | jq .total)
  deep="$base/api/orders?state=Designing&pageSize=50&page=20"

  wrk -t2 -c32 -d5s "$base/health/live" >/dev/null                      # warm-up
  wrk -t2 -c32 -d5s -H "Cookie: $cookie" "$list" >/dev/null
  live=$(wrk -t2 -c32 -d"$DURATION" "$base/health/live")
  listed=$(wrk -t2 -c32 -d"$DURATION" -H "Cookie: $cookie" "$list")
  paged=$(wrk -t2 -c32 -d"$DURATION" -H "Cookie: $cookie" "$deep")
  me=$(wrk -t2 -c32 -d"$DURATION" -H "Cookie: $cookie" "$base/api/me")
  printf '%-11s %-58s %10s req/s  mean latency %s\n' "$provider" "/health/live (anchor)" "$(rps <<<"$live")" "$(latency <<<"$live")"
  printf '%-11s %-58s %10s req/s  mean latency %s  (%s matching orders)\n' "$provider" "GET /api/orders?state=Designing&category=SpinalCage (page 1)" "$(rps <<<"$listed")" "$(latency <<<"$listed")" "$total"
  printf '%-11s %-58s %10s req/s  mean latency %s\n' "$provider" "GET /api/orders?state=Designing (page 20)" "$(rps <<<"$paged")" "$(latency <<<"$paged")"
  printf '%-11s %-58s %10s req/s  mean latency %s\n' "$provider" "GET /api/me (authenticated, no order query)" "$(rps <<<"$me")" "$(latency <<<"$me")"
  awk -v a="$(rps <<<"$listed")" -v b="$(rps <<<"$live")" -v p="$provider" 'BEGIN {printf "%-11s list / live = %.3f (target >= 0.333)\n", p, a / b}'
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""

  # The same list with the answer cache off (Orders:ListCacheSeconds=0): every request runs the
  # count and the page. Same database, same session (sessions live in the database).
  Orders__ListCacheSeconds=0 SignIn__RequestsPerMinutePerAddress=10000 Logging__LogLevel__Default=Warning \
    dotnet "$dll" serve "${settings[@]}" --urls "http://127.0.0.1:$PORT" >>"$work/server-$provider.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null && break; sleep 0.2; done
  wrk -t2 -c32 -d5s "$base/health/live" >/dev/null
  wrk -t2 -c32 -d5s -H "Cookie: $cookie" "$list" >/dev/null
  live=$(wrk -t2 -c32 -d"$DURATION" "$base/health/live")
  listed=$(wrk -t2 -c32 -d"$DURATION" -H "Cookie: $cookie" "$list")
  paged=$(wrk -t2 -c32 -d"$DURATION" -H "Cookie: $cookie" "$deep")
  printf '%-11s %-58s %10s req/s  mean latency %s\n' "$provider" "/health/live (anchor, cache off)" "$(rps <<<"$live")" "$(latency <<<"$live")"
  printf '%-11s %-58s %10s req/s  mean latency %s\n' "$provider" "list page 1, answer cache off" "$(rps <<<"$listed")" "$(latency <<<"$listed")"
  printf '%-11s %-58s %10s req/s  mean latency %s\n' "$provider" "list page 20, answer cache off" "$(rps <<<"$paged")" "$(latency <<<"$paged")"
  awk -v a="$(rps <<<"$listed")" -v b="$(rps <<<"$live")" -v p="$provider" 'BEGIN {printf "%-11s uncached list / live = %.3f\n", p, a / b}'
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
done
