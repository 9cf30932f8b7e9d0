//! Unit tests of the Avro module: decoding pinned to apache-avro, the JSON view, violations and
//! their pointers, resolution, canonical form, and the regressions found in review and fuzzing.

use super::compile::collect_defs;
use super::logical::{
    decimal_string, parse_decimal, parse_uuid, place_point, sign_extend, unscaled_bytes,
    uuid_string,
};
use super::*;
use apache_avro::schema::Name;
use apache_avro::types::Value as AValue;
use serde_json::json;
use serde_json::Number;
use std::str::FromStr;

fn schema(text: &str) -> AvroSchema {
    AvroSchema::parse(text, &[]).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// Regression (review): a failing event under nested `["null", Record]` unions cost twice
/// as much per level (one event 60 levels deep would never finish).
#[test]
fn nested_unions_are_checked_in_linear_time() {
    let s = schema(
        r#"{"type":"record","name":"L","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","L"]}]}"#,
    );
    let mut v = json!({"v": "bad", "next": null});
    for _ in 0..40 {
        v = json!({"v": 1, "next": v});
    }
    let started = std::time::Instant::now();
    let mut out = Vec::new();
    s.check_json(&v, &mut out, 16);
    assert!(!out.is_empty());
    // Exponential work would take hours; linear work takes microseconds.
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

/// Regression (review): blocks of items that take no bytes, repeated, asked for billions.
#[test]
fn zero_width_items_are_limited_over_all_blocks() {
    let s = schema(r#"{"type":"array","items":"null"}"#);
    let mut datum = Vec::new();
    for _ in 0..8 {
        datum.extend_from_slice(&[0x80, 0x80, 0x80, 0x10]); // 2^24 items
    }
    datum.push(0);
    let e = s.decode(&datum).unwrap_err();
    assert!(e.reason.contains("implausibly large"), "{}", e.reason);
    // One honest block is fine.
    assert_eq!(s.decode(&[0x06, 0x00]).unwrap(), json!([null, null, null]));
}

/// Regression (fuzz, avro_schema): 2^24 zero-width items (an array of a zero-size fixed,
/// from a 7-byte datum) were allowed, a gigabyte of values for one record.
#[test]
fn zero_width_items_are_limited_to_a_million() {
    let s = schema(r#"{"type":"array","items":{"type":"fixed","name":"F","size":0}}"#);
    let mut datum = vec![0x82, 0x80, 0x80, 0x01]; // 2^20 + 1 items
    datum.push(0);
    let e = s.decode(&datum).unwrap_err();
    assert!(e.reason.contains("implausibly large"), "{}", e.reason);
    let v = s.decode(&[0xd0, 0x0f, 0x00]).unwrap(); // 1000 items
    assert_eq!(v.as_array().map(Vec::len), Some(1000));
}

/// Regression (review): a big-decimal's scale comes from the datum; a huge one must not
/// ask for gigabytes of zeros.
#[test]
fn huge_decimal_scales_are_written_with_an_exponent() {
    assert_eq!(place_point("12", false, -(1 << 34)), "12E17179869184");
    assert_eq!(place_point("12", true, 1 << 34), "-12E-17179869184");
    assert_eq!(place_point("1234", false, 2), "12.34");
    let mut out = Vec::new();
    schema(r#"{"type":"bytes","logicalType":"decimal","precision":5,"scale":2}"#).check_json(
        &json!("1e9223372036854775807"),
        &mut out,
        4,
    );
    assert!(!out.is_empty());
}

/// Regression (review): `"namespace": ""` puts a nested type in the null namespace, so
/// `X` and `a.b.X` are two types.
#[test]
fn an_empty_namespace_is_the_null_namespace() {
    let s = schema(
        r#"{"type":"record","name":"Outer","namespace":"a.b","fields":[
            {"name":"n","type":{"type":"record","name":"N","namespace":"","fields":[
                {"name":"x","type":{"type":"record","name":"X","fields":[{"name":"s","type":"string"}]}}]}},
            {"name":"y","type":{"type":"record","name":"X","fields":[{"name":"i","type":"int"}]}}]}"#,
    );
    // As fastavro writes {"n":{"x":{"s":"hi"}},"y":{"i":7}}.
    assert_eq!(
        s.decode(&[0x04, b'h', b'i', 0x0e]).unwrap(),
        json!({"n": {"x": {"s": "hi"}}, "y": {"i": 7}})
    );
}

/// Regression (review): a decimal read at another scale showed another number.
#[test]
fn decimals_resolve_only_at_the_same_precision_and_scale() {
    let dec = |p: u32, s: u32| {
        schema(&format!(
            r#"{{"type":"record","name":"R","fields":[{{"name":"d","type":{{"type":"bytes","logicalType":"decimal","precision":{p},"scale":{s}}}}}]}}"#
        ))
    };
    let writer = dec(10, 2);
    let datum = [0x04, 0x04, 0xd2]; // 1234 unscaled: 12.34
    assert_eq!(writer.decode(&datum).unwrap(), json!({"d": "12.34"}));
    assert_eq!(
        dec(10, 2).decode_as(&writer, &datum).unwrap(),
        json!({"d": "12.34"})
    );
    let e = dec(10, 3).decode_as(&writer, &datum).unwrap_err();
    assert!(e.reason.contains("scale"), "{}", e.reason);
    // The plan of one writer is not reused for a writer that differs only in scale.
    let reader = dec(10, 2);
    assert!(reader.decode_as(&writer, &datum).is_ok());
    assert!(reader.decode_as(&dec(10, 3), &datum).is_err());
}

/// Regression (review): comparing a type referenced twice at every level took time
/// exponential in the depth when a plan was built.
#[test]
fn plans_over_shared_named_types_are_built_in_polynomial_time() {
    let levels = 30;
    let mut t = r#"{"type":"record","name":"T0","fields":[{"name":"x","type":"int"}]}"#.to_string();
    for i in 1..levels {
        t = format!(
            r#"{{"type":"record","name":"T{i}","fields":[{{"name":"a","type":{t}}},{{"name":"b","type":"T{}"}}]}}"#,
            i - 1
        );
    }
    let writer = schema(&t);
    // The reader adds a field with a default at the top: not the same schema.
    let reader_text = format!(
        "{},{{\"name\":\"extra\",\"type\":\"int\",\"default\":0}}]}}",
        t.strip_suffix("]}").unwrap()
    );
    let reader = schema(&reader_text);
    let started = std::time::Instant::now();
    let _ = reader.decode_as(&writer, &[]);
    // Exponential work would take hours at this depth.
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

/// Regression (review): apache-avro 0.20 refuses a decimal field's default, which the
/// specification allows; such a schema made a whole topic unreadable.
#[test]
fn decimal_fields_may_have_defaults() {
    let writer = schema(r#"{"type":"record","name":"R","fields":[{"name":"n","type":"int"}]}"#);
    let reader = schema(
        r#"{"type":"record","name":"R","fields":[{"name":"n","type":"int"},
            {"name":"d","type":{"type":"bytes","logicalType":"decimal","precision":5,"scale":2},"default":"\u0004\u00d2"}]}"#,
    );
    assert_eq!(
        reader.decode_as(&writer, &[0x02]).unwrap(),
        json!({"n": 1, "d": "12.34"})
    );
    let mut out = Vec::new();
    reader.check_json(&json!({"n": 1}), &mut out, 4);
    assert_eq!(out, []);
    assert_eq!(
        crate::schema::compat::avro(&writer, &reader, crate::schema::compat::Mode::Full),
        Vec::<String>::new()
    );
}

#[test]
fn floats_out_of_range_are_violations() {
    let s = schema(r#""float""#);
    let mut out = Vec::new();
    s.check_json(&json!(1e39), &mut out, 4);
    assert_eq!(out.len(), 1, "{out:?}");
    out.clear();
    s.check_json(&json!(3.4e38), &mut out, 4);
    assert_eq!(out, []);
    schema(r#""double""#).check_json(&json!(1e39), &mut out, 4);
    assert_eq!(out, []);
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
    fn string(&mut self) -> String {
        const CHARS: &[char] = &['a', 'Z', '0', ' ', '/', '~', 'é', '€', '😀', '\u{0}', '"'];
        let n = self.below(8) as usize;
        (0..n)
            .map(|_| CHARS[self.below(CHARS.len() as u64) as usize])
            .collect()
    }
    fn int(&mut self) -> i32 {
        // The low 32 bits of what `integer` gives: the same values an i32 draw gave.
        self.integer(i32::MIN.into(), i32::MAX.into()) as i32
    }
    fn long(&mut self) -> i64 {
        self.integer(i64::MIN, i64::MAX)
    }
    /// An edge (`min`, `max`), a small number or any 64 bits.
    fn integer(&mut self, min: i64, max: i64) -> i64 {
        match self.below(4) {
            0 => min,
            1 => max,
            2 => self.below(200) as i64 - 100,
            _ => self.next() as i64,
        }
    }
}

type Defs<'s> = HashMap<Name, &'s Schema>;

fn defs(s: &Schema) -> Defs<'_> {
    let mut d = HashMap::new();
    collect_defs(s, &mut d);
    d
}

/// A random apache-avro value of a schema.
fn gen(s: &Schema, d: &Defs, rng: &mut Rng, depth: usize) -> AValue {
    match s {
        Schema::Null => AValue::Null,
        Schema::Boolean => AValue::Boolean(rng.below(2) == 1),
        Schema::Int => AValue::Int(rng.int()),
        Schema::Long => AValue::Long(rng.long()),
        Schema::Float => AValue::Float(match rng.below(6) {
            0 => f32::NAN,
            1 => f32::NEG_INFINITY,
            2 => 0.1,
            3 => -1.5e-40,
            _ => f32::from_bits(rng.next() as u32),
        }),
        Schema::Double => AValue::Double(match rng.below(5) {
            0 => f64::INFINITY,
            1 => 0.1,
            _ => f64::from_bits(rng.next()),
        }),
        Schema::Bytes => {
            let n = rng.below(6) as usize;
            AValue::Bytes(rng.bytes(n))
        }
        Schema::String => AValue::String(rng.string()),
        Schema::Uuid => AValue::Uuid(apache_avro::Uuid::from_bytes(
            rng.bytes(16).try_into().unwrap(),
        )),
        Schema::Date => AValue::Date(rng.int()),
        Schema::TimeMillis => AValue::TimeMillis(rng.int()),
        Schema::TimeMicros => AValue::TimeMicros(rng.long()),
        Schema::TimestampMillis => AValue::TimestampMillis(rng.long()),
        Schema::TimestampMicros => AValue::TimestampMicros(rng.long()),
        Schema::TimestampNanos => AValue::TimestampNanos(rng.long()),
        Schema::LocalTimestampMillis => AValue::LocalTimestampMillis(rng.long()),
        Schema::LocalTimestampMicros => AValue::LocalTimestampMicros(rng.long()),
        Schema::LocalTimestampNanos => AValue::LocalTimestampNanos(rng.long()),
        Schema::BigDecimal => {
            let text = format!("{}.{:03}", rng.int(), rng.below(1000));
            AValue::BigDecimal(apache_avro::BigDecimal::from_str(&text).unwrap())
        }
        Schema::Decimal(dec) => {
            // Within the precision, which apache-avro does not check but check_json does.
            let n = 1 + rng.below(dec.precision.min(18) as u64) as usize;
            let digits: String = (0..n)
                .map(|_| char::from(b'0' + rng.below(10) as u8))
                .collect();
            let b = unscaled_bytes(rng.below(2) == 1, &digits);
            let b = match &*dec.inner {
                Schema::Fixed(f) => sign_extend(&b, f.size).unwrap(),
                _ => b,
            };
            AValue::Decimal(apache_avro::Decimal::from(b))
        }
        Schema::Fixed(f) => AValue::Fixed(f.size, rng.bytes(f.size)),
        Schema::Enum(e) => {
            let i = rng.below(e.symbols.len() as u64) as usize;
            AValue::Enum(i as u32, e.symbols[i].clone())
        }
        Schema::Array(a) => {
            let n = if depth > 3 { 0 } else { rng.below(4) };
            AValue::Array((0..n).map(|_| gen(&a.items, d, rng, depth + 1)).collect())
        }
        Schema::Map(m) => {
            let n = if depth > 3 { 0 } else { rng.below(4) };
            AValue::Map(
                (0..n)
                    .map(|_| (rng.string(), gen(&m.types, d, rng, depth + 1)))
                    .collect(),
            )
        }
        Schema::Union(u) => {
            let vs = u.variants();
            let null = vs.iter().position(|v| matches!(v, Schema::Null));
            let i = match null {
                Some(i) if depth > 3 => i,
                _ => rng.below(vs.len() as u64) as usize,
            };
            AValue::Union(i as u32, Box::new(gen(&vs[i], d, rng, depth + 1)))
        }
        Schema::Record(r) => AValue::Record(
            r.fields
                .iter()
                .map(|f| (f.name.clone(), gen(&f.schema, d, rng, depth + 1)))
                .collect(),
        ),
        Schema::Ref { name } => {
            let fq = name.clone();
            gen(d[&fq], d, rng, depth)
        }
        Schema::Duration => unreachable!("prepare turns durations into fixed"),
    }
}

/// apache-avro's decoded value in the JSON view, written independently of the decoder.
fn view(v: &AValue, s: &Schema, d: &Defs) -> Value {
    let text = |s: String| Value::String(s);
    let chars = |b: &[u8]| Value::String(b.iter().map(|&b| b as char).collect());
    let float = |f: f64, shortest: String| {
        if f.is_nan() {
            json!("NaN")
        } else if f.is_infinite() {
            json!(if f > 0.0 { "Infinity" } else { "-Infinity" })
        } else {
            Value::Number(Number::from_f64(shortest.parse().unwrap()).unwrap())
        }
    };
    if let Schema::Ref { name } = s {
        let fq = name.clone();
        return view(v, d[&fq], d);
    }
    match (v, s) {
        (AValue::Union(i, inner), Schema::Union(u)) => view(inner, &u.variants()[*i as usize], d),
        (AValue::Null, _) => Value::Null,
        (AValue::Boolean(b), _) => json!(b),
        (AValue::Int(i) | AValue::Date(i) | AValue::TimeMillis(i), _) => json!(i),
        (
            AValue::Long(i)
            | AValue::TimeMicros(i)
            | AValue::TimestampMillis(i)
            | AValue::TimestampMicros(i)
            | AValue::TimestampNanos(i)
            | AValue::LocalTimestampMillis(i)
            | AValue::LocalTimestampMicros(i)
            | AValue::LocalTimestampNanos(i),
            _,
        ) => json!(i),
        (AValue::Float(f), _) => float(f64::from(*f), f.to_string()),
        (AValue::Double(f), _) => float(*f, f.to_string()),
        (AValue::Bytes(b) | AValue::Fixed(_, b), _) => chars(b),
        (AValue::String(s) | AValue::Enum(_, s), _) => text(s.clone()),
        (AValue::Uuid(u), _) => text(u.to_string()),
        (AValue::Decimal(dec), Schema::Decimal(ds)) => text(
            apache_avro::BigDecimal::new(dec.clone().into(), ds.scale as i64).to_plain_string(),
        ),
        (AValue::BigDecimal(b), _) => text(b.to_plain_string()),
        (AValue::Array(xs), Schema::Array(a)) => {
            Value::Array(xs.iter().map(|x| view(x, &a.items, d)).collect())
        }
        (AValue::Map(m), Schema::Map(ms)) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), view(x, &ms.types, d)))
                .collect(),
        ),
        (AValue::Record(fs), Schema::Record(r)) => Value::Object(
            fs.iter()
                .zip(&r.fields)
                .map(|((k, x), f)| (k.clone(), view(x, &f.schema, d)))
                .collect(),
        ),
        (v, s) => panic!("no view for {v:?} as {s:?}"),
    }
}

