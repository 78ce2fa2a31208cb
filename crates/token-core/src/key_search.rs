//! Looking for a key in text that must not hold it: as it is, with its ASCII letters in another
//! case, escaped as JSON and Rust quote a value (`\"` for `"`, `\\` for `\`), or percent-encoded.
//! Each of those gives the key away: unescaping and percent-decoding are exact, and a key in one
//! letter case leaves two spellings per letter, which can be tried offline against the signature
//! of any one token (a 40-character key's 2^33 or so in seconds).

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use memchr::memmem::Finder;

use crate::credentials::MIN_KEY_SEARCHED_LEN;

/// What [`KeySearch::hide_in`] puts where the key was.
const HIDDEN: &str = "[key]";

/// A search for one key (a key of [`MIN_KEY_SEARCHED_LEN`] bytes or more) in text that must not
/// hold it, prepared once: as it is, with its ASCII letters in another case, escaped (`\"` for
/// `"`, `\\` for `\`) or percent-encoded, the forms the issuer refuses in an identity
/// ([`Error::KeyInIdentity`]) and [`inspect`] reports. Its `Debug` output hides the key.
///
/// ```
/// use ckeditor_token_core::KeySearch;
///
/// let search = KeySearch::new(b"Kx9pQ72zZab").expect("8 bytes or more");
/// assert!(search.holds("avatar /a?k=%4Bx9pQ72zZab"));
/// assert!(!search.holds("Kx9pQ72zZa"));
/// assert_eq!(search.hide_in("email kx9pq72zzab@example.com"), "email [key]@example.com");
/// ```
///
/// [`Error::KeyInIdentity`]: crate::Error::KeyInIdentity
/// [`inspect`]: crate::inspect()
#[derive(Clone)]
pub struct KeySearch {
    /// The key with its ASCII letters in lower case, the form every text is compared in.
    lowered: Finder<'static>,
    /// For a key with `"` or `\`, the lowered key as JSON and Rust's `{:?}` write it between
    /// quotes (`\"` and `\\`), as an error quotes a value: the form a log line shows it in.
    escaped: Option<Finder<'static>>,
}

/// The shortest start of the key that [`KeySearch::hide_in`] hides where a text is cut short:
/// shorter ones are too common in ordinary text to tell, and leave most of the key unknown.
const MIN_CUT_START_LEN: usize = 4;

impl KeySearch {
    /// A search for `key`; `None` for a key shorter than [`MIN_KEY_SEARCHED_LEN`] bytes, which
    /// ordinary text could hold by chance.
    pub fn new(key: &[u8]) -> Option<KeySearch> {
        (key.len() >= MIN_KEY_SEARCHED_LEN).then(|| {
            let lowered = key.to_ascii_lowercase();
            let escaped = lowered
                .iter()
                .any(|&byte| matches!(byte, b'"' | b'\\'))
                .then(|| {
                    let mut escaped = Vec::with_capacity(lowered.len() + 8);
                    for &byte in &lowered {
                        if matches!(byte, b'"' | b'\\') {
                            escaped.push(b'\\');
                        }
                        escaped.push(byte);
                    }
                    Finder::new(&escaped).into_owned()
                });
            KeySearch {
                lowered: Finder::new(&lowered).into_owned(),
                escaped,
            }
        })
    }

