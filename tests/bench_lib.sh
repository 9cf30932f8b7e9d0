# Sourced by tests/bench.sh and tests/bench_stats.sh, after tests/broker.sh: what the benchmarks
# share. Defines:
#   bench_setup          packages, nisshi, kcat on the librdkafka evops bundles, rdkafka_performance,
#                        the release build; sets version, lib_dir, perf_tool, evops
#   kcat_ ARGS...        kcat on that librdkafka
#   bench_events N       N JSON events of about 300 bytes, keyed by 50,000 user ids, as key<TAB>value
#                        lines (the same every time: a fixed seed)
#   secs COMMAND...      the wall-clock seconds COMMAND took, its output discarded

# Debian's kcat links librdkafka 2.0.2, which cannot parse this broker's ApiVersions v3 reply
# ("Read underflow", fixed in 2.2.0), so kcat runs against a librdkafka.so.1 built from the very
# source that rdkafka-sys compiles into evops: both tools use the same librdkafka.
bench_setup() {
  ensure_packages build-essential pkg-config cmake libssl-dev libsasl2-dev zlib1g-dev libzstd-dev kcat jq python3 bc time
  ensure_nisshi
  local sys_dir
  sys_dir=$(cargo metadata --format-version 1 --locked | python3 -c '
import json, sys
m = json.load(sys.stdin)
print(next(p["manifest_path"] for p in m["packages"] if p["name"] == "rdkafka-sys").rsplit("/", 1)[0])')
  version=$(basename "$sys_dir" | sed 's/.*+//')
  lib_dir="$cache/librdkafka-$version"
  if [ ! -f "$lib_dir/src/librdkafka.so.1" ]; then
    say "building librdkafka $version (shared) from $sys_dir/librdkafka"
    rm -rf "$lib_dir" && cp -r "$sys_dir/librdkafka" "$lib_dir"
    (cd "$lib_dir" && ./configure --enable-ssl --enable-zstd --disable-lz4-ext >/dev/null && make -j"$(nproc)" -C src >/dev/null)
  fi
  # librdkafka's own producer benchmark, from the same source: the ceiling a replay is measured by.
  perf_tool="$lib_dir/examples/rdkafka_performance"
  [ -x "$perf_tool" ] || make -C "$lib_dir/examples" rdkafka_performance >/dev/null
  kcat_ -V 2>&1 | grep -q "librdkafka $version " || { kcat_ -V >&2; echo "kcat does not use librdkafka $version" >&2; exit 2; }
  cargo build --release --locked -q
  evops=target/release/evops
}

kcat_() { LD_LIBRARY_PATH="$lib_dir/src" kcat "$@"; }

bench_events() {
  python3 - "$1" <<'PY'
import json, random, sys
n = int(sys.argv[1]); r = random.Random(7)
kinds = ["article_published", "article_viewed", "comment_posted", "article_bumped", "user_registered"]
for i in range(n):
    ev = {"data": {"id": f"a-{r.randrange(100000)}", "type": r.choice(kinds),
                   "attributes": {"user_id": f"u-{r.randrange(50000)}", "title": "Ten years with an MX-5",
                                  "tribe_id": f"t-{r.randrange(40):02}", "duration_ms": r.randrange(120000),
                                  "referrer": r.choice(["feed", "search", "tribe"])}},
          "meta": {"created_at": "2026-11-23T10:00:00.000Z", "host": "api-1.eu-west-1"}}
    line = json.dumps(ev, separators=(",", ":"))
    # Keyed by user, as an event stream is: 50,000 distinct keys.
    print(ev["data"]["attributes"]["user_id"] + "\t" + line + " " * max(0, 300 - len(line)))
PY
}

secs() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
