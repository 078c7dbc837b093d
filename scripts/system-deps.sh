#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# System packages the full test suite uses: PostGIS for the machine's PostgreSQL,
# Debian's Chromium for the browser tests, and Docker Compose, whose `config` checks
# compose.yaml without a Docker daemon (tests/test_server_profile.py), and wrk, the load
# generator of bench/load.py (in C: it leaves the cores to the server; without it the bench
# falls back to Python). Installs only what is missing, and only
# as root (elsewhere it says what to install and the tests skip what they lack).
set -euo pipefail

missing=()
if command -v pg_config >/dev/null 2>&1 || ls /usr/lib/postgresql >/dev/null 2>&1; then
  major=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
  if [ -n "$major" ] && ! ls /usr/share/postgresql/"$major"/extension/postgis.control >/dev/null 2>&1; then
    missing+=("postgresql-$major-postgis-3")
  fi
fi
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
if ! command -v docker-compose >/dev/null 2>&1 && ! docker compose version >/dev/null 2>&1; then
  missing+=(docker-compose)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "Paquets système manquants (installez-les en root) : ${missing[*]}" >&2
  exit 0
fi
echo "Installation de : ${missing[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
