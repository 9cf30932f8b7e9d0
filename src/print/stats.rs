//! How `evops stats` looks: a table for people (tabled, with a sparkline per group), JSON lines
//! (one object per group, a documented contract: see the README's "stats JSON" section), CSV
//! (one row per group, one column per bucket) and the Prometheus text exposition format (for
//! node_exporter's textfile collector). Each takes the judged rows and writes to any `Write`.

use std::io::Write;

use serde_json::{json, Map, Value};

use crate::position::format_millis;
use crate::stats::{sparkline, Assessment, Row};

/// What was counted: records read, or offset deltas (no record read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    Records,
    /// Offsets between the broker's offsets for the bucket boundaries: compaction, transaction
    /// markers and producer clocks that go back make them differ from records.
    Offsets,
}

impl Counted {
    pub fn name(self) -> &'static str {
        match self {
            Counted::Records => "records",
            Counted::Offsets => "offsets",
        }
    }
}

/// Everything a printer shows besides the rows.
#[derive(Debug, Clone)]
pub struct Meta {
    /// The `--by` names, one per group column.
    pub by: Vec<String>,
    pub counted: Counted,
    /// `--sample-rate`, when counts are estimates.
    pub sample_rate: Option<f64>,
    /// Escape control characters (a terminal).
    pub terminal: bool,
}

/// A duration to the second, for people.
fn human_ms(ms: i64) -> String {
    let secs = (ms.max(0) + 500) / 1000;
    humantime::format_duration(std::time::Duration::from_secs(secs as u64)).to_string()
}

/// A time to the second, for people (`2026-11-23T10:00:00Z`).
fn human_time(ms: i64) -> String {
    let t = format_millis(ms);
    format!("{}Z", &t[..19])
}

fn show(s: &str, terminal: bool) -> String {
    if terminal {
        crate::print::escape::for_terminal(s).into_owned()
    } else {
        s.to_string()
    }
}

fn rate(r: f64) -> String {
    if r == 0.0 {
        "0".into()
    } else if r >= 10.0 {
        format!("{r:.0}")
    } else if r >= 0.1 {
        format!("{r:.2}")
    } else {
        format!("{r:.4}")
    }
}

fn change(c: Option<f64>) -> String {
    c.map_or("-".into(), |c| format!("{c:+.0}%"))
}

/// The table, with a caption saying what is counted and what is compared.
pub fn table(a: &Assessment, m: &Meta, out: &mut dyn Write) -> std::io::Result<()> {
    let g = a.grid;
    let estimate = if m.sample_rate.is_some() {
        " (estimated from a sample)"
    } else {
        ""
    };
    writeln!(
        out,
        "{} per {} bucket{estimate}, {} to {}; the last {} against the {} before (baseline {} to {})",
        m.counted.name(),
        human_ms(g.every_ms),
        human_time(g.start_ms),
        human_time(g.end_ms()),
        human_ms(a.current.to_ms - a.current.from_ms),
        human_ms(a.baseline.to_ms - a.baseline.from_ms),
        human_time(a.baseline.from_ms),
        human_time(a.baseline.to_ms),
    )?;
    let mut header: Vec<&str> = m.by.iter().map(String::as_str).collect();
    header.extend(["total", "rate/s", "baseline/s", "change", "flag", "buckets"]);
    let rows: Vec<Vec<String>> = a
        .rows
        .iter()
        .map(|r| {
            let mut cells: Vec<String> = r.group.iter().map(|s| show(s, m.terminal)).collect();
            cells.extend([
                r.total.to_string(),
                rate(r.rate),
                rate(r.baseline_rate),
                change(r.change_pct),
                r.flag.map_or(String::new(), |f| f.name().to_uppercase()),
                sparkline(&r.buckets),
            ]);
            cells
        })
        .collect();
    writeln!(out, "{}", crate::print::table::render(&header, &rows, None))?;
    let flagged = a.flagged();
    if flagged > 0 {
        writeln!(out, "{flagged} of {} groups flagged", a.rows.len())?;
    }
    Ok(())
}

