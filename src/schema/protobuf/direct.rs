//! Payload bytes to JSON text in one walk, without building a message: the fast path of
//! [`super::json::write_json`]. A message type is resolved once into a [`Plans`] (each field's
//! number, JSON names, kind and cardinality, each enum's names), and the wire bytes are walked
//! against it, appending the canonical proto3 JSON mapping exactly as prost-reflect's serde
//! writes it: fields by number, defaults of fields without presence left out, 64-bit integers
//! as strings, enums by name (by number when unknown), bytes as base64, 32-bit floats with
//! MessageToJson's digits, well-known types in their own forms.
//!
//! It never decides a hard case: anything it does not follow to the letter (a malformed
//! payload, groups, extensions, a repeated singular message (merged by a decode), two members
//! of one oneof, a duplicated map key, `Any`, `FieldMask`, an unknown value of a closed enum,
//! deep nesting, a timestamp out of range) gives `None`, and the caller takes the decoding
//! path (which has the verdict and the exact error). A map's entries are written in wire
//! order, where the decoding path writes them in its hash map's order.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use prost_reflect::{Kind as PKind, MessageDescriptor, Syntax};
use serde_json::ser::{CompactFormatter, Formatter};

use super::json::float_digits;
use super::wire::{take, varint};

/// Nesting followed (prost's decode stops at 100); deeper payloads take the decoding path.
const MAX_DEPTH: u32 = 64;

/// The plans of one message type and of every type reachable from it (index 0: the type).
#[derive(Debug)]
pub struct Plans {
    messages: Vec<MessagePlan>,
    enums: Vec<EnumPlan>,
}

#[derive(Debug, Default)]
struct MessagePlan {
    /// Fields by number.
    fields: Vec<FieldPlan>,
    wkt: Option<Wkt>,
    /// Extensions or groups: always the decoding path.
    unsupported: bool,
}

#[derive(Debug)]
struct FieldPlan {
    number: u32,
    /// `"jsonName":` and `"proto_name":`, ready to append.
    json_key: Box<[u8]>,
    proto_key: Box<[u8]>,
    kind: Kind,
    list: bool,
    map: bool,
    presence: bool,
    oneof: Option<u32>,
}

#[derive(Debug)]
struct EnumPlan {
    /// Values by number, each name as a JSON string.
    values: Vec<(i32, Box<[u8]>)>,
    /// proto2: an unknown number is not kept as a number by every reader.
    closed: bool,
    /// `google.protobuf.NullValue`, written `null`.
    null: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Double,
    Float,
    Int64,
    Uint64,
    Int32,
    Fixed64,
    Fixed32,
    Bool,
    Str,
    Bytes,
    Uint32,
    Sfixed32,
    Sfixed64,
    Sint32,
    Sint64,
    Enum(usize),
    Message(usize),
}

/// The well-known types with a JSON form of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wkt {
    Timestamp,
    Duration,
    Struct,
    Value,
    ListValue,
    Empty,
    Float,
    Double,
    Int32,
    Int64,
    Uint32,
    Uint64,
    Bool,
    Str,
    Bytes,
    /// Any and FieldMask: the decoding path.
    Other,
}

impl Wkt {
    fn of(full_name: &str) -> Option<Wkt> {
        let name = full_name.strip_prefix("google.protobuf.")?;
        Some(match name {
            "Timestamp" => Wkt::Timestamp,
            "Duration" => Wkt::Duration,
            "Struct" => Wkt::Struct,
            "Value" => Wkt::Value,
            "ListValue" => Wkt::ListValue,
            "Empty" => Wkt::Empty,
            "FloatValue" => Wkt::Float,
            "DoubleValue" => Wkt::Double,
            "Int32Value" => Wkt::Int32,
            "Int64Value" => Wkt::Int64,
            "UInt32Value" => Wkt::Uint32,
            "UInt64Value" => Wkt::Uint64,
            "BoolValue" => Wkt::Bool,
            "StringValue" => Wkt::Str,
            "BytesValue" => Wkt::Bytes,
            "Any" | "FieldMask" => Wkt::Other,
            _ => return None,
        })
    }
}

impl Kind {
    /// The wire type values of this kind are written with.
    fn wire(self) -> u8 {
        match self {
            Kind::Double | Kind::Fixed64 | Kind::Sfixed64 => 1,
            Kind::Float | Kind::Fixed32 | Kind::Sfixed32 => 5,
            Kind::Str | Kind::Bytes | Kind::Message(_) => 2,
            _ => 0,
        }
    }
}

/// Builds the plans of a type, following fields into the types they name.
struct Builder {
    plans: Plans,
    messages: HashMap<String, usize>,
    enums: HashMap<String, usize>,
    todo: Vec<(usize, MessageDescriptor)>,
}

