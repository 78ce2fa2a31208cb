//! The exact search over the strings with risky characters: a dynamic program over the places
//! where an encoding may differ from the compact form, on the extra bytes written so far.
//!
//! Every other byte of those strings is ASCII that is neither risky nor able to make its
//! neighbour's group bad (a pair of bytes is only bad when its second byte is `0x80` or more), so
//! only the places themselves are checked, each against the shifts that would make it bad.

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
    /// A risky character of `len` UTF-8 bytes, raw or as a `\u` escape.
    Risky { len: u8 },
}

/// One place, with the search's back-pointers and, once decided, its choice.
#[derive(Debug, Clone, Copy)]
struct Place {
    at: usize,
    kind: Kind,
    /// The back-pointers of the place's [`Step`].
    back: Backs,
    choice: u8,
}

/// For each state after a place, byte `state` of the word: the state before it times four,
/// plus the choice (the spaces written; 1 for an escaped slash or character). One word rather
/// than an array of bytes, so that a place's back-pointers are built and kept in a register: an
/// array written byte by byte and then copied as a whole stalls the copy.
#[derive(Debug, Clone, Copy, Default)]
struct Backs(u64);

impl Backs {
    /// The back-pointer of `state`.
    fn get(self, state: usize) -> u8 {
        (self.0 >> (8 * state)) as u8
    }

    /// Sets the back-pointer of `state`.
    fn set(&mut self, state: usize, back: u8) {
        self.0 = (self.0 & !(0xff << (8 * state))) | (u64::from(back) << (8 * state));
    }
}

/// The cheapest cost of each state, and the back-pointers that reach it.
struct Step {
    cost: [u32; STATES],
    back: Backs,
}

impl Step {
    fn new() -> Self {
        Step {
            cost: [INFINITY; STATES],
            back: Backs::default(),
        }
    }

    /// Bytes that only move what follows on: up to `MOST` of them (two at most, which a
    /// back-pointer's two low bits hold), one choice per byte (spaces before a string, escaped
    /// slashes). Fewer bytes win ties.
    fn shift<const MOST: u8>(cost: &[u32; STATES]) -> Self {
        const { assert!(MOST <= 2, "a back-pointer holds up to two added bytes") };
        let cheapest = cheapest_by_shift(cost);
        let mut step = Step::new();
        for after in 0..3 {
            for added in 0..=MOST {
                let (before, from) = cheapest[(after + 3 - usize::from(added)) % 3];
                let total = before + u32::from(added);
                if total < step.cost[after] {
                    step.cost[after] = total;
                    step.back.set(after, from << 2 | added);
                }
            }
        }
        step
    }

    /// A risky character, raw (choice 0) where `bad_raw` (or, right after an escape,
    /// `bad_after_escape`) allows, or escaped (choice 1) for `extra` bytes. Raw wins ties.
    fn risky(cost: &[u32; STATES], bad_raw: u8, bad_after_escape: u8, extra: u32) -> Self {
        let mut step = Step::new();
        for shift in 0..3 {
            let raw = if bad_raw >> shift & 1 == 0 {
                cost[shift]
            } else {
                INFINITY
            };
            let after_escape = if bad_after_escape >> shift & 1 == 0 {
                cost[shift + 3]
            } else {
                INFINITY
            };
            let (total, from) = if after_escape < raw {
                (after_escape, shift + 3)
            } else {
                (raw, shift)
            };
            step.cost[shift] = total;
            step.back.set(shift, (from as u8) << 2);
        }
        let cheapest = cheapest_by_shift(cost);
        match extra % 3 {
            0 => step.escaped::<0>(cheapest, extra),
            1 => step.escaped::<1>(cheapest, extra),
            _ => step.escaped::<2>(cheapest, extra),
        }
        step
    }

    /// The states after an escape of `extra` bytes, which moves the shift on by `ROTATION`
    /// (`extra` modulo 3). A constant rotation indexes the costs with constants only, so that
    /// they can stay in registers: costs written one by one at a computed index and then copied
    /// as a whole stall the copy.
    fn escaped<const ROTATION: usize>(&mut self, cheapest: [(u32, u8); 3], extra: u32) {
        for (shift, (before, from)) in cheapest.into_iter().enumerate() {
            let after = 3 + (shift + ROTATION) % 3;
            self.cost[after] = before + extra;
            self.back.set(after, from << 2 | 1);
        }
    }
}

/// For each shift, the cheaper of its two states and which it is: what follows a byte that
/// cannot flag the next one.
fn cheapest_by_shift(cost: &[u32; STATES]) -> [(u32, u8); 3] {
    std::array::from_fn(|shift| {
        if cost[shift + 3] < cost[shift] {
            (cost[shift + 3], shift as u8 + 3)
        } else {
            (cost[shift], shift as u8)
        }
    })
}

