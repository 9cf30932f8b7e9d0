//! The one bound on nesting: how deep a JSON document evops reads may nest. Parsers of record
//! bytes recurse once per level (jq's parser has no limit and overflows the stack on 20,000
//! nested arrays), so every place that turns record bytes into a tree asks here first, and a
//! record deeper than this is a bad record ("nested deeper than 100 levels"), never a crash.
//!
//! Why 100: serde_json, which reads capture lines, keys and values elsewhere, stops at 128
//! levels on its own. A value of 100 levels, inside a capture line or a record view (a few
//! levels more), stays under serde_json's limit, so this check, not serde_json's, is the one
//! that decides and names the reason. Event payloads nest a handful of levels; jq itself does
//! nothing useful with thousands. Pure.

use super::DecodeError;

/// The deepest nesting of arrays and objects a value may have.
pub const MAX_DEPTH: usize = 100;

/// Containers nested this deep are refused by `serde_json` (its recursion limit): a kept
/// member in [`super::project`], parsed on its own, holds to it within its document.
pub const SERDE_JSON_LIMIT: usize = 128;

/// How deeply `bytes` nest (arrays and objects; brackets inside strings do not count), read
/// without recursion. Invalid JSON gets a depth too: the parser will refuse it after.
pub fn nesting(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut in_string = false;
    let mut escaped = false;
    for &c in bytes {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// `Ok` when `bytes` nest at most `MAX_DEPTH` levels.
pub fn check(bytes: &[u8]) -> Result<(), DecodeError> {
    check_within(bytes, MAX_DEPTH)
}

/// `Ok` when `bytes` nest at most `levels` levels (a document that wraps a value, such as a
/// record view, allows the value's levels and its own).
pub fn check_within(bytes: &[u8], levels: usize) -> Result<(), DecodeError> {
    // Only a document of more than `2 * levels` bytes, with more than `levels` opening
    // brackets, can be too deep: most values are answered by their length or one count.
    if bytes.len() <= 2 * levels {
        return Ok(());
    }
    if !openings_exceed(bytes, levels) || nesting(bytes) <= levels {
        return Ok(());
    }
    Err(too_deep())
}

/// Whether `bytes` have more than `levels` opening brackets (`[`, `{`, in strings too). Counted
/// in runs of 255 bytes into a byte-wide sum, which the compiler turns into wide byte adds:
/// every JSON line printed and every value decoded pays this count.
fn openings_exceed(bytes: &[u8], levels: usize) -> bool {
    let mut n = 0usize;
    for run in bytes.chunks(255) {
        // `[` and `{` differ only in the 0x20 bit, and no other byte gives `{` with it set.
        let opening = run
            .iter()
            .fold(0u8, |sum, &c| sum + u8::from(c | 0x20 == b'{'));
        n += usize::from(opening);
        if n > levels {
            return true;
        }
    }
    false
}

/// `Ok` when a value built by another decoder (Avro, whose records bound only its own
/// recursion) nests at most `MAX_DEPTH` levels; walked without recursion.
pub fn check_value(v: &serde_json::Value) -> Result<(), DecodeError> {
    use serde_json::Value;
    let mut stack: Vec<(&Value, usize)> = vec![(v, 0)];
    while let Some((v, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match v {
            Value::Array(a) => Box::new(a.iter()),
            Value::Object(o) => Box::new(o.values()),
            _ => continue,
        };
        if depth + 1 > MAX_DEPTH {
            return Err(too_deep());
        }
        stack.extend(children.map(|c| (c, depth + 1)));
    }
    Ok(())
}

/// The reason a too deep value is refused.
pub fn too_deep() -> DecodeError {
    DecodeError(format!("nested deeper than {MAX_DEPTH} levels"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arrays(n: usize) -> String {
        format!("{}{}", "[".repeat(n), "]".repeat(n))
    }

    #[test]
    fn nesting_counts_arrays_and_objects_not_brackets_in_strings() {
        assert_eq!(nesting(b"1"), 0);
        assert_eq!(nesting(br#"{"a":[1,{"b":[]}]}"#), 4);
        assert_eq!(nesting(br#"["[[[[\"[[[", "\\"]"#), 1);
        assert_eq!(nesting(arrays(20_000).as_bytes()), 20_000);
    }

    #[test]
    fn the_limit_is_inclusive() {
        assert!(check(arrays(MAX_DEPTH).as_bytes()).is_ok());
        assert_eq!(
            check(arrays(MAX_DEPTH + 1).as_bytes()),
            Err(DecodeError("nested deeper than 100 levels".into()))
        );
        // Many siblings are not depth.
        assert!(check("[]".repeat(10_000).as_bytes()).is_ok());
    }

    /// The byte-wide count agrees with counting one by one, across its runs of 255 bytes and
    /// with every byte value around.
    #[test]
    fn the_opening_count_agrees_with_a_plain_count() {
        let all_bytes: Vec<u8> = (0..=255u8).cycle().take(2000).collect();
        let inputs = [
            "{".repeat(1000).into_bytes(),
            "[{".repeat(300).into_bytes(),
            all_bytes,
            br#"{"a":"[[[","b":[1,2]}"#.to_vec(),
            Vec::new(),
        ];
        for b in &inputs {
            let plain = b.iter().filter(|c| matches!(c, b'[' | b'{')).count();
            for levels in [0, 1, 7, 100, 254, 255, 256, 599, 600, 1000] {
                assert_eq!(openings_exceed(b, levels), plain > levels, "{levels}");
            }
        }
    }

    #[test]
    fn built_values_are_measured_too() {
        let mut v = serde_json::json!(1);
        for _ in 0..MAX_DEPTH {
            v = serde_json::json!([v]);
        }
        assert!(check_value(&v).is_ok());
        assert_eq!(check_value(&serde_json::json!([v])), Err(too_deep()));
        assert!(check_value(&serde_json::json!({"a": [1, {"b": null}], "c": "x"})).is_ok());
    }

    #[test]
    fn serde_json_accepts_what_the_limit_accepts_with_room_for_an_envelope() {
        let doc = format!(r#"{{"view":{{"value":{}}}}}"#, arrays(MAX_DEPTH));
        assert!(serde_json::from_str::<serde_json::Value>(&doc).is_ok());
    }
}
