//! Looking for many keys at once, in the forms [`KeySearch`] looks for one: an endpoint that signs
//! for many environments refuses every token that carries any of their keys, and must not pay
//! for each key on every token.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

use crate::credentials::MIN_KEY_SEARCHED_LEN;
use crate::key_search::{KeySearch, percent_decode_lowered};

/// The length of the start of each form that [`KeySet`]'s index holds, and of each stretch of a
/// text looked up in it: eight bytes, one number.
const INDEXED_LEN: usize = 8;
const _: () = assert!(MIN_KEY_SEARCHED_LEN >= INDEXED_LEN);

/// Up to this many keys, [`KeySet`] searches for each in turn rather than through its index.
const FEW_KEYS: usize = 4;

/// Searches for many keys at once, as [`KeySearch`] searches for one: whether a text holds any of
/// them, in any of the forms searched (as it is, in another letter case, escaped or
/// percent-encoded). Beyond a few keys, a text is read once (twice when it has a `%`) however many
/// keys there are: each of its stretches of eight bytes is looked up among the starts of the
/// keys' forms, and a form is compared only where its start was found. Its `Debug` output counts
/// the keys and shows none.
///
/// ```
/// use ckeditor_token_core::{KeySearch, KeySet};
///
/// let keys = ["tenant-a-key-0123456789", "tenant-b-key-0123456789"];
/// let searches: Vec<KeySearch> =
///     keys.iter().filter_map(|key| KeySearch::new(key.as_bytes())).collect();
/// let set = KeySet::new(&searches);
/// assert!(set.holds("name TENANT-B-KEY-0123456789"));
/// assert!(set.holds("/a?k=tenant-a-key-0123456789%21"));
/// assert!(!set.holds("tenant-c-key-0123456789"));
/// ```
#[derive(Clone, Default)]
pub struct KeySet {
    searches: Vec<KeySearch>,
    /// The start of each form searched as it is, with the searches whose form it starts, and
    /// whether that form is the escaped one.
    starts: HashMap<u64, Vec<(usize, bool)>, BuildHasherDefault<StartHasher>>,
    /// The length of the shortest key; a shorter text holds none.
    shortest: usize,
}

impl KeySet {
    /// A set of the keys `searches` look for.
    pub fn new<'s>(searches: impl IntoIterator<Item = &'s KeySearch>) -> KeySet {
        let mut set = KeySet::default();
        for search in searches {
            set.push(search);
        }
        set
    }

    /// Adds the key `search` looks for.
    pub(crate) fn push(&mut self, search: &KeySearch) {
        let index = self.searches.len();
        let forms = std::iter::once((search.lowered(), false))
            .chain(search.escaped().map(|escaped| (escaped, true)));
        for (form, escaped) in forms {
            let entry = self.starts.entry(start_of(form)).or_default();
            entry.push((index, escaped));
        }
        self.shortest = match index {
            0 => search.key_len(),
            _ => self.shortest.min(search.key_len()),
        };
        self.searches.push(search.clone());
    }

    /// Whether the set has no keys.
    pub fn is_empty(&self) -> bool {
        self.searches.is_empty()
    }

    /// How many keys were added to the set, a key added twice counted twice.
    pub fn len(&self) -> usize {
        self.searches.len()
    }

    /// Whether `text` holds one of the keys in any of the forms searched.
    pub fn holds(&self, text: &str) -> bool {
        self.is_in(text.as_bytes(), &mut Vec::new())
    }

    /// The length of the shortest key of the set, or 0 for none.
    pub(crate) fn shortest_key_len(&self) -> usize {
        self.shortest
    }

    /// Whether `text` holds one of the keys in any of the forms searched. `scratch` is working
    /// space, reused between calls.
    pub(crate) fn is_in(&self, text: &[u8], scratch: &mut Vec<u8>) -> bool {
        if self.searches.is_empty() || text.len() < self.shortest {
            return false;
        }
        // A few keys are quicker searched for one at a time than looked up stretch by stretch.
        if self.searches.len() <= FEW_KEYS {
            return self
                .searches
                .iter()
                .any(|search| search.is_in(text, scratch));
        }
        scratch.clear();
        scratch.extend(text.iter().map(u8::to_ascii_lowercase));
        if self.starts_in(scratch, true) {
            return true;
        }
        if !text.contains(&b'%') {
            return false;
        }
        // Decoded, the key is looked for as it is, as `KeySearch` looks for it.
        scratch.clear();
        percent_decode_lowered(text, scratch, |_| {});
        self.starts_in(scratch, false)
    }

    /// Whether a form of a key starts somewhere in `lowered`: the key as it is, or also escaped.
    fn starts_in(&self, lowered: &[u8], with_escaped: bool) -> bool {
        lowered
            .windows(INDEXED_LEN)
            .enumerate()
            .any(|(at, window)| {
                self.starts.get(&start_of(window)).is_some_and(|forms| {
                    forms.iter().any(|&(index, escaped)| {
                        let search = &self.searches[index];
                        let form = if escaped {
                            search.escaped().filter(|_| with_escaped)
                        } else {
                            Some(search.lowered())
                        };
                        form.is_some_and(|form| lowered[at..].starts_with(form))
                    })
                })
            })
    }
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeySet")
            .field("keys", &self.searches.len())
            .finish_non_exhaustive()
    }
}

/// The first [`INDEXED_LEN`] bytes of `bytes`, which has at least that many, as one number.
fn start_of(bytes: &[u8]) -> u64 {
    let mut start = [0; INDEXED_LEN];
    start.copy_from_slice(&bytes[..INDEXED_LEN]);
    u64::from_le_bytes(start)
}

