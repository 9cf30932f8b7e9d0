#!/usr/bin/env bash
# A short run of every fuzz target (fuzz/, cargo-fuzz on the nightly toolchain) on its seed
# corpus: about 6 seconds each, a minute in all. Exits non-zero if any target crashes (the
# reproducer is left in fuzz/artifacts/<target>/). Installs what it needs, only when missing:
# the nightly toolchain (rustup) and cargo-fuzz, into ${EVOPS_CACHE:-~/.cache/evops}/cargo-fuzz.
#
#   bash tests/fuzz_smoke.sh            # every target
#   FUZZ_SECONDS=60 bash tests/fuzz_smoke.sh capture template
#
# The long runs (10 minutes and more per target) are described in fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

cache="${EVOPS_CACHE:-$HOME/.cache/evops}"
seconds="${FUZZ_SECONDS:-6}"
say() { printf 'fuzz_smoke: %s\n' "$*" >&2; }

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  say "installing the nightly toolchain (cargo-fuzz needs -Z sanitizer flags)"
  rustup toolchain install nightly --profile minimal
fi
if [ ! -x "$cache/cargo-fuzz/bin/cargo-fuzz" ]; then
  say "installing cargo-fuzz into $cache/cargo-fuzz"
  cargo install --locked cargo-fuzz --root "$cache/cargo-fuzz"
fi
export PATH="$cache/cargo-fuzz/bin:$PATH"

# No sanitizer: the code the targets reach has no unsafe code (the only unsafe block, the
# Kafka batch reader, is not fuzzed here), so ASan would only slow the run; debug assertions
# stay on so that integer overflow is a crash (-a). The build lives in the cache, outside the
# clone, so that a fresh clone does not build librdkafka again.
flags=(-s none -a --target-dir "$cache/fuzz-target")
say "building the fuzz targets"
cargo +nightly fuzz build "${flags[@]}"

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=()
for t in "${targets[@]}"; do
  mkdir -p "$work/$t"
  say "$t: ${seconds}s"
  # New inputs go to the scratch corpus; the committed seeds stay as they are.
  if ! cargo +nightly fuzz run "${flags[@]}" "$t" "$work/$t" "seeds/$t" -- \
      -max_total_time="$seconds" -max_len=4096 -timeout=10 -print_final_stats=1 \
      >"$work/$t.log" 2>&1; then
    tail -n 40 "$work/$t.log" >&2
    failed+=("$t")
  else
    grep -E '^(Done|#[0-9]+ *DONE)' "$work/$t.log" | tail -n 1 >&2 || true
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  say "crashed: ${failed[*]} (reproducers in fuzz/artifacts/)"
  exit 1
fi
say "all ${#targets[@]} targets ran ${seconds}s without a crash"
