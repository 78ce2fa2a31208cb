//! Payload encodings that the browser's `atob()` can read.
//!
//! The editor's client decodes a token's payload segment with `atob()`, which knows standard
//! base64 only. A base64url segment with `-` or `_` in it makes `atob()` throw, and the client
//! then ignores `exp`. Those two characters stand for the 6-bit values 62 and 63, so a payload is
//! *safe* when no 6-bit group of its bytes is 62 or 63.
//!
//! # Which bytes make a bad group
//!
//! Bytes are grouped in threes, `b0 b1 b2`, giving four 6-bit values:
//!
//! - `b0 >> 2` is 62 or 63 only for `b0 >= 0xF8`, which UTF-8 never contains;
//! - `(b0 & 3) << 4 | b1 >> 4` is bad when `b0 & 3 == 3` and `b1 >= 0xE0`;
//! - `(b1 & 15) << 2 | b2 >> 6` is bad when `b1 & 15 == 15` and `b2 >= 0x80`;
//! - `b2 & 63` is bad when `b2` is `>`, `?`, `~`, DEL, or a byte `0xBE`, `0xBF`, `0xFE`, `0xFF`.
//!
//! A trailing group of one or two bytes is always fine (its last value has zero low bits). So an
//! ASCII byte can only fail as the third of a group, and then only if it is `>`, `?`, `~` or DEL.
//!
//! # Why a safe encoding always exists
//!
//! JSON allows whitespace between tokens and lets any character in a string be written as a
//! `\u` escape. An escape is six ASCII bytes (twelve for a surrogate pair) drawn from `\`, `u`
//! and hex digits, none of which is `>`, `?`, `~` or DEL. Writing every `>`, `?`, `~`, DEL and
//! non-ASCII character as an escape therefore leaves only harmless ASCII bytes: that encoding is
//! always safe. It is at most six times as long as the characters it escapes, which is the bound
//! [`crate::Identity`] uses to keep every token under 8 KiB.
//!
//! # Which safe encoding is chosen
//!
//! The compact form, when it is safe (about four payloads in five). Otherwise the shortest
//! encoding among those that
//!
//! - put zero, one or two spaces between tokens,
//! - write each risky character raw or as a lowercase `\u` escape,
//! - write each `/` in a string with risky characters raw or as `\/`,
//!
//! and keep every other byte of the compact form. Bytes outside strings with risky characters
//! are safe in every state, so only those strings matter, and nothing before the first of them
//! that is unsafe needs to change. Each string is checked at the three possible shifts at once,
//! by its risky characters only (`string_bad_shifts`), which are found eight bytes at a time
//! (`scan.rs`). One space right before the first unsafe string is tried first: when it is
//! enough, it is a shortest encoding, since every change adds a byte. Then two spaces, both
//! there or one there and one before a later string (`two_spaces`): when they are enough and
//! the first unsafe string has no `/` between two risky characters, no change of one byte is,
//! so they are a shortest encoding too. Otherwise a dynamic program visits the places where
//! an encoding may differ (the spaces before each string, its risky characters, the slashes
//! between them) on states `(extra bytes modulo 3, whether an escape's last hex digit
//! precedes)`; see `plan.rs`. Every step breaks ties in a fixed order, so the same claims always
//! give the same bytes.

/// Encoder state between two bytes: `phase * 2 + flag`, where `phase` is the next byte's
/// position in its group of three and `flag` says whether the previous byte can make that next
/// byte's group bad (`b0 & 3 == 3` before phase 1, `b1 & 15 == 15` before phase 2).
type State = u8;

/// Emits `byte` in `state`: the next state, or `None` if a 6-bit value of 62 or 63 results.
const fn step(state: State, byte: u8) -> Option<State> {
    let flag = state & 1 == 1;
    let bad = match state >> 1 {
        0 => byte >= 0xF8,
        1 => flag && byte >= 0xE0,
        _ => (flag && byte >= 0x80) || byte & 0x3F >= 0x3E,
    };
    if bad {
        return None;
    }
    Some(match state >> 1 {
        0 => 2 | (byte & 3 == 3) as u8,
        1 => 4 | (byte & 15 == 15) as u8,
        _ => 0,
    })
}

