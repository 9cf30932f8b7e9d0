//! Where a read starts and stops: the `--from` / `--until` forms, parsed once from the command
//! line into plain values. Pure: "now" is passed in, so parsing is deterministic and testable.
//! Resolving these against a partition's offsets is the Kafka endpoint's job.

use std::time::Duration;

/// The accepted forms, shown in every error about them.
pub const FORMS: &str =
    "beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | @<ms> | \
an RFC 3339 time (2026-11-23T10:00:00Z) | a duration ago (15m, 3h, 2d)";

/// The accepted `--until` forms: the start forms but `beginning`, and `now`.
pub const STOP_FORMS: &str =
    "now | end | <offset> | -<n> (all but the last n per partition) | s@<ms> | @<ms> | \
an RFC 3339 time (2026-11-23T10:00:00Z) | a duration ago (15m, 3h, 2d)";

/// Where to start reading each partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    Beginning,
    End,
    /// An absolute offset (clamped to what the partition holds).
    Offset(i64),
    /// The last n records of each partition.
    Last(u64),
    /// The first record at or after this time (ms since the epoch), exact: earlier records are
    /// dropped client-side whatever the broker's offsets-for-times answer was.
    Time(i64),
}

/// Where to stop reading each partition (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The end offsets taken when the read started (`-e`, like kcat).
    End,
    /// Stop before this offset.
    Offset(i64),
    /// Stop at the first record at or after this time; records at or after it are not shown.
    Time(i64),
    /// The last n records per partition before the end offsets: `--until -5` leaves out the
    /// newest five.
    BeforeLast(u64),
}

/// Parse a `--from` value. `now_ms` is the time the command started.
pub fn parse_start(s: &str, now_ms: i64) -> Result<Start, String> {
    let s = s.trim();
    match s {
        "beginning" | "earliest" | "start" | "oldest" => return Ok(Start::Beginning),
        "end" | "latest" | "newest" => return Ok(Start::End),
        _ => {}
    }
    shared(s, now_ms, Start::Last, Start::Offset, Start::Time)
        .unwrap_or_else(|| Err(format!("'{s}' is not a start position; accepted: {FORMS}")))
}

/// Parse an `--until` value: the `--from` forms (but `beginning`), plus `now` and `end`.
pub fn parse_stop(s: &str, now_ms: i64) -> Result<Stop, String> {
    let s = s.trim();
    let forms = || match s {
        "beginning" | "earliest" | "start" | "oldest" => {
            format!(
                "'{s}' is where a read starts (--from), not where it stops; accepted: {STOP_FORMS}"
            )
        }
        _ => format!("'{s}' is not a stop position; accepted: {STOP_FORMS}"),
    };
    match s {
        "now" => return Ok(Stop::Time(now_ms)),
        "end" | "latest" => return Ok(Stop::End),
        _ => {}
    }
    shared(s, now_ms, Stop::BeforeLast, Stop::Offset, Stop::Time).unwrap_or_else(|| Err(forms()))
}

/// The forms `--from` and `--until` read alike, each into its own type: `-N` (N records from
/// each partition's end), an offset, or a time (ms since the epoch); `None` when `s` is none.
fn shared<T>(
    s: &str,
    now_ms: i64,
    from_end: fn(u64) -> T,
    at_offset: fn(i64) -> T,
    at_time: fn(i64) -> T,
) -> Option<Result<T, String>> {
    if let Some(n) = s.strip_prefix('-').and_then(|n| n.parse::<u64>().ok()) {
        return Some(Ok(from_end(n)));
    }
    if let Ok(o) = s.parse::<i64>() {
        return Some(offset(o, s).map(at_offset));
    }
    parse_time(s, now_ms).map(|t| Ok(at_time(t)))
}

/// An offset as typed. A number of milliseconds since the epoch is what people usually mean by
/// one this large (no partition has a trillion records): it is refused with the time form.
fn offset(o: i64, s: &str) -> Result<i64, String> {
    if o >= 1_000_000_000_000 {
        return Err(format!(
            "{s} is read as an offset, which no partition reaches; for a time use @{s} ({})",
            format_millis(o)
        ));
    }
    Ok(o)
}

/// Whether a read from `start` to `stop` can hold anything: an offset or time range that ends
/// before it starts cannot, and is refused rather than reading nothing.
pub fn check_range(start: Option<Start>, stop: Option<Stop>) -> Result<(), String> {
    match (start, stop) {
        (Some(Start::Offset(a)), Some(Stop::Offset(b))) if b <= a => Err(format!(
            "--until {b} is not after --from {a}: the range holds nothing (--until is exclusive)"
        )),
        (Some(Start::Time(a)), Some(Stop::Time(b))) if b <= a => Err(format!(
            "--until {} is not after --from {}: the range holds nothing",
            format_millis(b),
            format_millis(a)
        )),
        _ => Ok(()),
    }
}

/// A point in time the way people type it: `s@<ms>`, `@<ms>`, RFC 3339, a date
/// (`2026-11-23`, midnight UTC), or a duration ago (`15m`, `3h`, `1h30m`, `2d`).
pub fn parse_time(s: &str, now_ms: i64) -> Option<i64> {
    if let Some(ms) = s.strip_prefix("s@").or_else(|| s.strip_prefix('@')) {
        return ms.parse::<i64>().ok();
    }
    if let Ok(t) = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        return Some((t.unix_timestamp_nanos() / 1_000_000) as i64);
    }
    if let Ok(d) = time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")) {
        return Some(d.midnight().assume_utc().unix_timestamp() * 1000);
    }
    // A duration past i64 milliseconds (`500000000000y`) is "since forever", not a wrapped
    // time in the future.
    parse_duration(s)
        .map(|d| now_ms.saturating_sub(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)))
}