impl Plans {
    /// The plans of `desc` and the types it reaches.
    pub fn new(desc: &MessageDescriptor) -> Plans {
        let mut b = Builder {
            plans: Plans {
                messages: Vec::new(),
                enums: Vec::new(),
            },
            messages: HashMap::new(),
            enums: HashMap::new(),
            todo: Vec::new(),
        };
        b.message(desc);
        while let Some((i, d)) = b.todo.pop() {
            let plan = b.plan(&d);
            b.plans.messages[i] = plan;
        }
        b.plans
    }

    /// Append the JSON text of the `desc` message in `bytes` to `out`; `None` (and `out` as it
    /// was) where the decoding path must decide.
    pub fn write(&self, bytes: &[u8], proto_names: bool, out: &mut Vec<u8>) -> Option<()> {
        let start = out.len();
        let mut w = Writer {
            plans: self,
            proto_names,
            scratch: Vec::new(),
            out,
        };
        let done = w.message(0, bytes, 0);
        if done.is_none() {
            out.truncate(start);
        }
        done
    }
}

impl Builder {
    /// The index of a message type's plan, queued to be built when new.
    fn message(&mut self, d: &MessageDescriptor) -> usize {
        if let Some(&i) = self.messages.get(d.full_name()) {
            return i;
        }
        let i = self.plans.messages.len();
        self.plans.messages.push(MessagePlan::default());
        self.messages.insert(d.full_name().to_owned(), i);
        self.todo.push((i, d.clone()));
        i
    }

    fn enumeration(&mut self, e: &prost_reflect::EnumDescriptor) -> usize {
        if let Some(&i) = self.enums.get(e.full_name()) {
            return i;
        }
        let mut values: Vec<(i32, Box<[u8]>)> = Vec::new();
        for v in e.values() {
            // The first name of an aliased number, as prost-reflect's lookup gives it.
            if e.get_value(v.number())
                .is_some_and(|first| first.name() == v.name())
            {
                values.push((v.number(), json_string(v.name()).into()));
            }
        }
        values.sort_by_key(|(n, _)| *n);
        values.dedup_by_key(|(n, _)| *n);
        let i = self.plans.enums.len();
        self.plans.enums.push(EnumPlan {
            values,
            closed: e.parent_file().syntax() != Syntax::Proto3,
            null: e.full_name() == "google.protobuf.NullValue",
        });
        self.enums.insert(e.full_name().to_owned(), i);
        i
    }

    fn plan(&mut self, d: &MessageDescriptor) -> MessagePlan {
        if let Some(wkt) = Wkt::of(d.full_name()) {
            return MessagePlan {
                wkt: Some(wkt),
                ..MessagePlan::default()
            };
        }
        let mut plan = MessagePlan {
            unsupported: d.extension_ranges().next().is_some(),
            ..MessagePlan::default()
        };
        for f in d.fields() {
            let kind = match f.kind() {
                PKind::Double => Kind::Double,
                PKind::Float => Kind::Float,
                PKind::Int64 => Kind::Int64,
                PKind::Uint64 => Kind::Uint64,
                PKind::Int32 => Kind::Int32,
                PKind::Fixed64 => Kind::Fixed64,
                PKind::Fixed32 => Kind::Fixed32,
                PKind::Bool => Kind::Bool,
                PKind::String => Kind::Str,
                PKind::Bytes => Kind::Bytes,
                PKind::Uint32 => Kind::Uint32,
                PKind::Sfixed32 => Kind::Sfixed32,
                PKind::Sfixed64 => Kind::Sfixed64,
                PKind::Sint32 => Kind::Sint32,
                PKind::Sint64 => Kind::Sint64,
                PKind::Enum(e) => Kind::Enum(self.enumeration(&e)),
                PKind::Message(m) => Kind::Message(self.message(&m)),
            };
            plan.unsupported |= f.is_group();
            plan.fields.push(FieldPlan {
                number: f.number(),
                json_key: key(f.json_name()),
                proto_key: key(f.name()),
                kind,
                list: f.is_list(),
                map: f.is_map(),
                presence: f.supports_presence(),
                oneof: f
                    .containing_oneof()
                    .and_then(|o| d.oneofs().position(|x| x.name() == o.name()))
                    .map(|i| i as u32),
            });
        }
        plan.fields.sort_by_key(|f| f.number);
        plan
    }
}

/// A string as JSON text, as serde_json escapes it.
fn json_string(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() + 2);
    escaped(&mut out, s);
    out
}

/// Append a string as JSON text (serde_json's escaping, as the decoding path's).
fn escaped(out: &mut Vec<u8>, s: &str) {
    // Writing to a Vec cannot fail.
    let _ = serde_json::to_writer(out, s);
}

/// `"name":`.
fn key(name: &str) -> Box<[u8]> {
    let mut k = json_string(name);
    k.push(b':');
    k.into()
}

