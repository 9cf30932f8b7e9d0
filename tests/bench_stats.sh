#!/usr/bin/env bash
# Benchmark (not a timed test): `stats --by type` against `filter --count` on the same topic,
# paired, in one run.
#
#   bash tests/bench_stats.sh [ROUNDS] [RECORDS]     # defaults 31 and 1000000
#
# Produces RECORDS of tests/bench.sh's events into a 6-partition topic on a fresh nisshi that
# holds nothing else, then runs both commands once per round, in turns (count first in odd
# rounds, stats first in even ones, so neither always follows the other). The two differ by less
# than this machine's noise, which five rounds of bench.sh cannot tell apart: each round gives a
# ratio (the count's seconds over stats'), and the script prints the medians and ranges of both,
# the ratio of the medians, the median and quartiles of the per-round ratios, and how many rounds
# stats won.
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/broker.sh
source tests/bench_lib.sh

rounds="${1:-31}"
records="${2:-1000000}"
bench_setup
start_broker
topic="bench-$$"
create_topic "$topic" 6
say "producing $records events with kcat"
bench_events "$records" | kcat_ -P -b "$BROKER" -t "$topic" -K $'\t' -X partitioner=murmur2_random -X linger.ms=50 -X batch.num.messages=10000
counted=$("$evops" -b "$BROKER" filter "$topic" --count)
typed=$("$evops" -b "$BROKER" stats "$topic" --since 1d --by type -f json | python3 -c 'import json, sys; print(sum(json.loads(l)["total"] for l in sys.stdin))')
[ "$counted" -eq "$records" ] && [ "$typed" -eq "$records" ] || { echo "counted $counted, by type $typed, of $records" >&2; exit 2; }

count() { secs "$evops" -b "$BROKER" filter "$topic" --count; }
stats() { secs "$evops" -b "$BROKER" stats "$topic" --since 1d --by type -f json; }
say "timing $rounds paired rounds"
pairs=()
for round in $(seq 1 "$rounds"); do
  if ((round % 2)); then c=$(count); s=$(stats); else s=$(stats); c=$(count); fi
  pairs+=("$c,$s")
done
python3 - "$records" "$rounds" "$(nproc)" "$nisshi_version" "$version" "${pairs[@]}" <<'PY'
import statistics as st, sys
records, rounds, cores, nisshi, librdkafka = sys.argv[1:6]
pairs = [tuple(float(x) for x in p.split(",")) for p in sys.argv[6:]]
c = [p[0] for p in pairs]; s = [p[1] for p in pairs]; r = [a / b for a, b in pairs]
q = st.quantiles(r, n=4)
print("\n%-44s %8s %13s" % ("command", "median s", "range s"))
print("%-44s %8.3f %6.2f-%-6.2f" % ("evops filter --count", st.median(c), min(c), max(c)))
print("%-44s %8.3f %6.2f-%-6.2f" % ("evops stats --since 1d --by type", st.median(s), min(s), max(s)))
print("ratio of the medians (count over stats)         %.3fx" % (st.median(c) / st.median(s)))
print("per-round ratio: median %.3fx, quartiles %.3fx-%.3fx, range %.2fx-%.2fx"
      % (st.median(r), q[0], q[2], min(r), max(r)))
print("stats faster in %d of %d rounds" % (sum(1 for x in r if x > 1), len(r)))
print("(%s records, 6 partitions, nisshi %s on 127.0.0.1, librdkafka %s; %s paired rounds; %s cores)"
      % (records, nisshi, librdkafka, rounds, cores))
PY
