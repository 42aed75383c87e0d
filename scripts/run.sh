#!/usr/bin/env bash
# Installs what is missing, builds, and runs the platform (PostgreSQL, RabbitMQ, every service and
# the gateway on http://127.0.0.1:8080) until Ctrl+C. Arguments go to the AppHost, e.g.
# scripts/run.sh --Services:gateway:Url=http://127.0.0.1:9090 (see src/AppHost/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
dotnet build Platform.sln -c Debug --no-restore -nologo -v q -clp:ErrorsOnly
exec dotnet run --no-build --project src/AppHost -- "$@"
