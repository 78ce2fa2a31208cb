//! `serve` with forward authentication, against a small "who am I" application that the test
//! starts on 127.0.0.1: a user, no user, a slow answer, a server error, an ambiguous answer, a
//! user the token cannot carry, and the application down.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::{
    ACCESS_KEY, ENVIRONMENT_ID, Server, client, config_file, credentials, decode, get,
};

/// The "who am I" application: it answers by the `session` cookie, and remembers the cookie and
/// `Authorization` headers it received.
struct WhoAmI {
    url: String,
    received: Arc<Mutex<Vec<String>>>,
}

impl WhoAmI {
    fn start() -> WhoAmI {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let url = format!(
            "http://{}/api/me",
            listener.local_addr().expect("an address")
        );
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&received);
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let log = Arc::clone(&log);
                std::thread::spawn(move || answer(stream, &log));
            }
        });
        WhoAmI { url, received }
    }
}

fn answer(mut stream: TcpStream, log: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().expect("a second handle"));
    let mut session = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("cookie:") || lower.starts_with("authorization:") {
            log.lock().expect("the log").push(line.trim().to_owned());
        }
        if let Some(cookies) = line.trim().strip_prefix("cookie: ") {
            let pairs = cookies.split("; ").filter_map(|pair| pair.split_once('='));
            if let Some((_, value)) = pairs.into_iter().find(|(name, _)| *name == "session") {
                session = value.to_owned();
            }
        }
    }
    // The access key in a key given twice, across the point where the log line cuts the key.
    let key_twice = format!(
        r#"{{"profile":{{"uid":"ann"}},"{pad}{ACCESS_KEY}":1,"{pad}{ACCESS_KEY}":2}}"#,
        pad = "k".repeat(40)
    );
    let (status, body) = match session.as_str() {
        "key-twice" => ("200 OK", key_twice.as_str()),
        "ann" => (
            "200 OK",
            concat!(
                r#"{"profile":{"uid":"ann","display":"Ann Smith"},"#,
                r#""email":"ann@example.test","groups":["editors"]}"#
            ),
        ),
        "padded" => (
            "200 OK",
            r#"{"profile":{"uid":"ann"},"groups":[" editors "]}"#,
        ),
        "nobody" => ("401 Unauthorized", "{}"),
        "logged-out" => ("200 OK", "null"),
        "number-name" => ("200 OK", r#"{"profile":{"uid":"ann","display":42}}"#),
        "number-group" => (
            "200 OK",
            r#"{"profile":{"uid":"ann"},"groups":[7,"editors",null]}"#,
        ),
        "login-page" => ("302 Found", ""),
        "renamed" => ("200 OK", r#"{"user_id":"ann"}"#),
        "twice" => ("200 OK", r#"{"profile":{"uid":"ann","uid":"root"}}"#),
        "not-modified" => ("304 Not Modified", ""),
        "bom" => ("200 OK", "\u{feff}{\"profile\":{\"uid\":\"ann\"}}"),
        "deep" => ("200 OK", DEEP),
        "bad-email" => (
            "200 OK",
            r#"{"profile":{"uid":"ann","display":"Ann"},"email":"not an address"}"#,
        ),
        "bad-id" => ("200 OK", r#"{"profile":{"uid":"a\u0007b"}}"#),
        "nbsp-id" => (
            "200 OK",
            r#"{"profile":{"uid":"\u00a0ann"},"groups":["editors"]}"#,
        ),
        "nbsp-group" => (
            "200 OK",
            r#"{"profile":{"uid":"ann"},"groups":["editors\u3000"]}"#,
        ),
        "broken" => ("500 Internal Server Error", "oops"),
        "not-http" => ("2000 OK", r#"{"profile":{"uid":"ann"}}"#),
        "slow" => {
            std::thread::sleep(Duration::from_secs(3));
            ("200 OK", r#"{"profile":{"uid":"ann"}}"#)
        }
        _ => ("401 Unauthorized", "{}"),
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         location: /login\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// An answer nested deeper than JSON readers go.
const DEEP: &str = concat!(
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    "[[[[[[[[[[",
);

fn config(url: &str) -> std::path::PathBuf {
    config_file(&format!(
        "[auth]\nmode = \"forward\"\n[auth.forward]\nurl = \"{url}\"\ntimeout = \"500ms\"\n\
         id_field = \"profile.uid\"\nname_field = \"profile.display\"\n\
         [[rule]]\ngroup = \"editors\"\ndocuments = \"*\"\nrole = \"writer\"\n\
         [[rule]]\neveryone = true\nckbox_role = \"user\"\n"
    ))
}

#[test]
fn the_application_says_who_the_caller_is() {
    let app = WhoAmI::start();
    let config = config(&app.url);
    let mut env = credentials();
    env.push(("CKEDITOR_TOKEN_LOG_LEVEL", "debug"));
    let server = Server::start(&["--config", config.to_str().expect("UTF-8")], &env);
    let http = client();
    let url = format!("{}/token", server.base);

    let (status, token) = get(
        &http,
        &url,
        &[("Cookie", "session=ann"), ("Authorization", "Bearer abc")],
    );
    assert_eq!(status, 200, "{token}");
    let claims = decode(&token, ACCESS_KEY.as_bytes(), Some(ENVIRONMENT_ID));
    assert_eq!(claims["sub"], "ann");
    assert_eq!(claims["user"]["name"], "Ann Smith");
    assert_eq!(claims["auth"]["collaboration"]["*"]["role"], "writer");
    assert_eq!(claims["auth"]["ckbox"]["role"], "user");
    let received = app.received.lock().expect("the log").clone();
    assert!(
        received.contains(&"cookie: session=ann".to_owned()),
        "{received:?}"
    );
    assert!(
        received.contains(&"authorization: Bearer abc".to_owned()),
        "{received:?}"
    );

    // A byte order mark before the JSON is skipped.
    let (status, token) = get(&http, &url, &[("Cookie", "session=bom")]);
    assert_eq!(status, 200, "{token}");

    // A name that is not a string is left out, and the debug log names the setting.
    let (status, token) = get(&http, &url, &[("Cookie", "session=number-name")]);
    assert_eq!(status, 200, "{token}");
    let claims = decode(&token, ACCESS_KEY.as_bytes(), Some(ENVIRONMENT_ID));
    assert_eq!(claims["sub"], "ann");
    assert!(claims.get("user").is_none(), "{claims}");

    // Groups that are not strings are left out, the others still count.
    let (status, token) = get(&http, &url, &[("Cookie", "session=number-group")]);
    assert_eq!(status, 200, "{token}");
    let claims = decode(&token, ACCESS_KEY.as_bytes(), Some(ENVIRONMENT_ID));
    assert_eq!(claims["auth"]["collaboration"]["*"]["role"], "writer");

    // An email the token cannot carry is left out of it; the rest of the user is kept.
    let (status, token) = get(&http, &url, &[("Cookie", "session=bad-email")]);
    assert_eq!(status, 200, "{token}");
    let claims = decode(&token, ACCESS_KEY.as_bytes(), Some(ENVIRONMENT_ID));
    assert_eq!(claims["user"], serde_json::json!({"name": "Ann"}));

    // A group with whitespace around it is the group, as in a trusted proxy's header.
    let (status, token) = get(&http, &url, &[("Cookie", "session=padded")]);
    assert_eq!(status, 200, "{token}");
    let claims = decode(&token, ACCESS_KEY.as_bytes(), Some(ENVIRONMENT_ID));
    assert_eq!(claims["auth"]["collaboration"]["*"]["role"], "writer");
    // But whitespace other than ASCII's is the group's own: `editors` and an ideographic space
    // is not `editors`, and only the rule for everyone applies.
    let (status, token) = get(&http, &url, &[("Cookie", "session=nbsp-group")]);
    assert_eq!(status, 200, "{token}");
    let claims = decode(&token, ACCESS_KEY.as_bytes(), Some(ENVIRONMENT_ID));
    assert_eq!(
        claims["auth"],
        serde_json::json!({"ckbox": {"role": "user"}})
    );

    // Cookies in two headers, as an HTTP/2 client sends them, reach the application as one.
    let asked = app.received.lock().expect("the log").len();
    let crumbs = [("Cookie", "theme=dark"), ("Cookie", "session=ann")];
    let (status, token) = get(&http, &url, &crumbs);
    assert_eq!(status, 200, "{token}");
    assert_eq!(
        app.received.lock().expect("the log")[asked..],
        ["cookie: theme=dark; session=ann".to_owned()]
    );

    for session in ["nobody", "logged-out", "login-page"] {
        let cookie = format!("session={session}");
        let (status, body) = get(&http, &url, &[("Cookie", &cookie)]);
        assert_eq!(status, 401, "{session}: {body}");
    }
    assert_eq!(get(&http, &url, &[]).0, 401, "no cookie at all");
    let asked = app.received.lock().expect("the log").len();
    let empty = [("Cookie", ""), ("Authorization", " ")];
    assert_eq!(get(&http, &url, &empty).0, 401, "empty headers");
    assert_eq!(
        app.received.lock().expect("the log").len(),
        asked,
        "the application is not asked about empty headers"
    );

    let answers = [
        ("broken", 502),
        // A status line HTTP cannot read is an answer all the same, not an unreachable
        // application.
        ("not-http", 502),
        ("renamed", 502),
        ("twice", 502),
        ("not-modified", 502),
        ("bad-id", 502),
        // Not `ann`: the no-break space is part of the ID, which the token cannot carry.
        ("nbsp-id", 502),
        ("deep", 502),
        ("slow", 503),
    ];
    for (session, expected) in answers {
        let cookie = format!("session={session}");
        let (status, body) = get(&http, &url, &[("Cookie", &cookie)]);
        assert_eq!(status, expected, "{session}: {body}");
        assert!(!body.starts_with("eyJ"), "{session}: no token in {body}");
    }

    let (_, log) = server.terminate();
    assert!(log.contains("did not answer within 500 ms"), "{log}");
    assert!(
        log.contains("answered with something other than HTTP"),
        "{log}"
    );
    assert!(
        log.contains(
            "the field the setting reads is not a string; it is left out \
             setting=\"auth.forward.name_field\""
        ),
        "{log}"
    );
    assert!(
        log.contains(
            "groups in the field the setting reads that are not strings are left out \
             setting=\"auth.forward.groups_field\" left_out=2"
        ),
        "{log}"
    );
    assert!(log.contains("profile.uid"), "{log}");
    assert!(log.contains(r#"has the key "uid" twice"#), "{log}");
    assert!(
        log.contains("answered with status 304 Not Modified"),
        "{log}"
    );
    assert!(
        log.contains("answered with JSON nested deeper than 128 levels"),
        "{log}"
    );
    assert!(
        log.contains("names a user the token cannot carry: invalid sub")
            && log.contains("or auth.forward.id_field, which chooses the field"),
        "{log}"
    );
    assert!(
        log.contains(
            "a profile field the token cannot carry is left out of it subject=\"ann\" \
             field=user.email (from auth.forward.email_field)"
        ),
        "{log}"
    );
    assert!(
        !log.contains("session=ann"),
        "cookies stay out of the log: {log}"
    );
}

/// Asks a server that forwards to `url` for the token of the caller with the `session` cookie:
/// the status, the body and the server's whole log.
fn token_through(url: &str, session: &str) -> (u16, String, String) {
    let config = config(url);
    let server = Server::start(
        &["--config", config.to_str().expect("UTF-8")],
        &credentials(),
    );
    let (status, body) = get(
        &client(),
        &format!("{}/token", server.base),
        &[("Cookie", &format!("session={session}"))],
    );
    let (_, log) = server.terminate();
    (status, body, log)
}

/// Asks for ann's token from a server whose application, at `path` on a port nobody listens
/// on, is down: the status, the body and the server's whole log.
fn token_from_an_application_that_is_down(path: &str) -> (u16, String, String) {
    let closed = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let address = closed.local_addr().expect("an address");
    drop(closed);
    token_through(&format!("http://{address}{path}"), "ann")
}

#[test]
fn an_application_that_is_down_gives_503() {
    let (status, body, log) = token_from_an_application_that_is_down("/api/me");
    assert_eq!(status, 503, "{body}");
    assert!(log.contains("could not be reached"), "{log}");
    // The cause, which reqwest's own message leaves out.
    assert!(log.to_lowercase().contains("connection refused"), "{log}");
}

#[test]
fn a_secret_pasted_into_the_forward_url_stays_out_of_every_log_line() {
    let (status, body, log) = token_from_an_application_that_is_down(&format!("/{ACCESS_KEY}/me"));
    assert_eq!(status, 503, "{body}");
    // The start-up line and the failure's line both name the URL.
    assert_eq!(log.matches("/[secret]/me").count(), 2, "{log}");
    assert!(!log.contains(ACCESS_KEY), "{log}");
}

#[test]
fn a_key_the_answer_gives_twice_is_logged_without_the_access_key_in_it() {
    let app = WhoAmI::start();
    let (status, body, log) = token_through(&app.url, "key-twice");
    assert_eq!(status, 502, "{body}");
    assert!(log.contains("twice in one object"), "{log}");
    // The line shows the key's first 64 characters: 40 of padding and 24 of the access key,
    // which are hidden as the start of a secret cut short.
    assert!(log.contains(r#"has the key "kkkk"#), "{log}");
    assert!(!log.contains(&ACCESS_KEY[..8]), "{log}");
}

#[test]
fn the_query_of_the_forward_url_stays_out_of_the_log() {
    let api_key = "forward-api-key-0123456789";
    let app = WhoAmI::start();
    let closed = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let address = closed.local_addr().expect("an address");
    drop(closed);
    let down = config(&format!("http://{address}/api/me?key={api_key}#{api_key}"));
    let up = config(&format!("{}?key={api_key}", app.url));

    for config in [down, up] {
        let server = Server::start(
            &["--config", config.to_str().expect("UTF-8")],
            &credentials(),
        );
        let url = format!("{}/token", server.base);
        let (status, body) = get(&client(), &url, &[("Cookie", "session=broken")]);
        assert!(status == 502 || status == 503, "{status}: {body}");
        let (_, log) = server.terminate();
        assert!(log.contains("/api/me"), "{log}");
        assert!(!log.contains(api_key), "{log}");
    }
}

#[test]
fn a_forward_url_that_leads_back_to_the_token_route_is_asked_once() {
    // A relay on a port of its own, which the configuration names as the "who am I" URL, and
    // which passes every connection on to the server's own token route once it listens.
    let relay = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let relayed = format!("http://{}/token", relay.local_addr().expect("an address"));
    let target: Arc<Mutex<Option<String>>> = Arc::default();
    let connections = Arc::new(Mutex::new(0_usize));
    {
        let (target, connections) = (Arc::clone(&target), Arc::clone(&connections));
        std::thread::spawn(move || {
            for inbound in relay.incoming().map_while(Result::ok) {
                *connections.lock().expect("the count") += 1;
                let Some(address) = target.lock().expect("the target").clone() else {
                    continue;
                };
                let Ok(outbound) = TcpStream::connect(address) else {
                    continue;
                };
                for (mut from, mut to) in [
                    (
                        inbound.try_clone().expect("a handle"),
                        outbound.try_clone().expect("a handle"),
                    ),
                    (outbound, inbound),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Write);
                    });
                }
            }
        });
    }
    let server = Server::start(
        &["--config", config(&relayed).to_str().expect("UTF-8")],
        &credentials(),
    );
    let address = server.base.trim_start_matches("http://").to_owned();
    *target.lock().expect("the target") = Some(address);

    let url = format!("{}/token", server.base);
    let (status, body) = get(&client(), &url, &[("Cookie", "session=ann")]);
    // The question came back as a token request, which was answered 400 without asking again,
    // and so the first request got 502 from it: no timeout (503), and one question in all.
    assert_eq!(status, 502, "{body}");
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(*connections.lock().expect("the count"), 1);
    // A client may send the header too: 400 with credentials (the warning is not repeated within
    // the minute), and without any the 401 of no user, as without the header.
    let via = ("Via", "1.0 cache, 1.1 ckeditor-token");
    for _ in 0..3 {
        let (status, body) = get(&client(), &url, &[via, ("Cookie", "session=ann")]);
        assert_eq!(status, 400, "{body}");
    }
    assert_eq!(get(&client(), &url, &[via]).0, 401);
    assert_eq!(*connections.lock().expect("the count"), 1);
    let (_, log) = server.terminate();
    let warning = "auth.forward.url leads back to a token route";
    assert_eq!(log.matches(warning).count(), 1, "{log}");
}

#[test]
fn an_answer_the_application_sends_unasked_never_names_the_next_caller() {
    // An application that, after answering on a connection it keeps open, writes one more answer
    // unasked, naming another user: a connection kept for the next question would hand that
    // answer to whoever asks next.
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let url = format!(
        "http://{}/api/me",
        listener.local_addr().expect("an address")
    );
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().expect("a second handle"));
                let mut writer = stream;
                loop {
                    let mut session = String::new();
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        if let Some(value) = line.trim().strip_prefix("cookie: session=") {
                            session = value.to_owned();
                        }
                    }
                    let answer = |uid: &str| {
                        let body = format!(r#"{{"profile":{{"uid":"{uid}"}}}}"#);
                        format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                             content-length: {}\r\n\r\n{body}",
                            body.len()
                        )
                    };
                    let _ = writer.write_all(answer(&session).as_bytes());
                    std::thread::sleep(Duration::from_millis(150));
                    let _ = writer.write_all(answer("root").as_bytes());
                }
            });
        }
    });
    let server = Server::start(
        &["--config", config(&url).to_str().expect("UTF-8")],
        &credentials(),
    );
    let token_url = format!("{}/token", server.base);
    for (round, session) in ["ann", "bob", "carol", "dan"].into_iter().enumerate() {
        let cookie = format!("session={session}");
        let (status, token) = get(&client(), &token_url, &[("Cookie", &cookie)]);
        assert_eq!(status, 200, "{session}: {token}");
        let claims = decode(&token, ACCESS_KEY.as_bytes(), Some(ENVIRONMENT_ID));
        assert_eq!(claims["sub"], session, "round {round}");
        std::thread::sleep(Duration::from_millis(50));
    }
    server.terminate();
}
