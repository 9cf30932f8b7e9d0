//! The forms of a `schema-validate` report ([`Summary`]): the table people read, one JSON
//! document for programs (`--format json`), and a JUnit file for CI (`--junit`).

use serde_json::{json, Value};

use super::{escape, table as grid};
use crate::schema::summary::{plural, Shown, Summary, NO_SCHEMA};

/// The table on stdout: a row per schema, lint rule and bucket, the totals, the first violations.
pub fn table(s: &Summary, terminal: bool, allow_missing: bool) -> String {
    let rows: Vec<Vec<String>> = s
        .groups
        .iter()
        .map(|(name, g)| {
            vec![
                name.clone(),
                g.kind.to_string(),
                g.checked.to_string(),
                g.valid.to_string(),
                g.invalid.to_string(),
                g.warnings.to_string(),
            ]
        })
        .collect();
    let header = [
        "schema / rule",
        "kind",
        "checked",
        "valid",
        "invalid",
        "warnings",
    ];
    let mut out = String::new();
    if !rows.is_empty() {
        out.push_str(&grid::render(&header, &rows, None));
        out.push('\n');
    }
    out.push_str(&s.totals());
    if s.missing > 0 && allow_missing {
        out.push_str(" (events without a schema allowed)");
    }
    out.push('\n');
    if !s.shown.is_empty() {
        out.push_str(&format!(
            "\nfirst {} of {}:\n",
            s.shown.len(),
            plural(s.violations, "violation", "violations")
        ));
        for shown in &s.shown {
            let line = format!(
                "  {}  {}  {}  {}{}",
                shown.location,
                shown.schema,
                if shown.v.pointer.is_empty() {
                    "/"
                } else {
                    &shown.v.pointer
                },
                if shown.v.warning { "warning: " } else { "" },
                shown.v.reason
            );
            if terminal {
                out.push_str(&escape::for_terminal(&line));
            } else {
                out.push_str(&line);
            }
            out.push('\n');
        }
    }
    out
}

/// The report as one JSON document (`--format json`).
pub fn json(s: &Summary) -> Value {
    let groups: Vec<Value> = s
        .groups
        .iter()
        .map(|(name, g)| {
            json!({
                "schema": name, "kind": g.kind, "origin": g.origin,
                "checked": g.checked, "valid": g.valid, "invalid": g.invalid, "warnings": g.warnings,
            })
        })
        .collect();
    json!({
        "checked": s.checked,
        "valid": s.valid,
        "invalid": s.invalid,
        "no_schema": s.missing,
        "unreadable": s.unreadable,
        "tombstones": s.tombstones,
        "violations_total": s.violations,
        "schemas": groups,
        "violations": s.shown.iter().map(shown_json).collect::<Vec<_>>(),
    })
}

/// A JUnit report: one test case per schema and per lint rule; a failure lists its first
/// violations. Events without a schema are a skipped case when they are allowed.
pub fn junit(s: &Summary, allow_missing: bool) -> String {
    let skipped = |name: &str| allow_missing && name == NO_SCHEMA;
    let failures = s
        .groups
        .iter()
        .filter(|(n, g)| g.invalid > 0 && !skipped(n))
        .count();
    let skips = s.groups.iter().filter(|(n, _)| skipped(n)).count();
    let tests = s.groups.len();
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!(
        "<testsuites name=\"evops schema-validate\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skips}\">\n"
    ));
    x.push_str(&format!(
        "  <testsuite name=\"schema-validate\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skips}\">\n"
    ));
    for (name, g) in &s.groups {
        let class = if g.kind == "lint" {
            "evops.lint"
        } else {
            "evops.schema"
        };
        x.push_str(&format!(
            "    <testcase classname=\"{class}\" name=\"{}\">\n",
            xml_escape(name)
        ));
        if skipped(name) {
            x.push_str(&format!(
                "      <skipped message=\"{} events without a schema (allowed)\"/>\n",
                g.checked
            ));
        } else if g.invalid > 0 {
            x.push_str(&format!(
                "      <failure type=\"invalid\" message=\"{} of {} events invalid\">",
                g.invalid, g.checked
            ));
            for e in &g.examples {
                x.push_str(&xml_escape(&format!(
                    "{} {} {}\n",
                    e.location,
                    if e.v.pointer.is_empty() {
                        "/"
                    } else {
                        &e.v.pointer
                    },
                    e.v.reason
                )));
            }
            x.push_str("</failure>\n");
        }
        x.push_str(&format!(
            "      <system-out>{}</system-out>\n",
            xml_escape(&format!(
                "{} checked, {} valid, {} invalid, {} warnings{}",
                g.checked,
                g.valid,
                g.invalid,
                g.warnings,
                if g.origin.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", g.origin)
                }
            ))
        ));
        x.push_str("    </testcase>\n");
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

fn shown_json(s: &Shown) -> Value {
    json!({
        "location": s.location,
        "schema": s.schema,
        "pointer": s.v.pointer,
        "rule": s.v.rule,
        "warning": s.v.warning,
        "reason": s.v.reason,
    })
}

/// Escape text for XML content and attributes; drop characters XML 1.0 cannot carry.
fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\t' | '\n' | '\r' => o.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                o.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => o.push(c),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escaping_keeps_reports_well_formed() {
        assert_eq!(
            xml_escape("a<b & \"c\"\u{1}"),
            "a&lt;b &amp; &quot;c&quot;\\u{1}"
        );
    }
}
