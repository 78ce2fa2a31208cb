//! The seed vector `tests/golden/seed-example.json`, reproduced byte for byte. It is a copy of
//! `shared/golden/seed-example.json`, kept in the repository so that every clone tests against
//! it.

use std::path::PathBuf;

use ckeditor_token_core::{Environment, FixedClock, Identity, Issuer, Role};
use serde_json::Value;

const SEED_EXAMPLE: &str = include_str!("golden/seed-example.json");

fn golden() -> Value {
    serde_json::from_str(SEED_EXAMPLE).expect("the golden file is JSON")
}

/// Where the team's shared vectors are when the repository is checked out beside them.
fn shared_copy() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/golden/seed-example.json")
}

#[test]
fn the_kept_vector_is_the_shared_one_where_that_is_checked_out() {
    // Where the repository is checked out beside `shared/`, the copy must not drift from the
    // original; a clone on its own has only the copy.
    if let Ok(shared) = std::fs::read_to_string(shared_copy()) {
        assert_eq!(
            SEED_EXAMPLE, shared,
            "tests/golden/seed-example.json differs"
        );
    }
}

fn field<'a>(value: &'a Value, name: &str) -> &'a str {
    value[name]
        .as_str()
        .unwrap_or_else(|| panic!("golden field {name} is a string"))
}

#[test]
fn the_seed_example_is_reproduced_byte_for_byte() {
    let golden = golden();
    let environment = Environment::new(
        field(&golden, "environment_id"),
        field(&golden, "access_key"),
    )
    .expect("the golden credentials are valid");
    assert!(golden["expires"].is_null(), "the seed vector has no exp");
    let now = golden["now"].as_u64().expect("now is whole seconds");
    let issuer = Issuer::builder(environment)
        .without_expiry()
        .clock(FixedClock::at_unix_seconds(now))
        .build()
        .expect("issuer");

    let user = &golden["user"];
    let mut builder = Identity::builder(field(user, "id"))
        .name(field(user, "name"))
        .email(field(user, "email"));
    for (document, role) in golden["collaboration"].as_object().expect("an object") {
        let role = Role::from_name(role.as_str().expect("a role name")).expect("a known role");
        builder = builder.grant(document.as_str(), role);
    }
    let identity = builder.build().expect("the golden identity is valid");

    let token = issuer.collaboration(&identity).expect("token");
    assert_eq!(token.as_str(), field(&golden, "token"));

    // The parts, decoded, are the vector's header and payload JSON exactly.
    let expected_header = ckeditor_token_core::atob_decode(ckeditor_token_core::HEADER_SEGMENT);
    assert_eq!(
        expected_header.as_deref(),
        Some(field(&golden, "header_json").as_bytes())
    );
    let payload = token.as_str().split('.').nth(1).expect("three parts");
    let decoded = ckeditor_token_core::atob_decode(payload).expect("atob can read it");
    assert_eq!(
        String::from_utf8(decoded).expect("UTF-8"),
        field(&golden, "payload_json")
    );
}

/// Tokens are signed from a cached start for long environment IDs; whatever the ID's length,
/// the signature is the HMAC-SHA256 of the whole signing input, computed here directly.
#[test]
fn the_signature_covers_the_whole_signing_input_for_every_environment_id_length() {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use hmac::{Hmac, KeyInit, Mac};

    const KEY: &str = "an access key of 32 bytes or more, for the test";
    let identity = Identity::builder("user-1")
        .name("Ana")
        .grant("*", Role::Writer)
        .build()
        .expect("identity");
    for len in 1..=48 {
        let id: String = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"[..len].to_owned();
        let issuer = Issuer::builder(Environment::new(&id, KEY).expect("environment"))
            .clock(FixedClock::at_unix_seconds(1_700_000_000))
            .build()
            .expect("issuer");
        let token = issuer.collaboration(&identity).expect("token");
        let (input, signature) = token.as_str().rsplit_once('.').expect("three parts");
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(KEY.as_bytes()).expect("key");
        mac.update(input.as_bytes());
        let expected = mac.finalize().into_bytes();
        assert_eq!(
            signature,
            URL_SAFE_NO_PAD.encode(expected),
            "environment ID of {len} characters"
        );
        let payload = input.split('.').nth(1).expect("a payload");
        let claims: serde_json::Value = serde_json::from_slice(
            &ckeditor_token_core::atob_decode(payload).expect("atob can read it"),
        )
        .expect("JSON");
        assert_eq!(claims["aud"], id.as_str());
    }
}
