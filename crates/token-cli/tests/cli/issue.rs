//! `issue`: tokens from flags, verified with jsonwebtoken; and what it refuses.

use crate::common::{
    ACCESS_KEY, ENVIRONMENT_ID, config_file, credentials, decode, now, run, texts,
};

fn issue(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut all = vec!["issue"];
    all.extend_from_slice(args);
    let output = run(&all, env, "");
    let (stdout, stderr) = texts(&output);
    (output.status.code().unwrap_or(-1), stdout, stderr)
}

#[test]
fn a_user_token_carries_every_flag() {
    let before = now();
    let (code, stdout, stderr) = issue(
        &[
            "--sub",
            "user-1",
            "--name",
            "Zoë Ä",
            "--email",
            "zoe@example.test",
            "--role",
            "doc-*=writer",
            "--role",
            "notes-1=reader",
            "--ckbox-role",
            "superadmin",
            "--lifetime",
            "30m",
        ],
        &credentials(),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.ends_with('\n') && stdout.lines().count() == 1,
        "{stdout}"
    );
    let token = stdout.trim();
    let claims = decode(token, ACCESS_KEY.as_bytes(), Some(ENVIRONMENT_ID));
    assert_eq!(claims["sub"], "user-1");
    assert_eq!(claims["user"]["name"], "Zoë Ä");
    assert_eq!(claims["user"]["email"], "zoe@example.test");
    assert_eq!(claims["auth"]["collaboration"]["doc-*"]["role"], "writer");
    assert_eq!(claims["auth"]["collaboration"]["notes-1"]["role"], "reader");
    assert_eq!(claims["auth"]["ckbox"]["role"], "superadmin");
    let iat = claims["iat"].as_u64().expect("iat");
    assert!((before..=now()).contains(&iat));
    assert_eq!(claims["exp"].as_u64(), Some(iat + 1800));
    let payload = token.split('.').nth(1).expect("a payload");
    assert!(
        !payload.contains(['-', '_']),
        "the editor's atob() reads it: {payload}"
    );
}

#[test]
fn permissions_join_the_role_of_their_documents_and_workspaces_the_ckbox_role() {
    let (code, stdout, stderr) = issue(
        &[
            "--sub",
            "user-1",
            "--permission",
            "notes-1=comment:read",
            "--role",
            "doc-*=reader",
            "--permission",
            "doc-*=comment:write",
            "--permission",
            "notes-1=comment:admin",
            "--ckbox-role",
            "user",
            "--ckbox-workspace",
            "ws-1",
            "--ckbox-workspace",
            "ws-2",
        ],
        &credentials(),
    );
    assert_eq!(code, 0, "{stderr}");
    let claims = decode(stdout.trim(), ACCESS_KEY.as_bytes(), Some(ENVIRONMENT_ID));
    assert_eq!(
        claims["auth"],
        serde_json::json!({
            "collaboration": {
                "doc-*": {"role": "reader", "permissions": ["comment:write"]},
                "notes-1": {"permissions": ["comment:read", "comment:admin"]},
            },
            "ckbox": {"role": "user", "workspaces": ["ws-1", "ws-2"]},
        })
    );

    for (args, problem) in [
        (
            &["--permission", "doc-1=comment:edit"][..],
            r#"--permission: "comment:edit" in "doc-1=comment:edit" is not a permission"#,
        ),
        (
            &["--permission", "doc-1"][..],
            r#"--permission: "doc-1" is not DOCUMENT=PERMISSION"#,
        ),
        (
            &["--ckbox-workspace", "ws-1"][..],
            "the following required arguments were not provided:\n  --ckbox-role <ROLE>",
        ),
        (
            &["--role", "doc-1=reader", "--role", "doc-1=writer"][..],
            r#"the document key "doc-1" is granted twice, with different grants"#,
        ),
    ] {
        let mut all = vec!["--sub", "user-1"];
        all.extend_from_slice(args);
        let (code, stdout, stderr) = issue(&all, &credentials());
        assert_eq!((code, stdout.as_str()), (2, ""), "{args:?}");
        assert!(stderr.contains(problem), "{args:?}: {stderr}");
    }
}

