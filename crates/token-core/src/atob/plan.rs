//! The exact search over the strings with risky characters: a dynamic program over the places
//! where an encoding may differ from the compact form, on the extra bytes written so far.
//!
//! Every other byte of those strings is ASCII that is neither risky nor able to make its
//! neighbour's group bad (a pair of bytes is only bad when its second byte is `0x80` or more), so
//! only the places themselves are checked, each against the shifts that would make it bad.

use super::scan::each_slash;
use super::{RiskyChar, bad_shifts, unicode_escape};

pub(super) const INFINITY: u32 = u32::MAX / 4;

/// Search states: `shift + 3 * after_escape`. `shift` is the number of extra bytes written so
/// far, modulo 3; `after_escape` says the byte before the next place is the last hex digit of a
/// `\u` escape instead of the compact form's byte, which matters when a raw character follows.
const STATES: usize = 6;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// What may change at one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Zero, one or two spaces before a string's opening quote.
    Spaces,
    /// A `/` inside a string, raw or as `\/`.
    Slash,
    /// A risky character, raw or as a `\u` escape.
    Risky,
}

/// A state's cost and the cheapest way to it, as one number that orders the ways as the search
/// breaks ties: the extra bytes from bit 8 on, then the choice at the place (bits 3 and 4: the
/// spaces written, or 1 for an escaped slash or character), then the state before the place (bits
/// 0 to 2). The smallest key is the cheapest way; of equally cheap ones, the one that adds fewer
/// bytes at the place, then the one from the lower state (no escape's hex digit before it).
/// Taking the smallest of a state's ways keeps its back-pointer with its cost, without a branch.
type Key = u64;

/// The key of a state that cannot be reached: a cost no encoding comes near, and no way.
const UNREACHED: Key = (INFINITY as Key) << 8;

/// The bits of a key below its cost: the back-pointer.
const BACK_BITS: Key = 0xff;

/// The key bits of an added byte at a place: one more byte, and one more in the choice.
const fn added(bytes: Key) -> Key {
    bytes << 8 | bytes << 3
}

/// One place, with the search's back-pointers and, once decided, its choice. Its fields are
/// plain numbers, each written where it goes: a kind that carried the character's length and
/// masks was put together on the stack piece by piece and then copied as a whole, which stalls
/// the copy.
#[derive(Debug, Clone, Copy)]
struct Place {
    at: usize,
    kind: Kind,
    /// For a risky character, its length in UTF-8 bytes; 0 for the other places.
    len: u8,
    /// For a risky character, the shifts at which it is bad written raw after the compact
    /// form's byte before it, and right after an escape of the character before it.
    bad_raw: u8,
    bad_after_escape: u8,
    /// The back-pointer of each state after the place: its key's low byte.
    backs: [u8; STATES],
    choice: u8,
}

impl Place {
    /// A place for spaces or a slash, not searched yet.
    fn shift(at: usize, kind: Kind) -> Self {
        Place {
            at,
            kind,
            len: 0,
            bad_raw: 0,
            bad_after_escape: 0,
            backs: [0; STATES],
            choice: 0,
        }
    }

    /// A place for a risky character, not searched yet.
    fn risky(at: usize, len: u8, bad_raw: u8, bad_after_escape: u8) -> Self {
        Place {
            at,
            kind: Kind::Risky,
            len,
            bad_raw,
            bad_after_escape,
            backs: [0; STATES],
            choice: 0,
        }
    }
}

/// Each state's cost, as the key of a way that starts there: what a step compares. Ties between
/// two states go to the lower one.
fn reached(keys: &[Key; STATES]) -> [Key; STATES] {
    std::array::from_fn(|state| keys[state] & !BACK_BITS | state as Key)
}

/// For each shift, the cheaper of its two states: what follows a byte that cannot flag the next
/// one. A tie goes to the state without an escape before it.
fn cheapest_by_shift(reached: &[Key; STATES]) -> [Key; 3] {
    std::array::from_fn(|shift| reached[shift].min(reached[shift + 3]))
}

/// Bytes that only move what follows on: up to `MOST` of them (two at most, which the two choice
/// bits of a key hold), one choice per byte (spaces before a string, escaped slashes). Fewer bytes
/// win ties. No state after them follows an escape.
fn shift<const MOST: u8>(keys: &[Key; STATES]) -> [Key; STATES] {
    const { assert!(MOST <= 2, "a key's choice holds up to two added bytes") };
    let cheapest = cheapest_by_shift(&reached(keys));
    let mut next = [UNREACHED; STATES];
    for (after, key) in next.iter_mut().take(3).enumerate() {
        *key = cheapest[after];
        for bytes in 1..=MOST {
            let before = cheapest[(after + 3 - usize::from(bytes)) % 3];
            *key = (*key).min(before + added(Key::from(bytes)));
        }
    }
    next
}

