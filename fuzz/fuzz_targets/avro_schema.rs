//! Avro schema text (a `--schema` file or a registry's answer): any text compiles or is refused
//! with a message, and a compiled schema decodes the datum after it, reads it as itself by
//! resolution, and checks its own view, without panicking. Input: the schema text, a NUL byte,
//! then the datum.
#![no_main]

use evops::schema::avro::AvroSchema;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (text, datum) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let Ok(schema) = AvroSchema::parse(text, &[]) else {
        return;
    };
    let _ = schema.canonical();
    let _ = schema.full_name();
    let decoded = schema.decode(datum);
    let resolved = schema.decode_as(&schema, datum);
    assert_eq!(
        decoded.is_ok(),
        resolved.is_ok(),
        "resolution against itself is decoding"
    );
    if let Ok(v) = decoded {
        let mut problems = Vec::new();
        schema.check_json(&v, &mut problems, 4);
        let _ = schema.encode_json(&v);
    }
});