    /// The lowered key in each form a text is searched for as it is: plain, and escaped.
    pub(crate) fn finders(&self) -> impl Iterator<Item = &Finder<'static>> {
        std::iter::once(&self.lowered).chain(&self.escaped)
    }

    /// The lowered key, the form every text is compared in.
    pub(crate) fn lowered(&self) -> &[u8] {
        self.lowered.needle()
    }

    /// The lowered key escaped as a quoted value, for a key with `"` or `\`.
    pub(crate) fn escaped(&self) -> Option<&[u8]> {
        self.escaped.as_ref().map(Finder::needle)
    }

    /// The key's length in bytes; a shorter text cannot hold it in any of the forms searched.
    pub(crate) fn key_len(&self) -> usize {
        self.lowered.needle().len()
    }

    /// Whether `text` holds the key in any of the forms searched.
    pub fn holds(&self, text: &str) -> bool {
        self.is_in(text.as_bytes(), &mut Vec::new())
    }

    /// Whether `text` holds the key in any of the forms searched. `scratch` is working space,
    /// reused between calls.
    pub(crate) fn is_in(&self, text: &[u8], scratch: &mut Vec<u8>) -> bool {
        if text.len() < self.key_len() {
            return false;
        }
        scratch.clear();
        scratch.extend(text.iter().map(u8::to_ascii_lowercase));
        if self.finders().any(|finder| finder.find(scratch).is_some()) {
            return true;
        }
        if !text.contains(&b'%') {
            return false;
        }
        scratch.clear();
        percent_decode_lowered(text, scratch, |_| {});
        self.lowered.find(scratch).is_some()
    }

    /// `text` with every stretch that holds the key, in any of the forms searched, shown as
    /// `[key]`; stretches that overlap are hidden as one. A start of the key, of 4 bytes or more
    /// (in any of those forms), right before a `…` (or a `"…`) that marks a value cut short, as
    /// an error quotes a long one, is hidden too: the rest of a key whose start is known can be
    /// tried offline. Hiding is repeated while the text still holds the key, as a key with
    /// `[key]` in it could be made whole again by the placeholder; each round shortens the text,
    /// as a key is longer than the placeholder.
    pub fn hide_in<'t>(&self, text: &'t str) -> Cow<'t, str> {
        hide_all_in(text, &[self])
    }

    /// The byte ranges of `text` that [`KeySearch::hide_in`] hides in its first round: each
    /// stretch that holds the key in any of the forms searched, and each start of it cut short,
    /// overlapping ones included, in the order of their starts. For a caller that hides the key
    /// among texts of its own. For a key that is UTF-8, the ranges fall on character boundaries.
    ///
    /// ```
    /// use ckeditor_token_core::KeySearch;
    ///
    /// let search = KeySearch::new(b"Kx9pQ72zZab").expect("8 bytes or more");
    /// let text = "a=%4Bx9pQ72zZab b=\"kx9pq7\"… c";
    /// assert_eq!(search.stretches_in(text), [2..15, 19..25]);
    /// ```
    pub fn stretches_in(&self, text: &str) -> Vec<Range<usize>> {
        let mut stretches = self.cut_starts(text);
        if self.is_in(text.as_bytes(), &mut Vec::new()) {
            stretches.extend(self.stretches(text));
        }
        stretches.sort_unstable_by_key(|stretch| (stretch.start, stretch.end));
        stretches.dedup();
        stretches
    }

    /// The stretches of `text` right before a `…` (or a `"…`) that hold a start of the key of
    /// [`MIN_CUT_START_LEN`] bytes or more: as it is or escaped, in any letter case, or
    /// percent-encoded (with an escape cut short after it).
    fn cut_starts(&self, text: &str) -> Vec<Range<usize>> {
        let mut stretches = Vec::new();
        if !text.contains('…') {
            return stretches;
        }
        let lowered = text.to_ascii_lowercase();
        let longest_start = |before: &[u8], form: &[u8]| {
            (MIN_CUT_START_LEN..=form.len().min(before.len()))
                .rev()
                .find(|&len| before.ends_with(&form[..len]))
        };
        for (mark, _) in lowered.match_indices('…') {
            let end = lowered[..mark].strip_suffix('"').map_or(mark, str::len);
            let before = &lowered.as_bytes()[..end];
            if let Some(len) = self
                .finders()
                .filter_map(|finder| longest_start(before, finder.needle()))
                .max()
            {
                stretches.push(end - len..end);
            }
            // Percent-encoded, perhaps cut inside an escape (`%4`).
            let encoded_end = match before {
                [.., b'%'] => end - 1,
                [.., b'%', digit] if digit.is_ascii_hexdigit() => end - 2,
                _ => end,
            };
            // A start of the key encodes to at most three bytes a byte, so only the last ones
            // before the cut are decoded, however long the text: a window that begins inside an
            // escape reads its last one or two bytes as they are, too far back to matter.
            let window = encoded_end.saturating_sub(3 * self.lowered.needle().len() + 2);
            let tail = &before[window..encoded_end];
            if tail.contains(&b'%') {
                let mut decoded = Vec::with_capacity(tail.len());
                let mut origins = Vec::with_capacity(tail.len());
                percent_decode_lowered(tail, &mut decoded, |from| origins.push(window + from));
                if let Some(len) = longest_start(&decoded, self.lowered.needle()) {
                    stretches.push(origins[decoded.len() - len]..end);
                }
            }
        }
        stretches
    }

    /// The stretches of `text` that hold the key, as it is, escaped or percent-encoded.
    fn stretches(&self, text: &str) -> Vec<Range<usize>> {
        let mut stretches = Vec::new();
        let lowered = text.to_ascii_lowercase();
        stretches.extend(
            self.starts(lowered.as_bytes())
                .map(|start| start..start + self.key_len()),
        );
        if let Some(escaped) = &self.escaped {
            let len = escaped.needle().len();
            stretches
                .extend(starts_of(escaped, lowered.as_bytes()).map(|start| start..start + len));
        }
        if text.contains('%') {
            // Where each decoded byte came from, and where the text after the last one starts.
            let mut decoded = Vec::with_capacity(text.len());
            let mut origins = Vec::with_capacity(text.len() + 1);
            percent_decode_lowered(text.as_bytes(), &mut decoded, |from| origins.push(from));
            origins.push(text.len());
            stretches.extend(
                self.starts(&decoded)
                    .map(|start| origins[start]..origins[start + self.key_len()]),
            );
        }
        stretches
    }

    /// Where the lowered key starts in `lowered`, overlaps included.
    fn starts<'h>(&'h self, lowered: &'h [u8]) -> impl Iterator<Item = usize> + 'h {
        starts_of(&self.lowered, lowered)
    }
}

