//! kafkajs's legacy murmur2 (the default partitioner before kafkajs 2.0, `LegacyPartitioner`
//! since), reproduced bug for bug: it multiplies in IEEE-754 doubles, so products beyond 2^53
//! lose their low bits before JavaScript's ToInt32 wraps them, and it does not floor `length/4`,
//! so a key whose length is not a multiple of four gets an extra zero-padded block and then has
//! its tail mixed in a second time.

const M: f64 = 1_540_483_477.0; // 0x5bd1e995
const SEED: u32 = 0x9747_b28c;

/// JavaScript's ToInt32.
fn to_i32(x: f64) -> i32 {
    to_u32(x) as i32
}

/// JavaScript's ToUint32.
fn to_u32(x: f64) -> u32 {
    if !x.is_finite() {
        return 0;
    }
    let t = x.trunc();
    if t.abs() < 1e30 {
        // Exact: an integral double below 2^100 fits an i128, whose low 32 bits are the value
        // modulo 2^32 (two's complement does the right thing for negatives). Much faster than
        // fmod, which the audit would otherwise spend a quarter of its time in.
        (t as i128) as u32
    } else {
        // fmod is exact, so this is the mathematical value modulo 2^32.
        t.rem_euclid(4_294_967_296.0) as u32
    }
}

/// The legacy kafkajs murmur2 of a key (as a JavaScript number, an int32).
pub fn legacy_murmur2(data: &[u8]) -> i32 {
    let len = data.len();
    // `undefined & 0xff` is 0 past the end of the buffer.
    let byte = |i: usize| -> i32 { data.get(i).map_or(0, |&b| i32::from(b)) };
    let mut h: f64 = f64::from((SEED as i32) ^ (len as i32));
    // `for (i = 0; i < length / 4; i++)` with a fractional bound: ceil(len / 4) rounds.
    for i in 0..len.div_ceil(4) {
        let i4 = i * 4;
        let mut k: f64 = f64::from(byte(i4))
            + f64::from(byte(i4 + 1) << 8)
            + f64::from(byte(i4 + 2) << 16)
            + f64::from(byte(i4 + 3) << 24);
        k *= M;
        k = f64::from(to_i32(k) ^ (to_u32(k) >> 24) as i32);
        k *= M;
        h *= M;
        h = f64::from(to_i32(h) ^ to_i32(k));
    }
    let tail = len & !3;
    let rest = len % 4;
    if rest >= 3 {
        h = f64::from(to_i32(h) ^ (byte(tail + 2) << 16));
    }
    if rest >= 2 {
        h = f64::from(to_i32(h) ^ (byte(tail + 1) << 8));
    }
    if rest >= 1 {
        h = f64::from(to_i32(h) ^ byte(tail));
        h *= M;
    }
    h = f64::from(to_i32(h) ^ (to_u32(h) >> 13) as i32);
    h *= M;
    h = f64::from(to_i32(h) ^ (to_u32(h) >> 15) as i32);
    to_i32(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// kafkajs's own `legacy/murmur2.spec.js` vectors.
    #[test]
    fn matches_kafkajs_legacy_spec() {
        for (key, want) in [
            ("0", 272_173_970),
            ("1", 1_311_020_360),
            ("128", 2_053_105_854),
            ("2187", -2_081_355_488),
            ("16384", 204_404_061),
            ("78125", -677_491_393),
            ("279936", -622_460_209),
            ("823543", 651_276_451),
            ("2097152", 944_683_677),
            ("4782969", -892_695_770),
            ("10000000", -1_778_616_326),
            ("19487171", -518_311_627),
            ("35831808", 556_972_389),
            ("62748517", -233_806_557),
            ("105413504", -109_398_538),
            ("170859375", 102_939_717),
        ] {
            assert_eq!(legacy_murmur2(key.as_bytes()), want, "{key}");
        }
    }
}
