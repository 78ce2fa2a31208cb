//! Inspection: decode any token, check its signature, and list every rule of the spec it breaks.
//!
//! This is for tokens from anywhere (another backend, a log, a bug report), so nothing is
//! assumed about how they were made. [`inspect`] fails only when the text is not a JWT at all;
//! everything else becomes a [`Finding`].

use std::fmt;

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::grants::{AiScope, CkboxRole, DocumentKey, Permission, Role};
use crate::identity::{self, field};
use crate::key_search::KeySearch;

const DAY: u64 = 24 * 60 * 60;
/// `exp` or `iat` values from here on are taken for milliseconds: as seconds they would lie
/// beyond the year 5000.
const MILLISECONDS_FROM: u64 = 100_000_000_000;

const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// What the token is checked against: [`Expectations::at`] the time of the inspection, with what
/// else is known.
///
/// ```
/// use ckeditor_token_core::Expectations;
///
/// let expect = Expectations::at(1_700_000_000)
///     .with_key(b"the environment's access key")
///     .with_environment_id("LJRQ1bju55p6a47RwadH");
/// assert_eq!(expect.environment_id, Some("LJRQ1bju55p6a47RwadH"));
/// assert!(!expect.on_premises);
/// ```
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct Expectations<'a> {
    /// The key to verify the signature with; without it the signature is not checked.
    pub key: Option<&'a [u8]>,
    /// The environment the token should be for (`aud`); without it `aud` is only checked for
    /// its form.
    pub environment_id: Option<&'a str>,
    /// The current time, in Unix seconds.
    pub now: u64,
    /// The token is for an on-premises converter, which takes `iat` only, or an empty payload:
    /// a missing `aud` is no finding, and every other claim is one.
    pub on_premises: bool,
}

impl<'a> Expectations<'a> {
    /// Expectations at `now`, in Unix seconds: no key (the signature is not checked), no
    /// environment (`aud` is checked for its form only), a cloud token.
    pub fn at(now: u64) -> Self {
        Expectations {
            key: None,
            environment_id: None,
            now,
            on_premises: false,
        }
    }

    /// Verifies the signature with `key`.
    #[must_use]
    pub fn with_key(mut self, key: &'a [u8]) -> Self {
        self.key = Some(key);
        self
    }

    /// Expects a token for the environment `id`.
    #[must_use]
    pub fn with_environment_id(mut self, id: &'a str) -> Self {
        self.environment_id = Some(id);
        self
    }

    /// Expects a token for an on-premises converter.
    #[must_use]
    pub fn for_on_premises(mut self) -> Self {
        self.on_premises = true;
        self
    }
}

/// The key is shown as `[key]`, or `None`.
impl fmt::Debug for Expectations<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Expectations")
            .field("key", &self.key.map(|_| format_args!("[key]")))
            .field("environment_id", &self.environment_id)
            .field("now", &self.now)
            .field("on_premises", &self.on_premises)
            .finish()
    }
}

/// The outcome of checking the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureCheck {
    /// No key was given.
    NotChecked,
    /// HS256 with the given key matches.
    Valid,
    /// The signature does not match the key, or the header names another algorithm.
    Invalid,
}