/// Schemas covering every type, logical types, nesting, recursion, named references,
/// unions and defaults.
const SCHEMAS: &[&str] = &[
    r#""null""#,
    r#""boolean""#,
    r#""int""#,
    r#""long""#,
    r#""float""#,
    r#""double""#,
    r#""bytes""#,
    r#""string""#,
    r#"{"type":"fixed","name":"F4","size":4}"#,
    r#"{"type":"enum","name":"Color","symbols":["RED","GREEN","BLUE"]}"#,
    r#"{"type":"array","items":"long"}"#,
    r#"{"type":"map","values":["null","double"]}"#,
    r#"["null","string",{"type":"array","items":"int"},{"type":"map","values":"bytes"}]"#,
    r#"{"type":"record","name":"Logical","namespace":"com.acme","fields":[
        {"name":"dec","type":{"type":"bytes","logicalType":"decimal","precision":40,"scale":2}},
        {"name":"decf","type":{"type":"fixed","name":"D9","size":9,"logicalType":"decimal","precision":20,"scale":4}},
        {"name":"big","type":{"type":"bytes","logicalType":"big-decimal"}},
        {"name":"id","type":{"type":"string","logicalType":"uuid"}},
        {"name":"day","type":{"type":"int","logicalType":"date"}},
        {"name":"tm","type":{"type":"int","logicalType":"time-millis"}},
        {"name":"tu","type":{"type":"long","logicalType":"time-micros"}},
        {"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
        {"name":"tsu","type":{"type":"long","logicalType":"timestamp-micros"}},
        {"name":"tsn","type":{"type":"long","logicalType":"timestamp-nanos"}},
        {"name":"lts","type":{"type":"long","logicalType":"local-timestamp-millis"}},
        {"name":"ltsu","type":{"type":"long","logicalType":"local-timestamp-micros"}},
        {"name":"ltsn","type":{"type":"long","logicalType":"local-timestamp-nanos"}},
        {"name":"dur","type":{"type":"fixed","name":"Dur","size":12,"logicalType":"duration"}},
        {"name":"odd","type":{"type":"string","logicalType":"no-such-type"}}
    ]}"#,
    r#"{"type":"record","name":"UserRegistered","namespace":"com.acme","fields":[
        {"name":"id","type":"string"},
        {"name":"age","type":["null","int"],"default":null},
        {"name":"score","type":"float","default":0.5},
        {"name":"color","type":{"type":"enum","name":"Color","symbols":["RED","GREEN"]}},
        {"name":"favourite","type":"Color"},
        {"name":"hash","type":{"type":"fixed","name":"Hash","namespace":"com.other","size":3}},
        {"name":"hash2","type":"com.other.Hash"},
        {"name":"address","type":{"type":"record","name":"Address","fields":[
            {"name":"street","type":"string"},
            {"name":"zip","type":["null","string","long"]},
            {"name":"geo","type":{"type":"record","name":"Geo","namespace":"geo","fields":[
                {"name":"lat","type":"double"},{"name":"lon","type":"double"}]}}
        ]}},
        {"name":"previous","type":{"type":"array","items":"Address"}},
        {"name":"tags","type":{"type":"map","values":{"type":"array","items":"string"}}},
        {"name":"choice","type":["null","Color","Address","bytes","boolean"]},
        {"name":"nothing","type":"null"}
    ]}"#,
    r#"{"type":"record","name":"LinkedList","fields":[
        {"name":"value","type":"int"},
        {"name":"next","type":["null","LinkedList"]}
    ]}"#,
    r#"{"type":"record","name":"Tree","fields":[
        {"name":"label","type":"string"},
        {"name":"children","type":{"type":"array","items":"Tree"}},
        {"name":"attrs","type":{"type":"map","values":"Tree"}}
    ]}"#,
];

