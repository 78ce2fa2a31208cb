//! The claims of a token and their compact JSON form.
//!
//! Claims are written in the order the spec fixes (`aud, iat, exp, sub, user, auth`), absent ones
//! skipped, as compact JSON with the same string escaping as `serde_json`. With that order the
//! seed vector reproduces byte for byte.

use crate::atob::risky_bytes;
use crate::identity::{Identity, field};
use crate::key_search::KeySearch;
use crate::key_set::KeySet;
use crate::words::{bytes_equal_to, control_bytes, for_each_word};

/// Which products' claims a token carries.
///
/// Every token has `aud` (the environment ID) and `iat`, and `exp` when the issuer's tokens
/// expire (see [`IssuerBuilder::lifetime`](crate::IssuerBuilder::lifetime)), except where a
/// variant says otherwise. `user` is written when the identity has a name, an email address or an
/// avatar. Products CKEditor adds may come as new variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Product {
    /// Real-time collaboration, comments and track changes: `aud`, `iat`, `exp`, `sub`, `user`,
    /// `auth.collaboration`.
    Collaboration,
    /// CKBox: `aud`, `iat`, `exp`, `sub`, `user`, `auth.ckbox`.
    Ckbox,
    /// AI: `aud`, `iat`, `exp`, `sub`, `auth.ai`; `exp` always, one hour after `iat` when the
    /// issuer's tokens do not expire.
    Ai,
    /// Export to PDF/Word, Import from Word, Easy Image: `aud` and `iat` only, never `exp`, and
    /// nothing of the identity, which only shows that a user is signed in.
    CloudService,
    /// Everything the identity holds, for an editor that uses several services: `aud`, `iat`,
    /// `exp`, `sub`, `user`, and each `auth` section the identity fills; `exp` always when it
    /// has AI scopes, as for [`Product::Ai`].
    Editor,
}

/// Where compact JSON goes: a buffer, or a counter.
pub(crate) trait JsonSink {
    /// Bytes written as they are: punctuation, keys, numbers.
    fn raw(&mut self, bytes: &[u8]);
    /// A string value, quoted and escaped.
    fn string(&mut self, text: &str);
    /// A whole number, in decimal.
    fn number(&mut self, value: u64) {
        // Ten digits, as every `iat` and `exp` has from 2001 to 2286: two from the table and
        // eight from one word, written as they are made (the general case writes its digits to
        // the stack first, and reading them back as one piece stalls on those small stores).
        if (1_000_000_000..10_000_000_000).contains(&value) {
            let head = (value / 100_000_000) as usize * 2;
            self.raw(&PAIRS[head..head + 2]);
            self.raw(&eight_digits((value % 100_000_000) as u32));
            return;
        }
        let mut digits = [0u8; 20];
        self.raw(decimal(value, &mut digits));
    }
}

/// Compact JSON, and where its strings with risky characters are (see [`crate::atob`]), so the
/// browser-safe encoding need not look for them again.
#[derive(Debug, Default)]
pub(crate) struct CompactJson {
    /// The JSON text.
    pub(crate) bytes: Vec<u8>,
    /// For each string with risky characters, the positions of its two quotes.
    pub(crate) risky_strings: Vec<(usize, usize)>,
}

impl CompactJson {
    /// Empties it, keeping its buffers.
    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
        self.risky_strings.clear();
    }
}

impl JsonSink for CompactJson {
    fn raw(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
    }

    fn string(&mut self, text: &str) {
        let open = self.bytes.len();
        if write_json_string(&mut self.bytes, text) {
            self.risky_strings.push((open, self.bytes.len() - 1));
        }
    }
}

/// Whether `bytes` has a byte that needs a JSON escape (bit 0: a control character, `"` or `\`)
/// and whether it has a byte that is risky for the browser's `atob()` (bit 1), eight bytes at a
/// time.
fn classify(bytes: &[u8]) -> u8 {
    let mut escape = 0;
    let mut risky = 0;
    for_each_word(bytes, |word| {
        escape |= control_bytes(word) | bytes_equal_to(word, b'"') | bytes_equal_to(word, b'\\');
        risky |= risky_bytes(word);
    });
    u8::from(escape != 0) | u8::from(risky != 0) << 1
}

