//! Credentials: a CKEditor Cloud Services environment (ID and access key) and the on-premises
//! secret key.
//!
//! Keys are secrets. Their `Debug` output is redacted, and no error or log line ever contains
//! them: errors name the setting that was wrong, never its value.

use std::ffi::OsString;
use std::fmt;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::key_search::KeySearch;

/// The environment variable holding the environment ID.
pub const ENVIRONMENT_ID_VAR: &str = "CKEDITOR_ENVIRONMENT_ID";
/// The environment variable holding the environment's access key.
pub const ACCESS_KEY_VAR: &str = "CKEDITOR_ACCESS_KEY";
/// The environment variable holding the on-premises server's secret key.
pub const SECRET_KEY_VAR: &str = "CKEDITOR_SECRET_KEY";

/// The longest environment ID accepted, in bytes.
pub const MAX_ENVIRONMENT_ID_LEN: usize = 64;
/// Keys shorter than this many bytes are accepted with a warning.
pub const RECOMMENDED_KEY_LEN: usize = 32;
/// An environment ID of at least this many letters and digits beside a key of at most
/// [`SWAPPED_KEY_LEN`] letters and digits is taken for the two swapped (the portal's IDs have 20,
/// its keys 60).
const SWAPPED_ID_LEN: usize = 40;
/// See [`SWAPPED_ID_LEN`].
const SWAPPED_KEY_LEN: usize = 24;
/// The shortest key looked for where it must not be (inside an environment ID, a token, a
/// token's path): a shorter one could turn up in ordinary text by chance.
pub const MIN_KEY_SEARCHED_LEN: usize = 8;
/// The longest key accepted, in bytes.
pub const MAX_KEY_LEN: usize = 1024;

const ENVIRONMENT_ID_WHAT: &str = "the environment ID from the CKEditor Customer Portal";
const ACCESS_KEY_WHAT: &str = "an access key of the environment (CKEditor Customer Portal)";
const SECRET_KEY_WHAT: &str = "the SECRET_KEY the on-premises CKEditor server was started with";

/// The ID of a CKEditor Cloud Services environment: the `aud` of every cloud token.
///
/// Letters, digits, `-`, `_` and `.`, at most [`MAX_ENVIRONMENT_ID_LEN`] bytes.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EnvironmentId(Arc<str>);

impl EnvironmentId {
    /// Whether `key` may be this environment's access key, as every token shows the ID to the
    /// browser as its `aud`: not when it is the ID, when the ID holds it (a key of
    /// [`MIN_KEY_SEARCHED_LEN`] bytes or more, in any letter case), or when the ID has the shape
    /// of a key (40 letters and digits or more) and the key that of an ID (24 characters or fewer,
    /// each one an ID may have), the two pasted in each other's place. The key is compared
    /// without whitespace around it; `setting` names the ID in the error.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidEnvironmentId`], saying which of the three it is, never quoting either.
    pub fn check_key(&self, setting: &str, key: &str) -> Result<()> {
        let key = key.trim();
        let id = self.as_str();
        let problem = if key == id {
            "it is the same value as the access key, so one was pasted in place of the other \
             (tokens show the ID to every browser, and the key must stay secret)"
        } else if KeySearch::new(key.as_bytes())
            .is_some_and(|search| search.is_in(id.as_bytes(), &mut Vec::new()))
        {
            "it holds the access key (tokens show the ID to every browser, and the key must stay \
             secret)"
        } else if looks_swapped(id, key) {
            "it looks like an access key, and the access key like an ID, so the two look swapped \
             (tokens show the ID to every browser, and the key must stay secret)"
        } else {
            return Ok(());
        };
        Err(Error::InvalidEnvironmentId {
            setting: setting.into(),
            problem,
        })
    }

    /// Checks and wraps an environment ID.
    ///
    /// # Errors
    ///
    /// [`Error::EmptySetting`] for an empty or blank ID, [`Error::InvalidEnvironmentId`] for one
    /// that is too long or has characters other than letters, digits, `-`, `_` and `.`.
    pub fn new(id: &str) -> Result<Self> {
        Self::from_setting("environment ID", id)
    }