/// Where `finder`'s needle starts in `haystack`, overlaps included.
fn starts_of<'h>(
    finder: &'h Finder<'static>,
    haystack: &'h [u8],
) -> impl Iterator<Item = usize> + 'h {
    let mut from = 0;
    std::iter::from_fn(move || {
        let start = from + finder.find(haystack.get(from..)?)?;
        from = start + 1;
        Some(start)
    })
}

impl fmt::Debug for KeySearch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeySearch([redacted])")
    }
}

/// Appends `text` to `out` with every `%` and two hexadecimal digits decoded to their byte and
/// ASCII letters lowered; calls `origin` with the position in `text` each byte of `out` came from.
pub(crate) fn percent_decode_lowered(
    text: &[u8],
    out: &mut Vec<u8>,
    mut origin: impl FnMut(usize),
) {
    let mut at = 0;
    while at < text.len() {
        let escaped = match text[at..] {
            [b'%', high, low, ..] => hex_value(high).zip(hex_value(low)),
            _ => None,
        };
        origin(at);
        match escaped {
            Some((high, low)) => {
                out.push((high << 4 | low).to_ascii_lowercase());
                at += 3;
            }
            None => {
                out.push(text[at].to_ascii_lowercase());
                at += 1;
            }
        }
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|value| u8::try_from(value).ok())
}

/// `text` with the byte `stretches` (in any order, overlapping or not) replaced by [`HIDDEN`],
/// one for each run of stretches that overlap. A stretch that does not start and end between
/// characters is widened to the characters it touches.
/// `text` with every key of `searches` hidden as [`KeySearch::hide_in`] hides one, all at once:
/// a key that holds another, or overlaps it, is hidden whole, not around the other's
/// placeholder.
pub(crate) fn hide_all_in<'t>(text: &'t str, searches: &[&KeySearch]) -> Cow<'t, str> {
    let stretches: Vec<Range<usize>> = searches
        .iter()
        .flat_map(|search| search.stretches_in(text))
        .collect();
    if stretches.is_empty() {
        return Cow::Borrowed(text);
    }
    // Cut starts only in the first round: the placeholder before a cut could start a key again.
    let mut hidden = replace_stretches(text, stretches);
    let mut scratch = Vec::new();
    while searches
        .iter()
        .any(|search| search.is_in(hidden.as_bytes(), &mut scratch))
    {
        let stretches = searches
            .iter()
            .flat_map(|search| search.stretches(&hidden))
            .collect();
        hidden = replace_stretches(&hidden, stretches);
    }
    Cow::Owned(hidden)
}