/// The buffers of a search, kept between searches.
#[derive(Debug, Default)]
pub(crate) struct SearchBuffers {
    places: Vec<Place>,
    /// The risky characters of the strings to search, left by [`super::mend`].
    pub(super) chars: Vec<RiskyChar>,
    /// The encoding the last search found.
    pub(crate) found: Vec<u8>,
}

/// Writes the shortest safe encoding of `json` to `buffers.found`, changing nothing before the
/// first of `strings` (the quote positions of the strings with risky characters from the first
/// unsafe one on, whose risky characters are in `buffers.chars`). `None` if one of them is not
/// UTF-8.
pub(super) fn search(
    json: &[u8],
    strings: &[(usize, usize)],
    buffers: &mut SearchBuffers,
) -> Option<()> {
    let SearchBuffers {
        places,
        chars,
        found,
    } = buffers;
    places.clear();
    let mut cost = [INFINITY; STATES];
    cost[0] = 0;
    let push = |places: &mut Vec<Place>, at, kind, step: Step| {
        places.push(Place {
            at,
            kind,
            back: step.back,
            choice: 0,
        });
        step.cost
    };
    let mut chars = chars.iter().peekable();
    for &(open, close) in strings {
        cost = push(places, open, Kind::Spaces, Step::shift::<2>(&cost));
        // Where the last risky character ended, to know whether an escape of it precedes.
        let mut risky_end = 0;
        while let Some(&RiskyChar { at, len, bad }) = chars.next_if(|c| c.at < close) {
            // Only slashes between two risky characters of a string are places: before the
            // first, a slash shifts the same bytes the way a space before the string does, for
            // the same byte, and after the last it shifts the same bytes as a space before the
            // next string. Two are enough: three escaped slashes add 3 bytes and shift nothing
            // (modulo 3), so they never beat none.
            if risky_end > 0 {
                let mut from = risky_end;
                let mut slash_places = 0;
                while slash_places < 2
                    && let Some(offset) = json[from..at].iter().position(|&b| b == b'/')
                {
                    let slash = from + offset;
                    // A `/` after an odd number of backslashes is part of an escape already.
                    let backslashes = json[..slash]
                        .iter()
                        .rev()
                        .take_while(|&&b| b == b'\\')
                        .count();
                    if backslashes % 2 == 0 {
                        cost = push(places, slash, Kind::Slash, Step::shift::<1>(&cost));
                        slash_places += 1;
                    }
                    from = slash + 1;
                }
            }
            let lead = json[at];
            if matches!(lead, 0x80..=0xbf | 0xf8..=0xff) {
                return None;
            }
            let bytes = json.get(at..at + usize::from(len))?;
            let bad_after_escape = if risky_end == at {
                bad_shifts(at, HEX[usize::from(json[at - 1] & 15)], bytes)
            } else {
                bad
            };
            // A `\u` escape is 6 bytes, 12 for a surrogate pair.
            let extra = if len == 4 { 8 } else { 6 - u32::from(len) };
            let step = Step::risky(&cost, bad, bad_after_escape, extra);
            cost = push(places, at, Kind::Risky { len }, step);
            risky_end = at + usize::from(len);
        }
    }

    let mut state = 0;
    for (index, &total) in cost.iter().enumerate() {
        if total < cost[state] {
            state = index;
        }
    }
    let extra = cost[state];
    for place in places.iter_mut().rev() {
        let back = place.back.get(state);
        place.choice = back & 3;
        state = usize::from(back >> 2);
    }
    emit(json, places, extra as usize, found)
}

/// Writes `json` with the chosen changes at `places`, which add `extra` bytes, to `out`.
fn emit(json: &[u8], places: &[Place], extra: usize, out: &mut Vec<u8>) -> Option<()> {
    out.clear();
    out.reserve(json.len() + extra);
    let mut copied = 0;
    let mut buffer = [0u8; 12];
    for place in places.iter().filter(|place| place.choice > 0) {
        out.extend_from_slice(&json[copied..place.at]);
        copied = place.at;
        match place.kind {
            Kind::Spaces => out.extend(std::iter::repeat_n(b' ', usize::from(place.choice))),
            Kind::Slash => out.push(b'\\'),
            Kind::Risky { len, .. } => {
                let end = place.at + usize::from(len);
                let c = std::str::from_utf8(&json[place.at..end])
                    .ok()?
                    .chars()
                    .next()?;
                out.extend_from_slice(unicode_escape(c, &mut buffer));
                copied = end;
            }
        }
    }
    out.extend_from_slice(&json[copied..]);
    Some(())
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