    fn from_setting(setting: &str, id: &str) -> Result<Self> {
        let invalid = |problem| Error::InvalidEnvironmentId {
            setting: setting.into(),
            problem,
        };
        if id.trim().is_empty() {
            return Err(Error::EmptySetting {
                setting: setting.into(),
                what: ENVIRONMENT_ID_WHAT,
            });
        }
        if id.len() > MAX_ENVIRONMENT_ID_LEN {
            return Err(invalid("it is longer than 64 bytes"));
        }
        if id.trim() != id {
            return Err(invalid(
                "it starts or ends with whitespace; give the ID without it",
            ));
        }
        let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
        if !id.bytes().all(allowed) {
            return Err(invalid(
                "only letters, digits, '-', '_' and '.' are allowed",
            ));
        }
        Ok(EnvironmentId(id.into()))
    }

    /// The ID as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for EnvironmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for EnvironmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An HMAC key: an environment's access key or an on-premises secret key.
///
/// The bytes are never printed; `Debug` shows only the length. Two keys are compared through
/// all their bytes, without stopping at the first that differs.
#[derive(Clone)]
pub struct SigningKey(Arc<[u8]>);

impl PartialEq for SigningKey {
    fn eq(&self, other: &Self) -> bool {
        let (ours, theirs) = (&self.0, &other.0);
        // A length is no secret; the bytes are read to the end whatever they hold.
        let difference = ours
            .iter()
            .zip(theirs.iter())
            .fold(0_u8, |difference, (a, b)| {
                std::hint::black_box(difference | (a ^ b))
            });
        ours.len() == theirs.len() && difference == 0
    }
}

impl Eq for SigningKey {}

impl SigningKey {
    /// `advice` ends the warning for a key shorter than [`RECOMMENDED_KEY_LEN`] bytes.
    fn from_setting(
        setting: &str,
        what: &'static str,
        advice: &'static str,
        key: &str,
    ) -> Result<Self> {
        if key.trim().is_empty() {
            return Err(Error::EmptySetting {
                setting: setting.into(),
                what,
            });
        }
        if key.len() > MAX_KEY_LEN {
            return Err(Error::InvalidKey {
                setting: setting.into(),
                problem: "it is longer than 1024 bytes; check what was pasted",
            });
        }
        if key.len() < RECOMMENDED_KEY_LEN {
            tracing::warn!(
                setting,
                length = key.len(),
                "the key is shorter than {RECOMMENDED_KEY_LEN} bytes; {advice}"
            );
        }
        Ok(SigningKey(key.as_bytes().into()))
    }

    /// Checks an environment's access key alone, as [`Environment::new`] checks it beside its
    /// ID: for checking tokens with a key when there is no ID to go with it.
    ///
    /// # Errors
    ///
    /// As [`Environment::new`] for the key: [`Error::EmptySetting`] for an empty or blank key,
    /// [`Error::InvalidKey`] for one over 1024 bytes, with whitespace around it, or with a
    /// character other than printable ASCII in it.
    pub fn access_key(key: &str) -> Result<Self> {
        SigningKey::checked_access_key("access key", key)
    }

    /// [`SigningKey::access_key`], with `setting` naming the key in errors.
    fn checked_access_key(setting: &str, key: &str) -> Result<Self> {
        if key.trim().is_empty() {
            return Err(Error::EmptySetting {
                setting: setting.into(),
                what: ACCESS_KEY_WHAT,
            });
        }
        let not_printable_ascii = || {
            (!key.bytes().all(|byte| matches!(byte, b' '..=b'~'))).then_some(
                "it holds a character other than printable ASCII, which the portal's keys never \
                 have; check that only the key was copied",
            )
        };
        if let Some(problem) = SigningKey::stray_characters(key).or_else(not_printable_ascii) {
            return Err(Error::InvalidKey {
                setting: setting.into(),
                problem,
            });
        }
        // An access key comes from the portal.
        SigningKey::from_setting(
            setting,
            ACCESS_KEY_WHAT,
            "keys from the CKEditor Customer Portal are longer, so check that the whole key was \
             copied",
            key,
        )
    }

