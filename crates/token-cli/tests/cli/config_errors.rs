//! Each configuration error of `serve`: exit status 2, a message that names the setting as the
//! user wrote it, no secret in it, and no server started.

use crate::common::{
    ACCESS_KEY, ENVIRONMENT_ID, PROXY_SECRET, Server, assert_says, client, config_file,
    credentials, get, run, texts,
};

const TRUSTED: &str = "[auth]\nmode = \"trusted-headers\"\n[auth.trusted_headers]\n\
                       trusted_sources = [\"127.0.0.1\"]\n";
const RULE: &str = "[[rule]]\neveryone = true\ndocuments = \"*\"\nrole = \"writer\"\n";

/// Runs `serve` with `config` as the file (if not empty) and `env`, and returns its error.
fn refused(config: &str, env: &[(&str, &str)]) -> String {
    refused_with(config, env, &[])
}

/// As [`refused`], with `flags`; and with `--dev` when neither the file nor `env` gives a
/// credential, as `serve` needs it then.
fn refused_with(config: &str, env: &[(&str, &str)], flags: &[&str]) -> String {
    let credentials = config.contains("[environment]")
        || env.iter().any(|(name, _)| {
            name.starts_with("CKEDITOR_ENVIRONMENT_ID") || *name == "CKEDITOR_ACCESS_KEY"
        });
    let mut flags = flags.to_vec();
    if !credentials {
        flags.push("--dev");
    }
    refused_as_given(config, env, &flags)
}

/// As [`refused_with`], with `flags` only.
fn refused_as_given(config: &str, env: &[(&str, &str)], flags: &[&str]) -> String {
    let path = config_file(config);
    let mut args = vec!["serve"];
    if !config.is_empty() {
        args.extend(["--config", path.to_str().expect("UTF-8")]);
    }
    if !flags.contains(&"--listen") {
        args.extend(["--listen", "127.0.0.1:0"]);
    }
    args.extend_from_slice(flags);
    let output = run(&args, env, "");
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{config}\n{stdout}{stderr}");
    assert!(!stdout.contains("listening on"), "{stdout}");
    assert!(
        !stderr.contains(ACCESS_KEY) && !stderr.contains(PROXY_SECRET),
        "{stderr}"
    );
    assert!(stderr.starts_with("ckeditor-token: "), "{stderr}");
    stderr
}

fn with_credentials(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut env = credentials();
    env.extend_from_slice(extra);
    env
}

#[test]
fn a_missing_file() {
    let output = run(
        &["serve", "--config", "/nonexistent/ckeditor-token.toml"],
        &[],
        "",
    );
    assert_eq!(output.status.code(), Some(2));
    let (_, stderr) = texts(&output);
    assert_says(
        &stderr,
        &["configuration file /nonexistent/ckeditor-token.toml:"],
    );

    // Named by the variable, the message says so.
    let output = run(
        &["serve"],
        &[("CKEDITOR_TOKEN_CONFIG", "/nonexistent/ckeditor-token.toml")],
        "",
    );
    assert_eq!(output.status.code(), Some(2));
    let (_, stderr) = texts(&output);
    assert_says(
        &stderr,
        &["configuration file /nonexistent/ckeditor-token.toml (from CKEDITOR_TOKEN_CONFIG):"],
    );
}