/// [`step`] as a table indexed by `state << 8 | byte`, with [`BAD`] for `None`. Row 7 (and so
/// [`BAD`], whose low bits are 7) leads to [`BAD`] again, so a run can check once at its end.
const STEPS: [u8; 8 * 256] = steps();
const BAD: State = 0xff;

const fn steps() -> [u8; 8 * 256] {
    let mut table = [BAD; 8 * 256];
    let mut index = 0;
    while index < 6 * 256 {
        if let Some(next) = step((index >> 8) as u8, (index & 0xff) as u8) {
            table[index] = next;
        }
        index += 1;
    }
    table
}

fn run(mut state: State, bytes: &[u8]) -> Option<State> {
    for &byte in bytes {
        state = STEPS[usize::from(state & 7) << 8 | usize::from(byte)];
    }
    (state != BAD).then_some(state)
}

/// Whether `bytes` encode without a 6-bit value of 62 or 63 when the first of them lands at
/// `phase` right after a byte that sets no flag (such as the ASCII before a string's quote).
/// Groups of three are checked independently, without a chain from byte to byte. The tests'
/// reference for the checks by character.
#[cfg(test)]
fn safe_at(bytes: &[u8], phase: usize) -> bool {
    let (head, rest) = bytes.split_at(((3 - phase % 3) % 3).min(bytes.len()));
    let mut bad = run((phase % 3) as u8 * 2, head).is_none();
    let mut groups = rest.chunks_exact(3);
    for group in &mut groups {
        let (b0, b1, b2) = (group[0], group[1], group[2]);
        bad |= (b0 >= 0xf8)
            | (b0 & 3 == 3 && b1 >= 0xe0)
            | (b1 & 15 == 15 && b2 >= 0x80)
            | (b2 & 0x3f >= 0x3e);
    }
    match *groups.remainder() {
        [b0] => bad |= b0 >= 0xf8,
        [b0, b1] => bad |= (b0 >= 0xf8) | (b0 & 3 == 3 && b1 >= 0xe0),
        _ => {}
    }
    !bad
}

/// Whether the base64url encoding of `payload` has only `A-Z`, `a-z` and `0-9`.
pub fn is_atob_safe(payload: &[u8]) -> bool {
    run(0, payload).is_some()
}

/// Whether `c` written raw could ever make a bad group.
#[cfg(test)]
fn is_risky(c: char) -> bool {
    matches!(c, '>' | '?' | '~' | '\u{7f}') || !c.is_ascii()
}

/// The most bytes `c` takes inside a JSON string in the safe encoding that escapes every risky
/// character. The rule [`worst_case_text_len`] applies by table.
#[cfg(test)]
fn worst_case_char_len(c: char) -> usize {
    match c {
        '"' | '\\' | '\u{8}' | '\u{c}' | '\n' | '\r' | '\t' => 2,
        c if (c as u32) < 0x20 => 6,
        c if is_risky(c) => c.len_utf16() * 6,
        _ => 1,
    }
}

/// The most bytes a character takes in the safe encoding that escapes every risky character,
/// spread over its UTF-8 bytes: all of it on the first byte,
/// nothing on continuation bytes.
const WORST_CASE_BY_BYTE: [u8; 256] = worst_case_by_byte();

const fn worst_case_by_byte() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = match byte as u8 {
            b'"' | b'\\' | 0x08 | 0x0c | b'\n' | b'\r' | b'\t' => 2,
            0x00..=0x1f | b'>' | b'?' | b'~' | 0x7f => 6,
            0x20..=0x7e => 1,
            0x80..=0xbf => 0,
            0xc0..=0xef => 6,
            _ => 12,
        };
        byte += 1;
    }
    table
}

/// The most bytes `text` takes inside a JSON string (quotes excluded) in the safe encoding that
/// escapes every risky character: 2 for `"`, `\\` and the short-escaped controls, 6 for other
/// controls and each risky character in the BMP, 12 beyond it, and 1 for the rest.
pub(crate) fn worst_case_text_len(text: &str) -> usize {
    text.bytes()
        .map(|byte| usize::from(WORST_CASE_BY_BYTE[usize::from(byte)]))
        .sum()
}

