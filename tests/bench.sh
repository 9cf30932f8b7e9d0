#!/usr/bin/env bash
# Benchmark (not a timed test): evops against kcat on the same broker and data, in one run.
#
#   bash tests/bench.sh [RECORDS]        # default 1000000
#
# Produces RECORDS JSON events of about 300 bytes into a 6-partition topic on a fresh nisshi,
# then times reading all of it to /dev/null: evops -f raw, evops -f json, kcat -f '%s\n', the
# partition audit, filters (a jq predicate, a jq program that needs jaq, a shortcut), and stats
# (per event type, which reads every record, against filter --count; per topic, which reads none).
# Debian's kcat links librdkafka 2.0.2, which cannot parse this broker's ApiVersions v3 reply
# ("Read underflow", fixed in 2.2.0), so kcat runs against a librdkafka.so.1 built from the very
# source that rdkafka-sys compiles into evops: both tools use the same librdkafka.
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/broker.sh

records="${1:-1000000}"
runs="${BENCH_RUNS:-5}"
ensure_packages build-essential pkg-config cmake libssl-dev libsasl2-dev zlib1g-dev libzstd-dev kcat python3 bc
ensure_nisshi

# The librdkafka that evops bundles, as a shared library for kcat.
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
kcat_() { LD_LIBRARY_PATH="$lib_dir/src" kcat "$@"; }
kcat_ -V 2>&1 | grep -q "librdkafka $version " || { kcat_ -V >&2; echo "kcat does not use librdkafka $version" >&2; exit 2; }

cargo build --release --locked -q
evops=target/release/evops

start_broker
topic="bench-$$"
create_topic "$topic" 6

data=$(mktemp)
say "generating $records events"
python3 - "$records" > "$data" <<'PY'
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
say "producing with kcat"
kcat_ -P -b "$BROKER" -t "$topic" -K $'\t' -X partitioner=murmur2_random -X linger.ms=50 -X batch.num.messages=10000 -l "$data"
rm -f "$data"

count=$("$evops" -b "$BROKER" tail "$topic" -o beginning -e -f raw | wc -l)
kcount=$(kcat_ -C -b "$BROKER" -t "$topic" -o beginning -e -q -f '%s\n' | wc -l)
[ "$count" -eq "$records" ] && [ "$kcount" -eq "$records" ] || { echo "counts differ: evops $count, kcat $kcount, produced $records" >&2; exit 2; }

# Interleaved rounds, so that a slow spell of the machine hits every command alike; the best
# time of each command over the rounds is reported.
secs() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
min() { echo "if ($1 < $2) $1 else $2" | bc -l; }
say "timing (best of $runs interleaved rounds)"
t_kcat=999999 t_raw=999999 t_json=999999 t_audit=999999 t_jq=999999 t_jqfull=999999 t_type=999999
t_count=999999 t_stype=999999 t_stopic=999999
# A jq predicate (the direct evaluator's subset), one that needs jaq itself, and a shortcut;
# each keeps a fifth of the records.
jq_pred='.value.data.type == "comment_posted"'
jq_full='.value.data.type | test("^comment_posted$")'
for _ in $(seq 1 "$runs"); do
  t_kcat=$(min "$(secs kcat_ -C -b "$BROKER" -t "$topic" -o beginning -e -q -f '%s\n')" "$t_kcat")
  t_raw=$(min "$(secs "$evops" -b "$BROKER" tail "$topic" -o beginning -e -f raw)" "$t_raw")
  t_json=$(min "$(secs "$evops" -b "$BROKER" tail "$topic" -o beginning -e -f json)" "$t_json")
  t_audit=$(min "$(secs "$evops" -b "$BROKER" partition audit "$topic" --output json)" "$t_audit")
  t_jq=$(min "$(secs "$evops" -b "$BROKER" filter "$topic" "$jq_pred" -f raw)" "$t_jq")
  t_jqfull=$(min "$(secs "$evops" -b "$BROKER" filter "$topic" "$jq_full" -f raw)" "$t_jqfull")
  t_type=$(min "$(secs "$evops" -b "$BROKER" filter "$topic" --type comment_posted -f raw)" "$t_type")
  t_count=$(min "$(secs "$evops" -b "$BROKER" filter "$topic" --count)" "$t_count")
  t_stype=$(min "$(secs "$evops" -b "$BROKER" stats "$topic" --since 1d --by type -f json)" "$t_stype")
  t_stopic=$(min "$(secs "$evops" -b "$BROKER" stats "$topic" --since 1d --by topic -f json)" "$t_stopic")