/// Hashes [`KeySet`]'s starts, which are eight bytes of text in one number, by one
/// multiplication: quicker than the standard hasher, which matters as every stretch of a text is
/// looked up. A text cannot make lookups slow, as the table holds only the keys' starts.
#[derive(Default)]
struct StartHasher(u64);

impl Hasher for StartHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, value: u64) {
        let mixed = (self.0 ^ value).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = mixed ^ (mixed >> 29);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys for the set's checks: some share a start of eight bytes, in one letter case or
    /// another, one has a quote and a backslash, and the shortest has eight bytes.
    const SET_KEYS: [&str; 8] = [
        "Kx9-pQ72/zZa+b",
        "Kx9-pQ72/other-key",
        "kx9-PQ72/third",
        "quo\"te\\key-0001",
        "zq8bytes",
        "tenant-1-access-key-0123456789abcdef",
        "tenant-2-access-key-0123456789abcdef",
        "%41%42%43-looks-encoded",
    ];

    /// `key` in the form numbered `form`: as it is, upper case, escaped as a quoted value,
    /// percent-encoded, or cut short by its last byte (no form).
    fn key_form(key: &str, form: u8) -> String {
        match form {
            0 => key.to_owned(),
            1 => key.to_ascii_uppercase(),
            2 => key.replace('\\', "\\\\").replace('"', "\\\""),
            3 => key.bytes().map(|byte| format!("%{byte:02X}")).collect(),
            _ => key[..key.len() - 1].to_owned(),
        }
    }

    fn searches(count: usize) -> Vec<KeySearch> {
        SET_KEYS[..count]
            .iter()
            .map(|key| KeySearch::new(key.as_bytes()).expect("long enough"))
            .collect()
    }

    #[test]
    fn a_set_finds_each_of_its_keys_in_every_form_and_no_other() {
        // The shortest key of the first 1, 4, 5 and 7, counted by hand.
        for (count, shortest) in [(1, 14), (FEW_KEYS, 14), (FEW_KEYS + 1, 8), (7, 8)] {
            let set = KeySet::new(&searches(count));
            assert_eq!((set.len(), set.shortest_key_len()), (count, shortest));
            for (index, key) in SET_KEYS.iter().enumerate() {
                for form in 0..5 {
                    let text = format!("a {} b", key_form(key, form));
                    let found = set.is_in(text.as_bytes(), &mut Vec::new());
                    assert_eq!(found, index < count && form < 4, "{count} keys: {text}");
                }
            }
        }
        assert!(!KeySet::default().is_in(b"any text at all", &mut Vec::new()));
        assert!(KeySet::default().is_empty());
    }

    /// A start of a key, again and again, is no key; nor is a key cut in two, or escaped in part;
    /// a key percent-encoded in part is one, as decoding gives it whole.
    #[test]
    fn starts_of_keys_alone_are_not_keys() {
        let set = KeySet::new(&searches(SET_KEYS.len()));
        assert!(set.len() > FEW_KEYS);
        for text in [
            "tenant-1-".repeat(200),
            "tenant-1-access-key-0123456789 abcdef".to_owned(),
            "quo\\\"te\\key-0001".to_owned(),
            "Kx9-pQ72/".repeat(50),
        ] {
            assert!(!set.holds(&text), "{text}");
        }
        // The percent-encoded start with the rest as it is decodes to the key.
        assert!(set.holds("%74%65%6e%61%6e%74%2d%31-access-key-0123456789abcdef"));
    }

    /// Through the index, each form is looked for where [`KeySearch`] looks for it: a key
    /// escaped and then percent-encoded is not one of its forms there.
    #[test]
    fn the_index_looks_for_each_form_where_the_key_search_does() {
        let searches = searches(SET_KEYS.len());
        let set = KeySet::new(&searches);
        for text in [
            "quo%5C%22te%5C%5Ckey-0001",
            "quo%22te%5Ckey-0001",
            "QUO\\\"TE\\\\KEY-0001",
            "%41%42%43-LOOKS-ENCODED",
            "abc-looks-encoded",
        ] {
            let each = searches.iter().any(|search| search.holds(text));
            assert_eq!(set.holds(text), each, "{text}");
        }
    }

    #[test]
    fn its_debug_output_shows_no_key() {
        let shown = format!("{:?}", KeySet::new(&searches(SET_KEYS.len())));
        assert_eq!(shown, "KeySet { keys: 8, .. }");
    }

    proptest::proptest! {
        /// A set finds a key in a text exactly when one of its keys' searches does, with a few
        /// keys (searched one by one) and with more (through the index).
        #[test]
        fn a_set_finds_what_its_keys_searches_find(
            count in 1..=SET_KEYS.len(),
            pieces in proptest::collection::vec(
                (
                    proptest::sample::select(vec!["", "%", "%4", "é", "K", "kx9", "\\", " "]),
                    0..SET_KEYS.len(),
                    0..6_u8,
                ),
                0..6,
            ),
        ) {
            let searches = searches(count);
            let set = KeySet::new(&searches);
            let mut text = String::new();
            for (piece, key, form) in &pieces {
                text.push_str(piece);
                if *form < 5 {
                    text.push_str(&key_form(SET_KEYS[*key], *form));
                }
            }
            let mut scratch = Vec::new();
            let each = searches.iter().any(|search| search.is_in(text.as_bytes(), &mut scratch));
            proptest::prop_assert_eq!(set.is_in(text.as_bytes(), &mut scratch), each, "{}", text);
        }
    }
}
