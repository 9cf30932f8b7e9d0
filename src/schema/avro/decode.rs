//! The decoder: a binary datum read straight into the JSON view by walking a compiled plan,
//! with the cursor that refuses what a hostile datum could ask for (truncation, absurd block
//! counts, unbounded nesting), and failures that say where (a JSON pointer built only on the
//! way out) and why.

use serde_json::{Map, Value};

use super::logical::{big_decimal, decimal_string, double_view, float_view, latin1, uuid_string};
use super::resolve::{FieldRead, Fields, Plan, Promote, Step};
use super::tree::{BytesAs, FixedAs, Node, Tree};
use crate::schema::{push_pointer, Violation};

impl Plan {
    /// Read the value that step `s` reads, as the JSON view.
    pub(super) fn exec(&self, s: usize, c: &mut Cursor) -> DResult<Value> {
        Ok(match &self.steps[s] {
            Step::Null => Value::Null,
            Step::Boolean => match c.take(1, "a boolean")?[0] {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                b => return Err(DecodeError::new(format!("invalid boolean byte 0x{b:02x}"))),
            },
            Step::Int => Value::Number(c.int("an int")?.into()),
            Step::Long => Value::Number(c.varint("a long")?.into()),
            Step::Float => float_view(c.float()?),
            Step::Double => double_view(c.double()?),
            Step::Bytes(view) => {
                let b = c.bytes("bytes")?;
                match view {
                    BytesAs::Raw => Value::String(latin1(b)),
                    BytesAs::Decimal { scale, .. } => {
                        Value::String(decimal_string(b, *scale as i64))
                    }
                    BytesAs::BigDecimal => Value::String(big_decimal(b)?),
                }
            }
            Step::String => Value::String(c.string("a string")?.to_owned()),
            Step::Fixed { size, view } => {
                let b = c.take(*size, "a fixed")?;
                Value::String(match view {
                    FixedAs::Raw => latin1(b),
                    FixedAs::Uuid => uuid_string(b),
                    FixedAs::Decimal { scale, .. } => decimal_string(b, *scale as i64),
                })
            }
            Step::Enum(symbols) => {
                let i = c.varint("an enum index")?;
                match usize::try_from(i).ok().and_then(|i| symbols.get(i)) {
                    Some(Ok(s)) => Value::String(s.clone()),
                    Some(Err(why)) => return Err(DecodeError::new(why.clone())),
                    None => {
                        return Err(DecodeError::new(format!(
                            "enum index {i} out of range ({} symbols)",
                            symbols.len()
                        )))
                    }
                }
            }
            Step::Array { item, width } => {
                let mut out = Vec::new();
                c.blocks(*width, "an array", |c, n| {
                    out.reserve(n);
                    for _ in 0..n {
                        let i = out.len();
                        out.push(self.exec(*item, c).map_err(|e| e.at_index(i))?);
                    }
                    Ok(())
                })?;
                Value::Array(out)
            }
            Step::Map { value, width } => {
                let mut out = Map::new();
                c.blocks(*width, "a map", |c, n| {
                    if out.is_empty() {
                        // Most maps come in one block: size the table once.
                        out = Map::with_capacity(n);
                    }
                    for _ in 0..n {
                        let k = c.string("a map key")?;
                        let v = self.exec(*value, c).map_err(|e| e.at_key(k))?;
                        out.insert(k.to_owned(), v);
                    }
                    Ok(())
                })?;
                Value::Object(out)
            }
            Step::Union(branches) => {
                let b = c.branch(branches)?;
                return self.exec(b, c);
            }
            Step::Record {
                reader,
                template,
                fields,
            } => {
                let mut out = template.clone();
                match fields {
                    Fields::InOrder(steps) => {
                        c.enter()?;
                        // The template's keys are the field names.
                        for ((name, slot), step) in out.iter_mut().zip(steps) {
                            *slot = self.exec(*step, c).map_err(|e| e.at_key(name))?;
                        }
                        c.leave();
                    }
                    Fields::Resolved { reads, missing } => {
                        if let Some((name, why)) = missing {
                            return Err(DecodeError::new(why.clone()).at_key(name));
                        }
                        c.enter()?;
                        self.resolve_record(*reader, reads, &mut out, c)?;
                        c.leave();
                    }
                }
                Value::Object(out)
            }
            Step::Promote(p) => match p {
                Promote::IntToLong => Value::Number(c.int("an int")?.into()),
                Promote::IntToFloat => float_view(c.int("an int")? as f32),
                Promote::IntToDouble => double_view(f64::from(c.int("an int")?)),
                Promote::LongToFloat => float_view(c.varint("a long")? as f32),
                Promote::LongToDouble => double_view(c.varint("a long")? as f64),
                Promote::FloatToDouble => double_view(f64::from(c.float()?)),
            },
            Step::Fail(why) => return Err(DecodeError::new(why.clone())),
        })
    }

