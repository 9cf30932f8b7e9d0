//! Event rates over time (`evops stats`), pure: a grid of time buckets ([`Grid`]), counts per
//! group and bucket ([`Counts`]), and the judgement of each group's latest rate against its
//! baseline ([`assess`]): `dropped`, `spiked`, `stopped` or `new`. What a group is (event type,
//! header, key, partition, topic, a jq expression) is [`group`]'s business; reading records and
//! printing rows belong to the subcommand and the printers.

pub mod group;
pub mod handoff;
pub mod memo;

use hashbrown::HashMap;

/// Bucket sizes a default may take: a range is cut into about [`TARGET_BUCKETS`] of the
/// smallest of these that is not shorter than range / TARGET_BUCKETS.
const NICE_MS: &[i64] = &[
    1_000,
    5_000,
    10_000,
    30_000,
    60_000,
    300_000,
    600_000,
    900_000,
    1_800_000,
    3_600_000,
    7_200_000,
    10_800_000,
    21_600_000,
    43_200_000,
    86_400_000,
    604_800_000,
];

/// How many buckets a range is cut into when `--every` is not given (about).
pub const TARGET_BUCKETS: i64 = 30;

/// The most buckets a grid may have (a second's buckets over a day and then some): each group
/// keeps two counters per bucket, so `--every 1ms --since 7d` would ask for gigabytes.
pub const MAX_BUCKETS: usize = 100_000;

/// The most counters (groups times buckets) one count keeps, about 320 MB: a group past it is
/// counted in [`OTHER`] (a `--by key` over a million keys in one-second buckets asked for 7 GB).
const MAX_CELLS: usize = 20_000_000;

/// The group that records of groups past the limit are counted in, one text per `--by`.
pub const OTHER: &str = "(other)";

/// The [`OTHER`] group of `by` `--by`s.
pub fn other_group(by: usize) -> Vec<String> {
    vec![OTHER.to_string(); by]
}

/// The bucket size for a range when none is given: about 30 buckets, of a size people read.
pub fn default_every(range_ms: i64) -> i64 {
    let want = range_ms.max(1).saturating_add(TARGET_BUCKETS - 1) / TARGET_BUCKETS;
    NICE_MS
        .iter()
        .copied()
        .find(|&n| n >= want)
        .unwrap_or(NICE_MS[NICE_MS.len() - 1])
}

/// A half-open window of time `[from_ms, to_ms)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from_ms: i64,
    pub to_ms: i64,
}

impl Window {
    pub fn contains(&self, ts: i64) -> bool {
        ts >= self.from_ms && ts < self.to_ms
    }

    pub fn seconds(&self) -> f64 {
        (self.to_ms - self.from_ms).max(0) as f64 / 1000.0
    }
}

/// Equal buckets that end exactly at the end of the range, so that the newest bucket is a whole
/// one (the one that is compared) and the oldest may start before the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    pub start_ms: i64,
    pub every_ms: i64,
    pub len: usize,
}

impl Grid {
    /// Buckets of `every_ms` covering `[end_ms - range_ms, end_ms)`. A range longer than a
    /// whole number of buckets by less than 1% of one (the clock moved on between reading
    /// `--since` and starting) gets no extra bucket.
    pub fn ending_at(end_ms: i64, range_ms: i64, every_ms: i64) -> Grid {
        let every_ms = every_ms.max(1);
        let len = Grid::count(range_ms, every_ms) as i64;
        Grid {
            start_ms: end_ms - len * every_ms,
            every_ms,
            len: len as usize,
        }
    }

    /// How many buckets of `every_ms` [`ending_at`](Grid::ending_at) cuts `range_ms` into, in
    /// a type that no range overflows (a wild record time can make the range most of i64).
    pub fn count(range_ms: i64, every_ms: i64) -> i128 {
        let (range, every) = (i128::from(range_ms.max(1)), i128::from(every_ms.max(1)));
        let slack = every / 100;
        ((range - slack + every - 1) / every).max(1)
    }

    pub fn end_ms(&self) -> i64 {
        self.start_ms + self.len as i64 * self.every_ms
    }

