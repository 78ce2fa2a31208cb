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
//! encoding among those that add spaces between tokens and write string characters raw, with
//! their compact escape, with a lowercase `\u` escape, or (for `/`) as `\/`; ties are broken by a
//! fixed preference (fewer spaces first, then raw over escaped), so the same claims always give
//! the same bytes. A dynamic program over (byte position mod 3, one bit of the previous byte)
//! finds it. Between tokens only the position mod 3 matters, because every JSON token starts with
//! an ASCII byte, so strings without risky characters are stepped over whole.

const INFINITY: u32 = u32::MAX / 4;

/// Encoder state between two bytes: `phase * 2 + flag`, where `phase` is the next byte's
/// position in its group of three and `flag` says whether the previous byte can make that next
/// byte's group bad (`b0 & 3 == 3` before phase 1, `b1 & 15 == 15` before phase 2).
type State = u8;

/// Emits `byte` in `state`: the next state, or `None` if a 6-bit value of 62 or 63 results.
#[inline]
fn step(state: State, byte: u8) -> Option<State> {
    let flag = state & 1 == 1;
    match state >> 1 {
        0 => (byte < 0xF8).then_some(2 | u8::from(byte & 3 == 3)),
        1 => (!(flag && byte >= 0xE0)).then_some(4 | u8::from(byte & 15 == 15)),
        _ => (!(flag && byte >= 0x80) && byte & 0x3F < 0x3E).then_some(0),
    }
}

fn run(mut state: State, bytes: &[u8]) -> Option<State> {
    for &byte in bytes {
        state = step(state, byte)?;
    }
    Some(state)
}

/// Whether the base64url encoding of `payload` has only `A-Z`, `a-z` and `0-9`.
pub fn is_atob_safe(payload: &[u8]) -> bool {
    run(0, payload).is_some()
}

/// Whether `c` written raw could ever make a bad group.
fn is_risky(c: char) -> bool {
    matches!(c, '>' | '?' | '~' | '\u{7f}') || !c.is_ascii()
}

/// The most bytes `c` takes inside a JSON string in the safe encoding that escapes every risky
/// character.
pub(crate) fn worst_case_char_len(c: char) -> usize {
    match c {
        '"' | '\\' | '\u{8}' | '\u{c}' | '\n' | '\r' | '\t' => 2,
        c if (c as u32) < 0x20 => 6,
        c if is_risky(c) => c.len_utf16() * 6,
        _ => 1,
    }
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

/// One character of a JSON string, with the bytes it had in the compact form.
#[derive(Clone, Copy)]
struct StringChar<'a> {
    value: char,
    compact: &'a [u8],
}

impl<'a> StringChar<'a> {
    /// The bytes of alternative `which`: 0 is the compact form, 1 the `\u` escape, 2 `\/`.
    fn alternative<'b>(&self, which: u8, buffer: &'b mut [u8; 12]) -> Option<&'b [u8]>
    where
        'a: 'b,
    {
        match which {
            0 => Some(self.compact),
            1 if self.compact.starts_with(b"\\u") => None,
            1 => Some(unicode_escape(self.value, buffer)),
            2 if self.value == '/' => Some(b"\\/"),
            _ => None,
        }
    }
}

/// Splits the inside of a compact JSON string into characters.
fn string_chars(inside: &[u8]) -> Option<Vec<StringChar<'_>>> {
    let mut chars = Vec::with_capacity(inside.len());
    let mut at = 0;
    while at < inside.len() {
        let (value, len) = if inside[at] == b'\\' {
            match *inside.get(at + 1)? {
                b'u' => {
                    let hex = std::str::from_utf8(inside.get(at + 2..at + 6)?).ok()?;
                    let unit = u32::from_str_radix(hex, 16).ok()?;
                    (char::from_u32(unit)?, 6)
                }
                b'"' => ('"', 2),
                b'\\' => ('\\', 2),
                b'/' => ('/', 2),
                b'b' => ('\u{8}', 2),
                b'f' => ('\u{c}', 2),
                b'n' => ('\n', 2),
                b'r' => ('\r', 2),
                b't' => ('\t', 2),
                _ => return None,
            }
        } else {
            let width = match inside[at] {
                0x00..=0x7f => 1,
                0xc0..=0xdf => 2,
                0xe0..=0xef => 3,
                _ => 4,
            };
            let text = std::str::from_utf8(inside.get(at..at + width)?).ok()?;
            (text.chars().next()?, width)
        };
        chars.push(StringChar {
            value,
            compact: &inside[at..at + len],
        });
        at += len;
    }
    Some(chars)
}

