//! One test per product: the payload each constructor writes, spelled out by hand.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ckeditor_token_core::{
    CkboxRole, Environment, Error, FixedClock, Grant, Identity, Issuer, OnPremisesIssuer,
    Permission, Product, Role, SecretKey, Token,
};
use hmac::{Hmac, KeyInit, Mac};
use std::time::Duration;

const KEY: &str = "test-access-key-0123456789-abcdefghijklmnop";
const NOW: u64 = 1_700_000_000;

fn issuer(lifetime: Option<u64>) -> Issuer {
    let environment = Environment::new("ENV_TEST_123", KEY).expect("environment");
    let builder = Issuer::builder(environment).clock(FixedClock::at_unix_seconds(NOW));
    let builder = match lifetime {
        Some(seconds) => builder.lifetime(Duration::from_secs(seconds)),
        None => builder.without_expiry(),
    };
    builder.build().expect("issuer")
}

/// The payload JSON, after checking the header and the signature independently.
fn payload(token: &Token, key: &str) -> String {
    let parts: Vec<&str> = token.as_str().split('.').collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(
        URL_SAFE_NO_PAD.decode(parts[0]).expect("b64"),
        br#"{"typ":"JWT","alg":"HS256"}"#
    );
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).expect("key");
    mac.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
    assert_eq!(
        URL_SAFE_NO_PAD.decode(parts[2]).expect("b64"),
        mac.finalize().into_bytes()[..]
    );
    String::from_utf8(URL_SAFE_NO_PAD.decode(parts[1]).expect("b64")).expect("UTF-8")
}

fn joe() -> Identity {
    Identity::builder("user-1")
        .name("Joe Doe")
        .email("joe@example.com")
        .grant("doc-1", Grant::role(Role::Writer))
        .grant(
            "*-draft",
            Grant::role(Role::Reader).with_permissions([Permission::CommentWrite]),
        )
        .ckbox(CkboxRole::Admin)
        .ckbox_workspaces(["ws-1", "ws-2"])
        .ai_scopes(["ai:models:*", "ai:actions:custom"])
        .build()
        .expect("identity")
}

#[test]
fn collaboration() {
    let token = issuer(Some(3600)).collaboration(&joe()).expect("token");
    assert_eq!(
        payload(&token, KEY),
        concat!(
            r#"{"aud":"ENV_TEST_123","iat":1700000000,"exp":1700003600,"sub":"user-1","#,
            r#""user":{"email":"joe@example.com","name":"Joe Doe"},"#,
            r#""auth":{"collaboration":{"doc-1":{"role":"writer"},"#,
            r#""*-draft":{"role":"reader","permissions":["comment:write"]}}}}"#,
        )
    );
}

#[test]
fn collaboration_without_expiry_has_no_exp_key() {
    let identity = Identity::builder("u")
        .grant("*", Role::Commentator)
        .build()
        .expect("identity");
    let token = issuer(None).collaboration(&identity).expect("token");
    assert_eq!(
        payload(&token, KEY),
        concat!(
            r#"{"aud":"ENV_TEST_123","iat":1700000000,"sub":"u","#,
            r#""auth":{"collaboration":{"*":{"role":"commentator"}}}}"#,
        )
    );
}

#[test]
fn ckbox() {
    let token = issuer(Some(600)).ckbox(&joe()).expect("token");
    assert_eq!(
        payload(&token, KEY),
        concat!(
            r#"{"aud":"ENV_TEST_123","iat":1700000000,"exp":1700000600,"sub":"user-1","#,
            r#""user":{"email":"joe@example.com","name":"Joe Doe"},"#,
            r#""auth":{"ckbox":{"role":"admin","workspaces":["ws-1","ws-2"]}}}"#,
        )
    );
}

/// A grant of one permission, given as the permission alone, is written without a role.
#[test]
fn a_permission_alone_is_a_grant_without_a_role() {
    let identity = Identity::builder("user-1")
        .grant("notes-*", Permission::CommentWrite)
        .build()
        .expect("identity");
    let token = issuer(Some(3600)).collaboration(&identity).expect("token");
    assert_eq!(
        payload(&token, KEY),
        concat!(
            r#"{"aud":"ENV_TEST_123","iat":1700000000,"exp":1700003600,"sub":"user-1","#,
            r#""auth":{"collaboration":{"notes-*":{"permissions":["comment:write"]}}}}"#,
        )
    );
}

#[test]
fn ai_always_expires() {
    let token = issuer(None).ai(&joe()).expect("token");
    assert_eq!(
        payload(&token, KEY),
        concat!(
            r#"{"aud":"ENV_TEST_123","iat":1700000000,"exp":1700003600,"sub":"user-1","#,
            r#""auth":{"ai":{"permissions":["ai:models:*","ai:actions:custom"]}}}"#,
        )
    );
}

#[test]
fn editor_carries_every_section() {
    let token = issuer(Some(3600)).editor(&joe()).expect("token");
    let json: serde_json::Value = serde_json::from_str(&payload(&token, KEY)).expect("JSON");
    let expected: serde_json::Value = serde_json::from_str(
        r#"{"aud":"ENV_TEST_123","iat":1700000000,"exp":1700003600,"sub":"user-1",
            "user":{"email":"joe@example.com","name":"Joe Doe"},
            "auth":{"collaboration":{"doc-1":{"role":"writer"},
                                     "*-draft":{"role":"reader","permissions":["comment:write"]}},
                    "ckbox":{"role":"admin","workspaces":["ws-1","ws-2"]},
                    "ai":{"permissions":["ai:models:*","ai:actions:custom"]}}}"#,
    )
    .expect("JSON");
    assert_eq!(json, expected);
}