    pub fn bucket_start(&self, i: usize) -> i64 {
        self.start_ms + i as i64 * self.every_ms
    }

    /// The bucket a time falls in, if any.
    pub fn index(&self, ts: i64) -> Option<usize> {
        if ts < self.start_ms || ts >= self.end_ms() {
            return None;
        }
        Some(((ts - self.start_ms) / self.every_ms) as usize)
    }

    /// Every bucket boundary, `len + 1` of them.
    pub fn boundaries(&self) -> Vec<i64> {
        (0..=self.len).map(|i| self.bucket_start(i)).collect()
    }
}

/// One group's counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Per bucket of the grid.
    pub buckets: Vec<u64>,
    /// Key and value bytes per bucket.
    pub bytes: Vec<u64>,
    /// Inside an explicit baseline window (which may lie outside the grid).
    pub baseline: u64,
}

/// Counts per group and bucket.
#[derive(Debug, Clone)]
pub struct Counts {
    pub grid: Grid,
    /// An explicit baseline; `None`: the buckets before the compared ones.
    pub baseline: Option<Window>,
    /// Hashed: a `--by key` over a busy topic has many groups, each looked up per record.
    pub groups: HashMap<Vec<String>, Tally>,
    /// The earliest record counted: a range that starts before the data (a younger topic)
    /// has its default baseline start there, not at an empty past.
    pub first_ms: Option<i64>,
    /// Records with no timestamp (they fall in no bucket).
    pub untimed: u64,
    /// The most groups kept apart: past it, new groups are counted in [`OTHER`].
    pub limit: usize,
    /// Records (or offsets) counted in [`OTHER`] because of the limit.
    pub folded: u64,
}

impl Counts {
    pub fn new(grid: Grid, baseline: Option<Window>) -> Counts {
        Counts {
            grid,
            baseline,
            groups: HashMap::new(),
            first_ms: None,
            untimed: 0,
            limit: Counts::cells_limit(grid),
            folded: 0,
        }
    }

    /// Keep at most `n` groups apart (`--max-groups`), and never more than the counters allow.
    #[must_use]
    pub fn with_max_groups(mut self, n: usize) -> Counts {
        self.limit = n.clamp(1, Counts::cells_limit(self.grid));
        self
    }

    /// The most groups whose counters fit (20 million of them) on `grid`.
    pub fn cells_limit(grid: Grid) -> usize {
        (MAX_CELLS / grid.len.max(1)).max(1)
    }

    /// Count one record (or `n` offsets) of `group` at `ts` with `bytes` of key and value.
    pub fn add(&mut self, group: &[String], ts: Option<i64>, n: u64, bytes: u64) {
        self.add_each(group, std::iter::once((ts, n, bytes)));
    }

    /// Count records of one group, each at its time with its bytes: the group is looked up
    /// once for them all.
    pub fn add_all(&mut self, group: &[String], records: &[(Option<i64>, u64)]) {
        self.add_each(group, records.iter().map(|&(ts, bytes)| (ts, 1, bytes)));
    }

    /// Count each `(time, n, bytes)` of `group`. Its tally is made only when one of them falls
    /// in a bucket or the baseline.
    fn add_each(
        &mut self,
        group: &[String],
        each: impl Iterator<Item = (Option<i64>, u64, u64)> + Clone,
    ) {
        let Counts {
            grid,
            baseline,
            groups,
            first_ms,
            untimed,
            limit,
            folded,
        } = self;
        let place = |ts: i64| (grid.index(ts), baseline.is_some_and(|w| w.contains(ts)));
        let counted = each
            .clone()
            .any(|(ts, _, _)| ts.is_some_and(|ts| matches!(place(ts), (Some(_), _) | (_, true))));
        let (mut tally, other) = match counted.then(|| tally_in(groups, grid.len, *limit, group)) {
            Some((t, other)) => (Some(t), other),
            None => (None, false),
        };
        for (ts, n, bytes) in each {
            let Some(ts) = ts else {
                *untimed += n;
                continue;
            };
            let (bucket, in_baseline) = place(ts);
            let Some(tally) = tally.as_deref_mut() else {
                continue;
            };
            if other && (bucket.is_some() || in_baseline) {
                *folded += n;
            }
            if let Some(i) = bucket {
                *first_ms = Some(first_ms.map_or(ts, |f| f.min(ts)));
                tally.buckets[i] += n;
                tally.bytes[i] += bytes;
            }
            if in_baseline {
                tally.baseline += n;
            }
        }
    }