/// Writes `text` as a JSON string the way `serde_json` does: `"` and `\` escaped, control
/// characters as `\n`-style or `\u00xx` escapes, everything else as UTF-8. Returns whether the
/// string has characters that are risky for the browser's `atob()` (see [`crate::atob`]).
pub(crate) fn write_json_string(out: &mut Vec<u8>, text: &str) -> bool {
    out.push(b'"');
    let bytes = text.as_bytes();
    // Bit 0 for bytes that need an escape, bit 1 for risky bytes.
    let classes = classify(bytes);
    let risky = classes & 2 != 0;
    if classes & 1 == 0 {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return risky;
    }
    let mut start = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..index]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.extend_from_slice(&[HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 15)]]);
        } else {
            out.extend_from_slice(escape);
        }
        start = index + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
    risky
}

/// The decimal digits of 0 to 99, two by two.
const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

/// The eight decimal digits of `value` (below 10^8, with leading zeros), worked out in one word:
/// lanes of 32 bits hold its two halves of four digits, lanes of 16 bits their pairs, and lanes of
/// 8 bits the digits, the first digit in the lowest byte. A quotient by 100 is `x * 10486 >> 20`
/// for `x` below 43,699, and one by 10 is `x * 103 >> 10` for `x` below 179; no lane overflows.
fn eight_digits(value: u32) -> [u8; 8] {
    let value = u64::from(value);
    let fours = (value / 10_000) | ((value % 10_000) << 32);
    let hundreds = ((fours * 10_486) >> 20) & 0x0000_007f_0000_007f;
    let pairs = hundreds | ((fours - hundreds * 100) << 16);
    let tens = ((pairs * 103) >> 10) & 0x000f_000f_000f_000f;
    let digits = tens | ((pairs - tens * 10) << 8);
    (digits | 0x3030_3030_3030_3030).to_le_bytes()
}