/// A risky character of `len` UTF-8 bytes, raw (choice 0) where `bad_raw` (or, right after an
/// escape, `bad_after_escape`) allows, or escaped (choice 1). Raw wins ties, and so does the
/// state without an escape before it.
fn risky(keys: &[Key; STATES], bad_raw: u8, bad_after_escape: u8, len: u8) -> [Key; STATES] {
    let reached = reached(keys);
    let mut next = [UNREACHED; STATES];
    for shift in 0..3 {
        let raw = if bad_raw >> shift & 1 == 0 {
            reached[shift]
        } else {
            UNREACHED
        };
        let after_escape = if bad_after_escape >> shift & 1 == 0 {
            reached[shift + 3]
        } else {
            UNREACHED
        };
        next[shift] = raw.min(after_escape);
    }
    let cheapest = cheapest_by_shift(&reached);
    // A `\u` escape is 6 bytes, 12 for a surrogate pair: it adds 5, 4, 3 or 8 bytes.
    match len {
        1 => escaped::<5>(&mut next, cheapest),
        2 => escaped::<4>(&mut next, cheapest),
        3 => escaped::<3>(&mut next, cheapest),
        _ => escaped::<8>(&mut next, cheapest),
    }
    next
}

/// The states after an escape that adds `EXTRA` bytes, which moves the shift on by `EXTRA`
/// modulo 3. A constant indexes the keys with constants only, so that they can stay in
/// registers: keys written one by one at a computed index and then copied as a whole stall the
/// copy.
fn escaped<const EXTRA: usize>(next: &mut [Key; STATES], cheapest: [Key; 3]) {
    let escape = (EXTRA as Key) << 8 | 1 << 3;
    for (shift, before) in cheapest.into_iter().enumerate() {
        next[3 + (shift + EXTRA) % 3] = before + escape;
    }
}

/// The buffers of a search, kept between searches.
#[derive(Debug, Default)]
pub(crate) struct SearchBuffers {
    places: Vec<Place>,
    /// The risky characters of the strings to search, left by [`super::mend`].
    pub(super) chars: Vec<RiskyChar>,
}

/// Rewrites `json` in place as its shortest safe encoding, changing nothing before the first of
/// `strings` (the quote positions of the strings with risky characters from the first unsafe one
/// on, whose risky characters are in `buffers.chars`). `None`, with `json` as it was, if one of
/// them is not UTF-8.
pub(super) fn search(
    json: &mut Vec<u8>,
    strings: &[(usize, usize)],
    buffers: &mut SearchBuffers,
) -> Option<()> {
    let SearchBuffers { places, chars } = buffers;
    list_places(json, strings, chars, places)?;

    // The places first, then the states over them: a loop that holds the keys and little else,
    // so that they stay in registers.
    let mut keys = [UNREACHED; STATES];
    keys[0] = 0;
    for place in places.iter_mut() {
        keys = match place.kind {
            Kind::Spaces => shift::<2>(&keys),
            Kind::Slash => shift::<1>(&keys),
            Kind::Risky => risky(&keys, place.bad_raw, place.bad_after_escape, place.len),
        };
        for (back, key) in place.backs.iter_mut().zip(keys) {
            *back = key as u8;
        }
    }

    // The cheapest state, the lowest of equally cheap ones.
    let last = reached(&keys).into_iter().min().unwrap_or(UNREACHED);
    let extra = last >> 8;
    let mut state = usize::from(last as u8 & 7);
    for place in places.iter_mut().rev() {
        let back = place.backs[state];
        place.choice = back >> 3 & 3;
        state = usize::from(back & 7);
        // What an escape writes is known only for UTF-8; checked before anything is changed.
        if let (Kind::Risky, 1) = (place.kind, place.choice) {
            std::str::from_utf8(&json[place.at..place.at + usize::from(place.len)]).ok()?;
        }
    }
    apply(json, places, extra as usize);
    Some(())
}

