//! The JSON projector and the leaf reader (spans) against a full parse. Input: lines of dotted
//! paths, a blank line, then the JSON document. Both must accept exactly what serde_json does
//! within evops's nesting bound (`depth::MAX_DEPTH`), the projection must equal the full
//! document pruned to the paths, and each leaf slot's span must hold what walking the full
//! document along its path meets. The document check of JSON lines (`scan::document`) is held
//! to serde_json's raw value and the nesting bound.
#![no_main]

use evops::codec::project::{self, Trie};
use evops::codec::scan;
use evops::codec::slots::{Plan, Reach};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let (head, doc) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(i) => (&data[..i], &data[i + 2..]),
        None => (&b""[..], data),
    };
    let paths: Vec<Vec<String>> = String::from_utf8_lossy(head)
        .lines()
        .take(8)
        .map(|l| l.split('.').map(str::to_string).collect())
        .collect();
    let full = serde_json::from_slice::<Value>(doc);
    // Both readers refuse, as the full view does, what nests deeper than evops's bound.
    let within = evops::codec::depth::check(doc).is_ok();
    let read = full.as_ref().ok().filter(|_| within);
    check_projection(doc, &paths, read);
    check_spans(doc, &paths, read);
    check_document(doc, full.is_ok());
});

/// `scan::document` (the JSON line's verbatim value) accepts a document only when serde_json
/// takes it as raw text and it is within the nesting bound, with the same span; and it takes
/// every document a full parse accepts within the bound.
fn check_document(doc: &[u8], parses: bool) {
    let within = evops::codec::depth::check(doc).is_ok();
    match scan::document(doc) {
        Ok(span) => {
            assert!(within, "document accepts only what is within the bound");
            let raw = serde_json::from_slice::<&serde_json::value::RawValue>(doc)
                .expect("serde_json takes what document accepts");
            assert_eq!(raw.get().as_bytes(), &doc[span]);
        }
        Err(_) => assert!(!(parses && within), "document refuses a valid document"),
    }
}

fn check_projection(doc: &[u8], paths: &[Vec<String>], full: Option<&Value>) {
    let mut trie = Trie::new();
    for p in paths {
        trie.add(p);
    }
    let got = project::project(doc, &trie);
    assert_eq!(
        got.is_ok(),
        full.is_some(),
        "projection accepts what a parse does"
    );
    // Globs match more than one member; the reference prune below is for exact names.
    if let (Ok(got), Some(full)) = (got, full) {
        if !paths.iter().flatten().any(|n| n.contains('*')) {
            assert_eq!(got, prune(full, &trie_paths(paths)));
        }
    }
}

fn trie_paths(paths: &[Vec<String>]) -> Vec<&[String]> {
    paths.iter().map(Vec::as_slice).collect()
}

/// The reference: an object keeps the members some path names (a path ending there keeps the
/// member whole); anything else is kept whole.
fn prune(v: &Value, paths: &[&[String]]) -> Value {
    if paths.iter().any(|p| p.is_empty()) {
        return v.clone();
    }
    let Value::Object(m) = v else {
        return v.clone();
    };
    let mut out = serde_json::Map::new();
    for (k, x) in m {
        let rest: Vec<&[String]> = paths
            .iter()
            .filter(|p| p[0] == *k)
            .map(|p| &p[1..])
            .collect();
        if !rest.is_empty() {
            out.insert(k.clone(), prune(x, &rest));
        }
    }
    Value::Object(out)
}

/// What jq meets walking `path` from `v`.
fn reach(mut v: &Value, path: &[String]) -> Reach<Value> {
    for (i, name) in path.iter().enumerate() {
        v = match v {
            Value::Null => return Reach::Null,
            Value::Object(m) => match m.get(name) {
                Some(x) => x,
                None => return Reach::Null,
            },
            other => return Reach::Stuck(i, other.clone()),
        };
    }
    Reach::Leaf(v.clone())
}

/// The span walker: the same verdict, and each slot's span parses to what the path meets.
fn check_spans(doc: &[u8], paths: &[Vec<String>], full: Option<&Value>) {
    let (plan, answers) = Plan::new(paths);
    let mut out = Vec::new();
    let got = scan::fill(doc, &plan, &mut out);
    assert_eq!(
        got.is_ok(),
        full.is_some(),
        "the span reader accepts what a parse does"
    );
    let Some(full) = full else { return };
    let text = std::str::from_utf8(doc).expect("accepted, so UTF-8");
    let parse = |r: &std::ops::Range<usize>| {
        serde_json::from_str::<Value>(&text[r.clone()]).expect("a span is one JSON value")
    };
    for (p, &(slot, used)) in paths.iter().zip(&answers) {
        let got = match &out[slot] {
            Reach::Null => Reach::Null,
            Reach::Leaf(r) => Reach::Leaf(parse(r)),
            Reach::Stuck(n, r) => Reach::Stuck(*n, parse(r)),
        };
        assert_eq!(got, reach(full, &p[..used]), "path {p:?}");
    }
}
