//! CRC-32 (IEEE 802.3, the zlib polynomial), the hash of librdkafka's default `consistent` and
//! `consistent_random` partitioners (`rd_crc32(key) % partition_cnt`, unsigned).

/// CRC-32 of the bytes.
pub fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

#[cfg(test)]
mod tests {
    #[test]
    fn check_value() {
        // The standard check value of CRC-32/ISO-HDLC.
        assert_eq!(super::crc32(b"123456789"), 0xcbf4_3926);
    }
}
