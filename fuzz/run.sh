#!/usr/bin/env bash
# Runs every fuzz target for a bounded time on stable Rust.
#
# cargo-fuzz asks rustc for `-Zsanitizer=address`, a nightly flag;
# RUSTC_BOOTSTRAP=1 lets the stable compiler accept it. Usage:
#   fuzz/run.sh [seconds per target, default 300] [targets...]
# Crashes and timeouts land in fuzz/artifacts/<target>/; once fixed, save
# each as a regression input in compiler/tests/fuzz_regressions/.
set -euo pipefail

cd "$(dirname "$0")"
seconds="${1:-300}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(analyze structured line_index two_parsers)
fi

export RUSTC_BOOTSTRAP=1
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  seeds=()
  if [ "$target" = analyze ] || [ "$target" = two_parsers ]; then
    seeds=(seeds ../examples ../compiler/tests/fuzz_regressions)
  fi
  # A finding stops this target only; the others still run.
  cargo fuzz run "$target" "corpus/$target" "${seeds[@]}" -- \
    -max_total_time="$seconds" -max_len=65536 -timeout=30 -rss_limit_mb=4096 \
    -dict=journey.dict -print_final_stats=1 ||
    echo "fuzz/run.sh: $target stopped on a finding; see fuzz/artifacts/$target/"
done
