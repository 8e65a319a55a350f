#!/usr/bin/env bash
# Audit-trail throughput, ours and the anchors side by side, on SQLite and a throwaway PostgreSQL
# started here on 127.0.0.1 (as the postgres user when run as root). Results: docs/performance.md.
#   bash bench/audit.sh            # ENTRIES=20000 VERIFY_ENTRIES=1000000
set -euo pipefail
cd "$(dirname "$0")/.."
ENTRIES=${ENTRIES:-20000}
VERIFY_ENTRIES=${VERIFY_ENTRIES:-1000000}

dotnet build bench/Trabecula.Bench -c Release -nologo -v quiet >&2
bench() { dotnet bench/Trabecula.Bench/bin/Release/net10.0/Trabecula.Bench.dll "$@" 2> >(grep -v '"Timestamp"' >&2); }

pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
dir=$(mktemp -d)
as_pg=()
if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; as_pg=(runuser -u postgres --); fi
password=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "$password" >"$dir/pw"; [ "$(id -u)" = 0 ] && chown postgres "$dir/pw"
port=55499
"${as_pg[@]}" "$pg_bin/initdb" -D "$dir/data" -A scram-sha-256 --pwfile="$dir/pw" -U trabecula -E UTF8 --locale=C >/dev/null
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null
trap '"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/data" stop -m fast >/dev/null; rm -rf "$dir"' EXIT
export TRABECULA_BENCH_POSTGRES="Host=127.0.0.1;Port=$port;Username=trabecula;Password=$password;Database=postgres"

echo "# audit trail benchmark - $(date -u '+%Y-%m-%d %H:%M:%S') UTC; $(nproc) cores; PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') (fsync on, synchronous_commit on); SQLite WAL synchronous=FULL"
for provider in sqlite postgresql; do
  for callers in 64 1; do
    bench audit-append --provider "$provider" --entries "$ENTRIES" --concurrency "$callers"
  done
  bench audit-verify --provider "$provider" --entries "$VERIFY_ENTRIES"
done