done
# stats counts what was produced: per type from the records, per topic from offsets alone.
stats_types=$("$evops" -b "$BROKER" stats "$topic" --since 1d --by type -f json | python3 -c 'import json, sys; print(sum(json.loads(l)["total"] for l in sys.stdin))')
stats_topic=$("$evops" -b "$BROKER" stats "$topic" --since 1d --by topic -f json | python3 -c 'import json, sys; r = json.loads(sys.stdin.readline()); print(r["total"] if r["counted"] == "offsets" else "read: " + r["counted"])')
[ "$stats_types" -eq "$records" ] && [ "$stats_topic" = "$records" ] || { echo "stats counted $stats_types by type and $stats_topic by topic of $records" >&2; exit 2; }
# Replays: evops into a fresh topic (with and without a checkpoint) against kcat piped into
# kcat (which loses headers and timestamps); three interleaved rounds, fresh targets each time.
say "timing replays (best of 3 interleaved rounds)"
t_rkcat=999999 t_replay=999999 t_replay_ck=999999
for round in 1 2 3; do
  for what in kcat replay ck; do create_topic "$topic-$what-$round" 6; done
  t_rkcat=$(min "$(secs bash -c "LD_LIBRARY_PATH='$lib_dir/src' kcat -C -b '$BROKER' -t '$topic' -o beginning -e -q -K '\t' -f '%k\t%s\n' | LD_LIBRARY_PATH='$lib_dir/src' kcat -P -b '$BROKER' -t '$topic-kcat-$round' -K '\t'")" "$t_rkcat")
  t_replay=$(min "$(secs "$evops" -b "$BROKER" replay "$topic" --to "$topic-replay-$round" -y)" "$t_replay")
  t_replay_ck=$(min "$(secs "$evops" -b "$BROKER" replay "$topic" --to "$topic-ck-$round" -y --checkpoint "$data.$round.ckpt")" "$t_replay_ck")
  rm -f "$data.$round.ckpt"
done
copied=$("$evops" -b "$BROKER" tail "$topic-replay-1" -o beginning -e -f raw | wc -l)
[ "$copied" -eq "$records" ] || { echo "replay copied $copied of $records" >&2; exit 2; }

rate() { echo "$records / $1" | bc -l | xargs printf '%.0f'; }
printf '\n%-40s %10s %12s %8s\n' "command" "seconds" "msgs/s" "vs kcat"
printf '%-40s %10.2f %12s %8s\n' "kcat -C -e -f '%s\\n'" "$t_kcat" "$(rate "$t_kcat")" "1.00x"
printf '%-40s %10.2f %12s %8s\n' "evops tail -e -f raw" "$t_raw" "$(rate "$t_raw")" "$(echo "$t_kcat / $t_raw" | bc -l | xargs printf '%.2fx')"
printf '%-40s %10.2f %12s %8s\n' "evops tail -e -f json" "$t_json" "$(rate "$t_json")" "$(echo "$t_kcat / $t_json" | bc -l | xargs printf '%.2fx')"
printf '%-40s %10.2f %12s %8s\n' "evops partition audit" "$t_audit" "$(rate "$t_audit")" "$(echo "$t_kcat / $t_audit" | bc -l | xargs printf '%.2fx')"
printf '%-40s %10.2f %12s %8s\n' "evops filter '$jq_pred'" "$t_jq" "$(rate "$t_jq")" "$(echo "$t_kcat / $t_jq" | bc -l | xargs printf '%.2fx')"
printf '%-40s %10.2f %12s %8s\n' "evops filter '.. | test(..)' (jaq)" "$t_jqfull" "$(rate "$t_jqfull")" "$(echo "$t_kcat / $t_jqfull" | bc -l | xargs printf '%.2fx')"
printf '%-40s %10.2f %12s %8s\n' "evops filter --type comment_posted" "$t_type" "$(rate "$t_type")" "$(echo "$t_kcat / $t_type" | bc -l | xargs printf '%.2fx')"
printf '%-40s %10.2f %12s %8s\n' "evops filter --count" "$t_count" "$(rate "$t_count")" "$(echo "$t_kcat / $t_count" | bc -l | xargs printf '%.2fx')"
printf '%-40s %10.2f %12s %8s\n' "evops stats --since 1d --by type" "$t_stype" "$(rate "$t_stype")" "$(echo "$t_kcat / $t_stype" | bc -l | xargs printf '%.2fx')"
printf '%-40s %10.2f %12s %8s\n' "evops stats --since 1d --by topic" "$t_stopic" "(offsets)" "-"
printf '%-40s %10.2f %12s %8s\n' "kcat -C ... | kcat -P (loses headers, ts)" "$t_rkcat" "$(rate "$t_rkcat")" "1.00x"
printf '%-40s %10.2f %12s %8s\n' "evops replay --to T2" "$t_replay" "$(rate "$t_replay")" "$(echo "$t_rkcat / $t_replay" | bc -l | xargs printf '%.2fx')"
printf '%-40s %10.2f %12s %8s\n' "evops replay --to T2 --checkpoint F" "$t_replay_ck" "$(rate "$t_replay_ck")" "$(echo "$t_rkcat / $t_replay_ck" | bc -l | xargs printf '%.2fx')"
echo "stats --by type vs filter --count: $(echo "$t_count / $t_stype" | bc -l | xargs printf '%.2fx') (target: 1.00x or more); stats --by topic: ${t_stopic}s (target: under 1 s, no record read)"
echo "audit vs raw tail: $(echo "$t_raw / $t_audit" | bc -l | xargs printf '%.2fx'); keys hashed: $(echo "$records * 6 / $t_audit" | bc -l | xargs printf '%.0f')/s (6 hashes per record)"
echo "($records records of ~300 bytes keyed by 50,000 user ids, 6 partitions, nisshi $nisshi_version on 127.0.0.1, librdkafka $version for both)"