    /// What is wrong with `key` for an access key, whose every character the portal chose:
    /// whitespace around it (a line break left by reading it from a file, say), a control
    /// character in it, or an invisible one (a byte-order mark, a zero-width space). Every token
    /// would be signed with it and refused by the cloud.
    fn stray_characters(key: &str) -> Option<&'static str> {
        if key.trim() != key {
            return Some(
                "it starts or ends with whitespace (a line break left by reading it from a file, \
                 say), which would become part of the signing key; remove it",
            );
        }
        if key.chars().any(char::is_control) {
            return Some(
                "it holds a line break or another control character; check that only the key \
                 was copied",
            );
        }
        key.chars().any(is_invisible).then_some(
            "it holds an invisible character (a byte-order mark or a zero-width space, say), \
             which would become part of the signing key; remove it",
        )
    }

    /// The key's bytes, for signing and verifying.
    pub fn expose_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// Characters that show as nothing or as a line break: the byte-order mark, zero-width spaces
/// and joiners, the word joiner and invisible operators, the soft hyphen, the text-direction
/// marks, the line and paragraph separators, variation selectors, tags and fillers.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{34f}'
            | '\u{61c}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{feff}'
            | '\u{e0000}'..='\u{e007f}'
    )
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey([redacted; {} bytes])", self.0.len())
    }
}

/// A CKEditor Cloud Services environment: its ID and one of its access keys.
///
/// ```
/// use ckeditor_token_core::Environment;
///
/// let environment =
///     Environment::new("LJRQ1bju55p6a47RwadH", "an access key of 32 bytes or more")?;
/// assert_eq!(environment.id().as_str(), "LJRQ1bju55p6a47RwadH");
/// assert!(!format!("{environment:?}").contains("access key of"));
/// # Ok::<(), ckeditor_token_core::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Environment {
    id: EnvironmentId,
    access_key: SigningKey,
}

impl Environment {
    /// An environment from its ID and access key, both from the CKEditor Customer Portal.
    ///
    /// To try an app without an account, any ID of letters and digits and a key of 32 bytes or
    /// more sign tokens that decode and verify locally; CKEditor Cloud Services accepts only the
    /// portal's.
    ///
    /// # Errors
    ///
    /// [`Error::EmptySetting`] for an empty or blank ID or key; [`Error::InvalidEnvironmentId`]
    /// for an ID over 64 bytes, with characters other than letters, digits, `-`, `_` and `.`,
    /// the same as the key or holding it (a key of 8 bytes or more), or shaped like a key (40
    /// letters and digits or more) beside a key shaped like an ID (24 characters or fewer, each
    /// one an ID may have: letters, digits, `-`, `_`, `.`), which is the two
    /// swapped (every token would then show the key to the browser as its `aud`);
    /// [`Error::InvalidKey`] for a key over 1024 bytes, with whitespace around it (such as the
    /// line break that reading it from a file can leave), or with a character other than
    /// printable ASCII in it (a control character, a byte-order mark), all of which would become
    /// part of the signing key and make the cloud refuse every token. A key under 32 bytes is
    /// accepted with a warning in the log.
    pub fn new(id: &str, access_key: &str) -> Result<Self> {
        Self::pair(
            ["environment ID", "access key"],
            EnvironmentId::new(id)?,
            access_key,
        )
    }

    /// The environment of `id` and `key`, unless the key is blank, is the ID, or has stray
    /// characters. The settings name the ID and the key in errors.
    fn pair([id_setting, key_setting]: [&str; 2], id: EnvironmentId, key: &str) -> Result<Self> {
        if key.trim().is_empty() {
            return Err(Error::EmptySetting {
                setting: key_setting.into(),
                what: ACCESS_KEY_WHAT,
            });
        }
        // Before the key's own checks, since a padded key that is the ID is the ID pasted in
        // place of the key.
        id.check_key(id_setting, key)?;
        let access_key = SigningKey::checked_access_key(key_setting, key)?;
        Ok(Environment { id, access_key })
    }

