//! Inspection of tokens made elsewhere: each rule of the spec, broken on purpose in a token
//! signed here by hand.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ckeditor_token_core::{
    Error, Expectations, Finding, SignatureCheck, first_duplicate_key, inspect,
};
use hmac::{Hmac, KeyInit, Mac};

const KEY: &[u8] = b"inspection-test-key-0123456789abcdef";
const NOW: u64 = 1_700_000_000;
const ENVIRONMENT: &str = "ENV_TEST_123";

/// A token with this header and payload JSON, signed with `KEY`.
fn token(header: &str, payload: &str) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(KEY).expect("key");
    mac.update(input.as_bytes());
    format!(
        "{input}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

fn findings(payload: &str) -> Vec<Finding> {
    let expect = Expectations::at(NOW)
        .with_key(KEY)
        .with_environment_id(ENVIRONMENT);
    let token = token(r#"{"typ":"JWT","alg":"HS256"}"#, payload);
    inspect(&token, &expect).expect("a JWT").findings
}

#[test]
fn a_good_token_has_no_findings() {
    let expect = Expectations::at(NOW)
        .with_key(KEY)
        .with_environment_id(ENVIRONMENT);
    let good = token(
        r#"{"typ":"JWT","alg":"HS256"}"#,
        concat!(
            r#"{"aud":"ENV_TEST_123","iat":1699999990,"exp":1700003590,"#,
            r#""sub":"u","auth":{"collaboration":{"*":{"role":"writer"}}}}"#,
        ),
    );
    let inspection = inspect(&good, &expect).expect("a JWT");
    assert_eq!(inspection.findings, []);
    assert_eq!(inspection.signature, SignatureCheck::Valid);
    assert_eq!(inspection.claims["sub"], "u");
    assert!(inspection.is_ok());
}

#[test]
fn each_broken_rule_is_reported() {
    let cases: Vec<(&str, Finding)> = vec![
        (r#"{"iat":1700000000}"#, Finding::AudienceMissing),
        (
            r#"{"aud":["ENV_TEST_123"],"iat":1700000000}"#,
            Finding::AudienceArray,
        ),
        (r#"{"aud":7,"iat":1700000000}"#, Finding::AudienceNotString),
        (
            r#"{"aud":"OTHER","iat":1700000000}"#,
            Finding::AudienceMismatch {
                expected: ENVIRONMENT.into(),
                found: "OTHER".into(),
            },
        ),
        (
            r#"{"iss":"ENV_TEST_123","aud":"ENV_TEST_123","iat":1700000000}"#,
            Finding::UnexpectedClaim { name: "iss" },
        ),
        (r#"{"aud":"ENV_TEST_123"}"#, Finding::IssuedAtMissing),
        (
            r#"{"aud":"ENV_TEST_123","iat":1700000000.5}"#,
            Finding::IssuedAtNotInteger {
                found: "1700000000.5".into(),
            },
        ),
        (
            r#"{"aud":"ENV_TEST_123","iat":1700000060}"#,
            Finding::IssuedAtInFuture {
                iat: 1_700_000_060,
                now: NOW,
            },
        ),
        (
            r#"{"aud":"ENV_TEST_123","iat":1699900000}"#,
            Finding::IssuedAtTooOld {
                iat: 1_699_900_000,
                now: NOW,
            },
        ),
        (
            r#"{"aud":"ENV_TEST_123","iat":1700000000000}"#,
            Finding::IssuedAtInMilliseconds {
                iat: 1_700_000_000_000,
            },
        ),
        (
            r#"{"aud":"ENV_TEST_123","iat":1700000000,"exp":1700003600000}"#,
            Finding::ExpiryInMilliseconds {
                exp: 1_700_003_600_000,
            },
        ),
        (
            r#"{"aud":"ENV_TEST_123","iat":1699990000,"exp":1699980000}"#,
            Finding::ExpiryNotAfterIssuedAt {
                iat: 1_699_990_000,
                exp: 1_699_980_000,
            },
        ),
        (
            r#"{"aud":"ENV_TEST_123","iat":1700000000,"exp":1700090000}"#,
            Finding::ExpiryTooFar {
                iat: 1_700_000_000,
                exp: 1_700_090_000,
            },
        ),
        (
            r#"{"aud":"ENV_TEST_123","iat":1700000000,"exp":"soon"}"#,
            Finding::ExpiryNotInteger {
                found: "\"soon\"".into(),
            },
        ),
        (
            concat!(
                r#"{"aud":"ENV_TEST_123","iat":1700000000,"#,
                r#""auth":{"collaboration":{"doc":{"role":"owner"}}}}"#,
            ),
            Finding::UnknownRole {
                document: "doc".into(),
                role: "\"owner\"".into(),
            },
        ),
        (
            concat!(
                r#"{"aud":"ENV_TEST_123","iat":1700000000,"#,
                r#""auth":{"collaboration":{"doc":{"permissions":["doc:delete"]}}}}"#,
            ),
            Finding::UnknownPermission {
                document: "doc".into(),
                permission: "\"doc:delete\"".into(),
            },
        ),
        (
            r#"{"aud":"ENV_TEST_123","iat":1700000000,"auth":{"ckbox":{"role":"owner"}}}"#,
            Finding::UnknownCkboxRole {
                role: "\"owner\"".into(),
            },
        ),
        (
            r#"{"aud":"ENV_TEST_123","iat":1700000000,"sub":42}"#,
            Finding::MalformedClaim {
                path: "sub".into(),
                expected: "a string with the user's ID",
            },
        ),
        (
            r#"{"aud":"ENV_TEST_123","iat":1700000000,"sub":" "}"#,
            Finding::MalformedClaim {
                path: "sub".into(),
                expected: "a string with the user's ID",
            },
        ),
        (
            concat!(
                r#"{"aud":"ENV_TEST_123","iat":1700000000,"sub":"u","#,
                r#""auth":{"collaboration":{"a*b":{"role":"writer"}}}}"#,
            ),
            Finding::MalformedClaim {
                path: r#"the key "a*b" of auth.collaboration"#.into(),
                expected: "a document ID, or a pattern with '*' alone, at its start or at its end",
            },
        ),
        (
            concat!(
                r#"{"aud":"ENV_TEST_123","iat":1700000000,"sub":"u","#,
                r#""auth":{"collaboration":{"*":{}}}}"#,
            ),
            Finding::MalformedClaim {
                path: "auth.collaboration.*".into(),
                expected: "an object with a role, permissions or both",
            },
        ),
        (
            concat!(
                r#"{"aud":"ENV_TEST_123","iat":1700000000,"sub":"u","#,
                r#""auth":{"ckbox":{"role":"user","workspaces":"ws1"}}}"#,
            ),
            Finding::MalformedClaim {
                path: "auth.ckbox.workspaces".into(),
                expected: "an array of workspace IDs",
            },
        ),
        (
            concat!(
                r#"{"aud":"ENV_TEST_123","iat":1700000000,"sub":"u","#,
                r#""auth":{"ckbox":"admin"}}"#,
            ),
            Finding::MalformedClaim {
                path: "auth.ckbox".into(),
                expected: "an object with a CKBox role",
            },
        ),
        (
            concat!(
                r#"{"aud":"ENV_TEST_123","iat":1700000000,"exp":1700000600,"sub":"u","#,
                r#""auth":{"ai":{"permissions":"ai:models:*"}}}"#,
            ),
            Finding::MalformedClaim {
                path: "auth.ai.permissions".into(),
                expected: "an array of scopes",
            },
        ),
        (
            concat!(
                r#"{"aud":"ENV_TEST_123","iat":1700000000,"exp":1700000600,"sub":"u","#,
                r#""auth":{"ai":{"permissions":["ai:models:*","models","ai:*:x"]}}}"#,
            ),
            Finding::MalformedClaim {
                path: "auth.ai.permissions[2]".into(),
                expected: "a scope of the form ai:<type>:<value>, with '*' only at its end",
            },
        ),
        (
            concat!(
                r#"{"aud":"ENV_TEST_123","iat":1700000000,"exp":1700000600,"sub":"u","#,
                r#""auth":{"ai":{"permissions":["ai:models:*","models"]}}}"#,
            ),
            Finding::MalformedClaim {
                path: "auth.ai.permissions[1]".into(),
                expected: "a scope of the form ai:<type>:<value>, with '*' only at its end",
            },
        ),
        (
            concat!(
                r#"{"aud":"ENV_TEST_123","iat":1700000000,"sub":"u","#,
                r#""user":{"avatar":"data:image/png;base64,AAAA"}}"#,
            ),
            Finding::MalformedClaim {
                path: "user.avatar".into(),
                expected: "an http(s) image URL",
            },
        ),
    ];
    for (payload, finding) in cases {
        assert!(
            findings(payload).contains(&finding),
            "{payload} should give {finding:?}"
        );
    }
}

#[test]
fn user_texts_the_issuer_refuses_are_reported_without_being_quoted() {
    let finding = |path: &str, problem: &str| Finding::InvalidText {
        path: path.to_owned(),
        problem: problem.to_owned(),
    };
    let long_name = "n".repeat(257);
    let cases = [
        (
            r#""sub":" u""#.to_owned(),
            vec![finding("sub", "it starts or ends with whitespace")],
        ),
        (
            r#""sub":"u","user":{"name":"Ann\u202eevil"}"#.to_owned(),
            vec![finding(
                "user.name",
                "it contains control characters (including line separators and text-direction \
                 overrides)",
            )],
        ),
        (
            format!(r#""sub":"u","user":{{"name":"{long_name}"}}"#),
            vec![finding(
                "user.name",
                "it is 257 bytes long; at most 256 are allowed",
            )],
        ),
        (
            r#""sub":"u","user":{"email":"ann.example.com","avatar":"https:///a.png"}"#.to_owned(),
            vec![
                finding("user.email", "expected an address like name@example.com"),
                finding(
                    "user.avatar",
                    "expected a URL with a host and no whitespace",
                ),
            ],
        ),
        (
            r#""sub":"u","user":{"avatar":"https://ann:pw@cdn.example.com/a.png"}"#.to_owned(),
            vec![finding(
                "user.avatar",
                "expected a URL without a user name or password",
            )],
        ),
        // At the limits, and each of its kind: nothing to report.
        (
            format!(
                r#""sub":"{}","user":{{"name":"{}","email":"a@b","avatar":"HTTP://[::1]:8080/a"}}"#,
                "s".repeat(256),
                "n".repeat(256)
            ),
            vec![],
        ),
    ];
    for (fields, expected) in cases {
        let auth = r#""auth":{"ckbox":{"role":"user"}}"#;
        let payload = format!(r#"{{"aud":"ENV_TEST_123","iat":1700000000,{fields},{auth}}}"#);
        assert_eq!(findings(&payload), expected, "{payload}");
    }
}

#[test]
fn an_expired_token_is_reported() {
    let found = findings(r#"{"aud":"ENV_TEST_123","iat":1699990000,"exp":1699995000}"#);
    assert_eq!(
        found,
        [Finding::Expired {
            exp: 1_699_995_000,
            now: NOW
        }]
    );
}

#[test]
fn spans_of_time_are_written_in_seconds_and_in_a_larger_unit() {
    // 40 s stays in seconds; 3000 s is 50 minutes; 90000 s is 25 whole hours; 96429887 s is
    // 1116 whole days (1116 * 86400 = 96422400). Then each unit's first and last value.
    let cases = [
        (
            Finding::IssuedAtInFuture {
                iat: NOW + 40,
                now: NOW,
            },
            "iat 1700000040 is 40 s in the future",
        ),
        (
            Finding::Expired {
                exp: NOW - 3000,
                now: NOW,
            },
            "exp 1699997000 passed 3000 s (50 min) ago; the editor would refresh in a tight loop",
        ),
        (
            Finding::IssuedAtTooOld {
                iat: NOW - 90_000,
                now: NOW,
            },
            "iat 1699910000 is 90000 s (25 h) old; CKEditor's servers accept tokens up to 24 h old",
        ),
        (
            Finding::IssuedAtInFuture {
                iat: NOW + 96_429_887,
                now: NOW,
            },
            "iat 1796429887 is 96429887 s (1116 d) in the future",
        ),
    ];
    for (finding, expected) in cases {
        assert_eq!(finding.to_string(), expected);
    }
    // Too large for seconds: milliseconds, or no date at all (u64::MAX is beyond the year 5000
    // as milliseconds too).
    assert_eq!(
        Finding::IssuedAtInMilliseconds {
            iat: 1_700_000_000_000
        }
        .to_string(),
        "iat 1700000000000 looks like milliseconds; it must be seconds"
    );
    assert_eq!(
        Finding::ExpiryInMilliseconds { exp: u64::MAX }.to_string(),
        "exp 18446744073709551615 is no date, as seconds or as milliseconds; the editor would \
         refresh in a tight loop"
    );
    for (seconds, shown) in [
        (59, "59 s"),
        (60, "60 s (1 min)"),
        (3599, "3599 s (59 min)"),
        (3600, "3600 s (1 h)"),
        (172_799, "172799 s (47 h)"),
        (172_800, "172800 s (2 d)"),
    ] {
        let finding = Finding::IssuedAtInFuture {
            iat: NOW + seconds,
            now: NOW,
        };
        assert_eq!(
            finding.to_string(),
            format!("iat {} is {shown} in the future", NOW + seconds)
        );
    }
}

#[test]
fn a_payload_that_atob_cannot_read_is_reported() {
    // `?` as the third byte of a group encodes to `_` in base64url: `:"?` puts it there.
    let payload = r#"{"sub":"?","aud":"ENV_TEST_123","iat":1700000000}"#;
    assert!(URL_SAFE_NO_PAD.encode(payload).contains(['-', '_']));
    assert_eq!(findings(payload), [Finding::PayloadNotAtobSafe]);
}

#[test]
fn signatures_are_checked_against_the_given_key() {
    let token = token(
        r#"{"typ":"JWT","alg":"HS256"}"#,
        r#"{"aud":"ENV_TEST_123","iat":1700000000}"#,
    );
    let wrong = Expectations::at(NOW).with_key(b"another-key");
    let inspection = inspect(&token, &wrong).expect("a JWT");
    assert_eq!(inspection.signature, SignatureCheck::Invalid);
    assert_eq!(inspection.findings, [Finding::BadSignature]);
    let unchecked = Expectations::at(NOW);
    assert_eq!(
        inspect(&token, &unchecked).expect("a JWT").signature,
        SignatureCheck::NotChecked
    );

    // A signature that no HS256 key makes is reported with a key or without one: empty, cut
    // short by one character, one byte too long, or not base64url.
    let (signed, signature) = token.rsplit_once('.').expect("three parts");
    let mut longer = URL_SAFE_NO_PAD.decode(signature).expect("base64url");
    longer.push(0);
    for malformed in [
        String::new(),
        signature[..signature.len() - 1].to_owned(),
        URL_SAFE_NO_PAD.encode(&longer),
        format!("{}+", &signature[..signature.len() - 1]),
    ] {
        let token = format!("{signed}.{malformed}");
        for (expect, check) in [
            (&unchecked, SignatureCheck::NotChecked),
            (&wrong, SignatureCheck::Invalid),
            (&with_key(), SignatureCheck::Invalid),
        ] {
            let inspection = inspect(&token, expect).expect("a JWT");
            assert_eq!(inspection.signature, check, "{malformed:?}");
            assert_eq!(
                inspection.findings,
                [Finding::SignatureMalformed],
                "{malformed:?}"
            );
        }
    }
    // The right one, padded, is well formed (the padding is a finding of its own).
    let padded = inspect(&format!("{token}="), &with_key()).expect("a JWT");
    assert_eq!(padded.signature, SignatureCheck::Valid);
    assert_eq!(padded.findings, [Finding::Padded { part: "signature" }]);
}

/// Expectations with the key the tests sign with, and nothing else.
fn with_key() -> Expectations<'static> {
    Expectations::at(NOW).with_key(KEY)
}

#[test]
fn another_algorithm_is_reported() {
    let token = token(
        r#"{"typ":"JWT","alg":"none"}"#,
        r#"{"aud":"ENV_TEST_123","iat":1700000000}"#,
    );
    let expect = Expectations::at(NOW).with_key(KEY);
    let inspection = inspect(&token, &expect).expect("a JWT");
    assert_eq!(inspection.signature, SignatureCheck::Invalid);
    assert!(inspection.findings.contains(&Finding::Algorithm {
        found: "\"none\"".into()
    }));
}

#[test]
fn padded_segments_are_reported_and_the_signature_still_checked() {
    use base64::engine::general_purpose::URL_SAFE;
    let header = URL_SAFE.encode(r#"{"typ":"JWT","alg":"HS256"}"#);
    // 50 bytes: one byte of padding.
    let payload = URL_SAFE.encode(r#"{"aud":"ENV_TEST_123","iat":1700000000,"sub":"ab"}"#);
    let input = format!("{header}.{payload}");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(KEY).expect("key");
    mac.update(input.as_bytes());
    // 32 bytes: one byte of padding.
    let signature = URL_SAFE.encode(mac.finalize().into_bytes());
    assert!(payload.ends_with('=') && signature.ends_with('=') && !header.ends_with('='));
    let expect = Expectations::at(NOW)
        .with_key(KEY)
        .with_environment_id(ENVIRONMENT);
    let inspection = inspect(&format!("{input}.{signature}"), &expect).expect("a JWT");
    assert_eq!(inspection.signature, SignatureCheck::Valid);
    assert_eq!(
        inspection.findings,
        [
            Finding::Padded { part: "payload" },
            Finding::Padded { part: "signature" }
        ]
    );
    // Without its padding the signature is still checked: with another key it fails.
    let other = expect.with_key(b"another-inspection-key-0123456789");
    let inspection = inspect(&format!("{input}.{signature}"), &other).expect("a JWT");
    assert_eq!(inspection.signature, SignatureCheck::Invalid);
    assert!(inspection.findings.contains(&Finding::BadSignature));
}

#[test]
fn text_that_is_not_a_jwt_is_an_error() {
    let expect = Expectations::at(NOW);
    for text in [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "!!.e30.x",
        "e30.bm90IGpzb24.x",
        "W10.e30.x",
    ] {
        assert!(
            matches!(inspect(text, &expect), Err(Error::MalformedToken { .. })),
            "{text:?}"
        );
    }
}

#[test]
fn the_key_as_the_audience_is_reported_without_quoting_it() {
    let key = std::str::from_utf8(KEY).expect("an ASCII key");
    let inspection = inspect(
        &token(
            r#"{"typ":"JWT","alg":"HS256"}"#,
            &format!(r#"{{"aud":"{key}","iat":1700000000}}"#),
        ),
        &Expectations::at(NOW)
            .with_key(KEY)
            .with_environment_id(ENVIRONMENT),
    )
    .expect("a JWT");
    assert_eq!(inspection.findings, [Finding::AudienceIsKey]);
    let message = inspection.findings[0].to_string();
    assert!(message.starts_with("aud is the key itself"), "{message}");
    assert!(!message.contains(key), "{message}");
}

#[test]
fn the_key_anywhere_in_the_token_is_reported_without_quoting_it() {
    let key = std::str::from_utf8(KEY).expect("an ASCII key");
    let key_findings = |header: &str, payload: &str| -> Vec<Finding> {
        let expect = Expectations::at(NOW)
            .with_key(KEY)
            .with_environment_id(ENVIRONMENT);
        inspect(&token(header, payload), &expect)
            .expect("a JWT")
            .findings
            .into_iter()
            .filter(|finding| matches!(finding, Finding::KeyInToken { .. }))
            .collect()
    };
    let plain = r#"{"typ":"JWT","alg":"HS256"}"#;
    let payload = [
        format!(r#"{{"aud":"ENV_TEST_123","iat":1699999990,"sub":"{key}","#),
        format!(r#""user":{{"name":"x {key} y"}},"#),
        format!(r#""auth":{{"collaboration":{{"{key}":{{"role":"reader"}}}},"#),
        format!(r#""ai":{{"permissions":["{key}"]}}}}}}"#),
    ]
    .concat();
    let found = key_findings(plain, &payload);
    let paths: Vec<&str> = found
        .iter()
        .map(|finding| match finding {
            Finding::KeyInToken { path } => path.as_str(),
            _ => unreachable!(),
        })
        .collect();
    // By the claims' names (auth, sub, user), and by the members' names within a claim.
    assert_eq!(
        paths,
        [
            "auth.ai.permissions[0]",
            "a member name of auth.collaboration",
            "sub",
            "user.name",
        ]
    );
    for finding in &found {
        let message = finding.to_string();
        assert!(message.contains("holds the key"), "{message}");
        assert!(!message.contains(key), "{message}");
    }

    // In the header, and in an `aud` that is more than the key.
    let header = format!(r#"{{"typ":"JWT","alg":"HS256","kid":"{key}"}}"#);
    let payload = format!(r#"{{"aud":"ENV-{key}","iat":1699999990}}"#);
    assert_eq!(
        key_findings(&header, &payload),
        [
            Finding::KeyInToken {
                path: "header.kid".into()
            },
            Finding::KeyInToken { path: "aud".into() },
        ]
    );
    // A key that is the whole `aud` is reported once, as such.
    let payload = format!(r#"{{"aud":"{key}","iat":1699999990}}"#);
    assert_eq!(key_findings(plain, &payload), []);

    // In the first of two values of one member, which this decoder drops and others read, in
    // the payload and in the header.
    // An escape in the first value hides nothing.
    let escaped = format!("\\u{:04x}{}", key.as_bytes()[0], &key[1..]);
    let header = format!(r#"{{"typ":"JWT","alg":"HS256","kid":"{escaped}","kid":"k1"}}"#);
    let payload = format!(r#"{{"aud":"ENV_TEST_123","iat":1699999990,"sub":"{key}","sub":"u"}}"#);
    assert_eq!(
        key_findings(&header, &payload),
        [
            Finding::KeyInToken {
                path: "the header's JSON text".into()
            },
            Finding::KeyInToken {
                path: "the payload's JSON text".into()
            },
        ]
    );
}

#[test]
fn findings_that_quote_a_value_holding_the_key_show_key_instead() {
    let key = std::str::from_utf8(KEY).expect("an ASCII key");
    let upper = key.to_ascii_uppercase();
    let header = format!(r#"{{"typ":"JWT","alg":"x-{upper}"}}"#);
    let payload = [
        format!(r#"{{"aud":"ENV-{key}","iat":"{key}","sub":"u","#),
        format!(r#""auth":{{"collaboration":{{"d":{{"role":"{key}"}}}},"#),
        format!(r#""ckbox":{{"role":"{key}"}}}}}}"#),
    ]
    .concat();
    let inspection = inspect(
        &token(&header, &payload),
        &Expectations::at(NOW)
            .with_key(KEY)
            .with_environment_id(ENVIRONMENT),
    )
    .expect("a JWT");
    let quoting = |finding: &Finding| {
        matches!(
            finding,
            Finding::Algorithm { .. }
                | Finding::AudienceMismatch { .. }
                | Finding::IssuedAtNotInteger { .. }
                | Finding::UnknownRole { .. }
                | Finding::UnknownCkboxRole { .. }
                | Finding::DuplicateKey { .. }
        )
    };
    let quoted: Vec<String> = inspection
        .findings
        .iter()
        .filter(|finding| quoting(finding))
        .map(Finding::to_string)
        .collect();
    assert_eq!(
        quoted,
        [
            r#"header alg is "x-[key]", expected "HS256""#,
            r#"aud is "ENV-[key]", expected the environment "ENV_TEST_123""#,
            r#"iat is "[key]"; it must be a whole, non-negative number of seconds"#,
            "auth.collaboration.d.role is \"[key]\"; expected reader, commentator or writer",
            "auth.ckbox.role is \"[key]\"; expected user, admin or superadmin",
        ]
        .map(str::to_owned)
    );
    // A member given twice in the claims, named by the key.
    let payload = format!(r#"{{"aud":"ENV_TEST_123","iat":1699999990,"{key}":1,"{key}":2}}"#);
    let inspection = inspect(
        &token(r#"{"typ":"JWT","alg":"HS256"}"#, &payload),
        &Expectations::at(NOW)
            .with_key(KEY)
            .with_environment_id(ENVIRONMENT),
    )
    .expect("a JWT");
    let messages: Vec<String> = inspection.findings.iter().map(Finding::to_string).collect();
    assert!(
        messages.contains(
            &r#"the payload gives the key "[key]" twice; decoders disagree on which one counts"#
                .to_owned()
        ),
        "{messages:#?}"
    );
    for message in &messages {
        assert!(!message.to_ascii_lowercase().contains(key), "{message}");
    }

    let debug = format!(
        "{:?}",
        Expectations::at(NOW)
            .with_key(KEY)
            .with_environment_id(ENVIRONMENT)
    );
    assert_eq!(
        debug,
        format!(
            "Expectations {{ key: Some([key]), environment_id: Some({ENVIRONMENT:?}), now: {NOW}, \
             on_premises: false }}"
        )
    );
}

#[test]
fn a_document_or_claim_named_by_the_key_is_quoted_as_key() {
    let key = std::str::from_utf8(KEY).expect("an ASCII key");
    // Documents come by name: `a-{key}` before `z`, whatever their order in the token.
    let payload = [
        format!(r#"{{"aud":"ENV_TEST_123","iat":1699999990,"exp":"x-{key}","sub":"u","#),
        r#""auth":{"collaboration":{"z":{"role":"nobody"},"#.to_owned(),
        format!(r#""a-{key}":{{"permissions":["{key}"]}},"#),
        format!(r#""b-{key}":5}}}}}}"#),
    ]
    .concat();
    let header = format!(r#"{{"typ":"{key}","alg":"HS256"}}"#);
    let found = inspect(
        &token(&header, &payload),
        &Expectations::at(NOW).with_key(KEY),
    )
    .expect("a JWT")
    .findings;
    let messages: Vec<String> = found
        .iter()
        .filter(|finding| !matches!(finding, Finding::KeyInToken { .. }))
        .map(Finding::to_string)
        .collect();
    assert_eq!(
        messages,
        [
            r#"header typ is "[key]", expected "JWT""#,
            r#"exp is "x-[key]"; it must be a whole, non-negative number of seconds"#,
            r#"auth.collaboration.a-[key].permissions has unknown "[key]""#,
            "auth.collaboration.b-[key] must be an object",
            r#"auth.collaboration.z.role is "nobody"; expected reader, commentator or writer"#,
        ]
        .map(str::to_owned),
    );

    // An on-premises token with a claim named by the key.
    let payload = format!(r#"{{"iat":1699999990,"x{key}":1}}"#);
    let found = inspect(
        &token(r#"{"typ":"JWT","alg":"HS256"}"#, &payload),
        &Expectations::at(NOW).with_key(KEY).for_on_premises(),
    )
    .expect("a JWT")
    .findings;
    let messages: Vec<String> = found.iter().map(Finding::to_string).collect();
    assert!(
        messages.contains(
            &"x[key] is present, but an on-premises converter token carries iat only".to_owned()
        ),
        "{messages:#?}"
    );
    for message in &messages {
        assert!(!message.contains(key), "{message}");
    }
}

#[test]
fn well_formed_grants_of_every_product_have_no_findings() {
    let payload = concat!(
        r#"{"aud":"ENV_TEST_123","iat":1699999990,"exp":1700000590,"sub":"u","#,
        r#""auth":{"collaboration":{"*":{"role":"reader"},"doc-*":{"permissions":"#,
        r#"["document:write","comment:read"]},"*-draft":{"role":"writer","#,
        r#""permissions":["comment:admin"]}},"ckbox":{"role":"admin","workspaces":["ws-1"]},"#,
        r#""ai":{"permissions":["ai:models:*","ai:actions:system:improve-writing"]}}}"#,
    );
    assert_eq!(findings(payload), []);
}

/// A token of `payload` signed with `key`, whatever its length.
fn signed_with(key: &[u8], payload: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(r#"{"typ":"JWT","alg":"HS256"}"#);
    let body = URL_SAFE_NO_PAD.encode(payload);
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).expect("any key");
    mac.update(format!("{header}.{body}").as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{header}.{body}.{signature}")
}

/// What the inspection of `token` finds with `key`, whose signature must be valid.
fn findings_with(key: &[u8], token: &str) -> Vec<Finding> {
    let inspection = inspect(
        token,
        &Expectations::at(NOW)
            .with_key(key)
            .with_environment_id(ENVIRONMENT),
    )
    .expect("a JWT");
    assert_eq!(inspection.signature, SignatureCheck::Valid);
    inspection.findings
}

#[test]
fn a_key_is_searched_for_from_8_bytes_on() {
    // Under 8 bytes a key could be an ordinary word of the token, such as a role; a development
    // key of 8 bytes is no word.
    for (key, sub, found) in [
        ("writer", "u", vec![]),
        (
            "Sh0rtKey",
            "Sh0rtKey",
            vec![Finding::KeyInToken { path: "sub".into() }],
        ),
    ] {
        let payload = format!(
            r#"{{"aud":"ENV_TEST_123","iat":1699999990,"sub":"{sub}",{}}}"#,
            r#""auth":{"collaboration":{"*":{"role":"writer"}}}"#
        );
        let token = signed_with(key.as_bytes(), &payload);
        assert_eq!(findings_with(key.as_bytes(), &token), found, "{key}");
    }
}

#[test]
fn a_key_given_twice_is_reported_wherever_it_is() {
    let expect = Expectations::at(NOW)
        .with_key(KEY)
        .with_environment_id(ENVIRONMENT);
    let payload = r#"{"aud":"ENV_TEST_123","iat":1699999990,"sub":"u"}"#;
    // Signed correctly, and HS256 to a decoder that keeps the last `alg`.
    let two_algs = token(r#"{"alg":"none","alg":"HS256","typ":"JWT"}"#, payload);
    let inspection = inspect(&two_algs, &expect).expect("a JWT");
    assert_eq!(inspection.signature, SignatureCheck::Valid);
    assert_eq!(
        inspection.findings,
        [Finding::DuplicateKey {
            part: "header",
            key: "alg".into()
        }]
    );
    assert_eq!(
        inspection.findings[0].to_string(),
        "the header gives the key \"alg\" twice; decoders disagree on which one counts"
    );

    let nested = concat!(
        r#"{"aud":"ENV_TEST_123","iat":1699999990,"sub":"u","auth":{"collaboration":"#,
        r#"{"doc":{"role":"reader"},"list":[{"a":1,"b":2}],"doc":{"role":"writer"}}}}"#,
    );
    assert!(findings(nested).contains(&Finding::DuplicateKey {
        part: "payload",
        key: "doc".into()
    }));
    // The same key in two objects is no duplicate.
    let apart = r#"{"aud":"ENV_TEST_123","iat":1699999990,"x":{"k":1},"y":{"k":2}}"#;
    assert!(
        !findings(apart)
            .iter()
            .any(|finding| matches!(finding, Finding::DuplicateKey { .. }))
    );
}

#[test]
fn the_first_key_given_twice_in_one_object_is_found_at_any_depth() {
    let first = |json: &str| first_duplicate_key(json.as_bytes());
    assert_eq!(first(r#"{"id":"ann","id":"root"}"#).as_deref(), Some("id"));
    assert_eq!(
        first(r#"{"user":{"uid":1,"name":"Ann","uid":2}}"#).as_deref(),
        Some("uid")
    );
    assert_eq!(
        first(r#"[{"a":1},{"b":[{"a":1,"a":1}]}]"#).as_deref(),
        Some("a")
    );
    // Keys are compared as the text they stand for, escapes read.
    assert_eq!(
        first(r#"{"id":"ann","\u0069d":"root"}"#).as_deref(),
        Some("id")
    );
    for once in [
        r#"{"id":"ann","name":"Ann"}"#,
        r#"{"a":{"id":1},"b":{"id":2},"id":3}"#,
        r#"[{"id":1},{"id":2}]"#,
        r#"{"id":"ann","groups":["id","id"]}"#,
        "null",
        "not JSON",
        r#"{"id":"ann","id""#,
    ] {
        assert_eq!(first(once), None, "{once}");
    }
}

/// The findings for a token with this header and payload, signed with `KEY`, inspected as a
/// cloud token or as an on-premises converter token.
fn findings_of(header: &str, payload: &str, on_premises: bool) -> Vec<Finding> {
    let expect = if on_premises {
        Expectations::at(NOW).with_key(KEY).for_on_premises()
    } else {
        Expectations::at(NOW)
            .with_key(KEY)
            .with_environment_id(ENVIRONMENT)
    };
    let inspection = inspect(&token(header, payload), &expect).expect("a JWT");
    assert_eq!(inspection.signature, SignatureCheck::Valid);
    inspection.findings
}

const HEADER: &str = r#"{"typ":"JWT","alg":"HS256"}"#;

#[test]
fn grants_for_users_without_sub_are_reported() {
    let collaboration = concat!(
        r#"{"aud":"ENV_TEST_123","iat":1699999990,"#,
        r#""auth":{"collaboration":{"*":{"role":"writer"}}}}"#,
    );
    let found = findings_of(HEADER, collaboration, false);
    assert_eq!(
        found,
        [Finding::SubjectMissing {
            sections: vec!["auth.collaboration"]
        }]
    );
    assert_eq!(
        found[0].to_string(),
        "sub is missing: a token with auth.collaboration needs the user's stable ID in sub"
    );

    let every_section = concat!(
        r#"{"aud":"ENV_TEST_123","iat":1699999990,"exp":1700003590,"user":{"name":"Ann"},"#,
        r#""auth":{"collaboration":{"*":{"role":"writer"}},"ckbox":{"role":"user"},"#,
        r#""ai":{"permissions":["ai:models:*"]}}}"#,
    );
    assert_eq!(
        findings_of(HEADER, every_section, false),
        [Finding::SubjectMissing {
            sections: vec!["auth.collaboration", "auth.ckbox", "auth.ai"]
        }]
    );

    // Export and Import tokens carry no sub, and `user` alone is no grant.
    let export = r#"{"aud":"ENV_TEST_123","iat":1699999990,"user":{"name":"Ann"}}"#;
    assert_eq!(findings_of(HEADER, export, false), []);
}

#[test]
fn an_ai_grant_without_exp_is_reported() {
    let ai = concat!(
        r#"{"aud":"ENV_TEST_123","iat":1699999990,"sub":"u","#,
        r#""auth":{"ai":{"permissions":["ai:models:*"]}}}"#,
    );
    let found = findings_of(HEADER, ai, false);
    assert_eq!(found, [Finding::ExpiryMissingForAi]);
    assert_eq!(
        found[0].to_string(),
        "exp is missing: a token with auth.ai needs a short exp"
    );
    // Other grants may go without exp: the editor then refreshes hourly.
    let collaboration = concat!(
        r#"{"aud":"ENV_TEST_123","iat":1699999990,"sub":"u","#,
        r#""auth":{"collaboration":{"*":{"role":"writer"}},"ckbox":{"role":"user"}}}"#,
    );
    assert_eq!(findings_of(HEADER, collaboration, false), []);
}

#[test]
fn a_header_without_typ_jwt_is_reported() {
    let payload = r#"{"aud":"ENV_TEST_123","iat":1699999990}"#;
    for (header, found, shown) in [
        (
            r#"{"alg":"HS256"}"#,
            "missing",
            "header typ is missing, expected \"JWT\"",
        ),
        (
            r#"{"typ":"at+jwt","alg":"HS256"}"#,
            "\"at+jwt\"",
            "header typ is \"at+jwt\", expected \"JWT\"",
        ),
    ] {
        let findings = findings_of(header, payload, false);
        assert_eq!(
            findings,
            [Finding::Type {
                found: found.into()
            }]
        );
        assert_eq!(findings[0].to_string(), shown);
    }
}

#[test]
fn header_members_that_change_verification_are_reported() {
    let payload = r#"{"aud":"ENV_TEST_123","iat":1699999990}"#;
    let header = r#"{"typ":"JWT","alg":"HS256","crit":["exp"],"b64":false}"#;
    let findings = findings_of(header, payload, false);
    assert_eq!(
        findings,
        [
            Finding::HeaderMember { name: "crit" },
            Finding::HeaderMember { name: "b64" },
        ]
    );
    assert_eq!(
        findings[0].to_string(),
        "the header has crit, which changes how the token must be verified; CKEditor's header \
         has typ and alg only"
    );

    // A key, or where to fetch one, for a verifier that trusts the header: here the token's own
    // key, base64url-encoded, which no search for the key in its usual forms finds.
    let jwk = format!(
        r#"{{"typ":"JWT","alg":"HS256","jwk":{{"kty":"oct","k":"{}"}},"x5u":"https://x.test/c"}}"#,
        URL_SAFE_NO_PAD.encode(KEY)
    );
    let findings = findings_of(&jwk, payload, false);
    assert_eq!(
        findings,
        [
            Finding::HeaderMember { name: "jwk" },
            Finding::HeaderMember { name: "x5u" },
        ]
    );
    assert_eq!(
        findings[0].to_string(),
        "the header has jwk, which gives a key (or where to fetch one) that a verifier trusting \
         it checks the token with; CKEditor's header has typ and alg only"
    );
}

#[test]
fn header_and_user_members_beside_the_documented_ones_are_reported() {
    // The spec's header is typ and alg; a member such as kid changes nothing in how the token
    // is verified, and is reported as one the format has no use for. Of `user` it documents
    // three fields: a misspelled one (`mail`) would lose the address without another finding.
    let header = r#"{"typ":"JWT","alg":"HS256","kid":"k1"}"#;
    let payload = concat!(
        r#"{"aud":"ENV_TEST_123","iat":1699999990,"sub":"u","#,
        r#""user":{"name":"Ann","mail":"ann@example.com","title":"Editor"},"#,
        r#""auth":{"ckbox":{"role":"user"}}}"#,
    );
    let undocumented = |path: &str| Finding::UndocumentedMember { path: path.into() };
    assert_eq!(
        findings_of(header, payload, false),
        [
            undocumented("header.kid"),
            undocumented("user.mail"),
            undocumented("user.title"),
        ]
    );
    // A member reported as one that changes verification is not reported twice.
    let header = r#"{"typ":"JWT","alg":"HS256","jku":"https://keys.example"}"#;
    let payload = r#"{"aud":"ENV_TEST_123","iat":1699999990}"#;
    assert_eq!(
        findings_of(header, payload, false),
        [Finding::HeaderMember { name: "jku" }]
    );
    // The documented members alone are not reported.
    let payload = concat!(
        r#"{"aud":"ENV_TEST_123","iat":1699999990,"sub":"u","#,
        r#""user":{"name":"Ann","email":"ann@example.com","avatar":"https://a.example/a.png"},"#,
        r#""auth":{"ckbox":{"role":"user"}}}"#,
    );
    assert_eq!(findings_of(HEADER, payload, false), []);
}

#[test]
fn members_the_format_does_not_have_are_reported_where_it_names_every_member() {
    // Misspellings that lose what they stand for without any other finding: an expiry, a
    // product section, a grant's role, CKBox's workspaces, the AI scopes.
    let payload = concat!(
        r#"{"aud":"ENV_TEST_123","iat":1699999990,"expires":1700003590,"sub":"u","#,
        r#""auth":{"colaboration":{"*":{"role":"writer"}},"#,
        r#""collaboration":{"doc-1":{"rol":"reader","permissions":["comment:read"]}},"#,
        r#""ckbox":{"role":"user","workspace":"ws-1"},"ai":{"permissions":[],"scopes":[]}},"#,
        r#""nbf":1699999990}"#,
    );
    let found = findings_of(HEADER, payload, false);
    let undocumented = |path: &str| Finding::UndocumentedMember { path: path.into() };
    // nbf has its own finding, and is not reported twice; the AI section misses its exp.
    // Members come by name, level by level.
    assert_eq!(
        found,
        [
            Finding::ExpiryMissingForAi,
            Finding::UnexpectedClaim { name: "nbf" },
            undocumented("expires"),
            undocumented("auth.colaboration"),
            undocumented("auth.collaboration.doc-1.rol"),
            undocumented("auth.ckbox.workspace"),
            undocumented("auth.ai.scopes"),
        ]
    );
    assert_eq!(
        found[3].to_string(),
        "auth.colaboration is not in CKEditor's token format, which has no use for it; if its \
         name is misspelled, what it stands for is missing"
    );

    // Not for an on-premises token, whose every claim but iat has a finding of its own.
    assert_eq!(
        findings_of(HEADER, r#"{"iat":1699999990,"expires":1}"#, true),
        [Finding::NotOnPremises {
            name: "expires".into()
        }]
    );

    // A member named by the key shows `[key]` in the path.
    let key = std::str::from_utf8(KEY).expect("an ASCII key");
    let payload =
        format!(r#"{{"aud":"ENV_TEST_123","iat":1699999990,"sub":"u","auth":{{"x-{key}":{{}}}}}}"#);
    let found = findings_of(HEADER, &payload, false);
    assert!(found.contains(&undocumented("auth.x-[key]")), "{found:?}");
    for finding in &found {
        assert!(!finding.to_string().contains(key), "{finding}");
    }
}

#[test]
fn on_premises_tokens_carry_iat_only() {
    assert_eq!(findings_of(HEADER, r#"{"iat":1699999990}"#, true), []);

    let cloud = concat!(
        r#"{"aud":"ENV_TEST_123","iat":1699999990,"exp":1700003590,"#,
        r#""auth":{"ai":{"permissions":["ai:models:*"]}},"nbf":1699999990}"#,
    );
    // The products' own rules (sub for auth.ai) are not the converter's, and nbf is reported
    // once, as a claim the converter does not take. Claims are reported by name, in order.
    let found = findings_of(HEADER, cloud, true);
    assert_eq!(
        found,
        [
            Finding::NotOnPremises { name: "aud".into() },
            Finding::NotOnPremises {
                name: "auth".into()
            },
            Finding::NotOnPremises { name: "exp".into() },
            Finding::NotOnPremises { name: "nbf".into() },
        ]
    );
    assert_eq!(
        found[0].to_string(),
        "aud is present, but an on-premises converter token carries iat only"
    );

    // A converter also takes an empty payload; any other payload needs iat.
    assert_eq!(findings_of(HEADER, "{}", true), []);
    assert_eq!(
        findings_of(HEADER, r#"{"iss":"ENV_TEST_123"}"#, true),
        [
            Finding::NotOnPremises { name: "iss".into() },
            Finding::IssuedAtMissing,
        ]
    );
}

#[test]
fn findings_built_by_hand_with_times_the_wrong_way_round_still_display() {
    // The variants are public; a finding that no inspection gives must not panic when shown.
    let shown = [
        Finding::IssuedAtInFuture { iat: 1, now: 61 },
        Finding::IssuedAtTooOld { iat: 61, now: 1 },
        Finding::ExpiryTooFar { iat: 61, exp: 1 },
        Finding::Expired { exp: 61, now: 1 },
    ]
    .map(|finding| finding.to_string());
    for text in &shown {
        assert!(text.contains("60 s (1 min)"), "{text}");
    }
}