/// One field occurrence in a message's bytes: its field (index in the plan), its wire type,
/// and its value (a varint or fixed value in `raw`, length-delimited bytes in `data`).
#[derive(Debug, Clone, Copy)]
struct Occ<'a> {
    field: usize,
    wire: u8,
    raw: u64,
    data: &'a [u8],
}

struct Writer<'p, 'a, 'o> {
    plans: &'p Plans,
    proto_names: bool,
    /// The occurrences of the messages being written, outermost first.
    scratch: Vec<Occ<'a>>,
    out: &'o mut Vec<u8>,
}

/// A decoded scalar.
#[derive(Clone, Copy)]
enum Scalar<'a> {
    I32(i32),
    U32(u32),
    I64(i64),
    U64(u64),
    F32(f32),
    F64(f64),
    Bool(bool),
    Str(&'a str),
    Bytes(&'a [u8]),
    Enum(usize, i32),
}

impl Scalar<'_> {
    /// Whether a field without presence would leave it out (prost-reflect's `is_default`).
    fn is_default(&self) -> bool {
        match *self {
            Scalar::I32(v) | Scalar::Enum(_, v) => v == 0,
            Scalar::U32(v) => v == 0,
            Scalar::I64(v) => v == 0,
            Scalar::U64(v) => v == 0,
            Scalar::F32(v) => v == 0.0,
            Scalar::F64(v) => v == 0.0,
            Scalar::Bool(v) => !v,
            Scalar::Str(v) => v.is_empty(),
            Scalar::Bytes(v) => v.is_empty(),
        }
    }
}

impl<'a> Writer<'_, 'a, '_> {
    fn message(&mut self, m: usize, b: &'a [u8], depth: u32) -> Option<()> {
        let plan = &self.plans.messages[m];
        if let Some(wkt) = plan.wkt {
            return self.wkt(wkt, b, depth);
        }
        if plan.unsupported || depth > MAX_DEPTH {
            return None;
        }
        let start = self.scratch.len();
        self.scan(m, b)?;
        self.scratch[start..].sort_by_key(|o| o.field);
        self.out.push(b'{');
        let mut first = true;
        let mut oneofs: u64 = 0;
        let mut i = start;
        while i < self.scratch.len() {
            let field = self.scratch[i].field;
            let mut j = i + 1;
            while j < self.scratch.len() && self.scratch[j].field == field {
                j += 1;
            }
            let f = &self.plans.messages[m].fields[field];
            if let Some(o) = f.oneof {
                // A later member of a oneof clears an earlier one: the decoding path's call.
                if o >= 64 || oneofs & (1 << o) != 0 {
                    return None;
                }
                oneofs |= 1 << o;
            }
            self.field(m, field, i, j, &mut first, depth)?;
            i = j;
        }
        self.scratch.truncate(start);
        self.out.push(b'}');
        Some(())
    }

    /// Push the known fields of a message's bytes on the scratch stack.
    fn scan(&mut self, m: usize, mut b: &'a [u8]) -> Option<()> {
        let fields = &self.plans.messages[m].fields;
        while !b.is_empty() {
            let key = u32::try_from(varint(&mut b)?).ok()?;
            let number = key >> 3;
            let wire = (key & 7) as u8;
            if number == 0 {
                return None;
            }
            let (raw, data) = match wire {
                0 => (varint(&mut b)?, &[][..]),
                1 => (
                    u64::from_le_bytes(take(&mut b, 8)?.try_into().ok()?),
                    &[][..],
                ),
                5 => (
                    u64::from(u32::from_le_bytes(take(&mut b, 4)?.try_into().ok()?)),
                    &[][..],
                ),
                2 => {
                    let len = usize::try_from(varint(&mut b)?).ok()?;
                    (0, take(&mut b, len)?)
                }
                _ => return None,
            };
            let Ok(field) = fields.binary_search_by_key(&number, |f| f.number) else {
                continue; // unknown: skipped, as the JSON mapping skips it
            };
            let f = &fields[field];
            let want = f.kind.wire();
            let packed = f.list && wire == 2 && want != 2;
            if wire != want && !packed {
                return None;
            }
            self.scratch.push(Occ {
                field,
                wire,
                raw,
                data,
            });
        }
        Some(())
    }

    /// Write one field from its occurrences `scratch[i..j]`.
    fn field(
        &mut self,
        m: usize,
        field: usize,
        i: usize,
        j: usize,
        first: &mut bool,
        depth: u32,
    ) -> Option<()> {
        let f = &self.plans.messages[m].fields[field];
        let (kind, list, map, presence) = (f.kind, f.list, f.map, f.presence);
        let mark = self.out.len();
        if !*first {
            self.out.push(b',');
        }
        let f = &self.plans.messages[m].fields[field];
        let key = if self.proto_names {
            &f.proto_key
        } else {
            &f.json_key
        };
        self.out.extend_from_slice(key);
        let written = if map {
            let Kind::Message(entry) = kind else {
                return None;
            };
            self.map(entry, i, j, depth)?
        } else if list {
            self.list(kind, i, j, depth)?
        } else if let Kind::Message(inner) = kind {
            if j - i > 1 {
                return None; // merged by a decode
            }
            let data = self.scratch[i].data;
            self.message(inner, data, depth + 1)?;
            true
        } else {
            let mut last = None;
            for k in i..j {
                last = Some(scalar(kind, &self.scratch[k])?);
            }
            let v = last?;
            if presence || !v.is_default() {
                self.scalar(v)?;
                true
            } else {
                false
            }
        };
        if written {
            *first = false;
        } else {
            self.out.truncate(mark);
        }
        Some(())
    }

