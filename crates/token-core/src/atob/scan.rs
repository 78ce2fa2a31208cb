//! Finding the risky bytes of a text eight bytes at a time, in one `u64` word.

use crate::words::{HIGH_BITS, LOW_BITS, bytes_equal_to, zero_bytes};

/// The high bit of each byte of `word` that is risky: `0x80` or more, or one of `>`, `?`, `~`
/// and DEL, the ASCII bytes with bits 1 to 5 set.
pub(crate) fn risky_bytes(word: u64) -> u64 {
    word & HIGH_BITS | bits_1_to_5_set(word)
}

/// The high bit of each byte of `word` whose bits 1 to 5 are all set: among ASCII bytes, `>`,
/// `?`, `~` and DEL.
fn bits_1_to_5_set(word: u64) -> u64 {
    zero_bytes((word & (0x3e * LOW_BITS)) ^ (0x3e * LOW_BITS))
}

/// The high bit of each byte of `word` that starts a risky character: `0xC0` or more (the first
/// byte of a character of two bytes or more), or one of `>`, `?`, `~` and DEL. The bytes `0x80`
/// to `0xBF`, which continue a character, are left out.
fn risky_starts(word: u64) -> u64 {
    let ascii = bits_1_to_5_set(word) & !word;
    ((word & word << 1) | ascii) & HIGH_BITS
}

/// Calls `visit` with the position of each byte of `json[from..end]` that starts a risky
/// character, in order, as long as it returns `true`; whether it always did. In UTF-8 that starts
/// at a character, these are where its risky characters are.
///
/// All the starts in a word of eight bytes come at once, so that finding the next one does not
/// wait for the character before it, as skipping from the end of one character to the next
/// would, load after load.
#[inline(always)]
pub(super) fn each_risky_start(
    json: &[u8],
    from: usize,
    end: usize,
    visit: impl FnMut(usize) -> bool,
) -> bool {
    each_hit(json, from, end, risky_starts, visit)
}

/// Calls `visit` with the position of each `/` in `json[from..end]`, in order, as long as it
/// returns `true`; whether it always did.
#[inline(always)]
pub(super) fn each_slash(
    json: &[u8],
    from: usize,
    end: usize,
    visit: impl FnMut(usize) -> bool,
) -> bool {
    each_hit(json, from, end, |word| bytes_equal_to(word, b'/'), visit)
}

/// Calls `visit` with the position of each byte of `json[from..end]` that `hits` marks (the high
/// bit of some bytes of a word, each byte on its own), in order, as long as it returns `true`;
/// whether it always did.
///
/// Always inlined, with its callers, so that `visit` is inlined too: called once per character,
/// it would have to find what the caller holds in memory.
#[inline(always)]
fn each_hit(
    json: &[u8],
    from: usize,
    end: usize,
    hits: impl Fn(u64) -> u64,
    mut visit: impl FnMut(usize) -> bool,
) -> bool {
    let mut at = from;
    while at < end {
        let mut found = match json.get(at..end).and_then(<[u8]>::first_chunk::<8>) {
            Some(word) => hits(u64::from_le_bytes(*word)),
            None => last_hits(json, at, end, &hits),
        };
        while found != 0 {
            if !visit(at + (found.trailing_zeros() / 8) as usize) {
                return false;
            }
            found &= found - 1;
        }
        at += 8;
    }
    true
}

/// What `hits` marks in `json[at..end]`, fewer than eight bytes: in the eight bytes that end at
/// `end`, without those before `at`, or one by one, each alone in a word, when there are not
/// eight.
fn last_hits(json: &[u8], at: usize, end: usize, hits: impl Fn(u64) -> u64) -> u64 {
    match end
        .checked_sub(8)
        .and_then(|start| json[start..end].first_chunk::<8>())
    {
        Some(word) => hits(u64::from_le_bytes(*word)) >> (8 * (8 - (end - at))),
        None => json[at..end]
            .iter()
            .enumerate()
            .fold(0, |found, (index, &byte)| {
                found | (hits(u64::from(byte)) & 0x80) << (8 * index)
            }),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::{any, prop, prop_oneof};
    use proptest::strategy::Just;

    use super::*;

    /// The positions of the starts in `bytes[from..end]`.
    fn starts(bytes: &[u8], from: usize, end: usize) -> Vec<usize> {
        let mut found = Vec::new();
        assert!(each_risky_start(bytes, from, end, |at| {
            found.push(at);
            true
        }));
        found
    }

    proptest::proptest! {
        #[test]
        fn words_give_the_starts_of_risky_characters_in_order(
            bytes in prop::collection::vec(
                prop_oneof![
                    any::<u8>(),
                    (0x20u8..0x7f),
                    Just(b'?'),
                    Just(b'a'),
                    Just(0xc3),
                    Just(0xbf),
                ],
                0..40,
            ),
            from in 0usize..40,
            len in 0usize..40,
        ) {
            let from = from.min(bytes.len());
            let end = (from + len).min(bytes.len());
            let expected: Vec<usize> = (from..end)
                .filter(|&at| bytes[at] >= 0xc0 || matches!(bytes[at], b'>' | b'?' | b'~' | 0x7f))
                .collect();
            let found = starts(&bytes, from, end);
            proptest::prop_assert_eq!(found, expected);
        }
    }

    proptest::proptest! {
        #[test]
        fn words_give_the_slashes(
            bytes in prop::collection::vec(prop_oneof![any::<u8>(), Just(b'/'), Just(b'a')], 0..40),
            from in 0usize..40,
            len in 0usize..40,
        ) {
            let from = from.min(bytes.len());
            let end = (from + len).min(bytes.len());
            let expected: Vec<usize> = (from..end).filter(|&at| bytes[at] == b'/').collect();
            let mut found = Vec::new();
            let all = each_slash(&bytes, from, end, |at| {
                found.push(at);
                true
            });
            proptest::prop_assert!(all);
            proptest::prop_assert_eq!(&found, &expected);
            // Stopping after the first.
            let mut first = Vec::new();
            let all = each_slash(&bytes, from, end, |at| {
                first.push(at);
                false
            });
            proptest::prop_assert_eq!(all, expected.is_empty());
            proptest::prop_assert_eq!(first, expected.into_iter().take(1).collect::<Vec<_>>());
        }
    }

    #[test]
    fn in_utf8_the_starts_are_the_risky_characters() {
        let text = "a?b~c>d\u{7f}é€😀xyz/ÿ\u{fffd}";
        let expected: Vec<usize> = text
            .char_indices()
            .filter(|&(_, c)| matches!(c, '>' | '?' | '~' | '\u{7f}') || !c.is_ascii())
            .map(|(at, _)| at)
            .collect();
        for from in 0..3 {
            let found = starts(text.as_bytes(), from, text.len());
            let wanted: Vec<usize> = expected.iter().copied().filter(|&at| at >= from).collect();
            assert_eq!(found, wanted, "from {from}");
        }
    }
}
