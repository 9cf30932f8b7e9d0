//! The direct evaluator of the jq subset against jaq: differential. Input: the expression on
//! the first line, the record's value bytes after it. Whenever the expression is in the subset,
//! the fast path must give jaq's answer (errors and their messages included) on the full view,
//! on the projected view, and read span by span.
#![no_main]

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use evops::codec::Encoding;
use evops::expr::fast::Fast;
use evops::expr::{needs, Expr, Viewer};
use evops::record::{Header, Record, Timestamp};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (code, value) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    let Ok(code) = std::str::from_utf8(code) else {
        return;
    };
    COMPILED.with_borrow_mut(|compiled| {
        if compiled.len() > 1024 {
            compiled.clear();
        }
        let entry = compiled.entry(code.to_string()).or_insert_with(|| {
            let fast = Fast::compile(code)?;
            Some((fast, Expr::compile(code).expect("the subset is jq")))
        });
        if let Some((fast, jq)) = entry {
            check(fast, jq, code, value);
        }
    });
});

thread_local! {
    /// Compiled expressions: compiling jaq's standard library for every input took most of the
    /// time, and the fuzzer mutates the value under one expression as often as the expression.
    static COMPILED: RefCell<HashMap<String, Option<(Fast, Expr)>>> = RefCell::default();
}

fn check(fast: &Fast, jq: &Expr, code: &str, value: Option<&[u8]>) {
    let r = Record {
        topic: Arc::from("orders"),
        partition: 2,
        offset: 41,
        origin: evops::record::Origin::Partition,
        timestamp: Timestamp::Create(1_700_000_000_000),
        key: Some(b"k".to_vec()),
        value: value.map(<[u8]>::to_vec),
        headers: vec![Header {
            key: "h".into(),
            value: Some(b"v".to_vec()),
        }],
    };
    let mut viewer = Viewer::new(evops::codec::Codecs::new(Encoding::Auto, Encoding::Auto));
    let (full, _) = viewer.view(&r);
    let want = jq.matches(full.clone());
    assert_eq!(fast.matches(&full), want, "full view");
    if let Some(need) = needs::of_predicate(code) {
        let (part, _) = viewer.view_projected(&r, &need);
        assert_eq!(fast.matches(&part), want, "projected view");
    }
    let Some(bytes) = value.filter(|b| first_is_bracket(b)) else {
        return;
    };
    let mut spans = Vec::new();
    if let Some(leaves) = fast.read(bytes, &mut spans) {
        // `None`: a leaf jq's parser refuses, which the general way reports.
        if let Some(got) = fast.matches_leaves(&full, &leaves) {
            assert_eq!(got, want, "leaf by leaf");
        }
    }
}

/// As the filter decides to read a value leaf by leaf.
fn first_is_bracket(b: &[u8]) -> bool {
    matches!(
        b.iter().find(|c| !c.is_ascii_whitespace()),
        Some(b'{' | b'[')
    )
}
