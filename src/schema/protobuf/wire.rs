//! A quick check that payload bytes decode as a message type, walking the wire format against
//! the descriptor without building a message: what validation asks when nothing reads the
//! value (the common case of `schema-validate`), at a fraction of a full decode's allocations.
//! It is conservative: it says [`Walk::Valid`] only where a full decode (prost-reflect's)
//! succeeds, and [`Walk::Unsure`] for anything it does not follow to the letter (groups,
//! extensions, a wire type or a varint it would have to judge, deep nesting), which the caller
//! then decodes in full, for the verdict and the exact reason.

use prost_reflect::{Kind, MessageDescriptor};

/// What the walk found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    /// The bytes decode as the type.
    Valid,
    /// Decode in full to know.
    Unsure,
}

/// Nesting the walk follows; deeper messages are left to the full decode (prost's limit is
/// 100).
const MAX_DEPTH: u32 = 64;

/// Whether `bytes` decode as a `desc` message.
pub fn walk(desc: &MessageDescriptor, bytes: &[u8]) -> Walk {
    if message(desc, bytes, 0).is_some() {
        Walk::Valid
    } else {
        Walk::Unsure
    }
}

/// `Some(())` when every field of the message is well-formed for its type.
fn message(desc: &MessageDescriptor, mut b: &[u8], depth: u32) -> Option<()> {
    if depth > MAX_DEPTH || desc.extension_ranges().next().is_some() {
        return None;
    }
    while !b.is_empty() {
        // prost refuses a key beyond 32 bits and field number 0 (its decode_key).
        let key = u32::try_from(varint(&mut b)?).ok()?;
        let number = Some(key >> 3).filter(|n| *n != 0)?;
        let wire = (key & 7) as u8;
        let payload = field_bytes(&mut b, wire)?;
        let Some(field) = desc.get_field(number) else {
            continue; // an unknown field: kept aside by a decode, never an error
        };
        let kind = field.kind();
        match (wire_type(&kind)?, wire) {
            (want, got) if want == got => value(&kind, payload, depth)?,
            // Packed repeated scalars: one length-delimited run of them.
            (want @ (0 | 1 | 5), 2) if field.is_list() => packed(want, payload)?,
            _ => return None,
        }
    }
    Some(())
}

/// The wire type a kind is written with (`None`: groups, which the walk leaves alone).
fn wire_type(kind: &Kind) -> Option<u8> {
    Some(match kind {
        Kind::Int32
        | Kind::Int64
        | Kind::Uint32
        | Kind::Uint64
        | Kind::Sint32
        | Kind::Sint64
        | Kind::Bool
        | Kind::Enum(_) => 0,
        Kind::Fixed64 | Kind::Sfixed64 | Kind::Double => 1,
        Kind::Fixed32 | Kind::Sfixed32 | Kind::Float => 5,
        Kind::String | Kind::Bytes => 2,
        Kind::Message(m) if !is_group(m) => 2,
        Kind::Message(_) => return None,
    })
}

/// Whether a message type is a proto2 group's (written with start/end-group markers).
fn is_group(m: &MessageDescriptor) -> bool {
    m.parent_file().syntax() != prost_reflect::Syntax::Proto3
        && m.parent_message().is_some_and(|p| {
            p.fields()
                .any(|f| f.is_group() && f.kind().as_message() == Some(m))
        })
}

/// A field's value, its wire type already checked.
fn value(kind: &Kind, payload: &[u8], depth: u32) -> Option<()> {
    match kind {
        Kind::String => std::str::from_utf8(payload).ok().map(|_| ()),
        Kind::Message(m) => message(m, payload, depth + 1),
        _ => Some(()),
    }
}

/// A packed run of scalars of wire type `wire`: whole values, to the last byte.
fn packed(wire: u8, mut run: &[u8]) -> Option<()> {
    match wire {
        0 => {
            while !run.is_empty() {
                varint(&mut run)?;
            }
            Some(())
        }
        1 => (run.len() % 8 == 0).then_some(()),
        _ => (run.len() % 4 == 0).then_some(()),
    }
}