/// `value` in decimal, written at the end of `digits`, two digits at a time.
fn decimal(value: u64, digits: &mut [u8; 20]) -> &[u8] {
    let mut at = digits.len();
    let mut rest = value;
    while rest >= 100 {
        let pair = (rest % 100) as usize * 2;
        rest /= 100;
        at -= 2;
        digits[at..at + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if rest >= 10 {
        let pair = rest as usize * 2;
        at -= 2;
        digits[at..at + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    } else {
        at -= 1;
        digits[at] = b'0' + rest as u8;
    }
    &digits[at..]
}

/// The claims of one token.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Claims<'a> {
    aud: Option<&'a str>,
    iat: u64,
    exp: Option<u64>,
    identity: Option<&'a Identity>,
    user: bool,
    collaboration: bool,
    ckbox: bool,
    ai: bool,
}

impl<'a> Claims<'a> {
    /// Claims with only `aud` (if given), `iat` and `exp` (if given).
    pub(crate) fn bare(aud: Option<&'a str>, iat: u64, exp: Option<u64>) -> Self {
        Claims {
            aud,
            iat,
            exp,
            identity: None,
            user: false,
            collaboration: false,
            ckbox: false,
            ai: false,
        }
    }

    /// The claims `product` needs for `identity`.
    pub(crate) fn for_product(
        product: Product,
        aud: &'a str,
        iat: u64,
        exp: Option<u64>,
        identity: &'a Identity,
    ) -> Self {
        let mut claims = Claims::bare(Some(aud), iat, exp);
        if product == Product::CloudService {
            return claims;
        }
        claims.identity = Some(identity);
        let has_user = !identity.profile().is_empty();
        match product {
            Product::Collaboration => {
                claims.user = has_user;
                claims.collaboration = true;
            }
            Product::Ckbox => {
                claims.user = has_user;
                claims.ckbox = true;
            }
            Product::Ai => claims.ai = true,
            Product::CloudService => {}
            Product::Editor => {
                claims.user = has_user;
                claims.collaboration = !identity.collaboration().is_empty();
                claims.ckbox = identity.ckbox().is_some();
                claims.ai = !identity.ai().is_empty();
            }
        }
        claims
    }

    /// Every claim `identity` can put in a token.
    pub(crate) fn everything(
        aud: &'a str,
        iat: u64,
        exp: Option<u64>,
        identity: &'a Identity,
    ) -> Self {
        Claims::for_product(Product::Editor, aud, iat, exp, identity)
    }

    /// The field of the first text of the identity that these claims carry and that holds the
    /// key `key` searches for (in any of its forms), such as `user.name`; `None` when none does.
    /// `aud` is not searched.
    pub(crate) fn text_holding(&self, key: &KeySearch) -> Option<&'static str> {
        self.text_where(|text, scratch| key.is_in(text, scratch))
    }

    /// As [`Claims::text_holding`], for any of the keys of `keys`.
    pub(crate) fn text_holding_any(&self, keys: &KeySet) -> Option<&'static str> {
        self.text_where(|text, scratch| keys.is_in(text, scratch))
    }

    /// The field of the first text of the identity that these claims carry and that `holds`
    /// (given working space it may reuse), as [`Claims::text_holding`] describes.
    fn text_where(&self, holds: impl Fn(&[u8], &mut Vec<u8>) -> bool) -> Option<&'static str> {
        let carried = |field: &str| match field {
            field::NAME | field::EMAIL | field::AVATAR => self.user,
            field::COLLABORATION => self.collaboration,
            field::WORKSPACES => self.ckbox,
            field::AI_SCOPES => self.ai,
            _ => true,
        };
        let identity = self.identity?;
        let mut scratch = Vec::with_capacity(identity.longest_text());
        identity
            .texts()
            .find(|&(field, text)| carried(field) && holds(text.as_bytes(), &mut scratch))
            .map(|(field, _)| field)
    }

    /// Writes the claims as compact JSON.
    pub(crate) fn write_json(&self, sink: &mut impl JsonSink) {
        let mut members = Members::new();
        if let Some(aud) = self.aud {
            members.key(sink, key!("aud"));
            sink.string(aud);
        }
        members.key(sink, key!("iat"));
        sink.number(self.iat);
        if let Some(exp) = self.exp {
            members.key(sink, key!("exp"));
            sink.number(exp);
        }
        if let Some(identity) = self.identity {
            members.key(sink, key!("sub"));
            sink.string(identity.subject());
            if self.user {
                members.key(sink, key!("user"));
                write_user(sink, identity);
            }
            if self.collaboration || self.ckbox || self.ai {
                members.key(sink, key!("auth"));
                self.write_auth(sink, identity);
            }
        }
        members.close(sink);
    }

    fn write_auth(&self, sink: &mut impl JsonSink, identity: &Identity) {
        let mut members = Members::new();
        if self.collaboration {
            members.key(sink, key!("collaboration"));
            sink.raw(b"{");
            for (index, (key, grant)) in identity.collaboration().iter().enumerate() {
                if index > 0 {
                    sink.raw(b",");
                }
                sink.string(key.as_str());
                sink.raw(b":{");
                if let Some(role) = grant.role_value() {
                    sink.raw(b"\"role\":");
                    sink.string(role.as_str());
                }
                let permissions = grant.permission_list();
                if !permissions.is_empty() {
                    if grant.role_value().is_some() {
                        sink.raw(b",");
                    }
                    sink.raw(b"\"permissions\":");
                    write_string_array(sink, permissions.iter().map(|p| p.as_str()));
                }
                sink.raw(b"}");
            }
            sink.raw(b"}");
        }
        if self.ckbox
            && let Some(ckbox) = identity.ckbox()
        {
            members.key(sink, key!("ckbox"));
            sink.raw(b"{\"role\":");
            sink.string(ckbox.role.as_str());
            if !ckbox.workspaces.is_empty() {
                sink.raw(b",\"workspaces\":");
                write_string_array(sink, ckbox.workspaces.iter().map(String::as_str));
            }
            sink.raw(b"}");
        }
        if self.ai {
            members.key(sink, key!("ai"));
            sink.raw(b"{\"permissions\":");
            write_string_array(sink, identity.ai().iter().map(|scope| scope.as_str()));
            sink.raw(b"}");
        }
        members.close(sink);
    }
}