fn replace_stretches(text: &str, mut stretches: Vec<Range<usize>>) -> String {
    stretches.sort_by_key(|stretch| stretch.start);
    let mut out = String::with_capacity(text.len());
    let mut shown_from = 0;
    for stretch in stretches {
        let mut start = stretch.start.min(text.len());
        let mut end = stretch.end.min(text.len());
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        while !text.is_char_boundary(end) {
            end += 1;
        }
        // A stretch that starts inside the last one hidden extends it.
        if start >= shown_from {
            out.push_str(&text[shown_from..start]);
            out.push_str(HIDDEN);
        }
        shown_from = shown_from.max(end);
    }
    out.push_str(&text[shown_from..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "Kx9-pQ72/zZa+b";

    fn search() -> KeySearch {
        KeySearch::new(KEY.as_bytes()).expect("long enough")
    }

    fn percent_encoded(text: &str) -> String {
        text.bytes().map(|byte| format!("%{byte:02X}")).collect()
    }

    #[test]
    fn the_key_is_found_as_it_is_in_other_case_and_percent_encoded() {
        let search = search();
        let mut scratch = Vec::new();
        for text in [
            format!("a{KEY}b"),
            KEY.to_ascii_uppercase(),
            format!("https://example.com/?k={}", KEY.to_ascii_lowercase()),
            format!("https://example.com/?k={}", percent_encoded(KEY)),
            // Partly encoded, in lower-case hexadecimal, with the letters' case changed.
            "x kx9%2dPQ72%2fzza%2bB y".to_owned(),
        ] {
            assert!(search.is_in(text.as_bytes(), &mut scratch), "{text}");
        }
        for text in [
            &KEY[1..],
            &KEY[..KEY.len() - 1],
            "Kx9-pQ72/zZa+",
            "Kx9-pQ72/zZa%2",
            // `+` is not a space here, and `%%` nothing but itself.
            "Kx9-pQ72/zZa b",
            "Kx9-pQ72/zZa%%2Bb",
        ] {
            assert!(!search.is_in(text.as_bytes(), &mut scratch), "{text}");
        }
    }

    #[test]
    fn a_key_that_looks_percent_encoded_is_found_as_it_is() {
        let search = KeySearch::new(b"key-%41%42-0123").expect("long enough");
        assert!(search.is_in(b"see key-%41%42-0123 here", &mut Vec::new()));
        assert_eq!(search.hide_in("see KEY-%41%42-0123 here"), "see [key] here");
    }

    #[test]
    fn a_key_that_the_placeholder_would_make_whole_again_is_hidden_all_the_same() {
        let search = KeySearch::new(b"ab[key]cd").expect("long enough");
        let hidden = search.hide_in("abab[key]cdcd");
        assert!(!search.holds(&hidden), "{hidden}");
        assert_eq!(hidden, "[key]");
    }

    #[test]
    fn a_key_with_quotes_or_backslashes_is_found_escaped_as_a_quoted_value_shows_it() {
        let key = r#"Kx9"pQ\72zZab"#;
        let escaping = KeySearch::new(key.as_bytes()).expect("long enough");
        let quoted = format!("{key:?}");
        assert_eq!(quoted, r#""Kx9\"pQ\\72zZab""#);
        let json = serde_json::to_string(&key.to_ascii_uppercase()).expect("JSON");
        for text in [
            format!("the document key {quoted} is granted twice"),
            format!("name: {json}"),
        ] {
            assert!(escaping.holds(&text), "{text}");
            let hidden = escaping.hide_in(&text);
            assert!(!hidden.to_ascii_lowercase().contains("pq"), "{hidden}");
        }
        assert_eq!(
            escaping.hide_in(&format!("the document key {quoted} is granted twice")),
            r#"the document key "[key]" is granted twice"#
        );
        // A key without either has no escaped form to look for.
        assert!(search().escaped.is_none());
    }

    #[test]
    fn the_start_of_a_key_cut_short_is_hidden() {
        let search = search();
        let start = &KEY[..9];
        assert_eq!(
            search.hide_in(&format!(r#"invalid key "doc-{start}"… (300 bytes)"#)),
            r#"invalid key "doc-[key]"… (300 bytes)"#
        );
        let lower = KEY[..4].to_ascii_lowercase();
        assert_eq!(
            search.hide_in(&format!("cut {lower}… here")),
            "cut [key]… here"
        );
        // Three bytes are too few to tell; a start away from a cut is left alone.
        assert_eq!(search.hide_in(r#""doc-Kx9"…"#), r#""doc-Kx9"…"#);
        assert_eq!(
            search.hide_in(&format!("{start} and more")),
            format!("{start} and more")
        );
        // Escaped, as a quoted value shows it.
        let escaping = KeySearch::new(br#"ab"cd\efgh"#).expect("long enough");
        assert_eq!(escaping.hide_in(r#""x ab\"cd\\e"…"#), r#""x [key]"…"#);
        // Percent-encoded, and cut inside the escape of its next byte.
        assert_eq!(
            search.hide_in(r#"key "a*%4B%78%39%2d%70%51%3"… (300 bytes)"#),
            r#"key "a*[key]"… (300 bytes)"#
        );
    }

    #[test]
    fn a_percent_encoded_cut_start_is_found_after_any_amount_of_text() {
        let search = search();
        // The window decoded before the cut begins inside one of the `%41` escapes.
        let text = format!(r#"key "{}%4B%78%39%2d%70%51%3"… end"#, "%41".repeat(10_000));
        let hidden = search.hide_in(&text);
        assert_eq!(
            hidden,
            format!(r#"key "{}[key]"… end"#, "%41".repeat(10_000))
        );

        // Cut marks after a `%`, each with all the text before it: the work per mark is bounded
        // by the key's length, not by the text's.
        let marks = format!("%{}", "…".repeat(200_000));
        assert!(matches!(search.hide_in(&marks), Cow::Borrowed(_)));
        let marks = format!("%4B%78%39%2d{}", "…".repeat(200_000));
        assert!(search.hide_in(&marks).starts_with("[key]…"));
    }

    #[test]
    fn a_whole_key_that_overlaps_a_cut_start_is_hidden_with_it() {
        // Keys whose last character is their first: the whole key, then its start at a cut.
        let search = KeySearch::new(b"abcdefga").expect("long enough");
        assert_eq!(search.hide_in("x abcdefgabcd… y"), "x [key]… y");
        let search = KeySearch::new(b"abcdXabcd").expect("long enough");
        assert_eq!(search.hide_in("abcdXabcdX…"), "[key]…");
    }

    #[test]
    fn a_short_key_is_not_searched() {
        assert!(KeySearch::new(b"7-bytes").is_none());
        assert_eq!(search().key_len(), KEY.len());
    }

    #[test]
    fn every_form_is_hidden_and_the_rest_kept() {
        let search = search();
        let lower = KEY.to_ascii_lowercase();
        let encoded = percent_encoded(KEY);
        let text = format!("é {KEY} ü {lower}, {encoded}; {KEY}{KEY} end");
        assert_eq!(
            search.hide_in(&text),
            "é [key] ü [key], [key]; [key][key] end"
        );
        assert!(matches!(search.hide_in("nothing here"), Cow::Borrowed(_)));
    }

    #[test]
    fn overlapping_stretches_are_hidden_as_one() {
        // The key twice, sharing its first and last letters.
        let search = KeySearch::new(b"abcdefga").expect("long enough");
        assert_eq!(search.hide_in("x abcdefgabcdefga y"), "x [key] y");
        assert_eq!(
            replace_stretches("0123456789", vec![5..8, 1..3, 2..4]),
            "0[key]4[key]89"
        );
    }

    #[test]
    fn a_stretch_inside_a_character_is_widened_to_it() {
        // "é" is two bytes, at 1 and 2.
        let one = |start, end| replace_stretches("aéb", vec![Range { start, end }]);
        assert_eq!(one(2, 3), "a[key]b");
        assert_eq!(one(0, 2), "[key]b");
    }

    proptest::proptest! {
        /// Whatever surrounds the key's forms, none is left once hidden, and a text without
        /// them is kept as it is.
        #[test]
        fn no_form_of_the_key_is_left_once_hidden(
            pieces in proptest::collection::vec(
                (proptest::sample::select(vec!["", "%", "%4", "é", "K", "kx9", "b%2"]), 0..4_u8),
                0..8,
            ),
        ) {
            let search = search();
            let mut text = String::new();
            for (piece, form) in &pieces {
                text.push_str(piece);
                match form {
                    0 => text.push_str(KEY),
                    1 => text.push_str(&KEY.to_ascii_lowercase()),
                    2 => text.push_str(&percent_encoded(KEY)),
                    _ => {}
                }
            }
            let hidden = search.hide_in(&text);
            proptest::prop_assert!(!search.is_in(hidden.as_bytes(), &mut Vec::new()), "{hidden}");
            let forms = pieces.iter().filter(|(_, form)| *form < 3).count();
            proptest::prop_assert_eq!(hidden == text, forms == 0, "{}", hidden);
        }
    }

    #[test]
    fn decoding_keeps_the_origin_of_every_byte() {
        let mut out = Vec::new();
        let mut origins = Vec::new();
        percent_decode_lowered(b"A%41%4z%", &mut out, |at| origins.push(at));
        assert_eq!(out, b"aa%4z%");
        assert_eq!(origins, [0, 1, 4, 5, 6, 7]);
    }
}
