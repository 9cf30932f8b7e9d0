//! Confluent's Protobuf wire format: byte 0, a 4-byte big-endian schema id, the message-index
//! path (zigzag varints, count first; a single 0 byte is the path `[0]`, the file's first
//! message), then the message. Every step is bounds-checked: bytes that do not follow the
//! format, or a path the schema does not have, are an error for that record, never a message
//! decoded as the wrong type.

use prost_reflect::{FileDescriptor, MessageDescriptor};

use super::ProtoError;

/// A framed payload, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Framed<'a> {
    pub id: u32,
    /// Indexes into the file's messages, then into each one's nested messages.
    pub path: Vec<i32>,
    pub message: &'a [u8],
}

/// Split a Confluent-framed Protobuf payload.
pub fn unframe(b: &[u8]) -> Result<Framed<'_>, ProtoError> {
    let (id, rest) = match b {
        [0, a, b, c, d, rest @ ..] => (u32::from_be_bytes([*a, *b, *c, *d]), rest),
        [0, ..] => {
            return Err(ProtoError(
                "framed payload shorter than its 5-byte header".into(),
            ))
        }
        [m, ..] => {
            return Err(ProtoError(format!(
                "not Confluent-framed: magic byte {m}, expected 0"
            )))
        }
        [] => return Err(ProtoError("empty payload".into())),
    };
    let (path, message) = split_path(rest)?;
    Ok(Framed { id, path, message })
}

/// The message-index path at the start of what follows the 5-byte header, and the message.
pub fn split_path(mut rest: &[u8]) -> Result<(Vec<i32>, &[u8]), ProtoError> {
    let count = zigzag(&mut rest, "message-index count")?;
    // Each index takes at least a byte: a count past what is left is a corrupt header (and
    // must not size an allocation).
    if count < 0 || count as usize > rest.len() {
        return Err(ProtoError(format!(
            "message-index count {count} is impossible ({} bytes left)",
            rest.len()
        )));
    }
    let path = if count == 0 {
        vec![0]
    } else {
        (0..count)
            .map(|_| zigzag(&mut rest, "message index"))
            .collect::<Result<_, _>>()?
    };
    Ok((path, rest))
}

/// Frame a message: the inverse of [`unframe`].
pub fn frame(id: u32, path: &[i32], message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 8);
    out.push(0);
    out.extend_from_slice(&id.to_be_bytes());
    if path == [0] {
        out.push(0);
    } else {
        put_zigzag(&mut out, path.len() as i32);
        for &i in path {
            put_zigzag(&mut out, i);
        }
    }
    out.extend_from_slice(message);
    out
}

/// The message a path names in a file.
pub fn resolve(file: &FileDescriptor, path: &[i32]) -> Result<MessageDescriptor, ProtoError> {
    let out_of_range = |depth: usize, have: usize| {
        ProtoError(format!(
            "message-index path {path:?} is out of range for schema file {}: index {} of {have}",
            file.name(),
            path[depth]
        ))
    };
    let Some((&first, nested)) = path.split_first() else {
        return Err(ProtoError("empty message-index path".into()));
    };
    let top = file.messages().len();
    let mut m = usize::try_from(first)
        .ok()
        .and_then(|i| file.messages().nth(i))
        .ok_or_else(|| out_of_range(0, top))?;
    for (depth, &i) in nested.iter().enumerate() {
        let have = m.child_messages().len();
        m = usize::try_from(i)
            .ok()
            .and_then(|i| m.child_messages().nth(i))
            .ok_or_else(|| out_of_range(depth + 1, have))?;
    }
    Ok(m)
}

/// The path of a message in its file: the inverse of [`resolve`].
pub fn path_of(m: &MessageDescriptor) -> Vec<i32> {
    let mut path = Vec::new();
    let mut cur = m.clone();
    while let Some(parent) = cur.parent_message() {
        let i = parent.child_messages().position(|c| c == cur).unwrap_or(0);
        path.push(i as i32);
        cur = parent;
    }
    let file = cur.parent_file();
    path.push(file.messages().position(|c| c == cur).unwrap_or(0) as i32);
    path.reverse();
    path
}