    /// A repeated field's values; `false` when it has none.
    fn list(&mut self, kind: Kind, i: usize, j: usize, depth: u32) -> Option<bool> {
        self.out.push(b'[');
        let mut n = 0;
        for k in i..j {
            let o = self.scratch[k];
            if let Kind::Message(inner) = kind {
                if n > 0 {
                    self.out.push(b',');
                }
                self.message(inner, o.data, depth + 1)?;
                n += 1;
            } else if o.wire == 2 && kind.wire() != 2 {
                let mut run = o.data;
                while !run.is_empty() {
                    let raw = match kind.wire() {
                        0 => varint(&mut run)?,
                        1 => u64::from_le_bytes(take(&mut run, 8)?.try_into().ok()?),
                        _ => u64::from(u32::from_le_bytes(take(&mut run, 4)?.try_into().ok()?)),
                    };
                    let one = Occ {
                        raw,
                        wire: kind.wire(),
                        ..o
                    };
                    if n > 0 {
                        self.out.push(b',');
                    }
                    self.scalar(scalar(kind, &one)?)?;
                    n += 1;
                }
            } else {
                if n > 0 {
                    self.out.push(b',');
                }
                self.scalar(scalar(kind, &o)?)?;
                n += 1;
            }
        }
        self.out.push(b']');
        Some(n > 0)
    }

    /// A map field's entries (an `entry` message each), in wire order; `false` when empty.
    fn map(&mut self, entry: usize, i: usize, j: usize, depth: u32) -> Option<bool> {
        let fields = &self.plans.messages[entry].fields;
        let (Some(kf), Some(vf)) = (fields.first(), fields.get(1)) else {
            return None;
        };
        let (key_kind, value_kind) = (kf.kind, vf.kind);
        if kf.number != 1 || vf.number != 2 || depth > MAX_DEPTH {
            return None;
        }
        self.out.push(b'{');
        let mut keys: Vec<Vec<u8>> = Vec::new();
        for k in i..j {
            let data = self.scratch[k].data;
            let start = self.scratch.len();
            self.scan(entry, data)?;
            let (mut key, mut value, mut values) = (None, None, 0);
            for o in &self.scratch[start..] {
                if o.field == 0 {
                    key = Some(scalar(key_kind, o)?);
                } else {
                    // Every occurrence must decode; the last one counts.
                    if !matches!(value_kind, Kind::Message(_)) {
                        scalar(value_kind, o)?;
                    }
                    value = Some(*o);
                    values += 1;
                }
            }
            self.scratch.truncate(start);
            let text = map_key(key_kind, key)?;
            if keys.contains(&text) {
                return None; // the decoding path keeps the last, in its own order
            }
            if !keys.is_empty() {
                self.out.push(b',');
            }
            self.out.extend_from_slice(&text);
            self.out.push(b':');
            keys.push(text);
            match (value_kind, value) {
                (Kind::Message(_), _) if values > 1 => return None,
                (Kind::Message(inner), v) => {
                    self.message(inner, v.map_or(&[][..], |o| o.data), depth + 2)?;
                }
                (kind, Some(o)) => self.scalar(scalar(kind, &o)?)?,
                (kind, None) => self.scalar(default_scalar(kind, self.plans)?)?,
            }
        }
        self.out.push(b'}');
        Some(!keys.is_empty())
    }

