//! One endpoint for several environments: the user's decision names the environment, and the
//! token is that environment's, signed with its key only.

use ckeditor_token_core::{
    Environment, FAILURE_BODY, FixedClock, Identity, Issuer, Role, TokenEndpoint, UserDecision,
};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

const NOW: u64 = 1_700_000_000;
const ACME: (&str, &str) = ("acme-env", "acme-access-key-0123456789abcdefghijklmnop");
const GLOBEX: (&str, &str) = ("globex-env", "globex-access-key-0123456789abcdefghijkl");

fn issuer((id, key): (&str, &str)) -> Issuer {
    Issuer::builder(Environment::new(id, key).expect("environment"))
        .clock(FixedClock::at_unix_seconds(NOW))
        .build()
        .expect("issuer")
}

fn ann() -> Identity {
    Identity::builder("ann")
        .grant("*", Role::Writer)
        .build()
        .expect("identity")
}

/// The claims of `token` if it verifies with the environment `(id, key)`, by `jsonwebtoken`.
fn verified(token: &str, (id, key): (&str, &str)) -> Option<Value> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&[id]);
    validation.validate_exp = false;
    let key = DecodingKey::from_secret(key.as_bytes()).expect("an HMAC key");
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .ok()
        .map(|data| data.claims)
}

fn in_environment(environment: &str) -> UserDecision {
    UserDecision::IssueIn {
        environment: environment.to_owned(),
        identity: ann(),
    }
}

#[test]
fn a_decision_that_names_an_environment_gets_that_environments_token() {
    let endpoint = TokenEndpoint::new(issuer(ACME)).with_issuer(issuer(GLOBEX));
    for (decision, environment, other) in [
        (UserDecision::Issue(ann()), ACME, GLOBEX),
        (in_environment("acme-env"), ACME, GLOBEX),
        (in_environment("globex-env"), GLOBEX, ACME),
    ] {
        let response = endpoint.decide(decision);
        assert_eq!(response.status(), 200, "{}", response.body());
        let claims = verified(response.body(), environment).expect("verifies");
        assert_eq!(claims["aud"], environment.0);
        assert_eq!(claims["sub"], "ann");
        assert_eq!(claims["iat"], NOW);
        assert!(verified(response.body(), other).is_none(), "{}", other.0);
    }
    assert_eq!(
        endpoint
            .issuer_of("globex-env")
            .map(|issuer| issuer.environment().id().as_str()),
        Some("globex-env")
    );
    assert!(endpoint.issuer_of("initech-env").is_none());
}

#[test]
fn an_environment_the_endpoint_has_no_issuer_for_is_a_failure() {
    let endpoint = TokenEndpoint::new(issuer(ACME));
    for environment in ["globex-env", "", "ACME-ENV"] {
        let response = endpoint.decide(in_environment(environment));
        assert_eq!(response.status(), 500, "{environment:?}");
        assert_eq!(response.body(), FAILURE_BODY);
    }
}

#[test]
fn an_issuer_of_an_environment_the_endpoint_has_replaces_it() {
    let rotated = ("acme-env", "acme-rotated-key-0123456789abcdefghijklmno");
    let endpoint = TokenEndpoint::new(issuer(ACME))
        .with_issuer(issuer(GLOBEX))
        .with_issuer(issuer(rotated));
    let token = endpoint.decide(in_environment("acme-env")).into_body();
    assert!(verified(&token, rotated).is_some());
    assert!(verified(&token, ACME).is_none());
    assert_eq!(
        endpoint.issuer().environment().access_key().expose_bytes(),
        rotated.1.as_bytes()
    );
}

#[test]
fn a_token_of_one_environment_never_carries_anothers_key() {
    let endpoint = TokenEndpoint::new(issuer(ACME)).with_issuer(issuer(GLOBEX));
    let named = |name: &str, environment: &str| UserDecision::IssueIn {
        environment: environment.to_owned(),
        identity: Identity::builder("ann")
            .name(name)
            .grant("*", Role::Writer)
            .build()
            .expect("identity"),
    };
    for (own, other) in [(ACME, GLOBEX), (GLOBEX, ACME)] {
        let upper = other.1.to_ascii_uppercase();
        for name in [other.1, upper.as_str()] {
            let (status, _, body) = endpoint.decide(named(name, own.0)).into_parts();
            assert_eq!(
                (status, body.as_str()),
                (500, FAILURE_BODY),
                "{name} in {}",
                own.0
            );
        }
        // A name that holds neither key is signed as usual.
        let (status, _, token) = endpoint.decide(named("Ann", own.0)).into_parts();
        assert_eq!(status, 200);
        assert!(verified(&token, own).is_some());
    }
    // An endpoint of one environment looks for its own key only.
    let alone = TokenEndpoint::new(issuer(ACME));
    assert_eq!(alone.decide(named(GLOBEX.1, ACME.0)).status(), 200);
}

