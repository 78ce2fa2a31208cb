//! Properties over generated identities: every token verifies with `jsonwebtoken` and with an
//! HMAC computed here, its payload segment is readable by the browser's `atob()`, it decodes
//! to exactly the claims that were asked for, and its payload is the encoding
//! `atob::atob_safe_json` gives for their compact JSON (which `serde_json` writes the same way).

use std::collections::HashSet;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ckeditor_token_core::{
    Environment, Error, FixedClock, Identity, Issuer, Role, SystemClock, Token, atob, atob_decode,
};
use hmac::{Hmac, KeyInit, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const ENVIRONMENT: &str = "ENV_TEST_123";
const KEY: &str = "property-test-access-key-0123456789abcdef";
const NOW: u64 = 1_700_000_000;

/// Characters that stress the encoding: the ASCII bytes that can land on `-` or `_`, JSON's
/// escapes, two-, three- and four-byte UTF-8, and anything printable.
fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => prop::sample::select(vec!['?', '~', '}', '>', 'ÿ', '"', '\\', '/', '€', 'ß']),
        3 => (0x20u8..0x7f).prop_map(char::from),
        1 => (0x1F300u32..0x1FAFF).prop_filter_map("a scalar value", char::from_u32),
        1 => any::<char>().prop_map(|c| if refused(c) { '\u{2603}' } else { c }),
    ]
}

