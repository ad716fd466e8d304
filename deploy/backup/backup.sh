#!/usr/bin/env bash
# Back up PalmCity's PostgreSQL database to one file: deploy/backup/backup.sh DATABASE_URL OUT_DIR
#
# DATABASE_URL is a libpq URL (postgresql://user@host:5432/palmcity; the password from PGPASSWORD or
# ~/.pgpass), straight to the primary or a replica, not through PgBouncer, and without the app's
# own query options (maxsize, statement_cache_size), which libpq refuses.
# Writes OUT_DIR/palmcity-<UTC time>.dump (pg_dump's custom format: compressed, restorable table by
# table) and its .sha256, and prints the dump's path. The file is written under a temporary name
# and renamed only once pg_restore has read its table of contents back, so a half-written dump is
# never taken for a backup.
#
# The dump holds personal data encrypted with PALMCITY_PII_KEYS: a restore is readable only with
# every key version used since (keep the key ring in escrow, never beside the dumps).
set -euo pipefail

url="${1:?usage: backup.sh DATABASE_URL OUT_DIR}"
out_dir="${2:?usage: backup.sh DATABASE_URL OUT_DIR}"
mkdir -p "$out_dir"
dump="$out_dir/palmcity-$(date -u +%Y%m%dT%H%M%SZ).dump"
partial="$dump.partial"
trap 'rm -f "$partial"' EXIT

# One consistent snapshot (pg_dump runs in a single repeatable-read transaction), without owners
# or grants: the restore target's own role owns what it restores.
pg_dump --format=custom --compress=6 --no-owner --no-privileges --file="$partial" "$url"
pg_restore --list "$partial" >/dev/null
mv "$partial" "$dump"
(cd "$out_dir" && sha256sum "$(basename "$dump")" >"$(basename "$dump").sha256")
echo "$dump"
