#!/usr/bin/env bash
# Installs what the platform needs and this machine lacks (Debian 12), then restores NuGet packages.
# Idempotent and quiet when everything is present: one line per thing it installs.
# Options: --bench (also wrk), --no-restore.
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

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else echo "setup: root (or sudo) is needed for: $*" >&2; exit 1
  fi
}
apt_updated=false
apt_install() {
  if [ "$apt_updated" = false ]; then as_root apt-get update -qq; apt_updated=true; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  echo "setup: installed $*"
}

# The AppHost and the tests run /usr/lib/rabbitmq/bin/rabbitmq-server themselves (own ports and folders).
if [ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; then
  apt_install rabbitmq-server
fi
# The operations dashboard's browser test drives Debian's Chromium headless (Playwright, no browser
# download); a small CJK font lets its screenshots show the Chinese labels.
if [ ! -x /usr/bin/chromium ]; then
  apt_install chromium
fi
if [ ! -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
  apt_install fonts-wqy-microhei
fi
if ! command -v initdb >/dev/null && [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
  apt_install postgresql-15
fi
# PostgreSQL refuses to run as root: as root, our clusters run as the postgres user.
if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
  useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
  echo "setup: created the postgres user"
fi
if [ "$bench" = true ] && ! command -v wrk >/dev/null; then
  apt_install wrk
fi
if [ "$restore" = true ]; then
  dotnet restore Platform.sln -nologo -v q
fi