/// A rule of the spec that a token breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Finding {
    /// The header's `alg` is not `HS256`.
    Algorithm {
        /// The `alg` found, as JSON.
        found: String,
    },
    /// The header's `typ` is not `JWT`.
    Type {
        /// The `typ` found, as JSON.
        found: String,
    },
    /// The header has a member that changes how the token must be verified: `crit`, which
    /// makes a verifier refuse the token unless it knows the extensions named, `b64`, which
    /// changes what the signature covers, or `jwk`, `jku`, `x5c` or `x5u`, which give a key (or
    /// where to fetch one) that a verifier trusting them checks the token with, whoever made it;
    /// `jwk` can also carry the key itself. CKEditor's header is `{"typ":"JWT","alg":"HS256"}`.
    HeaderMember {
        /// The member's name.
        name: &'static str,
    },
    /// The signature does not verify with the given key.
    BadSignature,
    /// The header names HS256, but the signature segment is not the base64url of 32 bytes (43
    /// characters), the length of every HS256 signature: empty, cut short or not base64url.
    /// Found with a key or without one; with one, it is reported instead of
    /// [`Finding::BadSignature`].
    SignatureMalformed,
    /// The payload segment has `-` or `_`, so the browser's `atob()` cannot decode it.
    PayloadNotAtobSafe,
    /// There is no `aud` (cloud tokens need the environment ID there).
    AudienceMissing,
    /// `aud` is an array; the cloud wants a string.
    AudienceArray,
    /// `aud` is neither a string nor an array.
    AudienceNotString,
    /// `aud` names another environment.
    AudienceMismatch {
        /// The expected environment ID.
        expected: String,
        /// The `aud` found.
        found: String,
    },
    /// `aud` is the key the token is checked with: whoever holds the token can read the key
    /// and sign tokens of their own.
    AudienceIsKey,
    /// A value or name in the header or the claims holds the key the token is checked with
    /// (one of [`MIN_KEY_SEARCHED_LEN`] bytes or more; as it is, with its ASCII letters in
    /// another case, or percent-encoded; `aud` equal to the key is
    /// [`Finding::AudienceIsKey`]): whoever holds the token can read, or work out, the key and
    /// sign tokens of their own.
    ///
    /// [`MIN_KEY_SEARCHED_LEN`]: crate::MIN_KEY_SEARCHED_LEN
    KeyInToken {
        /// Where: a claim's path such as `user.name`, `header.kid`, or the object whose member
        /// name holds it, with that name shown as `[key]`; or `the header's JSON text` or `the
        /// payload's JSON text` when no decoded value holds it (the first value of a member
        /// given twice, which this decoder drops and others read).
        path: String,
    },
    /// A member that CKEditor's token format does not have where the format names every member:
    /// in the header (`typ` and `alg`; a member that changes how the token is verified is
    /// [`Finding::HeaderMember`]), among a cloud token's claims (other than
    /// [`Finding::UnexpectedClaim`]'s), in `user` (`name`, `email`, `avatar`), in `auth` (one
    /// section per product), in a collaboration grant, in `auth.ckbox` or in `auth.ai`. Nothing
    /// reads it, and if its name is a misspelling (`auth.colaboration`, `expires`,
    /// `user.mail`), what it was meant to be is missing without another finding.
    UndocumentedMember {
        /// Where, such as `expires`, `header.kid`, `user.mail`, `auth.colaboration` or
        /// `auth.collaboration.doc-1.rol`.
        path: String,
    },
    /// A claim the spec excludes: `iss` (a retired form), `nbf` or `jti`.
    UnexpectedClaim {
        /// The claim's name.
        name: &'static str,
    },
    /// A grant for a product that serves users (`auth.collaboration`, `auth.ckbox`, `auth.ai`)
    /// without `sub`, the user's stable ID, which those products require.
    SubjectMissing {
        /// The sections of `auth` that need it, such as `auth.collaboration`.
        sections: Vec<&'static str>,
    },
    /// A claim of an on-premises converter token other than `iat`, the only one it carries.
    NotOnPremises {
        /// The claim's name.
        name: String,
    },
    /// There is no `iat`.
    IssuedAtMissing,
    /// `iat` is not a whole number of seconds.
    IssuedAtNotInteger {
        /// The value found, as JSON.
        found: String,
    },
    /// `iat` lies beyond the year 5000 as seconds, so it looks like milliseconds (or, when it
    /// does so even as milliseconds, like no date at all).
    IssuedAtInMilliseconds {
        /// The value found.
        iat: u64,
    },
    /// `iat` lies in the future.
    IssuedAtInFuture {
        /// The value found.
        iat: u64,
        /// The time of the inspection.
        now: u64,
    },
    /// `iat` is more than 24 hours old: CKEditor's servers (the cloud and on-premises) no
    /// longer accept the token.
    IssuedAtTooOld {
        /// The value found.
        iat: u64,
        /// The time of the inspection.
        now: u64,
    },
    /// There is no `exp`, but `auth.ai` is there: AI tokens need a short one.
    ExpiryMissingForAi,
    /// `exp` is not a whole number of seconds.
    ExpiryNotInteger {
        /// The value found, as JSON.
        found: String,
    },
    /// `exp` lies beyond the year 5000 as seconds, so it looks like milliseconds (or like no
    /// date at all): the editor would refresh in a tight loop.
    ExpiryInMilliseconds {
        /// The value found.
        exp: u64,
    },
    /// `exp` is not after `iat`.
    ExpiryNotAfterIssuedAt {
        /// `iat`.
        iat: u64,
        /// `exp`.
        exp: u64,
    },
    /// `exp` lies more than 24 hours after `iat`.
    ExpiryTooFar {
        /// `iat`.
        iat: u64,
        /// `exp`.
        exp: u64,
    },
    /// `exp` has passed: the editor would refresh in a tight loop.
    Expired {
        /// `exp`.
        exp: u64,
        /// The time of the inspection.
        now: u64,
    },
    /// A collaboration role the cloud does not know.
    UnknownRole {
        /// The document key.
        document: String,
        /// The role found, as JSON.
        role: String,
    },
    /// A collaboration permission the docs do not list.
    UnknownPermission {
        /// The document key.
        document: String,
        /// The permission found, as JSON.
        permission: String,
    },
    /// A CKBox role the cloud does not know.
    UnknownCkboxRole {
        /// The role found, as JSON.
        role: String,
    },
    /// A claim has the wrong shape.
    MalformedClaim {
        /// Where, for example `auth.collaboration`.
        path: String,
        /// What shape was expected.
        expected: &'static str,
    },
    /// `sub` or a field of `user` holds what this library's issuer refuses to sign (see
    /// [`IdentityBuilder::build`](crate::IdentityBuilder::build)): text over its length limit,
    /// with control characters (text-direction overrides among them, which can make a name read
    /// as another), or with whitespace around it; an email address without a local part and a
    /// domain; an avatar URL without a host a browser can load it from.
    InvalidText {
        /// The claim: `sub`, `user.name`, `user.email` or `user.avatar`.
        path: String,
        /// What is wrong, as the issuer's error says it (never quoting the text).
        problem: String,
    },
    /// An object of the header or the payload gives a key twice. Decoders disagree on which
    /// value counts (this report reads the last), so a token that needs it is built to be read
    /// two ways, such as `"alg":"none"` before `"alg":"HS256"`.
    DuplicateKey {
        /// `header` or `payload`.
        part: &'static str,
        /// The first key found twice.
        key: String,
    },
    /// A segment ends in `=` padding, which a JWT's base64url leaves out; strict decoders refuse
    /// the token. The report reads it anyway, and checks the signature without the padding.
    Padded {
        /// `header`, `payload` or `signature`.
        part: &'static str,
    },
}

