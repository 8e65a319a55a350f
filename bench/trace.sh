#!/usr/bin/env bash
# Trace queries (issue "production and traceability"): with DEVICES released devices (each with
# case, order, requirement, three moves, device identifier, printing, sterilization and inspection
# steps referencing a lot, a printer and a steam cycle, and four audit entries; lots of 50-200
# devices, cycles of 20-80, a hospital per 5,000), the median time of the lot → devices recall
# query and of the device → history query, the same code TraceApi runs, called in-process, on
# SQLite and on a throwaway PostgreSQL started here on 127.0.0.1. Seeding is multi-row INSERT
# (SQLite) and binary COPY (PostgreSQL). Target: at 1,000,000 within 2x of 10,000.
# Each size's data is deleted after its run (1M devices is a few GB). Results: docs/performance.md.
#   bash bench/trace.sh                       # SIZES="10000 100000 1000000" RUNS=51 PROVIDERS="sqlite postgresql"
#   EXPLAIN=0 bash bench/trace.sh             # without the query plans (printed by default for each size)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"10000 100000 1000000"}
RUNS=${RUNS:-51}
PROVIDERS=${PROVIDERS:-"sqlite postgresql"}

dotnet build src/Trabecula.Server -c Release -nologo -v quiet >&2
dotnet build bench/Trabecula.Bench -c Release -nologo -v quiet >&2
dll=src/Trabecula.Server/bin/Release/net10.0/Trabecula.Server.dll
bench=bench/Trabecula.Bench/bin/Release/net10.0/Trabecula.Bench.dll

work=$(mktemp -d)
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_pg=()
if [ "$(id -u)" = 0 ]; then chown postgres "$work"; as_pg=(runuser -u postgres --); fi
cleanup() {
  [ -f "$work/pg/PG_VERSION" ] && "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/pg" stop -m fast >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

pg_settings=()
if [[ " $PROVIDERS " == *" postgresql "* ]]; then
  # A throwaway PostgreSQL cluster (fsync and synchronous_commit left on).
  pw=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
  echo "$pw" >"$work/pw"; [ "$(id -u)" = 0 ] && chown postgres "$work/pw"
  "${as_pg[@]}" "$pg_bin/initdb" -D "$work/pg" -A scram-sha-256 --pwfile="$work/pw" -U trabecula -E UTF8 --locale=C >/dev/null
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w -o "-p 55499 -k $work -c listen_addresses=127.0.0.1" start >/dev/null
fi

echo "# trace query benchmark - $(date -u '+%Y-%m-%d %H:%M:%S') UTC; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg); sizes $SIZES; $RUNS runs each"
# Size outside, provider inside: the small sizes of both databases come first.
for size in $SIZES; do
  for provider in $PROVIDERS; do
    data="$work/data-$provider-$size"; mkdir -p "$data"
    settings=(--data "$data")
    if [ "$provider" = postgresql ]; then
      db="trace_$size"
      PGPASSWORD=$pw "$pg_bin/psql" -h 127.0.0.1 -p 55499 -U trabecula -d postgres -qc "CREATE DATABASE $db" >/dev/null
      settings+=(--Database:Provider=PostgreSQL "--Database:ConnectionString=Host=127.0.0.1;Port=55499;Username=trabecula;Password=$pw;Database=$db")
    fi
    dotnet "$dll" demo seed "${settings[@]}" >/dev/null 2>&1
    started=$(date +%s)
    EXPLAIN=${EXPLAIN:-1} dotnet "$bench" trace --devices "$size" --runs "$RUNS" -- "--Data:Directory=$data" "${settings[@]:2}" "--Logging:LogLevel:Default=Warning" \
      | sed "s/^/$provider  /"
    echo "  $provider $size: $(( $(date +%s) - started )) s with seeding; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    rm -rf "$data"
    if [ "$provider" = postgresql ]; then
      PGPASSWORD=$pw "$pg_bin/psql" -h 127.0.0.1 -p 55499 -U trabecula -d postgres -qc "DROP DATABASE $db" >/dev/null
    fi
  done
done