/// The decoder agrees with apache-avro's from_avro_datum on random values of every schema,
/// and its output checks clean and encodes back to the same bytes.
#[test]
fn decode_matches_apache_avro_on_random_values() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for text in SCHEMAS {
        let s = schema(text);
        let d = defs(s.inner());
        for _ in 0..200 {
            let value = gen(s.inner(), &d, &mut rng, 0);
            let bytes = apache_avro::to_avro_datum(s.inner(), value.clone())
                .unwrap_or_else(|e| panic!("{e}: {value:?}"));
            let theirs = apache_avro::from_avro_datum(s.inner(), &mut &bytes[..], None).unwrap();
            let expected = view(&theirs, s.inner(), &d);
            let ours = s
                .decode(&bytes)
                .unwrap_or_else(|v| panic!("{v:?} in {text}"));
            assert_eq!(ours, expected, "{text}");
            // Record fields in schema order (Value equality ignores key order; a map's
            // order is apache-avro's HashMap's).
            if let (Value::Object(a), Value::Object(b), Schema::Record(_)) =
                (&ours, &expected, s.inner())
            {
                assert!(a.keys().eq(b.keys()), "{text}");
            }
            let mut problems = Vec::new();
            s.check_json(&ours, &mut problems, 10);
            assert_eq!(problems, vec![], "{ours} in {text}");
            let again = s
                .encode_json(&ours)
                .unwrap_or_else(|v| panic!("{v:?}: {ours}"));
            assert_eq!(s.decode(&again).unwrap(), ours, "{text}");
        }
    }
}

