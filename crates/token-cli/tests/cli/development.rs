//! `serve --dev`: development mode, the health check, the log, shutdown, and
//! environment variables winning over the file.

use ckeditor_token_core::BAD_REQUEST_BODY;
use ckeditor_token_demo_login::config::{DEVELOPMENT_ENVIRONMENT_ID, development_environment};

use crate::common::{Server, client, command, config_file, decode, get, run, texts};

fn development_key() -> Vec<u8> {
    development_environment()
        .expect("the development environment")
        .access_key()
        .expose_bytes()
        .to_vec()
}

#[test]
fn development_mode_serves_demo_users_and_prints_the_url_to_open() {
    let server = Server::start(&["--dev"], &[]);
    let announced = server.stdout.join("\n");
    assert!(
        announced.contains(&format!("development mode: open {}/", server.base)),
        "{announced}"
    );
    assert!(
        announced.contains(&format!("{}/token?user=alice", server.base)),
        "{announced}"
    );

    let http = client();
    let (status, token) = get(&http, &format!("{}/token", server.base), &[]);
    assert_eq!(status, 200, "{token}");
    let claims = decode(&token, &development_key(), Some(DEVELOPMENT_ENVIRONMENT_ID));
    assert_eq!(claims["sub"], "alice");
    assert_eq!(claims["auth"]["collaboration"]["*"]["role"], "writer");

    let (status, token) = get(&http, &format!("{}/token?user=bob", server.base), &[]);
    assert_eq!(status, 200);
    let claims = decode(&token, &development_key(), Some(DEVELOPMENT_ENVIRONMENT_ID));
    assert_eq!(claims["sub"], "bob");
    assert_eq!(claims["auth"]["collaboration"]["*"]["role"], "reader");

    for (user, expected) in [
        ("mallory", 401),
        ("erin", 403),
        ("dora", 500),
        ("frank", 500),
    ] {
        let (status, body) = get(&http, &format!("{}/token?user={user}", server.base), &[]);
        assert_eq!(status, expected, "{user}: {body}");
        assert!(!body.starts_with("eyJ"), "{user}: no token in {body}");
    }

    let (status, page) = get(&http, &format!("{}/", server.base), &[]);
    assert_eq!(status, 200);
    assert!(page.contains("/token?user=bob"), "{page}");
    assert_eq!(
        get(&http, &format!("{}/healthz", server.base), &[]),
        (200, "ok".to_owned())
    );

    let (stopped, log) = server.terminate();
    assert!(stopped, "{log}");
    assert!(log.contains("development mode"), "{log}");
    assert!(log.contains("loopback only"), "{log}");
    assert!(log.contains("SIGTERM: shutting down"), "{log}");
    assert!(log.contains("stopped"), "{log}");
}

#[test]
fn a_log_whose_reader_is_gone_loses_lines_and_nothing_else() {
    // The refusal and the failures log lines at info or above, which now cannot be written;
    // the tokens before and after them are still issued.
    let server = Server::start_with_log_closed(&["--dev"], &[]);
    let http = client();
    for (user, expected) in [("alice", 200), ("erin", 403), ("frank", 500), ("dora", 500)] {
        let (status, body) = get(&http, &format!("{}/token?user={user}", server.base), &[]);
        assert_eq!(status, expected, "{user}: {body}");
    }
    let (status, token) = get(&http, &format!("{}/token?user=bob", server.base), &[]);
    assert_eq!(status, 200);
    let claims = decode(&token, &development_key(), Some(DEVELOPMENT_ENVIRONMENT_ID));
    assert_eq!(claims["sub"], "bob");
    let (stopped, _) = server.terminate();
    assert!(stopped, "the server stops cleanly");
}