impl Finding {
    /// Shows the key as `[key]` in each text this finding quotes.
    fn hide_key(&mut self, search: &KeySearch) {
        let texts: Vec<&mut String> = match self {
            Finding::Algorithm { found }
            | Finding::Type { found }
            | Finding::IssuedAtNotInteger { found }
            | Finding::ExpiryNotInteger { found } => vec![found],
            Finding::AudienceMismatch { expected, found } => vec![expected, found],
            Finding::KeyInToken { path }
            | Finding::MalformedClaim { path, .. }
            | Finding::UndocumentedMember { path } => vec![path],
            Finding::NotOnPremises { name } => vec![name],
            Finding::UnknownRole { document, role } => vec![document, role],
            Finding::UnknownPermission {
                document,
                permission,
            } => vec![document, permission],
            Finding::UnknownCkboxRole { role } => vec![role],
            Finding::InvalidText { path, problem } => vec![path, problem],
            Finding::DuplicateKey { key, .. } => vec![key],
            Finding::HeaderMember { .. }
            | Finding::BadSignature
            | Finding::SignatureMalformed
            | Finding::PayloadNotAtobSafe
            | Finding::AudienceMissing
            | Finding::AudienceArray
            | Finding::AudienceNotString
            | Finding::AudienceIsKey
            | Finding::UnexpectedClaim { .. }
            | Finding::SubjectMissing { .. }
            | Finding::IssuedAtMissing
            | Finding::IssuedAtInMilliseconds { .. }
            | Finding::IssuedAtInFuture { .. }
            | Finding::IssuedAtTooOld { .. }
            | Finding::ExpiryMissingForAi
            | Finding::ExpiryInMilliseconds { .. }
            | Finding::ExpiryNotAfterIssuedAt { .. }
            | Finding::ExpiryTooFar { .. }
            | Finding::Expired { .. }
            | Finding::Padded { .. } => Vec::new(),
        };
        for text in texts {
            if let std::borrow::Cow::Owned(hidden) = search.hide_in(text) {
                *text = hidden;
            }
        }
    }
}

/// What a time claim of `value`, too large for seconds, looks like: milliseconds, or, when it
/// lies beyond the year 5000 even as milliseconds, no date at all.
fn as_what(value: u64) -> &'static str {
    if value / 1000 >= MILLISECONDS_FROM {
        "is no date, as seconds or as milliseconds"
    } else {
        "looks like milliseconds"
    }
}

/// A number of seconds as a finding writes it: `40 s`, and beside it the whole minutes, hours or
/// days from a minute on, such as `96429887 s (1116 d)`.
struct Span(u64);

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.0;
        write!(f, "{seconds} s")?;
        match seconds {
            0..60 => Ok(()),
            60..3600 => write!(f, " ({} min)", seconds / 60),
            3600..172_800 => write!(f, " ({} h)", seconds / 3600),
            _ => write!(f, " ({} d)", seconds / 86_400),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::Algorithm { found } => write!(f, "header alg is {found}, expected \"HS256\""),
            Finding::Type { found } => write!(f, "header typ is {found}, expected \"JWT\""),
            Finding::HeaderMember { name } if KEY_MEMBERS.contains(name) => write!(
                f,
                "the header has {name}, which gives a key (or where to fetch one) that a \
                 verifier trusting it checks the token with; CKEditor's header has typ and alg \
                 only"
            ),
            Finding::HeaderMember { name } => write!(
                f,
                "the header has {name}, which changes how the token must be verified; \
                 CKEditor's header has typ and alg only"
            ),
            Finding::BadSignature => f.write_str("the signature does not match the key"),
            Finding::SignatureMalformed => f.write_str(
                "the signature is not an HS256 signature, which is 32 bytes of base64url (43 \
                 characters)",
            ),
            Finding::PayloadNotAtobSafe => f.write_str(
                "the payload segment contains '-' or '_': the browser's atob() cannot decode it, \
                 so the editor ignores exp and refreshes only hourly, and CKBox fails",
            ),
            Finding::AudienceMissing => f.write_str("aud is missing; set it to the environment ID"),
            Finding::AudienceArray => f.write_str("aud is an array; it must be a string"),
            Finding::AudienceNotString => f.write_str("aud must be a string"),
            Finding::AudienceMismatch { expected, found } => {
                write!(f, "aud is {found:?}, expected the environment {expected:?}")
            }
            Finding::AudienceIsKey => f.write_str(
                "aud is the key itself, which every holder of the token can read and sign tokens \
                 with; replace the key, and set aud to the environment ID",
            ),
            Finding::KeyInToken { path } => write!(
                f,
                "{path} holds the key, which every holder of the token can read and sign tokens \
                 with; replace the key, and keep it out of the token"
            ),
            Finding::UndocumentedMember { path } => write!(
                f,
                "{path} is not in CKEditor's token format, which has no use for it; if its name \
                 is misspelled, what it stands for is missing"
            ),
            Finding::UnexpectedClaim { name: "iss" } => {
                f.write_str("iss is present: the environment belongs in aud (iss is retired)")
            }
            Finding::UnexpectedClaim { name } => write!(f, "{name} is not a claim CKEditor uses"),
            Finding::SubjectMissing { sections } => write!(
                f,
                "sub is missing: a token with {} needs the user's stable ID in sub",
                sections.join(", ")
            ),
            Finding::NotOnPremises { name } => write!(
                f,
                "{name} is present, but an on-premises converter token carries iat only"
            ),
            Finding::IssuedAtMissing => f.write_str("iat is missing"),
            Finding::IssuedAtNotInteger { found } => {
                write!(
                    f,
                    "iat is {found}; it must be a whole, non-negative number of seconds"
                )
            }
            Finding::IssuedAtInMilliseconds { iat } => {
                write!(f, "iat {iat} {}; it must be seconds", as_what(*iat))
            }
            Finding::IssuedAtInFuture { iat, now } => {
                write!(f, "iat {iat} is {} in the future", Span(iat.abs_diff(*now)))
            }
            Finding::IssuedAtTooOld { iat, now } => {
                write!(
                    f,
                    "iat {iat} is {} old; CKEditor's servers accept tokens up to 24 h old",
                    Span(now.abs_diff(*iat))
                )
            }
            Finding::ExpiryMissingForAi => {
                f.write_str("exp is missing: a token with auth.ai needs a short exp")
            }
            Finding::ExpiryNotInteger { found } => {
                write!(
                    f,
                    "exp is {found}; it must be a whole, non-negative number of seconds"
                )
            }
            Finding::ExpiryInMilliseconds { exp } => write!(
                f,
                "exp {exp} {}; the editor would refresh in a tight loop",
                as_what(*exp)
            ),
            Finding::ExpiryNotAfterIssuedAt { iat, exp } => {
                write!(f, "exp {exp} is not after iat {iat}")
            }
            Finding::ExpiryTooFar { iat, exp } => {
                write!(
                    f,
                    "exp is {} after iat; at most 24 h is allowed",
                    Span(exp.abs_diff(*iat))
                )
            }
            Finding::Expired { exp, now } => write!(
                f,
                "exp {exp} passed {} ago; the editor would refresh in a tight loop",
                Span(now.abs_diff(*exp))
            ),
            Finding::UnknownRole { document, role } => write!(
                f,
                "auth.collaboration.{document}.role is {role}; expected reader, commentator or \
                 writer"
            ),
            Finding::UnknownPermission {
                document,
                permission,
            } => {
                write!(
                    f,
                    "auth.collaboration.{document}.permissions has unknown {permission}"
                )
            }
            Finding::UnknownCkboxRole { role } => {
                write!(
                    f,
                    "auth.ckbox.role is {role}; expected user, admin or superadmin"
                )
            }
            Finding::MalformedClaim { path, expected } => write!(f, "{path} must be {expected}"),
            Finding::InvalidText { path, problem } => write!(f, "invalid {path}: {problem}"),
            Finding::DuplicateKey { part, key } => write!(
                f,
                "the {part} gives the key {key:?} twice; decoders disagree on which one counts"
            ),
            Finding::Padded { part } => write!(
                f,
                "the {part} segment ends in '=' padding; a JWT's segments are base64url without \
                 padding, and strict decoders (jsonwebtoken among them) refuse the token"
            ),
        }
    }
}