    /// A record read through resolution: writer fields skipped or read into the reader's
    /// slots, the reader's other fields taking their defaults.
    fn resolve_record(
        &self,
        reader: usize,
        reads: &[FieldRead],
        out: &mut Map<String, Value>,
        c: &mut Cursor,
    ) -> DResult<()> {
        let Node::Record(rec) = &self.reader.nodes[reader] else {
            return Err(DecodeError::new("internal: not a record".into()));
        };
        let mut slots: Vec<Option<Value>> = vec![None; rec.fields.len()];
        for read in reads {
            match read {
                FieldRead::Skip { node, name } => {
                    self.writer.skip(*node, c).map_err(|e| e.at_key(name))?;
                }
                FieldRead::Read { step, slot } => {
                    let v = self
                        .exec(*step, c)
                        .map_err(|e| e.at_key(&rec.fields[*slot].name))?;
                    slots[*slot] = Some(v);
                }
            }
        }
        // Every slot is read or has a default (`missing` says so otherwise).
        for ((slot, f), v) in out.values_mut().zip(&rec.fields).zip(slots) {
            if let Some(v) = v.or_else(|| f.default.clone()) {
                *slot = v;
            }
        }
        Ok(())
    }
}

impl Tree {
    /// Read past a value without building it (a writer's field the reader does not have).
    pub(super) fn skip(&self, id: usize, c: &mut Cursor) -> DResult<()> {
        match &self.nodes[id] {
            Node::Null => {}
            Node::Boolean => {
                c.take(1, "a boolean")?;
            }
            Node::Int => {
                c.int("an int")?;
            }
            Node::Long => {
                c.varint("a long")?;
            }
            Node::Enum(_) => {
                c.varint("an enum index")?;
            }
            Node::Float => {
                c.take(4, "a float")?;
            }
            Node::Double => {
                c.take(8, "a double")?;
            }
            Node::Bytes(_) | Node::String { .. } => {
                c.bytes("bytes")?;
            }
            Node::Fixed(f) => {
                c.take(f.size, "a fixed")?;
            }
            Node::Array(item) => {
                c.skip_blocks("an array", self.min_width[*item], |c| self.skip(*item, c))?;
            }
            Node::Map(val) => {
                c.skip_blocks("a map", self.min_width[*val].saturating_add(1), |c| {
                    c.bytes("a map key")?;
                    self.skip(*val, c)
                })?;
            }
            Node::Union(branches) => {
                let b = c.branch(branches)?;
                self.skip(b, c)?;
            }
            Node::Record(r) => {
                c.enter()?;
                for f in &r.fields {
                    self.skip(f.node, c).map_err(|e| e.at_key(&f.name))?;
                }
                c.leave();
            }
        }
        Ok(())
    }
}

/// A decoding failure on its way out: the reason, and the pointer tokens gathered while
/// unwinding (innermost first), so that the success path never builds a pointer.
#[derive(Debug)]
pub(super) struct DecodeError {
    pub(super) reason: String,
    pub(super) tokens: Vec<String>,
}

pub(super) type DResult<T> = Result<T, Box<DecodeError>>;