/// One JSON object per group (the stable contract, documented in the README), the same text
/// as [`json_row`] serialized, written straight out: what every row shares (the bucket starts,
/// the windows) is formatted once, so that 50,000 groups (`--by key`) print in a blink rather
/// than as 50,000 trees of small maps.
pub fn json(a: &Assessment, m: &Meta, out: &mut dyn Write) -> std::io::Result<()> {
    let shared = SharedJson::new(a, m);
    let mut line = Vec::new();
    for r in &a.rows {
        line.clear();
        shared.row(m, r, &mut line);
        line.push(b'\n');
        out.write_all(&line)?;
    }
    Ok(())
}

/// The JSON text every row of one assessment has in common.
struct SharedJson {
    /// `"counted":…,` up to the row's own numbers.
    counted: String,
    /// From `"every_ms"` to the opening of `"buckets"`.
    windows: String,
    /// Each bucket's `{"start":"…","count":` prefix.
    starts: Vec<String>,
    /// Whether `bytes` is given (records were read).
    bytes: bool,
}

impl SharedJson {
    fn new(a: &Assessment, m: &Meta) -> SharedJson {
        let window = |from, to| {
            format!(
                "{{\"from\":{},\"to\":{}}}",
                Value::from(format_millis(from)),
                Value::from(format_millis(to))
            )
        };
        SharedJson {
            counted: format!(",\"counted\":{}", Value::from(m.counted.name())),
            windows: format!(
                ",\"every_ms\":{},\"current_window\":{},\"baseline_window\":{},\"buckets\":[",
                a.grid.every_ms,
                window(a.current.from_ms, a.current.to_ms),
                window(a.baseline.from_ms, a.baseline.to_ms)
            ),
            starts: (0..a.grid.len)
                .map(|i| {
                    let start = Value::from(format_millis(a.grid.bucket_start(i)));
                    format!("{{\"start\":{start},\"count\":")
                })
                .collect(),
            bytes: m.counted == Counted::Records,
        }
    }

    fn row(&self, m: &Meta, r: &Row, out: &mut Vec<u8>) {
        /// A member after the first, its value written as serde_json writes it (floats in
        /// their shortest form, non-finite ones as null).
        fn put(out: &mut Vec<u8>, name: &str, v: &impl serde::Serialize) {
            out.extend_from_slice(b",\"");
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"\":");
            serde_json::to_writer(out, v).expect("JSON serializes");
        }
        out.extend_from_slice(b"{\"group\":{");
        for (i, (name, v)) in m.by.iter().zip(&r.group).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            serde_json::to_writer(&mut *out, name).expect("JSON serializes");
            out.push(b':');
            serde_json::to_writer(&mut *out, v).expect("JSON serializes");
        }
        out.push(b'}');
        out.extend_from_slice(self.counted.as_bytes());
        put(out, "total", &r.total);
        put(out, "bytes", &self.bytes.then_some(r.bytes));
        put(out, "current", &r.current);
        put(out, "rate", &r.rate);
        put(out, "baseline", &r.baseline);
        put(out, "baseline_rate", &r.baseline_rate);
        put(out, "change_pct", &r.change_pct);
        put(out, "flag", &r.flag.map(crate::stats::Flag::name));
        out.extend_from_slice(self.windows.as_bytes());
        let mut n = itoa::Buffer::new();
        for (i, (start, count)) in self.starts.iter().zip(&r.buckets).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(start.as_bytes());
            out.extend_from_slice(n.format(*count).as_bytes());
            out.push(b'}');
        }
        out.push(b']');
        if let Some(rate) = m.sample_rate {
            put(out, "sample_rate", &rate);
            let error = crate::stats::estimate((r.total as f64 * rate).round() as u64, rate).1;
            put(out, "total_error", &error);
        }
        out.push(b'}');
    }
}

