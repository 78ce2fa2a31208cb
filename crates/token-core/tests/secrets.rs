//! Keys never appear in an error's `Display` or `Debug`, in any `Debug` print, or in a log line;
//! the log line of a user's invalid identity names the user instead, and the endpoint's log lines
//! show the key as `[key]` where the application's texts hold it, each text on its line.
//!
//! Every test here runs under a subscriber that captures its log: a test that logs without one,
//! on another thread, can leave an event's callsite disabled for all of them (`tracing` caches
//! whether a callsite is wanted), so tests that need no capture live in `key_in_token.rs`.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ckeditor_token_core::{
    CkboxRole, Environment, Error, Expectations, FixedClock, Identity, IdentityBuilder, Issuer,
    Product, Role, SecretKey, TokenEndpoint, UpstreamFailure, UserDecision, inspect,
};

mod keyed;

use keyed::{KEY, issuer, percent_encoded};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("not poisoned")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn assert_clean(text: &str) {
    assert!(!text.contains(KEY), "the key leaked: {text}");
    assert!(
        !text.contains("9f8e7d6c5b4a"),
        "part of the key leaked: {text}"
    );
}

#[test]
fn no_error_debug_print_or_log_line_contains_the_key() {
    let mut texts = Vec::new();
    let log = captured_log(|| {
        let errors = [
            Environment::new("bad id", KEY).map(|_| ()),
            Environment::new("", KEY).map(|_| ()),
            Environment::new("E", &KEY.repeat(40)).map(|_| ()),
            // Two lines of a file pasted for one key.
            Environment::new("E", &format!("{KEY}\nnext-line")).map(|_| ()),
            Environment::new("E", &format!("{KEY}\n")).map(|_| ()),
            Environment::from_lookup(|name| (name == "CKEDITOR_ACCESS_KEY").then(|| KEY.into()))
                .map(|_| ()),
            SecretKey::new(&format!("  {KEY}  "))
                .and_then(|_| SecretKey::new(""))
                .map(|_| ()),
            Issuer::builder(Environment::new("E", KEY).expect("env"))
                .lifetime(Duration::from_secs(5))
                .build()
                .map(|_| ()),
            inspect("a.b", &Expectations::at(0).with_key(KEY.as_bytes())).map(|_| ()),
        ];
        for error in errors {
            let error = error.expect_err("each case is an error");
            texts.push(error.to_string());
            texts.push(format!("{error:?}"));
        }

        // A short key is accepted with a warning, which must not quote it.
        let short = Environment::new("E", "short-9f8e7d6c5b4a").expect("accepted");
        texts.push(format!("{short:?}"));

        let environment = Environment::new("E", KEY).expect("env");
        let issuer = Issuer::builder(environment.clone())
            .clock(FixedClock::at_unix_seconds(1_700_000_000))
            .build()
            .expect("issuer");
        let identity = Identity::builder("u")
            .grant("*", Role::Writer)
            .build()
            .expect("identity");
        let token = issuer.collaboration(&identity).expect("token");
        let endpoint = TokenEndpoint::new(issuer.clone());
        let padded_name = Identity::builder("ann-42").name(" Ann").build();
        assert_eq!(endpoint.decide(padded_name.into()).into_parts().0, 500);
        texts.extend([
            format!("{environment:?}"),
            format!("{issuer:?}"),
            format!("{token:?}"),
        ]);
        assert!(
            !format!("{token:?}").contains(token.as_str()),
            "Debug hides the token"
        );
    });

    for text in &texts {
        assert_clean(text);
    }
    assert!(
        log.contains("shorter than 32 bytes"),
        "the short key was warned about: {log}"
    );
    assert_eq!(
        log.matches("SECRET_KEY as written").count(),
        1,
        "only the padded secret key was warned about: {log}"
    );
    assert!(
        log.contains("issued a token"),
        "issuing is logged at debug: {log}"
    );
    assert!(
        log.contains(concat!(
            "the identity given for the signed-in user is invalid ",
            r#"subject="ann-42" error=invalid user.name"#
        )),
        "the invalid identity is logged with its user: {log}"
    );
    assert_clean(&log);
}