impl DecodeError {
    // Boxed on purpose: an Err the size of one pointer keeps every DResult on the decoder's
    // hot path small.
    #[allow(clippy::unnecessary_box_returns)]
    pub(super) fn new(reason: String) -> Box<DecodeError> {
        Box::new(DecodeError {
            reason,
            tokens: Vec::new(),
        })
    }
}

pub(super) trait At {
    fn at_key(self, k: &str) -> Self;
    fn at_index(self, i: usize) -> Self;
    fn into_violation(self) -> Violation;
}

impl At for Box<DecodeError> {
    fn at_key(mut self, k: &str) -> Self {
        self.tokens.push(k.to_string());
        self
    }
    fn at_index(mut self, i: usize) -> Self {
        self.tokens.push(i.to_string());
        self
    }
    fn into_violation(self) -> Violation {
        let pointer = self
            .tokens
            .iter()
            .rev()
            .fold(String::new(), |p, t| push_pointer(&p, t));
        Violation::schema(pointer, self.reason)
    }
}

pub(super) struct Cursor<'a> {
    pub(super) buf: &'a [u8],
    pub(super) pos: usize,
    /// Records being read: only a recursive type nests without bound, and only through
    /// records, so this is what keeps a hostile datum from overflowing the stack.
    pub(super) depth: usize,
    /// Items that took no bytes (nulls, empty records), over every block of the datum: a few
    /// bytes of block counts could otherwise ask for billions of them.
    pub(super) free_items: u64,
}

/// Records nested deeper than this are refused (serde_json refuses to parse JSON nested deeper
/// than 128, too); real events come nowhere near.
pub(super) const MAX_DEPTH: usize = 128;

/// The most items that take no bytes one datum may hold, over all its arrays and maps.
pub(super) const MAX_FREE_ITEMS: u64 = 1 << 20;

pub(super) fn more_bytes(n: usize) -> String {
    if n == 1 {
        "1 more byte".into()
    } else {
        format!("{n} more bytes")
    }
}