#[test]
fn a_file_over_a_mebibyte_or_not_a_file() {
    let oversized = format!("# {}\n", "x".repeat(1024 * 1024));
    let big = config_file(&oversized);
    for (path, phrase) in [
        ("/dev/zero", "is larger than 1 MiB"),
        (big.to_str().expect("UTF-8"), "is larger than 1 MiB"),
        ("/tmp", "directory"),
    ] {
        let output = run(
            &["serve", "--config", path, "--listen", "127.0.0.1:0"],
            &[],
            "",
        );
        let (stdout, stderr) = texts(&output);
        assert_eq!(output.status.code(), Some(2), "{path}: {stdout}{stderr}");
        assert_says(&stderr, &[&format!("configuration file {path}"), phrase]);
    }
    // A pipe is read like a file: here its second line is the mistake.
    let output = run(
        &["serve", "--config", "/dev/stdin", "--listen", "127.0.0.1:0"],
        &[],
        "# from a pipe\nlisten = \n",
    );
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_says(&stderr, &["configuration file /dev/stdin: line 2"]);
    // So is a named pipe, which is not opened again for the message: that would wait for
    // another writer.
    let fifo = config_file("").with_extension("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|status| status.success()), "mkfifo");
    let written = fifo.clone();
    let writer = std::thread::spawn(move || std::fs::write(written, "bogus = 1\n"));
    let fifo_path = fifo.to_str().expect("UTF-8");
    let output = run(
        &["serve", "--config", fifo_path, "--listen", "127.0.0.1:0"],
        &[],
        "",
    );
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_says(&stderr, &["line 1", "unknown field `bogus`"]);
    writer
        .join()
        .expect("the writer ends")
        .expect("the pipe is written");
}

#[test]
fn a_file_that_is_not_toml() {
    let message = refused("listen = \n", &[]);
    assert_says(&message, &["configuration file", "line 1"]);
}

#[test]
fn a_misspelt_key() {
    let message = refused("[cors]\norigin = [\"https://a.test\"]\n", &[]);
    assert_says(&message, &["line 2", "unknown field `origin`"]);
}

#[test]
fn only_one_credential() {
    let message = refused("", &[("CKEDITOR_ENVIRONMENT_ID", "ENV_CLI_TEST")]);
    assert_says(
        &message,
        &[
            "CKEDITOR_ACCESS_KEY",
            "is not set, but CKEDITOR_ENVIRONMENT_ID is",
        ],
    );
    let message = refused(
        &format!("[environment]\naccess_key = \"{ACCESS_KEY}\"\n"),
        &[],
    );
    assert_says(
        &message,
        &["environment.id (or CKEDITOR_ENVIRONMENT_ID)", "is not set"],
    );
}

#[test]
fn an_empty_access_key() {
    let message = refused(
        "",
        &[
            ("CKEDITOR_ENVIRONMENT_ID", "ENV_CLI_TEST"),
            ("CKEDITOR_ACCESS_KEY", "  "),
        ],
    );
    assert_says(&message, &["CKEDITOR_ACCESS_KEY: access key is empty"]);
}

#[test]
fn a_malformed_environment_id() {
    let message = refused(
        "[environment]\nid = \"has space\"\n",
        &[("CKEDITOR_ACCESS_KEY", ACCESS_KEY)],
    );
    assert_says(
        &message,
        &[
            "environment.id in ",
            "environment ID is not valid: only letters",
        ],
    );
}

#[test]
fn credentials_without_an_authentication_mode() {
    let message = refused(RULE, &credentials());
    assert_says(
        &message,
        &["auth.mode", "an authentication mode is required"],
    );
}

#[test]
fn an_unknown_authentication_mode() {
    let message = refused(RULE, &with_credentials(&[("CKEDITOR_TOKEN_AUTH", "ldap")]));
    assert_says(&message, &["CKEDITOR_TOKEN_AUTH: \"ldap\" is not a mode"]);
}

#[test]
fn an_authentication_mode_without_credentials() {
    let message = refused(&format!("{TRUSTED}{RULE}"), &[]);
    assert_says(
        &message,
        &[
            "auth.mode in ",
            "development mode (--dev) has its own demo users",
        ],
    );
}

#[test]
fn no_credentials_without_dev_and_dev_with_credentials() {
    let message = refused_as_given("", &[], &[]);
    assert_says(
        &message,
        &[
            "environment.id (or CKEDITOR_ENVIRONMENT_ID): is not set, and neither is \
             environment.access_key (or CKEDITOR_ACCESS_KEY)",
            "run `serve --dev`",
        ],
    );
    let message = refused_as_given("", &credentials(), &["--dev"]);
    assert_says(
        &message,
        &[
            "--dev: runs the built-in development environment, but CKEDITOR_ENVIRONMENT_ID and \
             CKEDITOR_ACCESS_KEY are set",
        ],
    );
}

#[test]
fn development_mode_on_a_public_address() {
    let message = refused_with("", &[], &["--listen", "0.0.0.0:0"]);
    assert_says(
        &message,
        &["--listen: development mode (--dev) serves loopback addresses only"],
    );
}

#[test]
fn an_unparsable_address() {
    let message = refused_with("", &[], &["--listen", "localhost:80"]);
    assert_says(
        &message,
        &["--listen", "\"localhost:80\" is not an address"],
    );
}

#[test]
fn a_token_path_that_clashes_with_the_health_check() {
    let message = refused("", &[("CKEDITOR_TOKEN_PATH", "/healthz")]);
    assert_says(&message, &["CKEDITOR_TOKEN_PATH", "health check"]);
    let message = refused("token_path = \"token\"\n", &[]);
    assert_says(&message, &["token_path in ", "must start with `/`"]);
}

#[test]
fn a_token_path_that_holds_a_secret_is_refused_without_showing_it() {
    let secret = "on-premises-secret-key-0123456789abcdef";
    let upper = format!("/t-{}", secret.to_ascii_uppercase());
    let trusted = [
        ("CKEDITOR_TOKEN_AUTH", "trusted-headers"),
        (
            "CKEDITOR_TOKEN_TRUSTED_SECRET",
            "a-trusted-proxy-secret-0123",
        ),
    ];
    for (path, env) in [
        (
            format!("/t-{secret}"),
            vec![("CKEDITOR_SECRET_KEY", secret)],
        ),
        (upper, vec![("CKEDITOR_SECRET_KEY", secret)]),
        (format!("/api/{ACCESS_KEY}"), credentials()),
        (
            "/a-trusted-proxy-secret-0123/token".to_owned(),
            [credentials(), trusted.to_vec()].concat(),
        ),
    ] {
        let mut env = env.clone();
        env.push(("CKEDITOR_TOKEN_PATH", &path));
        let message = refused(RULE, &env);
        assert_says(
            &message,
            &["CKEDITOR_TOKEN_PATH: holds a key or the trusted secret"],
        );
        for shown in [&secret[..12], &ACCESS_KEY[..12], "a-trusted-proxy"] {
            assert!(!message.to_ascii_lowercase().contains(shown), "{message}");
        }
    }
    // A secret too short to be told from an ordinary word is not refused, but hidden in the log.
    let short = "k3y-ab";
    let config = config_file(&format!("{TRUSTED}{RULE}"));
    let server = Server::start(
        &["--config", config.to_str().expect("UTF-8")],
        &[
            ("CKEDITOR_ENVIRONMENT_ID", ENVIRONMENT_ID),
            ("CKEDITOR_ACCESS_KEY", short),
            ("CKEDITOR_TOKEN_PATH", "/t-k3y-ab"),
        ],
    );
    let (stopped, log) = server.terminate();
    assert!(stopped, "{log}");
    assert!(log.contains("path=/t-[secret]"), "{log}");
    assert!(!log.contains(short), "{log}");
}

#[test]
fn a_header_or_field_name_that_holds_a_secret_is_refused_without_showing_it() {
    let upper = ACCESS_KEY.to_ascii_uppercase();
    let trusted = format!("{TRUSTED}{RULE}");
    let forward = format!(
        "[auth]\nmode = \"forward\"\n[auth.forward]\nurl = \"http://127.0.0.1:9/me\"\n{RULE}"
    );
    for (config, var, value) in [
        (
            &trusted,
            "CKEDITOR_TOKEN_TRUSTED_USER_ID_HEADER",
            ACCESS_KEY.to_owned(),
        ),
        (
            &trusted,
            "CKEDITOR_TOKEN_TRUSTED_GROUPS_HEADER",
            format!("X-{upper}"),
        ),
        (
            &trusted,
            "CKEDITOR_TOKEN_TRUSTED_SECRET_HEADER",
            ACCESS_KEY.to_owned(),
        ),
        (
            &forward,
            "CKEDITOR_TOKEN_FORWARD_ID_FIELD",
            format!("user.{ACCESS_KEY}"),
        ),
        (&forward, "CKEDITOR_TOKEN_FORWARD_NAME_FIELD", upper),
    ] {
        let env = [
            ("CKEDITOR_ENVIRONMENT_ID", ENVIRONMENT_ID),
            ("CKEDITOR_ACCESS_KEY", ACCESS_KEY),
            (var, value.as_str()),
        ];
        let message = refused(config, &env);
        assert_says(
            &message,
            &[&format!("{var}: holds a key or the trusted secret")],
        );
        assert!(
            !message.to_ascii_lowercase().contains(&ACCESS_KEY[..12]),
            "{message}"
        );
    }
    // Every preflight answer lists the allowed request headers to whichever page asks, and
    // every token a rule applies to carries its document patterns, CKBox workspaces and AI
    // scopes.
    let headers = format!("authorization,x-{}", ACCESS_KEY.to_ascii_uppercase());
    let key_rule = |field: &str, value: String| {
        format!("{TRUSTED}[[rule]]\neveryone = true\nrole = \"writer\"\n{field} = \"{value}\"\n")
    };
    for (config, extra, says) in [
        (
            trusted,
            ("CKEDITOR_TOKEN_CORS_HEADERS", headers.as_str()),
            "CKEDITOR_TOKEN_CORS_HEADERS: holds a key or secret of the server",
        ),
        (
            // Its first letter percent-encoded, as a whole key would be too long for a pattern.
            key_rule("documents", format!("doc-%63{}", &ACCESS_KEY[1..])),
            ("CKEDITOR_TOKEN_LISTEN", "127.0.0.1:0"),
            "rule[1].documents",
        ),
        (
            format!(
                "{}ai_scopes = [\"ai:models:{}\"]\n",
                key_rule("documents", "*".into()),
                ACCESS_KEY.to_ascii_uppercase()
            ),
            ("CKEDITOR_TOKEN_LISTEN", "127.0.0.1:0"),
            "rule[1].ai_scopes",
        ),
        (
            format!(
                "{}ckbox_role = \"user\"\nckbox_workspaces = [\"ws-{}\"]\n",
                key_rule("documents", "*".into()),
                ACCESS_KEY.to_ascii_uppercase()
            ),
            ("CKEDITOR_TOKEN_LISTEN", "127.0.0.1:0"),
            "rule[1].ckbox_workspaces",
        ),
    ] {
        let env = [
            ("CKEDITOR_ENVIRONMENT_ID", ENVIRONMENT_ID),
            ("CKEDITOR_ACCESS_KEY", ACCESS_KEY),
            ("CKEDITOR_TOKEN_CORS_ORIGINS", "https://editor.example.test"),
            extra,
        ];
        let message = refused(&config, &env);
        assert_says(&message, &[says, "holds a key or"]);
        assert!(
            !message.to_ascii_lowercase().contains(&ACCESS_KEY[..12]),
            "{message}"
        );
    }
}

#[test]
fn a_token_path_that_is_the_root_or_has_dot_segments() {
    for (path, phrase) in [
        ("/", "\"/\" is the root"),
        ("/./token", "has a `.` or `..` segment"),
        ("/a/../healthz", "has a `.` or `..` segment"),
    ] {
        let message = refused("", &[("CKEDITOR_TOKEN_PATH", path)]);
        assert_says(&message, &["CKEDITOR_TOKEN_PATH", phrase]);
    }
    // Dots inside a segment are a name like any other, and the route answers there.
    let server = Server::start(&["--dev"], &[("CKEDITOR_TOKEN_PATH", "/v1.2/token")]);
    let (status, body) = get(&client(), &format!("{}/v1.2/token", server.base), &[]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.split('.').count(), 3, "{body}");
}

#[test]
fn a_lifetime_out_of_range_or_unreadable() {
    let message = refused("[token]\nlifetime = 30\n", &[]);
    assert_says(
        &message,
        &["token.lifetime in ", "outside the allowed range"],
    );
    let message = refused("", &[("CKEDITOR_TOKEN_LIFETIME", "soon")]);
    assert_says(
        &message,
        &["CKEDITOR_TOKEN_LIFETIME", "\"soon\" is not a duration"],
    );
}

#[test]
fn any_origin_with_credentials() {
    let message = refused(
        "",
        &[
            ("CKEDITOR_TOKEN_CORS_ORIGINS", "*"),
            ("CKEDITOR_TOKEN_CORS_CREDENTIALS", "true"),
        ],
    );
    assert_says(
        &message,
        &[
            "CKEDITOR_TOKEN_CORS_ORIGINS, CKEDITOR_TOKEN_CORS_CREDENTIALS: ",
            "cannot be combined with credentials",
        ],
    );
}

#[test]
fn a_malformed_origin_or_boolean() {
    let message = refused(
        "[cors]\norigins = [\"https://editor.example.test/\"]\n",
        &[],
    );
    assert_says(&message, &["cors.origins in ", "has a path"]);
    let message = refused("", &[("CKEDITOR_TOKEN_CORS_CREDENTIALS", "maybe")]);
    assert_says(
        &message,
        &["CKEDITOR_TOKEN_CORS_CREDENTIALS: is neither `true` nor `false`"],
    );
}

#[test]
fn a_cors_problem_names_only_the_settings_it_is_about() {
    let credentials = "[cors]\ncredentials = true\n";
    // The file with credentials on, the origins' variable, the setting named, the problem.
    let cases = [
        (
            "origins = [\"editor.example.test\"]\n",
            None,
            "cors.origins in ",
            "has no scheme",
        ),
        (
            "",
            Some("editor.example.test"),
            "CKEDITOR_TOKEN_CORS_ORIGINS",
            "has no scheme",
        ),
        (
            "headers = [\"x bad\"]\n",
            Some("*"),
            "cors.headers in ",
            "x bad",
        ),
        (
            "max_age = 86401\n",
            Some("*"),
            "cors.max_age in ",
            "over the limit",
        ),
        (
            "origins = [\"*\"]\n",
            None,
            "cors.origins in ",
            "cannot be combined with credentials",
        ),
    ];
    for (config, origins, named, problem) in cases {
        let env: Vec<(&str, &str)> = origins
            .map(|origins| ("CKEDITOR_TOKEN_CORS_ORIGINS", origins))
            .into_iter()
            .collect();
        let message = refused(&format!("{credentials}{config}"), &env);
        let setting = message
            .strip_prefix("ckeditor-token: ")
            .and_then(|rest| rest.split_once(": "))
            .map_or("", |(setting, _)| setting);
        assert!(setting.starts_with(named), "{named}: {message}");
        assert_says(&message, &[problem]);
        // Credentials are named only where the problem is their combination with the origins.
        let combined = problem.contains("credentials");
        assert_eq!(
            setting.contains("cors.credentials in "),
            combined,
            "{message}"
        );
    }
}

#[test]
fn an_unknown_log_format_or_level() {
    let message = refused("[log]\nformat = \"xml\"\n", &[]);
    assert_says(&message, &["log.format in ", "\"xml\" is not a log format"]);
    let message = refused("", &[("CKEDITOR_TOKEN_LOG_LEVEL", "loud")]);
    assert_says(&message, &["CKEDITOR_TOKEN_LOG_LEVEL", "is not a level"]);
}

#[test]
fn trusted_headers_that_anyone_could_send() {
    let config = format!("[auth]\nmode = \"trusted-headers\"\n{RULE}");
    let message = refused(&config, &credentials());
    assert_says(&message, &["could claim to be anyone", "trusted_sources"]);
}

#[test]
fn a_rule_for_a_group_without_a_groups_header() {
    let for_group = "[[rule]]\ngroup = \"editors\"\ndocuments = \"*\"\nrole = \"writer\"\n";
    let config = format!("{TRUSTED}{RULE}{for_group}");
    let message = refused(&config, &credentials());
    assert_says(
        &message,
        &[
            "auth.trusted_headers.groups_header (or CKEDITOR_TOKEN_TRUSTED_GROUPS_HEADER): is not \
             set, but rule[2] in ",
            " is for a group; name the header the proxy sends the user's groups in",
        ],
    );
    // Named by its variable, the header is read, and the server starts.
    let config = config_file(&config);
    let mut env = credentials();
    env.push(("CKEDITOR_TOKEN_TRUSTED_GROUPS_HEADER", "X-Forwarded-Groups"));
    let server = Server::start(&["--config", config.to_str().expect("UTF-8")], &env);
    server.terminate();
}

#[test]
fn an_identity_header_that_is_the_secret_header() {
    let config = format!("[auth]\nmode = \"trusted-headers\"\n{RULE}");
    for (variable, what) in [
        ("CKEDITOR_TOKEN_TRUSTED_USER_ID_HEADER", "ID"),
        ("CKEDITOR_TOKEN_TRUSTED_EMAIL_HEADER", "email address"),
        ("CKEDITOR_TOKEN_TRUSTED_NAME_HEADER", "name"),
        ("CKEDITOR_TOKEN_TRUSTED_GROUPS_HEADER", "groups"),
    ] {
        let env = with_credentials(&[
            ("CKEDITOR_TOKEN_TRUSTED_SECRET", PROXY_SECRET),
            ("CKEDITOR_TOKEN_TRUSTED_SECRET_HEADER", "X-Proxy-Secret"),
            (variable, "x-proxy-secret"),
        ]);
        let message = refused(&config, &env);
        assert_says(
            &message,
            &[
                &format!("{variable}, CKEDITOR_TOKEN_TRUSTED_SECRET_HEADER: "),
                &format!("read as the user's {what}"),
            ],
        );
    }
    // The default secret header, named by the file.
    let config = format!(
        "[auth]\nmode = \"trusted-headers\"\n[auth.trusted_headers]\nname_header = \
         \"X-CKEditor-Token-Secret\"\n{RULE}"
    );
    let env = with_credentials(&[("CKEDITOR_TOKEN_TRUSTED_SECRET", PROXY_SECRET)]);
    let message = refused(&config, &env);
    assert_says(
        &message,
        &[
            "auth.trusted_headers.name_header in ",
            "auth.trusted_headers.secret_header",
        ],
    );
}

#[test]
fn a_trusted_source_wider_than_a_proxys_network() {
    for everyone in [
        "0.0.0.0/0",
        "::/0",
        "0.0.0.0/1",
        "128.0.0.0/1",
        "2a00::/7",
        "::ffff:0.0.0.0/100",
    ] {
        let config = format!(
            "[auth]\nmode = \"trusted-headers\"\n[auth.trusted_headers]\ntrusted_sources = \
             [\"10.0.0.0/8\", \"{everyone}\"]\n{RULE}"
        );
        let message = refused(&config, &credentials());
        assert_says(
            &message,
            &[
                "auth.trusted_headers.trusted_sources in ",
                &format!("{everyone:?} holds more addresses than any proxy's network"),
            ],
        );
    }
    let env = with_credentials(&[("CKEDITOR_TOKEN_TRUSTED_SOURCES", "127.0.0.1, 0.0.0.0/0")]);
    let message = refused(&format!("[auth]\nmode = \"trusted-headers\"\n{RULE}"), &env);
    assert_says(
        &message,
        &[
            "CKEDITOR_TOKEN_TRUSTED_SOURCES: ",
            "\"0.0.0.0/0\" holds more addresses than any proxy's network",
        ],
    );
}

#[test]
fn a_short_shared_secret() {
    let config = format!("[auth]\nmode = \"trusted-headers\"\n{RULE}");
    let env = with_credentials(&[("CKEDITOR_TOKEN_TRUSTED_SECRET", "hunter2")]);
    let message = refused(&config, &env);
    assert_says(
        &message,
        &["CKEDITOR_TOKEN_TRUSTED_SECRET: is shorter than 16"],
    );
    assert!(!message.contains("hunter2"), "{message}");
    let env = with_credentials(&[("CKEDITOR_TOKEN_TRUSTED_SECRET", "proxysecret-01234\n56789")]);
    let message = refused(&config, &env);
    assert_says(
        &message,
        &["CKEDITOR_TOKEN_TRUSTED_SECRET: holds control characters"],
    );
    assert!(!message.contains("proxysecret"), "{message}");
}

#[test]
fn a_shared_secret_that_is_part_of_the_environment_id() {
    let config = format!("[auth]\nmode = \"trusted-headers\"\n{RULE}");
    let env = with_credentials(&[
        (
            "CKEDITOR_TOKEN_TRUSTED_SECRET",
            "proxy-shared-secret-0123456789",
        ),
        (
            "CKEDITOR_ENVIRONMENT_ID",
            "env-proxy-shared-secret-0123456789",
        ),
    ]);
    let message = refused(&config, &env);
    assert_says(
        &message,
        &[
            "CKEDITOR_TOKEN_TRUSTED_SECRET: is part of the environment ID \
             (CKEDITOR_ENVIRONMENT_ID)",
        ],
    );
    // The ID, which holds the secret, is not quoted (the log's filter would hide the secret in
    // it, but not the rest of it).
    assert!(!message.contains("env-"), "{message}");

    // A secret made of the ID, whatever its letter case, and a few bytes of its own.
    for secret in [
        "envABC123envABC123",
        "xx-ENVabc123-xx-xx",
        "envABC123-0123456789",
    ] {
        let env = with_credentials(&[
            ("CKEDITOR_TOKEN_TRUSTED_SECRET", secret),
            ("CKEDITOR_ENVIRONMENT_ID", "envABC123"),
        ]);
        let message = refused(&config, &env);
        assert_says(
            &message,
            &[
                "CKEDITOR_TOKEN_TRUSTED_SECRET: is made of the environment ID \
                 (CKEDITOR_ENVIRONMENT_ID), which every token shows to the browser, and fewer \
                 than 16 bytes of its own",
            ],
        );
    }
}

#[test]
fn an_environment_id_that_holds_the_on_premises_secret_key() {
    const SECRET_KEY: &str = "onPrem-Secret-Key-0123456789abcdef";
    let config = format!("{TRUSTED}{RULE}");
    let lowercased = SECRET_KEY.to_lowercase();
    for id in [SECRET_KEY.to_owned(), format!("env-{lowercased}")] {
        let env = [
            ("CKEDITOR_ACCESS_KEY", ACCESS_KEY),
            ("CKEDITOR_SECRET_KEY", SECRET_KEY),
            ("CKEDITOR_ENVIRONMENT_ID", &id),
        ];
        let message = refused(&config, &env);
        assert_says(
            &message,
            &["CKEDITOR_ENVIRONMENT_ID: holds the on-premises secret key (CKEDITOR_SECRET_KEY)"],
        );
        assert!(!message.to_lowercase().contains(&lowercased), "{message}");
        // `issue` reads the environment the same way.
        let output = run(&["issue"], &env, "");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("holds the on-premises secret key"),
            "{stderr}"
        );
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn a_shared_secret_that_shares_its_text_with_a_signing_key() {
    let config = format!("[auth]\nmode = \"trusted-headers\"\n{RULE}");
    // The access key itself, and a secret that holds it.
    for secret in [ACCESS_KEY.to_owned(), format!("proxy-{ACCESS_KEY}")] {
        let env = [
            ("CKEDITOR_ENVIRONMENT_ID", ENVIRONMENT_ID),
            ("CKEDITOR_ACCESS_KEY", ACCESS_KEY),
            ("CKEDITOR_TOKEN_TRUSTED_SECRET", secret.as_str()),
        ];
        let message = refused(&config, &env);
        assert_says(
            &message,
            &[
                "CKEDITOR_TOKEN_TRUSTED_SECRET: shares its text with the key that signs tokens \
                 (CKEDITOR_ACCESS_KEY)",
            ],
        );
    }
    // Part of the on-premises secret key, given in the file.
    let secret_key = "on-premises-secret-key-0123456789abcdef";
    let config = format!("[on_premises]\nsecret_key = \"{secret_key}\"\n{config}");
    let env = with_credentials(&[("CKEDITOR_TOKEN_TRUSTED_SECRET", &secret_key[3..30])]);
    let message = refused(&config, &env);
    assert_says(
        &message,
        &[
            "CKEDITOR_TOKEN_TRUSTED_SECRET: shares its text with the key that signs tokens \
             (on_premises.secret_key in ",
        ],
    );
    assert!(!message.contains("premises-secret"), "{message}");
}

#[test]
fn a_malformed_trusted_source_or_header_name() {
    let config = format!(
        "[auth]\nmode = \"trusted-headers\"\n[auth.trusted_headers]\ntrusted_sources = \
         [\"proxy.internal\"]\n{RULE}"
    );
    let message = refused(&config, &credentials());
    assert_says(
        &message,
        &[
            "auth.trusted_headers.trusted_sources in ",
            "\"proxy.internal\"",
        ],
    );
    let env = with_credentials(&[("CKEDITOR_TOKEN_TRUSTED_USER_ID_HEADER", "X User")]);
    let message = refused(&format!("{TRUSTED}{RULE}"), &env);
    assert_says(
        &message,
        &["CKEDITOR_TOKEN_TRUSTED_USER_ID_HEADER", "not a header name"],
    );
    // A name HTTP allows but proxies drop, rewrite or read as another one.
    for name in ["X_Forwarded_User", "x.user", "x~user"] {
        let env = with_credentials(&[("CKEDITOR_TOKEN_TRUSTED_USER_ID_HEADER", name)]);
        let message = refused(&format!("{TRUSTED}{RULE}"), &env);
        assert_says(
            &message,
            &[
                "CKEDITOR_TOKEN_TRUSTED_USER_ID_HEADER: ",
                &format!("{name:?} is not a header name of letters, digits and `-` only"),
            ],
        );
    }
    // The secret's header too, before any secret is set (here the sources are trusted).
    for name in ["x:y", "x y"] {
        let env = with_credentials(&[("CKEDITOR_TOKEN_TRUSTED_SECRET_HEADER", name)]);
        let message = refused(&format!("{TRUSTED}{RULE}"), &env);
        assert_says(
            &message,
            &[
                "CKEDITOR_TOKEN_TRUSTED_SECRET_HEADER: ",
                &format!("{name:?} is not a header name"),
            ],
        );
    }
    // Empty, it names no header, which only a secret needs.
    let env = with_credentials(&[("CKEDITOR_TOKEN_TRUSTED_SECRET_HEADER", "")]);
    let server = Server::start(
        &[
            "--config",
            config_file(&format!("{TRUSTED}{RULE}"))
                .to_str()
                .expect("UTF-8"),
        ],
        &env,
    );
    let (stopped, log) = server.terminate();
    assert!(stopped, "{log}");
    let env = with_credentials(&[
        ("CKEDITOR_TOKEN_TRUSTED_SECRET_HEADER", ""),
        ("CKEDITOR_TOKEN_TRUSTED_SECRET", PROXY_SECRET),
    ]);
    let message = refused(&format!("{TRUSTED}{RULE}"), &env);
    assert_says(
        &message,
        &[
            "CKEDITOR_TOKEN_TRUSTED_SECRET_HEADER: is empty; name the header that carries the \
           shared secret",
        ],
    );
}

#[test]
fn forward_authentication_without_a_usable_url_or_timeout() {
    let config = format!("[auth]\nmode = \"forward\"\n{RULE}");
    let message = refused(&config, &credentials());
    assert_says(
        &message,
        &["auth.forward.url (or CKEDITOR_TOKEN_FORWARD_URL): is not set"],
    );
    let env = with_credentials(&[("CKEDITOR_TOKEN_FORWARD_URL", "https://app.example.test/me")]);
    let message = refused(&config, &env);
    assert_says(
        &message,
        &["CKEDITOR_TOKEN_FORWARD_URL", "not an http:// URL"],
    );
    // Quoted as written, where a pasted secret is recognised: parsed, the spaces would be %20.
    let secret = "correct horse battery staple 42";
    let env = with_credentials(&[
        (
            "CKEDITOR_TOKEN_FORWARD_URL",
            "https://127.0.0.1/correct horse battery staple 42",
        ),
        ("CKEDITOR_TOKEN_TRUSTED_SECRET", secret),
    ]);
    let message = refused(&config, &env);
    assert_says(
        &message,
        &["\"https://127.0.0.1/[secret]\" is not an http:// URL"],
    );
    let env = with_credentials(&[
        ("CKEDITOR_TOKEN_FORWARD_URL", "http://127.0.0.1:9/me"),
        ("CKEDITOR_TOKEN_FORWARD_TIMEOUT", "5m"),
    ]);
    let message = refused(&config, &env);
    assert_says(
        &message,
        &["CKEDITOR_TOKEN_FORWARD_TIMEOUT", "outside 1 ms to 60 s"],
    );
}

#[test]
fn no_rules_with_credentials() {
    let message = refused(TRUSTED, &credentials());
    assert_says(&message, &["rule", "every user would get 403"]);
}

#[test]
fn a_rule_with_an_unknown_role() {
    let message = refused(
        &format!("{TRUSTED}[[rule]]\ngroup = \"g\"\ndocuments = \"*\"\nrole = \"owner\"\n"),
        &credentials(),
    );
    assert_says(&message, &["rule[1].role in ", "\"owner\" is not a role"]);
}

#[test]
fn a_rule_for_nobody_or_granting_nothing() {
    let message = refused(
        &format!("{TRUSTED}[[rule]]\ndocuments = \"*\"\nrole = \"writer\"\n"),
        &credentials(),
    );
    assert_says(&message, &["rule[1] in ", "say whom the rule is for"]);
    let message = refused(
        &format!("{TRUSTED}{RULE}[[rule]]\nuser = \"ann\"\n"),
        &credentials(),
    );
    assert_says(&message, &["rule[2] in ", "grants nothing"]);
    for (documents, phrase) in [("", "is missing"), ("documents = []\n", "is empty")] {
        let message = refused(
            &format!("{TRUSTED}[[rule]]\nuser = \"ann\"\n{documents}role = \"writer\"\n"),
            &credentials(),
        );
        assert_says(&message, &["rule[1].documents in ", phrase]);
    }
}

#[test]
fn a_rule_for_a_user_or_group_with_whitespace_around_it() {
    for (whom, key, trimmed) in [
        ("user = \" ann \"", "rule[1].user in ", "write \"ann\""),
        (
            "group = \"editors \"",
            "rule[1].group in ",
            "write \"editors\"",
        ),
    ] {
        let message = refused(
            &format!("{TRUSTED}[[rule]]\n{whom}\ndocuments = \"*\"\nrole = \"writer\"\n"),
            &credentials(),
        );
        assert_says(&message, &[key, "starts or ends with whitespace", trimmed]);
    }
}

#[test]
fn a_rule_with_a_bad_pattern_ckbox_role_or_ai_scope() {
    let cases = [
        (
            "documents = \"a*b\"\nrole = \"writer\"",
            "rule[1].documents in ",
        ),
        ("ckbox_role = \"owner\"", "rule[1].ckbox_role in "),
        ("ai_scopes = [\"models:*\"]", "rule[1].ai_scopes in "),
        ("role = \"writer\"", "rule[1].documents in "),
    ];
    for (body, named) in cases {
        let message = refused(
            &format!("{TRUSTED}[[rule]]\ngroup = \"g\"\n{body}\n"),
            &credentials(),
        );
        assert_says(&message, &[named]);
    }
}

#[test]
fn overlapping_rules() {
    let config = format!(
        "{TRUSTED}{RULE}[[rule]]\ngroup = \"g\"\ndocuments = \"doc-*\"\nrole = \"reader\"\n"
    );
    let message = refused(&config, &credentials());
    assert_says(
        &message,
        &[
            "rule[2].documents in ",
            "\"doc-*\"",
            "allow_overlapping_grants",
        ],
    );
}

#[test]
fn a_header_timeout_outside_its_range() {
    let message = refused("header_timeout = \"0s\"\n", &[]);
    assert_says(&message, &["header_timeout in", "outside 1 s to 5 min"]);
    let message = refused("", &[("CKEDITOR_TOKEN_HEADER_TIMEOUT", "soon")]);
    assert_says(
        &message,
        &["CKEDITOR_TOKEN_HEADER_TIMEOUT", "not a duration"],
    );
}

#[test]
fn a_secret_of_the_wrong_type_is_not_shown() {
    let message = refused(
        "[environment]\nid = \"ENV_CLI_TEST\"\naccess_key = 8675309123456789\n",
        &[],
    );
    assert_says(
        &message,
        &[
            "line 3",
            "`environment.access_key` needs a string",
            "not shown",
        ],
    );
    assert!(!message.contains("8675309123456789"), "{message}");

    let message = refused(
        &format!("[cors]\ncredentials = \"{ACCESS_KEY}\"\n"),
        &credentials(),
    );
    assert_says(
        &message,
        &[
            "cors.credentials in ",
            "is neither `true` nor `false`",
            "not shown",
        ],
    );
    let message = refused("", &[("CKEDITOR_TOKEN_CORS_CREDENTIALS", ACCESS_KEY)]);
    assert_says(&message, &["CKEDITOR_TOKEN_CORS_CREDENTIALS: is neither"]);
}

#[test]
fn a_shared_secret_wrapped_in_whitespace() {
    let config = format!("[auth]\nmode = \"trusted-headers\"\n{RULE}");
    for padded in [
        format!("{PROXY_SECRET} "),
        format!("\t{PROXY_SECRET}"),
        format!("{PROXY_SECRET}\n"),
    ] {
        let mut env: Vec<(&str, &str)> = credentials();
        env.push(("CKEDITOR_TOKEN_TRUSTED_SECRET", &padded));
        let message = refused(&config, &env);
        assert_says(
            &message,
            &["CKEDITOR_TOKEN_TRUSTED_SECRET: starts or ends with whitespace"],
        );
    }
    let file = format!(
        "[auth]\nmode = \"trusted-headers\"\n[auth.trusted_headers]\n\
         secret = \" {PROXY_SECRET}\"\n{RULE}"
    );
    let message = refused(&file, &credentials());
    assert_says(&message, &["auth.trusted_headers.secret in ", "whitespace"]);
}

#[cfg(unix)]
#[test]
fn a_variable_that_is_not_utf8() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt as _;
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    // Taken as unset, the key would give another refusal (one credential only), naming the ID.
    let garbled = OsStr::from_bytes(b"cli-test-access-key-\xff\xfe-0123456789abcdef");
    let mut child = crate::common::command(
        &["serve", "--listen", "127.0.0.1:0"],
        &[("CKEDITOR_ENVIRONMENT_ID", "ENV_CLI_TEST")],
    )
    .env("CKEDITOR_ACCESS_KEY", garbled)
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("the binary starts");
    let started = Instant::now();
    while child.try_wait().expect("the status").is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("serve started with a variable that is not UTF-8");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().expect("the output");
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
    assert!(!stdout.contains("listening on"), "{stdout}");
    assert_says(
        &stderr,
        &["ckeditor-token: CKEDITOR_ACCESS_KEY: is not valid UTF-8"],
    );
    assert!(!stderr.contains("cli-test-access-key"), "{stderr}");
}

#[test]
fn the_access_key_pasted_anywhere_is_not_shown() {
    /// Variables and arguments beside the credentials.
    type Pasted<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);
    let pasted: [Pasted<'_>; 4] = [
        (&[("CKEDITOR_TOKEN_LISTEN", ACCESS_KEY)], &[]),
        (&[("CKEDITOR_TOKEN_CORS_ORIGINS", ACCESS_KEY)], &[]),
        (&[("CKEDITOR_TOKEN_AUTH", ACCESS_KEY)], &[]),
        (&[], &[ACCESS_KEY]),
    ];
    for (env, args) in pasted {
        let env = with_credentials(env);
        let mut all = vec!["serve"];
        all.extend_from_slice(args);
        let output = run(&all, &env, "");
        let (stdout, stderr) = texts(&output);
        assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
        assert!(stderr.contains("[secret]"), "{stderr}");
        assert!(!stderr.contains(ACCESS_KEY), "{stderr}");
        assert!(!stdout.contains(ACCESS_KEY), "{stdout}");
    }
}