/// A duration: `500ms`, `15m`, `3h`, `1h30m`, `2d`, `1w`. A bare number is refused: is it
/// seconds or milliseconds? Nobody remembers at 3 a.m.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s.is_empty() || s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    humantime::parse_duration(s).ok()
}

/// Milliseconds since the epoch as RFC 3339 UTC with milliseconds, e.g.
/// `2026-11-23T10:00:00.123Z`. Hand-written because it runs once per printed record.
pub fn format_millis(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        sod / 3600,
        (sod % 3600) / 60,
        sod % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Now, in milliseconds since the epoch.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_too_long_for_milliseconds_mean_since_forever() {
        let now = 1_700_000_000_000;
        match parse_start("500000000000y", now) {
            Ok(Start::Time(t)) => assert!(t < 0 && t <= now - i64::MAX / 2, "{t}"),
            other => panic!("{other:?}"),
        }
    }

    use super::*;

    const NOW: i64 = 1_763_892_000_000; // 2025-11-23T10:00:00Z

    #[test]
    fn start_forms() {
        assert_eq!(parse_start("beginning", NOW), Ok(Start::Beginning));
        assert_eq!(parse_start("end", NOW), Ok(Start::End));
        assert_eq!(parse_start("42", NOW), Ok(Start::Offset(42)));
        assert_eq!(parse_start("-10", NOW), Ok(Start::Last(10)));
        assert_eq!(
            parse_start("s@1700000000000", NOW),
            Ok(Start::Time(1_700_000_000_000))
        );
        assert_eq!(
            parse_start("@1700000000000", NOW),
            Ok(Start::Time(1_700_000_000_000))
        );
        assert_eq!(
            parse_start("2025-11-23T09:00:00Z", NOW),
            Ok(Start::Time(NOW - 3_600_000))
        );
        assert_eq!(
            parse_start("2025-11-23T10:00:00+01:00", NOW),
            Ok(Start::Time(NOW - 3_600_000))
        );
        assert_eq!(
            parse_start("2025-11-23", NOW),
            Ok(Start::Time(NOW - 10 * 3_600_000))
        );
        assert_eq!(parse_start("15m", NOW), Ok(Start::Time(NOW - 900_000)));
        assert_eq!(parse_start("3h", NOW), Ok(Start::Time(NOW - 10_800_000)));
        assert_eq!(parse_start("1h30m", NOW), Ok(Start::Time(NOW - 5_400_000)));
    }

    #[test]
    fn bad_forms_list_the_accepted_ones() {
        let err = parse_start("yesterday", NOW).unwrap_err();
        assert!(
            err.contains("'yesterday'") && err.contains("beginning | end"),
            "{err}"
        );
        assert!(parse_start("", NOW).is_err());
        let err = parse_stop("beginning", NOW).unwrap_err();
        assert!(
            err.contains("where a read starts") && !err.contains("beginning |"),
            "{err}"
        );
    }

    #[test]
    fn timestamps_typed_as_offsets_and_empty_ranges_are_refused() {
        let err = parse_start("1796527870570", NOW).unwrap_err();
        assert!(err.contains("use @1796527870570"), "{err}");
        assert!(parse_stop("1796527870570", NOW).is_err());
        assert_eq!(
            parse_start("999999999999", NOW),
            Ok(Start::Offset(999_999_999_999))
        );
        assert!(check_range(Some(Start::Offset(5)), Some(Stop::Offset(2))).is_err());
        assert!(check_range(Some(Start::Offset(5)), Some(Stop::Offset(5))).is_err());
        assert!(check_range(Some(Start::Offset(5)), Some(Stop::Offset(6))).is_ok());
        assert!(check_range(Some(Start::Time(9)), Some(Stop::Time(3))).is_err());
        assert!(check_range(Some(Start::Beginning), Some(Stop::Offset(0))).is_ok());
    }

    #[test]
    fn stop_forms() {
        assert_eq!(parse_stop("now", NOW), Ok(Stop::Time(NOW)));
        assert_eq!(parse_stop("end", NOW), Ok(Stop::End));
        assert_eq!(parse_stop("100", NOW), Ok(Stop::Offset(100)));
        assert_eq!(parse_stop("-5", NOW), Ok(Stop::BeforeLast(5)));
        assert_eq!(parse_stop("10m", NOW), Ok(Stop::Time(NOW - 600_000)));
    }

    #[test]
    fn durations_need_a_unit() {
        assert_eq!(parse_duration("10s"), Some(Duration::from_secs(10)));
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("10"), None);
    }

    /// Regression (fuzz, position): a duration ago beyond what an i64 of milliseconds holds,
    /// or reaching before i64::MIN from "now", overflowed (a panic in debug builds, a wrapped
    /// time in release). It is refused as a position instead.
    #[test]
    fn durations_too_long_for_a_time_never_overflow() {
        // Found by the position fuzz target: these overflowed. They mean "since forever".
        assert_eq!(parse_time("310130696926573h", 0), Some(-i64::MAX));
        assert_eq!(parse_time("100000000000d", i64::MIN / 2), Some(i64::MIN));
        assert!(matches!(parse_start("310130696926573h", NOW), Ok(Start::Time(t)) if t < 0));
        assert!(parse_stop("100000000000d", i64::MIN / 2).is_ok());
        assert_eq!(parse_time("1d", 86_400_000), Some(0));
    }

    #[test]
    fn formats_times_like_rfc3339() {
        assert_eq!(format_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_millis(NOW + 123), "2025-11-23T10:00:00.123Z");
        assert_eq!(format_millis(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(format_millis(-1), "1969-12-31T23:59:59.999Z");
    }
}