/// Writes `c` as a lowercase `\u` escape (a surrogate pair beyond the BMP) into `buffer`.
fn unicode_escape(c: char, buffer: &mut [u8; 12]) -> &[u8] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut units = [0u16; 2];
    let units = c.encode_utf16(&mut units);
    for (index, unit) in units.iter().enumerate() {
        let out = &mut buffer[index * 6..index * 6 + 6];
        out[0] = b'\\';
        out[1] = b'u';
        for (digit, slot) in out[2..].iter_mut().enumerate() {
            *slot = HEX[usize::from((*unit >> (12 - 4 * digit)) & 15)];
        }
    }
    &buffer[..units.len() * 6]
}

mod plan;
mod scan;

pub(crate) use plan::SearchBuffers;
use scan::each_risky_start;
pub(crate) use scan::risky_bytes;

/// Whether `byte`, inside a JSON string, belongs to a risky character. In ASCII, `>`, `?`, `~`
/// and DEL are the bytes with bits 1 to 5 set.
fn is_risky_byte(byte: u8) -> bool {
    byte >= 0x80 || byte & 0x3e == 0x3e
}

/// The length of the UTF-8 character that `lead` starts; 1 for a byte that starts none.
fn char_len(lead: u8) -> usize {
    match lead {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

/// For a byte after a byte of each kind, the positions in its group of three at which it makes a
/// 6-bit value of 62 or 63: bit 2 for the third (`byte & 0x3f` is 62 or 63, or the byte before
/// has its low four bits set and this one is `0x80` or more), bit 1 for the second (the byte
/// before has its low two bits set and this one is `0xE0` or more), bit 0 for the first (`0xF8`
/// or more). Each is stored twice, in bits 0 to 2 and 3 to 5, so that a shift of it by 0, 1 or 2
/// gives the positions rotated in its low three bits. Indexed by [`byte_kind`] times 256 plus the
/// byte.
const BAD_POSITIONS: [u8; 3 * 256] = bad_positions();

const fn bad_positions() -> [u8; 3 * 256] {
    let mut table = [0; 3 * 256];
    let mut index = 0;
    while index < 3 * 256 {
        let (kind, byte) = (index / 256, (index % 256) as u8);
        let third = byte & 0x3f >= 0x3e || (kind == 2 && byte >= 0x80);
        let second = kind >= 1 && byte >= 0xe0;
        let first = byte >= 0xf8;
        let positions = (third as u8) << 2 | (second as u8) << 1 | first as u8;
        table[index] = positions | positions << 3;
        index += 1;
    }
    table
}

/// How `byte` can make the next byte's group bad: 2 with its low four bits set, 1 with only its
/// low two bits set, 0 otherwise.
fn byte_kind(byte: u8) -> usize {
    usize::from(byte & 3 == 3) + usize::from(byte & 15 == 15)
}

/// The shifts (bit `s` for `s` extra bytes, modulo 3) at which `bytes`, found at compact
/// position `at` right after `prev`, make a 6-bit value of 62 or 63.
fn bad_shifts(at: usize, mut prev: u8, bytes: &[u8]) -> u8 {
    // Bit `q`: bad when the first byte is at position `q` of its group, which puts byte `index`
    // at position `q + index`, modulo 3.
    let mut positions = 0;
    for (&byte, index_mod_3) in bytes.iter().zip([0, 1, 2, 0]) {
        positions |= BAD_POSITIONS[byte_kind(prev) * 256 + usize::from(byte)] >> index_mod_3;
        prev = byte;
    }
    // `s` extra bytes put the first byte at position `at + s`, modulo 3.
    let positions = positions & 7;
    (positions | positions << 3) >> (at % 3) & 7
}

/// A risky character of a string, as [`mend`] found it for the search.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RiskyChar {
    at: usize,
    len: u8,
    /// The shifts at which it is bad written raw, after the compact form's byte before it.
    bad: u8,
}

/// Records the risky characters of the string whose quotes are at `open` and `close` in
/// `chars`, and returns the shifts at which the string, written as it is, makes a 6-bit value of
/// 62 or 63: only its risky characters can, each with the byte before it. Every shift, for a
/// string cut short. `json` is UTF-8, so the risky characters are where their first bytes are.
fn string_bad_shifts(json: &[u8], open: usize, close: usize, chars: &mut Vec<RiskyChar>) -> u8 {
    let mut bad = 0;
    let whole = each_risky_start(json, open + 1, close, |at| {
        let len = char_len(json[at]);
        let Some(bytes) = json.get(at..at + len) else {
            return false;
        };
        let char_bad = bad_shifts(at, json[at - 1], bytes);
        bad |= char_bad;
        chars.push(RiskyChar {
            at,
            len: len as u8,
            bad: char_bad,
        });
        true
    });
    if whole { bad } else { 0b111 }
}

/// How a compact payload is made safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mend {
    /// It is safe as it is.
    Nothing,
    /// One space at this position, before the first unsafe string, makes it safe: that is a
    /// shortest safe encoding, since every change adds a byte.
    OneSpace(usize),
    /// A space at each of these positions (the same one twice for two spaces there), the first
    /// before the first unsafe string, makes it safe, and no change of one byte does (see
    /// [`two_spaces`]).
    TwoSpaces(usize, usize),
    /// The search, from this index of the strings with risky characters; their risky characters
    /// are in the buffers, from the first of that string on.
    Search(usize),
}

