//! The value conversions behind the JSON view: floats with the fewest digits, bytes as one
//! character per byte, uuids, and decimals (two's-complement unscaled values shown with their
//! scale, and JSON numbers or strings turned back into them).

use std::fmt::{self, Write as _};

use num_bigint::{BigInt, BigUint, Sign};
use serde_json::{Number, Value};
use uuid::Uuid;

use super::decode::{Cursor, DResult};

/// A float with the fewest digits that read back as the same float.
pub(super) fn float_view(f: f32) -> Value {
    if !f.is_finite() {
        return nonfinite_view(f64::from(f));
    }
    let mut buf = StackStr::default();
    let _ = write!(buf, "{f:e}");
    buf.as_str()
        .parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map_or_else(|| double_view(f64::from(f)), Value::Number)
}

pub(super) fn double_view(f: f64) -> Value {
    Number::from_f64(f).map_or_else(|| nonfinite_view(f), Value::Number)
}

pub(super) fn nonfinite_view(f: f64) -> Value {
    Value::String(
        if f.is_nan() {
            "NaN"
        } else if f > 0.0 {
            "Infinity"
        } else {
            "-Infinity"
        }
        .into(),
    )
}

/// A small formatting buffer on the stack (a float's `{:e}` is at most ~15 bytes).
#[derive(Default)]
pub(super) struct StackStr {
    pub(super) buf: [u8; 32],
    pub(super) len: usize,
}

impl StackStr {
    pub(super) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

impl fmt::Write for StackStr {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Bytes as the Avro JSON encoding writes them: one character per byte.
pub(super) fn latin1(b: &[u8]) -> String {
    if b.is_ascii() {
        String::from_utf8(b.to_vec()).unwrap_or_default()
    } else {
        b.iter().map(|&b| char::from(b)).collect()
    }
}

pub(super) fn latin1_bytes(s: &str) -> Option<Vec<u8>> {
    s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect()
}

/// A uuid's 16 bytes in its usual form, `2c6a4b9e-0102-4304-8506-0708090a0b0c`; callers hold
/// 16 bytes (a uuid fixed has size 16), anything else shows as bytes do.
pub(super) fn uuid_string(b: &[u8]) -> String {
    match Uuid::from_slice(b) {
        Ok(u) => u
            .hyphenated()
            .encode_lower(&mut Uuid::encode_buffer())
            .to_owned(),
        Err(_) => latin1(b),
    }
}

/// A uuid in its usual, hyphenated form only (the uuid crate also takes the simple, braced and
/// URN forms, which the Avro specification does not).
pub(super) fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    if s.len() != 36 {
        return None;
    }
    Uuid::try_parse(s).ok().map(Uuid::into_bytes)
}

/// A two's-complement big-endian unscaled value, shown as a decimal number with `scale`
/// digits after the point ("12.34"); a negative scale multiplies by a power of ten.
pub(super) fn decimal_string(bytes: &[u8], scale: i64) -> String {
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    let digits = if bytes.len() <= 16 {
        let mut v: i128 = if negative { -1 } else { 0 };
        for &b in bytes {
            v = (v << 8) | i128::from(b);
        }
        v.unsigned_abs().to_string()
    } else {
        BigInt::from_signed_bytes_be(bytes).magnitude().to_string()
    };
    place_point(&digits, negative, scale)
}

/// The largest decimal scale written out in digits; beyond it, an exponent (a scale read from
/// a hostile datum could otherwise ask for gigabytes of zeros).
pub(super) const MAX_PLACES: u64 = 10_000;

pub(super) fn place_point(digits: &str, negative: bool, scale: i64) -> String {
    if scale.unsigned_abs() > MAX_PLACES {
        let sign = if negative && digits.bytes().any(|d| d != b'0') {
            "-"
        } else {
            ""
        };
        return format!("{sign}{digits}E{}", scale.saturating_neg());
    }
    let mut s = String::with_capacity(digits.len() + 3);
    if negative && digits.bytes().any(|d| d != b'0') {
        s.push('-');
    }
    if scale <= 0 {
        s.push_str(digits);
        if digits != "0" {
            for _ in 0..scale.unsigned_abs() {
                s.push('0');
            }
        }
        return s;
    }
    let scale = scale as usize;
    if digits.len() <= scale {
        s.push_str("0.");
        for _ in 0..scale - digits.len() {
            s.push('0');
        }
        s.push_str(digits);
    } else {
        let (int, frac) = digits.split_at(digits.len() - scale);
        s.push_str(int);
        s.push('.');
        s.push_str(frac);
    }
    s
}

/// apache-avro's big-decimal layout: the unscaled value's bytes, then the scale as a long.
pub(super) fn big_decimal(b: &[u8]) -> DResult<String> {
    let mut c = Cursor::new(b);
    let unscaled = c.bytes("a big-decimal")?;
    let scale = c.varint("a big-decimal scale")?;
    Ok(decimal_string(unscaled, scale))
}

/// A decimal number as written in JSON: digits × 10^-scale.
pub(super) struct Decimal {
    pub(super) negative: bool,
    /// Without leading zeros; empty for zero.
    pub(super) digits: String,
    pub(super) scale: i64,
}

pub(super) fn decimal_of(v: &Value) -> Option<Decimal> {
    match v {
        Value::String(s) => parse_decimal(s),
        Value::Number(n) => parse_decimal(&n.to_string()),
        _ => None,
    }
}

pub(super) fn parse_decimal(s: &str) -> Option<Decimal> {
    let (negative, rest) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (mantissa, exp) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], rest[i + 1..].parse::<i64>().ok()?),
        None => (rest, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let digits = format!("{int}{frac}").trim_start_matches('0').to_string();
    Some(Decimal {
        negative: negative && !digits.is_empty(),
        digits,
        scale: (frac.len() as i64).checked_sub(exp)?,
    })
}