#[test]
fn json_view_of_each_kind() {
    let s = schema(
        r#"{"type":"record","name":"R","fields":[
            {"name":"f","type":"float"},{"name":"nan","type":"double"},
            {"name":"b","type":"bytes"},{"name":"u","type":["null","string"]},
            {"name":"d","type":{"type":"bytes","logicalType":"decimal","precision":6,"scale":2}},
            {"name":"id","type":{"type":"fixed","name":"U","size":16,"logicalType":"uuid"}}]}"#,
    );
    let mut datum = Vec::new();
    datum.extend_from_slice(&0.1f32.to_le_bytes());
    datum.extend_from_slice(&f64::NAN.to_le_bytes());
    datum.extend_from_slice(&[4, 0x00, 0xff]);
    datum.extend_from_slice(&[2, 4, b'h', b'i']);
    datum.extend_from_slice(&[4, 0xfb, 0x2e]); // -1234
    datum.extend_from_slice(&[
        0x2c, 0x6a, 0x4b, 0x9e, 0x01, 0x02, 0x43, 0x04, 0x85, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
        0x0c,
    ]);
    let v = s.decode(&datum).unwrap();
    assert_eq!(
        v.to_string(),
        r#"{"f":0.1,"nan":"NaN","b":"\u0000ÿ","u":"hi","d":"-12.34","id":"2c6a4b9e-0102-4304-8506-0708090a0b0c"}"#
    );
    // A uuid fixed stays a named fixed for apache-avro and in the canonical form.
    assert!(
        matches!(s.inner(), Schema::Record(r) if matches!(r.fields[5].schema, Schema::Fixed(_)))
    );
    assert!(s
        .canonical()
        .ends_with(r#"{"name":"id","type":{"name":"U","type":"fixed","size":16}}]}"#));
    assert_eq!(s.encode_json(&v).unwrap(), datum);
}

#[test]
fn decimal_strings() {
    assert_eq!(decimal_string(&[0x04, 0xd2], 2), "12.34");
    assert_eq!(decimal_string(&[0xfb, 0x2e], 2), "-12.34");
    assert_eq!(decimal_string(&[0x05], 3), "0.005");
    assert_eq!(decimal_string(&[0xfb], 3), "-0.005");
    assert_eq!(decimal_string(&[0x00], 2), "0.00");
    assert_eq!(decimal_string(&[], 0), "0");
    assert_eq!(decimal_string(&[0x07], -2), "700");
    // Longer than an i128: pinned to the bigdecimal crate apache-avro uses.
    for bytes in [vec![0x7f; 20], vec![0x80; 17], {
        let mut b = vec![0xff; 24];
        b[23] = 0x00;
        b
    }] {
        let expected = apache_avro::BigDecimal::new(apache_avro::Decimal::from(&bytes).into(), 5)
            .to_plain_string();
        assert_eq!(decimal_string(&bytes, 5), expected);
    }
    // And back.
    for (text, scale) in [
        ("12.34", 2),
        ("-0.005", 3),
        ("0", 0),
        ("-128", 0),
        ("1e3", 1),
    ] {
        let d = parse_decimal(text).unwrap();
        let b = unscaled_bytes(d.negative, &d.rescale(scale).unwrap());
        assert_eq!(
            parse_decimal(&decimal_string(&b, scale as i64))
                .unwrap()
                .rescale(scale),
            d.rescale(scale),
            "{text}"
        );
    }
    assert_eq!(unscaled_bytes(true, "128"), vec![0x80]);
    assert_eq!(unscaled_bytes(false, "128"), vec![0x00, 0x80]);
    assert!(parse_decimal("12.345").unwrap().rescale(2).is_err());
    assert_eq!(parse_decimal("12.300").unwrap().rescale(2).unwrap(), "1230");
    assert!(parse_decimal("1.2.3").is_none());
    assert!(parse_decimal("").is_none());
}

fn violation(r: Result<Value, Violation>) -> (String, String) {
    let v = r.expect_err("should fail");
    (v.pointer, v.reason)
}

const EVENT: &str = r#"{"type":"record","name":"Event","namespace":"com.acme","fields":[
    {"name":"id","type":"string"},
    {"name":"kind","type":{"type":"enum","name":"Kind","symbols":["A","B"]}},
    {"name":"data","type":{"type":"record","name":"Data","fields":[
        {"name":"attributes","type":{"type":"record","name":"Attrs","fields":[
            {"name":"duration_ms","type":"float"},
            {"name":"tags","type":{"type":"array","items":"string"}}]}},
        {"name":"extra","type":["null","string","long"]}]}}]}"#;

