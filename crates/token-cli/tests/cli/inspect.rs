//! `inspect`: the report and the exit status for good, broken, tampered and malformed tokens.

use jsonwebtoken::{EncodingKey, Header};
use serde_json::json;

use crate::common::{ACCESS_KEY, ENVIRONMENT_ID, credentials, percent_encoded, run, texts};

const AT: u64 = 1_700_000_000;

/// A token signed by jsonwebtoken, not by this project, with `claims` as they are.
fn foreign_token(claims: &serde_json::Value) -> String {
    let key = EncodingKey::from_secret(ACCESS_KEY.as_bytes()).expect("an HMAC key");
    jsonwebtoken::encode(&Header::default(), claims, &key).expect("a token")
}

fn inspect(args: &[&str], env: &[(&str, &str)], stdin: &str) -> (i32, String, String) {
    let mut all = vec!["inspect"];
    all.extend_from_slice(args);
    let output = run(&all, env, stdin);
    let (stdout, stderr) = texts(&output);
    (output.status.code().unwrap_or(-1), stdout, stderr)
}

#[test]
fn an_issued_token_is_fine_and_its_times_are_shown() {
    let issued = run(
        &[
            "issue",
            "--sub",
            "ann",
            "--role",
            "*=writer",
            "--lifetime",
            "1h",
        ],
        &credentials(),
        "",
    );
    let (token, stderr) = texts(&issued);
    assert!(issued.status.success(), "{stderr}");
    let (code, report, stderr) = inspect(&["-"], &credentials(), &token);
    assert_eq!(code, 0, "{report}{stderr}");
    assert!(report.contains("\"sub\": \"ann\""), "{report}");
    // Without --at the times are judged at the clock's now.
    assert!(report.contains("times (now 20"), "{report}");
    assert!(
        report.contains("in 1 h") || report.contains("in 59 min"),
        "{report}"
    );
    assert!(report.contains("signature: valid"), "{report}");
    assert!(report.contains("CKEDITOR_ACCESS_KEY"), "{report}");
    assert!(
        report.contains("\naud: the environment ID from CKEDITOR_ENVIRONMENT_ID\n"),
        "{report}"
    );
    assert!(report.ends_with("\nno problems found\n"), "{report}");
    assert!(!report.contains(ACCESS_KEY), "{report}");

    // A flag only `serve` uses does not stop `inspect` or `issue`, even when it is wrong.
    let mut env = credentials();
    env.push(("CKEDITOR_TOKEN_CORS_CREDENTIALS", "maybe"));
    let (code, report, stderr) = inspect(&["-"], &env, &token);
    assert_eq!(code, 0, "{report}{stderr}");
    let issued = run(&["issue", "--sub", "ann", "--role", "*=writer"], &env, "");
    assert!(issued.status.success(), "{}", texts(&issued).1);
}

#[test]
fn a_development_token_is_checked_with_the_public_key_and_no_other() {
    use ckeditor_token_demo_login::config::{DEVELOPMENT_ENVIRONMENT_ID, development_environment};

    let public = development_environment().expect("the development environment");
    let key = EncodingKey::from_secret(public.access_key().expose_bytes()).expect("an HMAC key");
    let claims = json!({"aud": DEVELOPMENT_ENVIRONMENT_ID, "iat": AT, "sub": "alice"});
    let token = jsonwebtoken::encode(&Header::default(), &claims, &key).expect("a token");
    let at = AT.to_string();
    let (code, report, _) = inspect(&[&token, "--at", &at], &[], "");
    assert_eq!(code, 0, "{report}");
    assert!(
        report.contains(
            "signature: valid, checked with the key from the built-in development environment, \
             which is public (CKEditor Cloud Services refuses its tokens)"
        ),
        "{report}"
    );
    // With another key set, the token fails against it, and the report says which key does
    // verify it.
    let (code, report, _) = inspect(&[&token, "--at", &at], &credentials(), "");
    assert_eq!(code, 1, "{report}");
    assert!(
        report.contains("signature: INVALID for the key from CKEDITOR_ACCESS_KEY"),
        "{report}"
    );
    let hint = "\nnote: the token is from serve --dev, and the development environment's public \
                key verifies it; inspect checks with that key when no other is given\n";
    assert!(report.contains(hint), "{report}");
    // Another key for the same aud is no development token, with a key set or not.
    let forged = foreign_token(&claims);
    let (code, report, _) = inspect(&[&forged, "--at", &at], &[], "");
    assert_eq!(code, 1, "{report}");
    assert!(report.contains("signature: INVALID"), "{report}");
    let (code, report, _) = inspect(&[&forged, "--at", &at], &credentials(), "");
    assert_eq!(code, 1, "{report}");
    assert!(!report.contains(hint), "{report}");
}

