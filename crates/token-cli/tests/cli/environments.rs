//! `serve` for several environments, one per tenant: the proxy's header or the application's
//! answer names the user's environment, whose key signs the token and whose ID is its `aud`.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpListener;

use crate::common::{
    ACCESS_KEY, ENVIRONMENT_ID, PROXY_SECRET, Server, assert_says, client, config_file,
    credentials, decode, get, run, texts,
};

const ACME_ID: &str = "acme-env";
const ACME_KEY: &str = "acme-access-key-0123456789abcdef0123456789";
const GLOBEX_ID: &str = "globex-env";
const GLOBEX_KEY: &str = "globex-access-key-0123456789abcdef01234567";

/// Acme's key comes from a variable the file names, Globex's from the file itself.
fn environments() -> String {
    format!(
        "[[other_environment]]\nid = \"{ACME_ID}\"\naccess_key_variable = \"ACME_ACCESS_KEY\"\n\
         [[other_environment]]\nid = \"{GLOBEX_ID}\"\naccess_key = \"{GLOBEX_KEY}\"\n\
         [[rule]]\neveryone = true\ndocuments = \"*\"\nrole = \"writer\"\n\
         [[rule]]\nuser = \"ann\"\nenvironments = \"{ACME_ID}\"\nai_scopes = [\"ai:models:*\"]\n"
    )
}

fn env() -> Vec<(&'static str, &'static str)> {
    let mut env = credentials();
    env.push(("ACME_ACCESS_KEY", ACME_KEY));
    env.push(("CKEDITOR_TOKEN_TRUSTED_SECRET", PROXY_SECRET));
    env
}

fn behind_a_proxy() -> Server {
    let config = config_file(&format!(
        "[auth]\nmode = \"trusted-headers\"\n[auth.trusted_headers]\n\
         environment_header = \"X-Tenant-Environment\"\n{}",
        environments()
    ));
    Server::start(&["--config", config.to_str().expect("UTF-8")], &env())
}