#[test]
fn decode_failures_say_where_and_why() {
    let s = schema(EVENT);
    let good = s
        .encode_json(&json!({"id":"x","kind":"B","data":{"attributes":{
            "duration_ms":1.5,"tags":["p","q"]},"extra":7}}))
        .unwrap();
    assert!(s.decode(&good).is_ok());
    // "x" (2 bytes), kind (1), then 4 bytes of float: cut 2 of them.
    assert_eq!(
        violation(s.decode(&good[..5])),
        (
            "/data/attributes/duration_ms".into(),
            "truncated: needed 2 more bytes for a float".into()
        )
    );
    let mut bad_enum = good.clone();
    bad_enum[2] = 18; // zigzag 9
    assert_eq!(
        violation(s.decode(&bad_enum)),
        (
            "/kind".into(),
            "enum index 9 out of range (2 symbols)".into()
        )
    );
    let mut bad_utf8 = good.clone();
    bad_utf8[9] = 0xff; // the first tag's only byte
    assert_eq!(
        violation(s.decode(&bad_utf8)),
        (
            "/data/attributes/tags/0".into(),
            "invalid UTF-8 in string".into()
        )
    );
    let mut bad_branch = good.clone();
    let n = bad_branch.len();
    bad_branch[n - 2] = 14; // zigzag 7
    assert_eq!(
        violation(s.decode(&bad_branch)),
        (
            "/data/extra".into(),
            "union branch index 7 out of range (3 branches)".into()
        )
    );
    let mut long = good.clone();
    long.extend_from_slice(&[1, 2, 3]);
    assert_eq!(
        violation(s.decode(&long)),
        (String::new(), "3 bytes left over after the datum".into())
    );
    // A block count the bytes cannot hold is refused before allocating for it.
    let arr = schema(r#"{"type":"array","items":"long"}"#);
    let (p, why) = violation(arr.decode(&[0xfe, 0xff, 0xff, 0xff, 0x0f]));
    assert_eq!(p, "");
    assert!(
        why.starts_with("truncated: an array block of 2147483647 items"),
        "{why}"
    );
    let nulls = schema(r#"{"type":"array","items":"null"}"#);
    assert_eq!(nulls.decode(&[6, 0]).unwrap(), json!([null, null, null]));
    assert!(nulls.decode(&[0xfe, 0xff, 0xff, 0xff, 0x0f, 0]).is_err());
    // Escaped pointer tokens.
    let odd = schema(
        r#"{"type":"record","name":"O","fields":[{"name":"x","type":{"type":"map","values":"int"}}]}"#,
    );
    assert_eq!(
        violation(odd.decode(&[2, 6, b'a', b'/', b'~', 0x80])),
        (
            "/x/a~1~0".into(),
            "truncated: needed 1 more byte for an int".into()
        )
    );
    let int = schema(r#""int""#);
    assert_eq!(
        violation(int.decode(&[0x80, 0x80, 0x80, 0x80, 0x20])),
        (String::new(), "int out of range: 4294967296".into())
    );
    let boolean = schema(r#""boolean""#);
    assert_eq!(
        violation(boolean.decode(&[2])).1,
        "invalid boolean byte 0x02"
    );
    assert_eq!(
        violation(boolean.decode(&[])).1,
        "truncated: needed 1 more byte for a boolean"
    );
}

#[test]
fn deep_recursion_is_refused_not_a_stack_overflow() {
    let list = schema(SCHEMAS.iter().find(|t| t.contains("LinkedList")).unwrap());
    let mut datum = Vec::new();
    for _ in 0..100_000 {
        datum.extend_from_slice(&[2, 2]); // value 1, then the LinkedList branch
    }
    datum.extend_from_slice(&[2, 0]);
    let e = list.decode(&datum).unwrap_err();
    assert_eq!(e.reason, "records nested deeper than 128");
    assert!(e.pointer.starts_with("/next/next/next"));
    let e = list.decode_as(&list, &datum).unwrap_err();
    assert_eq!(e.reason, "records nested deeper than 128");
    // Skipped by a reader that does not have the field.
    let w = schema(
        r#"{"type":"record","name":"W","fields":[{"name":"l","type":{"type":"record","name":"LinkedList","fields":[{"name":"value","type":"int"},{"name":"next","type":["null","LinkedList"]}]}}]}"#,
    );
    let r = schema(r#"{"type":"record","name":"W","fields":[]}"#);
    assert_eq!(
        r.decode_as(&w, &datum).unwrap_err().reason,
        "records nested deeper than 128"
    );
    let shallow = list
        .encode_json(&json!({"value": 1, "next": {"value": 2, "next": null}}))
        .unwrap();
    assert_eq!(
        list.decode(&shallow).unwrap(),
        json!({"value": 1, "next": {"value": 2, "next": null}})
    );
}

#[test]
fn check_json_reports_every_violation_with_pointers() {
    let s = schema(EVENT);
    let mut out = Vec::new();
    s.check_json(
        &json!({"id": 5, "kind": "C", "data": {"attributes": {"duration_ms": "1200",
            "tags": ["a", 3]}, "extra": {"long": "x"}}, "fat": true}),
        &mut out,
        100,
    );
    let got: Vec<(&str, &str)> = out
        .iter()
        .map(|v| (v.pointer.as_str(), v.reason.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("/id", "expected string, found number 5"),
            (
                "/kind",
                "\"C\" is not a symbol of enum com.acme.Kind (A, B)"
            ),
            (
                "/data/attributes/duration_ms",
                "expected float, found string \"1200\""
            ),
            ("/data/attributes/tags/1", "expected string, found number 3"),
            ("/data/extra/long", "expected long, found string \"x\""),
            ("/fat", "field 'fat' is not in the schema"),
        ]
    );
    assert!(out.iter().all(|v| v.rule == "schema" && !v.warning));
    // `max` caps the list.
    out.clear();
    s.check_json(&json!({}), &mut out, 2);
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].pointer, "/id");
    assert_eq!(
        out[0].reason,
        "missing field 'id' (the schema gives no default)"
    );
}

#[test]
fn check_json_types_and_unions() {
    let s = schema(
        r#"{"type":"record","name":"T","fields":[
            {"name":"i","type":"int"},
            {"name":"l","type":"long","default":0},
            {"name":"opt","type":["null","string"]},
            {"name":"n","type":["null","int"]},
            {"name":"fx","type":{"type":"fixed","name":"F2","size":2}},
            {"name":"b","type":"bytes"},
            {"name":"d","type":{"type":"bytes","logicalType":"decimal","precision":4,"scale":2}},
            {"name":"u","type":{"type":"string","logicalType":"uuid"}},
            {"name":"m","type":{"type":"map","values":"boolean"}},
            {"name":"two","type":["null","int","string"]}]}"#,
    );
    let check = |v: Value| {
        let mut out = Vec::new();
        s.check_json(&v, &mut out, 100);
        out.into_iter()
            .map(|v| format!("{} {}", v.pointer, v.reason))
            .collect::<Vec<_>>()
    };
    let ok = json!({"i": 1, "opt": "null", "n": null, "fx": "\u{00ff}a", "b": "",
        "d": "12.5", "u": "2c6a4b9e-0102-4304-8506-0708090a0b0c", "m": {"x": true}, "two": 2});
    assert_eq!(check(ok.clone()), Vec::<String>::new());
    let mut wrapped = ok.clone();
    wrapped["opt"] = json!({"string": "x"});
    wrapped["two"] = json!({"int": 4});
    assert_eq!(check(wrapped), Vec::<String>::new());
    let mut bad = ok.clone();
    bad["i"] = json!(2147483648u64);
    bad["l"] = json!(1.5);
    bad["n"] = json!("null");
    bad["fx"] = json!("abc");
    bad["b"] = json!("€");
    bad["d"] = json!("123.4");
    bad["u"] = json!("not-a-uuid");
    bad["m"] = json!({"k/1": "yes"});
    bad["two"] = json!(true);
    assert_eq!(
        check(bad),
        vec![
            "/i int out of range: 2147483648",
            "/l expected long, found number 1.5",
            "/n expected null or int, found string \"null\"",
            "/fx expected fixed of 2 bytes, found 3",
            "/b bytes are written one character per byte (U+0000..U+00FF); found U+20AC",
            "/d decimal 123.4 has 5 digits; the schema allows 4",
            "/u expected a uuid, found string \"not-a-uuid\"",
            "/m/k~11 expected boolean, found string \"yes\"",
            "/two expected null or int or string, found boolean true",
        ]
    );
    // Infinities and NaN as the view writes them.
    let f = schema(r#"["null","double"]"#);
    let mut out = Vec::new();
    f.check_json(&json!("-Infinity"), &mut out, 5);
    f.check_json(&json!("inf"), &mut out, 5);
    assert_eq!(out.len(), 1);
    assert_eq!(f.encode_json(&json!("-Infinity")).unwrap(), {
        let mut b = vec![2];
        b.extend_from_slice(&f64::NEG_INFINITY.to_le_bytes());
        b
    });
}

#[test]
fn encode_json_fills_defaults_and_refuses_what_check_refuses() {
    let s = schema(
        r#"{"type":"record","name":"R","fields":[
            {"name":"a","type":"int"},
            {"name":"b","type":["null","string"],"default":null},
            {"name":"c","type":"bytes","default":"\u00ff"}]}"#,
    );
    let datum = s.encode_json(&json!({"a": -1})).unwrap();
    assert_eq!(datum, vec![1, 0, 2, 0xff]);
    assert_eq!(
        s.decode(&datum).unwrap(),
        json!({"a": -1, "b": null, "c": "\u{ff}"})
    );
    let e = s.encode_json(&json!({"b": "x"})).unwrap_err();
    assert_eq!(
        (e.pointer.as_str(), e.reason.as_str()),
        ("/a", "missing field 'a' (the schema gives no default)")
    );
}