#[test]
fn dates_are_utc_with_the_distance_from_now() {
    let token = foreign_token(&json!({
        "aud": ENVIRONMENT_ID,
        "iat": AT - 3 * 3600,
        "exp": AT + 54 * 60,
        "sub": "ann",
    }));
    let at = AT.to_string();
    // No key: nothing wrong is found, but the token is not vouched for either.
    let (code, report, _) = inspect(&[&token, "--at", &at], &[], "");
    assert_eq!(code, 3, "{report}");
    assert!(
        report.ends_with(
            "\naud: not compared with an environment ID; give --environment-id or set \
             CKEDITOR_ENVIRONMENT_ID\nno problems found, but the signature was not checked\n"
        ),
        "{report}"
    );
    assert!(
        report.contains("header:\n{\n  \"typ\": \"JWT\""),
        "{report}"
    );
    assert!(
        report.contains("times (at 2023-11-14 22:13:20 UTC, from --at):"),
        "{report}"
    );
    assert!(
        report.contains("iat  1699989200  2023-11-14 19:13:20 UTC  3 h ago"),
        "{report}"
    );
    assert!(
        report.contains("exp  1700003240  2023-11-14 23:07:20 UTC  in 54 min"),
        "{report}"
    );
    assert!(report.contains("signature: not checked"), "{report}");
}

#[test]
fn every_broken_rule_is_listed_and_the_status_is_1() {
    let token = foreign_token(&json!({
        "iss": ENVIRONMENT_ID,
        "iat": AT - 100,
        "exp": (AT - 10) * 1000,
        "auth": {"collaboration": {"*": {"role": "owner"}}},
    }));
    let at = AT.to_string();
    let (code, report, _) = inspect(&[&token, "--at", &at, "--key", ACCESS_KEY], &[], "");
    assert_eq!(code, 1, "{report}");
    for phrase in [
        "aud is missing",
        "iss is present",
        "looks like milliseconds",
        "\"owner\"",
        "\n  - sub is missing: a token with auth.collaboration needs the user's stable ID in sub\n",
        "signature: valid",
    ] {
        assert!(report.contains(phrase), "{phrase}: {report}");
    }
    assert!(report.contains("problems (5):"), "{report}");
}

#[test]
fn a_misspelled_section_is_a_problem_though_nothing_else_is_wrong() {
    let token = foreign_token(&json!({
        "aud": ENVIRONMENT_ID,
        "iat": AT - 100,
        "sub": "ann",
        "auth": {"colaboration": {"*": {"role": "writer"}}},
    }));
    let at = AT.to_string();
    let (code, report, _) = inspect(&[&token, "--at", &at, "--key", ACCESS_KEY], &[], "");
    assert_eq!(code, 1, "{report}");
    assert!(
        report.contains(
            "problems (1):\n  - auth.colaboration is not in CKEditor's token format, which has \
             no use for it; if its name is misspelled, what it stands for is missing\n"
        ),
        "{report}"
    );
}