impl Decimal {
    /// The unscaled digits at `scale`, or why it does not fit.
    pub(super) fn rescale(&self, scale: usize) -> Result<String, String> {
        let scale = scale as i64;
        let mut digits = self.digits.clone();
        if self.scale <= scale {
            if !digits.is_empty() {
                let zeros = scale
                    .checked_sub(self.scale)
                    .and_then(|z| usize::try_from(z).ok())
                    .ok_or("decimal exponent out of range")?;
                if zeros > 10_000 {
                    return Err("decimal exponent too large".into());
                }
                digits.extend(std::iter::repeat_n('0', zeros));
            }
        } else {
            let extra = self
                .scale
                .checked_sub(scale)
                .and_then(|e| usize::try_from(e).ok())
                .ok_or("decimal exponent out of range")?;
            let keep = digits.len().saturating_sub(extra);
            if digits[keep..].bytes().any(|b| b != b'0') {
                return Err(format!(
                    "decimal has more than {scale} digits after the point"
                ));
            }
            digits.truncate(keep);
        }
        if digits.is_empty() {
            digits.push('0');
        }
        Ok(digits)
    }
}

/// Decimal digits (none for zero) as a minimal two's-complement big-endian integer.
pub(super) fn unscaled_bytes(negative: bool, digits: &str) -> Vec<u8> {
    let magnitude = BigUint::parse_bytes(digits.as_bytes(), 10).unwrap_or_default();
    let sign = if negative { Sign::Minus } else { Sign::Plus };
    BigInt::from_biguint(sign, magnitude).to_signed_bytes_be()
}

/// A two's-complement integer widened to `size` bytes, or `None` if it needs more.
pub(super) fn sign_extend(b: &[u8], size: usize) -> Option<Vec<u8>> {
    if b.len() > size {
        return None;
    }
    let fill = if b.first().is_some_and(|x| x & 0x80 != 0) {
        0xff
    } else {
        0
    };
    let mut out = vec![fill; size - b.len()];
    out.extend_from_slice(b);
    Some(out)
}