    fn scalar(&mut self, v: Scalar<'_>) -> Option<()> {
        let out = &mut *self.out;
        match v {
            Scalar::I32(n) => out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes()),
            Scalar::U32(n) => out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes()),
            Scalar::I64(n) => quoted(out, itoa::Buffer::new().format(n).as_bytes()),
            Scalar::U64(n) => quoted(out, itoa::Buffer::new().format(n).as_bytes()),
            Scalar::F32(f) if f.is_finite() => {
                CompactFormatter.write_f64(out, float_digits(f)).ok()?;
            }
            Scalar::F32(f) => non_finite(out, f64::from(f)),
            Scalar::F64(f) if f.is_finite() => CompactFormatter.write_f64(out, f).ok()?,
            Scalar::F64(f) => non_finite(out, f),
            Scalar::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
            Scalar::Str(s) => escaped(out, s),
            Scalar::Bytes(b) => {
                use base64::Engine;
                out.push(b'"');
                let at = out.len();
                out.resize(at + base64::encoded_len(b.len(), true)?, 0);
                base64::engine::general_purpose::STANDARD
                    .encode_slice(b, &mut out[at..])
                    .ok()?;
                out.push(b'"');
            }
            Scalar::Enum(e, n) => {
                let plan = &self.plans.enums[e];
                if plan.null {
                    out.extend_from_slice(b"null");
                } else if let Ok(at) = plan.values.binary_search_by_key(&n, |(v, _)| *v) {
                    out.extend_from_slice(&plan.values[at].1);
                } else if plan.closed {
                    return None;
                } else {
                    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
                }
            }
        }
        Some(())
    }

    /// A well-known type, decoded as prost-types' own message and written as prost-reflect
    /// writes it.
    fn wkt(&mut self, wkt: Wkt, b: &[u8], depth: u32) -> Option<()> {
        use prost::Message;
        let out = &mut *self.out;
        match wkt {
            Wkt::Timestamp => {
                let t = prost_types::Timestamp::decode(b).ok()?;
                if !(-62_135_596_800..=253_402_300_799).contains(&t.seconds) {
                    return None; // prost-reflect's range, an error there
                }
                quoted(out, t.to_string().as_bytes());
            }
            Wkt::Duration => {
                let d = prost_types::Duration::decode(b).ok()?;
                if d.seconds.unsigned_abs() > 315_576_000_000
                    || d.nanos.unsigned_abs() > 999_999_999
                {
                    return None;
                }
                quoted(out, d.to_string().as_bytes());
            }
            Wkt::Struct => struct_json(out, &prost_types::Struct::decode(b).ok()?, depth)?,
            Wkt::Value => value_json(out, &prost_types::Value::decode(b).ok()?, depth)?,
            Wkt::ListValue => list_json(out, &prost_types::ListValue::decode(b).ok()?, depth)?,
            Wkt::Empty => {
                <() as Message>::decode(b).ok()?;
                out.extend_from_slice(b"{}");
            }
            Wkt::Float => {
                let f = f32::decode(b).ok()?;
                if f.is_finite() {
                    CompactFormatter.write_f64(out, float_digits(f)).ok()?;
                } else {
                    out.extend_from_slice(b"null"); // serde_json's non-finite float
                }
            }
            Wkt::Double => {
                let f = f64::decode(b).ok()?;
                if f.is_finite() {
                    CompactFormatter.write_f64(out, f).ok()?;
                } else {
                    out.extend_from_slice(b"null");
                }
            }
            Wkt::Int32 => return self.scalar(Scalar::I32(i32::decode(b).ok()?)),
            Wkt::Int64 => return self.scalar(Scalar::I64(i64::decode(b).ok()?)),
            Wkt::Uint32 => return self.scalar(Scalar::U32(u32::decode(b).ok()?)),
            Wkt::Uint64 => return self.scalar(Scalar::U64(u64::decode(b).ok()?)),
            Wkt::Bool => return self.scalar(Scalar::Bool(bool::decode(b).ok()?)),
            Wkt::Str => return self.scalar(Scalar::Str(&String::decode(b).ok()?)),
            Wkt::Bytes => return self.scalar(Scalar::Bytes(&Vec::<u8>::decode(b).ok()?)),
            Wkt::Other => return None,
        }
        Some(())
    }
}

/// A scalar field's value from one occurrence (`None`: not valid for the kind).
fn scalar<'a>(kind: Kind, o: &Occ<'a>) -> Option<Scalar<'a>> {
    let raw = o.raw;
    Some(match kind {
        Kind::Double => Scalar::F64(f64::from_bits(raw)),
        Kind::Float => Scalar::F32(f32::from_bits(raw as u32)),
        Kind::Int64 | Kind::Sfixed64 => Scalar::I64(raw as i64),
        Kind::Uint64 | Kind::Fixed64 => Scalar::U64(raw),
        Kind::Int32 => Scalar::I32(raw as i32),
        Kind::Sfixed32 => Scalar::I32(raw as u32 as i32),
        Kind::Uint32 | Kind::Fixed32 => Scalar::U32(raw as u32),
        Kind::Sint32 => {
            let v = raw as u32;
            Scalar::I32(((v >> 1) as i32) ^ -((v & 1) as i32))
        }
        Kind::Sint64 => Scalar::I64(((raw >> 1) as i64) ^ -((raw & 1) as i64)),
        Kind::Bool => Scalar::Bool(raw != 0),
        Kind::Enum(e) => Scalar::Enum(e, raw as i32),
        Kind::Str => Scalar::Str(std::str::from_utf8(o.data).ok()?),
        Kind::Bytes => Scalar::Bytes(o.data),
        Kind::Message(_) => return None,
    })
}

