#!/usr/bin/env bash
# Benchmark (not a timed test): evops against kcat on the same broker and data, in one run.
#
#   bash tests/bench.sh [RECORDS]        # default 1000000
#
# Produces RECORDS JSON events of about 300 bytes into a 6-partition topic on a fresh nisshi,
# then times each evops command beside what a user would run instead, on the same broker and data:
# tail -f raw and -f json beside kcat -f '%s\n' and kcat -J; filter (a jq predicate, a program that
# needs jaq, the --type shortcut) beside kcat | jq -c 'select(...)'; the partition audit; stats (per
# event type, which reads every record, against filter --count; per topic, which reads none); and
# replay (1M records, and 10,000) beside the kcat pipe and rdkafka_performance -P. Every command
# runs BENCH_RUNS (default 5) interleaved rounds; the table gives the median, the range and the
# ratio to the peer named in its last column.
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/broker.sh
source tests/bench_lib.sh

records="${1:-1000000}"
runs="${BENCH_RUNS:-5}"
bench_setup

start_broker
topic="bench-$$"
create_topic "$topic" 6

data=$(mktemp)
say "generating $records events"
bench_events "$records" > "$data"
say "producing with kcat"
kcat_ -P -b "$BROKER" -t "$topic" -K $'\t' -X partitioner=murmur2_random -X linger.ms=50 -X batch.num.messages=10000 -l "$data"
# The first 10,000 of them in a topic of their own, for the small replay (fixed costs).
small=10000
create_topic "$topic-small" 6
head -n "$small" "$data" | kcat_ -P -b "$BROKER" -t "$topic-small" -K $'\t' -X partitioner=murmur2_random
# Ten times the records, for the memory figures (a tail of any length stays bounded).
mem_records=$((records * 10))
create_topic "$topic-mem" 6
say "producing $mem_records records for the memory figures"
for _ in $(seq 1 10); do
  kcat_ -P -b "$BROKER" -t "$topic-mem" -K $'\t' -X partitioner=murmur2_random -X linger.ms=50 -X batch.num.messages=10000 -l "$data"
done
rm -f "$data"

count=$("$evops" -b "$BROKER" tail "$topic" -o beginning -e -f raw | wc -l)
kcount=$(kcat_ -C -b "$BROKER" -t "$topic" -o beginning -e -q -f '%s\n' | wc -l)
[ "$count" -eq "$records" ] && [ "$kcount" -eq "$records" ] || { echo "counts differ: evops $count, kcat $kcount, produced $records" >&2; exit 2; }

# Interleaved rounds, so that a slow spell of the machine hits every command alike; each command's
# median and range over the rounds are reported (the machine is shared: a single run says little).
declare -A times
# time LABEL COMMAND...: one more run of LABEL.
time_() { local label=$1; shift; times[$label]+=" $(secs "$@")"; }
k="LD_LIBRARY_PATH='$lib_dir/src' kcat"
jq_pred='.value.data.type == "comment_posted"'
jq_full='.value.data.type | test("^comment_posted$")'
jq_sel='select(.data.type == "comment_posted")'
say "timing reads ($runs interleaved rounds)"
for _ in $(seq 1 "$runs"); do
  time_ kcat kcat_ -C -b "$BROKER" -t "$topic" -o beginning -e -q -f '%s\n'
  time_ raw "$evops" -b "$BROKER" tail "$topic" -o beginning -e -f raw
  time_ kcatJ kcat_ -C -b "$BROKER" -t "$topic" -o beginning -e -q -J
  time_ json "$evops" -b "$BROKER" tail "$topic" -o beginning -e -f json
  time_ audit "$evops" -b "$BROKER" partition audit "$topic" --output json
  time_ kcatjq bash -c "$k -C -b '$BROKER' -t '$topic' -o beginning -e -q -f '%s\n' | jq -c '$jq_sel'"
  time_ pred "$evops" -b "$BROKER" filter "$topic" "$jq_pred" -f raw
  time_ full "$evops" -b "$BROKER" filter "$topic" "$jq_full" -f raw
  time_ type "$evops" -b "$BROKER" filter "$topic" --type comment_posted -f raw
  time_ count "$evops" -b "$BROKER" filter "$topic" --count
  time_ stype "$evops" -b "$BROKER" stats "$topic" --since 1d --by type -f json
  time_ stopic "$evops" -b "$BROKER" stats "$topic" --since 1d --by topic -f json