/// A decoded token and what is wrong with it.
///
/// The header and the claims are `serde_json` values (of `serde_json` 1). Their members are in
/// the order `serde_json` keeps: sorted by name, or the token's order when the application
/// enables `serde_json`'s `preserve_order` feature, as the `ckeditor-token` command does to show
/// a token as it is. This crate leaves that choice to the application.
///
/// Unlike the findings, the header and the claims (and so this type's `Debug`) show the token as
/// it is, a key it carries included: log the findings, not the inspection.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Inspection {
    /// The header, decoded.
    pub header: Value,
    /// The payload, decoded.
    pub claims: Value,
    /// The signature check.
    pub signature: SignatureCheck,
    /// Every rule the token breaks; empty for a good token.
    pub findings: Vec<Finding>,
}

impl Inspection {
    /// Whether the token breaks no rule (and, if a key was given, verifies).
    pub fn is_ok(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Decodes `token` and checks it against `expect`.
///
/// A finding that quotes a value holding `expect.key` (of [`MIN_KEY_SEARCHED_LEN`] bytes or
/// more, in any of the forms [`KeySearch`] finds) shows `[key]` in its place, so that findings
/// can be logged; the inspection's header and claims are the token's, as they are.
///
/// [`MIN_KEY_SEARCHED_LEN`]: crate::MIN_KEY_SEARCHED_LEN
///
/// # Errors
///
/// [`Error::MalformedToken`] when `token` is not three dot-separated base64url segments whose
/// first two hold JSON objects.
pub fn inspect(token: &str, expect: &Expectations<'_>) -> Result<Inspection> {
    let token = token.trim();
    let parts: Vec<&str> = token.split('.').collect();
    let [header_segment, payload_segment, signature_segment] = parts[..] else {
        return Err(malformed(format!(
            "expected 3 dot-separated parts, found {}",
            parts.len()
        )));
    };
    let mut findings = Vec::new();
    let (header, header_json) = decode_object("header", header_segment, &mut findings)?;
    let (claims, claims_json) = decode_object("payload", payload_segment, &mut findings)?;
    for (part, segment) in [
        ("header", header_segment),
        ("payload", payload_segment),
        ("signature", signature_segment),
    ] {
        if segment.ends_with('=') {
            findings.push(Finding::Padded { part });
        }
    }

    let alg = header.get("alg");
    if alg != Some(&Value::from("HS256")) {
        findings.push(Finding::Algorithm {
            found: json_text(alg),
        });
    }
    let typ = header.get("typ");
    if typ != Some(&Value::from("JWT")) {
        findings.push(Finding::Type {
            found: json_text(typ),
        });
    }
    for name in RISKY_MEMBERS {
        if header.get(name).is_some() {
            findings.push(Finding::HeaderMember { name });
        }
    }
    if let Some(members) = header.as_object() {
        check_undocumented(
            members,
            "header",
            &HEADER_MEMBERS,
            &RISKY_MEMBERS,
            &mut findings,
        );
    }
    let hs256 = alg == Some(&Value::from("HS256"));
    let well_formed = BASE64URL
        .decode(signature_segment)
        .is_ok_and(|signature| signature.len() == 32);
    if hs256 && !well_formed {
        findings.push(Finding::SignatureMalformed);
    }
    let signature = match expect.key {
        None => SignatureCheck::NotChecked,
        Some(_) if hs256 && !well_formed => SignatureCheck::Invalid,
        Some(key) if hs256 => {
            let message = &token[..header_segment.len() + 1 + payload_segment.len()];
            if verify(
                signature_segment.trim_end_matches('='),
                message.as_bytes(),
                key,
            ) {
                SignatureCheck::Valid
            } else {
                findings.push(Finding::BadSignature);
                SignatureCheck::Invalid
            }
        }
        Some(_) => SignatureCheck::Invalid,
    };
    if let Some(key) = expect.key {
        let jsons = [header_json.as_slice(), claims_json.as_slice()];
        check_key_in_token([&header, &claims], jsons, key, &mut findings);
    }
    if payload_segment.contains(['-', '_']) {
        findings.push(Finding::PayloadNotAtobSafe);
    }
    if let Value::Object(map) = &claims {
        if expect.on_premises {
            check_on_premises(map, &mut findings);
        } else {
            check_audience(map, expect, &mut findings);
            check_products(map, &mut findings);
            check_excluded(map, &mut findings);
        }
        // A converter also takes an empty payload, without `iat`.
        let iat_required = !(expect.on_premises && map.is_empty());
        check_times(map, expect.now, iat_required, &mut findings);
        check_user(map, &mut findings);
        check_auth(map, &mut findings);
        if !expect.on_premises {
            check_undocumented_claims(map, &mut findings);
        }
    }

    // A finding quotes what it found (an `aud`, a role, a member name): one that holds the key
    // shows `[key]` there, as the report's key finding names such places, so that a finding can
    // go to a log or a screen. The header and the claims are the token's, as they are.
    if let Some(search) = expect.key.and_then(|key| KeySearch::new(key.trim_ascii())) {
        for finding in &mut findings {
            finding.hide_key(&search);
        }
    }
    Ok(Inspection {
        header,
        claims,
        signature,
        findings,
    })
}

fn malformed(problem: String) -> Error {
    Error::MalformedToken { problem }
}

/// The JSON object of a token's `part` with its JSON text, and a finding for the first key it
/// gives twice.
fn decode_object(
    part: &'static str,
    segment: &str,
    out: &mut Vec<Finding>,
) -> Result<(Value, Vec<u8>)> {
    let bytes = BASE64URL
        .decode(segment)
        .map_err(|_| malformed(format!("the {part} is not base64url")))?;
    if let Some(key) = first_duplicate_key(&bytes) {
        out.push(Finding::DuplicateKey { part, key });
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(value @ Value::Object(_)) => Ok((value, bytes)),
        Ok(_) => Err(malformed(format!("the {part} is not a JSON object"))),
        Err(error) => Err(malformed(format!("the {part} is not JSON: {error}"))),
    }
}

/// The first key that one object of the JSON text `json` gives twice, at any depth (keys compared
/// with their escapes read); `None` when there is none, or when `json` is not JSON.
///
/// Decoders disagree about such an object: `serde_json::Value` keeps the last value without a
/// word, others keep the first or refuse the text. A token's header and payload are checked with
/// it ([`Finding::DuplicateKey`]), and so should be any JSON that says who a user is.
///
/// ```
/// use ckeditor_token_core::first_duplicate_key;
///
/// let json = br#"{"user":{"id":"ann","\u0069d":"root"}}"#;
/// assert_eq!(first_duplicate_key(json).as_deref(), Some("id"));
/// assert_eq!(first_duplicate_key(br#"[{"id":1},{"id":2}]"#), None);
/// ```
pub fn first_duplicate_key(json: &[u8]) -> Option<String> {
    serde_json::from_slice::<FirstDuplicate>(json)
        .ok()
        .and_then(|FirstDuplicate(key)| key)
}

/// JSON read only for the first object key given twice, at any depth.
struct FirstDuplicate(Option<String>);

/// Every string and member name of a JSON text, escapes read, with the values of a member given
/// twice, which a `Value` drops but for the last.
struct AllTexts(Vec<String>);

impl<'de> serde::Deserialize<'de> for AllTexts {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        deserializer.deserialize_any(TextsVisitor)
    }
}

struct TextsVisitor;

impl<'de> serde::de::Visitor<'de> for TextsVisitor {
    type Value = AllTexts;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON")
    }