    /// The environment named by `CKEDITOR_ENVIRONMENT_ID` and `CKEDITOR_ACCESS_KEY`.
    ///
    /// # Errors
    ///
    /// A missing, empty or blank variable, or one that is not UTF-8, named in the error; a
    /// malformed ID or key, or an ID that is or holds the key or looks swapped with it, as
    /// [`Environment::new`].
    pub fn from_env() -> Result<Self> {
        Self::from_os_lookup(|name| std::env::var_os(name))
    }

    /// [`Environment::from_lookup`] over variables that may not be UTF-8.
    fn from_os_lookup(lookup: impl Fn(&str) -> Option<OsString>) -> Result<Self> {
        if not_text(&lookup, ENVIRONMENT_ID_VAR) {
            return Err(Error::InvalidEnvironmentId {
                setting: ENVIRONMENT_ID_VAR.into(),
                problem: NOT_TEXT,
            });
        }
        if not_text(&lookup, ACCESS_KEY_VAR) {
            return Err(Error::InvalidKey {
                setting: ACCESS_KEY_VAR.into(),
                problem: NOT_TEXT,
            });
        }
        Self::from_lookup(|name| lookup(name).and_then(|value| value.into_string().ok()))
    }

    /// The environment named by `CKEDITOR_ENVIRONMENT_ID` and `CKEDITOR_ACCESS_KEY`, read through
    /// `lookup` (for configuration layered over the process environment, and for tests).
    ///
    /// # Errors
    ///
    /// A missing, empty or blank setting, named in the error; a malformed ID or key, or an ID
    /// that is or holds the key or looks swapped with it, as [`Environment::new`].
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let id = required(&lookup, ENVIRONMENT_ID_VAR, ENVIRONMENT_ID_WHAT)?;
        let key = required(&lookup, ACCESS_KEY_VAR, ACCESS_KEY_WHAT)?;
        Self::pair(
            [ENVIRONMENT_ID_VAR, ACCESS_KEY_VAR],
            EnvironmentId::from_setting(ENVIRONMENT_ID_VAR, &id)?,
            &key,
        )
    }

    /// The environment ID, written to `aud`.
    pub fn id(&self) -> &EnvironmentId {
        &self.id
    }

    /// The access key that signs this environment's tokens.
    pub fn access_key(&self) -> &SigningKey {
        &self.access_key
    }
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Environment")
            .field("id", &self.id)
            .field("access_key", &self.access_key)
            .finish()
    }
}

/// The secret key of an on-premises CKEditor server (its `SECRET_KEY`), which signs the tokens
/// of the on-premises PDF and DOCX converters.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SecretKey(SigningKey);

impl SecretKey {
    /// Wraps a secret key. It is used as written, as the server uses its `SECRET_KEY`: whitespace
    /// around it, or a control or invisible character in it, is kept, with a warning in the log.
    ///
    /// # Errors
    ///
    /// An empty or blank key, or one over 1024 bytes.
    pub fn new(key: &str) -> Result<Self> {
        SecretKey::from_setting("secret key", key)
    }

    /// The key named by `CKEDITOR_SECRET_KEY`.
    ///
    /// # Errors
    ///
    /// A missing, empty or blank variable, or one that is not UTF-8, named in the error.
    pub fn from_env() -> Result<Self> {
        Self::from_os_lookup(|name| std::env::var_os(name))
    }

    /// [`SecretKey::from_lookup`] over a variable that may not be UTF-8.
    fn from_os_lookup(lookup: impl Fn(&str) -> Option<OsString>) -> Result<Self> {
        if not_text(&lookup, SECRET_KEY_VAR) {
            return Err(Error::InvalidKey {
                setting: SECRET_KEY_VAR.into(),
                problem: NOT_TEXT,
            });
        }
        Self::from_lookup(|name| lookup(name).and_then(|value| value.into_string().ok()))
    }

