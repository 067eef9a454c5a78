#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS each (default 60), from the corpus kept in
# tests/fuzz/corpus/<target>. New inputs go to target/fuzz-new/<target>, not into the kept
# corpus (a run with coverage counters adds thousands of files). A crash stops the script,
# leaves the input in tests/fuzz/artifacts/<target>/ and prints how to replay it.
#   tests/fuzz/run.sh 600            # the 10-minute runs
#   RICOLLOCA_FUZZ_TARGETS="sap_xml upload" tests/fuzz/run.sh 30
#   RICOLLOCA_FUZZ_ARGS=-seed=1 tests/fuzz/run.sh 20   # what CI runs (.ci/run)
# To keep what a long run found, merge on edge coverage into the kept corpus:
#   RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir tests/fuzz T tests/fuzz/corpus/T target/fuzz-new/T \
#     -- -merge=1 -use_counters=0 -use_value_profile=0
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-60}
targets=${RICOLLOCA_FUZZ_TARGETS:-"codice_fiscale cns_certificate sap_xml assignments_csv upload"}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
# cargo-fuzz needs nightly flags (-Z sanitizer); the stable toolchain accepts them this way.
export RUSTC_BOOTSTRAP=1
for t in $targets; do
  mkdir -p "tests/fuzz/corpus/$t" "target/fuzz-new/$t"
  echo "== fuzz $t for ${secs}s"
  # RICOLLOCA_FUZZ_ARGS adds libFuzzer flags (CI passes -seed=1: the same inputs each run).
  # shellcheck disable=SC2086
  cargo fuzz run --fuzz-dir tests/fuzz "$t" "target/fuzz-new/$t" "tests/fuzz/corpus/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -max_len=1048576 -timeout=10 -print_final_stats=1 \
    ${RICOLLOCA_FUZZ_ARGS:-}
done