    /// Count `n` in bucket `i` directly (offset deltas), and in the baseline if asked.
    pub fn add_to_bucket(&mut self, group: &[String], i: usize, n: u64, baseline: bool) {
        let start = self.grid.bucket_start(i);
        if n > 0 {
            self.first_ms = Some(self.first_ms.map_or(start, |f| f.min(start)));
        }
        let (tally, other) = self.tally(group);
        tally.buckets[i] += n;
        if baseline {
            tally.baseline += n;
        }
        if other {
            self.folded += n;
        }
    }

    /// Count `n` in the explicit baseline only.
    pub fn add_to_baseline(&mut self, group: &[String], n: u64) {
        let (tally, other) = self.tally(group);
        tally.baseline += n;
        if other {
            self.folded += n;
        }
    }

    /// Move the grid one bucket on (`--watch`): the oldest bucket goes, an empty newest one
    /// comes.
    pub fn advance(&mut self) {
        self.grid.start_ms += self.grid.every_ms;
        for t in self.groups.values_mut() {
            t.buckets.remove(0);
            t.buckets.push(0);
            t.bytes.remove(0);
            t.bytes.push(0);
        }
    }

    fn tally(&mut self, group: &[String]) -> (&mut Tally, bool) {
        tally_in(&mut self.groups, self.grid.len, self.limit, group)
    }
}

/// The tally of `group` in `groups`, made (with `len` empty buckets) when new; once `limit`
/// groups are kept, a new one is counted in [`OTHER`] (then `true`). Looked up by the borrowed
/// group, hashed once below the limit: only a new group allocates its key.
fn tally_in<'g>(
    groups: &'g mut HashMap<Vec<String>, Tally>,
    len: usize,
    limit: usize,
    group: &[String],
) -> (&'g mut Tally, bool) {
    let new = || Tally {
        buckets: vec![0; len],
        bytes: vec![0; len],
        baseline: 0,
    };
    if groups.len() < limit || groups.contains_key(group) {
        return (groups.entry_ref(group).or_insert_with(new), false);
    }
    // Records already held as `OTHER` (a file's records, held before bucketing) are not
    // folded again.
    let folded = !group.iter().all(|g| g == OTHER);
    (
        groups.entry(other_group(group.len())).or_insert_with(new),
        folded,
    )
}

/// When a group is flagged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rules {
    /// `dropped` below this fraction of the baseline rate (0.5 for `--drop 50%`).
    pub drop: f64,
    /// `spiked` above this fraction of the baseline rate (3.0 for `--spike 300%`).
    pub spike: f64,
    /// How many of the newest buckets are compared with the baseline.
    pub last: usize,
    /// A group is judged only when the baseline predicts at least this many records in the
    /// compared buckets, or they hold at least this many: rare types do not flap.
    pub min_count: u64,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            drop: 0.5,
            spike: 3.0,
            last: 1,
            min_count: 5,
        }
    }
}

/// What a group's latest rate says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    Dropped,
    Spiked,
    Stopped,
    New,
}

impl Flag {
    pub fn name(self) -> &'static str {
        match self {
            Flag::Dropped => "dropped",
            Flag::Spiked => "spiked",
            Flag::Stopped => "stopped",
            Flag::New => "new",
        }
    }
}

/// One group, judged.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub group: Vec<String>,
    /// Over the grid.
    pub total: u64,
    pub bytes: u64,
    pub buckets: Vec<u64>,
    /// In the compared (newest) buckets.
    pub current: u64,
    /// Per second, in the compared buckets.
    pub rate: f64,
    /// In the baseline window.
    pub baseline: u64,
    pub baseline_rate: f64,
    /// The rate's change against the baseline rate, in percent; `None` without a baseline rate.
    pub change_pct: Option<f64>,
    pub flag: Option<Flag>,
}