/// `,"NAME":`, a member's key with the comma before it, as [`Members::key`] takes it.
macro_rules! key {
    ($name:literal) => {
        concat!(",\"", $name, "\":").as_bytes()
    };
}
use key;

/// The members of one JSON object: writes each key with `{` or `,` before it, and `}` at the end.
struct Members {
    opened: bool,
}

impl Members {
    fn new() -> Self {
        Members { opened: false }
    }

    /// Writes `key`, given as [`key!`] makes it (`,"NAME":`), whose comma the first key of the
    /// object trades for `{`: one constant piece for every key but the first.
    fn key(&mut self, sink: &mut impl JsonSink, key: &[u8]) {
        if self.opened {
            sink.raw(key);
        } else {
            sink.raw(b"{");
            sink.raw(key.get(1..).unwrap_or_default());
            self.opened = true;
        }
    }

    fn close(self, sink: &mut impl JsonSink) {
        sink.raw(if self.opened { b"}" } else { b"{}" });
    }
}

fn write_user(sink: &mut impl JsonSink, identity: &Identity) {
    let profile = identity.profile();
    let fields: [(&[u8], &Option<String>); 3] = [
        (key!("email"), &profile.email),
        (key!("name"), &profile.name),
        (key!("avatar"), &profile.avatar),
    ];
    let mut members = Members::new();
    for (key, value) in fields {
        if let Some(value) = value {
            members.key(sink, key);
            sink.string(value);
        }
    }
    members.close(sink);
}

fn write_string_array<'s>(sink: &mut impl JsonSink, items: impl Iterator<Item = &'s str>) {
    sink.raw(b"[");
    for (index, item) in items.enumerate() {
        if index > 0 {
            sink.raw(b",");
        }
        sink.string(item);
    }
    sink.raw(b"]");
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn classifying_by_words_agrees_with_classifying_by_bytes(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::prelude::any::<u8>(),
                    0x20u8..0x7f,
                    proptest::sample::select(vec![b'"', b'\\', b'>', b'?', b'~', 0x7f, 0x1f]),
                ],
                0..40,
            ),
        ) {
            let escape = bytes.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\');
            let risky = bytes.iter().any(|&b| b >= 0x7f || matches!(b, b'>' | b'?' | b'~'));
            proptest::prop_assert_eq!(classify(&bytes), u8::from(escape) | u8::from(risky) << 1);
        }
    }

    #[test]
    fn eight_digits_in_one_word_agree_with_rust() {
        let edges = [0, 1, 9, 10, 99, 100, 9_999, 10_000, 10_001, 99_999_999];
        // About 12,600 values spread over the whole range; the stride is prime to ten, so they end
        // in every digit.
        let strided = (0..100_000_000u32).step_by(7_919);
        for value in edges.into_iter().chain(strided) {
            assert_eq!(
                eight_digits(value),
                *format!("{value:08}").as_bytes(),
                "{value}"
            );
        }
    }

    #[test]
    fn ten_digit_numbers_are_written_as_rust_formats_them() {
        let edges = [
            999_999_999,
            1_000_000_000,
            1_648_807_662,
            1_999_999_999,
            4_294_967_296,
            9_999_999_999,
            10_000_000_000,
        ];
        let strided = (1_000_000_000..10_000_000_000u64).step_by(70_001);
        for value in edges.into_iter().chain(strided) {
            let mut json = CompactJson::default();
            json.number(value);
            assert_eq!(json.bytes, value.to_string().into_bytes(), "{value}");
        }
    }

    #[test]
    fn numbers_are_written_as_rust_formats_them() {
        let edges = [
            99,
            100,
            101,
            999,
            1_000,
            1_648_807_662,
            u64::MAX - 1,
            u64::MAX,
        ];
        for value in (0..=100_000).chain(edges) {
            let mut digits = [0u8; 20];
            assert_eq!(decimal(value, &mut digits), value.to_string().as_bytes());
        }
    }
}
