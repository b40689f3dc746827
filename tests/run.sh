#!/usr/bin/env bash
# The test command (README, CI): one-time setup, then the whole suite with every kernel path —
# all instruction sets, AVX-512 off, and AVX2 off too — ending with one "N passed, N failed" line.
# `bash tests/run.sh --quick` runs the suite once, with all instruction sets.
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

bash tests/setup.sh || { echo "tests/setup.sh failed"; echo "0 passed, 1 failed"; exit 1; }
dotnet build NetGen.sln -c Release -nologo -v q || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

total_pass=0; total_fail=0; status=0
run_suite() {  # $1 = label; the rest = environment assignments for that run
  local label=$1; shift
  local log; log=$(mktemp)
  echo "=== tests: $label ==="
  env "$@" dotnet test NetGen.sln -c Release --no-build -nologo 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local p f
  p=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
  f=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  echo "$label: $p passed, $f failed"
  total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
  [ "$rc" -eq 0 ] || status=1
  rm -f "$log"
}

run_suite "all instruction sets" NETGEN_TEST_RUN=full
if [ "${1:-}" != "--quick" ]; then
  run_suite "AVX-512 off" DOTNET_EnableAVX512=0 DOTNET_EnableAVX512F=0
  run_suite "AVX-512 and AVX2 off" DOTNET_EnableAVX512=0 DOTNET_EnableAVX512F=0 DOTNET_EnableAVX2=0
fi

echo "$total_pass passed, $total_fail failed"
exit $status