/// Every group judged, with the windows compared.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub grid: Grid,
    pub current: Window,
    pub baseline: Window,
    pub rows: Vec<Row>,
}

impl Assessment {
    pub fn flagged(&self) -> usize {
        self.rows.iter().filter(|r| r.flag.is_some()).count()
    }
}

/// Judge every group's newest `rules.last` buckets against its baseline.
pub fn assess(counts: &Counts, rules: &Rules) -> Assessment {
    let grid = counts.grid;
    let last = rules.last.clamp(1, grid.len);
    let split = grid.len - last;
    let current = Window {
        from_ms: grid.bucket_start(split),
        to_ms: grid.end_ms(),
    };
    let baseline = counts.baseline.unwrap_or(Window {
        // Data younger than the compared buckets leaves an empty baseline, not one that ends
        // before it starts.
        from_ms: counts
            .first_ms
            .map_or(grid.start_ms, |f| f.max(grid.start_ms))
            .min(current.from_ms),
        to_ms: current.from_ms,
    });
    let mut groups: Vec<_> = counts.groups.iter().collect();
    groups.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let rows = groups
        .into_iter()
        .map(|(group, t)| {
            let base = match counts.baseline {
                Some(_) => t.baseline,
                None => t.buckets[..split].iter().sum(),
            };
            judge(
                group,
                t,
                &t.buckets[split..],
                base,
                current,
                baseline,
                rules,
            )
        })
        .collect();
    Assessment {
        grid,
        current,
        baseline,
        rows,
    }
}

fn judge(
    group: &[String],
    t: &Tally,
    newest: &[u64],
    base: u64,
    current: Window,
    baseline: Window,
    rules: &Rules,
) -> Row {
    let now: u64 = newest.iter().sum();
    let rate = now as f64 / current.seconds().max(f64::MIN_POSITIVE);
    let base_secs = baseline.seconds();
    let base_rate = if base_secs > 0.0 {
        base as f64 / base_secs
    } else {
        0.0
    };
    let change_pct = (base_rate > 0.0).then(|| (rate / base_rate - 1.0) * 100.0);
    let expected = base_rate * current.seconds();
    let judged = base_secs > 0.0 && (expected >= rules.min_count as f64 || now >= rules.min_count);
    let flag = if !judged {
        None
    } else if base == 0 {
        (now > 0).then_some(Flag::New)
    } else if now == 0 {
        Some(Flag::Stopped)
    } else if rate < rules.drop * base_rate {
        Some(Flag::Dropped)
    } else if rate > rules.spike * base_rate {
        Some(Flag::Spiked)
    } else {
        None
    };
    Row {
        group: group.to_vec(),
        total: t.buckets.iter().sum(),
        bytes: t.bytes.iter().sum(),
        buckets: t.buckets.clone(),
        current: now,
        rate,
        baseline: base,
        baseline_rate: base_rate,
        change_pct,
        flag,
    }
}

/// A `--sample-rate` estimate: `kept` records of a Bernoulli sample at `rate` scaled back, and
/// the half-width of its 95% interval (1.96 standard deviations of the binomial count, scaled).
pub fn estimate(kept: u64, rate: f64) -> (u64, u64) {
    if rate >= 1.0 {
        return (kept, 0);
    }
    let n = kept as f64;
    let total = n / rate;
    let sd = (n * (1.0 - rate)).sqrt() / rate;
    (total.round() as u64, (1.96 * sd).ceil() as u64)
}

/// Scale every count of an assessment by `1 / rate` (a sampled read).
pub fn scale(a: &mut Assessment, rate: f64) {
    if rate >= 1.0 {
        return;
    }
    let up = |n: u64| estimate(n, rate).0;
    for r in &mut a.rows {
        r.total = up(r.total);
        r.bytes = up(r.bytes);
        r.current = up(r.current);
        r.baseline = up(r.baseline);
        r.rate /= rate;
        r.baseline_rate /= rate;
        for b in &mut r.buckets {
            *b = up(*b);
        }
    }
}

