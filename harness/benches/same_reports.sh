#!/usr/bin/env bash
# Checks that two harness binaries write the same reports for the same seeds, apart from
# `runId` and `timings` (which name the run and time it): a speed change must change nothing
# else. A tally's `rerunAlone` and `flaky` are left out too: how many budget cases land in the
# race band, to be re-run alone, depends on the machine's load (the same binary twice differs),
# and so does what a bug program did when the harness ran it (`snippet.checked`: a program
# whose bug needs a race may take a run or two to show it).
# Run from the repository root:
#
#     bash harness/benches/same_reports.sh OLD_BINARY NEW_BINARY
#
# Both read adapters and samples from the current directory, unless OLD_ROOT / NEW_ROOT name
# another checkout (to compare adapters too: OLD_ROOT=/path/to/main); the roots' paths are
# written as {root} before comparing.
# Exit 0 when every run matches; otherwise the first differing lines of each mismatch.
set -euo pipefail
old=$1
new=$2
old_root=$(cd "${OLD_ROOT:-.}" && pwd)
new_root=$(cd "${NEW_ROOT:-.}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Contracts and implementations with findings and without, both languages, several seeds.
runs=(
  "--impl py-sample --contract migrate --cases 3000 --seed 7"
  "--impl py-sample,ts-sample --contract token-budget --cases 1500 --seed 3"
  "--impl py-sample,ts-sample --contract ledger --cases 800 --seed 5"
  "--impl py-mutant-shortcut-path,ts-mutant-null-as-absent --cases 300 --seed 1"
  "--impl py-sample,ts-sample --contract budget --cases 300 --seed 2"
)
strip() {
  python3 - "$1" "$2" <<'PY'
import json, sys
report = json.loads(open(sys.argv[1]).read().replace(json.dumps(sys.argv[2])[1:-1], "{root}"))
report.pop("runId", None)
report.pop("timings", None)
for contract in report.get("contracts", []):
    for tally in contract.get("tallies", []):
        tally.pop("rerunAlone", None)
        tally.pop("flaky", None)
for group in report.get("groups", []):
    (group.get("example", {}).get("snippet") or {}).pop("checked", None)
print(json.dumps(report, indent=1, sort_keys=True))
PY
}
failed=0
for i in "${!runs[@]}"; do
  for side in old new; do
    binary=${!side}
    root_of_side=${side}_root
    root=${!root_of_side}
    # shellcheck disable=SC2086 # each run is a list of words
    "$binary" verify ${runs[$i]} --root "$root" --no-corpus --shrink-time 5 --quiet \
      --reports-dir "$work/$side-$i" >/dev/null 2>&1 || true
    strip "$work/$side-$i/latest/report.json" "$root" >"$work/$side-$i.json"
  done
  if diff -q "$work/old-$i.json" "$work/new-$i.json" >/dev/null; then
    echo "same: ${runs[$i]}"
  else
    echo "DIFFERENT: ${runs[$i]}"
    diff "$work/old-$i.json" "$work/new-$i.json" | head -20 || true
    failed=1
  fi
done
exit $failed
