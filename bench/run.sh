#!/usr/bin/env bash
# The benchmarks with production-like settings (see bench/README.md): DEBUG off, a secret key,
# PostgreSQL in a database of their own (tilskot_bench, flushed and refilled), Redis db 5.
#
#   bench/run.sh                     everything: pages at each N, the load test, the letters
#   bench/run.sh COMMAND ...         one command in the same environment, e.g.
#   bench/run.sh .venv/bin/python manage.py bench_pages --only table
#
# BENCH_SIZES (default "100 1000 10000"), BENCH_LOAD_APPLICATIONS (default 1000),
# BENCH_DATABASE_URL and BENCH_BROKER_URL change what is run and where.
set -euo pipefail
cd "$(dirname "$0")/.."

export DJANGO_SETTINGS_MODULE=bench.settings
export DEBUG=0
export SECRET_KEY="${SECRET_KEY:-bench-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')}"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"
# Never the DATABASE_URL of the shell: bench_fill --flush empties the database it is given.
export DATABASE_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tilskot_bench}"
export CELERY_BROKER_URL="${BENCH_BROKER_URL:-redis://127.0.0.1:6379/5}"
PYTHON=.venv/bin/python

if [ $# -gt 0 ]; then
  exec "$@"
fi

# A fresh database of the benchmarks' own, migrated to the code as it is now.
if [ -z "${BENCH_DATABASE_URL:-}" ] && command -v createdb >/dev/null; then
  dropdb -h 127.0.0.1 -U postgres --if-exists tilskot_bench
  createdb -h 127.0.0.1 -U postgres tilskot_bench
fi
$PYTHON manage.py migrate --no-input -v0
$PYTHON manage.py collectstatic --no-input -v0

sizes="${BENCH_SIZES:-100 1000 10000}"
for n in $sizes; do
  $PYTHON manage.py bench_fill --applications "$n" --flush
  # At the largest N also every page's queries, its slowest query's plan and a profile.
  $PYTHON manage.py bench_pages $([ "$n" = "${sizes##* }" ] && echo --details)
done
# The load test twice on a fresh world: a deadline rush (think time 0.5–2 s between clicks)
# and a busy day (2–6 s).
for scenario in "rush 0.5 2" "busy-day 2 6"; do
  set -- $scenario
  $PYTHON manage.py bench_fill --applications "${BENCH_LOAD_APPLICATIONS:-1000}" --flush
  $PYTHON manage.py bench_load --label "$1" --wait-min "$2" --wait-max "$3"
done
$PYTHON manage.py bench_pdf
$PYTHON manage.py bench_report