#[test]
fn the_proxys_header_chooses_the_environment_that_signs() {
    let server = behind_a_proxy();
    let http = client();
    let url = format!("{}/token", server.base);
    let request = |environment: Option<&str>| {
        let mut headers = vec![
            ("X-Forwarded-User", "ann"),
            ("X-CKEditor-Token-Secret", PROXY_SECRET),
        ];
        headers.extend(environment.map(|id| ("X-Tenant-Environment", id)));
        get(&http, &url, &headers)
    };

    for (id, key) in [
        (ACME_ID, ACME_KEY),
        (GLOBEX_ID, GLOBEX_KEY),
        (ENVIRONMENT_ID, ACCESS_KEY),
    ] {
        let (status, token) = request(Some(id));
        assert_eq!(status, 200, "{id}: {token}");
        // Verifies with this environment's key and names it as the audience.
        let claims = decode(&token, key.as_bytes(), Some(id));
        assert_eq!(claims["aud"], id);
        assert_eq!(claims["sub"], "ann");
        assert_eq!(claims["auth"]["collaboration"]["*"]["role"], "writer");
        // The rule for ann of Acme is not for an ann of another tenant.
        let ai = claims["auth"].get("ai").is_some();
        assert_eq!(ai, id == ACME_ID, "{id}: {claims}");
    }
    // Spaces around the ID are the header's, not the ID's.
    let (status, token) = request(Some(" acme-env "));
    assert_eq!(status, 200, "{token}");
    decode(&token, ACME_KEY.as_bytes(), Some(ACME_ID));

    // No environment, or one this server does not sign for, is the proxy's mistake: no token
    // in the first environment instead.
    let (status, body) = request(None);
    assert_eq!(status, 500, "{body}");
    let (status, body) = request(Some("initech-env"));
    assert_eq!(status, 500, "{body}");
    let (status, body) = request(Some(""));
    assert_eq!(status, 500, "{body}");
    // Two headers: which one the proxy set cannot be told.
    let (status, body) = get(
        &http,
        &url,
        &[
            ("X-Forwarded-User", "ann"),
            ("X-CKEditor-Token-Secret", PROXY_SECRET),
            ("X-Tenant-Environment", ACME_ID),
            ("X-Tenant-Environment", GLOBEX_ID),
        ],
    );
    assert_eq!(status, 401, "{body}");
    // Without the proxy's proof the header is not believed either.
    let (status, body) = get(
        &http,
        &url,
        &[
            ("X-Forwarded-User", "ann"),
            ("X-Tenant-Environment", ACME_ID),
        ],
    );
    assert_eq!(status, 401, "{body}");

    let (stopped, log) = server.terminate();
    assert!(stopped, "{log}");
    assert!(
        log.contains("other_environments") && log.contains("acme-env, globex-env"),
        "the start-up line names every environment: {log}"
    );
    assert!(
        log.contains("environment (from the header x-tenant-environment)"),
        "{log}"
    );
    assert!(log.contains("the header is missing"), "{log}");
    assert!(log.contains(r#"it names "initech-env""#), "{log}");
    assert!(log.contains("it is empty"), "{log}");
    for key in [ACCESS_KEY, ACME_KEY, GLOBEX_KEY, PROXY_SECRET] {
        assert!(!log.contains(key), "a key in the log: {log}");
    }
}

/// A "who am I" application whose answers carry the user's environment in `tenant.env`, by
/// the `session` cookie; it answers one connection per thread until the test ends.
fn who_am_i() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let url = format!("http://{}/me", listener.local_addr().expect("an address"));
    std::thread::spawn(move || {
        for mut stream in listener.incoming().map_while(Result::ok) {
            let reader = BufReader::new(stream.try_clone().expect("a second handle"));
            let session = reader
                .lines()
                .map_while(Result::ok)
                .take_while(|line| !line.is_empty())
                .find_map(|line| {
                    let cookie = line.strip_prefix("cookie: session=")?;
                    Some(cookie.to_owned())
                })
                .unwrap_or_default();
            let body = match session.as_str() {
                "acme" => r#"{"id":"ann","tenant":{"env":"acme-env"}}"#,
                "globex" => r#"{"id":"bob","tenant":{"env":"globex-env"}}"#,
                "home" => r#"{"id":"carl","tenant":{"env":"ENV_CLI_TEST"}}"#,
                "no-env" => r#"{"id":"dan"}"#,
                "null-env" => r#"{"id":"dan","tenant":{"env":null}}"#,
                "number-env" => r#"{"id":"dan","tenant":{"env":7}}"#,
                "unknown-env" => r#"{"id":"dan","tenant":{"env":"initech-env"}}"#,
                _ => "null",
            };
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                 connection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

#[test]
fn the_applications_answer_chooses_the_environment_that_signs() {
    let url = who_am_i();
    // With a rule for a user ID in every environment, which is warned of.
    let config = config_file(&format!(
        "[auth]\nmode = \"forward\"\n[auth.forward]\nurl = \"{url}\"\n\
         environment_field = \"tenant.env\"\n{}[[rule]]\nuser = \"bob\"\nckbox_role = \"user\"\n",
        environments()
    ));
    // Readable by everyone, with Globex's key in it.
    std::fs::set_permissions(&config, std::os::unix::fs::PermissionsExt::from_mode(0o644))
        .expect("permissions");
    let mut env = env();
    env.retain(|(name, _)| *name != "CKEDITOR_TOKEN_TRUSTED_SECRET");
    let server = Server::start(&["--config", config.to_str().expect("UTF-8")], &env);
    let http = client();
    let token_of = |session: &str| {
        get(
            &http,
            &format!("{}/token", server.base),
            &[("Cookie", &format!("session={session}"))],
        )
    };

    for (session, subject, id, key) in [
        ("acme", "ann", ACME_ID, ACME_KEY),
        ("globex", "bob", GLOBEX_ID, GLOBEX_KEY),
        ("home", "carl", ENVIRONMENT_ID, ACCESS_KEY),
    ] {
        let (status, token) = token_of(session);
        assert_eq!(status, 200, "{session}: {token}");
        let claims = decode(&token, key.as_bytes(), Some(id));
        assert_eq!(claims["sub"], subject);
    }
    // An answer without a usable environment is a bad answer.
    for session in ["no-env", "null-env", "number-env", "unknown-env"] {
        let (status, body) = token_of(session);
        assert_eq!(status, 502, "{session}: {body}");
    }
    // No one signed in is still 401.
    assert_eq!(token_of("nobody").0, 401);

    let (_, log) = server.terminate();
    assert!(
        log.contains("every user of this machine may read it"),
        "{log}"
    );
    assert!(
        log.contains("rule[3] in ") && log.contains("is for a user ID in every environment"),
        "{log}"
    );
    assert!(
        log.contains(r#"environment from the field "tenant.env""#),
        "{log}"
    );
    assert!(log.contains("it is missing or null"), "{log}");
    assert!(log.contains("it is not a string"), "{log}");
    assert!(log.contains(r#"it names "initech-env""#), "{log}");
    for key in [ACCESS_KEY, ACME_KEY, GLOBEX_KEY] {
        assert!(!log.contains(key), "a key in the log: {log}");
    }
}

/// What `serve` with `config` (and the proxy's settings) says when it refuses to start.
fn refusal(config: &str, env: &[(&str, &str)], flags: &[&str]) -> String {
    let path = config_file(&format!(
        "[auth]\nmode = \"trusted-headers\"\n[auth.trusted_headers]\n{config}\n\
         [[rule]]\neveryone = true\nckbox_role = \"user\"\n"
    ));
    let mut args = vec![
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--config",
        path.to_str().expect("UTF-8"),
    ];
    args.extend_from_slice(flags);
    let output = run(&args, env, "");
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
    for key in [ACCESS_KEY, ACME_KEY, GLOBEX_KEY] {
        assert!(!stderr.contains(key), "a key in the message: {stderr}");
    }
    stderr
}

#[test]
fn other_environments_are_checked_before_serving() {
    let header = "environment_header = \"X-Tenant-Environment\"\n";
    let acme = format!("[[other_environment]]\nid = \"{ACME_ID}\"\n");
    let with = |extra: &str| format!("{header}{extra}");
    let env = env();

    let keyed = format!("{acme}access_key = \"{ACME_KEY}\"\n");
    let message = refusal(&with(&keyed.replace("id = \"acme-env\"\n", "")), &env, &[]);
    assert_says(&message, &["other_environment[1].id in ", "is not set"]);
    let message = refusal(&with(&keyed.replace(ACME_ID, " ")), &env, &[]);
    assert_says(
        &message,
        &["other_environment[1].id in ", "is empty or only whitespace"],
    );

    let message = refusal(&with(&acme), &env, &[]);
    assert_says(
        &message,
        &["other_environment[1].access_key_variable in ", "is not set"],
    );
    let both =
        format!("{acme}access_key = \"{ACME_KEY}\"\naccess_key_variable = \"ACME_ACCESS_KEY\"");
    let message = refusal(&with(&both), &env, &[]);
    assert_says(
        &message,
        &["access_key in ", "access_key_variable in ", "are both set"],
    );

    let unset = format!("{acme}access_key_variable = \"NOT_SET_ANYWHERE\"");
    let message = refusal(&with(&unset), &env, &[]);
    assert_says(
        &message,
        &[
            "NOT_SET_ANYWHERE (from other_environment[1].access_key_variable in ",
            "is not set",
        ],
    );

    // A variable's name written as the key.
    let named = format!("{acme}access_key = \"ACME_ACCESS_KEY\"");
    let message = refusal(&with(&named), &env, &[]);
    assert_says(
        &message,
        &[
            "other_environment[1].access_key in ",
            "give its name as access_key_variable",
        ],
    );

    // A key pasted in place of the variable's name is not shown.
    let pasted = format!("{acme}access_key_variable = \"k7PqR2sT9vW4xY6zA1bC3dE5fG8hJ0mN\"");
    let message = refusal(&with(&pasted), &env, &[]);
    assert_says(
        &message,
        &[
            "the variable that other_environment[1].access_key_variable in ",
            "is not set",
        ],
    );
    assert!(
        !message.contains("k7PqR2sT9vW4xY6zA1bC3dE5fG8hJ0mN"),
        "{message}"
    );

    // Two environments with one key: a token of one would be signed with the other's key.
    let shared_key = format!("{acme}access_key_variable = \"CKEDITOR_ACCESS_KEY\"");
    let message = refusal(&with(&shared_key), &env, &[]);
    assert_says(
        &message,
        &[
            "CKEDITOR_ACCESS_KEY (from other_environment[1].access_key_variable in ",
            "is the key of CKEDITOR_ACCESS_KEY too",
        ],
    );

    // An access key that is the on-premises secret key: every editor token would open that
    // server too. Another environment's, or `[environment]`'s (which `issue` refuses as well).
    let mut on_premises = env.clone();
    on_premises.push(("CKEDITOR_SECRET_KEY", ACME_KEY));
    let acme_keyed = format!("{acme}access_key_variable = \"ACME_ACCESS_KEY\"");
    let message = refusal(&with(&acme_keyed), &on_premises, &[]);
    assert_says(
        &message,
        &[
            "ACME_ACCESS_KEY (from other_environment[1].access_key_variable in ",
            "is the on-premises secret key too (CKEDITOR_SECRET_KEY)",
        ],
    );
    let mut first_on_premises = env.clone();
    first_on_premises.push(("CKEDITOR_SECRET_KEY", ACCESS_KEY));
    let message = refusal("", &first_on_premises, &[]);
    assert_says(
        &message,
        &["CKEDITOR_ACCESS_KEY: is the on-premises secret key too (CKEDITOR_SECRET_KEY)"],
    );
    let issued = run(
        &["issue", "--sub", "ann", "--role", "*=writer"],
        &first_on_premises,
        "",
    );
    assert_eq!(issued.status.code(), Some(2), "{}", texts(&issued).1);

    // The first environment again, or another twice.
    let again = format!(
        "[[other_environment]]\nid = \"{ENVIRONMENT_ID}\"\naccess_key = \"{GLOBEX_KEY}\"\n"
    );
    let message = refusal(&with(&again), &env, &[]);
    assert_says(
        &message,
        &[
            "other_environment[1].id in ",
            "names the same environment as CKEDITOR_ENVIRONMENT_ID",
        ],
    );
    let twice = format!(
        "{acme}access_key = \"{ACME_KEY}\"\n[[other_environment]]\nid = \"{ACME_ID}\"\n\
         access_key = \"{GLOBEX_KEY}\"\n"
    );
    let message = refusal(&with(&twice), &env, &[]);
    let same = "names the same environment as other_environment[1].id in ";
    assert_says(&message, &["other_environment[2].id in ", same]);
    let key_twice = format!(
        "{acme}access_key = \"{ACME_KEY}\"\n[[other_environment]]\nid = \"{GLOBEX_ID}\"\n\
         access_key = \"{ACME_KEY}\"\n"
    );
    let message = refusal(&with(&key_twice), &env, &[]);
    assert_says(
        &message,
        &[
            "other_environment[2].access_key in ",
            "is the key of other_environment[1].access_key in ",
        ],
    );
    // An entry copied whole is the same environment twice, rather than a key given twice.
    let copied = format!("{acme}access_key = \"{ACME_KEY}\"\n").repeat(2);
    let message = refusal(&with(&copied), &env, &[]);
    assert_says(&message, &["other_environment[2].id in ", same]);

    // The core's checks of an environment, named as the file has it.
    let swapped = format!(
        "[[other_environment]]\nid = \"{}\"\naccess_key = \"{ACME_ID}\"\n",
        "acmeaccesskey0123456789abcdef0123456789ab"
    );
    let message = refusal(&with(&swapped), &env, &[]);
    assert_says(&message, &["other_environment[1].id in ", "swapped"]);
    let padded = format!("{acme}access_key = \" {ACME_KEY}\"\n");
    let message = refusal(&with(&padded), &env, &[]);
    assert_says(
        &message,
        &["other_environment[1].access_key in ", "whitespace"],
    );

    // An ID that holds another environment's key, or is that key, would show it in every
    // token's `aud`.
    for id in [format!("x-{ACCESS_KEY}"), ACCESS_KEY.to_owned()] {
        let holds_first =
            format!("[[other_environment]]\nid = \"{id}\"\naccess_key = \"{GLOBEX_KEY}\"\n");
        let message = refusal(&with(&holds_first), &env, &[]);
        assert_says(
            &message,
            &[
                "other_environment[1].id in ",
                "holds the key of CKEDITOR_ACCESS_KEY",
            ],
        );
    }
    // Also with a short key, whose warning comes first: it names the entry, not the ID.
    let short = format!(
        "[[other_environment]]\nid = \"x-{ACCESS_KEY}\"\naccess_key = \"short-acme-key\"\n"
    );
    let message = refusal(&with(&short), &env, &[]);
    assert_says(
        &message,
        &[
            "other_environment{number=1}",
            "shorter than 32 bytes",
            "holds the key of",
        ],
    );
    let mut holds_other = env.clone();
    holds_other.retain(|(name, _)| *name != "CKEDITOR_ENVIRONMENT_ID");
    let home_id = format!("home-{GLOBEX_KEY}");
    holds_other.push(("CKEDITOR_ENVIRONMENT_ID", &home_id));
    let other =
        format!("[[other_environment]]\nid = \"{GLOBEX_ID}\"\naccess_key = \"{GLOBEX_KEY}\"\n");
    let message = refusal(&with(&other), &holds_other, &[]);
    assert_says(
        &message,
        &[
            "CKEDITOR_ENVIRONMENT_ID",
            "holds the key of other_environment[1].access_key in ",
        ],
    );

    // Each mode needs to know where the user's environment is named.
    let message = refusal(&keyed, &env, &[]);
    assert_says(
        &message,
        &[
            "auth.trusted_headers.environment_header",
            "gives 1 more environment(s)",
        ],
    );
    // The other mode's setting is named when it is what was set.
    let field = format!("{keyed}[auth.forward]\nenvironment_field = \"tenant.env\"\n");
    let message = refusal(&field, &env, &[]);
    assert_says(
        &message,
        &[
            "(auth.forward.environment_field in ",
            "is set, but it is for the \"forward\" mode)",
        ],
    );
    // The environment's header is a header of its own.
    let user_header = format!("environment_header = \"X-Forwarded-User\"\n{keyed}");
    let message = refusal(&user_header, &env, &[]);
    assert_says(
        &message,
        &[
            "user_id_header",
            "environment_header",
            "both name the header x-forwarded-user",
        ],
    );
    // Every environment an [[other_environment]]: one of them is the first.
    let mut no_first = env.clone();
    no_first.retain(|(name, _)| !name.starts_with("CKEDITOR_ENVIRONMENT_ID"));
    no_first.retain(|(name, _)| *name != "CKEDITOR_ACCESS_KEY");
    let message = refusal(&with(&keyed), &no_first, &[]);
    assert_says(&message, &["one of the environments goes in [environment]"]);

    // The shared secret is checked against every environment's key and ID.
    let mut shared = env.clone();
    shared.retain(|(name, _)| *name != "CKEDITOR_TOKEN_TRUSTED_SECRET");
    shared.push(("CKEDITOR_TOKEN_TRUSTED_SECRET", &ACME_KEY[..30]));
    let message = refusal(&with(&keyed), &shared, &[]);
    assert_says(
        &message,
        &[
            "CKEDITOR_TOKEN_TRUSTED_SECRET",
            "other_environment[1].access_key in ",
        ],
    );
    // In another letter case too, for the key and for the ID.
    let upper = ACME_KEY[..30].to_ascii_uppercase();
    shared.retain(|(name, _)| *name != "CKEDITOR_TOKEN_TRUSTED_SECRET");
    shared.push(("CKEDITOR_TOKEN_TRUSTED_SECRET", &upper));
    let message = refusal(&with(&keyed), &shared, &[]);
    assert_says(&message, &["other_environment[1].access_key in "]);
    let holding = format!(
        "[[other_environment]]\nid = \"x-{}-x\"\naccess_key = \"{ACME_KEY}\"\n",
        PROXY_SECRET.to_ascii_uppercase()
    );
    let message = refusal(&with(&holding), &env, &[]);
    assert_says(
        &message,
        &["is part of the environment ID (other_environment[1].id in "],
    );
    let mut made_of_id = env.clone();
    made_of_id.retain(|(name, _)| *name != "CKEDITOR_TOKEN_TRUSTED_SECRET");
    made_of_id.push(("CKEDITOR_TOKEN_TRUSTED_SECRET", "acme-envACME-ENV12345"));
    let message = refusal(&with(&keyed), &made_of_id, &[]);
    assert_says(
        &message,
        &["is made of the environment ID (other_environment[1].id in "],
    );
    // Or of several IDs together.
    let mut made_of_ids = env.clone();
    made_of_ids.retain(|(name, _)| *name != "CKEDITOR_TOKEN_TRUSTED_SECRET");
    made_of_ids.push((
        "CKEDITOR_TOKEN_TRUSTED_SECRET",
        "acme-envENV_CLI_TESTacme-env1234",
    ));
    let message = refusal(&with(&keyed), &made_of_ids, &[]);
    assert_says(
        &message,
        &["is made of the environment IDs (CKEDITOR_ENVIRONMENT_ID, other_environment[1].id in "],
    );
}

#[test]
fn forward_authentication_needs_the_environment_field() {
    let path = config_file(&format!(
        "[auth]\nmode = \"forward\"\n[auth.forward]\nurl = \"http://127.0.0.1:9/me\"\n\
         [auth.trusted_headers]\nenvironment_header = \"X-Tenant\"\n\
         [[other_environment]]\nid = \"{ACME_ID}\"\naccess_key = \"{ACME_KEY}\"\n\
         [[rule]]\neveryone = true\nckbox_role = \"user\"\n"
    ));
    let output = run(
        &["serve", "--config", path.to_str().expect("UTF-8")],
        &credentials(),
        "",
    );
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_says(
        &stderr,
        &[
            "auth.forward.environment_field",
            "gives 1 more environment(s)",
            "(auth.trusted_headers.environment_header in ",
            "is set, but it is for the \"trusted-headers\" mode)",
        ],
    );
}

#[test]
fn the_environment_field_is_a_field_of_its_own() {
    for field in ["id", "name", "email", "avatar", "groups"] {
        let path = config_file(&format!(
            "[auth]\nmode = \"forward\"\n[auth.forward]\nurl = \"http://127.0.0.1:9/me\"\n\
             environment_field = \"{field}\"\n\
             [[rule]]\neveryone = true\nckbox_role = \"user\"\n"
        ));
        let output = run(
            &[
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--config",
                path.to_str().expect("UTF-8"),
            ],
            &credentials(),
            "",
        );
        let (_, stderr) = texts(&output);
        assert_eq!(output.status.code(), Some(2), "{field}: {stderr}");
        assert_says(
            &stderr,
            &[
                &format!("auth.forward.{field}_field (or CKEDITOR_TOKEN_FORWARD_"),
                &format!("both name the field \"{field}\""),
            ],
        );
    }
}

#[test]
fn an_empty_or_unreadable_key_variable_is_named_with_its_setting() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt as _;

    let header = "environment_header = \"X-Tenant-Environment\"\n";
    let empty =
        format!("{header}[[other_environment]]\nid = \"{ACME_ID}\"\naccess_key_variable = \" \"");
    let message = refusal(&empty, &env(), &[]);
    assert_says(
        &message,
        &["other_environment[1].access_key_variable in ", "is empty"],
    );

    let path = config_file(&format!(
        "[auth]\nmode = \"trusted-headers\"\n[auth.trusted_headers]\n{header}\
         [[other_environment]]\nid = \"{ACME_ID}\"\naccess_key_variable = \"ACME_ACCESS_KEY\"\n\
         [[rule]]\neveryone = true\nckbox_role = \"user\"\n"
    ));
    let garbled = OsStr::from_bytes(b"acme-access-key-\xff\xfe-0123456789abcdef");
    let with_garbled = |args: &[&str]| {
        crate::common::command(args, &env())
            .env("ACME_ACCESS_KEY", garbled)
            .output()
            .expect("the binary runs")
    };
    let config = path.to_str().expect("UTF-8");
    let output = with_garbled(&["serve", "--listen", "127.0.0.1:0", "--config", config]);
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_says(
        &stderr,
        &[
            "ACME_ACCESS_KEY (from other_environment[1].access_key_variable in ",
            "is not valid UTF-8",
        ],
    );
    // `issue` does not read it, and is not stopped by it.
    let output = with_garbled(&[
        "issue", "--config", config, "--sub", "ann", "--role", "*=writer",
    ]);
    assert!(output.status.success(), "{}", texts(&output).1);
}

#[test]
fn issue_and_inspect_refuse_an_environment_beside_another_ones_key() {
    let config = config_file(&environments());
    let config = config.to_str().expect("UTF-8");
    let issue = [
        "issue", "--config", config, "--sub", "ann", "--role", "*=writer",
    ];
    // Globex's ID with the first environment's key, and the first ID with Globex's key.
    let mut wrong_key = env();
    wrong_key.retain(|(name, _)| *name != "CKEDITOR_ENVIRONMENT_ID");
    wrong_key.push(("CKEDITOR_ENVIRONMENT_ID", GLOBEX_ID));
    let output = run(&issue, &wrong_key, "");
    let (token, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{token}{stderr}");
    assert_says(
        &stderr,
        &[
            "CKEDITOR_ACCESS_KEY: is not the key of the environment \"globex-env\"",
            "other_environment[2].id in ",
        ],
    );
    let mut wrong_id = env();
    wrong_id.retain(|(name, _)| *name != "CKEDITOR_ACCESS_KEY");
    wrong_id.push(("CKEDITOR_ACCESS_KEY", GLOBEX_KEY));
    let output = run(&issue, &wrong_id, "");
    let (token, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{token}{stderr}");
    assert_says(
        &stderr,
        &[
            "CKEDITOR_ENVIRONMENT_ID: names \"ENV_CLI_TEST\", but the access key is the key of",
            "\"globex-env\" (other_environment[2].id in ",
        ],
    );
    assert!(!stderr.contains(GLOBEX_KEY), "{stderr}");
    // inspect would vouch for such a token with that key: it refuses the setup too.
    let output = run(&["inspect", "--config", config, "-"], &wrong_id, "a.b.c");
    assert_eq!(output.status.code(), Some(2), "{}", texts(&output).1);
    assert_says(&texts(&output).1, &["but the access key is the key of"]);

    // --key picks the environment whose key it is; an empty --environment-id is refused.
    let globex = run(
        &["issue", "--sub", "ann", "--role", "*=writer"],
        &[
            ("CKEDITOR_ENVIRONMENT_ID", GLOBEX_ID),
            ("CKEDITOR_ACCESS_KEY", GLOBEX_KEY),
        ],
        "",
    );
    let globex = texts(&globex).0;
    // Also for a token whose aud picks another environment, whose key is then the checking one.
    let output = run(&["inspect", "--config", config, "-"], &wrong_id, &globex);
    assert_eq!(output.status.code(), Some(2), "{}", texts(&output).0);
    assert_says(&texts(&output).1, &["but the access key is the key of"]);
    let output = run(
        &["inspect", "--config", config, "--key", GLOBEX_KEY, "-"],
        &env(),
        &globex,
    );
    let (report, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{report}{stderr}");
    assert!(
        report.contains("\naud: the environment ID from other_environment[2].id in "),
        "{report}"
    );
    let output = run(
        &["inspect", "--config", config, "--environment-id", " ", "-"],
        &env(),
        &globex,
    );
    assert_eq!(output.status.code(), Some(2), "{}", texts(&output).1);
    assert_says(&texts(&output).1, &["--environment-id: is empty"]);
}

#[test]
fn issue_signs_for_the_configured_environment_environment_id_names() {
    let config = config_file(&environments());
    let config = config.to_str().expect("UTF-8");
    let issue = |id: &str, env: &[(&str, &str)]| {
        let args = [
            "issue",
            "--config",
            config,
            "--environment-id",
            id,
            "--sub",
            "ann",
        ];
        let mut args = args.to_vec();
        args.extend(["--role", "*=writer"]);
        let output = run(&args, env, "");
        let (token, stderr) = texts(&output);
        (output.status.code(), token, stderr)
    };
    for (id, key) in [
        (GLOBEX_ID, GLOBEX_KEY),
        (ACME_ID, ACME_KEY),
        (ENVIRONMENT_ID, ACCESS_KEY),
    ] {
        let (code, token, stderr) = issue(id, &env());
        assert_eq!(code, Some(0), "{id}: {stderr}");
        let claims = decode(token.trim(), key.as_bytes(), Some(id));
        assert_eq!(claims["sub"], "ann");
    }
    let (code, token, stderr) = issue("initech-env", &env());
    assert_eq!(code, Some(2), "{token}{stderr}");
    assert_says(
        &stderr,
        &[
            "--environment-id: \"initech-env\" is not a configured environment",
            "(ENV_CLI_TEST, acme-env, globex-env)",
        ],
    );
    // Also without `[environment]`: the unknown ID is what is wrong.
    let (code, _, stderr) = issue("initech-env", &[("ACME_ACCESS_KEY", ACME_KEY)]);
    assert_eq!(code, Some(2), "{stderr}");
    assert_says(
        &stderr,
        &["is not a configured environment (acme-env, globex-env)"],
    );
    let mut without_acme = env();
    without_acme.retain(|(name, _)| *name != "ACME_ACCESS_KEY");
    let (code, token, stderr) = issue(ACME_ID, &without_acme);
    assert_eq!(code, Some(2), "{token}{stderr}");
    assert_says(
        &stderr,
        &[
            "ACME_ACCESS_KEY (from other_environment[1].access_key_variable in ",
            "is not set",
        ],
    );
}

#[test]
fn inspect_hides_every_secret_of_the_settings_in_every_line() {
    use jsonwebtoken::{EncodingKey, Header};

    // A numeric trusted secret, and a file key a variable replaces.
    const NUMERIC_SECRET: &str = "9182736450918273645";
    const FILE_KEY: &str = "old-file-access-key-QQQQQQQQQQQQQQQQQQQQQQQQ";
    let config = config_file(&format!(
        "[environment]\nid = \"{ENVIRONMENT_ID}\"\naccess_key = \"{FILE_KEY}\"\n"
    ));
    let mut env = credentials();
    env.push(("CKEDITOR_TOKEN_TRUSTED_SECRET", NUMERIC_SECRET));
    let claims = serde_json::json!({
        "aud": ENVIRONMENT_ID,
        "iat": 1_700_000_000_u64,
        "exp": NUMERIC_SECRET.parse::<u64>().expect("a number"),
        "sub": FILE_KEY,
        "auth": {"collaboration": {"*": {"role": "writer"}}},
    });
    let key = EncodingKey::from_secret(ACCESS_KEY.as_bytes()).expect("an HMAC key");
    let token = jsonwebtoken::encode(&Header::default(), &claims, &key).expect("a token");
    let output = run(
        &["inspect", "--config", config.to_str().expect("UTF-8"), "-"],
        &env,
        &token,
    );
    let (report, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(1), "{report}{stderr}");
    assert!(
        report.contains("sub holds a key or secret of the configuration file"),
        "{report}"
    );
    assert!(report.contains("  exp  [key]  "), "{report}");
    for secret in [NUMERIC_SECRET, FILE_KEY] {
        assert!(!report.contains(secret), "{secret} in {report}");
    }
}

#[test]
fn inspect_names_the_configured_key_that_verifies_a_token_its_own_does_not() {
    use jsonwebtoken::{EncodingKey, Header};

    // The first environment's ID, signed with Globex's key.
    let claims = serde_json::json!({
        "aud": ENVIRONMENT_ID,
        "iat": 1_700_000_000_u64,
        "sub": "ann",
        "auth": {"collaboration": {"*": {"role": "writer"}}},
    });
    let key = EncodingKey::from_secret(GLOBEX_KEY.as_bytes()).expect("an HMAC key");
    let token = jsonwebtoken::encode(&Header::default(), &claims, &key).expect("a token");
    let config = config_file(&environments());
    let output = run(
        &["inspect", "--config", config.to_str().expect("UTF-8"), "-"],
        &env(),
        &token,
    );
    let (report, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(1), "{report}{stderr}");
    assert!(
        report.contains("signature: INVALID for the key from CKEDITOR_ACCESS_KEY"),
        "{report}"
    );
    assert!(
        report.contains("note: the key from other_environment[2].access_key in "),
        "{report}"
    );
    assert!(
        report.trim_end().ends_with("verifies the signature"),
        "{report}"
    );
    assert!(!report.contains(GLOBEX_KEY), "{report}");
}

#[test]
fn the_other_modes_environment_setting_is_warned_of_and_the_secret_header_is_its_own() {
    // Trusted headers, with the forward mode's field set: started, and warned of.
    let path = config_file(
        "[auth]\nmode = \"trusted-headers\"\n[auth.forward]\nenvironment_field = \"tenant\"\n\
         [[rule]]\neveryone = true\nckbox_role = \"user\"\n",
    );
    let server = Server::start(&["--config", path.to_str().expect("UTF-8")], &env());
    let (_, log) = server.terminate();
    assert_says(
        &log,
        &[
            "auth.forward.environment_field in ",
            "is set, but",
            "so it is not used",
        ],
    );
    let message = refusal(
        "environment_header = \"X-CKEditor-Token-Secret\"\n",
        &env(),
        &[],
    );
    assert_says(
        &message,
        &["would be read as the user's environment and match none"],
    );
}

#[test]
fn development_mode_has_one_environment() {
    let path = config_file(&format!(
        "[[other_environment]]\nid = \"{ACME_ID}\"\naccess_key = \"{ACME_KEY}\"\n"
    ));
    let output = run(
        &["serve", "--dev", "--config", path.to_str().expect("UTF-8")],
        &[],
        "",
    );
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_says(
        &stderr,
        &["other_environment in ", "development mode (--dev)"],
    );
    assert!(!stderr.contains(ACME_KEY), "{stderr}");
}

#[test]
fn inspect_checks_a_token_of_another_environment_with_its_key() {
    let issued = run(
        &["issue", "--sub", "ann", "--role", "*=writer"],
        &[
            ("CKEDITOR_ENVIRONMENT_ID", ACME_ID),
            ("CKEDITOR_ACCESS_KEY", ACME_KEY),
        ],
        "",
    );
    let (token, stderr) = texts(&issued);
    assert!(issued.status.success(), "{stderr}");
    let config = config_file(&environments());
    let config = config.to_str().expect("UTF-8");

    let output = run(&["inspect", "--config", config, "-"], &env(), &token);
    let (report, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{report}{stderr}");
    assert!(report.contains("signature: valid"), "{report}");
    assert!(
        report.contains("ACME_ACCESS_KEY (from other_environment[1].access_key_variable in "),
        "{report}"
    );
    assert!(
        report.contains("\naud: names the environment of other_environment[1].id in "),
        "{report}"
    );
    assert!(!report.contains(ACME_KEY), "{report}");

    // --environment-id naming the environment picks its key too.
    let output = run(
        &[
            "inspect",
            "--config",
            config,
            "--environment-id",
            ACME_ID,
            "-",
        ],
        &env(),
        &token,
    );
    let (report, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{report}{stderr}");
    assert!(
        report.contains("\naud: the environment ID from --environment-id\n"),
        "{report}"
    );

    // Without the environment's key, the report says which variable to set.
    let mut without_key = env();
    without_key.retain(|(name, _)| *name != "ACME_ACCESS_KEY");
    let output = run(&["inspect", "--config", config, "-"], &without_key, &token);
    let (report, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(3), "{report}{stderr}");
    assert!(
        report.contains(
            "not checked; give --key or set ACME_ACCESS_KEY (from \
             other_environment[1].access_key_variable in "
        ),
        "{report}"
    );

    // A token that carries another environment's key, or the trusted secret: reported, and
    // never shown.
    for (carried, setting) in [
        (GLOBEX_KEY, "other_environment[2].access_key in "),
        (PROXY_SECRET, "CKEDITOR_TOKEN_TRUSTED_SECRET"),
    ] {
        let issued = run(
            &[
                "issue", "--sub", "ann", "--role", "*=writer", "--name", carried,
            ],
            &credentials(),
            "",
        );
        let (carrier, stderr) = texts(&issued);
        assert!(issued.status.success(), "{stderr}");
        let output = run(&["inspect", "--config", config, "-"], &env(), &carrier);
        let (report, stderr) = texts(&output);
        assert_eq!(output.status.code(), Some(1), "{report}{stderr}");
        assert!(report.contains("signature: valid"), "{report}");
        assert!(
            report.contains(&format!("user.name holds {setting}")),
            "{report}"
        );
        assert!(report.contains("problems (1):"), "{report}");
        assert!(report.contains(r#""name": "[key]""#), "{report}");
        assert!(!report.contains(carried), "{report}");
    }

    // Another --environment-id still decides: the token is not of that environment.
    let output = run(
        &[
            "inspect",
            "--config",
            config,
            "--environment-id",
            ENVIRONMENT_ID,
            "-",
        ],
        &env(),
        &token,
    );
    assert_eq!(output.status.code(), Some(1), "{}", texts(&output).0);
}