    /// The key named by `CKEDITOR_SECRET_KEY`, read through `lookup`.
    ///
    /// # Errors
    ///
    /// A missing, empty or blank setting, named in the error.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let key = required(&lookup, SECRET_KEY_VAR, SECRET_KEY_WHAT)?;
        SecretKey::from_setting(SECRET_KEY_VAR, &key)
    }

    /// The key itself.
    pub fn key(&self) -> &SigningKey {
        &self.0
    }

    /// The secret key of `setting`. The on-premises server signs with its `SECRET_KEY` as
    /// written, so whitespace or a control character in it is used too, with a warning.
    fn from_setting(setting: &str, key: &str) -> Result<Self> {
        // A secret key is the on-premises server's own.
        let signing_key = SigningKey::from_setting(
            setting,
            SECRET_KEY_WHAT,
            "HS256 asks for a key of at least as many bytes as its hash, so give the on-premises \
             server a longer one",
            key,
        )?;
        if SigningKey::stray_characters(key).is_some() {
            tracing::warn!(
                setting,
                "the key starts or ends with whitespace or holds a control or invisible \
                 character, which is used as part of the key; check that it is the server's \
                 SECRET_KEY as written"
            );
        }
        Ok(SecretKey(signing_key))
    }
}

/// The problem of a variable that is set, but not to UTF-8 text.
const NOT_TEXT: &str = "it is not UTF-8 text";

/// Whether `name` is set, but not to UTF-8 text (which `std::env::var` would call not set).
fn not_text(lookup: &impl Fn(&str) -> Option<OsString>, name: &str) -> bool {
    lookup(name).is_some_and(|value| value.to_str().is_none())
}