/// Characters an identity refuses in text: controls, line separators and direction overrides.
fn refused(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn text(max_chars: usize, max_bytes: usize) -> impl Strategy<Value = String> {
    let mixed = prop::collection::vec(hostile_char(), 1..=max_chars)
        .prop_map(|chars| chars.into_iter().collect::<String>());
    let run = (
        prop::sample::select(vec!['?', '~', '}', 'ÿ', '😀']),
        1..=max_chars,
    )
        .prop_map(|(c, n)| std::iter::repeat_n(c, n).collect::<String>());
    prop_oneof![3 => mixed, 1 => run].prop_map(move |s| {
        let s = truncate_to(s, max_bytes);
        let trimmed = s.trim();
        if trimmed.is_empty() {
            "x".to_owned()
        } else {
            trimmed.to_owned()
        }
    })
}

fn truncate_to(mut s: String, max_bytes: usize) -> String {
    while s.len() > max_bytes {
        s.pop();
    }
    s
}

#[derive(Debug, Clone)]
struct Input {
    subject: String,
    name: Option<String>,
    email: Option<String>,
    avatar: Option<String>,
    documents: Vec<(String, Role)>,
}

fn input() -> impl Strategy<Value = Input> {
    let no_space = |s: String| s.replace(char::is_whitespace, "x").replace('@', "a");
    let role = prop::sample::select(Role::ALL.to_vec());
    let documents = prop::collection::vec((text(12, 64), role), 1..4).prop_map(|docs| {
        // Distinct, star-free keys, so no grants overlap.
        let mut seen = HashSet::new();
        docs.into_iter()
            .map(|(key, role)| (key.replace('*', "s"), role))
            .filter(|(key, _)| seen.insert(key.clone()))
            .collect()
    });
    (
        text(24, 256),
        prop::option::of(text(128, 256)),
        prop::option::of(text(24, 200).prop_map(move |s| format!("{}@example.com", no_space(s)))),
        prop::option::of(
            text(60, 400).prop_map(move |s| format!("https://cdn.example.com/{}", no_space(s))),
        ),
        documents,
    )
        .prop_map(|(subject, name, email, avatar, documents)| Input {
            subject,
            name,
            email,
            avatar,
            documents,
        })
}

fn build(input: &Input) -> Result<Identity, Error> {
    let mut builder = Identity::builder(input.subject.clone());
    if let Some(name) = &input.name {
        builder = builder.name(name.clone());
    }
    if let Some(email) = &input.email {
        builder = builder.email(email.clone());
    }
    if let Some(avatar) = &input.avatar {
        builder = builder.avatar(avatar.clone());
    }
    for (key, role) in &input.documents {
        builder = builder.grant(key.clone(), *role);
    }
    builder.build()
}

/// The claims the token must carry, written from the input without the crate's help.
fn expected_claims(input: &Input, exp: Option<u64>) -> Value {
    let mut claims = Map::new();
    claims.insert("aud".into(), json!(ENVIRONMENT));
    claims.insert("iat".into(), json!(NOW));
    if let Some(exp) = exp {
        claims.insert("exp".into(), json!(exp));
    }
    claims.insert("sub".into(), json!(input.subject));
    let mut user = Map::new();
    for (name, value) in [
        ("email", &input.email),
        ("name", &input.name),
        ("avatar", &input.avatar),
    ] {
        if let Some(value) = value {
            user.insert(name.into(), json!(value));
        }
    }
    if !user.is_empty() {
        claims.insert("user".into(), Value::Object(user));
    }
    let documents: Map<String, Value> = input
        .documents
        .iter()
        .map(|(key, role)| (key.clone(), json!({ "role": role.as_str() })))
        .collect();
    claims.insert("auth".into(), json!({ "collaboration": documents }));
    Value::Object(claims)
}

fn issuer(exp: bool, clock_now: bool) -> Issuer {
    let environment = Environment::new(ENVIRONMENT, KEY).expect("environment");
    let builder = Issuer::builder(environment);
    let builder = if exp {
        builder.lifetime(Duration::from_secs(3600))
    } else {
        builder.without_expiry()
    };
    let builder = if clock_now {
        builder.clock(SystemClock)
    } else {
        builder.clock(FixedClock::at_unix_seconds(NOW))
    };
    builder.build().expect("issuer")
}

fn check_signature(token: &Token) {
    let (message, signature) = token.as_str().rsplit_once('.').expect("three parts");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(KEY.as_bytes()).expect("key");
    mac.update(message.as_bytes());
    assert_eq!(
        URL_SAFE_NO_PAD.decode(signature).expect("b64"),
        mac.finalize().into_bytes()[..]
    );
}

fn check_token(input: &Input, identity: &Identity, exp: bool) {
    let token = issuer(exp, false).collaboration(identity).expect("token");
    let payload = token.as_str().split('.').nth(1).expect("three parts");

    assert!(
        payload.bytes().all(|b| b.is_ascii_alphanumeric()),
        "segment alphabet: {payload}"
    );
    let decoded = atob_decode(payload).expect("atob() reads the payload");
    let claims: Value = serde_json::from_slice(&decoded).expect("standard JSON");
    assert_eq!(claims, expected_claims(input, exp.then_some(NOW + 3600)));
    let compact = serde_json::to_vec(&claims).expect("JSON");
    assert_eq!(
        Some(decoded),
        atob::atob_safe_json(&compact),
        "{}",
        String::from_utf8_lossy(&compact)
    );
    check_signature(&token);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// `jsonwebtoken` verifies every token, with the audience set and `exp` not required.
    #[test]
    fn tokens_verify_with_jsonwebtoken(input in input(), exp in any::<bool>()) {
        let Ok(identity) = build(&input) else { return Ok(()) };
        let token = issuer(exp, true).collaboration(&identity).expect("token");
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[ENVIRONMENT]);
        validation.required_spec_claims = HashSet::new();
        let key = DecodingKey::from_secret(KEY.as_bytes()).expect("key");
        let data = jsonwebtoken::decode::<Value>(token.as_str(), &key, &validation)
            .expect("jsonwebtoken accepts the token");
        prop_assert_eq!(&data.claims["sub"], &json!(input.subject));
        prop_assert_eq!(data.claims.get("exp").is_some(), exp);

        let mut wrong = Validation::new(Algorithm::HS256);
        wrong.set_audience(&["ENV_OTHER"]);
        wrong.required_spec_claims = HashSet::new();
        prop_assert!(jsonwebtoken::decode::<Value>(token.as_str(), &key, &wrong).is_err());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100_000))]

    /// Over 100,000 identities, hostile ones included: the payload segment is `A-Z a-z 0-9`
    /// only, it decodes to exactly the requested claims, and the signature is right.
    #[test]
    fn every_payload_is_atob_safe_and_exact(input in input(), exp in any::<bool>()) {
        match build(&input) {
            Ok(identity) => check_token(&input, &identity, exp),
            Err(Error::IdentityTooLarge {
                worst_case, limit, ..
            }) => prop_assert!(worst_case > limit),
            Err(other) => prop_assert!(false, "unexpected rejection {other}"),
        }
    }
}

#[test]
fn names_at_the_length_bound() {
    for unit in ["?", "~", "}", "ÿ", "😀", "a"] {
        let name = unit.repeat(256 / unit.len());
        let input = Input {
            subject: "user-1".into(),
            name: Some(name),
            email: Some("user@example.com".into()),
            avatar: Some("https://cdn.example.com/a.png?s=80&d=~x".into()),
            documents: vec![("*".into(), Role::Writer)],
        };
        let identity = build(&input).expect("fits the bounds");
        check_token(&input, &identity, true);
        check_token(&input, &identity, false);
    }
}