#[test]
fn editor_tokens_without_expiry_expire_only_with_ai_scopes() {
    let with_ai = Identity::builder("u")
        .ai_scopes(["ai:models:*"])
        .build()
        .expect("identity");
    let token = issuer(None).editor(&with_ai).expect("token");
    assert_eq!(
        payload(&token, KEY),
        concat!(
            r#"{"aud":"ENV_TEST_123","iat":1700000000,"exp":1700003600,"sub":"u","#,
            r#""auth":{"ai":{"permissions":["ai:models:*"]}}}"#,
        )
    );
    let without_ai = Identity::builder("u")
        .grant("*", Role::Writer)
        .build()
        .expect("identity");
    let token = issuer(None).editor(&without_ai).expect("token");
    assert_eq!(
        payload(&token, KEY),
        concat!(
            r#"{"aud":"ENV_TEST_123","iat":1700000000,"sub":"u","#,
            r#""auth":{"collaboration":{"*":{"role":"writer"}}}}"#,
        )
    );
}

#[test]
fn cloud_services_get_aud_and_iat_only() {
    let issuer = issuer(Some(3600));
    let token = issuer.cloud_service().expect("token");
    assert_eq!(
        payload(&token, KEY),
        r#"{"aud":"ENV_TEST_123","iat":1700000000}"#
    );
    // Through the product, as an endpoint for these services issues them: the same bytes,
    // whatever the signed-in user's identity holds.
    let through_product = issuer.issue(Product::CloudService, &joe()).expect("token");
    assert_eq!(through_product.as_str(), token.as_str());
}

#[test]
fn on_premises_converters_get_iat_only_signed_with_the_secret_key() {
    let secret = "on-premises-secret-key-0123456789abcdef";
    let issuer = OnPremisesIssuer::new(&SecretKey::new(secret).expect("key"))
        .expect("issuer")
        .with_clock(FixedClock::at_unix_seconds(NOW));
    assert_eq!(
        payload(&issuer.token().expect("token"), secret),
        r#"{"iat":1700000000}"#
    );
}

#[test]
fn products_without_their_grant_are_refused() {
    let bare = Identity::builder("u").build().expect("identity");
    let issuer = issuer(Some(3600));
    for result in [
        issuer.collaboration(&bare),
        issuer.ckbox(&bare),
        issuer.ai(&bare),
    ] {
        assert!(
            matches!(result, Err(Error::MissingGrant { .. })),
            "{result:?}"
        );
    }
}

#[test]
fn iat_is_floored() {
    let environment = Environment::new("E", KEY).expect("environment");
    let instant = std::time::UNIX_EPOCH + Duration::from_millis(NOW * 1000 + 999);
    let issuer = Issuer::builder(environment)
        .without_expiry()
        .clock(FixedClock::new(instant))
        .build()
        .expect("issuer");
    assert_eq!(
        payload(&issuer.cloud_service().expect("token"), KEY),
        r#"{"aud":"E","iat":1700000000}"#
    );
}

#[test]
fn lifetimes_outside_one_minute_to_a_day_are_refused() {
    for seconds in [0, 1, 59, 86_401, 1_000_000] {
        let environment = Environment::new("E", KEY).expect("environment");
        let result = Issuer::builder(environment)
            .lifetime(Duration::from_secs(seconds))
            .build();
        assert!(
            matches!(result, Err(Error::InvalidLifetime { .. })),
            "{seconds}"
        );
    }
    for seconds in [60, 3600, 86_400] {
        let environment = Environment::new("E", KEY).expect("environment");
        assert!(
            Issuer::builder(environment)
                .lifetime(Duration::from_secs(seconds))
                .build()
                .is_ok()
        );
    }
}

#[test]
fn each_environment_signs_with_its_own_key() {
    let first =
        Issuer::new(Environment::new("ENV_A", "key-of-environment-a-0123456789abcdef").expect("a"))
            .expect("issuer a");
    let second =
        Issuer::new(Environment::new("ENV_B", "key-of-environment-b-0123456789abcdef").expect("b"))
            .expect("issuer b");
    let identity = Identity::builder("u")
        .grant("*", Role::Reader)
        .build()
        .expect("identity");
    let a = first.collaboration(&identity).expect("token a");
    let b = second.collaboration(&identity).expect("token b");
    assert!(payload(&a, "key-of-environment-a-0123456789abcdef").contains(r#""aud":"ENV_A""#));
    assert!(payload(&b, "key-of-environment-b-0123456789abcdef").contains(r#""aud":"ENV_B""#));
}

#[test]
fn debug_prints_hide_the_token_and_the_signer_but_say_what_they_are() {
    let issuer = issuer(Some(3600));
    let token = issuer.collaboration(&joe()).expect("token");
    assert_eq!(
        format!("{token:?}"),
        format!("Token([redacted; {} bytes])", token.as_str().len())
    );
    let shown = format!("{issuer:?}");
    assert!(shown.contains("Signer([redacted])"), "{shown}");
    assert!(!shown.contains(KEY), "{shown}");
}
