//! Output templates: `'{topic}/{partition}@{offset} {key} {value.data.type}'`. Compiled once,
//! rendered per record. Placeholders: `topic`, `partition`, `offset`, `timestamp` (ms), `time`
//! (RFC 3339), `key`, `value`, `headers`, `header.NAME`, and paths into a JSON key or value
//! (`value.data.attributes.title`, `value.items.0`). `{{` and `}}` are literal braces; `\n`,
//! `\t` and `\\` in the template are a newline, a tab and a backslash. Strings are inserted as
//! they are, other JSON compactly; a path that is not there renders as nothing.

use serde_json::Value;

/// A compiled template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    parts: Vec<Part>,
    /// Whether rendering needs the decoded key / value (lets printers skip decoding).
    pub needs_key: bool,
    pub needs_value: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Topic,
    Partition,
    Offset,
    Timestamp,
    Time,
    Headers,
    Header(String),
    Key(Vec<String>),
    Value(Vec<String>),
}

/// What a template is rendered from.
pub struct Fields<'a> {
    pub topic: &'a str,
    pub partition: i32,
    pub offset: i64,
    pub timestamp: Option<i64>,
    pub key: &'a Value,
    pub value: &'a Value,
    pub headers: &'a Value,
}

impl Template {
    /// Whether a `--format` value is a template rather than a format name.
    pub fn looks_like_template(s: &str) -> bool {
        s.contains('{')
    }

    pub fn compile(src: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut chars = src.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some('n') => text.push('\n'),
                    Some('t') => text.push('\t'),
                    Some('\\') => text.push('\\'),
                    Some(other) => {
                        text.push('\\');
                        text.push(other);
                    }
                    None => text.push('\\'),
                },
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    text.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    text.push('}');
                }
                '}' => {
                    return Err(format!(
                        "template '{src}': unmatched '}}' (write '}}}}' for a brace)"
                    ))
                }
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(c) => name.push(c),
                            None => {
                                return Err(format!("template '{src}': '{{{name}' is not closed"))
                            }
                        }
                    }
                    if !text.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut text)));
                    }
                    parts.push(
                        placeholder(name.trim()).map_err(|e| format!("template '{src}': {e}"))?,
                    );
                }
                c => text.push(c),
            }
        }
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        let needs_key = parts.iter().any(|p| matches!(p, Part::Key(_)));
        let needs_value = parts.iter().any(|p| matches!(p, Part::Value(_)));
        Ok(Template {
            parts,
            needs_key,
            needs_value,
        })
    }

    /// Render into `out` (no trailing newline).
    pub fn render(&self, f: &Fields<'_>, out: &mut String) {
        use std::fmt::Write;
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Topic => out.push_str(f.topic),
                Part::Partition => {
                    let _ = write!(out, "{}", f.partition);
                }
                Part::Offset => {
                    let _ = write!(out, "{}", f.offset);
                }
                Part::Timestamp => {
                    if let Some(ts) = f.timestamp {
                        let _ = write!(out, "{ts}");
                    }
                }
                Part::Time => {
                    if let Some(ts) = f.timestamp {
                        out.push_str(&crate::position::format_millis(ts));
                    }
                }
                Part::Headers => push_value(f.headers, out),
                Part::Header(name) => {
                    if let Some(v) = f.headers.get(name) {
                        push_value(v, out);
                    }
                }
                Part::Key(path) => {
                    if let Some(v) = lookup(f.key, path) {
                        push_value(v, out);
                    }
                }
                Part::Value(path) => {
                    if let Some(v) = lookup(f.value, path) {
                        push_value(v, out);
                    }
                }
            }
        }
    }
}

fn placeholder(name: &str) -> Result<Part, String> {
    Ok(match name {
        "topic" => Part::Topic,
        "partition" => Part::Partition,
        "offset" => Part::Offset,
        "timestamp" | "ts" => Part::Timestamp,
        "time" => Part::Time,
        "headers" => Part::Headers,
        "key" => Part::Key(vec![]),
        "value" => Part::Value(vec![]),
        _ => {
            if let Some(h) = name
                .strip_prefix("header.")
                .or_else(|| name.strip_prefix("headers."))
            {
                Part::Header(h.to_string())
            } else if let Some(p) = name.strip_prefix("key.") {
                Part::Key(path(p)?)
            } else if let Some(p) = name.strip_prefix("value.") {
                Part::Value(path(p)?)
            } else {
                return Err(format!(
                    "unknown placeholder '{{{name}}}'; known: topic, partition, offset, timestamp, time, key, value, headers, header.NAME, key.PATH, value.PATH"
                ));
            }
        }
    })
}

fn path(p: &str) -> Result<Vec<String>, String> {
    let segs: Vec<String> = p.split('.').map(str::to_string).collect();
    if segs.iter().any(String::is_empty) {
        return Err(format!("'{p}' has an empty path segment"));
    }
    Ok(segs)
}

/// Follow a dotted path into a JSON value; numeric segments index arrays.
pub fn lookup<'v>(mut v: &'v Value, path: &[String]) -> Option<&'v Value> {
    for seg in path {
        v = match v {
            Value::Object(m) => m.get(seg)?,
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(v)
}

fn push_value(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => out.push_str(s),
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(t: &str, value: &Value) -> String {
        let t = Template::compile(t).unwrap();
        let mut s = String::new();
        t.render(
            &Fields {
                topic: "articles",
                partition: 2,
                offset: 17,
                timestamp: Some(0),
                key: &json!("a-1"),
                value,
                headers: &json!({"producer": "kotlin-api"}),
            },
            &mut s,
        );
        s
    }

    #[test]
    fn renders_fields_and_paths() {
        let v = json!({"data": {"type": "article_published", "tags": ["x", 2]}});
        assert_eq!(
            render("{topic}/{partition}@{offset} {key} {value.data.type}", &v),
            "articles/2@17 a-1 article_published"
        );
        assert_eq!(
            render("{value.data.tags.1}|{value.nope}|{time}", &v),
            "2||1970-01-01T00:00:00.000Z"
        );
        assert_eq!(
            render("{{{header.producer}}}\\t{value.data}", &v),
            "{kotlin-api}\t{\"type\":\"article_published\",\"tags\":[\"x\",2]}"
        );
    }

    #[test]
    fn errors_point_at_the_problem() {
        assert!(Template::compile("{nope}")
            .unwrap_err()
            .contains("unknown placeholder '{nope}'"));
        assert!(Template::compile("{topic")
            .unwrap_err()
            .contains("not closed"));
        assert!(Template::compile("{value..x}")
            .unwrap_err()
            .contains("empty path"));
        let t = Template::compile("{key} only").unwrap();
        assert!(t.needs_key && !t.needs_value);
    }
}