    fn visit_bool<E>(self, _: bool) -> std::result::Result<AllTexts, E> {
        Ok(AllTexts(Vec::new()))
    }

    fn visit_i64<E>(self, _: i64) -> std::result::Result<AllTexts, E> {
        Ok(AllTexts(Vec::new()))
    }

    fn visit_u64<E>(self, _: u64) -> std::result::Result<AllTexts, E> {
        Ok(AllTexts(Vec::new()))
    }

    fn visit_f64<E>(self, _: f64) -> std::result::Result<AllTexts, E> {
        Ok(AllTexts(Vec::new()))
    }

    fn visit_str<E>(self, text: &str) -> std::result::Result<AllTexts, E> {
        Ok(AllTexts(vec![text.to_owned()]))
    }

    fn visit_unit<E>(self) -> std::result::Result<AllTexts, E> {
        Ok(AllTexts(Vec::new()))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<AllTexts, A::Error> {
        let mut texts = Vec::new();
        while let Some(AllTexts(inner)) = seq.next_element()? {
            texts.extend(inner);
        }
        Ok(AllTexts(texts))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<AllTexts, A::Error> {
        let mut texts = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            let AllTexts(inner) = map.next_value()?;
            texts.push(name);
            texts.extend(inner);
        }
        Ok(AllTexts(texts))
    }
}

impl<'de> serde::Deserialize<'de> for FirstDuplicate {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        deserializer.deserialize_any(DuplicateVisitor)
    }
}

struct DuplicateVisitor;

