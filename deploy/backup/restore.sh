#!/usr/bin/env bash
# Restore a dump made by backup.sh into an EMPTY database: deploy/backup/restore.sh DUMP DATABASE_URL
#
# DATABASE_URL is a libpq URL of a database that exists and holds no tables (createdb it first);
# the script refuses any other, so it can never overwrite a live database. The checksum is checked
# first; the restore runs in one transaction and stops at the first error, so a failed restore
# leaves the database empty. Then it prints every table with its row count, for the
# drill's record.
# Point the app at the restored database (PALMCITY_DATABASE_URL) with the same PALMCITY_PII_KEYS
# and PALMCITY_BLIND_INDEX_KEY as when the dump was made; `python -m server.cli migrate` then
# applies only migrations newer than the dump.
set -euo pipefail

dump="${1:?usage: restore.sh DUMP DATABASE_URL}"
url="${2:?usage: restore.sh DUMP DATABASE_URL}"

if [ -f "$dump.sha256" ]; then
  (cd "$(dirname "$dump")" && sha256sum --check --quiet "$(basename "$dump").sha256")
else
  echo "restore: no $dump.sha256 beside the dump; restoring unchecked" >&2
fi

tables=$(psql --no-psqlrc --tuples-only --no-align --dbname="$url" \
  --command="SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
if [ "$tables" != "0" ]; then
  echo "restore: the target database already holds $tables tables; restore only into an empty one" >&2
  exit 3
fi

pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$url" "$dump"
psql --no-psqlrc --dbname="$url" --command="ANALYZE" >/dev/null
# Exact counts (query_to_xml runs a count per table inside one statement).
psql --no-psqlrc --tuples-only --no-align --field-separator=' ' --dbname="$url" --command="
  SELECT table_name,
         (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', table_schema,
                                                      table_name), false, true, '')))[1]::text
  FROM information_schema.tables
  WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
  ORDER BY table_name"