#[test]
fn a_token_that_would_carry_the_access_key_is_not_issued() {
    let inside = |text: &str| format!("{text}{KEY}{text}");
    let avatar = format!("https://cdn.example.com/a.png?k={KEY}");
    let user = |subject: &str| Identity::builder(subject).grant("*", Role::Writer);
    // Each identity carries the key in one field, which the error names: as it is, in other
    // letter case (which leaves so few spellings that a token's signature tells them apart) or
    // percent-encoded.
    let lowered = format!("{}@example.com", KEY.to_lowercase());
    let encoded = format!("https://cdn.example.com/a.png?k={}", percent_encoded(KEY));
    let cases: [(IdentityBuilder, Product, &str); 10] = [
        (user(KEY), Product::Collaboration, "sub"),
        (
            user(&inside("u-")).ai_scopes(["ai:models:*"]),
            Product::Ai,
            "sub",
        ),
        (
            user("u").name(inside("Ann")),
            Product::Collaboration,
            "user.name",
        ),
        (
            user("u").email(inside("a@")).ckbox(CkboxRole::User),
            Product::Ckbox,
            "user.email",
        ),
        (
            user("u").avatar(avatar.as_str()),
            Product::Editor,
            "user.avatar",
        ),
        (
            user("u").email(lowered),
            Product::Collaboration,
            "user.email",
        ),
        (
            user("u").avatar(encoded),
            Product::Collaboration,
            "user.avatar",
        ),
        (
            user("u").grant(inside("doc-"), Role::Writer),
            Product::Collaboration,
            "auth.collaboration",
        ),
        (
            user("u").ckbox(CkboxRole::User).ckbox_workspaces([KEY]),
            Product::Ckbox,
            "auth.ckbox.workspaces",
        ),
        (
            user("u").ai_scopes([format!("ai:models:{KEY}")]),
            Product::Ai,
            "auth.ai.permissions",
        ),
    ];
    let log = captured_log(|| {
        for (builder, product, field) in cases {
            let identity = builder.build().expect("a well-formed identity");
            let error = issuer().issue(product, &identity).expect_err(field);
            let Error::KeyInIdentity {
                field: named,
                subject,
                ..
            } = &error
            else {
                panic!("{field}: {error:?}");
            };
            assert_eq!(*named, field);
            // The subject is for the log, unless it is what holds the key.
            let expected = (field != "sub").then_some("u");
            assert_eq!(subject.as_deref(), expected, "{field}");
            assert!(
                error
                    .to_string()
                    .contains("holds an environment's access key")
            );
            assert_clean(&error.to_string());
            assert_clean(&format!("{error:?}"));

            let endpoint = TokenEndpoint::new(issuer()).with_product(product);
            let (status, _, body) = endpoint.decide(identity.into()).into_parts();
            assert_eq!(status, 500, "{field}");
            assert_clean(&body);
        }
    });
    assert_clean(&log);
    assert_eq!(log.matches("issuing a token failed").count(), 10, "{log}");
    assert_eq!(log.matches(r#"subject="u""#).count(), 8, "{log}");
    assert!(!log.contains("issued a token"), "{log}");
}

/// Runs `work` with a subscriber that captures every log line, and returns them.
fn captured_log(work: impl FnOnce()) -> String {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, work);
    let log = captured.0.lock().expect("not poisoned").clone();
    String::from_utf8(log).expect("UTF-8")
}

#[test]
fn the_endpoint_shows_the_key_as_a_placeholder_in_every_log_line() {
    let endpoint = |product| TokenEndpoint::new(issuer()).with_product(product);
    let keyed = |subject: &str| Identity::builder(subject).grant("*", Role::Writer);
    let statuses = std::cell::RefCell::new(Vec::new());
    let answer = |product, decision: UserDecision| {
        let status = endpoint(product).decide(decision).status();
        statuses.borrow_mut().push(status);
    };
    let log = captured_log(|| {
        let collaboration = Product::Collaboration;
        // An AI token for a user with no AI scope: refused before the key is looked for.
        let no_scope = keyed(KEY).build().expect("identity");
        answer(Product::Ai, no_scope.clone().into());
        // Export to PDF carries nothing of the identity, but its log line names the user.
        answer(Product::CloudService, no_scope.into());
        // An identity that fails its own checks is logged with its user.
        answer(collaboration, keyed(KEY).name("Ann\n").build().into());
        // The key as it is, in other letter case and percent-encoded.
        let reason = format!(
            "the account {KEY} is locked ({}, {})",
            KEY.to_lowercase(),
            percent_encoded(KEY)
        );
        answer(collaboration, UserDecision::Refuse(reason.clone()));
        answer(collaboration, UserDecision::BadRequest(reason.clone()));
        answer(
            collaboration,
            UserDecision::Unavailable {
                failure: UpstreamFailure::BadAnswer,
                detail: reason.clone(),
            },
        );
        let lookup = endpoint(collaboration).lookup_failed(&reason).status();
        let rejected = endpoint(collaboration).user_rejected_saying(503, &reason);
        // What a rejection said is cut after 200 characters, here in the middle of the key.
        let across_the_cut = format!("{}{KEY}", "x".repeat(190));
        let long = endpoint(collaboration).user_rejected_saying(503, &across_the_cut);
        statuses
            .borrow_mut()
            .extend([lookup, rejected.status(), long.status()]);
    });
    assert_eq!(
        statuses.into_inner(),
        [403, 200, 500, 403, 400, 502, 500, 500, 500]
    );
    assert_clean(&log);
    assert!(
        !log.contains("SUPER-SECRET"),
        "the start of the key leaked: {log}"
    );
    assert!(!log.contains("%53%55%50"), "the encoded key leaked: {log}");
    assert_eq!(log.matches("is locked ([key], [key])").count(), 5, "{log}");
    let lines: Vec<&str> = log.lines().collect();
    let placeholders = lines.iter().filter(|line| line.contains("[key]")).count();
    assert_eq!(placeholders, 9, "each line shows where the key was: {log}");
    assert_eq!(log.matches(r#"subject="[key]""#).count(), 3, "{log}");
}

#[test]
fn every_environments_key_is_hidden_and_an_environment_without_issuer_is_logged() {
    let other_key = "OTHER-tenant-key-material-0123456789ab";
    let other = Issuer::new(Environment::new("other-env", other_key).expect("env")).expect("ok");
    let endpoint = TokenEndpoint::new(issuer()).with_issuer(other);
    let log = captured_log(|| {
        let said = format!("the lookup with {other_key} failed");
        assert_eq!(endpoint.user_rejected_saying(503, &said).status(), 500);
        let identity = Identity::builder("ann")
            .grant("*", Role::Writer)
            .build()
            .expect("identity");
        let decision = UserDecision::IssueIn {
            environment: "missing-env".to_owned(),
            identity,
        };
        assert_eq!(endpoint.decide(decision).status(), 500);
    });
    assert!(
        !log.contains(other_key) && !log.contains("OTHER-tenant"),
        "{log}"
    );
    assert!(log.contains("the lookup with [key] failed"), "{log}");
    assert!(
        log.contains("the application chose an environment the token endpoint has no issuer for")
            && log.contains(r#"subject="ann" environment="missing-env""#),
        "{log}"
    );
    assert_clean(&log);
}

/// With many environments, a log line that holds any of their keys, whole or cut short, hides it,
/// and one that holds none is written as it is.
#[test]
fn with_many_environments_every_key_is_hidden_from_the_log() {
    let key_of = |n: usize| format!("tenant-{n}-key-material-0123456789abcdef");
    let endpoint = (1..10).fold(TokenEndpoint::new(issuer()), |endpoint, n| {
        let environment = Environment::new(&format!("tenant-{n}"), &key_of(n)).expect("env");
        endpoint.with_issuer(Issuer::new(environment).expect("issuer"))
    });
    let cut = &key_of(4)[..12];
    let log = captured_log(|| {
        for said in [
            format!("the lookup with {} failed", key_of(7)),
            format!("the lookup with {} failed", key_of(2).to_ascii_uppercase()),
            format!("the lookup with \"{cut}\"… failed"),
            "the lookup with tenant-3-key failed".to_owned(),
        ] {
            assert_eq!(endpoint.user_rejected_saying(503, &said).status(), 500);
        }
    });
    assert_eq!(
        log.matches("the lookup with [key] failed").count(),
        2,
        "{log}"
    );
    assert!(
        log.contains(r#"the lookup with \"[key]\"… failed"#),
        "{log}"
    );
    assert!(log.contains("the lookup with tenant-3-key failed"), "{log}");
    assert!(!log.contains(cut) && !log.contains("key-material"), "{log}");
    assert_clean(&log);
}

#[test]
fn a_key_under_32_bytes_is_warned_about_and_one_of_32_is_not() {
    let key_of = |len: usize| KEY.chars().cycle().take(len).collect::<String>();
    let short = captured_log(|| {
        Environment::new("E", &key_of(31)).expect("accepted");
    });
    assert_eq!(short.matches("shorter than 32 bytes").count(), 1, "{short}");
    assert!(short.contains("Customer Portal"), "{short}");
    let enough = captured_log(|| {
        Environment::new("E", &key_of(32)).expect("accepted");
    });
    assert!(enough.is_empty(), "{enough}");
    // An on-premises secret key is the server's own, not the portal's.
    let secret = captured_log(|| {
        SecretKey::new(&key_of(20)).expect("accepted");
    });
    assert!(
        secret.contains("shorter than 32 bytes")
            && secret.contains("give the on-premises server a longer one")
            && !secret.contains("Portal"),
        "{secret}"
    );
}

#[test]
fn a_line_break_in_the_applications_text_starts_no_log_line() {
    let endpoint = TokenEndpoint::new(issuer());
    let forged = "2026-01-01T00:00:00Z ERROR forged";
    let texts = [
        format!("rule suspended\n{forged}"),
        format!("rule suspended\r\n{forged}"),
        format!("rule suspended\u{2028}{forged}"),
        format!("rule suspended\u{1b}[2K\r{forged}"),
    ];
    let log = captured_log(|| {
        for text in &texts {
            let statuses = [
                endpoint.decide(UserDecision::Refuse(text.clone())).status(),
                endpoint
                    .decide(UserDecision::BadRequest(text.clone()))
                    .status(),
                endpoint
                    .decide(UserDecision::Unavailable {
                        failure: UpstreamFailure::Unreachable,
                        detail: text.clone(),
                    })
                    .status(),
                endpoint.lookup_failed(text).status(),
                endpoint.user_rejected_saying(500, text).status(),
            ];
            assert_eq!(statuses, [403, 400, 503, 500, 500]);
        }
    });
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 5 * texts.len(), "one line per answer: {log}");
    assert!(lines.iter().all(|line| !line.starts_with(forged)), "{log}");
    assert!(!log.contains(['\r', '\u{2028}', '\u{1b}']), "{log:?}");
    // The breaks are shown as escapes.
    assert_eq!(log.matches(r"rule suspended\n2026").count(), 5, "{log}");
    assert_eq!(
        log.matches(r"rule suspended\u{2028}2026").count(),
        5,
        "{log}"
    );
}

#[test]
fn a_key_with_quotes_is_hidden_where_an_error_quotes_it_and_where_it_is_cut_short() {
    let key = r#"Kx9pQ72zZab"SECRET\0123456789abcdefXYZ"#;
    let environment = Environment::new("quoting-env", key).expect("a printable ASCII key");
    let endpoint = TokenEndpoint::new(Issuer::new(environment).expect("issuer"));
    let log = captured_log(|| {
        for granted in [key.to_owned(), key.to_lowercase(), format!("ai:{key}")] {
            let twice = Identity::builder("u")
                .grant(granted.as_str(), Role::Writer)
                .grant(granted.as_str(), Role::Reader)
                .build();
            assert_eq!(endpoint.decide(twice.into()).status(), 500);
        }
        // A document key over the limit is quoted by its first 32 characters: most of the key.
        let long = format!("{key}/{}", "d".repeat(300));
        let cut = Identity::builder("u")
            .grant(long.as_str(), Role::Writer)
            .build();
        assert_eq!(endpoint.decide(cut.into()).status(), 500);
        // What a rejection said is cut after 200 characters, here inside the encoded key.
        let encoded = format!("{}{}", "x".repeat(190), percent_encoded(key));
        assert_eq!(endpoint.user_rejected_saying(503, &encoded).status(), 500);
    });
    let lowered = log.to_lowercase();
    for piece in ["pq72zzab", "secret", "0123456789", "%4b%78%39"] {
        assert!(!lowered.contains(piece), "{piece} leaked: {log}");
    }
    assert_eq!(
        log.matches(r#"document key "[key]" is granted twice"#)
            .count(),
        2,
        "{log}"
    );
    assert!(log.contains(r#""[key]"…"#), "{log}");
}

/// A key that holds another environment's key, or overlaps it, is hidden whole, not around the
/// other's placeholder.
#[test]
fn keys_that_hold_or_overlap_each_other_are_hidden_whole() {
    let cases = [
        (
            "PrefixKeyAAAA0123456789",
            "PrefixKeyAAAA0123456789-TailSecretBBBB9876",
            "PrefixKeyAAAA0123456789-TailSecretBBBB9876",
        ),
        (
            "OverlapKeyCCCC-12345678",
            "12345678-OverlapKeyDDDD",
            "OverlapKeyCCCC-12345678-OverlapKeyDDDD",
        ),
    ];
    for (first, second, value) in cases {
        let main = Environment::new("env-main", first).expect("env");
        let other = Environment::new("env-other", second).expect("env");
        let endpoint = TokenEndpoint::new(Issuer::new(main).expect("issuer"))
            .with_issuer(Issuer::new(other).expect("issuer"));
        let log = captured_log(|| {
            let said = format!("the value was {value} here");
            assert_eq!(endpoint.user_rejected_saying(503, &said).status(), 500);
        });
        assert!(log.contains("the value was [key] here"), "{log}");
        for leftover in ["TailSecret", "OverlapKey", "12345678"] {
            assert!(!log.contains(leftover), "{leftover}: {log}");
        }
    }
}