impl<'de> serde::de::Visitor<'de> for DuplicateVisitor {
    type Value = FirstDuplicate;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON")
    }

    fn visit_bool<E>(self, _: bool) -> std::result::Result<FirstDuplicate, E> {
        Ok(FirstDuplicate(None))
    }

    fn visit_i64<E>(self, _: i64) -> std::result::Result<FirstDuplicate, E> {
        Ok(FirstDuplicate(None))
    }

    fn visit_u64<E>(self, _: u64) -> std::result::Result<FirstDuplicate, E> {
        Ok(FirstDuplicate(None))
    }

    fn visit_f64<E>(self, _: f64) -> std::result::Result<FirstDuplicate, E> {
        Ok(FirstDuplicate(None))
    }

    fn visit_str<E>(self, _: &str) -> std::result::Result<FirstDuplicate, E> {
        Ok(FirstDuplicate(None))
    }

    fn visit_unit<E>(self) -> std::result::Result<FirstDuplicate, E> {
        Ok(FirstDuplicate(None))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<FirstDuplicate, A::Error> {
        let mut found = None;
        while let Some(FirstDuplicate(inner)) = seq.next_element()? {
            found = found.or(inner);
        }
        Ok(FirstDuplicate(found))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<FirstDuplicate, A::Error> {
        let mut keys = std::collections::HashSet::new();
        let mut found = None;
        while let Some(key) = map.next_key::<String>()? {
            let FirstDuplicate(inner) = map.next_value()?;
            if found.is_none() && !keys.insert(key.clone()) {
                found = Some(key);
            }
            found = found.or(inner);
        }
        Ok(FirstDuplicate(found))
    }
}

/// Whether `signature` (base64url) is the HS256 signature of `message` with `key`, as
/// `jsonwebtoken`'s RustCrypto backend, which this crate enables, computes it: the process's
/// default backend is the application's to choose (see `Signer::check_against_jsonwebtoken`).
fn verify(signature: &str, message: &[u8], key: &[u8]) -> bool {
    let Ok(signature) = BASE64URL.decode(signature) else {
        return false;
    };
    let Ok(key) = jsonwebtoken::DecodingKey::from_secret(key) else {
        return false;
    };
    (DEFAULT_PROVIDER.verifier_factory)(&jsonwebtoken::Algorithm::HS256, &key)
        .is_ok_and(|verifier| verifier.verify(message, &signature).is_ok())
}

/// [`Finding::KeyInToken`] for every value and member name of the header and the claims that
/// holds `key`, except an `aud` that is the key, which [`check_audience`] reports; and for the
/// JSON text of a part (`jsons`: the header's, then the payload's) with a string or member name
/// that holds it where the decoded value holds none: the first value of a member given twice,
/// which this decoder drops and others keep.
fn check_key_in_token(
    [header, claims]: [&Value; 2],
    jsons: [&[u8]; 2],
    key: &[u8],
    out: &mut Vec<Finding>,
) {
    let Ok(key) = std::str::from_utf8(key.trim_ascii()) else {
        return;
    };
    let Some(search) = KeySearch::new(key.as_bytes()) else {
        return;
    };
    let mut paths = Vec::new();
    let mut scratch = Vec::new();
    let parts = [("header", header, "header"), ("payload", claims, "")];
    for ((part, value, path), json) in parts.into_iter().zip(jsons) {
        let found_before = paths.len();
        find_key(value, (&search, &mut scratch), path, &mut paths);
        let mut in_dropped = || {
            serde_json::from_slice::<AllTexts>(json).is_ok_and(|AllTexts(texts)| {
                texts
                    .iter()
                    .any(|text| search.is_in(text.as_bytes(), &mut scratch))
            })
        };
        if paths.len() == found_before && in_dropped() {
            paths.push(format!("the {part}'s JSON text"));
        }
    }
    let aud_is_key = claims.get("aud").and_then(Value::as_str) == Some(key);
    out.extend(
        paths
            .into_iter()
            .filter(|path| !(aud_is_key && path == "aud"))
            .map(|path| Finding::KeyInToken { path }),
    );
}

/// The paths in `value`, at `path`, whose text holds the key (in any form the search finds,
/// searched with the working space beside it); a member name that holds it is shown as `[key]`
/// in the paths below it.
fn find_key(
    value: &Value,
    (search, scratch): (&KeySearch, &mut Vec<u8>),
    path: &str,
    found: &mut Vec<String>,
) {
    match value {
        Value::String(text) if search.is_in(text.as_bytes(), scratch) => {
            found.push(path.to_owned());
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                find_key(item, (search, scratch), &format!("{path}[{index}]"), found);
            }
        }
        Value::Object(members) => {
            for (name, member) in by_name(members) {
                let shown = if search.is_in(name.as_bytes(), scratch) {
                    found.push(if path.is_empty() {
                        "a claim's name".to_owned()
                    } else {
                        format!("a member name of {path}")
                    });
                    "[key]"
                } else {
                    name.as_str()
                };
                let below = if path.is_empty() {
                    shown.to_owned()
                } else {
                    format!("{path}.{shown}")
                };
                find_key(member, (search, scratch), &below, found);
            }
        }
        _ => {}
    }
}

fn json_text(value: Option<&Value>) -> String {
    value.map_or_else(|| "missing".to_owned(), Value::to_string)
}

fn check_audience(map: &Map<String, Value>, expect: &Expectations<'_>, out: &mut Vec<Finding>) {
    match map.get("aud") {
        None => out.push(Finding::AudienceMissing),
        Some(Value::Array(_)) => out.push(Finding::AudienceArray),
        Some(Value::String(found)) => {
            if expect
                .key
                .is_some_and(|key| key.trim_ascii() == found.as_bytes())
            {
                // Not compared with the environment ID as well: that would quote the key.
                out.push(Finding::AudienceIsKey);
            } else if let Some(expected) = expect.environment_id
                && found != expected
            {
                out.push(Finding::AudienceMismatch {
                    expected: expected.to_owned(),
                    found: found.clone(),
                });
            }
        }
        Some(_) => out.push(Finding::AudienceNotString),
    }
}

/// The claims the spec excludes from every token.
const EXCLUDED: [&str; 3] = ["iss", "nbf", "jti"];

/// The header members that give the key to verify with, or where to fetch it (RFC 7515's `jwk`,
/// `jku`, `x5c`, `x5u`).
const KEY_MEMBERS: [&str; 4] = ["jwk", "jku", "x5c", "x5u"];

/// The header members of [`Finding::HeaderMember`]: those that change how a token must be
/// verified (RFC 7515's `crit`, RFC 7797's `b64`), then [`KEY_MEMBERS`].
const RISKY_MEMBERS: [&str; 6] = ["crit", "b64", "jwk", "jku", "x5c", "x5u"];

fn check_excluded(map: &Map<String, Value>, out: &mut Vec<Finding>) {
    for name in EXCLUDED {
        if map.contains_key(name) {
            out.push(Finding::UnexpectedClaim { name });
        }
    }
}

/// The members of the header in CKEditor's token format.
const HEADER_MEMBERS: [&str; 2] = ["typ", "alg"];
/// The claims of a cloud token in CKEditor's token format, and the members of each object in
/// them that the format closes, by the object's path.
const CLAIMS: [&str; 6] = ["aud", "iat", "exp", "sub", "user", "auth"];
const USER_MEMBERS: [&str; 3] = ["name", "email", "avatar"];
const AUTH_MEMBERS: [&str; 3] = ["collaboration", "ckbox", "ai"];
const GRANT_MEMBERS: [&str; 2] = ["role", "permissions"];
const CKBOX_MEMBERS: [&str; 2] = ["role", "workspaces"];
const AI_MEMBERS: [&str; 1] = ["permissions"];