#[test]
fn a_tampered_or_foreign_token_fails_the_signature_and_aud() {
    let token = foreign_token(&json!({"aud": "OTHER_ENV", "iat": AT}));
    let at = AT.to_string();
    let (code, report, _) = inspect(&[&token, "--at", &at], &credentials(), "");
    assert_eq!(code, 1);
    assert!(report.contains("aud is \"OTHER_ENV\""), "{report}");
    assert!(report.contains("signature: valid"), "{report}");
    assert!(
        report.contains(
            "\naud: checked against the environment ID from CKEDITOR_ENVIRONMENT_ID (see the \
             problems)\n"
        ),
        "{report}"
    );

    let (code, report, _) = inspect(
        &[
            &token,
            "--at",
            &at,
            "--key",
            "another-key-0123456789abcdef0123",
        ],
        &[],
        "",
    );
    assert_eq!(code, 1);
    assert!(
        report.contains("signature: INVALID for the key from --key"),
        "{report}"
    );
    assert!(report.contains("does not match"), "{report}");

    // Signed with the right key but another algorithm: no key check applies.
    let key = EncodingKey::from_secret(ACCESS_KEY.as_bytes()).expect("an HMAC key");
    let hs512 = jsonwebtoken::encode(
        &Header::new(jsonwebtoken::Algorithm::HS512),
        &json!({"aud": ENVIRONMENT_ID, "iat": AT}),
        &key,
    )
    .expect("a token");
    let (code, report, _) = inspect(&[&hs512, "--at", &at], &credentials(), "");
    assert_eq!(code, 1);
    assert!(
        report.contains("signature: not checked: the header does not name HS256"),
        "{report}"
    );
    assert!(report.contains("alg is \"HS512\""), "{report}");
}

#[test]
fn a_token_that_carries_the_key_is_reported_and_the_key_never_printed() {
    for claims in [
        json!({"aud": ENVIRONMENT_ID, "iat": AT, "sub": ACCESS_KEY,
               "auth": {"collaboration": {"*": {"role": "reader"}}}}),
        json!({"aud": ACCESS_KEY, "iat": AT}),
        json!({"aud": ENVIRONMENT_ID, "iat": AT, "sub": "u",
               "user": {"name": format!("Ann {ACCESS_KEY}")},
               "auth": {"collaboration": {ACCESS_KEY: {"role": "reader"}}}}),
        // In other letter case, and percent-encoded.
        json!({"aud": ENVIRONMENT_ID, "iat": AT, "sub": "u",
               "user": {"name": ACCESS_KEY.to_uppercase(),
                        "avatar": format!("https://a.example/?k={}", percent_encoded(ACCESS_KEY))},
               "auth": {"collaboration": {"*": {"role": "reader"}}}}),
        // Findings that quote what they found: a malformed key, an unknown role, another aud.
        json!({"aud": format!("env-{ACCESS_KEY}"), "iat": AT, "sub": "u",
               "auth": {"collaboration": {
                   format!("x*{ACCESS_KEY}*y"): {"role": "reader"},
                   "doc": {"role": ACCESS_KEY},
               },
               "ckbox": {"role": ACCESS_KEY}}}),
    ] {
        let token = foreign_token(&claims);
        let (code, stdout, stderr) = inspect(&[&token], &credentials(), "");
        assert_eq!(code, 1, "{stdout}{stderr}");
        assert!(
            stdout.contains("holds the key") || stdout.contains("aud is the key"),
            "{stdout}"
        );
        assert!(stdout.contains("[key]"), "{stdout}");
        for form in [
            ACCESS_KEY.to_owned(),
            ACCESS_KEY.to_uppercase(),
            percent_encoded(ACCESS_KEY),
        ] {
            assert!(
                !stdout.contains(&form) && !stderr.contains(&form),
                "{stdout}{stderr}"
            );
        }
    }
}