/// How `json`, UTF-8, is made safe, given where its strings with risky characters are: every
/// other byte is safe wherever it lands. Leaves the risky characters the search needs in
/// `buffers`.
pub(crate) fn mend(
    json: &[u8],
    risky_strings: &[(usize, usize)],
    buffers: &mut SearchBuffers,
) -> Mend {
    let chars = &mut buffers.chars;
    chars.clear();
    let mut first = None;
    // From the first unsafe string on: the first string that is unsafe one byte further on, and
    // the last that is unsafe two bytes further on.
    let mut first_bad_at_one = None;
    let mut last_bad_at_two = None;
    for (index, &(open, close)) in risky_strings.iter().enumerate() {
        let start = chars.len();
        let bad = string_bad_shifts(json, open, close, chars);
        if first.is_none() {
            if bad & 1 == 0 {
                // Safe where it is: the search starts after it.
                chars.truncate(start);
                continue;
            }
            first = Some(index);
        }
        if bad & 2 != 0 && first_bad_at_one.is_none() {
            first_bad_at_one = Some(index);
        }
        if bad & 4 != 0 {
            last_bad_at_two = Some(index);
        }
    }
    let Some(first) = first else {
        return Mend::Nothing;
    };
    let Some(first_bad_at_one) = first_bad_at_one else {
        return Mend::OneSpace(risky_strings[first].0);
    };
    let Some(second) = two_spaces(first, first_bad_at_one, last_bad_at_two) else {
        return Mend::Search(first);
    };
    let (open, close) = risky_strings[first];
    if has_slash_between_risky_chars(json, &buffers.chars, close) {
        return Mend::Search(first);
    }
    Mend::TwoSpaces(open, risky_strings[second].0)
}

/// Where a second space goes, when one space before the first unsafe string (index `first`) is
/// not enough: the index of the string it goes before, `first` itself for two spaces there.
///
/// Two spaces before `first` leave every string from it on two bytes further on, which suits
/// when none of them is unsafe there (`last_bad_at_two` is `None`). Otherwise the second space
/// goes before the string right after the last of those, and the strings between the two spaces
/// are one byte further on, where the first of them that is unsafe (`first_bad_at_one`, which
/// exists since one space was not enough) must come after them. `None` when neither works.
///
/// A space before a string moves it and what follows as a whole and changes no byte next to a
/// risky character, so each string's unsafe shifts, as [`string_bad_shifts`] gives them, decide.
fn two_spaces(
    first: usize,
    first_bad_at_one: usize,
    last_bad_at_two: Option<usize>,
) -> Option<usize> {
    match last_bad_at_two {
        None => Some(first),
        Some(last_bad) => (last_bad < first_bad_at_one).then_some(last_bad + 1),
    }
}

