//! `--from` / `--until` positions and the times and durations inside them: any text parses or
//! is refused, whatever "now" is; and a time printed by `format_millis` (years 0..=9999, which
//! RFC 3339 can write) parses back to the same millisecond. Input: 8 bytes of "now" (or of a
//! time to print), then the text.
#![no_main]

use evops::position;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((now, text)) = data.split_first_chunk::<8>() else {
        return;
    };
    let now = i64::from_le_bytes(*now);
    let printed = position::format_millis(now);
    // 0000-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z.
    if (-62_167_219_200_000..=253_402_300_799_999).contains(&now) {
        assert_eq!(position::parse_time(&printed, 0), Some(now), "{printed}");
    }
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let _ = position::parse_start(text, now);
    let _ = position::parse_stop(text, now);
    let _ = position::parse_time(text, now);
    let _ = position::parse_duration(text);
});
