#!/usr/bin/env bash
# Installs whatever the platform needs and this machine lacks, then restores NuGet packages.
# Idempotent and quiet when everything is present. Options: --bench (also wrk), --no-restore.
set -euo pipefail
cd "$(dirname "$0")/.."

bench=false; restore=true
for argument in "$@"; do
  case "$argument" in
    --bench) bench=true ;;
    --no-restore) restore=false ;;
    *) echo "usage: scripts/setup.sh [--bench] [--no-restore]" >&2; exit 2 ;;
  esac
done

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else echo "need root for: $*" >&2; exit 1; fi; }
apt_updated=false
apt_install() {
  if [ "$apt_updated" = false ]; then as_root apt-get update -qq; apt_updated=true; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  echo "installed: $*"
}

if [ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; then
  apt_install rabbitmq-server
fi
if ! command -v initdb >/dev/null && [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
  apt_install postgresql-15
fi
if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  echo "created the postgres user"
fi
if [ "$bench" = true ] && ! command -v wrk >/dev/null; then
  apt_install wrk
fi
if [ "$restore" = true ]; then
  dotnet restore Platform.sln -nologo -v q
fi