#[test]
fn a_role_or_permission_given_twice_counts_once() {
    let (code, stdout, stderr) = issue(
        &[
            "--sub",
            "user-1",
            "--role",
            "doc-1=reader",
            "--permission",
            "doc-1=comment:read",
            "--role",
            "doc-1=reader",
            "--permission",
            "doc-1=comment:read",
        ],
        &credentials(),
    );
    assert_eq!(code, 0, "{stderr}");
    let claims = decode(stdout.trim(), ACCESS_KEY.as_bytes(), Some(ENVIRONMENT_ID));
    assert_eq!(
        claims["auth"]["collaboration"],
        serde_json::json!({"doc-1": {"role": "reader", "permissions": ["comment:read"]}})
    );
}

#[test]
fn without_a_user_the_token_holds_aud_and_iat_only() {
    let config = config_file(&format!(
        "[environment]\nid = \"{ENVIRONMENT_ID}\"\naccess_key = \"{ACCESS_KEY}\"\n"
    ));
    let path = config.to_str().expect("UTF-8");
    let permissions = |mode| {
        std::fs::set_permissions(&config, std::os::unix::fs::PermissionsExt::from_mode(mode))
            .expect("permissions");
    };
    permissions(0o644);
    let (code, stdout, stderr) = issue(&["--config", path], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("holds a key or secret"), "{stderr}");
    let claims = decode(stdout.trim(), ACCESS_KEY.as_bytes(), Some(ENVIRONMENT_ID));
    let keys: Vec<&String> = claims.as_object().expect("an object").keys().collect();
    assert_eq!(keys, ["aud", "iat"]);

    permissions(0o600);
    let (code, _, stderr) = issue(&["--config", path], &[]);
    assert_eq!((code, stderr.as_str()), (0, ""));
}

