//! `serve` behind an authenticating reverse proxy: headers are believed only with the shared
//! secret or from a trusted source address; grants come from the rules.

use std::io::{Read as _, Write as _};
use std::net::{IpAddr, Ipv4Addr};

use crate::common::{
    ACCESS_KEY, ENVIRONMENT_ID, PROXY_SECRET, Server, client, config_file, credentials, decode,
    get, percent_encoded,
};

const RULES: &str = r#"
[[rule]]
everyone = true
documents = "*"
role = "reader"

[[rule]]
group = "editors"
documents = "*"
role = "writer"
permissions = ["comment:admin"]
ckbox_role = "admin"
ckbox_workspaces = ["ws-editors"]

[[rule]]
user = "carol"
ai_scopes = ["ai:models:*"]
"#;

/// oauth2-proxy's headers for the email address, the name and the groups, named: they are read
/// only when named.
const HEADERS: &str = "email_header = \"X-Forwarded-Email\"\n\
                       name_header = \"X-Forwarded-Preferred-Username\"\n\
                       groups_header = \"X-Forwarded-Groups\"\n";

fn by_secret() -> Server {
    let config = config_file(&format!(
        "[auth]\nmode = \"trusted-headers\"\n[auth.trusted_headers]\n{HEADERS}secret_header = \
         \"X-Proxy-Secret\"\n{RULES}"
    ));
    let mut env = credentials();
    env.push(("CKEDITOR_TOKEN_TRUSTED_SECRET", PROXY_SECRET));
    Server::start(&["--config", config.to_str().expect("UTF-8")], &env)
}

#[test]
fn headers_without_the_shared_secret_are_not_believed() {
    let server = by_secret();
    let http = client();
    let url = format!("{}/token", server.base);
    let claimed = [
        ("X-Forwarded-User", "ann"),
        ("X-Forwarded-Groups", "staff,editors"),
        ("X-Forwarded-Email", "ann@example.test"),
    ];

    let (status, body) = get(&http, &url, &claimed);
    assert_eq!(status, 401, "no secret: {body}");
    let mut guessed = claimed.to_vec();
    guessed.push(("X-Proxy-Secret", "cli-test-proxy-secret-012345678X"));
    let (status, body) = get(&http, &url, &guessed);
    assert_eq!(status, 401, "a wrong secret: {body}");
    let mut in_the_wrong_header = claimed.to_vec();
    in_the_wrong_header.push(("X-CKEditor-Token-Secret", PROXY_SECRET));
    assert_eq!(get(&http, &url, &in_the_wrong_header).0, 401);

    let mut proven = claimed.to_vec();
    proven.push(("X-Proxy-Secret", PROXY_SECRET));
    let (status, token) = get(&http, &url, &proven);
    assert_eq!(status, 200, "{token}");
    let claims = decode(&token, ACCESS_KEY.as_bytes(), Some(ENVIRONMENT_ID));
    assert_eq!(claims["sub"], "ann");
    assert_eq!(claims["user"]["email"], "ann@example.test");
    assert_eq!(claims["auth"]["collaboration"]["*"]["role"], "writer");
    assert_eq!(
        claims["auth"]["collaboration"]["*"]["permissions"],
        serde_json::json!(["comment:admin"])
    );
    assert_eq!(claims["auth"]["ckbox"]["role"], "admin");
    assert_eq!(
        claims["auth"]["ckbox"]["workspaces"],
        serde_json::json!(["ws-editors"])
    );

    let carol = [
        ("X-Forwarded-User", "carol"),
        ("X-Proxy-Secret", PROXY_SECRET),
    ];
    let (status, token) = get(&http, &url, &carol);
    assert_eq!(status, 200);
    let claims = decode(&token, ACCESS_KEY.as_bytes(), Some(ENVIRONMENT_ID));
    assert_eq!(claims["auth"]["collaboration"]["*"]["role"], "reader");
    assert_eq!(claims["auth"]["ai"]["permissions"][0], "ai:models:*");
    assert!(claims.get("exp").is_some(), "AI tokens always expire");

    let nobody = [("X-Proxy-Secret", PROXY_SECRET)];
    assert_eq!(get(&http, &url, &nobody).0, 401);

    let (_, log) = server.terminate();
    // Three requests named a user without the secret; any client can send such requests, so
    // only the first is logged within the minute.
    assert_eq!(log.matches("not believed").count(), 1, "{log}");
    assert!(!log.contains(PROXY_SECRET), "{log}");
    assert!(!log.contains(ACCESS_KEY), "{log}");
}

