//! Finding the risky bytes of a text eight bytes at a time, in one `u64` word.

use super::is_risky_byte;
use crate::words::{HIGH_BITS, LOW_BITS, zero_bytes};

/// The high bit of each byte of `word` that is risky: `0x80` or more, or one of `>`, `?`, `~`
/// and DEL, the ASCII bytes with bits 1 to 5 set.
pub(crate) fn risky_bytes(word: u64) -> u64 {
    word & HIGH_BITS | zero_bytes((word & (0x3e * LOW_BITS)) ^ (0x3e * LOW_BITS))
}

/// The position of the first risky byte of `json[from..end]`; `end` if there is none.
pub(super) fn skip_plain(json: &[u8], mut from: usize, end: usize) -> usize {
    while let Some(window) = json.get(from..end).and_then(<[u8]>::first_chunk::<8>) {
        let hits = risky_bytes(u64::from_le_bytes(*window));
        if hits != 0 {
            return from + (hits.trailing_zeros() / 8) as usize;
        }
        from += 8;
    }
    // Fewer than eight bytes are left: the eight ending at `end`, without those before `from`.
    if from < end
        && let Some(window) = end
            .checked_sub(8)
            .and_then(|start| json.get(start..end))
            .and_then(<[u8]>::first_chunk::<8>)
    {
        let before = 8 * (8 - (end - from)) as u32;
        let hits = risky_bytes(u64::from_le_bytes(*window)) >> before;
        return if hits != 0 {
            from + (hits.trailing_zeros() / 8) as usize
        } else {
            end
        };
    }
    while from < end && !is_risky_byte(json[from]) {
        from += 1;
    }
    from
}

#[cfg(test)]
mod tests {
    use proptest::prelude::{any, prop, prop_oneof};
    use proptest::strategy::Just;

    use super::*;

    proptest::proptest! {
        #[test]
        fn skipping_by_words_finds_the_first_risky_byte(
            bytes in prop::collection::vec(
                prop_oneof![any::<u8>(), (0x20u8..0x7f), Just(b'?'), Just(b'a')],
                0..40,
            ),
            from in 0usize..40,
            len in 0usize..40,
        ) {
            let from = from.min(bytes.len());
            let end = (from + len).min(bytes.len());
            let expected = (from..end).find(|&at| is_risky_byte(bytes[at])).unwrap_or(end);
            proptest::prop_assert_eq!(skip_plain(&bytes, from, end), expected);
        }
    }
}