/// One group as its JSON object.
pub fn json_row(a: &Assessment, m: &Meta, r: &Row) -> Value {
    let mut group = Map::new();
    for (name, v) in m.by.iter().zip(&r.group) {
        group.insert(name.clone(), Value::String(v.clone()));
    }
    let buckets: Vec<Value> = r
        .buckets
        .iter()
        .enumerate()
        .map(|(i, n)| json!({"start": format_millis(a.grid.bucket_start(i)), "count": n}))
        .collect();
    let mut v = json!({
        "group": group,
        "counted": m.counted.name(),
        "total": r.total,
        "bytes": (m.counted == Counted::Records).then_some(r.bytes),
        "current": r.current,
        "rate": r.rate,
        "baseline": r.baseline,
        "baseline_rate": r.baseline_rate,
        "change_pct": r.change_pct,
        "flag": r.flag.map(super::super::stats::Flag::name),
        "every_ms": a.grid.every_ms,
        "current_window": {"from": format_millis(a.current.from_ms), "to": format_millis(a.current.to_ms)},
        "baseline_window": {"from": format_millis(a.baseline.from_ms), "to": format_millis(a.baseline.to_ms)},
        "buckets": buckets,
    });
    if let Some(rate) = m.sample_rate {
        v["sample_rate"] = json!(rate);
        v["total_error"] =
            json!(crate::stats::estimate((r.total as f64 * rate).round() as u64, rate).1);
    }
    v
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// CSV: a header, then one row per group with one column per bucket (named by its start).
pub fn csv(a: &Assessment, m: &Meta, out: &mut dyn Write) -> std::io::Result<()> {
    let mut header: Vec<String> = m.by.iter().map(|b| csv_field(b)).collect();
    header.extend(
        ["total", "rate", "baseline_rate", "change_pct", "flag"]
            .iter()
            .map(std::string::ToString::to_string),
    );
    header.extend((0..a.grid.len).map(|i| format_millis(a.grid.bucket_start(i))));
    writeln!(out, "{}", header.join(","))?;
    for r in &a.rows {
        let mut cells: Vec<String> = r.group.iter().map(|s| csv_field(s)).collect();
        cells.push(r.total.to_string());
        cells.push(r.rate.to_string());
        cells.push(r.baseline_rate.to_string());
        cells.push(r.change_pct.map_or(String::new(), |c| c.to_string()));
        cells.push(r.flag.map_or("", |f| f.name()).to_string());
        cells.extend(r.buckets.iter().map(u64::to_string));
        writeln!(out, "{}", cells.join(","))?;
    }
    Ok(())
}

/// A Prometheus label name for a `--by`: `type`, `header_producer`, `key`, ...; an expression
/// becomes `group`.
fn label(by: &str, i: usize) -> String {
    let s: String = by
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if by.starts_with('.') || s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("group{i}")
    } else {
        s
    }
}