/// Whether the string that ends at `close`, whose risky characters start `chars`, has a `/`
/// between two of them.
///
/// Two spaces are a shortest encoding only when no change of one byte is enough. Such a change
/// must come before the first unsafe string's first unsafe character, and an escape of a risky
/// character adds three bytes or more. A space, or an escaped `/` in an earlier string, anywhere
/// before the string moves its bytes as one space right before it does, which was tried, and
/// can only make earlier strings unsafe; an escaped `/` in the string before its first risky
/// character moves them the same way too. What is left is an escaped `/` between two of its
/// risky characters, which only the search tries.
fn has_slash_between_risky_chars(json: &[u8], chars: &[RiskyChar], close: usize) -> bool {
    let mut previous_end = None;
    for char in chars.iter().take_while(|char| char.at < close) {
        if let Some(end) = previous_end
            && json[end..char.at].contains(&b'/')
        {
            return true;
        }
        previous_end = Some(char.at + usize::from(char.len));
    }
    false
}

/// Finds the strings with risky characters. `None` if a string is not closed.
fn risky_spans(json: &[u8]) -> Option<Vec<(usize, usize)>> {
    let mut spans = Vec::new();
    let mut at = 0;
    while at < json.len() {
        if json[at] != b'"' {
            at += 1;
            continue;
        }
        let open = at;
        let mut risky = false;
        at += 1;
        while *json.get(at)? != b'"' {
            risky |= is_risky_byte(json[at]);
            at += if json[at] == b'\\' { 2 } else { 1 };
        }
        if risky {
            spans.push((open, at));
        }
        at += 1;
    }
    Some(spans)
}

/// The shortest encoding of `compact` (a compact JSON text) that [`is_atob_safe`], as described
/// in the module documentation; `compact` itself when it is safe. `None` only if `compact` is
/// not JSON with closed, UTF-8 strings (text that is not JSON gets `None` or a safe form).
pub fn atob_safe_json(compact: &[u8]) -> Option<Vec<u8>> {
    std::str::from_utf8(compact).ok()?;
    if is_atob_safe(compact) {
        return Some(compact.to_vec());
    }
    let spans = risky_spans(compact)?;
    let mut buffers = SearchBuffers::default();
    // The mending relies on the spaces it adds being JSON's whitespace, outside strings; in text
    // that is not JSON they may not be, so what it gives is checked.
    let found = match mend(compact, &spans, &mut buffers) {
        Mend::Nothing => Some(compact.to_vec()),
        Mend::OneSpace(at) => Some([&compact[..at], b" ", &compact[at..]].concat()),
        Mend::TwoSpaces(first, second) => Some(
            [
                &compact[..first],
                b" ",
                &compact[first..second],
                b" ",
                &compact[second..],
            ]
            .concat(),
        ),
        Mend::Search(first) => {
            let mut found = compact.to_vec();
            shortest_safe(&mut found, &spans[first..], &mut buffers).map(|()| found)
        }
    }?;
    is_atob_safe(&found).then_some(found)
}

/// The shortest safe encoding of `compact`, whose strings with risky characters have their
/// quotes at `risky_strings` (their risky characters left in `buffers` by [`mend`]), leaving
/// everything before the first of them as it is.
///
/// Starting at the first string that is unsafe in the compact form loses nothing: every
/// alternative costs at least as many bytes as it shifts what follows (modulo 3), so any change
/// before that string can be replaced by as many spaces right before it, which reach the same
/// state there for no more bytes and leave the earlier, safe strings alone.
///
/// `compact` is rewritten in place; `None`, with `compact` left as it was, if a string is not
/// UTF-8. For text that is not JSON the result may not be safe, which the caller checks if it can
/// be given such text: the issuer writes JSON only, and does not pay for a second pass over the
/// payload.
pub(crate) fn shortest_safe(
    compact: &mut Vec<u8>,
    risky_strings: &[(usize, usize)],
    buffers: &mut SearchBuffers,
) -> Option<()> {
    plan::search(compact, risky_strings, buffers)
}

#[cfg(test)]
mod tests {
    use super::plan::INFINITY;
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use proptest::prelude::{Strategy, any, prop, prop_oneof};

    fn b64_is_clean(bytes: &[u8]) -> bool {
        URL_SAFE_NO_PAD
            .encode(bytes)
            .bytes()
            .all(|b| b.is_ascii_alphanumeric())
    }

