//! Round trips through apache-avro: values generated for a few schemas are written with
//! apache-avro and must read back, with our decoder, as their JSON view; that view must write
//! back (ours) to a datum that reads the same.

use super::*;
use apache_avro::types::Value as AValue;
use proptest::prelude::*;
use serde_json::json;
use serde_json::Map;

/// A value as apache-avro takes it, and its JSON view (the table in the module docs).
type Pair = (AValue, Value);

fn float_expected(f: f32) -> Value {
    match f {
        f if f.is_nan() => json!("NaN"),
        f if f.is_infinite() => json!(if f > 0.0 { "Infinity" } else { "-Infinity" }),
        f => json!(format!("{f}").parse::<f64>().unwrap()),
    }
}

fn double_expected(f: f64) -> Value {
    match f {
        f if f.is_nan() => json!("NaN"),
        f if f.is_infinite() => json!(if f > 0.0 { "Infinity" } else { "-Infinity" }),
        f => json!(f),
    }
}

fn latin1_expected(b: &[u8]) -> Value {
    Value::String(b.iter().map(|&b| char::from(b)).collect())
}

fn scalars() -> impl Strategy<Value = Vec<(&'static str, Pair)>> {
    (
        any::<bool>(),
        any::<i32>(),
        any::<i64>(),
        any::<f32>(),
        any::<f64>(),
        proptest::collection::vec(any::<u8>(), 0..12),
        any::<String>(),
    )
        .prop_map(|(b, i, l, f, d, by, s)| {
            vec![
                ("b", (AValue::Boolean(b), json!(b))),
                ("i", (AValue::Int(i), json!(i))),
                ("l", (AValue::Long(l), json!(l))),
                ("f", (AValue::Float(f), float_expected(f))),
                ("d", (AValue::Double(d), double_expected(d))),
                ("by", (AValue::Bytes(by.clone()), latin1_expected(&by))),
                ("s", (AValue::String(s.clone()), json!(s))),
            ]
        })
}

fn complex() -> impl Strategy<Value = Vec<(&'static str, Pair)>> {
    let union = prop_oneof![
        Just((AValue::Union(0, Box::new(AValue::Null)), Value::Null)),
        any::<String>().prop_map(|s| (
            AValue::Union(1, Box::new(AValue::String(s.clone()))),
            json!(s)
        )),
        any::<f64>().prop_map(|d| (
            AValue::Union(2, Box::new(AValue::Double(d))),
            double_expected(d)
        )),
    ];
    (
        0..3u32,
        proptest::array::uniform3(any::<u8>()),
        proptest::collection::vec(any::<i64>(), 0..6),
        proptest::collection::btree_map(any::<String>(), any::<String>(), 0..5),
        union,
    )
        .prop_map(|(e, fx, a, m, u)| {
            let symbol = ["A", "B", "C"][e as usize];
            vec![
                ("e", (AValue::Enum(e, symbol.into()), json!(symbol))),
                ("fx", (AValue::Fixed(3, fx.to_vec()), latin1_expected(&fx))),
                (
                    "a",
                    (
                        AValue::Array(a.iter().map(|&n| AValue::Long(n)).collect()),
                        json!(a),
                    ),
                ),
                (
                    "m",
                    (
                        AValue::Map(
                            m.iter()
                                .map(|(k, v)| (k.clone(), AValue::String(v.clone())))
                                .collect(),
                        ),
                        json!(m),
                    ),
                ),
                ("u", u),
            ]
        })
}

const RECORD: &str = r#"{"type":"record","name":"P","fields":[
    {"name":"b","type":"boolean"},{"name":"i","type":"int"},{"name":"l","type":"long"},
    {"name":"f","type":"float"},{"name":"d","type":"double"},{"name":"by","type":"bytes"},
    {"name":"s","type":"string"},
    {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B","C"]}},
    {"name":"fx","type":{"type":"fixed","name":"F3","size":3}},
    {"name":"a","type":{"type":"array","items":"long"}},
    {"name":"m","type":{"type":"map","values":"string"}},
    {"name":"u","type":["null","string","double"]}]}"#;

const LIST: &str = r#"{"type":"record","name":"LinkedList","fields":[
    {"name":"value","type":"int"},{"name":"next","type":["null","LinkedList"]}]}"#;

fn record() -> impl Strategy<Value = Pair> {
    (scalars(), complex()).prop_map(|(a, b)| {
        let fields: Vec<(&str, Pair)> = a.into_iter().chain(b).collect();
        let mut view = Map::new();
        for (name, (_, v)) in &fields {
            view.insert((*name).to_string(), v.clone());
        }
        let avro = fields
            .into_iter()
            .map(|(name, (a, _))| (name.to_string(), a))
            .collect();
        (AValue::Record(avro), Value::Object(view))
    })
}

fn list() -> impl Strategy<Value = Pair> {
    proptest::collection::vec(any::<i32>(), 1..20).prop_map(|items| {
        let (mut a, mut v) = (AValue::Union(0, Box::new(AValue::Null)), Value::Null);
        for (i, n) in items.iter().rev().enumerate() {
            let rec = AValue::Record(vec![("value".into(), AValue::Int(*n)), ("next".into(), a)]);
            v = json!({"value": n, "next": v});
            a = if i + 1 == items.len() {
                rec
            } else {
                AValue::Union(1, Box::new(rec))
            };
        }
        (a, v)
    })
}

fn round_trip(schema: &AvroSchema, (avro, view): Pair) -> Result<(), TestCaseError> {
    let datum = apache_avro::to_avro_datum(schema.inner(), avro)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let ours = schema
        .decode(&datum)
        .map_err(|v| TestCaseError::fail(format!("{v:?}")))?;
    prop_assert_eq!(&ours, &view);
    let again = schema
        .encode_json(&ours)
        .map_err(|v| TestCaseError::fail(format!("{v:?}")))?;
    prop_assert_eq!(schema.decode(&again).ok(), Some(view));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn avro_records_round_trip_through_apache_avro(pair in record()) {
        let schema = AvroSchema::parse(RECORD, &[]).unwrap();
        round_trip(&schema, pair)?;
    }

    #[test]
    fn avro_recursive_records_round_trip_through_apache_avro(pair in list()) {
        let schema = AvroSchema::parse(LIST, &[]).unwrap();
        round_trip(&schema, pair)?;
    }
}