fn label_value(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The Prometheus text exposition format: the compared rate, the baseline rate, the total over
/// the range, and a 0/1 gauge per flag.
pub fn prometheus(a: &Assessment, m: &Meta, out: &mut dyn Write) -> std::io::Result<()> {
    let labels = |r: &Row| -> String {
        m.by.iter()
            .enumerate()
            .zip(&r.group)
            .map(|((i, b), v)| format!("{}=\"{}\"", label(b, i), label_value(v)))
            .collect::<Vec<_>>()
            .join(",")
    };
    let metric = |out: &mut dyn Write, name: &str, help: &str, value: &dyn Fn(&Row) -> String| {
        writeln!(out, "# HELP evops_stats_{name} {help}")?;
        writeln!(out, "# TYPE evops_stats_{name} gauge")?;
        for r in &a.rows {
            writeln!(out, "evops_stats_{name}{{{}}} {}", labels(r), value(r))?;
        }
        Ok::<(), std::io::Error>(())
    };
    let what = m.counted.name();
    metric(
        out,
        "rate_per_second",
        &format!("{what} per second in the newest buckets compared"),
        &|r| r.rate.to_string(),
    )?;
    metric(
        out,
        "baseline_rate_per_second",
        &format!("{what} per second in the baseline"),
        &|r| r.baseline_rate.to_string(),
    )?;
    metric(
        out,
        "total",
        &format!("{what} over the whole range"),
        &|r| r.total.to_string(),
    )?;
    writeln!(
        out,
        "# HELP evops_stats_flagged 1 when the group is flagged (dropped, spiked, stopped, new)"
    )?;
    writeln!(out, "# TYPE evops_stats_flagged gauge")?;
    for r in &a.rows {
        let l = labels(r);
        let sep = if l.is_empty() { "" } else { "," };
        for f in ["dropped", "spiked", "stopped", "new"] {
            let on = r.flag.is_some_and(|x| x.name() == f);
            writeln!(
                out,
                "evops_stats_flagged{{{l}{sep}flag=\"{f}\"}} {}",
                u8::from(on)
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{assess, Counts, Grid, Rules};

    const H: i64 = 3_600_000;
    const END: i64 = 1_763_892_000_000;

    fn assessment() -> Assessment {
        let mut c = Counts::new(Grid::ending_at(END, 3 * H, H), None);
        let g = |s: &str| vec![s.to_string(), "kotlin-api".to_string()];
        for (i, n) in [10u64, 10, 0].iter().enumerate() {
            c.add(&g("a\"b"), Some(END - 3 * H + i as i64 * H), *n, 5 * n);
        }
        c.add(&g("steady"), Some(END - 3 * H), 10, 0);
        c.add(&g("steady"), Some(END - 2 * H), 10, 0);
        c.add(&g("steady"), Some(END - 1), 10, 0);
        assess(&c, &Rules::default())
    }

    fn meta() -> Meta {
        Meta {
            by: vec!["type".into(), "header:producer".into()],
            counted: Counted::Records,
            sample_rate: None,
            terminal: false,
        }
    }

    fn text(f: fn(&Assessment, &Meta, &mut dyn Write) -> std::io::Result<()>) -> String {
        let mut out = Vec::new();
        f(&assessment(), &meta(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The rows written straight out are, byte for byte, the trees of `json_row` serialized
    /// (which `--watch` prints), with and without a sample rate, counting offsets or records.
    #[test]
    fn json_lines_are_the_json_rows_serialized() {
        let a = assessment();
        for (counted, sample_rate) in [
            (Counted::Records, None),
            (Counted::Offsets, None),
            (Counted::Records, Some(0.25)),
        ] {
            let m = Meta {
                counted,
                sample_rate,
                ..meta()
            };
            let mut out = Vec::new();
            json(&a, &m, &mut out).unwrap();
            let mut want = String::new();
            for r in &a.rows {
                want += &json_row(&a, &m, r).to_string();
                want.push('\n');
            }
            assert_eq!(String::from_utf8(out).unwrap(), want);
        }
    }

    #[test]
    fn json_is_one_object_per_group_with_every_bucket() {
        let t = text(json);
        let rows: Vec<Value> = t
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(rows.len(), 2);
        let r = &rows[0];
        assert_eq!(r["group"]["type"], "a\"b");
        assert_eq!(r["group"]["header:producer"], "kotlin-api");
        assert_eq!(r["flag"], "stopped");
        assert_eq!(r["total"], 20);
        assert_eq!(r["bytes"], 100);
        assert_eq!(r["counted"], "records");
        assert_eq!(r["buckets"][2]["count"], 0);
        assert_eq!(r["buckets"][0]["start"], "2025-11-23T07:00:00.000Z");
        assert_eq!(rows[1]["flag"], Value::Null);
        assert_eq!(rows[1]["change_pct"], 0.0);
    }

    #[test]
    fn csv_has_a_column_per_bucket_and_quotes_what_needs_it() {
        let t = text(csv);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "type,header:producer,total,rate,baseline_rate,change_pct,flag,2025-11-23T07:00:00.000Z,2025-11-23T08:00:00.000Z,2025-11-23T09:00:00.000Z");
        assert!(
            lines[1].starts_with("\"a\"\"b\",kotlin-api,20,0,"),
            "{}",
            lines[1]
        );
        assert!(lines[1].ends_with(",stopped,10,10,0"), "{}", lines[1]);
    }

    #[test]
    fn prometheus_labels_are_escaped_and_flags_are_gauges() {
        let t = text(prometheus);
        assert!(
            t.contains("# TYPE evops_stats_rate_per_second gauge"),
            "{t}"
        );
        assert!(
            t.contains("evops_stats_flagged{type=\"a\\\"b\",header_producer=\"kotlin-api\",flag=\"stopped\"} 1"),
            "{t}"
        );
        assert!(
            t.contains("evops_stats_total{type=\"steady\",header_producer=\"kotlin-api\"} 30"),
            "{t}"
        );
    }

    #[test]
    fn the_table_has_a_caption_a_flag_and_a_sparkline() {
        let t = text(table);
        assert!(t.starts_with("records per 1h bucket, 2025-11-23T07:00:00Z to 2025-11-23T10:00:00Z; the last 1h against the 2h before"), "{t}");
        assert!(t.contains("STOPPED"), "{t}");
        assert!(t.contains("██·"), "{t}");
        assert!(t.contains("1 of 2 groups flagged"), "{t}");
    }
}