#[test]
fn on_premises_tokens_hold_iat_only_and_use_the_secret_key() {
    let secret = "on-premises-secret-key-0123456789abcdef";
    let (code, stdout, stderr) = issue(&["--on-premises"], &[("CKEDITOR_SECRET_KEY", secret)]);
    assert_eq!(code, 0, "{stderr}");
    let claims = decode(stdout.trim(), secret.as_bytes(), None);
    let keys: Vec<&String> = claims.as_object().expect("an object").keys().collect();
    assert_eq!(keys, ["iat"]);

    let (code, _, stderr) = issue(&["--on-premises"], &credentials());
    assert_eq!(code, 2);
    assert!(stderr.contains("CKEDITOR_SECRET_KEY"), "{stderr}");
    let (code, _, stderr) = issue(&["--on-premises", "--sub", "x"], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot be used with"), "{stderr}");
}

#[test]
fn refusals_exit_2_name_the_problem_and_print_no_token() {
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let key_as_name = format!("Ann {ACCESS_KEY}");
    let key_as_document = format!("{ACCESS_KEY}=writer");
    let secret_key = [
        credentials().as_slice(),
        &[("CKEDITOR_SECRET_KEY", "on-premises-secret-key-0123456789")],
    ]
    .concat();
    let trusted_secret = [
        credentials().as_slice(),
        &[(
            "CKEDITOR_TOKEN_TRUSTED_SECRET",
            "trusted-proxy-secret-0123456789",
        )],
    ]
    .concat();
    let cases: [Case<'_>; 20] = [
        (
            &[
                "--sub",
                "u",
                "--permission",
                "trusted-proxy-secret-0123456789=comment:read",
            ],
            &trusted_secret,
            "--permission holds a key or secret of this server",
        ),
        (
            &[
                "--sub",
                "u",
                "--ckbox-role",
                "user",
                "--ckbox-workspace",
                "ws-on-premises-secret-key-0123456789",
            ],
            &secret_key,
            "--ckbox-workspace holds a key or secret of this server",
        ),
        (
            &[
                "--sub",
                "u",
                "--role",
                "trusted-proxy-secret-0123456789=writer",
            ],
            &trusted_secret,
            "--role holds a key or secret of this server",
        ),
        (
            &[
                "--sub",
                "u",
                "--name",
                "ON-PREMISES-secret-KEY-0123456789",
                "--role",
                "*=writer",
            ],
            &secret_key,
            "--name holds a key or secret of this server",
        ),
        (
            &[
                "--sub",
                "u",
                "--ai-scope",
                "ai:models:on-premises-secret-key-0123456789",
            ],
            &secret_key,
            "--ai-scope holds a key or secret of this server",
        ),
        (&["--sub", "u"], &[], "CKEDITOR_ENVIRONMENT_ID"),
        (
            &["--sub", "u", "--role", "*=writer"],
            &[
                (
                    "CKEDITOR_ENVIRONMENT_ID",
                    "w1lnWEN63FPKxBNmxHN7WpfW2IoYVYca5moqIUKfWesL1Ykwv34iR5xwfWLy",
                ),
                ("CKEDITOR_ACCESS_KEY", "LJRQ1bju55p6a47RwadH"),
            ],
            "look swapped",
        ),
        (
            &["--sub", ACCESS_KEY, "--role", "*=writer"],
            &credentials(),
            "the token would carry the access key in sub",
        ),
        (
            &["--sub", "u", "--name", &key_as_name, "--role", "*=writer"],
            &credentials(),
            "the token would carry the access key in user.name",
        ),
        (
            &["--sub", "u", "--role", &key_as_document],
            &credentials(),
            "the token would carry the access key in auth.collaboration",
        ),
        (
            &["--sub", "u"],
            &[("CKEDITOR_ENVIRONMENT_ID", ENVIRONMENT_ID)],
            "CKEDITOR_ACCESS_KEY): is not set",
        ),
        (
            &["--sub", "u"],
            &[
                ("CKEDITOR_ENVIRONMENT_ID", ENVIRONMENT_ID),
                ("CKEDITOR_ACCESS_KEY", " "),
            ],
            "CKEDITOR_ACCESS_KEY: access key is empty",
        ),
        (&["--role", "*=writer"], &credentials(), "--sub"),
        (
            &["--sub", "u", "--role", "*=writer"],
            &[
                ("CKEDITOR_ENVIRONMENT_ID", ACCESS_KEY),
                ("CKEDITOR_ACCESS_KEY", ACCESS_KEY),
            ],
            "CKEDITOR_ENVIRONMENT_ID: environment ID is not valid: it is the same value as the \
             access key",
        ),
        (
            &["--sub", "u", "--name", "Ann"],
            &credentials(),
            "needs a grant: --role, --permission, --ckbox-role or --ai-scope",
        ),
        (
            &["--sub", "u", "--role", "*=owner"],
            &credentials(),
            "\"owner\"",
        ),
        (
            &["--sub", "u", "--email", "nope"],
            &credentials(),
            "user.email",
        ),
        (
            &["--sub", "u", "--lifetime", "25h"],
            &credentials(),
            "--lifetime",
        ),
        (
            &["--sub", "u", "--role", "*=reader", "--lifetime", "-1h"],
            &credentials(),
            "--lifetime: \"-1h\" is not a duration",
        ),
        (
            &["--sub", "u", "--role", "*=reader", "--role", "doc-1=writer"],
            &credentials(),
            "\"*\" and \"doc-1\" can match the same document with different grants, and the \
             cloud does not document which one wins; make them disjoint, or allow overlapping \
             grants if that is intended (--allow-overlapping-grants)",
        ),
    ];
    for (args, env, phrase) in cases {
        let (code, stdout, stderr) = issue(args, env);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        assert!(stderr.contains(phrase), "{args:?}: {stderr}");
        assert!(!stderr.contains(ACCESS_KEY), "{stderr}");
        assert!(
            !stderr.to_lowercase().contains("premises-secret") && !stderr.contains("proxy-secret"),
            "{stderr}"
        );
    }
    let (code, stdout, _) = issue(
        &[
            "--sub",
            "u",
            "--role",
            "*=reader",
            "--role",
            "doc-1=writer",
            "--allow-overlapping-grants",
        ],
        &credentials(),
    );
    assert_eq!(code, 0);
    let claims = decode(stdout.trim(), ACCESS_KEY.as_bytes(), Some(ENVIRONMENT_ID));
    assert_eq!(claims["auth"]["collaboration"]["doc-1"]["role"], "writer");
}

#[test]
fn a_short_key_signs_with_a_warning_that_hides_it() {
    let key = "short-key-4711";
    let env = [
        ("CKEDITOR_ENVIRONMENT_ID", ENVIRONMENT_ID),
        ("CKEDITOR_ACCESS_KEY", key),
    ];
    let (code, stdout, stderr) = issue(&["--sub", "u", "--role", "*=reader"], &env);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("shorter than 32 bytes"), "{stderr}");
    assert!(!stderr.contains(key), "{stderr}");
    let claims = decode(stdout.trim(), key.as_bytes(), Some(ENVIRONMENT_ID));
    assert_eq!(claims["sub"], "u");
}
