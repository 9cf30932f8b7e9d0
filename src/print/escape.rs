//! Terminal safety: payloads are data from strangers, and a terminal obeys control sequences.
//! Before text reaches a terminal, control characters (other than newline and tab) are shown as
//! escapes, so a record cannot move the cursor, retitle the window or hide itself.

use std::borrow::Cow;

/// Escape control characters in text bound for a terminal.
pub fn for_terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c) {
            let n = c as u32;
            if n <= 0xff {
                out.push_str(&format!("\\x{n:02x}"));
            } else {
                out.push_str(&format!("\\u{{{n:x}}}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Bytes bound for a terminal: invalid UTF-8 is shown as `\xNN`, control characters escaped.
pub fn bytes_for_terminal(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    for chunk in b.utf8_chunks() {
        out.push_str(&for_terminal(chunk.valid()));
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{byte:02x}"));
        }
    }
    out
}

/// A JSON line bound for a terminal, from byte `from` on: JSON lets DEL and the C1 controls
/// (U+0080..U+009F, which some terminals obey) stand raw inside strings; they become `\u00XX`
/// escapes, which mean the same JSON.
pub fn json_for_terminal(line: &mut Vec<u8>, from: usize) {
    let raw = |i: usize, line: &[u8]| match line[i] {
        0x7f => Some((1, 0x7f)),
        0xc2 if line.get(i + 1).is_some_and(|b| (0x80..=0x9f).contains(b)) => {
            Some((2, line[i + 1]))
        }
        _ => None,
    };
    if !(from..line.len()).any(|i| raw(i, line).is_some()) {
        return;
    }
    let mut out = line[..from].to_vec();
    let mut i = from;
    while i < line.len() {
        match raw(i, line) {
            Some((width, code)) => {
                out.extend_from_slice(format!("\\u{code:04x}").as_bytes());
                i += width;
            }
            None => {
                out.push(line[i]);
                i += 1;
            }
        }
    }
    *line = out;
}

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_control_sequences() {
        assert_eq!(for_terminal("plain\ttext\n"), "plain\ttext\n");
        assert_eq!(for_terminal("\x1b[2Jgone"), "\\x1b[2Jgone");
        assert_eq!(for_terminal("a\u{202e}b"), "a\\u{202e}b");
        assert_eq!(bytes_for_terminal(b"ok\xff\x07"), "ok\\xff\\x07");
    }

    #[test]
    fn json_keeps_its_meaning_without_raw_c1_controls() {
        let mut line = b"x{\"v\":\"a\xc2\x9b2J\x7f\xc3\xa9\"}".to_vec();
        json_for_terminal(&mut line, 1);
        assert_eq!(line, b"x{\"v\":\"a\\u009b2J\\u007f\xc3\xa9\"}".to_vec());
        let v: serde_json::Value = serde_json::from_slice(&line[1..]).unwrap();
        assert_eq!(v["v"], "a\u{9b}2J\u{7f}\u{e9}");
    }
}