/// Resolution agrees with apache-avro's (decode with the writer, resolve to the reader).
#[test]
fn decode_as_matches_apache_avro() {
    let pairs = [
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
                {"name":"c","type":{"type":"enum","name":"C","symbols":["B","A","Z"]}},
                {"name":"o","type":["null","string"]},{"name":"w","type":["null","string","double"]},
                {"name":"m","type":{"type":"map","values":"float"}},
                {"name":"x","type":{"type":"record","name":"X","fields":[{"name":"q","type":"int"}]},"default":{"q":3}}]}"#,
        ),
        (r#""int""#, r#""double""#),
        (r#""long""#, r#""float""#),
        (r#""string""#, r#"["null","bytes"]"#),
        (
            r#"{"type":"record","name":"LinkedList","fields":[{"name":"value","type":"int"},{"name":"next","type":["null","LinkedList"]}]}"#,
            r#"{"type":"record","name":"LinkedList","fields":[{"name":"value","type":"long"},{"name":"next","type":["null","LinkedList"]},{"name":"tag","type":"string","default":"t"}]}"#,
        ),
    ];
    let mut rng = Rng(42);
    for (w, r) in pairs {
        let (w, r) = (schema(w), schema(r));
        let (wd, rd) = (defs(w.inner()), defs(r.inner()));
        for _ in 0..200 {
            let value = gen(w.inner(), &wd, &mut rng, 0);
            let bytes = apache_avro::to_avro_datum(w.inner(), value).unwrap();
            let theirs = apache_avro::from_avro_datum(w.inner(), &mut &bytes[..], Some(r.inner()))
                .unwrap_or_else(|e| panic!("{e}"));
            let expected = view(&theirs, r.inner(), &rd);
            let ours = r.decode_as(&w, &bytes).unwrap();
            assert_eq!(ours, expected);
            if let (Value::Object(a), Value::Object(b)) = (&ours, &expected) {
                assert!(a.keys().eq(b.keys()));
            }
        }
    }
}

#[test]
fn decode_as_reports_what_cannot_be_read_when_it_is_read() {
    let w = schema(
        r#"{"type":"record","name":"R","fields":[
            {"name":"c","type":{"type":"enum","name":"C","symbols":["A","B","NEW"]}},
            {"name":"v","type":["null","string","boolean"]}]}"#,
    );
    let r = schema(
        r#"{"type":"record","name":"R","fields":[
            {"name":"c","type":{"type":"enum","name":"C","symbols":["A","B"]}},
            {"name":"v","type":["null","string"]}]}"#,
    );
    // A datum that uses neither the new symbol nor the boolean branch reads fine.
    let ok = w.encode_json(&json!({"c": "B", "v": "x"})).unwrap();
    assert_eq!(r.decode_as(&w, &ok).unwrap(), json!({"c": "B", "v": "x"}));
    let new = w.encode_json(&json!({"c": "NEW", "v": null})).unwrap();
    let b = w.encode_json(&json!({"c": "A", "v": true})).unwrap();
    for (datum, pointer, reason) in [
        (
            &new,
            "/c",
            "symbol \"NEW\" is not in the reader's enum C (A, B), which has no default",
        ),
        (
            &b,
            "/v",
            "the writer's boolean matches no branch of the reader's union [null, string]",
        ),
    ] {
        let e = r.decode_as(&w, datum).unwrap_err();
        assert_eq!((e.pointer.as_str(), e.reason.as_str()), (pointer, reason));
    }
    // An enum default takes unknown symbols.
    let rd = schema(
        r#"{"type":"record","name":"R","fields":[
            {"name":"c","type":{"type":"enum","name":"C","symbols":["A","B","UNKNOWN"],"default":"UNKNOWN"}},
            {"name":"v","type":["null","string","boolean"]},
            {"name":"must","type":"int"}]}"#,
    );
    let e = rd.decode_as(&w, &new).unwrap_err();
    assert_eq!(
        (e.pointer.as_str(), e.reason.as_str()),
        (
            "/must",
            "field 'must' is not in the writer's schema and the reader's gives no default"
        )
    );
    let rd = schema(
        r#"{"type":"record","name":"R","aliases":["Old"],"fields":[
            {"name":"kind","aliases":["c"],"type":{"type":"enum","name":"C","symbols":["A","UNKNOWN"],"default":"UNKNOWN"}}]}"#,
    );
    assert_eq!(rd.decode_as(&w, &new).unwrap(), json!({"kind": "UNKNOWN"}));
    // The plan is cached per writer; a second call gives the same answer.
    assert_eq!(rd.decode_as(&w, &new).unwrap(), json!({"kind": "UNKNOWN"}));
    // Names must match (or an alias must name the writer).
    let other = schema(r#"{"type":"record","name":"S","fields":[]}"#);
    let e = other.decode_as(&w, &ok).unwrap_err();
    assert_eq!(e.reason, "the writer's record R cannot be read as record S");
}