/// One zigzag varint of at most 32 bits (as Confluent's serializers write them).
fn zigzag(b: &mut &[u8], what: &str) -> Result<i32, ProtoError> {
    let mut n: u64 = 0;
    for (i, &byte) in b.iter().enumerate().take(5) {
        n |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            *b = &b[i + 1..];
            let n =
                u32::try_from(n).map_err(|_| ProtoError(format!("{what}: varint past 32 bits")))?;
            return Ok(((n >> 1) as i32) ^ -((n & 1) as i32));
        }
    }
    Err(ProtoError(if b.len() < 5 {
        format!("{what}: truncated varint")
    } else {
        format!("{what}: varint longer than 5 bytes")
    }))
}

fn put_zigzag(out: &mut Vec<u8>, i: i32) {
    let mut n = ((i << 1) ^ (i >> 31)) as u32;
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::protobuf::pool::from_sources;

    fn file() -> FileDescriptor {
        from_sources(
            "n.proto",
            &[(
                "n.proto".into(),
                "syntax = \"proto3\"; message A {} message B { message C {} message D { message E {} } }"
                    .into(),
            )],
        )
        .unwrap()
    }

    #[test]
    fn a_single_zero_byte_is_the_first_message() {
        let f = unframe(&[0, 0, 0, 0, 7, 0, 8, 1]).unwrap();
        assert_eq!(
            (f.id, f.path.as_slice(), f.message),
            (7, &[0][..], &[8u8, 1][..])
        );
        assert_eq!(frame(7, &[0], &[8, 1]), vec![0, 0, 0, 0, 7, 0, 8, 1]);
    }

    #[test]
    fn nested_paths_round_trip_in_order_not_reversed() {
        let file = file();
        let e = file.parent_pool().get_message_by_name("B.D.E").unwrap();
        assert_eq!(path_of(&e), vec![1, 1, 0]);
        let framed = frame(3, &[1, 1, 0], b"x");
        // count 3, then 1, 1, 0, zigzagged: 6, 2, 2, 0.
        assert_eq!(&framed[5..9], &[6, 2, 2, 0]);
        let f = unframe(&framed).unwrap();
        assert_eq!(resolve(&file, &f.path).unwrap().full_name(), "B.D.E");
        for m in file.parent_pool().all_messages() {
            assert_eq!(resolve(&file, &path_of(&m)).unwrap(), m);
        }
    }

    #[test]
    fn paths_out_of_range_are_errors_not_another_type() {
        let file = file();
        for bad in [&[2][..], &[0, 0], &[1, 2], &[1, 1, 1], &[-1], &[1, -1]] {
            let e = resolve(&file, bad).unwrap_err();
            assert!(e.0.contains("out of range"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn malformed_headers_are_errors() {
        let cases: &[(&[u8], &str)] = &[
            (b"", "empty"),
            (&[1, 0, 0, 0, 1, 0], "magic byte 1"),
            (&[0, 0, 0], "shorter"),
            (&[0, 0, 0, 0, 1], "truncated varint"),
            (&[0, 0, 0, 0, 1, 0x80], "truncated varint"),
            (
                &[0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
                "longer than 5",
            ),
            (
                &[0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0x7f],
                "past 32 bits",
            ),
            (&[0, 0, 0, 0, 1, 1], "impossible"),    // count -1
            (&[0, 0, 0, 0, 1, 8, 0], "impossible"), // count 4, one byte left
            (&[0, 0, 0, 0, 1, 4, 2, 0x80], "truncated varint"), // count 2, second cut
        ];
        for (bytes, want) in cases {
            let e = unframe(bytes).unwrap_err();
            assert!(e.0.contains(want), "{bytes:?}: {e}");
        }
    }

    #[test]
    fn zigzag_matches_the_reference_encoding() {
        for (i, want) in [
            (0, vec![0]),
            (-1, vec![1]),
            (1, vec![2]),
            (-64, vec![127]),
            (64, vec![0x80, 1]),
        ] {
            let mut out = Vec::new();
            put_zigzag(&mut out, i);
            assert_eq!(out, want, "{i}");
            assert_eq!(zigzag(&mut out.as_slice(), "x").unwrap(), i);
        }
        for i in [i32::MIN, i32::MAX, 123_456] {
            let mut out = Vec::new();
            put_zigzag(&mut out, i);
            assert_eq!(zigzag(&mut out.as_slice(), "x").unwrap(), i);
        }
    }
}