/// One JSON token of the compact form.
enum Token<'a> {
    /// Punctuation, a number, a literal, or a string without risky characters: its bytes are
    /// kept and it shifts the phase by its length.
    Plain(&'a [u8]),
    /// A string with risky characters, searched character by character.
    Risky(Vec<StringChar<'a>>),
}

fn tokenize(json: &[u8]) -> Option<Vec<Token<'_>>> {
    let mut tokens = Vec::with_capacity(json.len() / 4);
    let mut at = 0;
    while at < json.len() {
        let start = at;
        match json[at] {
            b'"' => {
                at += 1;
                while *json.get(at)? != b'"' {
                    at += if json[at] == b'\\' { 2 } else { 1 };
                }
                at += 1;
                let inside = &json[start + 1..at - 1];
                let risky = std::str::from_utf8(inside).ok()?.chars().any(is_risky);
                tokens.push(if risky {
                    Token::Risky(string_chars(inside)?)
                } else {
                    Token::Plain(&json[start..at])
                });
            }
            b'{' | b'}' | b'[' | b']' | b':' | b',' => {
                at += 1;
                tokens.push(Token::Plain(&json[start..at]));
            }
            _ => {
                while at < json.len() && !b"{}[]:,\"".contains(&json[at]) {
                    at += 1;
                }
                tokens.push(Token::Plain(&json[start..at]));
            }
        }
    }
    Some(tokens)
}

/// The shortest encoding of `compact` (a compact JSON text) that [`is_atob_safe`], as described
/// in the module documentation; `compact` itself when it is safe. `None` only if `compact` is
/// not compact JSON.
pub fn atob_safe_json(compact: &[u8]) -> Option<Vec<u8>> {
    if is_atob_safe(compact) {
        return Some(compact.to_vec());
    }
    let tokens = tokenize(compact)?;
    let search = Search::run(&tokens);
    let encoded = search.emit(&tokens, compact.len());
    debug_assert!(is_atob_safe(&encoded));
    Some(encoded)
}

/// The dynamic program's tables.
struct Search {
    /// For each whitespace slot (before every token but the first): for each phase after the
    /// slot, the phase before it.
    slots: Vec<[u8; 3]>,
    /// For each character of each risky string, in order: for each state after it, the state
    /// before it times four plus the alternative taken.
    back: Vec<[u8; 6]>,
    /// For each risky string: for each phase after its closing quote, the state before it.
    closing: Vec<[u8; 3]>,
    /// The phase after the last token on the cheapest path.
    final_phase: u8,
}

