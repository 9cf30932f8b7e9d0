//! The Avro decoder and resolver on arbitrary bytes, against a few fixed schemas. The first
//! byte picks a schema (or a writer/reader pair), the rest is the datum. A datum that decodes
//! must encode back (from its JSON view) to a datum that decodes to the same view; reading a
//! datum as its own writer's schema by resolution must agree with decoding it; resolving
//! between different schemas must never panic.
#![no_main]

use std::sync::OnceLock;

use evops::schema::avro::AvroSchema;
use libfuzzer_sys::fuzz_target;

const SCHEMAS: &[&str] = &[
    r#"{"type":"record","name":"Every","namespace":"fz","fields":[
        {"name":"n","type":"null"},{"name":"b","type":"boolean"},{"name":"i","type":"int"},
        {"name":"l","type":"long"},{"name":"f","type":"float"},{"name":"d","type":"double"},
        {"name":"by","type":"bytes"},{"name":"s","type":"string"},
        {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B","C"]}},
        {"name":"fx","type":{"type":"fixed","name":"F4","size":4}},
        {"name":"a","type":{"type":"array","items":"int"}},
        {"name":"m","type":{"type":"map","values":["null","string"]}},
        {"name":"u","type":["null","string","long",{"type":"array","items":"double"}]},
        {"name":"dec","type":{"type":"bytes","logicalType":"decimal","precision":38,"scale":4}},
        {"name":"decf","type":{"type":"fixed","name":"D8","size":8,"logicalType":"decimal","precision":18,"scale":2}},
        {"name":"id","type":{"type":"string","logicalType":"uuid"}},
        {"name":"idf","type":{"type":"fixed","name":"U16","size":16,"logicalType":"uuid"}},
        {"name":"dur","type":{"type":"fixed","name":"Dur","size":12,"logicalType":"duration"}},
        {"name":"day","type":{"type":"int","logicalType":"date"}},
        {"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
        {"name":"rec","type":{"type":"record","name":"Inner","fields":[{"name":"x","type":"E"}]}}]}"#,
    r#"{"type":"record","name":"LinkedList","fields":[{"name":"value","type":"int"},{"name":"next","type":["null","LinkedList"]}]}"#,
    r#"["null","double",{"type":"array","items":"float"},{"type":"map","values":"bytes"}]"#,
    r#""string""#,
    // Items that take a byte: arrays of zero-width items (up to 2^24 of them, by design) make
    // single inputs take seconds, which starves the rest of the run.
    r#"{"type":"array","items":{"type":"record","name":"Z","fields":[{"name":"z","type":"null"},{"name":"b","type":"boolean"}]}}"#,
];

/// Writer, reader.
const PAIRS: &[(&str, &str)] = &[
    (
        r#"{"type":"record","name":"U","fields":[
            {"name":"id","type":"int"},{"name":"gone","type":{"type":"array","items":"string"}},
            {"name":"n","type":"float"},{"name":"s","type":"string"},
            {"name":"c","type":{"type":"enum","name":"C","symbols":["A","B"]}},
            {"name":"o","type":"string"},{"name":"w","type":["null","int"]},
            {"name":"m","type":{"type":"map","values":"int"}}]}"#,
        r#"{"type":"record","name":"U","fields":[
            {"name":"s","type":"bytes"},{"name":"id","type":"long"},
            {"name":"n","type":"double"},
            {"name":"added","type":["null","string"],"default":null},
            {"name":"c","type":{"type":"enum","name":"C","symbols":["B","Z"],"default":"Z"}},
            {"name":"o","type":["null","string"]},{"name":"w","type":["null","string","double"]},
            {"name":"m","type":{"type":"map","values":"float"}},
            {"name":"x","type":{"type":"record","name":"X","fields":[{"name":"q","type":"int"}]},"default":{"q":3}}]}"#,
    ),
    (
        r#"["int","string",{"type":"array","items":"long"}]"#,
        r#"["null","double","bytes",{"type":"array","items":"float"}]"#,
    ),
    (
        r#"{"type":"record","name":"LinkedList","fields":[{"name":"value","type":"int"},{"name":"next","type":["null","LinkedList"]}]}"#,
        r#"{"type":"record","name":"LinkedList","fields":[{"name":"value","type":"long"},{"name":"next","type":["null","LinkedList"]},{"name":"tag","type":"string","default":"t"}]}"#,
    ),
    (
        r#"{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}"#,
        r#"{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}"#,
    ),
];

struct Compiled {
    schemas: Vec<AvroSchema>,
    pairs: Vec<(AvroSchema, AvroSchema)>,
}

fn compiled() -> &'static Compiled {
    static C: OnceLock<Compiled> = OnceLock::new();
    C.get_or_init(|| {
        let parse = |s: &str| AvroSchema::parse(s, &[]).unwrap_or_else(|e| panic!("{e}: {s}"));
        Compiled {
            schemas: SCHEMAS.iter().map(|s| parse(s)).collect(),
            pairs: PAIRS.iter().map(|(w, r)| (parse(w), parse(r))).collect(),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, datum)) = data.split_first() else {
        return;
    };
    let c = compiled();
    let n = c.schemas.len() + c.pairs.len();
    let pick = pick as usize % n;
    if let Some(s) = c.schemas.get(pick) {
        round_trip(s, datum);
    } else {
        let (w, r) = &c.pairs[pick - c.schemas.len()];
        let _ = r.decode_as(w, datum);
        round_trip(w, datum);
    }
});

fn round_trip(s: &AvroSchema, datum: &[u8]) {
    let decoded = s.decode(datum);
    let resolved = s.decode_as(s, datum);
    assert_eq!(
        decoded.as_ref().ok(),
        resolved.as_ref().ok(),
        "resolution against itself is decoding"
    );
    let Ok(v) = decoded else { return };
    let bytes = match s.encode_json(&v) {
        Ok(bytes) => bytes,
        // Decoding shows what a datum holds without holding a decimal to its precision or a
        // uuid string to the uuid syntax; encoding and checking JSON do both.
        Err(e)
            if e.reason.contains("digits; the schema allows")
                || e.reason.starts_with("expected a uuid") =>
        {
            return
        }
        Err(e) => panic!("a decoded view encodes: {e:?}\n{v}"),
    };
    assert_eq!(
        s.decode(&bytes).ok(),
        Some(v),
        "decode(encode(view)) is the view"
    );
}