/// The value of a map entry without one.
fn default_scalar(kind: Kind, plans: &Plans) -> Option<Scalar<'static>> {
    let zero = Occ {
        field: 0,
        wire: kind.wire(),
        raw: 0,
        data: &[],
    };
    match kind {
        // A closed enum's default is its first value, not 0.
        Kind::Enum(e) if plans.enums[e].closed => None,
        _ => scalar(kind, &zero),
    }
}

/// A map key as its JSON member name (always a string).
fn map_key(kind: Kind, key: Option<Scalar<'_>>) -> Option<Vec<u8>> {
    let zero = Occ {
        field: 0,
        wire: kind.wire(),
        raw: 0,
        data: &[],
    };
    let key = match key {
        Some(k) => k,
        None => scalar(kind, &zero)?,
    };
    let mut out = Vec::new();
    match key {
        Scalar::Str(s) => return Some(json_string(s)),
        Scalar::I32(n) => quoted(&mut out, itoa::Buffer::new().format(n).as_bytes()),
        Scalar::U32(n) => quoted(&mut out, itoa::Buffer::new().format(n).as_bytes()),
        Scalar::I64(n) => quoted(&mut out, itoa::Buffer::new().format(n).as_bytes()),
        Scalar::U64(n) => quoted(&mut out, itoa::Buffer::new().format(n).as_bytes()),
        Scalar::Bool(b) => out.extend_from_slice(if b { b"\"true\"" } else { b"\"false\"" }),
        _ => return None,
    }
    Some(out)
}

fn quoted(out: &mut Vec<u8>, text: &[u8]) {
    out.push(b'"');
    out.extend_from_slice(text);
    out.push(b'"');
}

/// NaN and the infinities, as the JSON mapping spells them.
fn non_finite(out: &mut Vec<u8>, f: f64) {
    out.extend_from_slice(if f.is_nan() {
        b"\"NaN\""
    } else if f > 0.0 {
        b"\"Infinity\""
    } else {
        b"\"-Infinity\""
    });
}

fn struct_json(out: &mut Vec<u8>, s: &prost_types::Struct, depth: u32) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    out.push(b'{');
    for (i, (k, v)) in s.fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&json_string(k));
        out.push(b':');
        value_json(out, v, depth + 2)?;
    }
    out.push(b'}');
    Some(())
}

fn list_json(out: &mut Vec<u8>, l: &prost_types::ListValue, depth: u32) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    out.push(b'[');
    for (i, v) in l.values.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        value_json(out, v, depth + 1)?;
    }
    out.push(b']');
    Some(())
}

fn value_json(out: &mut Vec<u8>, v: &prost_types::Value, depth: u32) -> Option<()> {
    use prost_types::value::Kind as V;
    match &v.kind {
        None | Some(V::NullValue(_)) => out.extend_from_slice(b"null"),
        Some(V::BoolValue(b)) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Some(V::NumberValue(f)) if f.is_finite() => CompactFormatter.write_f64(out, *f).ok()?,
        Some(V::NumberValue(_)) => return None,
        Some(V::StringValue(s)) => escaped(out, s),
        Some(V::ListValue(l)) => list_json(out, l, depth + 1)?,
        Some(V::StructValue(s)) => struct_json(out, s, depth + 1)?,
    }
    Some(())
}

/// The plans of the message types a codec has met, each built once (a codec meets few: a
/// registry subject's handful, or the one `--proto-type`); shared by the codec's clones.
#[derive(Debug, Default, Clone)]
pub struct PlanCache(Arc<Mutex<Vec<Planned>>>);

/// A message type and its plans.
type Planned = (MessageDescriptor, Arc<Plans>);

/// Types a cache holds before it starts over (a bound on memory, never reached in practice).
const CACHE_LIMIT: usize = 256;

impl PlanCache {
    /// The plans of `desc`, built on first use.
    pub fn get(&self, desc: &MessageDescriptor) -> Arc<Plans> {
        let mut cache = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, plans)) = cache.iter().find(|(d, _)| d == desc) {
            return plans.clone();
        }
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        let plans = Arc::new(Plans::new(desc));
        cache.push((desc.clone(), plans.clone()));
        plans
    }
}

/// Where this walk and the decoding path disagree on a payload, for the differential tests
/// and the fuzz target: `None` when the walk falls back where the decode fails or where it
/// decides, and otherwise writes the same bytes (or, for a map of several entries, which the
/// decoding path writes in its hash map's order, the same JSON).
#[doc(hidden)]
pub fn disagreement(
    plans: &Plans,
    desc: &MessageDescriptor,
    bytes: &[u8],
    proto_names: bool,
) -> Option<String> {
    let opts = super::json::JsonOptions { proto_names };
    let mut old = Vec::new();
    let decoded = super::json::write_json(desc, bytes, opts, &mut old);
    let mut new = b"[".to_vec();
    let walked = plans.write(bytes, proto_names, &mut new);
    if walked.is_none() {
        return (new != b"[").then(|| "a fallback left bytes behind".to_owned());
    }
    let new = &new[1..];
    match decoded {
        Err(e) => Some(format!(
            "walked {} where the decode fails: {e}",
            String::from_utf8_lossy(new)
        )),
        Ok(()) if old == new => None,
        Ok(()) => {
            let tree = |t: &[u8]| serde_json::from_slice::<serde_json::Value>(t).ok();
            let maps = super::json::decode(desc, bytes).is_ok_and(|m| several_entries(&m));
            (!maps || tree(&old) != tree(new)).then(|| {
                format!(
                    "decoded {}\nwalked  {}",
                    String::from_utf8_lossy(&old),
                    String::from_utf8_lossy(new)
                )
            })
        }
    }
}

