//! Key and value formats: any bytes decode in every format or are refused with a reason (and
//! `auto` refuses only what is nested past the depth bound); any text typed on the command
//! line encodes or is refused; and for the formats that print bytes as text (string, int32,
//! int64, hex, base64), encoding the printed text gives back the bytes. Input: a format selector byte, then the bytes or text.
#![no_main]

use evops::codec::{decode, decode_or_auto, encode_text, Encoding};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const FORMATS: [Encoding; 8] = [
    Encoding::Auto,
    Encoding::String,
    Encoding::Json,
    Encoding::Int32,
    Encoding::Int64,
    Encoding::Hex,
    Encoding::Base64,
    Encoding::Avro,
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let format = FORMATS[pick as usize % FORMATS.len()];
    // `auto` refuses nothing but bytes nested past the depth bound (a named bad record, shown
    // as text by the printers).
    if let Err(e) = decode(Encoding::Auto, Some(bytes)) {
        assert!(e.0.starts_with("nested deeper than"), "{}", e.0);
    }
    let (_, _) = decode_or_auto(format, Some(bytes));
    if let Ok(d) = decode(format, Some(bytes)) {
        let text = match &d.value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if matches!(
            format,
            Encoding::String | Encoding::Int32 | Encoding::Int64 | Encoding::Hex | Encoding::Base64
        ) {
            assert_eq!(encode_text(format, &text).as_deref(), Ok(bytes), "{text}");
        }
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        // Non-ASCII hex text (`aé1`) once panicked here; it is refused now.
        let _ = encode_text(format, s);
    }
});