#[test]
fn the_start_of_the_access_key_in_an_over_long_value_is_not_shown() {
    // An over-long document pattern or AI scope is named by its first 32 characters.
    let long = "x".repeat(300);
    let scope = format!("{ACCESS_KEY}{long}");
    let role = format!("doc-{ACCESS_KEY}{long}=reader");
    let key_start = &ACCESS_KEY[..12];
    for flags in [["--ai-scope", scope.as_str()], ["--role", role.as_str()]] {
        let mut args = vec!["issue", "--sub", "user-1"];
        args.extend_from_slice(&flags);
        let output = run(&args, &credentials(), "");
        let (stdout, stderr) = texts(&output);
        assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
        assert_says(&stderr, &["[secret]\"…", "bytes long"]);
        assert!(!stderr.contains(key_start), "{stderr}");
        assert!(stdout.is_empty(), "{stdout}");
    }
    let config =
        format!("{TRUSTED}[[rule]]\neveryone = true\nai_scopes = [\"ai:{ACCESS_KEY}{long}\"]\n");
    let message = refused(&config, &credentials());
    assert_says(&message, &["rule[1].ai_scopes", "\"ai:[secret]\"…"]);
    assert!(!message.contains(key_start), "{message}");
}

#[test]
fn an_access_key_with_a_line_break_around_it_is_refused() {
    let padded = format!("{ACCESS_KEY}\n");
    let env = [
        ("CKEDITOR_ENVIRONMENT_ID", ENVIRONMENT_ID),
        ("CKEDITOR_ACCESS_KEY", padded.as_str()),
    ];
    let message = refused(&format!("{TRUSTED}{RULE}"), &env);
    assert_says(
        &message,
        &["CKEDITOR_ACCESS_KEY: ", "starts or ends with whitespace"],
    );
    let config = format!(
        "[environment]\nid = \"{ENVIRONMENT_ID}\"\naccess_key = \"\\ufeff{ACCESS_KEY}\"\n\
         {TRUSTED}{RULE}"
    );
    let message = refused(&config, &[]);
    assert_says(
        &message,
        &["environment.access_key in ", "invisible character"],
    );
}