/// Every member of a cloud token's claims that the token format does not have, in the objects
/// whose every member it names (see [`Finding::UndocumentedMember`]); objects of the wrong shape
/// are reported by the checks of their claim.
fn check_undocumented_claims(claims: &Map<String, Value>, out: &mut Vec<Finding>) {
    check_undocumented(claims, "", &CLAIMS, &EXCLUDED, out);
    if let Some(user) = claims.get("user").and_then(Value::as_object) {
        check_undocumented(user, "user", &USER_MEMBERS, &[], out);
    }
    let Some(auth) = claims.get("auth").and_then(Value::as_object) else {
        return;
    };
    check_undocumented(auth, "auth", &AUTH_MEMBERS, &[], out);
    let object = |name: &str| auth.get(name).and_then(Value::as_object);
    if let Some(documents) = object("collaboration") {
        for (document, grant) in by_name(documents) {
            if let Some(grant) = grant.as_object() {
                let path = format!("auth.collaboration.{document}");
                check_undocumented(grant, &path, &GRANT_MEMBERS, &[], out);
            }
        }
    }
    if let Some(ckbox) = object("ckbox") {
        check_undocumented(ckbox, "auth.ckbox", &CKBOX_MEMBERS, &[], out);
    }
    if let Some(ai) = object("ai") {
        check_undocumented(ai, "auth.ai", &AI_MEMBERS, &[], out);
    }
}

/// Each member of `map`, the object at `path`, that is neither `documented` nor
/// `reported_elsewhere` (by a finding of its own).
fn check_undocumented(
    map: &Map<String, Value>,
    path: &str,
    documented: &[&str],
    reported_elsewhere: &[&str],
    out: &mut Vec<Finding>,
) {
    for (name, _) in by_name(map) {
        let name = name.as_str();
        if !documented.contains(&name) && !reported_elsewhere.contains(&name) {
            let path = if path.is_empty() {
                name.to_owned()
            } else {
                format!("{path}.{name}")
            };
            out.push(Finding::UndocumentedMember { path });
        }
    }
}

/// The members of `map` sorted by name, so that findings come in the same order whether the
/// application keeps `serde_json`'s maps sorted (its default) or in their insertion order (its
/// `preserve_order` feature).
fn by_name(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut members: Vec<_> = map.iter().collect();
    members.sort_unstable_by_key(|(name, _)| *name);
    members
}

/// An on-premises converter token carries `iat` only: every other claim is reported, those
/// that cloud tokens exclude too.
fn check_on_premises(map: &Map<String, Value>, out: &mut Vec<Finding>) {
    for (name, _) in by_name(map) {
        if name != "iat" {
            out.push(Finding::NotOnPremises { name: name.clone() });
        }
    }
}

/// The claims that the products a token grants need beside their section of `auth`: `sub` for
/// collaboration, CKBox and AI, and a short `exp` for AI.
fn check_products(map: &Map<String, Value>, out: &mut Vec<Finding>) {
    let Some(Value::Object(auth)) = map.get("auth") else {
        return;
    };
    if !map.contains_key("sub") {
        let sections: Vec<&'static str> = [
            ("collaboration", "auth.collaboration"),
            ("ckbox", "auth.ckbox"),
            ("ai", "auth.ai"),
        ]
        .into_iter()
        .filter(|(key, _)| auth.contains_key(*key))
        .map(|(_, section)| section)
        .collect();
        if !sections.is_empty() {
            out.push(Finding::SubjectMissing { sections });
        }
    }
    if auth.contains_key("ai") && !map.contains_key("exp") {
        out.push(Finding::ExpiryMissingForAi);
    }
}

/// A whole, non-negative number of seconds, or the JSON text of what was found instead.
fn seconds(value: &Value) -> Result<u64, String> {
    value.as_u64().ok_or_else(|| value.to_string())
}

fn check_times(map: &Map<String, Value>, now: u64, iat_required: bool, out: &mut Vec<Finding>) {
    let iat = match map.get("iat").map(seconds) {
        None => {
            if iat_required {
                out.push(Finding::IssuedAtMissing);
            }
            None
        }
        Some(Err(found)) => {
            out.push(Finding::IssuedAtNotInteger { found });
            None
        }
        Some(Ok(iat)) if iat >= MILLISECONDS_FROM => {
            out.push(Finding::IssuedAtInMilliseconds { iat });
            None
        }
        Some(Ok(iat)) => {
            if iat > now {
                out.push(Finding::IssuedAtInFuture { iat, now });
            } else if now - iat > DAY {
                out.push(Finding::IssuedAtTooOld { iat, now });
            }
            Some(iat)
        }
    };
    let exp = match map.get("exp").map(seconds) {
        None => return,
        Some(Err(found)) => return out.push(Finding::ExpiryNotInteger { found }),
        Some(Ok(exp)) if exp >= MILLISECONDS_FROM => {
            return out.push(Finding::ExpiryInMilliseconds { exp });
        }
        Some(Ok(exp)) => exp,
    };
    if exp <= now {
        out.push(Finding::Expired { exp, now });
    }
    if let Some(iat) = iat {
        if exp <= iat {
            out.push(Finding::ExpiryNotAfterIssuedAt { iat, exp });
        } else if exp - iat > DAY {
            out.push(Finding::ExpiryTooFar { iat, exp });
        }
    }
}