/// The portal's IDs are 20 letters and digits and its keys 60: an ID of a key's shape beside a
/// key of an ID's shape (short, and written as an ID may be, such as `test-env`) is the two
/// pasted in each other's place. IDs and keys of other shapes (a staging ID with dashes beside a
/// short development key, a key with other characters) are no such sign.
fn looks_swapped(id: &str, key: &str) -> bool {
    let alphanumeric = |text: &str| text.bytes().all(|b| b.is_ascii_alphanumeric());
    let id_like = |text: &str| {
        text.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    id.len() >= SWAPPED_ID_LEN
        && alphanumeric(id)
        && (1..=SWAPPED_KEY_LEN).contains(&key.len())
        && id_like(key)
}

fn required(
    lookup: &impl Fn(&str) -> Option<String>,
    setting: &str,
    what: &'static str,
) -> Result<String> {
    match lookup(setting) {
        None => Err(Error::MissingSetting {
            setting: setting.into(),
            what,
        }),
        Some(value) if value.trim().is_empty() => Err(Error::EmptySetting {
            setting: setting.into(),
            what,
        }),
        Some(value) => Ok(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    const KEY: &str = "0123456789abcdef0123456789abcdef-secret";

    /// The rules of equality; that the comparison reads every byte is the implementation's, which
    /// a test cannot time.
    #[test]
    fn keys_are_equal_exactly_when_their_bytes_are() {
        let key = |text: &str| SigningKey::access_key(text).expect("a key");
        assert_eq!(key(KEY), key(KEY));
        let mut last_differs = KEY.to_owned();
        last_differs.replace_range(KEY.len() - 1.., "T");
        let mut first_differs = KEY.to_owned();
        first_differs.replace_range(..1, "9");
        for other in [
            last_differs.as_str(),
            first_differs.as_str(),
            &KEY[..KEY.len() - 1],
            &format!("{KEY}x"),
        ] {
            assert_ne!(key(KEY), key(other), "{other}");
        }
        assert_eq!(
            Environment::new("E1", KEY).expect("environment"),
            Environment::new("E1", KEY).expect("environment")
        );
    }

    #[test]
    fn a_key_of_1024_bytes_is_the_longest_accepted() {
        assert!(Environment::new("E1", &"k".repeat(1024)).is_ok());
        let refused = Environment::new("E1", &"k".repeat(1025)).expect_err("too long");
        assert!(
            refused.to_string().contains("longer than 1024 bytes"),
            "{refused}"
        );
    }

    #[test]
    fn a_blank_id_is_named_before_a_missing_key() {
        let blank = Environment::from_lookup(lookup(&[(ENVIRONMENT_ID_VAR, " ")]));
        assert_eq!(
            blank.expect_err("blank"),
            Error::EmptySetting {
                setting: ENVIRONMENT_ID_VAR.to_owned(),
                what: ENVIRONMENT_ID_WHAT,
            }
        );
    }

    #[test]
    fn debug_and_display_show_the_id_and_the_key_length() {
        let environment = Environment::new("E1", KEY).expect("environment");
        assert_eq!(format!("{:?}", environment.id()), r#""E1""#);
        assert_eq!(environment.id().to_string(), "E1");
        assert_eq!(
            format!("{:?}", environment.access_key()),
            "SigningKey([redacted; 39 bytes])"
        );
        assert_eq!(
            format!("{environment:?}"),
            r#"Environment { id: "E1", access_key: SigningKey([redacted; 39 bytes]) }"#
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_variable_that_is_not_utf8_is_named_as_such_not_as_unset() {
        use std::os::unix::ffi::OsStringExt as _;
        let broken = || Some(OsString::from_vec(b"ENV\xff".to_vec()));
        let text = |value: &str| Some(OsString::from(value));
        let id_broken = Environment::from_os_lookup(|name| match name {
            ENVIRONMENT_ID_VAR => broken(),
            _ => text(KEY),
        });
        assert_eq!(
            id_broken.expect_err("not UTF-8").to_string(),
            "CKEDITOR_ENVIRONMENT_ID is not valid: it is not UTF-8 text; copy the environment ID \
             from the CKEditor Customer Portal"
        );
        let key_broken = Environment::from_os_lookup(|name| match name {
            ACCESS_KEY_VAR => broken(),
            _ => text("ENV_1"),
        });
        assert_eq!(
            key_broken.expect_err("not UTF-8").to_string(),
            "CKEDITOR_ACCESS_KEY is not usable: it is not UTF-8 text"
        );
        let secret_broken = SecretKey::from_os_lookup(|_| broken());
        assert_eq!(
            secret_broken.expect_err("not UTF-8").to_string(),
            "CKEDITOR_SECRET_KEY is not usable: it is not UTF-8 text"
        );
        // An unset variable is called unset, and text is read.
        let unset = SecretKey::from_os_lookup(|_| None).expect_err("unset");
        assert!(
            unset
                .to_string()
                .starts_with("CKEDITOR_SECRET_KEY is not set"),
            "{unset}"
        );
        let both = Environment::from_os_lookup(|name| match name {
            ENVIRONMENT_ID_VAR => text("ENV_1"),
            _ => text(KEY),
        });
        assert_eq!(both.expect("both text").id().as_str(), "ENV_1");
    }

    #[test]
    fn loads_both_variables() {
        let env = Environment::from_lookup(lookup(&[
            (ENVIRONMENT_ID_VAR, "ENV_TEST_123"),
            (ACCESS_KEY_VAR, KEY),
        ]))
        .expect("valid settings");
        assert_eq!(env.id().as_str(), "ENV_TEST_123");
        assert_eq!(env.access_key().expose_bytes(), KEY.as_bytes());
    }

    #[test]
    fn missing_empty_and_blank_settings_are_named() {
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
        let cases: [Case<'_>; 5] = [
            (&[(ACCESS_KEY_VAR, KEY)], ENVIRONMENT_ID_VAR, "is not set"),
            (&[(ENVIRONMENT_ID_VAR, "E1")], ACCESS_KEY_VAR, "is not set"),
            (
                &[(ENVIRONMENT_ID_VAR, "E1"), (ACCESS_KEY_VAR, "")],
                ACCESS_KEY_VAR,
                "is empty",
            ),
            (
                &[(ENVIRONMENT_ID_VAR, "E1"), (ACCESS_KEY_VAR, " \t ")],
                ACCESS_KEY_VAR,
                "is empty",
            ),
            (
                &[(ENVIRONMENT_ID_VAR, "  "), (ACCESS_KEY_VAR, KEY)],
                ENVIRONMENT_ID_VAR,
                "is empty",
            ),
        ];
        for (pairs, setting, phrase) in cases {
            let message = Environment::from_lookup(lookup(pairs))
                .expect_err("bad")
                .to_string();
            assert!(message.starts_with(setting), "{message}");
            assert!(message.contains(phrase), "{message}");
        }
    }

    #[test]
    fn malformed_environment_ids_are_rejected() {
        for id in ["has space", "quote\"", "ünï", &"x".repeat(65)] {
            assert!(
                matches!(
                    EnvironmentId::new(id),
                    Err(Error::InvalidEnvironmentId { .. })
                ),
                "{id}"
            );
        }
        assert!(EnvironmentId::new(&"x".repeat(64)).is_ok());

        let padded = EnvironmentId::new(" env1 ")
            .expect_err("padded")
            .to_string();
        assert!(
            padded.contains("starts or ends with whitespace"),
            "{padded}"
        );
    }

    #[test]
    fn an_access_key_alone_is_checked_as_beside_its_id() {
        let key = "w1lnWEN63FPKxBNmxHN7WpfW2IoYVYca5moqIUKfWesL1Ykwv34iR5xwfWLy";
        let checked = SigningKey::access_key(key).expect("the portal's key");
        assert_eq!(checked.expose_bytes(), key.as_bytes());
        for (bad, problem) in [
            (format!("{key}\n"), "starts or ends with whitespace"),
            (format!("\u{feff}{key}"), "invisible character"),
            (format!("{key}é"), "other than printable ASCII"),
        ] {
            let message = SigningKey::access_key(&bad)
                .expect_err("refused")
                .to_string();
            assert!(message.starts_with("access key is not usable"), "{message}");
            assert!(message.contains(problem), "{message}");
            assert!(!message.contains(key), "{message}");
        }
        assert!(matches!(
            SigningKey::access_key(" "),
            Err(Error::EmptySetting { .. })
        ));
    }

    #[test]
    fn an_id_and_a_key_pasted_in_each_others_place_are_refused() {
        // The golden example's ID and key, swapped.
        const ID: &str = "LJRQ1bju55p6a47RwadH";
        const KEY: &str = "w1lnWEN63FPKxBNmxHN7WpfW2IoYVYca5moqIUKfWesL1Ykwv34iR5xwfWLy";
        let message =
            Environment::from_lookup(lookup(&[(ENVIRONMENT_ID_VAR, KEY), (ACCESS_KEY_VAR, ID)]))
                .expect_err("swapped")
                .to_string();
        assert!(
            message
                .starts_with("CKEDITOR_ENVIRONMENT_ID is not valid: it looks like an access key"),
            "{message}"
        );
        assert!(message.contains("look swapped"), "{message}");
        assert!(!message.contains(KEY) && !message.contains(ID), "{message}");
        assert!(Environment::new(ID, KEY).is_ok());
        // A short key written as an ID may be, beside a key-shaped ID: swapped too. A short key
        // with other characters, or beside an ID of an ID's shape, is a development key.
        for key in ["test-env", "test_env.2", "dev"] {
            let swapped = Environment::new(KEY, key).expect_err(key).to_string();
            assert!(swapped.contains("look swapped"), "{key}: {swapped}");
        }
        assert!(Environment::new(KEY, "dev key!").is_ok());
        assert!(Environment::new("staging-env-1", "test-env").is_ok());
        // An ID that holds the key shows it too.
        let message = Environment::new(&format!("x{KEY}"), KEY)
            .expect_err("the key inside the ID")
            .to_string();
        assert!(message.contains("it holds the access key"), "{message}");
        assert!(!message.contains(KEY), "{message}");
        // In other letter case too: the key's spellings are few enough to try.
        let lowered = Environment::new(&format!("x{}", KEY.to_lowercase()), KEY);
        assert!(lowered.is_err_and(|error| error.to_string().contains("it holds the access key")));
        // A development key of 8 bytes too, though not a shorter one.
        let message = Environment::new("env-Sh0rtKey", "Sh0rtKey")
            .expect_err("the key inside the ID")
            .to_string();
        assert!(message.contains("it holds the access key"), "{message}");
        assert!(Environment::new("env-key", "key").is_ok());
        // An ID of a key's shape is no sign of a swap beside an empty key.
        let long_id = EnvironmentId::new(&"a".repeat(40)).expect("an ID");
        assert_eq!(long_id.check_key("ID", " "), Ok(()));
        assert!(long_id.check_key("ID", "ABCDEFGH").is_err());
        // A short development key beside a short ID, a long ID beside a long key, or a long
        // staging ID with dashes beside a short development key, is no swap.
        assert!(Environment::new("dev-env", "short-dev-key").is_ok());
        assert!(Environment::new(&"i".repeat(40), &"k".repeat(40)).is_ok());
        assert!(Environment::new("acme-staging-collaboration-env-01", "dev-secret-key-01").is_ok());
    }

    #[test]
    fn the_access_key_is_refused_as_the_environment_id() {
        const ID_LIKE_KEY: &str = "Zq9SecretAccessKey-7f3a1c2d4e5b6a7980abcdef";
        for key in [ID_LIKE_KEY.to_owned(), format!(" {ID_LIKE_KEY}\n")] {
            let message = Environment::from_lookup(lookup(&[
                (ENVIRONMENT_ID_VAR, ID_LIKE_KEY),
                (ACCESS_KEY_VAR, &key),
            ]))
            .expect_err("the key as the ID")
            .to_string();
            assert!(
                message.starts_with(
                    "CKEDITOR_ENVIRONMENT_ID is not valid: it is the same value as the access key"
                ),
                "{message}"
            );
            assert!(!message.contains(ID_LIKE_KEY), "{message}");
            assert!(matches!(
                Environment::new(ID_LIKE_KEY, &key),
                Err(Error::InvalidEnvironmentId { .. })
            ));
        }
        // A key that only starts with the ID is another value.
        let key = format!("{ID_LIKE_KEY}-more");
        assert!(Environment::new(ID_LIKE_KEY, &key).is_ok());
    }

    #[test]
    fn a_padded_access_key_is_refused_naming_its_setting() {
        let cases = [
            (format!("{KEY}\n"), "starts or ends with whitespace"),
            (format!(" {KEY}"), "starts or ends with whitespace"),
            (format!("{KEY}\u{a0}"), "starts or ends with whitespace"),
            (format!("{KEY}\r\n{KEY}"), "control character"),
            (format!("{KEY}\u{7f}x"), "control character"),
            (format!("\u{feff}{KEY}"), "invisible character"),
            (format!("{KEY}\u{200b}"), "invisible character"),
            (format!("{KEY}\u{2028}x"), "invisible character"),
            (format!("{KEY}\u{61c}x"), "invisible character"),
            (format!("{KEY}\u{fe0f}x"), "invisible character"),
            (format!("schlüssel-{KEY}"), "other than printable ASCII"),
        ];
        for (key, phrase) in cases {
            let from_env = Environment::from_lookup(lookup(&[
                (ENVIRONMENT_ID_VAR, "E1"),
                (ACCESS_KEY_VAR, &key),
            ]))
            .expect_err("padded key");
            let direct = Environment::new("E1", &key).expect_err("padded key");
            for (error, setting) in [(from_env, ACCESS_KEY_VAR), (direct, "access key")] {
                assert!(matches!(error, Error::InvalidKey { .. }), "{error:?}");
                let message = error.to_string();
                assert!(
                    message.starts_with(&format!("{setting} is not usable: it ")),
                    "{message}"
                );
                assert!(message.contains(phrase), "{message}");
                assert!(!message.contains(KEY), "{message}");
            }
        }
        // Spaces inside a key are the key's own; the on-premises secret is used as written.
        assert!(Environment::new("E1", "an access key of 32 bytes or more").is_ok());
        assert!(SecretKey::new(&format!("{KEY}\n")).is_ok());
    }

    #[test]
    fn debug_output_hides_keys() {
        let env = Environment::new("E1", KEY).expect("valid");
        let secret = SecretKey::new(KEY).expect("valid");
        for text in [
            format!("{env:?}"),
            format!("{secret:?}"),
            format!("{env:#?}"),
        ] {
            assert!(!text.contains(KEY), "{text}");
            assert!(!text.contains("0123456789"), "{text}");
        }
    }

    #[test]
    fn secret_key_settings() {
        let missing = SecretKey::from_lookup(lookup(&[]))
            .expect_err("missing")
            .to_string();
        assert!(missing.starts_with(SECRET_KEY_VAR), "{missing}");
        let blank = SecretKey::from_lookup(lookup(&[(SECRET_KEY_VAR, "\n")])).expect_err("blank");
        assert!(matches!(blank, Error::EmptySetting { .. }));
    }
}