#[test]
fn a_key_from_the_file_named_by_the_flag_is_not_shown_by_clap() {
    let key = "file-only-access-key-0123456789abcdef";
    let path = config_file(&format!(
        "[environment]\nid = \"ENV_FILE_1\"\naccess_key = \"{key}\"\n"
    ));
    let path = path.to_str().expect("UTF-8");
    let joined = format!("--config={path}");
    for config in [&["--config", path][..], &[joined.as_str()][..]] {
        let mut args = vec!["issue"];
        args.extend_from_slice(config);
        args.extend(["--ckbox-role", key]);
        let output = run(&args, &[], "");
        let (stdout, stderr) = texts(&output);
        assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
        assert!(stderr.contains("'[secret]'"), "{stderr}");
        assert!(!stderr.contains(key), "{stderr}");
    }
}

#[test]
fn a_key_from_the_file_pasted_elsewhere_is_not_shown() {
    let key = "file-only-access-key-0123456789abcdef";
    let config = format!("[environment]\nid = \"ENV_FILE_1\"\naccess_key = \"{key}\"\n");
    let message = refused_with(&config, &[], &["--listen", key]);
    assert_says(&message, &["--listen", "[secret]"]);
    assert!(!message.contains(key), "{message}");
    // Also from a file that can be read only once, such as a pipe.
    let output = run(
        &["serve", "--config", "/dev/stdin", "--listen", key],
        &[],
        &config,
    );
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_says(&stderr, &["--listen", "[secret]"]);
    assert!(!stderr.contains(key), "{stderr}");
}
