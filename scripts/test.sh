#!/usr/bin/env bash
# Sets up whatever is missing (RabbitMQ, PostgreSQL, NuGet packages), builds, and runs every test
# against real PostgreSQL and RabbitMQ processes the tests start themselves. Ends with the line
# "N passed, N failed[, N skipped]".
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
dotnet build Platform.sln -c Debug -nologo -v q -clp:ErrorsOnly

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0
dotnet test Platform.sln -c Debug --no-build -nologo \
  --logger "console;verbosity=normal" --logger "trx" --results-directory "$results" "$@" || status=$?

# Sum the counters of every test project's TRX file.
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  value() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  passed=$((passed + $(value passed)))
  failed=$((failed + $(value failed) + $(value error) + $(value timeout) + $(value aborted)))
  skipped=$((skipped + $(value notExecuted)))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1   # the run broke before a test could report (build or host crash)
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
