//! Output templates: any template text compiles or is refused, and a compiled template renders
//! any record (a key and value decoded as `auto`, any timestamp) without panicking. Input: the
//! template on the first line, then 8 bytes of timestamp, then the value bytes.
#![no_main]

use evops::codec::{self, Encoding};
use evops::print::template::{Fields, Template};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let (src, rest) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let Ok(src) = std::str::from_utf8(src) else {
        return;
    };
    let Ok(t) = Template::compile(src) else {
        return;
    };
    let (timestamp, value) = match rest.split_first_chunk::<8>() {
        Some((ts, value)) => (Some(i64::from_le_bytes(*ts)), value),
        None => (None, rest),
    };
    let (value, _) = codec::decode_or_auto(Encoding::Auto, Some(value));
    let key = json!({"id": [1, {"k": "v"}]});
    let headers = json!({"h": "v", "multi": ["a", null]});
    let mut out = String::new();
    t.render(
        &Fields {
            topic: "t",
            partition: -1,
            offset: i64::MAX,
            timestamp,
            key: &key,
            value: &value.value,
            headers: &headers,
        },
        &mut out,
    );
});