    #[test]
    fn the_state_machine_agrees_with_base64_on_all_short_inputs() {
        // Every 1-, 2- and 3-byte input, and every byte after a prefix in each state.
        for a in 0..=255u8 {
            assert_eq!(is_atob_safe(&[a]), b64_is_clean(&[a]));
            for b in 0..=255u8 {
                assert_eq!(is_atob_safe(&[a, b]), b64_is_clean(&[a, b]), "{a:x} {b:x}");
                for c in [
                    0x00, 0x3e, 0x3f, 0x7e, 0x7f, 0x80, 0xbe, 0xbf, 0xe0, 0xfe, 0xff, b'a',
                ] {
                    let input = [a, b, c];
                    assert_eq!(is_atob_safe(&input), b64_is_clean(&input), "{input:x?}");
                }
            }
        }
    }

    /// The shortest safe length by a plain dynamic program over every byte, with a space slot
    /// between every two tokens: the same search space as the encoder, without its shortcuts.
    fn reference_shortest(json: &[u8]) -> u32 {
        let mut options: Vec<Vec<Vec<u8>>> = Vec::new();
        let mut at = 0;
        while at < json.len() {
            if at > 0 {
                options.push(vec![vec![], b" ".to_vec(), b"  ".to_vec()]);
            }
            if json[at] == b'"' {
                let close = (at + 1..json.len())
                    .scan(false, |escaped, i| {
                        let here = (i, !*escaped && json[i] == b'"');
                        *escaped = !*escaped && json[i] == b'\\';
                        Some(here)
                    })
                    .find(|&(_, closes)| closes)
                    .map(|(i, _)| i)
                    .expect("closed string");
                let inside = std::str::from_utf8(&json[at + 1..close]).expect("UTF-8");
                let risky = inside.chars().any(is_risky);
                options.push(vec![b"\"".to_vec()]);
                let mut chars = inside.char_indices().peekable();
                while let Some((index, c)) = chars.next() {
                    if c == '\\' {
                        let (_, kind) = chars.next().expect("escape");
                        let len = if kind == 'u' { 6 } else { 2 };
                        for _ in 2..len {
                            chars.next();
                        }
                        options.push(vec![inside.as_bytes()[index..index + len].to_vec()]);
                        continue;
                    }
                    let raw = c.to_string().into_bytes();
                    let mut buffer = [0u8; 12];
                    if is_risky(c) {
                        options.push(vec![raw, unicode_escape(c, &mut buffer).to_vec()]);
                    } else if c == '/' && risky {
                        options.push(vec![raw, b"\\/".to_vec()]);
                    } else {
                        options.push(vec![raw]);
                    }
                }
                options.push(vec![b"\"".to_vec()]);
                at = close + 1;
            } else {
                let end = if b"{}[]:,".contains(&json[at]) {
                    at + 1
                } else {
                    (at..json.len())
                        .find(|&i| b"{}[]:,\"".contains(&json[i]))
                        .unwrap_or(json.len())
                };
                options.push(vec![json[at..end].to_vec()]);
                at = end;
            }
        }
        let mut cost = [0, INFINITY, INFINITY, INFINITY, INFINITY, INFINITY];
        for choices in &options {
            let mut next = [INFINITY; 6];
            for choice in choices {
                for state in 0..6u8 {
                    if cost[usize::from(state)] >= INFINITY {
                        continue;
                    }
                    if let Some(after) = run(state, choice) {
                        let total = cost[usize::from(state)] + choice.len() as u32;
                        next[usize::from(after)] = next[usize::from(after)].min(total);
                    }
                }
            }
            cost = next;
        }
        cost.into_iter().min().expect("six states")
    }

    fn hostile_string() -> impl Strategy<Value = String> {
        let c = prop_oneof![
            prop::sample::select(vec![
                '?', '~', '>', '}', '/', 'ÿ', '"', '\\', 'é', '€', '😀', '\u{7f}'
            ]),
            (0x20u8..0x7f).prop_map(char::from),
            any::<char>(),
        ];
        prop::collection::vec(c, 0..12).prop_map(|chars| chars.into_iter().collect())
    }