#[test]
fn a_loopback_source_is_warned_of_only_without_the_secret() {
    let warning = "trusts a loopback address without a shared secret";
    for (secret, warned) in [(true, false), (false, true)] {
        let config = config_file(&format!(
            "[auth]\nmode = \"trusted-headers\"\n[auth.trusted_headers]\n{HEADERS}\
             trusted_sources = [\"10.0.0.0/8\", \"127.0.0.0/8\"]\n{RULES}"
        ));
        let mut env = credentials();
        if secret {
            env.push(("CKEDITOR_TOKEN_TRUSTED_SECRET", PROXY_SECRET));
        }
        let server = Server::start(&["--config", config.to_str().expect("UTF-8")], &env);
        let (_, log) = server.terminate();
        assert_eq!(log.contains(warning), warned, "secret: {secret}\n{log}");
    }
}

#[test]
fn headers_from_another_source_address_are_not_believed() {
    let config = config_file(&format!(
        "[auth]\nmode = \"trusted-headers\"\n[auth.trusted_headers]\n{HEADERS}trusted_sources = \
         [\"127.0.0.1\"]\n{RULES}"
    ));
    let server = Server::start(
        &["--config", config.to_str().expect("UTF-8")],
        &credentials(),
    );
    let url = format!("{}/token", server.base);
    let claimed = [
        ("X-Forwarded-User", "ann"),
        ("X-Forwarded-Groups", "editors"),
    ];

    let (status, token) = get(&client(), &url, &claimed);
    assert_eq!(status, 200, "from the proxy's address: {token}");
    let claims = decode(&token, ACCESS_KEY.as_bytes(), Some(ENVIRONMENT_ID));
    assert_eq!(claims["auth"]["collaboration"]["*"]["role"], "writer");

    // The same request from another loopback address, as a caller beside the proxy would send.
    let elsewhere = reqwest::blocking::Client::builder()
        .no_proxy()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)))
        .build()
        .expect("an HTTP client");
    let (status, body) = get(&elsewhere, &url, &claimed);
    assert_eq!(status, 401, "from 127.0.0.2: {body}");
}