#[test]
fn canonical_form_matches_apache_avro_and_includes_references() {
    for text in SCHEMAS.iter().filter(|t| !t.contains("logicalType")) {
        let s = schema(text);
        assert_eq!(s.canonical(), s.inner().canonical_form(), "{text}");
    }
    // apache-avro 0.20 keeps a decimal's precision and scale and leaves logical types
    // wrapped ({"type":{"type":"long"}}); [STRIP] and [PRIMITIVES] say otherwise.
    let logical = schema(SCHEMAS.iter().find(|t| t.contains("Logical")).unwrap());
    assert_ne!(logical.canonical(), logical.inner().canonical_form());
    assert_eq!(
        logical.canonical(),
        concat!(
            r#"{"name":"com.acme.Logical","type":"record","fields":[{"name":"dec","type":"bytes"},"#,
            r#"{"name":"decf","type":{"name":"com.acme.D9","type":"fixed","size":9}},"#,
            r#"{"name":"big","type":"bytes"},{"name":"id","type":"string"},"#,
            r#"{"name":"day","type":"int"},{"name":"tm","type":"int"},{"name":"tu","type":"long"},"#,
            r#"{"name":"ts","type":"long"},{"name":"tsu","type":"long"},{"name":"tsn","type":"long"},"#,
            r#"{"name":"lts","type":"long"},{"name":"ltsu","type":"long"},{"name":"ltsn","type":"long"},"#,
            r#"{"name":"dur","type":{"name":"com.acme.Dur","type":"fixed","size":12}},"#,
            r#"{"name":"odd","type":"string"}]}"#
        )
    );
    // The specification's example of [FULLNAMES], [STRIP] and [ORDER].
    let s = schema(
        r#"{"namespace":"a.b","type":"record","name":"R","doc":"x","fields":[
            {"type":{"type":"fixed","size":2,"name":"F"},"name":"f","default":"ab"}]}"#,
    );
    assert_eq!(
        s.canonical(),
        r#"{"name":"a.b.R","type":"record","fields":[{"name":"f","type":{"name":"a.b.F","type":"fixed","size":2}}]}"#
    );
    let address = r#"{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"zip","type":"string"}]}"#;
    let s = AvroSchema::parse(
        r#"{"type":"record","name":"User","namespace":"com.acme","fields":[
            {"name":"home","type":"com.acme.Address"},{"name":"work","type":"Address"}]}"#,
        &[address],
    )
    .unwrap();
    assert_eq!(
        s.canonical(),
        r#"{"name":"com.acme.User","type":"record","fields":[{"name":"home","type":{"name":"com.acme.Address","type":"record","fields":[{"name":"zip","type":"string"}]}},{"name":"work","type":"com.acme.Address"}]}"#
    );
    assert_eq!(s.full_name().as_deref(), Some("com.acme.User"));
    let datum = s
        .encode_json(&json!({"home": {"zip": "1"}, "work": {"zip": "2"}}))
        .unwrap();
    assert_eq!(
        s.decode(&datum).unwrap(),
        json!({"home": {"zip": "1"}, "work": {"zip": "2"}})
    );
    assert!(AvroSchema::parse(
        r#"{"type":"record","name":"U","fields":[{"name":"a","type":"Nope"}]}"#,
        &[]
    )
    .is_err());
    assert!(AvroSchema::parse("not json", &[]).is_err());
}

/// Regression (fuzz, avro_schema): apache-avro 0.20 panicked on a type name, alias or
/// type reference that is not an Avro name (`"name": "F:"`); it is a schema error.
#[test]
fn invalid_names_are_refused_not_a_panic() {
    for bad in [
        r#"{"type":"fixed","name":"F:","size":2}"#,
        r#"["null",{"type":"fixed","name":"a..b","size":2}]"#,
        r#"{"type":"enum","name":"E","aliases":["x-y"],"symbols":["A"]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"f","type":"F:"}]}"#,
        r#"{"type":"array","items":{"type":"1x"}}"#,
        r#"{"type":"record","name":"R","namespace":"a b","fields":[]}"#,
        r#"{"type":"record","name":".a.R","fields":[]}"#,
    ] {
        let e = AvroSchema::parse(bad, &[]).unwrap_err();
        assert!(e.contains("is not a valid Avro"), "{bad}: {e}");
    }
    // Names with a namespace, the null namespace, and data that only looks like a name.
    for good in [
        r#"{"type":"record","name":"a.b.R","fields":[{"name":"f","type":["null","a.b.R"]}]}"#,
        r#"{"type":"fixed","name":".F","size":1}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"m","type":{"type":"map","values":"string"},"default":{"name":"x:y"}}]}"#,
    ] {
        AvroSchema::parse(good, &[]).unwrap_or_else(|e| panic!("{good}: {e}"));
    }
}