    fn json_object() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec((hostile_string(), hostile_string(), any::<u32>()), 1..4).prop_map(
            |members| {
                let mut object = serde_json::Map::new();
                for (key, value, number) in members {
                    object.insert(key, serde_json::json!([value, number]));
                }
                serde_json::to_vec(&serde_json::Value::Object(object)).expect("JSON")
            },
        )
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3_000))]

        #[test]
        fn the_encoder_finds_the_shortest_safe_form(json in json_object()) {
            let spans = risky_spans(&json).expect("closed strings");
            proptest::prop_assert_eq!(
                mend(&json, &spans, &mut SearchBuffers::default()) == Mend::Nothing,
                is_atob_safe(&json)
            );
            let safe = atob_safe_json(&json).expect("compact JSON");
            proptest::prop_assert!(is_atob_safe(&safe), "{}", String::from_utf8_lossy(&safe));
            let ours: serde_json::Value = serde_json::from_slice(&safe).expect("still JSON");
            let theirs: serde_json::Value = serde_json::from_slice(&json).expect("JSON");
            proptest::prop_assert_eq!(ours, theirs);
            proptest::prop_assert_eq!(safe.len() as u32, reference_shortest(&json));
            proptest::prop_assert_eq!(atob_safe_json(&json), Some(safe));
        }
    }

    /// The shifts at which `bytes` are bad, byte by byte from the rules in the module
    /// documentation: the reference for [`bad_shifts`] and its table.
    fn bad_shifts_by_rule(at: usize, mut prev: u8, bytes: &[u8]) -> u8 {
        let mut bad = 0u8;
        let mut phase = at % 3;
        for &byte in bytes {
            if byte & 0x3f >= 0x3e || (prev & 15 == 15 && byte >= 0x80) {
                bad |= 1 << ((5 - phase) % 3);
            }
            if prev & 3 == 3 && byte >= 0xe0 {
                bad |= 1 << ((4 - phase) % 3);
            }
            if byte >= 0xf8 {
                bad |= 1 << ((3 - phase) % 3);
            }
            prev = byte;
            phase = (phase + 1) % 3;
        }
        bad
    }

    #[test]
    fn bad_shifts_by_table_agree_with_the_rules() {
        let ends = [
            0x00, 0x3e, 0x7f, 0x80, 0xbe, 0xbf, 0xe0, 0xef, 0xf8, 0xff, b'a',
        ];
        for at in 1..7 {
            for prev in 0..=255u8 {
                for byte in 0..=255u8 {
                    let bytes = [byte];
                    assert_eq!(
                        bad_shifts(at, prev, &bytes),
                        bad_shifts_by_rule(at, prev, &bytes)
                    );
                    for end in ends {
                        let bytes = [byte, end, byte, end];
                        for len in 2..=4 {
                            assert_eq!(
                                bad_shifts(at, prev, &bytes[..len]),
                                bad_shifts_by_rule(at, prev, &bytes[..len]),
                                "{at} {prev:x} {:x?}",
                                &bytes[..len]
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_byte_table_agrees_with_the_character_rule() {
        let samples = (0..0x800u32).chain([0xfffd, 0xffff, 0x1f600, 0x10ffff, 0xe000]);
        for c in samples.filter_map(char::from_u32) {
            assert_eq!(
                worst_case_text_len(c.encode_utf8(&mut [0; 4])),
                worst_case_char_len(c)
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn checking_by_groups_agrees_with_the_state_machine(
            bytes in prop::collection::vec(any::<u8>(), 0..40),
            phase in 0usize..3,
        ) {
            let chained = run(phase as u8 * 2, &bytes).is_some();
            proptest::prop_assert_eq!(safe_at(&bytes, phase), chained);
        }
    }

    proptest::proptest! {
        #[test]
        fn checking_by_characters_agrees_with_checking_by_groups(
            text in hostile_string(),
            before in 0usize..3,
        ) {
            let json = serde_json::to_vec(&serde_json::json!([" ".repeat(before) + "x", text]))
                .expect("JSON");
            let open = json.len() - 2 - serde_json::to_vec(&text).expect("JSON").len() + 1;
            let close = json.len() - 2;
            proptest::prop_assert_eq!(json[open], b'"');
            let bad = string_bad_shifts(&json, open, close, &mut Vec::new());
            for shift in 0..3 {
                let safe = safe_at(&json[open..=close], open + shift);
                proptest::prop_assert_eq!(bad >> shift & 1 == 0, safe, "shift {}", shift);
            }
        }
    }

    #[test]
    fn text_that_is_not_json_gets_none_or_a_safe_form() {
        for text in [
            &b"\"\xf3\xbf\x8e\xbe\"?"[..],
            b"x\xde\xbe",
            b"?~?~",
            b"\"a\"\"?\"",
        ] {
            if let Some(found) = atob_safe_json(text) {
                assert!(is_atob_safe(&found), "{text:?} gave {found:?}");
            }
        }
    }

    #[test]
    fn text_that_is_not_utf8_is_refused() {
        // A lead byte cut short, after a `?` that one space would move next to it.
        assert_eq!(atob_safe_json(b"{\"a\":\"xy?\xf0\"}"), None);
        assert_eq!(atob_safe_json(b"{\"a\":\"\xbf\"}"), None);
    }

    #[test]
    fn a_safe_compact_form_is_kept() {
        let json = br#"{"aud":"x","iat":1}"#;
        assert!(is_atob_safe(json));
        assert_eq!(atob_safe_json(json).as_deref(), Some(&json[..]));
    }

    #[test]
    fn escapes_are_lowercase_and_pair_surrogates() {
        let mut buffer = [0u8; 12];
        assert_eq!(unicode_escape('?', &mut buffer), b"\\u003f");
        assert_eq!(unicode_escape('\u{1F600}', &mut buffer), b"\\ud83d\\ude00");
        assert_eq!(unicode_escape('ÿ', &mut buffer), b"\\u00ff");
    }

    /// Checks that one space before a string does not make `json` safe, that two spaces do and
    /// are a shortest encoding, and that [`mend`] places them both before one string (`together`)
    /// or before two.
    fn check_two_spaces(json: &[u8], together: bool) {
        let quotes: Vec<usize> = (0..json.len()).filter(|&at| json[at] == b'"').collect();
        let spaced = |places: &[usize]| {
            let mut text = json.to_vec();
            for &at in places.iter().rev() {
                text.insert(at, b' ');
            }
            text
        };
        assert!(!quotes.iter().any(|&at| is_atob_safe(&spaced(&[at]))));
        let spans = risky_spans(json).expect("closed strings");
        let mended = mend(json, &spans, &mut SearchBuffers::default());
        let Mend::TwoSpaces(first, second) = mended else {
            panic!("two spaces expected, not {mended:?}");
        };
        assert_eq!(first == second, together, "{mended:?}");

        let safe = atob_safe_json(json).expect("compact JSON");
        assert!(b64_is_clean(&safe), "{}", String::from_utf8_lossy(&safe));
        assert_eq!(safe, spaced(&[first, second]));
        assert!(quotes.contains(&first) && quotes.contains(&second));
        assert_eq!(safe.len() as u32, reference_shortest(json));
    }

    #[test]
    fn a_payload_that_one_space_does_not_mend_gets_two_before_one_string() {
        // Issued for a generated identity.
        let json = concat!(
            r#"{"aud":"LJRQ1bju55p6a47RwadH","iat":1734952336,"exp":1734955936,"#,
            r#""sub":"e99d6d2fce0eeec68f3f7a24cac7829b","user":{"#,
            r#""email":"lukasz69@mail.example.org","name":"Chloé Martin","#,
            r#""avatar":"https://example.com/~mary/photo.jpg"},"#,
            r#""auth":{"collaboration":{"*":{"role":"writer"}}}}"#,
        );
        check_two_spaces(json.as_bytes(), true);
    }

    #[test]
    fn a_payload_that_one_space_does_not_mend_gets_two_before_two_strings() {
        check_two_spaces(
            r#"{"name":"??abc","email":"ÿ?","avatar":"abc??"}"#.as_bytes(),
            false,
        );
    }

    #[test]
    fn a_question_mark_in_third_place_is_moved_by_one_space() {
        // `{"a":"bc?"}`: the `?` is byte 8, the third of its group.
        let json = br#"{"a":"bc?"}"#;
        assert!(!is_atob_safe(json));
        let safe = atob_safe_json(json).expect("compact JSON");
        assert!(b64_is_clean(&safe), "{}", String::from_utf8_lossy(&safe));
        assert_eq!(
            safe.len(),
            json.len() + 1,
            "{}",
            String::from_utf8_lossy(&safe)
        );
    }
}