#[test]
fn a_key_that_only_a_problem_quotes_is_hidden() {
    // The first value of a member given twice holds the key: the decoded claims keep the
    // second, and the problem about the repeat quotes the member's name.
    for payload in [
        format!(r#"{{"iat":{AT},"x":{{"{ACCESS_KEY}":1,"{ACCESS_KEY}":2}},"x":1}}"#),
        format!(r#"{{"aud":"{ENVIRONMENT_ID}","iat":{AT},"sub":"{ACCESS_KEY}","sub":"u"}}"#),
    ] {
        let token = raw_token(&payload);
        let (code, stdout, stderr) = inspect(&[&token], &credentials(), "");
        assert_eq!(code, 1, "{stdout}{stderr}");
        assert!(stdout.contains("twice; decoders disagree"), "{stdout}");
        assert!(
            !stdout.contains(ACCESS_KEY) && !stderr.contains(ACCESS_KEY),
            "{stdout}{stderr}"
        );
    }
    // The key in the first of two values is reported as being in the payload's text.
    let payload =
        format!(r#"{{"aud":"{ENVIRONMENT_ID}","iat":{AT},"sub":"{ACCESS_KEY}","sub":"u"}}"#);
    let (_, stdout, _) = inspect(&[&raw_token(&payload)], &credentials(), "");
    assert!(
        stdout.contains("the payload's JSON text holds the key"),
        "{stdout}"
    );
}

#[test]
fn a_key_that_no_finding_names_is_hidden_all_the_same() {
    // A key of digits, written in the claims as a number: no finding looks at numbers, and the
    // report shows the claims.
    let key = "8675309867530986753";
    let claims = json!({"iat": AT, "x": 8_675_309_867_530_986_753_u64});
    let signing = EncodingKey::from_secret(key.as_bytes()).expect("an HMAC key");
    let token = jsonwebtoken::encode(&Header::default(), &claims, &signing).expect("a token");
    let (_, stdout, stderr) = inspect(&[&token, "--key", key], &[], "");
    assert!(stdout.contains("signature: valid"), "{stdout}{stderr}");
    assert!(stdout.contains("\"x\": [key]"), "{stdout}");
    assert!(
        !stdout.contains(key) && !stderr.contains(key),
        "{stdout}{stderr}"
    );
}

/// A token of the JSON text `payload`, as written, signed with the access key.
fn raw_token(payload: &str) -> String {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = URL_SAFE_NO_PAD.encode(r#"{"typ":"JWT","alg":"HS256"}"#);
    let message = format!("{header}.{}", URL_SAFE_NO_PAD.encode(payload));
    let key = EncodingKey::from_secret(ACCESS_KEY.as_bytes()).expect("an HMAC key");
    let signature =
        jsonwebtoken::crypto::sign(message.as_bytes(), &key, jsonwebtoken::Algorithm::HS256)
            .expect("a signature");
    format!("{message}.{signature}")
}

#[test]
fn a_carried_key_that_json_or_the_report_escapes_is_hidden_too() {
    // An access key of printable ASCII with a quote and a backslash, which JSON and the
    // problems escape, and an on-premises key with a tab inside.
    let quoting = r#"Kq8"\zP0-abcdefghijklmnopqrstuvwxyz0123456789"#;
    let tab = "secret\tkey-0123456789abcdefgh";
    for (key, on_premises) in [(quoting, false), (tab, true)] {
        let claims = if on_premises {
            json!({"iat": AT, "sub": key})
        } else {
            // Also in other letter case, which the escaping hides from a search as written.
            json!({"aud": ENVIRONMENT_ID, "iat": AT, "sub": key, "x": format!("a{key}b"),
                   "y": key.to_uppercase(), "auth": {"collaboration": {"*": {"role": key}}}})
        };
        let signing = EncodingKey::from_secret(key.as_bytes()).expect("an HMAC key");
        let token = jsonwebtoken::encode(&Header::default(), &claims, &signing).expect("a token");
        let mut args = vec![token.as_str(), "--key", key];
        if on_premises {
            args.push("--on-premises");
        }
        let (code, stdout, stderr) = inspect(&args, &[], "");
        assert_eq!(code, 1, "{stdout}{stderr}");
        assert!(stdout.contains("signature: valid"), "{stdout}");
        assert!(stdout.contains("\"sub\": \"[key]\""), "{stdout}");
        let escaped_json = serde_json::to_string(key).expect("JSON");
        let escaped_debug = format!("{key:?}");
        for shown in [
            key,
            escaped_json.trim_matches('"'),
            escaped_debug.trim_matches('"'),
            "zP0-abcdefghijklmnopqrstuvwxyz",
            "key-0123456789abcdefgh",
        ] {
            assert!(!stdout.contains(shown), "{shown}: {stdout}");
        }
        assert!(
            !stdout.to_lowercase().contains("zp0-abcdefghijklmnop"),
            "{stdout}"
        );
    }
}

#[test]
fn an_environment_id_that_holds_the_key_is_refused() {
    let token = foreign_token(&json!({"aud": ENVIRONMENT_ID, "iat": AT}));
    let holding = format!("x{ACCESS_KEY}");
    let from_flag = inspect(&[&token, "--environment-id", &holding], &credentials(), "");
    let env = [
        ("CKEDITOR_ENVIRONMENT_ID", holding.as_str()),
        ("CKEDITOR_ACCESS_KEY", ACCESS_KEY),
    ];
    let from_env = inspect(&[&token], &env, "");
    // Also beside a character no environment ID has, such as a line break pasted with it.
    let pasted = format!("{ACCESS_KEY}\n");
    let not_an_id = inspect(&[&token, "--environment-id", &pasted], &credentials(), "");
    for ((code, stdout, stderr), setting) in [
        (from_flag, "--environment-id"),
        (from_env, "CKEDITOR_ENVIRONMENT_ID"),
        (not_an_id, "--environment-id"),
    ] {
        assert_eq!(code, 2, "{stdout}{stderr}");
        assert!(
            stderr.contains(&format!("{setting}: is not valid: it holds the access key")),
            "{stderr}"
        );
        assert!(
            !stderr.contains(ACCESS_KEY) && stdout.is_empty(),
            "{stderr}"
        );
    }
    // An ID that no environment has is only compared with `aud`, key or no key.
    for env in [credentials(), Vec::new()] {
        let (code, stdout, _) = inspect(&[&token, "--environment-id", "no such id!"], &env, "");
        assert_eq!(code, 1, "{stdout}");
        assert!(
            stdout.contains(r#"expected the environment "no such id!""#),
            "{stdout}"
        );
    }
}

#[test]
fn an_access_key_that_issue_refuses_is_refused_here_too() {
    let token = foreign_token(&json!({"aud": ENVIRONMENT_ID, "iat": AT}));
    let padded = format!(" {ACCESS_KEY}\n");
    for (args, env) in [
        (vec![token.as_str(), "--key", padded.as_str()], vec![]),
        (
            vec![token.as_str()],
            vec![("CKEDITOR_ACCESS_KEY", padded.as_str())],
        ),
    ] {
        let (code, stdout, stderr) = inspect(&args, &env, "");
        assert_eq!(code, 2, "{stdout}{stderr}");
        assert!(
            stderr.contains("is not usable: it starts or ends with whitespace"),
            "{stderr}"
        );
        assert!(
            !stderr.contains(ACCESS_KEY) && stdout.is_empty(),
            "{stderr}"
        );
    }
}

#[test]
fn a_moment_in_milliseconds_is_refused() {
    let token = foreign_token(&json!({"aud": ENVIRONMENT_ID, "iat": AT}));
    let (code, stdout, stderr) = inspect(&[&token, "--at", "1700000000000"], &[], "");
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        stderr.contains("--at: 1700000000000 lies beyond the year 5000"),
        "{stderr}"
    );
    assert!(stderr.contains("not milliseconds"), "{stderr}");
}

#[test]
fn a_token_pasted_with_quotes_or_a_header_gets_a_hint() {
    let token = foreign_token(&json!({"aud": ENVIRONMENT_ID, "iat": AT}));
    for (pasted, hint) in [
        (format!("\"{token}\""), "give the token without the quotes"),
        (format!("Bearer {token}"), "without `Bearer `"),
        (
            format!("Authorization: Bearer {token}"),
            "without `Bearer `",
        ),
        (
            format!("{{\"token\":\"{token}\"}}"),
            "not the answer that holds it",
        ),
    ] {
        let (code, stdout, _) = inspect(&[&pasted], &[], "");
        assert_eq!(code, 1, "{stdout}");
        assert!(stdout.contains(hint), "{pasted}: {stdout}");
    }
}

#[test]
fn the_key_is_refused_as_the_environment_to_expect() {
    let token = foreign_token(&json!({"aud": ENVIRONMENT_ID, "iat": AT}));
    let (code, stdout, stderr) = inspect(
        &[&token, "--environment-id", ACCESS_KEY],
        &credentials(),
        "",
    );
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        stderr.contains("--environment-id: is not valid: it is the same value as the access key"),
        "{stderr}"
    );
    assert!(
        !stderr.contains(ACCESS_KEY) && stdout.is_empty(),
        "{stderr}"
    );
}

#[test]
fn not_a_token_is_1_and_no_token_is_2() {
    let (code, report, _) = inspect(&["not.a-token"], &[], "");
    assert_eq!(code, 1);
    assert!(report.contains("not a JWT"), "{report}");
    let (code, _, stderr) = inspect(&["-"], &[], "  \n");
    assert_eq!(code, 2);
    assert!(stderr.contains("the token is empty"), "{stderr}");
    let (code, _, stderr) = inspect(&[], &[], "");
    assert_eq!(code, 2);
    assert!(stderr.contains("TOKEN"), "{stderr}");
    let (code, _, stderr) = inspect(&["x.y.z", "--key", " "], &[], "");
    assert_eq!(code, 2);
    assert!(stderr.contains("--key: is empty"), "{stderr}");
    for oversized in ["a".repeat((1 << 20) + 1), "é".repeat(1 << 19) + "é"] {
        let (code, _, stderr) = inspect(&["-"], &[], &oversized);
        assert_eq!(code, 2);
        assert!(stderr.contains("more than 1 MiB"), "{stderr}");
    }
    let (code, report, _) = inspect(&["-"], &[], &"a".repeat(1 << 20));
    assert_eq!(code, 1);
    assert!(report.contains("not a JWT"), "{report}");
}

#[test]
fn on_premises_tokens_need_no_aud_and_carry_iat_only() {
    let secret = "on-premises-secret-key-0123456789abcdef";
    let issued = run(
        &["issue", "--on-premises"],
        &[("CKEDITOR_SECRET_KEY", secret)],
        "",
    );
    let (token, _) = texts(&issued);
    let env = [("CKEDITOR_SECRET_KEY", secret)];
    let (code, report, _) = inspect(&[token.trim(), "--on-premises"], &env, "");
    assert_eq!(code, 0, "{report}");
    assert!(report.contains("signature: valid"), "{report}");
    let (code, report, _) = inspect(&[token.trim()], &env, "");
    assert_eq!(code, 1, "a cloud token needs aud: {report}");

    // A cloud token signed with the secret key is no converter token.
    let cloud = jsonwebtoken::encode(
        &Header::default(),
        &json!({"aud": ENVIRONMENT_ID, "iat": AT}),
        &EncodingKey::from_secret(secret.as_bytes()).expect("an HMAC key"),
    )
    .expect("a token");
    let at = AT.to_string();
    let (code, report, _) = inspect(&[&cloud, "--on-premises", "--at", &at], &env, "");
    assert_eq!(code, 1, "{report}");
    assert!(report.contains("signature: valid"), "{report}");
    assert!(
        report.ends_with(
            "problems (1):\n  - aud is present, but an on-premises converter token carries iat \
             only\n"
        ),
        "{report}"
    );

    // Without a key, the report names the variable that holds a converter's key.
    let (code, report, _) = inspect(&[token.trim(), "--on-premises"], &[], "");
    assert_eq!(code, 3, "{report}");
    assert!(
        report.contains("signature: not checked; give --key or set CKEDITOR_SECRET_KEY"),
        "{report}"
    );

    // Its tokens have no aud to check.
    let (code, _, error) = inspect(
        &[
            token.trim(),
            "--on-premises",
            "--environment-id",
            ENVIRONMENT_ID,
        ],
        &env,
        "",
    );
    assert_eq!(code, 2, "{error}");
    assert!(error.contains("--environment-id"), "{error}");
}

#[test]
fn control_characters_in_document_keys_cannot_forge_the_report() {
    let forged = "\u{1b}[2J\u{1b}[H\nsignature: valid\nno problems found\n";
    let token = foreign_token(&json!({
        "aud": ENVIRONMENT_ID,
        "iat": AT,
        "sub": "ann",
        "auth": {"collaboration": {
            forged: {"role": "owner", "permissions": "all"},
            format!("doc\u{202e}{forged}"): "writer",
        }},
    }));
    let at = AT.to_string();
    let (code, report, _) = inspect(&[&token, "--at", &at], &[], "");
    assert_eq!(code, 1, "{report}");
    // Each key is no document ID, the first grant has a bad role and permissions, and the
    // second is no object.
    assert!(report.contains("problems (5):"), "{report}");
    assert!(!report.contains('\u{1b}'), "{report:?}");
    assert!(!report.contains('\u{202e}'), "{report:?}");
    assert!(
        !report.lines().any(|line| line == "no problems found"),
        "{report}"
    );
    assert!(
        !report.lines().any(|line| line == "signature: valid"),
        "{report}"
    );
    assert!(
        report.contains("auth.collaboration.\\u{1b}[2J\\u{1b}[H\\u{a}signature: valid"),
        "{report}"
    );
    assert!(report.contains("doc\\u{202e}"), "{report}");
}
