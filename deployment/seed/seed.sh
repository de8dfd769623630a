#!/bin/sh
# Applies every seed/*.sql file in name order to the Supabase database, stopping at the first error.
# The Job sets DB_HOST, DB_PORT (ConfigMap) and DB_USERNAME, DB_PASSWORD, DB_NAME (chart secret).
set -eu
: "${DB_HOST:?DB_HOST is not set (ConfigMap)}" "${DB_PORT:=5432}" "${DB_USERNAME:?}" "${DB_PASSWORD:?}" "${DB_NAME:=postgres}"
export PGPASSWORD="$DB_PASSWORD" PGCONNECT_TIMEOUT=10

echo "seed: waiting for ${DB_HOST}:${DB_PORT}"
tries=0
until pg_isready -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USERNAME" -d "$DB_NAME" >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "seed: the database did not accept connections" >&2
    exit 1
  fi
  sleep 2
done

for file in /seed/*.sql; do
  echo "seed: applying $(basename "$file")"
  psql -v ON_ERROR_STOP=1 -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USERNAME" -d "$DB_NAME" -f "$file"
done
echo "seed: done"
