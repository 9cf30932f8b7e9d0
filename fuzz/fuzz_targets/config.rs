//! The config file: any text parses or is refused with a message, and any profile name is
//! found or refused with the list of known ones. Input: the profile name on the first line,
//! then the TOML text.
#![no_main]

use evops::config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (name, toml) = text.split_once('\n').unwrap_or(("", text));
    let Ok(file) = config::parse(toml) else {
        return;
    };
    let _ = file.profile(None);
    let _ = file.profile(Some(name));
});