/// A unicode sparkline of bucket counts: `·` for none, then eight heights up to the largest.
pub fn sparkline(buckets: &[u64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = buckets.iter().copied().max().unwrap_or(0);
    buckets
        .iter()
        .map(|&n| {
            if n == 0 {
                '·'
            } else {
                let i = ((n as f64 / max as f64) * 7.0).round() as usize;
                BARS[i.min(7)]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;
    const END: i64 = 1_763_892_000_000;

    fn g(s: &str) -> Vec<String> {
        vec![s.to_string()]
    }

    /// Six hourly buckets ending at END, with `per_hour[i]` records of `name` in bucket i.
    fn counts(series: &[(&str, [u64; 6])]) -> Counts {
        let mut c = Counts::new(Grid::ending_at(END, 6 * H, H), None);
        for (name, per_hour) in series {
            for (i, &n) in per_hour.iter().enumerate() {
                for k in 0..n {
                    let ts = END - 6 * H + i as i64 * H + (k as i64 * 1000) % H;
                    c.add(&g(name), Some(ts), 1, 10);
                }
            }
        }
        c
    }

    fn flag_of(a: &Assessment, name: &str) -> Option<Flag> {
        a.rows.iter().find(|r| r.group == g(name)).unwrap().flag
    }

    /// Records counted together (one lookup of their group) count as each alone: in buckets,
    /// the baseline, untimed, the first time; a group none of whose records falls anywhere gets
    /// no row.
    #[test]
    fn records_counted_together_count_as_each_alone() {
        let base = Window {
            from_ms: END - 9 * H,
            to_ms: END - 5 * H,
        };
        let records = [
            (Some(END - 2 * H), 10),
            (None, 3),
            (Some(END - 8 * H), 5),
            (Some(END - 5 * H + 1), 7),
            (Some(END + H), 1),
            (Some(END - H), 2),
        ];
        let mut one = Counts::new(Grid::ending_at(END, 6 * H, H), Some(base));
        let mut all = one.clone();
        for &(ts, bytes) in &records {
            one.add(&g("a"), ts, 1, bytes);
        }
        all.add_all(&g("a"), &records);
        all.add_all(&g("late"), &[(Some(END + H), 1), (Some(END + 2 * H), 1)]);
        assert_eq!(all.groups, one.groups);
        assert_eq!((all.first_ms, all.untimed), (Some(END - 5 * H + 1), 1));
        assert_eq!((one.first_ms, one.untimed), (all.first_ms, all.untimed));
        assert!(!all.groups.contains_key(&g("late")));
    }

    #[test]
    fn default_bucket_sizes_give_about_thirty_buckets() {
        assert_eq!(default_every(24 * H), H);
        assert_eq!(default_every(6 * H), 900_000);
        assert_eq!(default_every(H), 300_000);
        assert_eq!(default_every(60_000), 5_000);
        assert_eq!(default_every(7 * 24 * H), 21_600_000);
    }

    #[test]
    fn the_grid_ends_at_the_end_of_the_range() {
        let grid = Grid::ending_at(END, 90 * 60_000, H);
        assert_eq!(grid.len, 2);
        assert_eq!(grid.end_ms(), END);
        assert_eq!(grid.start_ms, END - 2 * H);
        assert_eq!(grid.index(END - 1), Some(1));
        assert_eq!(grid.index(END), None);
        assert_eq!(grid.index(END - 2 * H), Some(0));
        assert_eq!(grid.index(END - 2 * H - 1), None);
        assert_eq!(grid.boundaries(), [END - 2 * H, END - H, END]);
        assert_eq!(Grid::ending_at(END, 24 * H + 5, H).len, 24);
        assert_eq!(Grid::ending_at(END, 24 * H + 60_000, H).len, 25);
    }

    #[test]
    fn every_flag_and_the_quiet_ones() {
        let c = counts(&[
            ("steady", [60, 60, 60, 60, 60, 58]),
            ("stopped", [20, 20, 20, 20, 20, 0]),
            ("dropped", [40, 40, 40, 40, 40, 10]),
            ("spiked", [10, 10, 10, 10, 10, 50]),
            ("new", [0, 0, 0, 0, 0, 12]),
            ("rare", [1, 0, 1, 0, 0, 0]),
        ]);
        let a = assess(&c, &Rules::default());
        assert_eq!(flag_of(&a, "steady"), None);
        assert_eq!(flag_of(&a, "stopped"), Some(Flag::Stopped));
        assert_eq!(flag_of(&a, "dropped"), Some(Flag::Dropped));
        assert_eq!(flag_of(&a, "spiked"), Some(Flag::Spiked));
        assert_eq!(flag_of(&a, "new"), Some(Flag::New));
        assert_eq!(flag_of(&a, "rare"), None, "below --min-count: not judged");
        assert_eq!(a.flagged(), 4);
        let d = a.rows.iter().find(|r| r.group == g("dropped")).unwrap();
        assert_eq!((d.total, d.current, d.baseline), (210, 10, 200));
        assert_eq!(d.bytes, 2100);
        assert!((d.change_pct.unwrap() + 75.0).abs() < 1e-9, "{d:?}");
        assert!((d.rate - 10.0 / 3600.0).abs() < 1e-12);
    }

    #[test]
    fn thresholds_are_the_rules() {
        let dropping = counts(&[("x", [40, 40, 40, 40, 40, 21])]);
        let rising = counts(&[("x", [10, 10, 10, 10, 10, 30])]);
        let rare = counts(&[("x", [3, 3, 3, 3, 3, 0])]);
        let rules = |change: fn(&mut Rules)| {
            let mut r = Rules::default();
            change(&mut r);
            r
        };
        let default = rules(|_| ());
        let cases = [
            ("dropping, default", &dropping, default, None),
            (
                "dropping, drop 0.6",
                &dropping,
                rules(|r| r.drop = 0.6),
                Some(Flag::Dropped),
            ),
            ("rising, default", &rising, default, None),
            (
                "rising, spike 2",
                &rising,
                rules(|r| r.spike = 2.0),
                Some(Flag::Spiked),
            ),
            ("rare, default", &rare, default, None),
            (
                "rare, min count 3",
                &rare,
                rules(|r| r.min_count = 3),
                Some(Flag::Stopped),
            ),
        ];
        for (name, c, rules, want) in cases {
            assert_eq!(flag_of(&assess(c, &rules), "x"), want, "{name}");
        }
    }

    #[test]
    fn stopped_means_none_in_the_last_n_buckets() {
        let c = counts(&[("x", [20, 20, 20, 20, 0, 0])]);
        let two = Rules {
            last: 2,
            ..Rules::default()
        };
        assert_eq!(flag_of(&assess(&c, &two), "x"), Some(Flag::Stopped));
        let c = counts(&[("x", [20, 20, 20, 20, 10, 0])]);
        let a = assess(&c, &two);
        assert_eq!(a.current.from_ms, END - 2 * H);
        assert_eq!(flag_of(&a, "x"), Some(Flag::Dropped));
    }

    #[test]
    fn the_default_baseline_starts_at_the_first_record() {
        // A topic younger than the range: two hours of data in a six-hour range.
        let c = counts(&[("x", [0, 0, 0, 0, 30, 30])]);
        let a = assess(&c, &Rules::default());
        assert_eq!(a.baseline.from_ms, END - 2 * H);
        assert_eq!(a.baseline.to_ms, END - H);
        assert_eq!(flag_of(&a, "x"), None);
        assert!((a.rows[0].change_pct.unwrap()).abs() < 1e-9);
    }

    /// Regression: data that all falls in the compared bucket gave a baseline window that ended
    /// before it started (`from` the first record, `to` the compared bucket's start).
    #[test]
    fn data_younger_than_the_compared_buckets_has_an_empty_baseline() {
        let mut c = Counts::new(Grid::ending_at(END, 6 * H, H), None);
        c.add(&g("x"), Some(END - H / 2), 10, 1);
        let a = assess(&c, &Rules::default());
        assert_eq!(a.baseline.from_ms, a.baseline.to_ms);
        assert_eq!(a.baseline.to_ms, END - H);
        // Nothing before it to compare with: no flag, as with a single bucket.
        assert_eq!(a.rows[0].flag, None);
    }

    #[test]
    fn groups_come_out_in_order() {
        let mut c = Counts::new(Grid::ending_at(END, 2 * H, H), None);
        for name in ["b", "c", "a"] {
            c.add(&g(name), Some(END - 1), 1, 1);
        }
        let a = assess(&c, &Rules::default());
        let names: Vec<&str> = a.rows.iter().map(|r| r.group[0].as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
    }

    #[test]
    fn an_explicit_baseline_may_lie_before_the_grid() {
        let grid = Grid::ending_at(END, 2 * H, H);
        let base = Window {
            from_ms: END - 26 * H,
            to_ms: END - 25 * H,
        };
        let mut c = Counts::new(grid, Some(base));
        for i in 0..100 {
            c.add(&g("x"), Some(END - 26 * H + i * 1000), 1, 1);
        }
        for i in 0..20 {
            c.add(&g("x"), Some(END - H + i * 1000), 1, 1);
        }
        c.add(&g("x"), Some(END - 30 * H), 1, 1); // neither
        c.add(&g("x"), None, 1, 1);
        let a = assess(&c, &Rules::default());
        let r = &a.rows[0];
        assert_eq!((r.total, r.baseline, r.current), (20, 100, 20));
        assert_eq!(r.flag, Some(Flag::Dropped));
        assert_eq!(c.untimed, 1);
    }

    #[test]
    fn a_single_bucket_has_nothing_to_compare() {
        let mut c = Counts::new(Grid::ending_at(END, H, H), None);
        c.add(&g("x"), Some(END - 1), 100, 1);
        let a = assess(&c, &Rules::default());
        assert_eq!(a.rows[0].flag, None);
        assert_eq!(a.rows[0].change_pct, None);
    }

    #[test]
    fn sampled_counts_scale_back_with_an_error_bound() {
        assert_eq!(estimate(100, 0.1), (1000, 186));
        assert_eq!(estimate(7, 1.0), (7, 0));
        assert_eq!(estimate(0, 0.01), (0, 0));
    }

    #[test]
    fn sparklines_show_shape_and_silence() {
        assert_eq!(sparkline(&[0, 1, 2, 4, 8]), "·▂▃▅█");
        assert_eq!(sparkline(&[5, 5, 0]), "██·");
        assert_eq!(sparkline(&[]), "");
    }

    #[test]
    fn groups_past_the_limit_are_counted_as_other() {
        let g = |k: &str| vec![k.to_string(), "p".to_string()];
        let mut c = Counts::new(Grid::ending_at(END, 6 * H, H), None).with_max_groups(2);
        for k in ["a", "b", "c", "a", "d"] {
            c.add(&g(k), Some(END - 1), 1, 10);
        }
        // Untimed and out-of-range records are not counted, so they are not folded.
        c.add(&g("e"), None, 1, 1);
        c.add(&g("f"), Some(END + H), 1, 1);
        c.add_all(&g("c"), &[(Some(END - 1), 1), (Some(END - 2), 1)]);
        let other = other_group(2);
        assert_eq!(c.groups[&g("a")].buckets[5], 2);
        assert_eq!(c.groups[&other].buckets[5], 4);
        assert_eq!(c.groups.len(), 3);
        assert_eq!(c.folded, 4);
        c.add_to_bucket(&g("z"), 0, 7, false);
        c.add_to_baseline(&g("y"), 3);
        assert_eq!(
            (c.groups[&other].buckets[0], c.groups[&other].baseline),
            (7, 3)
        );
        assert_eq!(c.folded, 14);
    }

    #[test]
    fn the_counters_bound_the_groups_whatever_max_groups_says() {
        let fine = Grid::ending_at(END, 100 * 1000, 1);
        assert_eq!(fine.len, MAX_BUCKETS);
        let c = Counts::new(fine, None).with_max_groups(usize::MAX);
        assert_eq!(c.limit, MAX_CELLS / MAX_BUCKETS);
        assert_eq!(Counts::new(fine, None).with_max_groups(0).limit, 1);
        let coarse = Grid::ending_at(END, 6 * H, H);
        assert_eq!(Counts::new(coarse, None).with_max_groups(10).limit, 10);
    }
}