/// An identity of `ann` in `environment`, with the avatar `avatar` and the name `name`.
fn profiled(environment: &str, name: &str, avatar: &str) -> UserDecision {
    UserDecision::IssueIn {
        environment: environment.to_owned(),
        identity: Identity::builder("ann")
            .name(name)
            .avatar(avatar)
            .grant("*", Role::Writer)
            .build()
            .expect("identity"),
    }
}

/// Percent-encodes every byte of `text`.
fn percent_encoded(text: &str) -> String {
    text.bytes().map(|byte| format!("%{byte:02X}")).collect()
}

/// Many environments' keys are searched for at once: each is refused in every other
/// environment's tokens, in every form, as with two.
#[test]
fn with_many_environments_no_token_carries_any_of_their_keys() {
    let tenants: Vec<(String, String)> = (0..12)
        .map(|n| {
            (
                format!("tenant-{n}"),
                format!("tenant-{n}-access-key-{}", "0123456789abcdef".repeat(2)),
            )
        })
        .collect();
    let pair = |n: usize| (tenants[n].0.as_str(), tenants[n].1.as_str());
    let endpoint = (1..tenants.len()).fold(TokenEndpoint::new(issuer(pair(0))), |endpoint, n| {
        endpoint.with_issuer(issuer(pair(n)))
    });
    let plain_avatar = "https://avatars.example.com/users/ann/profile-picture-large.png";
    for (own, other) in [(0, 11), (11, 0), (5, 6), (6, 5), (3, 3)] {
        let (own_id, other_key) = (tenants[own].0.as_str(), tenants[other].1.as_str());
        let in_avatar = format!("https://a.example/{}.png", percent_encoded(other_key));
        for (name, avatar) in [
            (other_key.to_owned(), plain_avatar),
            (
                format!("Ann {}", other_key.to_ascii_uppercase()),
                plain_avatar,
            ),
            ("Ann".to_owned(), in_avatar.as_str()),
        ] {
            let response = endpoint.decide(profiled(own_id, &name, avatar));
            assert_eq!(
                (response.status(), response.body()),
                (500, FAILURE_BODY),
                "{name} {avatar} in {own_id}"
            );
        }
        let response = endpoint.decide(profiled(own_id, "Ann", plain_avatar));
        assert_eq!(response.status(), 200, "{}", response.body());
        assert!(verified(response.body(), pair(own)).is_some());
    }

    // A replaced issuer's new key is searched for, and its old key no longer is.
    let rotated = ("tenant-7", "tenant-7-rotated-key-0123456789abcdefghijkl");
    let endpoint = endpoint.with_issuer(issuer(rotated));
    let old_key = tenants[7].1.as_str();
    for (name, status) in [(rotated.1, 500), (old_key, 200)] {
        let response = endpoint.decide(profiled("tenant-2", name, plain_avatar));
        assert_eq!(response.status(), status, "{name}");
    }
}

/// An environment whose ID holds another environment's key, in any letter case, would show it
/// in every token's `aud`: its tokens are refused, and the other environments' are not.
#[test]
fn no_token_shows_another_environments_key_in_aud() {
    let acme = ("acme-env", "Globex2024AccessKey-0123456789abcdef");
    let lowered = acme.1.to_ascii_lowercase();
    let holding = format!("t-{}", acme.1);
    for id in [lowered.as_str(), acme.1, holding.as_str()] {
        let other = (id, "the-access-key-of-the-other-environment-01");
        for count in [2, 8] {
            let endpoint = (0..count - 2).fold(
                TokenEndpoint::new(issuer(acme)).with_issuer(issuer(other)),
                |endpoint, n| {
                    let key = format!("filler-{n}-access-key-0123456789abcdef");
                    endpoint.with_issuer(issuer((&format!("filler-{n}"), &key)))
                },
            );
            let response = endpoint.decide(in_environment(id));
            assert_eq!(
                (response.status(), response.body()),
                (500, FAILURE_BODY),
                "{id} with {count} environments"
            );
            let response = endpoint.decide(in_environment("acme-env"));
            assert_eq!(response.status(), 200, "{id}: {}", response.body());
        }
    }
}