#[test]
fn a_standard_output_no_one_reads_does_not_stop_the_server() {
    use std::io::{BufRead as _, BufReader};
    use std::process::Stdio;

    let mut child = command(&["serve", "--dev", "--listen", "127.0.0.1:0"], &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the server starts");
    // Nothing reads the address or the development URL.
    drop(child.stdout.take());
    let log = BufReader::new(child.stderr.take().expect("a stderr pipe"));
    let mut lines = log.lines().map_while(Result::ok);
    let address = lines
        .by_ref()
        .find_map(|line| {
            let (_, after) = line.split_once("address=")?;
            Some(after.split_whitespace().next()?.to_owned())
        })
        .expect("the log names the address");
    let (status, token) = get(&client(), &format!("http://{address}/token?user=bob"), &[]);
    assert_eq!(status, 200, "{token}");
    let claims = decode(&token, &development_key(), Some(DEVELOPMENT_ENVIRONMENT_ID));
    assert_eq!(claims["sub"], "bob");
    let stopped = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(stopped.success());
    let rest: Vec<String> = lines.collect();
    assert!(child.wait().expect("the server ends").success(), "{rest:?}");
    assert!(
        rest.iter()
            .any(|line| line.contains("could not write the development URL")),
        "{rest:?}"
    );
}

#[test]
fn a_query_that_gives_user_twice_is_400_naming_the_problem() {
    let origin = "http://localhost:3000";
    let server = Server::start(&["--dev"], &[("CKEDITOR_TOKEN_CORS_ORIGINS", origin)]);
    let http = client();
    let answer = |query: &str| {
        let response = http
            .get(format!("{}/token?{query}", server.base))
            .header("Origin", origin)
            .send()
            .expect("the server answers");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let headers = [
            header("content-type"),
            header("cache-control"),
            header("access-control-allow-origin"),
        ];
        let status = response.status().as_u16();
        (status, headers, response.text().expect("a text body"))
    };

    let (status, headers, body) = answer("user=bob&user=alice");
    assert_eq!(status, 400, "{body}");
    assert_eq!(body, BAD_REQUEST_BODY);
    // The same headers as every other answer of the route, CORS included.
    let (status, unknown_headers, _) = answer("user=mallory");
    assert_eq!(status, 401);
    assert_eq!(headers, unknown_headers);
    assert_eq!(
        headers,
        [
            Some("text/plain; charset=utf-8".to_owned()),
            Some("no-store".to_owned()),
            Some(origin.to_owned())
        ]
    );

    // What is wrong with the query goes to the log.
    let (_, log) = server.terminate();
    assert!(log.contains("gives `user` more than once"), "{log}");
}

#[test]
fn an_unknown_users_id_cannot_write_a_line_of_its_own_into_the_log() {
    let server = Server::start(&["--dev"], &[("CKEDITOR_TOKEN_LOG_LEVEL", "debug")]);
    let forged = "x%0A2026-12-05T00:00:00Z%20ERROR%20forged%1B%5B31m";
    let (status, _) = get(
        &client(),
        &format!("{}/token?user={forged}", server.base),
        &[],
    );
    assert_eq!(status, 401);
    let (_, log) = server.terminate();
    assert!(log.contains("no demo user with this ID"), "{log}");
    assert!(
        log.contains(r#"user="x\n2026-12-05T00:00:00Z ERROR forged\u{1b}[31m""#),
        "{log}"
    );
    assert!(
        !log.lines()
            .any(|line| line.starts_with("2026-12-05T00:00:00Z")),
        "{log}"
    );
    assert!(!log.contains('\u{1b}'), "{log}");
}

#[test]
fn json_logs_on_request() {
    // The warning about a file that others may read is a JSON line like the rest.
    let config = config_file("[on_premises]\nsecret_key = \"on-premises-secret-0123456789\"\n");
    std::fs::set_permissions(&config, std::os::unix::fs::PermissionsExt::from_mode(0o644))
        .expect("permissions");
    let path = config.to_str().expect("UTF-8");
    let server = Server::start(
        &["--dev", "--log-format", "json", "--config", path],
        &[("CKEDITOR_TOKEN_LOG_LEVEL", "debug")],
    );
    let (status, _) = get(&client(), &format!("{}/token?user=zed", server.base), &[]);
    assert_eq!(status, 401);
    let (stopped, log) = server.terminate();
    assert!(stopped, "{log}");
    let lines: Vec<&str> = log.lines().collect();
    assert!(lines.len() >= 4, "{log}");
    for line in &lines {
        let entry: serde_json::Value = serde_json::from_str(line).expect("a JSON log line");
        assert!(entry.get("level").is_some(), "{line}");
    }
    assert!(
        lines
            .iter()
            .any(|line| line.contains("every user of this machine may read it")),
        "{log}"
    );
    // A text field is the text, not its quoted form.
    let unknown = lines
        .iter()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("JSON"))
        .find(|entry| entry["fields"]["message"] == "no demo user with this ID")
        .expect("the unknown user's line");
    assert_eq!(unknown["fields"]["user"], "zed", "{log}");
    let readable = lines
        .iter()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("JSON"))
        .find(|entry| entry["fields"]["file"].is_string())
        .expect("the readable file's line");
    assert_eq!(readable["fields"]["file"], path, "{log}");
}

#[test]
fn variables_win_over_the_file() {
    let config = config_file(
        "listen = \"127.0.0.1:1\"\n[token]\nlifetime = \"10m\"\n[log]\nformat = \"json\"\n",
    );
    let config = config.to_str().expect("a UTF-8 path");
    let env = [
        ("CKEDITOR_TOKEN_LIFETIME", "2m"),
        ("CKEDITOR_TOKEN_LOG_FORMAT", "text"),
    ];
    // --listen wins over the file's unusable port 1 too.
    let server = Server::start(&["--dev", "--config", config], &env);
    let (status, token) = get(&client(), &format!("{}/token", server.base), &[]);
    assert_eq!(status, 200);
    let claims = decode(&token, &development_key(), None);
    let lifetime = claims["exp"].as_u64().expect("exp") - claims["iat"].as_u64().expect("iat");
    assert_eq!(lifetime, 120);
    let (_, log) = server.terminate();
    assert!(!log.starts_with('{'), "text, as the variable says: {log}");
}

#[test]
fn an_address_in_use_is_refused_before_the_route_is_described() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let address = taken.local_addr().expect("the bound address").to_string();
    let output = run(&["serve", "--dev", "--listen", &address], &[], "");
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot listen on {address}: ")),
        "{stderr}"
    );
    // Nothing says the server started: no route, no development URL.
    assert!(!stderr.contains("token route"), "{stderr}");
    assert!(!stderr.contains("development mode (--dev)"), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
}