fn check_user(map: &Map<String, Value>, out: &mut Vec<Finding>) {
    match map.get("sub").map(Value::as_str) {
        Some(Some(sub)) if !sub.trim().is_empty() => {
            out.extend(invalid_text(field::SUBJECT, identity::check_subject(sub)));
        }
        Some(_) => out.push(Finding::MalformedClaim {
            path: "sub".into(),
            expected: "a string with the user's ID",
        }),
        None => {}
    }
    let Some(user) = map.get("user") else { return };
    let Value::Object(user) = user else {
        return out.push(Finding::MalformedClaim {
            path: "user".into(),
            expected: "an object",
        });
    };
    let checks: [(&str, &str, identity::FieldCheck); 3] = [
        ("name", field::NAME, identity::check_name),
        ("email", field::EMAIL, identity::check_email),
        ("avatar", field::AVATAR, identity::check_avatar),
    ];
    for (name, path, check) in checks {
        match user.get(name) {
            None => {}
            Some(Value::String(text)) if name == "avatar" && !is_web_url(text) => {
                out.push(Finding::MalformedClaim {
                    path: path.into(),
                    expected: "an http(s) image URL",
                });
            }
            Some(Value::String(text)) => out.extend(invalid_text(path, check(text))),
            Some(_) => out.push(Finding::MalformedClaim {
                path: path.into(),
                expected: "a string",
            }),
        }
    }
}

/// What the issuer's check of the text at `path` found, as a finding.
fn invalid_text(path: &'static str, checked: Result<()>) -> Option<Finding> {
    let problem = match checked.err()? {
        Error::InvalidIdentity { problem, .. } => problem,
        other => other.to_string(),
    };
    Some(Finding::InvalidText {
        path: path.to_owned(),
        problem,
    })
}

/// Whether `url` starts with `http://` or `https://`, in any letter case.
fn is_web_url(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

fn check_auth(map: &Map<String, Value>, out: &mut Vec<Finding>) {
    let Some(auth) = map.get("auth") else { return };
    let Value::Object(auth) = auth else {
        return out.push(Finding::MalformedClaim {
            path: "auth".into(),
            expected: "an object",
        });
    };
    if let Some(collaboration) = auth.get("collaboration") {
        check_collaboration(collaboration, out);
    }
    if let Some(ckbox) = auth.get("ckbox") {
        check_ckbox(ckbox, out);
    }
    if let Some(ai) = auth.get("ai") {
        check_ai(ai, out);
    }
}

fn check_ckbox(ckbox: &Value, out: &mut Vec<Finding>) {
    if !ckbox.is_object() {
        return out.push(Finding::MalformedClaim {
            path: "auth.ckbox".into(),
            expected: "an object with a CKBox role",
        });
    }
    let role = ckbox.get("role");
    if role
        .and_then(Value::as_str)
        .and_then(CkboxRole::from_name)
        .is_none()
    {
        out.push(Finding::UnknownCkboxRole {
            role: json_text(role),
        });
    }
    if ckbox
        .get("workspaces")
        .is_some_and(|workspaces| !is_array_of_strings(workspaces))
    {
        out.push(Finding::MalformedClaim {
            path: "auth.ckbox.workspaces".into(),
            expected: "an array of workspace IDs",
        });
    }
}

fn is_array_of_strings(value: &Value) -> bool {
    value
        .as_array()
        .is_some_and(|items| items.iter().all(Value::is_string))
}

fn check_ai(ai: &Value, out: &mut Vec<Finding>) {
    let Some(permissions) = ai.get("permissions") else {
        return out.push(Finding::MalformedClaim {
            path: "auth.ai".into(),
            expected: "an object with permissions",
        });
    };
    let Value::Array(scopes) = permissions else {
        return out.push(Finding::MalformedClaim {
            path: "auth.ai.permissions".into(),
            expected: "an array of scopes",
        });
    };
    for (index, scope) in scopes.iter().enumerate() {
        if scope
            .as_str()
            .is_none_or(|scope| AiScope::new(scope).is_err())
        {
            out.push(Finding::MalformedClaim {
                path: format!("auth.ai.permissions[{index}]"),
                expected: "a scope of the form ai:<type>:<value>, with '*' only at its end",
            });
        }
    }
}

fn check_collaboration(collaboration: &Value, out: &mut Vec<Finding>) {
    let Value::Object(documents) = collaboration else {
        let path = "auth.collaboration".into();
        return out.push(Finding::MalformedClaim {
            path,
            expected: "an object",
        });
    };
    for (document, grant) in by_name(documents) {
        if DocumentKey::new(document).is_err() {
            out.push(Finding::MalformedClaim {
                path: format!("the key {document:?} of auth.collaboration"),
                expected: "a document ID, or a pattern with '*' alone, at its start or at its end",
            });
        }
        let Value::Object(grant) = grant else {
            let path = format!("auth.collaboration.{document}");
            out.push(Finding::MalformedClaim {
                path,
                expected: "an object",
            });
            continue;
        };
        if !grant.contains_key("role") && !grant.contains_key("permissions") {
            out.push(Finding::MalformedClaim {
                path: format!("auth.collaboration.{document}"),
                expected: "an object with a role, permissions or both",
            });
        }
        if let Some(role) = grant.get("role")
            && role.as_str().and_then(Role::from_name).is_none()
        {
            let (document, role) = (document.clone(), role.to_string());
            out.push(Finding::UnknownRole { document, role });
        }
        match grant.get("permissions") {
            None => {}
            Some(Value::Array(permissions)) => {
                for permission in permissions {
                    if permission
                        .as_str()
                        .and_then(Permission::from_name)
                        .is_none()
                    {
                        let (document, permission) = (document.clone(), permission.to_string());
                        out.push(Finding::UnknownPermission {
                            document,
                            permission,
                        });
                    }
                }
            }
            Some(_) => out.push(Finding::MalformedClaim {
                path: format!("auth.collaboration.{document}.permissions"),
                expected: "an array",
            }),
        }
    }
}

/// Decodes a payload segment the way the browser's `atob()` would, or `None` where `atob()`
/// throws. For tests and diagnostics.
pub fn atob_decode(segment: &str) -> Option<Vec<u8>> {
    if segment.len() % 4 == 1 {
        return None;
    }
    let forgiving = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    forgiving.decode(segment).ok()
}