/// Lists in `places` the places of `strings` in `json`, whose risky characters are `chars`, in
/// order. `None` if a risky character does not start with a UTF-8 lead byte.
fn list_places(
    json: &[u8],
    strings: &[(usize, usize)],
    chars: &[RiskyChar],
    places: &mut Vec<Place>,
) -> Option<()> {
    places.clear();
    let mut chars = chars.iter();
    // The first risky character of the next string, taken from `chars` already.
    let mut next = chars.next();
    for &(open, close) in strings {
        places.push(Place::shift(open, Kind::Spaces));
        // Where the last risky character ended, to know whether an escape of it precedes.
        let mut risky_end = 0;
        while let Some(&RiskyChar { at, len, bad }) = next.filter(|c| c.at < close) {
            next = chars.next();
            // Only slashes between two risky characters of a string are places: before the
            // first, a slash shifts the same bytes the way a space before the string does, for
            // the same byte, and after the last it shifts the same bytes as a space before the
            // next string. Two are enough: three escaped slashes add 3 bytes and shift nothing
            // (modulo 3), so they never beat none.
            if risky_end > 0 {
                let mut slash_places = 0;
                each_slash(json, risky_end, at, |slash| {
                    // A `/` after an odd number of backslashes is part of an escape already.
                    let backslashes = json[..slash]
                        .iter()
                        .rev()
                        .take_while(|&&b| b == b'\\')
                        .count();
                    if backslashes % 2 == 0 {
                        places.push(Place::shift(slash, Kind::Slash));
                        slash_places += 1;
                    }
                    slash_places < 2
                });
            }
            if matches!(json[at], 0x80..=0xbf | 0xf8..=0xff) {
                return None;
            }
            let bad_after_escape = if risky_end == at {
                let bytes = json.get(at..at + usize::from(len))?;
                bad_shifts(at, HEX[usize::from(json[at - 1] & 15)], bytes)
            } else {
                bad
            };
            places.push(Place::risky(at, len, bad, bad_after_escape));
            risky_end = at + usize::from(len);
        }
    }
    Some(())
}

/// Makes the chosen changes at `places`, which add `extra` bytes, to `json` in place: from the
/// last change to the first, the bytes after a change move right once, by what the changes
/// before them add, and the change is written before them. Nothing before the first change
/// moves, which spares copying the claims before the first unsafe string.
fn apply(json: &mut Vec<u8>, places: &[Place], extra: usize) {
    let mut end = json.len();
    json.resize(end + extra, 0);
    // What the changes not yet written add: how far the bytes before `end` move.
    let mut moved = extra;
    let mut buffer = [0u8; 12];
    for place in places.iter().rev().filter(|place| place.choice > 0) {
        let at = place.at;
        match place.kind {
            // Spaces or a backslash before `at`, written a byte at a time.
            Kind::Spaces => {
                json.copy_within(at..end, at + moved);
                for _ in 0..place.choice {
                    moved -= 1;
                    json[at + moved] = b' ';
                }
            }
            Kind::Slash => {
                json.copy_within(at..end, at + moved);
                moved -= 1;
                json[at + moved] = b'\\';
            }
            Kind::Risky => {
                let len = place.len;
                let after = at + usize::from(len);
                json.copy_within(after..end, after + moved);
                // The walk back checked that the characters it escapes are UTF-8.
                let c = std::str::from_utf8(&json[at..after])
                    .ok()
                    .and_then(|text| text.chars().next())
                    .unwrap_or(char::REPLACEMENT_CHARACTER);
                let escape = unicode_escape(c, &mut buffer);
                moved -= escape.len() - usize::from(len);
                json[at + moved..at + moved + escape.len()].copy_from_slice(escape);
            }
        }
        end = at;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `bad_shifts` by brute force: run the state machine over the bytes after a prefix that
    /// puts `prev` right before them, once per shift.
    /// Shifts at which `prev` itself is bad are left out of both masks.
    fn bad_shifts_by_running(at: usize, prev: u8, bytes: &[u8]) -> (u8, u8) {
        let mut bad = 0;
        let mut checked = 0;
        for shift in 0..3 {
            // `at + shift - 1` bytes that set no flag, then `prev`: the state machine is then
            // in the state the document is in before `bytes`.
            let mut text = vec![b'a'; at + shift - 1];
            text.push(prev);
            let state = super::super::run(0, &text);
            let after = state.and_then(|state| super::super::run(state, bytes));
            if state.is_some() {
                checked |= 1 << shift;
                if after.is_none() {
                    bad |= 1 << shift;
                }
            }
        }
        (bad, checked)
    }

    #[test]
    fn bad_shifts_agree_with_the_state_machine() {
        let samples: &[&[u8]] = &[
            b"?",
            b">",
            b"~",
            b"\x7f",
            "é".as_bytes(),
            "ÿ".as_bytes(),
            "€".as_bytes(),
            "😀".as_bytes(),
            "Ż".as_bytes(),
            "\u{fffd}".as_bytes(),
        ];
        for &bytes in samples {
            for prev in [b'a', b'o', b'/', b'3', b'c', b'_', b'"', 0x83, 0xbf, 0x8f] {
                for at in 3..9 {
                    let (bad, checked) = bad_shifts_by_running(at, prev, bytes);
                    assert_eq!(
                        bad_shifts(at, prev, bytes) & checked,
                        bad,
                        "{bytes:x?} after {prev:x} at {at}"
                    );
                }
            }
        }
    }
}