impl<'a> Cursor<'a> {
    pub(super) fn new(buf: &'a [u8]) -> Cursor<'a> {
        Cursor {
            buf,
            pos: 0,
            depth: 0,
            free_items: 0,
        }
    }

    #[inline]
    pub(super) fn enter(&mut self) -> DResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(DecodeError::new(format!(
                "records nested deeper than {MAX_DEPTH}"
            )));
        }
        Ok(())
    }

    #[inline]
    pub(super) fn leave(&mut self) {
        self.depth -= 1;
    }

    pub(super) fn left(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub(super) fn finish(&self) -> Result<(), Violation> {
        match self.left() {
            0 => Ok(()),
            1 => Err(Violation::schema("", "1 byte left over after the datum")),
            n => Err(Violation::schema(
                "",
                format!("{n} bytes left over after the datum"),
            )),
        }
    }

    #[inline]
    pub(super) fn take(&mut self, n: usize, what: &str) -> DResult<&'a [u8]> {
        let left = self.left();
        if n > left {
            return Err(DecodeError::new(format!(
                "truncated: needed {} for {what}",
                more_bytes(n - left)
            )));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    #[inline]
    pub(super) fn varint(&mut self, what: &str) -> DResult<i64> {
        let mut n: u64 = 0;
        let mut shift = 0;
        loop {
            let Some(&b) = self.buf.get(self.pos) else {
                return Err(DecodeError::new(format!(
                    "truncated: needed 1 more byte for {what}"
                )));
            };
            self.pos += 1;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
            if shift > 63 {
                return Err(DecodeError::new(format!(
                    "malformed varint for {what} (more than 10 bytes)"
                )));
            }
        }
        Ok((n >> 1) as i64 ^ -((n & 1) as i64))
    }

    #[inline]
    pub(super) fn int(&mut self, what: &str) -> DResult<i32> {
        let n = self.varint(what)?;
        i32::try_from(n).map_err(|_| DecodeError::new(format!("int out of range: {n}")))
    }

    #[inline]
    pub(super) fn float(&mut self) -> DResult<f32> {
        let b = self.take(4, "a float")?;
        Ok(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    #[inline]
    pub(super) fn double(&mut self) -> DResult<f64> {
        let b = self.take(8, "a double")?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(f64::from_le_bytes(a))
    }

    #[inline]
    pub(super) fn bytes(&mut self, what: &str) -> DResult<&'a [u8]> {
        let n = self.varint(what)?;
        let n = usize::try_from(n)
            .map_err(|_| DecodeError::new(format!("negative length {n} for {what}")))?;
        self.take(n, what)
    }

    #[inline]
    pub(super) fn string(&mut self, what: &str) -> DResult<&'a str> {
        let b = self.bytes(what)?;
        std::str::from_utf8(b).map_err(|_| DecodeError::new("invalid UTF-8 in string".into()))
    }

    #[inline]
    pub(super) fn branch(&mut self, branches: &[usize]) -> DResult<usize> {
        let i = self.varint("a union branch index")?;
        usize::try_from(i)
            .ok()
            .and_then(|i| branches.get(i).copied())
            .ok_or_else(|| {
                DecodeError::new(format!(
                    "union branch index {i} out of range ({} branches)",
                    branches.len()
                ))
            })
    }

    /// Skip an array's or map's blocks to the end: a block that says its size in bytes is
    /// skipped whole, the others item by item through `item`.
    pub(super) fn skip_blocks(
        &mut self,
        what: &'static str,
        width: usize,
        mut item: impl FnMut(&mut Cursor) -> DResult<()>,
    ) -> DResult<()> {
        loop {
            let count = self.varint(what)?;
            if count == 0 {
                return Ok(());
            }
            if count < 0 {
                // A negative count is followed by the block's size in bytes: skip it whole.
                let size = self.varint(what)?;
                let size = usize::try_from(size).map_err(|_| {
                    DecodeError::new(format!("negative block size {size} in {what}"))
                })?;
                self.take(size, what)?;
                continue;
            }
            self.check_block(count as u64, width, what)?;
            for _ in 0..count {
                item(self)?;
            }
        }
    }

    /// Read an array's or map's blocks to the end, giving `each` every block's item count.
    pub(super) fn blocks(
        &mut self,
        width: usize,
        what: &str,
        mut each: impl FnMut(&mut Self, usize) -> DResult<()>,
    ) -> DResult<()> {
        loop {
            match self.block(width, what)? {
                0 => return Ok(()),
                n => each(self, n)?,
            }
        }
    }

    /// The next block's item count (0 at the end), skipping the byte size that a negative count
    /// brings.
    pub(super) fn block(&mut self, width: usize, what: &str) -> DResult<usize> {
        let count = self.varint(what)?;
        let count = if count < 0 {
            self.varint(what)?;
            count.unsigned_abs()
        } else {
            count as u64
        };
        self.check_block(count, width, what)?;
        Ok(count as usize)
    }

    /// Refuse a block count the remaining bytes cannot hold (before allocating for it).
    pub(super) fn check_block(&mut self, count: u64, width: usize, what: &str) -> DResult<()> {
        let need = count.saturating_mul(width as u64);
        let left = self.left() as u64;
        if need > left {
            return Err(DecodeError::new(format!(
                "truncated: {what} block of {count} items needs at least {}",
                more_bytes((need - left).try_into().unwrap_or(usize::MAX))
            )));
        }
        // Items that take no bytes (nulls) could be counted in the billions by a corrupt
        // datum, block after block; no real datum has that many. Each still costs a JSON value
        // (and more to check or encode), so the bound is what one record may cost in memory:
        // at 2^24, a 7-byte datum took a gigabyte.
        if width == 0 {
            self.free_items = self.free_items.saturating_add(count);
            if self.free_items > MAX_FREE_ITEMS {
                return Err(DecodeError::new(format!(
                    "{what} of {} items that take no bytes is implausibly large",
                    self.free_items
                )));
            }
        }
        Ok(())
    }
}
