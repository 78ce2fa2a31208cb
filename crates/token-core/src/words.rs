//! Looking at text eight bytes at a time, in one `u64` word: exact per-byte tests without carries
//! from byte to byte, and a walk over the words of a byte string.

/// `0x01` in every byte; times a byte value, that value in every byte.
pub(crate) const LOW_BITS: u64 = 0x0101_0101_0101_0101;
/// The high bit of every byte.
pub(crate) const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// The high bit of each zero byte of `word`, exactly (no carry from byte to byte).
pub(crate) fn zero_bytes(word: u64) -> u64 {
    !(((word & !HIGH_BITS) + !HIGH_BITS) | word) & HIGH_BITS
}

/// The high bit of each byte of `word` equal to `byte`.
pub(crate) fn bytes_equal_to(word: u64, byte: u8) -> u64 {
    zero_bytes(word ^ (u64::from(byte) * LOW_BITS))
}

/// The high bit of each byte of `word` below `0x20`, the ASCII control characters but DEL.
pub(crate) fn control_bytes(word: u64) -> u64 {
    zero_bytes(word & (0xe0 * LOW_BITS))
}

/// Calls `check` with every byte of `bytes` in little-endian words of eight. The last word
/// overlaps the one before it when the length is not a multiple of eight, and a text shorter
/// than eight bytes is padded with copies of its first byte, so every word holds only bytes of
/// the text: a check for any byte value finds exactly what the text has.
#[inline(always)]
pub(crate) fn for_each_word(bytes: &[u8], mut check: impl FnMut(u64)) {
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        if let Some(word) = chunk.first_chunk::<8>() {
            check(u64::from_le_bytes(*word));
        }
    }
    let rest = chunks.remainder();
    if let Some(last) = bytes.last_chunk::<8>().filter(|_| !rest.is_empty()) {
        // The last eight bytes, some of them checked already, which changes nothing.
        check(u64::from_le_bytes(*last));
    } else if !rest.is_empty() {
        // Fewer than eight bytes in all, put together in a register (a copy through memory
        // would stall the load that follows it).
        let padding = rest.first().map_or(0, |&byte| u64::from(byte) * LOW_BITS);
        let word = rest
            .iter()
            .enumerate()
            .fold(padding, |word, (index, &byte)| {
                word & !(0xff << (8 * index)) | u64::from(byte) << (8 * index)
            });
        check(word);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_bytes_are_found_exactly() {
        for zero in 0..8 {
            for other in [1u8, 0x80, 0xff, 0x7f] {
                let mut bytes = [other; 8];
                bytes[zero] = 0;
                let word = u64::from_le_bytes(bytes);
                assert_eq!(zero_bytes(word), 0x80 << (8 * zero), "{bytes:x?}");
            }
        }
    }

    #[test]
    fn control_bytes_are_those_below_the_space_and_equal_bytes_are_exact() {
        for byte in 0..=u8::MAX {
            let word = u64::from(byte) * LOW_BITS;
            assert_eq!(control_bytes(word) != 0, byte < 0x20, "{byte:#04x}");
            assert_eq!(bytes_equal_to(word, b' ') != 0, byte == b' ', "{byte:#04x}");
            assert_eq!(bytes_equal_to(word, 0x7f) != 0, byte == 0x7f, "{byte:#04x}");
        }
    }

    #[test]
    fn a_short_text_is_padded_with_its_own_bytes() {
        for text in [&b"a"[..], b"writer", b"Joe Doe", b"\x00"] {
            let mut words = Vec::new();
            for_each_word(text, |word| words.push(word));
            assert_eq!(words.len(), 1);
            let bytes = words[0].to_le_bytes();
            assert!(bytes.iter().all(|byte| text.contains(byte)), "{text:?}");
            assert_eq!(&bytes[..text.len()], text);
        }
    }

    proptest::proptest! {
        #[test]
        fn every_byte_is_seen_and_nothing_else_is_found(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40),
            wanted in proptest::prelude::any::<u8>(),
        ) {
            let mut found = 0;
            let mut control = 0;
            for_each_word(&bytes, |word| {
                found |= bytes_equal_to(word, wanted);
                control |= control_bytes(word);
            });
            proptest::prop_assert_eq!(found != 0, bytes.contains(&wanted));
            proptest::prop_assert_eq!(control != 0, bytes.iter().any(|&b| b < 0x20));
        }
    }
}