/// The bytes of one field's value after its key, moving `b` past them (`None`: truncated, or a
/// wire type the walk does not follow).
fn field_bytes<'a>(b: &mut &'a [u8], wire: u8) -> Option<&'a [u8]> {
    let len = match wire {
        0 => {
            let start = *b;
            varint(b)?;
            return Some(&start[..start.len() - b.len()]);
        }
        1 => 8,
        5 => 4,
        2 => usize::try_from(varint(b)?).ok()?,
        _ => return None,
    };
    take(b, len)
}

/// `n` bytes off the front of `b`.
pub(super) fn take<'a>(b: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    if n > b.len() {
        return None;
    }
    let (head, rest) = b.split_at(n);
    *b = rest;
    Some(head)
}

/// A base-128 varint of at most ten bytes, the tenth at most 1 (prost's own bounds).
pub(super) fn varint(b: &mut &[u8]) -> Option<u64> {
    let mut n: u64 = 0;
    for (i, &byte) in b.iter().enumerate().take(10) {
        if i == 9 && byte > 1 {
            return None;
        }
        n |= u64::from(byte & 0x7f) << (7 * i);
        if byte < 0x80 {
            *b = &b[i + 1..];
            return Some(n);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::protobuf::fixtures::{desc, SHOP};
    use prost::Message;
    use prost_reflect::DynamicMessage;
    use serde_json::json;

    fn payment() -> MessageDescriptor {
        desc(SHOP, "shop.Payment")
    }

    fn samples(d: &MessageDescriptor) -> Vec<Vec<u8>> {
        [
            json!({}),
            json!({"paymentId": "p-1", "amountCents": "-9007199254740993", "status": "PAID",
                "raw": "AAE=", "at": "2026-12-06T07:00:00Z", "tags": {"a": 1, "b": -2},
                "ids": ["1", "18446744073709551615"], "iban": "DE00", "ratio": 0.5,
                "weights": [0.1, 2.5], "delta": -7, "sum": "12", "ok": true,
                "children": [{"paymentId": "c", "children": [{"delta": 1}]}],
                "meta": {"k": [1, "x", null, {"n": true}]}}),
        ]
        .iter()
        .map(|v| {
            DynamicMessage::deserialize(d.clone(), v)
                .unwrap()
                .encode_to_vec()
        })
        .collect()
    }

    #[test]
    fn whole_payloads_walk_valid() {
        let d = payment();
        for s in samples(&d) {
            assert_eq!(walk(&d, &s), Walk::Valid, "{s:?}");
        }
    }

    /// Never valid where a full decode fails: every one-byte change, cut and insertion of the
    /// samples is walked and decoded, and a valid walk always decodes.
    #[test]
    fn a_valid_walk_always_decodes() {
        let d = payment();
        let mut rng = crate::demo::Rng::new(15);
        let mut checked = 0;
        for s in samples(&d) {
            for i in 0..s.len() {
                let mut variants = vec![s[..i].to_vec()];
                for _ in 0..24 {
                    let mut changed = s.clone();
                    changed[i] = rng.below(256) as u8;
                    variants.push(changed);
                    let mut grown = s.clone();
                    grown.insert(i, rng.below(256) as u8);
                    variants.push(grown);
                }
                for v in variants {
                    let decoded = DynamicMessage::decode(d.clone(), v.as_slice());
                    if walk(&d, &v) == Walk::Valid {
                        assert!(decoded.is_ok(), "walked valid, does not decode: {v:?}");
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 5_000, "{checked}");
        for bad in [
            &[0x0a, 0x05, b'a'][..],
            &[0x10][..],
            &[0xff][..],
            &[0x0a, 0x01, 0xff][..],
            // Regression (fuzz, protobuf_decode): a key beyond 32 bits, which prost refuses,
            // walked valid as an unknown fixed32 field.
            &[253, 246, 255, 249, 64, 253, 246, 255, 189][..],
            // Field number 0.
            &[0x00, 0x01][..],
        ] {
            assert_eq!(walk(&d, bad), Walk::Unsure, "{bad:?}");
        }
    }
}
