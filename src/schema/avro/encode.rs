//! JSON (the JSON view) written as a binary datum, a record's missing fields taking their
//! defaults. The value has been checked first, so the errors here are for the impossible.

use serde_json::Value;

use super::check::{describe, nonfinite};
use super::logical::{decimal_of, latin1_bytes, parse_uuid, sign_extend, unscaled_bytes};
use super::tree::{BytesAs, FixedAs, Node, Tree};

impl Tree {
    pub(super) fn write(
        &self,
        id: usize,
        v: &Value,
        buf: &mut Vec<u8>,
        depth: usize,
    ) -> Result<(), String> {
        if depth > 1000 {
            return Err("value nested too deeply".into());
        }
        let bad = || format!("cannot encode {} as {}", describe(v), self.describe(id));
        match &self.nodes[id] {
            Node::Null => {}
            Node::Boolean => buf.push(u8::from(v.as_bool().ok_or_else(bad)?)),
            Node::Int | Node::Long => put_varint(buf, v.as_i64().ok_or_else(bad)?),
            Node::Float => {
                let f = nonfinite(v).or_else(|| v.as_f64()).ok_or_else(bad)?;
                buf.extend_from_slice(&(f as f32).to_le_bytes());
            }
            Node::Double => {
                let f = nonfinite(v).or_else(|| v.as_f64()).ok_or_else(bad)?;
                buf.extend_from_slice(&f.to_le_bytes());
            }
            Node::String { .. } => put_bytes(buf, v.as_str().ok_or_else(bad)?.as_bytes()),
            Node::Bytes(BytesAs::Raw) => {
                put_bytes(buf, &v.as_str().and_then(latin1_bytes).ok_or_else(bad)?);
            }
            Node::Bytes(BytesAs::Decimal { scale, .. }) => {
                let d = decimal_of(v).ok_or_else(bad)?;
                let digits = d.rescale(*scale)?;
                put_bytes(buf, &unscaled_bytes(d.negative, &digits));
            }
            Node::Bytes(BytesAs::BigDecimal) => {
                let d = decimal_of(v).ok_or_else(bad)?;
                let mut inner = Vec::new();
                put_bytes(&mut inner, &unscaled_bytes(d.negative, &d.digits));
                put_varint(&mut inner, d.scale);
                put_bytes(buf, &inner);
            }
            Node::Fixed(f) => {
                let bytes = match f.view {
                    FixedAs::Raw => v.as_str().and_then(latin1_bytes).ok_or_else(bad)?,
                    FixedAs::Uuid => v.as_str().and_then(parse_uuid).ok_or_else(bad)?.to_vec(),
                    FixedAs::Decimal { scale, .. } => {
                        let d = decimal_of(v).ok_or_else(bad)?;
                        let b = unscaled_bytes(d.negative, &d.rescale(scale)?);
                        sign_extend(&b, f.size).ok_or_else(|| {
                            format!("{} does not fit in {} bytes", describe(v), f.size)
                        })?
                    }
                };
                if bytes.len() != f.size {
                    return Err(bad());
                }
                buf.extend_from_slice(&bytes);
            }
            Node::Enum(e) => {
                let s = v.as_str().ok_or_else(bad)?;
                let i = e.symbols.iter().position(|x| x == s).ok_or_else(bad)?;
                put_varint(buf, i as i64);
            }
            Node::Array(item) => {
                let xs = v.as_array().ok_or_else(bad)?;
                if !xs.is_empty() {
                    put_varint(buf, xs.len() as i64);
                    for x in xs {
                        self.write(*item, x, buf, depth + 1)?;
                    }
                }
                buf.push(0);
            }
            Node::Map(val) => {
                let m = v.as_object().ok_or_else(bad)?;
                if !m.is_empty() {
                    put_varint(buf, m.len() as i64);
                    for (k, x) in m {
                        put_bytes(buf, k.as_bytes());
                        self.write(*val, x, buf, depth + 1)?;
                    }
                }
                buf.push(0);
            }
            Node::Record(r) => {
                let m = v.as_object().ok_or_else(bad)?;
                for f in &r.fields {
                    let x = m
                        .get(&f.name)
                        .or(f.default.as_ref())
                        .ok_or_else(|| format!("missing field '{}'", f.name))?;
                    self.write(f.node, x, buf, depth + 1)?;
                }
            }
            Node::Union(branches) => {
                let (i, x) = match branches.iter().position(|&b| self.fits(b, v)) {
                    Some(i) => (i, v),
                    None => {
                        let (b, _, inner) = self.wrapped(branches, v).ok_or_else(bad)?;
                        let i = branches.iter().position(|&x| x == b).unwrap_or_default();
                        (i, inner)
                    }
                };
                put_varint(buf, i as i64);
                self.write(branches[i], x, buf, depth + 1)?;
            }
        }
        Ok(())
    }
}
pub(super) fn put_varint(buf: &mut Vec<u8>, n: i64) {
    let mut z = ((n << 1) ^ (n >> 63)) as u64;
    loop {
        if z < 0x80 {
            buf.push(z as u8);
            return;
        }
        buf.push((z as u8 & 0x7f) | 0x80);
        z >>= 7;
    }
}

pub(super) fn put_bytes(buf: &mut Vec<u8>, b: &[u8]) {
    put_varint(buf, b.len() as i64);
    buf.extend_from_slice(b);
}