/// Whether a message has a map of two entries or more anywhere in it.
fn several_entries(m: &prost_reflect::DynamicMessage) -> bool {
    use prost_reflect::Value;
    fn value(v: &Value) -> bool {
        match v {
            Value::Map(entries) => entries.len() > 1 || entries.values().any(value),
            Value::List(items) => items.iter().any(value),
            Value::Message(m) => several_entries(m),
            _ => false,
        }
    }
    m.fields().any(|(_, v)| value(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::protobuf::fixtures::{desc, SHOP};
    use prost::Message;
    use prost_reflect::DynamicMessage;
    use serde_json::{json, Value};

    /// Every kind the writer treats apart, and the cases it leaves to the decoding path.
    const KINDS: &str = r#"syntax = "proto3"; package k;
        import "google/protobuf/timestamp.proto"; import "google/protobuf/duration.proto";
        import "google/protobuf/struct.proto"; import "google/protobuf/wrappers.proto";
        import "google/protobuf/empty.proto"; import "google/protobuf/any.proto";
        import "google/protobuf/field_mask.proto";
        enum Color { COLOR_UNSPECIFIED = 0; RED = 1; GREEN = 2; }
        message All {
          double d = 1; float f = 2; int64 i64 = 3; uint64 u64 = 4; int32 i32 = 5;
          fixed64 fx64 = 6; fixed32 fx32 = 7; bool b = 8; string s = 9; bytes by = 10;
          uint32 u32 = 11; sfixed32 sf32 = 12; sfixed64 sf64 = 13; sint32 si32 = 14;
          sint64 si64 = 15; Color color = 16; optional int32 maybe = 17;
          repeated int32 ri = 18; repeated double rd = 19; repeated string rs = 20;
          repeated Color rc = 21; repeated All children = 22; map<int64, string> m64 = 23;
          map<bool, All> mb = 24; map<string, Color> mc = 25; map<uint32, double> mu = 26;
          google.protobuf.Timestamp ts = 27; google.protobuf.Duration du = 28;
          google.protobuf.Struct st = 29; google.protobuf.Value va = 30;
          google.protobuf.ListValue lv = 31; google.protobuf.Empty em = 32;
          google.protobuf.Int64Value w64 = 33; google.protobuf.FloatValue wf = 34;
          google.protobuf.StringValue ws = 35; google.protobuf.BoolValue wb = 36;
          google.protobuf.BytesValue wby = 37; google.protobuf.UInt32Value wu = 38;
          google.protobuf.DoubleValue wd = 39; google.protobuf.NullValue nv = 40;
          oneof pick { string name = 41; All nested = 42; }
          google.protobuf.Any any = 43; google.protobuf.FieldMask fm = 44;
          repeated google.protobuf.Timestamp rts = 45; string json_name_ = 46 [json_name = "x\"y"];
        }"#;

    const LEGACY: &str = r#"syntax = "proto2"; package old;
        enum Kind { FIRST = 3; SECOND = 4; }
        message Item { required string sku = 1; optional int32 qty = 2 [default = 5];
          optional Kind kind = 3; repeated int32 r = 4 [packed = true]; }
        message Order { required string id = 1; repeated Item items = 2; map<string, Kind> k = 3; }"#;

    fn encode(d: &MessageDescriptor, v: &Value) -> Vec<u8> {
        DynamicMessage::deserialize(d.clone(), v)
            .unwrap_or_else(|e| panic!("{v}: {e}"))
            .encode_to_vec()
    }

    fn samples() -> Vec<(MessageDescriptor, Vec<u8>)> {
        let all = desc(KINDS, "k.All");
        let shop = desc(SHOP, "shop.Payment");
        let order = desc(LEGACY, "old.Order");
        let mut out = vec![];
        for v in [
            json!({}),
            serde_json::from_str(
                r#"{"d": 0.1, "f": 0.1, "i64": "-9007199254740993", "u64": "18446744073709551615",
                "i32": -5, "fx64": "7", "fx32": 8, "b": true, "s": "h\u00e9llo \"q\"\n\u0001",
                "by": "AAEC/w==", "u32": 4294967295, "sf32": -9, "sf64": "-10", "si32": -11,
                "si64": "-12", "color": "GREEN", "maybe": 0, "ri": [1, -1, 0],
                "rd": [0.5, "NaN", "-Infinity"], "rs": ["", "x"], "rc": ["RED", "COLOR_UNSPECIFIED"],
                "children": [{"s": "c"}, {}], "m64": {"-3": "a"}, "mb": {"true": {"i32": 1}},
                "mc": {"k": "RED"}, "mu": {"4": 1e300}, "ts": "2026-12-06T07:00:00.120Z",
                "du": "-1.500s", "st": {"a": [1, "x", null, {"n": true}]}, "va": 3.25,
                "lv": [[], {}], "em": {}, "w64": "0", "wf": 0.3, "ws": "", "wb": false, "wby": "",
                "wu": 0, "wd": 1e-7, "nv": null, "name": "n", "rts": ["1970-01-01T00:00:00Z"],
                "x\"y": "j"}"#,
            )
            .unwrap(),
            json!({"f": "Infinity", "d": -0.0, "nested": {"nested": {"ts": "0001-01-01T00:00:00Z"}}}),
            json!({"any": {"@type": "type.googleapis.com/google.protobuf.Empty", "value": {}}}),
            json!({"fm": "a.b,c"}),
            json!({"m64": {"1": "a", "2": "b"}, "va": {"k": 1}}),
        ] {
            out.push((all.clone(), encode(&all, &v)));
        }
        let payment = json!({"paymentId": "p-1", "amountCents": "12", "status": "PAID",
            "tags": {"a": 1}, "children": [{"paymentId": "c", "children": [{"delta": 1}]}],
            "iban": "DE", "meta": {"k": [1, "x", null, {"n": true}]}, "weights": [0.1, 2.5]});
        out.push((shop.clone(), encode(&shop, &payment)));
        let order_v = json!({"id": "o", "items": [{"sku": "s", "qty": 5, "kind": "SECOND",
            "r": [1, 2]}, {"sku": ""}], "k": {"a": "FIRST"}});
        out.push((order.clone(), encode(&order, &order_v)));
        // Wire forms an encoder does not write: unpacked where packed, a scalar twice (the
        // last wins), an unknown field, an enum number the enum lacks, an empty packed run.
        out.push((
            all.clone(),
            vec![0x90, 1, 5, 0x90, 1, 6, 0x92, 1, 1, 7, 0x28, 1, 0x28, 2],
        ));
        out.push((all.clone(), vec![0xf8, 0x0f, 9, 0x80, 1, 9, 0x92, 1, 0]));
        out.push((all.clone(), vec![0x40, 1, 0x40, 0]));
        out
    }

    fn check(plans: &Plans, d: &MessageDescriptor, bytes: &[u8]) {
        for proto_names in [false, true] {
            if let Some(why) = disagreement(plans, d, bytes, proto_names) {
                panic!("{} {bytes:?}:\n{why}", d.full_name());
            }
        }
    }

    #[test]
    fn the_walk_writes_what_the_decoding_path_writes() {
        let mut walked = 0;
        for (d, bytes) in samples() {
            let plans = Plans::new(&d);
            check(&plans, &d, &bytes);
            walked += usize::from(plans.write(&bytes, false, &mut Vec::new()).is_some());
        }
        // Any and FieldMask are left to the decoding path; the others are walked.
        assert_eq!(walked, samples().len() - 2);
    }

    /// Every one-byte change, cut and insertion of the samples: the walk falls back or agrees.
    #[test]
    fn the_walk_agrees_with_the_decoding_path_on_damaged_payloads() {
        let mut rng = crate::demo::Rng::new(5);
        let mut checked = 0;
        for (d, s) in samples() {
            let plans = Plans::new(&d);
            for i in 0..s.len() {
                check(&plans, &d, &s[..i]);
                for _ in 0..8 {
                    let mut changed = s.clone();
                    changed[i] = rng.below(256) as u8;
                    check(&plans, &d, &changed);
                    let mut grown = s.clone();
                    grown.insert(i, rng.below(256) as u8);
                    check(&plans, &d, &grown);
                    checked += 2;
                }
            }
        }
        assert!(checked > 5_000, "{checked}");
    }

    #[test]
    fn duplicated_messages_oneofs_and_map_keys_are_left_to_the_decoding_path() {
        let d = desc(KINDS, "k.All");
        let plans = Plans::new(&d);
        for bytes in [
            // A singular message twice (a decode merges them).
            &[0xda, 1, 0, 0xda, 1, 0][..],
            // Two members of one oneof.
            &[0xca, 2, 1, b'a', 0xd2, 2, 0][..],
            // One map key twice.
            &[0xba, 1, 2, 8, 1, 0xba, 1, 2, 8, 1][..],
        ] {
            let mut out = b"x".to_vec();
            assert_eq!(plans.write(bytes, false, &mut out), None, "{bytes:?}");
            assert_eq!(out, b"x");
            check(&plans, &d, bytes);
        }
    }
}