done
# stats counts what was produced: per type from the records, per topic from offsets alone.
stats_types=$("$evops" -b "$BROKER" stats "$topic" --since 1d --by type -f json | python3 -c 'import json, sys; print(sum(json.loads(l)["total"] for l in sys.stdin))')
stats_topic=$("$evops" -b "$BROKER" stats "$topic" --since 1d --by topic -f json | python3 -c 'import json, sys; r = json.loads(sys.stdin.readline()); print(r["total"] if r["counted"] == "offsets" else "read: " + r["counted"])')
[ "$stats_types" -eq "$records" ] && [ "$stats_topic" = "$records" ] || { echo "stats counted $stats_types by type and $stats_topic by topic of $records" >&2; exit 2; }

# Peak resident memory (GNU time's maximum RSS) of whole reads to /dev/null: a tail of ten times
# the records in each output format, the time-ordered merge with its default buffer, and kcat.
say "measuring peak memory"
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1; }
mem_rows=$(cat <<MEM
$(rss "$evops" -b "$BROKER" tail "$topic-mem" -o beginning -e -f raw -q)	$mem_records	evops tail -e -f raw
$(rss "$evops" -b "$BROKER" tail "$topic-mem" -o beginning -e -f json -q)	$mem_records	evops tail -e -f json
$(rss env LD_LIBRARY_PATH="$lib_dir/src" kcat -C -b "$BROKER" -t "$topic-mem" -o beginning -e -q -f '%s\n')	$mem_records	kcat -C -e -f '%s\n'
$(rss "$evops" -b "$BROKER" tail "$topic" -o beginning -e --ordered -f raw -q)	$records	evops tail -e --ordered (default --merge-buffer)
MEM
)

# Replays into fresh 6-partition topics: evops (provenance headers, idempotent producer; with the
# default checkpoint in the state directory, and with --checkpoint FILE), the kcat pipe (which
# loses headers and timestamps) and rdkafka_performance -P (idempotent, 300-byte records, no
# reading at all: the producer's ceiling), once with its defaults and once writing what a replay
# writes as a replay's producer does (the two provenance headers, of the same sizes, and
# linger.ms=50; no key, which would send every record to one partition); RECORDS of them, and
# 10,000.
say "timing replays ($runs interleaved rounds)"
state=$(mktemp -d)
for round in $(seq 1 "$runs"); do
  for size in big small; do
    if [ "$size" = big ]; then src=$topic n=$records; else src=$topic-small n=$small; fi
    for what in kcat replay ck perf same; do create_topic "$topic-$size-$what-$round" 6; done
    t=$topic-$size
    time_ "r${size}_kcat" bash -c "$k -C -b '$BROKER' -t '$src' -o beginning -e -q -K '\t' -f '%k\t%s\n' | $k -P -b '$BROKER' -t '$t-kcat-$round' -K '\t'"
    time_ "r${size}_replay" env XDG_STATE_HOME="$state" "$evops" -b "$BROKER" replay "$src" --to "$t-replay-$round" -y
    time_ "r${size}_ck" "$evops" -b "$BROKER" replay "$src" --to "$t-ck-$round" -y --checkpoint "$state/$size.$round.ckpt"
    time_ "r${size}_perf" env LD_LIBRARY_PATH="$lib_dir/src" "$perf_tool" -P -b "$BROKER" -t "$t-perf-$round" -s 300 -c "$n" -X enable.idempotence=true
    time_ "r${size}_same" env LD_LIBRARY_PATH="$lib_dir/src" "$perf_tool" -P -b "$BROKER" -t "$t-same-$round" -s 300 -c "$n" -X enable.idempotence=true \
      -X linger.ms=50 -H evops-source="$src/3/123456" -H evops-replay-id=3f2a9c1d5e7b8a46
  done