#[test]
fn a_user_no_rule_applies_to_gets_403() {
    let config = config_file(&format!(
        "[auth]\nmode = \"trusted-headers\"\n[auth.trusted_headers]\n{HEADERS}trusted_sources = \
         [\"127.0.0.0/8\"]\ngroups_separator = \";\"\n[[rule]]\ngroup = \"editors\"\n\
         documents = [\"doc-*\", \"shared-*\"]\nrole = \"writer\"\n",
    ));
    let server = Server::start(
        &["--config", config.to_str().expect("UTF-8")],
        &credentials(),
    );
    let url = format!("{}/token", server.base);
    let http = client();
    let (status, body) = get(&http, &url, &[("X-Forwarded-User", "dan")]);
    assert_eq!(status, 403, "{body}");
    // A group that holds the access key is not shown in the refusal's log line.
    let groups = format!("staff; {ACCESS_KEY}");
    let keyed = [("X-Forwarded-User", "fay"), ("X-Forwarded-Groups", &groups)];
    assert_eq!(get(&http, &url, &keyed).0, 403);

    let editor = [
        ("X-Forwarded-User", "eve"),
        ("X-Forwarded-Groups", "staff; editors"),
    ];
    let (status, token) = get(&http, &url, &editor);
    assert_eq!(status, 200, "{token}");
    let claims = decode(&token, ACCESS_KEY.as_bytes(), Some(ENVIRONMENT_ID));
    let documents = &claims["auth"]["collaboration"];
    assert_eq!(documents["doc-*"]["role"], "writer");
    assert_eq!(documents["shared-*"]["role"], "writer");
    assert!(documents.get("*").is_none());

    // A profile value the token cannot carry is left out of it, and the log names the header
    // it came from.
    let bad_email = [
        ("X-Forwarded-User", "eve"),
        ("X-Forwarded-Groups", "editors"),
        ("X-Forwarded-Email", "not an address"),
        ("X-Forwarded-Preferred-Username", "Eve"),
    ];
    let (status, token) = get(&http, &url, &bad_email);
    assert_eq!(status, 200, "{token}");
    let claims = decode(&token, ACCESS_KEY.as_bytes(), Some(ENVIRONMENT_ID));
    assert_eq!(claims["sub"], "eve");
    assert_eq!(claims["user"], serde_json::json!({"name": "Eve"}));
    // An ID the token cannot carry is a 500, and the log names its header too.
    let long_id = "e".repeat(300);
    let bad_id = [
        ("X-Forwarded-User", long_id.as_str()),
        ("X-Forwarded-Groups", "editors"),
    ];
    let (status, body) = get(&http, &url, &bad_id);
    assert_eq!(status, 500, "{body}");
    // HTTP trims spaces and tabs around a value; other whitespace is the value's own, so an ID
    // or a group with a no-break space (U+00A0) or an ideographic space (U+3000) around it is
    // not the account or group without it: no token for eve, and no editors' grants.
    for padded in ["\u{a0}eve", "eve\u{3000}"] {
        let id = [
            ("X-Forwarded-User", padded),
            ("X-Forwarded-Groups", "editors"),
        ];
        let (status, body) = get(&http, &url, &id);
        assert_eq!(status, 500, "{padded:?}: {body}");
    }
    let group = [
        ("X-Forwarded-User", "eve"),
        ("X-Forwarded-Groups", "staff; \u{a0}editors"),
    ];
    assert_eq!(get(&http, &url, &group).0, 403);
    // An ID that is not UTF-8 names no user the token can carry: a 500, not the 401 of a
    // request without one.
    let address = server.base.trim_start_matches("http://");
    let raw = |headers: &[u8]| {
        let mut stream = std::net::TcpStream::connect(address).expect("a connection");
        let head = [
            b"GET /token HTTP/1.1\r\nHost: localhost\r\n".as_slice(),
            headers,
            b"Connection: close\r\n\r\n",
        ];
        stream
            .write_all(&head.concat())
            .expect("the request is sent");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("an answer");
        answer
    };
    let answer = raw(b"X-Forwarded-User: J\xf6rg\r\nX-Forwarded-Groups: editors\r\n");
    assert!(answer.starts_with("HTTP/1.1 500 "), "{answer}");
    // A name that is not UTF-8 (Latin-1, as some proxies send) is left out, with a warning.
    let answer = raw(b"X-Forwarded-User: eve\r\nX-Forwarded-Groups: editors\r\n\
          X-Forwarded-Preferred-Username: J\xf6rg\r\n");
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    let token = answer.rsplit("\r\n").next().expect("a body");
    let claims = decode(token, ACCESS_KEY.as_bytes(), Some(ENVIRONMENT_ID));
    assert!(claims.get("user").is_none(), "{claims}");
    let (_, log) = server.terminate();
    assert!(
        log.contains(
            "a profile field the token cannot carry is left out of it subject=\"eve\" \
             field=user.email (from the header x-forwarded-email) problem=\"expected an \
             address like name@example.com\""
        ),
        "{log}"
    );
    assert!(
        log.contains("invalid sub (from the header x-forwarded-user)"),
        "{log}"
    );
    assert!(
        log.contains("invalid sub (from the header x-forwarded-user): it is not UTF-8"),
        "{log}"
    );
    assert!(
        log.contains("WARN")
            && log.contains("a trusted header is not UTF-8 (sent as Latin-1, say)")
            && log.contains("header=x-forwarded-preferred-username"),
        "{log}"
    );
    assert!(
        log.contains(r#"no rule grants user "dan" anything; the user is in no group"#),
        "{log}"
    );
    assert!(
        log.contains(
            r#"no rule grants user "fay" anything; the user's groups are "staff", [secret]"#
        ) && !log.contains(ACCESS_KEY),
        "{log}"
    );
}

#[test]
fn no_token_carries_the_servers_key_or_secret() {
    let server = by_secret();
    let http = client();
    let url = format!("{}/token", server.base);
    // A name that holds the access key (here in other letter case, which leaves few enough
    // spellings to try against a token's signature) is left out; the rest of the user is kept.
    let named = format!("Ann {}", ACCESS_KEY.to_uppercase());
    let key_as_name = [
        ("X-Proxy-Secret", PROXY_SECRET),
        ("X-Forwarded-User", "ann"),
        ("X-Forwarded-Email", "ann@example.test"),
        ("X-Forwarded-Preferred-Username", named.as_str()),
    ];
    let (status, token) = get(&http, &url, &key_as_name);
    assert_eq!(status, 200, "{token}");
    let claims = decode(&token, ACCESS_KEY.as_bytes(), Some(ENVIRONMENT_ID));
    assert_eq!(
        claims["user"],
        serde_json::json!({"email": "ann@example.test"})
    );
    // A user ID that holds the proxy's secret or the access key (as it is or percent-encoded)
    // gets no token, and the log does not show it; nor does it show a group that holds one,
    // when no rule applies.
    let encoded = percent_encoded(ACCESS_KEY);
    for id in [PROXY_SECRET, ACCESS_KEY, &encoded] {
        let secret_as_id = [("X-Proxy-Secret", PROXY_SECRET), ("X-Forwarded-User", id)];
        assert_eq!(get(&http, &url, &secret_as_id).0, 500, "{id}");
    }
    let (_, log) = server.terminate();
    assert!(
        log.contains(
            "a profile field the token cannot carry is left out of it subject=\"ann\" \
             field=user.name (from the header x-forwarded-preferred-username) problem=\"it holds \
             the access key or another secret of this server"
        ),
        "{log}"
    );
    assert!(
        log.contains("invalid sub (from the header x-forwarded-user): it holds the access key"),
        "{log}"
    );
    assert_eq!(log.matches("it holds the access key").count(), 4, "{log}");
    for secret in [
        ACCESS_KEY,
        &ACCESS_KEY.to_uppercase(),
        &encoded,
        PROXY_SECRET,
    ] {
        assert!(!log.contains(secret), "{log}");
    }
}

#[test]
fn a_repeated_identity_header_is_not_believed() {
    let server = by_secret();
    let http = client();
    let url = format!("{}/token", server.base);
    let proven = [
        ("X-Forwarded-User", "ann"),
        ("X-Forwarded-Groups", "staff"),
        ("X-Forwarded-Email", "ann@example.test"),
        ("X-Forwarded-Preferred-Username", "Ann"),
        ("X-Proxy-Secret", PROXY_SECRET),
    ];
    let (status, token) = get(&http, &url, &proven);
    assert_eq!(status, 200, "{token}");

    // A proxy that adds its header after the caller's own: the caller's comes first.
    for header in [
        "X-Forwarded-User",
        "X-Forwarded-Groups",
        "X-Forwarded-Email",
        "X-Forwarded-Preferred-Username",
    ] {
        let mut request = vec![(header, "mallory")];
        request.extend_from_slice(&proven);
        let (status, body) = get(&http, &url, &request);
        assert_eq!(status, 401, "{header} twice: {body}");
    }

    let (_, log) = server.terminate();
    assert!(log.contains("more than once"), "{log}");
    assert!(!log.contains(PROXY_SECRET), "{log}");
}

#[test]
fn the_start_up_log_keeps_the_key_checks_warning_and_shows_settings_as_written() {
    // An access key shorter than a portal's keys, which the key check warns about. (Pasted into
    // the path or a header's name, it is refused.)
    const SHORT_KEY: &str = "short-access-key-0123";
    let config = config_file(&format!(
        "[auth]\nmode = \"trusted-headers\"\n[auth.trusted_headers]\n{HEADERS}\
         trusted_sources = [\"127.0.0.1\"]\n[auth.forward]\nurl = \"http://127.0.0.1:9/me\"\n\
         {RULES}"
    ));
    let env = [
        ("CKEDITOR_ENVIRONMENT_ID", ENVIRONMENT_ID),
        ("CKEDITOR_ACCESS_KEY", SHORT_KEY),
    ];
    let server = Server::start(&["--config", config.to_str().expect("UTF-8")], &env);
    let (_, log) = server.terminate();
    assert!(
        log.contains(
            "user ID from x-forwarded-user, email from x-forwarded-email, name from \
             x-forwarded-preferred-username, groups from x-forwarded-groups, environment not \
             read, shared secret not used"
        ),
        "{log}"
    );
    // Loopback as the only proof: any local program, or a page rebinding its host name to
    // 127.0.0.1, could name any user.
    assert!(
        log.contains("WARN") && log.contains("trusts a loopback address without a shared secret"),
        "{log}"
    );
    assert!(
        log.contains("WARN") && log.contains("shorter than 32 bytes"),
        "{log}"
    );
    assert!(!log.to_lowercase().contains(SHORT_KEY), "{log}");
    // The route's settings as an operator writes them, not as Rust prints them.
    assert!(
        log.contains("expiry=1 h") && log.contains("origins=same origin only"),
        "{log}"
    );
    // The server's own lines carry its target, not the name of the crate it shares with the
    // examples.
    assert!(
        log.contains("ckeditor_token::server: listening") && !log.contains("demo_login"),
        "{log}"
    );
    // The other mode's settings are set and not used.
    assert!(
        log.contains(r#"auth.forward.url in "#)
            && log.contains(r#"is "trusted-headers", so it is not used"#),
        "{log}"
    );
}