#[test]
fn full_names() {
    assert_eq!(schema(r#""string""#).full_name(), None);
    assert_eq!(schema(r#"["null","string"]"#).full_name(), None);
    assert_eq!(
        schema(r#"{"type":"enum","name":"x.y.E","symbols":["A"]}"#)
            .full_name()
            .as_deref(),
        Some("x.y.E")
    );
    assert_eq!(
        schema(r#"{"type":"record","name":"R","namespace":"n","fields":[]}"#)
            .full_name()
            .as_deref(),
        Some("n.R")
    );
}

#[test]
fn confluent_framing() {
    let framed = frame(258, &[7, 8]);
    assert_eq!(framed, vec![0, 0, 0, 1, 2, 7, 8]);
    assert_eq!(unframe(&framed), Some((258, &[7u8, 8][..])));
    assert_eq!(unframe(&[0, 0, 0, 0, 1]), Some((1, &[][..])));
    assert_eq!(unframe(&[0, 0, 0, 1]), None);
    assert_eq!(unframe(&[1, 0, 0, 0, 1, 5]), None);
    assert_eq!(unframe(b"{\"a\":1}"), None);
}

/// A ~300-byte event, as a benchmark generator would make it.
pub(crate) const BENCH_SCHEMA: &str = r#"{"type":"record","name":"OrderPlaced","namespace":"com.acme.orders","fields":[
    {"name":"event_id","type":{"type":"string","logicalType":"uuid"}},
    {"name":"occurred_at","type":{"type":"long","logicalType":"timestamp-millis"}},
    {"name":"source","type":"string"},
    {"name":"type","type":{"type":"enum","name":"Type","symbols":["PLACED","PAID","SHIPPED"]}},
    {"name":"customer","type":{"type":"record","name":"Customer","fields":[
        {"name":"id","type":"long"},{"name":"email","type":["null","string"],"default":null},
        {"name":"country","type":"string"}]}},
    {"name":"lines","type":{"type":"array","items":{"type":"record","name":"Line","fields":[
        {"name":"sku","type":"string"},{"name":"qty","type":"int"},{"name":"price","type":"double"}]}}},
    {"name":"total","type":{"type":"bytes","logicalType":"decimal","precision":12,"scale":2}},
    {"name":"attributes","type":{"type":"map","values":"string"}},
    {"name":"duration_ms","type":"float"},
    {"name":"coupon","type":["null","string"],"default":null}]}"#;

pub(crate) fn bench_event() -> Value {
    json!({
        "event_id": "2c6a4b9e-0102-4304-8506-0708090a0b0c",
        "occurred_at": 1_700_000_000_123i64,
        "source": "checkout-service/eu-west-1",
        "type": "PAID",
        "customer": {"id": 123_456_789, "email": "someone@example.com", "country": "DE"},
        "lines": [
            {"sku": "SKU-000123", "qty": 2, "price": 19.99},
            {"sku": "SKU-004567", "qty": 1, "price": 5.5},
            {"sku": "SKU-089012", "qty": 3, "price": 102.0}
        ],
        "total": "351.48",
        "attributes": {"channel": "web", "campaign": "autumn-sale", "ab_bucket": "B"},
        "duration_ms": 12.5,
        "coupon": "AUTUMN10"
    })
}

/// Run with `cargo test --release --lib -- --ignored avro_speed --nocapture`.
#[test]
#[ignore = "a manual speed check: run it in release, by name"]
fn avro_speed() {
    let s = schema(BENCH_SCHEMA);
    let datum = s.encode_json(&bench_event()).unwrap();
    let n = 1_000_000;
    let rate = |label: &str, f: &dyn Fn() -> bool| {
        let start = std::time::Instant::now();
        let mut ok = 0usize;
        for _ in 0..n {
            ok += usize::from(f());
        }
        let secs = start.elapsed().as_secs_f64();
        assert_eq!(ok, n);
        println!("{label}: {:.0} decodes/s", n as f64 / secs);
    };
    println!("datum: {} bytes", datum.len());
    rate("decode", &|| s.decode(std::hint::black_box(&datum)).is_ok());
    let evolved = BENCH_SCHEMA.replace(
        r#"{"name":"coupon","type":["null","string"],"default":null}"#,
        r#"{"name":"coupon","type":["null","string"],"default":null},{"name":"added","type":"int","default":0}"#,
    );
    let reader = schema(&evolved);
    rate("decode_as (evolved reader)", &|| {
        reader.decode_as(&s, std::hint::black_box(&datum)).is_ok()
    });
    let v = s.decode(&datum).unwrap();
    rate("check_json", &|| {
        let mut out = Vec::new();
        s.check_json(std::hint::black_box(&v), &mut out, 16);
        out.is_empty()
    });
    // The floor: building (and dropping) the same serde_json::Value.
    rate("serde_json::Value clone (for scale)", &|| {
        std::hint::black_box(std::hint::black_box(&v).clone()).is_object()
    });
    let text = v.to_string();
    rate("serde_json::from_str (for scale)", &|| {
        serde_json::from_str::<Value>(std::hint::black_box(&text)).is_ok()
    });
    rate("apache-avro from_avro_datum (no JSON)", &|| {
        apache_avro::from_avro_datum(s.inner(), &mut &datum[..], None).is_ok()
    });
}

/// The uuid crate reads more forms than the Avro specification's; only the hyphenated one is a
/// uuid here, in either case, and a uuid is written in lower case.
#[test]
fn uuids_are_the_hyphenated_form_only() {
    let id = "2c6a4b9e-0102-4304-8506-0708090a0b0c";
    let bytes = parse_uuid(id).unwrap();
    assert_eq!(uuid_string(&bytes), id);
    assert_eq!(parse_uuid(&id.to_uppercase()), Some(bytes));
    for not_a_uuid in [
        "2c6a4b9e010243048506 0708090a0b0c",
        "2c6a4b9e0102430485060708090a0b0c",
        "{2c6a4b9e-0102-4304-8506-0708090a0b0c}",
        "urn:uuid:2c6a4b9e-0102-4304-8506-0708090a0b0c",
        "2c6a4b9e-0102-4304-8506-0708090a0b0g",
        "2c6a4b9e-0102-4304-8506-0708090a0b-c",
        "2c6a4b9e-01024-304-8506-0708090a0b0c",
        "2c6a4b9e-0102-4304-8506-0708090a0bé",
    ] {
        assert_eq!(parse_uuid(not_a_uuid), None, "{not_a_uuid}");
    }
    // A decimal of zero digits is zero.
    assert_eq!(unscaled_bytes(false, ""), vec![0]);
    assert_eq!(unscaled_bytes(true, ""), vec![0]);
    assert_eq!(unscaled_bytes(true, "129"), vec![0xff, 0x7f]);
    assert_eq!(unscaled_bytes(true, "32768"), vec![0x80, 0x00]);
}