done
rm -rf "$state"
copied=$("$evops" -b "$BROKER" tail "$topic-big-replay-1" -o beginning -e -f raw | wc -l)
[ "$copied" -eq "$records" ] || { echo "replay copied $copied of $records" >&2; exit 2; }

# LABEL RECORDS PEER DESCRIPTION per row; the ratio is the peer's median over this one's.
rows=$(cat <<ROWS
kcat	$records	kcat	kcat -C -e -f '%s\n'
raw	$records	kcat	evops tail -e -f raw
kcatJ	$records	kcat	kcat -C -e -J
json	$records	kcatJ	evops tail -e -f json (vs kcat -J)
json	$records	kcat	evops tail -e -f json (vs kcat raw)
audit	$records	kcat	evops partition audit
kcatjq	$records	kcat	kcat ... | jq -c '$jq_sel'
pred	$records	kcatjq	evops filter '$jq_pred'
pred	$records	kcat	evops filter (jq predicate, vs kcat raw)
full	$records	kcatjq	evops filter '$jq_full'
full	$records	kcat	evops filter (test(), vs kcat raw)
type	$records	kcatjq	evops filter --type comment_posted
type	$records	pred	evops filter --type (vs its jq form)
count	$records	kcat	evops filter --count
stype	$records	count	evops stats --since 1d --by type (vs filter --count)
stopic	$records	-	evops stats --since 1d --by topic (offsets)
rbig_kcat	$records	rbig_kcat	kcat -C | kcat -P (loses headers, ts)
rbig_perf	$records	rbig_kcat	rdkafka_performance -P -s 300
rbig_replay	$records	rbig_kcat	evops replay --to T2
rbig_same	$records	rbig_kcat	rdkafka_performance -P, a replay's headers and linger
rbig_replay	$records	rbig_perf	evops replay --to T2 (vs rdkafka_perf)
rbig_replay	$records	rbig_same	evops replay --to T2 (vs rdkafka_perf as a replay)
rbig_ck	$records	rbig_kcat	evops replay --to T2 --checkpoint F
rbig_ck	$records	rbig_replay	evops replay --checkpoint (vs without)
rsmall_kcat	$small	rsmall_kcat	10,000: kcat -C | kcat -P
rsmall_perf	$small	rsmall_kcat	10,000: rdkafka_performance -P
rsmall_same	$small	rsmall_kcat	10,000: rdkafka_performance -P as a replay
rsmall_replay	$small	rsmall_kcat	10,000: evops replay --to T2
rsmall_ck	$small	rsmall_kcat	10,000: evops replay --checkpoint F
ROWS
)
{
  for label in "${!times[@]}"; do printf 'T\t%s\t%s\n' "$label" "${times[$label]}"; done
  printf '%s\n' "$rows" | sed 's/^/R\t/'
} | python3 -c '
import statistics, sys
times, rows = {}, []
for line in sys.stdin:
    f = line.rstrip("\n").split("\t")
    if f[0] == "T":
        times[f[1]] = sorted(float(x) for x in f[2].split())
    else:
        rows.append(f[1:])
med = {k: statistics.median(v) for k, v in times.items()}
print("\n%-62s %8s %13s %10s %8s" % ("command", "median s", "range s", "rec/s", "ratio"))
for label, n, peer, desc in rows:
    xs, m = times[label], med[label]
    ratio = "%.2fx" % (med[peer] / m) if peer in med else "-"
    print("%-62s %8.2f %6.2f-%-6.2f %10.0f %8s" % (desc[:62], m, xs[0], xs[-1], int(n) / m, ratio))
'
printf '\n%-62s %10s %12s\n' "peak memory of a whole read to /dev/null" "records" "max RSS MiB"
printf '%s\n' "$mem_rows" | while IFS=$'\t' read -r kib n desc; do printf '%-62s %10s %12.1f\n' "$desc" "$n" "$(echo "$kib / 1024" | bc -l)"; done
echo "($records records of ~300 bytes keyed by 50,000 user ids, 6 partitions, nisshi $nisshi_version on 127.0.0.1, librdkafka $version for all; median and range of $runs interleaved rounds; ratio: the peer's median over this command's; $(nproc) cores, $(date -u +%Y-%m-%d))"
