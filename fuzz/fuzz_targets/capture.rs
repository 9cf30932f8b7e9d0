//! The capture line parser: any line either is refused with a message or decodes to a record
//! that encodes to one line and decodes back to the same record.
#![no_main]

use evops::codec::capture;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|line: &[u8]| {
    let Ok(record) = capture::decode(line) else {
        return;
    };
    let mut out = Vec::new();
    capture::encode(&record, &mut out);
    assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 1, "one line");
    let back = capture::decode(&out).expect("an encoded record decodes");
    assert_eq!(back, record);
});