impl Search {
    fn run(tokens: &[Token<'_>]) -> Search {
        let mut search = Search {
            slots: Vec::new(),
            back: Vec::new(),
            closing: Vec::new(),
            final_phase: 0,
        };
        let mut cost = [0, INFINITY, INFINITY];
        for (index, token) in tokens.iter().enumerate() {
            if index > 0 {
                cost = search.whitespace(cost);
            }
            cost = match token {
                Token::Plain(bytes) => rotate(cost, bytes.len()),
                Token::Risky(chars) => search.string(cost, chars),
            };
        }
        search.final_phase = argmin(&cost);
        search
    }

    fn whitespace(&mut self, cost: [u32; 3]) -> [u32; 3] {
        let mut next = [INFINITY; 3];
        let mut from = [0u8; 3];
        for spaces in 0..3u8 {
            for before in 0..3u8 {
                let after = usize::from((before + spaces) % 3);
                let total = cost[usize::from(before)] + u32::from(spaces);
                if total < next[after] {
                    next[after] = total;
                    from[after] = before;
                }
            }
        }
        self.slots.push(from);
        next
    }

    fn string(&mut self, cost: [u32; 3], chars: &[StringChar<'_>]) -> [u32; 3] {
        let mut states = [INFINITY; 6];
        for (phase, &c) in cost.iter().enumerate() {
            // The opening quote moves the phase on by one and clears the flag.
            states[((phase + 1) % 3) * 2] = c + 1;
        }
        let mut buffer = [0u8; 12];
        for c in chars {
            let mut next = [INFINITY; 6];
            let mut back = [0u8; 6];
            for which in 0..3u8 {
                let Some(bytes) = c.alternative(which, &mut buffer) else {
                    continue;
                };
                let len = bytes.len() as u32;
                for state in 0..6u8 {
                    let before = states[usize::from(state)];
                    if before >= INFINITY {
                        continue;
                    }
                    let Some(after) = run(state, bytes) else {
                        continue;
                    };
                    if before + len < next[usize::from(after)] {
                        next[usize::from(after)] = before + len;
                        back[usize::from(after)] = state * 4 + which;
                    }
                }
            }
            self.back.push(back);
            states = next;
        }
        let mut next = [INFINITY; 3];
        let mut closing = [0u8; 3];
        for state in 0..6u8 {
            let phase = usize::from((state >> 1) + 1) % 3;
            if states[usize::from(state)] + 1 < next[phase] {
                next[phase] = states[usize::from(state)] + 1;
                closing[phase] = state;
            }
        }
        self.closing.push(closing);
        next
    }

    /// Walks the tables back from the end and writes the chosen encoding.
    fn emit(&self, tokens: &[Token<'_>], compact_len: usize) -> Vec<u8> {
        let mut spaces = vec![0u8; self.slots.len()];
        let mut choices = vec![0u8; self.back.len()];
        let (mut slot, mut char_index, mut string) =
            (self.slots.len(), self.back.len(), self.closing.len());
        let mut phase = self.final_phase;
        for (index, token) in tokens.iter().enumerate().rev() {
            phase = match token {
                Token::Plain(bytes) => (phase + 3 - (bytes.len() % 3) as u8) % 3,
                Token::Risky(chars) => {
                    string -= 1;
                    let mut state = self.closing[string][usize::from(phase)];
                    for _ in chars {
                        char_index -= 1;
                        let back = self.back[char_index][usize::from(state)];
                        choices[char_index] = back & 3;
                        state = back >> 2;
                    }
                    ((state >> 1) + 2) % 3
                }
            };
            if index > 0 {
                slot -= 1;
                let before = self.slots[slot][usize::from(phase)];
                spaces[slot] = (phase + 3 - before) % 3;
                phase = before;
            }
        }

        let mut out = Vec::with_capacity(compact_len + 16);
        let mut buffer = [0u8; 12];
        let mut choice = choices.iter();
        for (index, token) in tokens.iter().enumerate() {
            if index > 0 {
                out.extend(std::iter::repeat_n(b' ', usize::from(spaces[index - 1])));
            }
            match token {
                Token::Plain(bytes) => out.extend_from_slice(bytes),
                Token::Risky(chars) => {
                    out.push(b'"');
                    for c in chars {
                        let which = choice.next().copied().unwrap_or(0);
                        out.extend_from_slice(
                            c.alternative(which, &mut buffer).unwrap_or(c.compact),
                        );
                    }
                    out.push(b'"');
                }
            }
        }
        out
    }
}

fn rotate(cost: [u32; 3], len: usize) -> [u32; 3] {
    let mut next = [INFINITY; 3];
    for (phase, c) in cost.into_iter().enumerate() {
        next[(phase + len) % 3] = c + len as u32;
    }
    next
}

fn argmin(cost: &[u32; 3]) -> u8 {
    let mut best = 0;
    for phase in 1..3 {
        if cost[phase] < cost[best] {
            best = phase;
        }
    }
    best as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

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
