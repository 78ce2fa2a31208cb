//! The conformance suite: the three example apps, started alike, checked over real HTTP against
//! the spec's response contract, and against each other.
//!
//! Every expected value is worked out here, independently of the code under test: claims are
//! decoded and verified with `jsonwebtoken`, headers are compared with the spec's literal
//! values, and the demo users' table supplies only the inputs.

#![expect(
    clippy::print_stderr,
    clippy::print_stdout,
    reason = "the suite reports each case on standard error and its tally on standard output"
)]

use std::collections::HashSet;
use std::io::{ErrorKind, Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use ckeditor_token_core::atob::is_atob_safe;
use ckeditor_token_core::atob_decode;
use ckeditor_token_demo_login::users;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::Method;
use reqwest::blocking::{Client, Response};
use serde_json::{Value, json};

use crate::apps::{self, App, Binaries, EXAMPLES, Example};

const ENVIRONMENT: &str = "ENV_TEST_123";
const KEY: &str = "conformance-access-key-of-env-test-123-0123456789";
const SECOND_ENVIRONMENT: &str = "ENV_TEST_456";
const SECOND_KEY: &str = "conformance-access-key-of-env-test-456-9876543210";
const EDITOR_ORIGIN: &str = "https://editor.example.test";
const OTHER_ORIGIN: &str = "https://elsewhere.example.test";
const NOW: u64 = 1_700_000_000;
const TEXT_PLAIN: &str = "text/plain; charset=utf-8";

/// The settings every app starts with, plus `extra` (later entries win).
fn settings<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut settings = vec![
        ("CKEDITOR_ENVIRONMENT_ID", ENVIRONMENT),
        ("CKEDITOR_ACCESS_KEY", KEY),
        ("CKEDITOR_TOKEN_CORS_ORIGINS", EDITOR_ORIGIN),
        ("CKEDITOR_TOKEN_CORS_CREDENTIALS", "true"),
        ("CKEDITOR_TOKEN_CORS_HEADERS", "authorization,x-document-id"),
        ("CKEDITOR_TOKEN_CORS_MAX_AGE", "600"),
        ("CKEDITOR_TOKEN_TEST_NOW", "1700000000"),
        ("CKEDITOR_TOKEN_LIFETIME", "3600"),
    ];
    for (name, value) in extra {
        settings.retain(|(existing, _)| existing != name);
        settings.push((name, value));
    }
    settings
}

/// Counts checks and keeps the failures' messages.
#[derive(Debug, Default)]
struct Tally {
    passed: usize,
    failures: Vec<String>,
}

impl Tally {
    fn run(&mut self, name: &str, case: impl FnOnce() -> Result<(), String>) {
        let started = Instant::now();
        match case() {
            Ok(()) => {
                self.passed += 1;
                eprintln!("  ok    {name} ({} ms)", started.elapsed().as_millis());
            }
            Err(message) => {
                eprintln!("  FAIL  {name}: {message}");
                self.failures.push(format!("{name}: {message}"));
            }
        }
    }
}

macro_rules! ensure {
    ($condition:expr, $($message:tt)+) => {
        if !$condition {
            return Err(format!($($message)+));
        }
    };
}

/// Builds the examples, runs the suite against each, and compares them.
///
/// # Errors
///
/// When anything fails; every failure has been printed.
pub(crate) fn run() -> Result<(), String> {
    let binaries = apps::build(&EXAMPLES, &["test-hooks"])?;
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .map_err(|error| format!("no HTTP client: {error}"))?;
    let mut tally = Tally::default();
    let mut observed = Vec::new();
    for example in &EXAMPLES {
        eprintln!("conformance: {} ({})", example.package, example.framework);
        match adapter_suite(&binaries, example, &client, &mut tally) {
            Ok(seen) => observed.push((example.framework, seen)),
            Err(message) => tally
                .failures
                .push(format!("{}: {message}", example.framework)),
        }
    }
    eprintln!("conformance: across adapters");
    tally.run(
        "the same user at the same instant gets byte-identical tokens",
        || same_across(&observed),
    );

    let failed = tally.failures.len();
    println!("conformance: {} passed, {failed} failed", tally.passed);
    if failed == 0 {
        Ok(())
    } else {
        Err(format!(
            "{failed} conformance checks failed:\n  {}",
            tally.failures.join("\n  ")
        ))
    }
}

/// The header timeout the main app of each suite is started with, shorter than the default
/// (10 s) so that the suite shows the setting is honoured.
const HEADER_TIMEOUT: &str = "4s";

/// The longest an example may keep a connection whose request never finishes its headers or
/// its body: [`HEADER_TIMEOUT`] and some slack, well below the default timeout.
const STALLED_DEADLINE: Duration = Duration::from_secs(8);

/// Half a request's headers.
const HALF_HEADERS: &[u8] = b"GET /token HTTP/1.1\r\nHost: 127.0.0.1\r\n";

/// A login form's headers, announcing a body of which nothing follows.
const BODY_MISSING: &[u8] = b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n\
    Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nuser=";

/// A connection that sent part of a request and then nothing more.
struct Stalled {
    stream: TcpStream,
    opened: Instant,
}

impl Stalled {
    fn open(app: &App, part: &[u8]) -> Result<Stalled, String> {
        let address = app.url().trim_start_matches("http://");
        let mut stream =
            TcpStream::connect(address).map_err(|error| format!("connect {address}: {error}"))?;
        stream
            .write_all(part)
            .map_err(|error| format!("a partial request: {error}"))?;
        Ok(Stalled {
            stream,
            opened: Instant::now(),
        })
    }

    /// Waits until the app closes the connection, at most until [`STALLED_DEADLINE`] after it
    /// was opened.
    fn disconnected(mut self) -> Result<(), String> {
        let left = STALLED_DEADLINE.saturating_sub(self.opened.elapsed());
        self.stream
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .map_err(|error| format!("a read timeout: {error}"))?;
        let mut rest = Vec::new();
        match self.stream.read_to_end(&mut rest) {
            Ok(_) => Ok(()),
            Err(error) if error.kind() == ErrorKind::ConnectionReset => Ok(()),
            Err(error) => Err(format!(
                "still open {:.1} s after part of a request ({error})",
                self.opened.elapsed().as_secs_f64()
            )),
        }
    }
}

/// The status of the answer to `request`, sent as it is over a connection of its own.
fn raw_status(app: &App, request: &str) -> Result<u16, String> {
    let address = app.url().trim_start_matches("http://");
    let mut stream =
        TcpStream::connect(address).map_err(|error| format!("connect {address}: {error}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|error| format!("a read timeout: {error}"))?;
    stream
        .write_all(request.as_bytes())
        .map_err(|error| format!("the request: {error}"))?;
    let mut head = [0; 12];
    stream
        .read_exact(&mut head)
        .map_err(|error| format!("the answer to {request:?}: {error}"))?;
    let head = String::from_utf8_lossy(&head);
    head.get(9..12)
        .and_then(|status| status.parse().ok())
        .ok_or_else(|| format!("no status line: {head:?}"))
}

/// HTTP/1.1 requires a server to refuse a request without exactly one `Host` with 400; an
/// HTTP/1.0 request may have none.
fn hosts(app: &App) -> Result<(), String> {
    for (request, expected) in [
        ("GET /token HTTP/1.1\r\nConnection: close\r\n\r\n", 400),
        (
            "GET /token HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n",
            400,
        ),
        (
            "GET /token HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
            401,
        ),
        ("GET /token HTTP/1.0\r\n\r\n", 401),
    ] {
        let status = raw_status(app, request)?;
        ensure!(
            status == expected,
            "{request:?}: status {status}, not {expected}"
        );
    }
    Ok(())
}

/// A request the HTTP layer cannot parse is answered 400 and leaves no line in the log: a client
/// that sends many must not flood it.
fn malformed_requests(app: &App) -> Result<(), String> {
    let before = app.log().lines().count();
    for _ in 0..3 {
        let request = "GET /token HTTP/1.1\r\nHost: a\r\nX Y: z\r\nConnection: close\r\n\r\n";
        let status = raw_status(app, request)?;
        ensure!(status == 400, "{request:?}: status {status}, not 400");
    }
    // A sign-in logs a line of its own; once it is in the log, a line of the requests before it
    // would be there too.
    let login = "POST /login HTTP/1.1\r\nHost: a\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 10\r\n\
                 Connection: close\r\n\r\nuser=alice";
    let status = raw_status(app, login)?;
    ensure!(status == 303, "the sign-in: status {status}, not 303");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let added = loop {
        let log = app.log();
        let added: Vec<String> = log.lines().skip(before).map(str::to_owned).collect();
        if added.iter().any(|line| line.contains("signed in")) {
            break added;
        }
        ensure!(
            std::time::Instant::now() < deadline,
            "the sign-in was not logged: {added:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let others: Vec<&String> = added
        .iter()
        .filter(|line| !line.contains("signed in"))
        .collect();
    ensure!(others.is_empty(), "the log has other new lines: {others:?}");
    Ok(())
}

/// What one adapter answered, to compare with the others.
type Seen = Vec<(String, u16, Option<String>, String)>;

/// Every case against one example. Returns the answers to compare across adapters.
fn adapter_suite(
    binaries: &Binaries,
    example: &Example,
    client: &Client,
    tally: &mut Tally,
) -> Result<Seen, String> {
    let binary = binaries.path(example)?;
    let name = |case: &str| format!("{}: {case}", example.framework);

    let main = apps::start(
        binary,
        &settings(&[("CKEDITOR_TOKEN_HEADER_TIMEOUT", HEADER_TIMEOUT)]),
    )?;
    let http = Http { client, app: &main };
    // Opened first, so that the checks below run while they wait for the header timeout.
    let stalled_headers = Stalled::open(&main, HALF_HEADERS)?;
    let stalled_body = Stalled::open(&main, BODY_MISSING)?;
    let mut seen = Seen::new();
    tally.run(
        &name("1. claims: aud string, integer iat, sub, user, auth as granted"),
        || claims_as_granted(&http, &mut seen),
    );
    tally.run(
        &name("2a. a 3600 s lifetime at 1700000000 gives exp 1700003600"),
        || {
            let claims = verified(&http.token_of("alice")?, ENVIRONMENT, KEY)?;
            ensure!(
                claims["exp"] == json!(NOW + 3600),
                "exp is {}",
                claims["exp"]
            );
            Ok(())
        },
    );
    tally.run(
        &name("3. logged out: 401, no token, then a login works"),
        || logged_out_then_in(&http),
    );
    tally.run(&name("4. every answer is text/plain and no-store"), || {
        plain_and_no_store(&http, &mut seen)
    });
    tally.run(
        &name("5a. tokens verify for their environment only"),
        || {
            let token = http.token_of("bob")?;
            verified(&token, ENVIRONMENT, KEY)?;
            ensure!(
                verified(&token, SECOND_ENVIRONMENT, KEY).is_err(),
                "another aud verifies"
            );
            ensure!(
                verified(&token, ENVIRONMENT, SECOND_KEY).is_err(),
                "another key verifies"
            );
            Ok(())
        },
    );
    tally.run(
        &name("6. preflights pass without credentials or the login"),
        || preflights(&http),
    );
    tally.run(
        &name("7a. CORS with credentials: exact origin, on errors too"),
        || cors_with_credentials(&http),
    );
    tally.run(
        &name("8. a 100 KB data: avatar never yields a token"),
        || {
            let cookie = http.login("dora")?;
            let response = http.get_token(Some(&cookie), None)?;
            let (status, body) = (response.status().as_u16(), text(response)?);
            ensure!(status == 500, "status {status}");
            ensure!(
                body.len() < 200 && !is_jwt(&body),
                "the body is {} bytes",
                body.len()
            );
            Ok(())
        },
    );
    tally.run(
        &name("refusals are 403, failed lookups 500 naming nothing internal"),
        || refused_and_failed(&http),
    );
    tally.run(
        &name(
            "other methods are 405 with Allow, a plain OPTIONS the core's 200, without the login",
        ),
        || other_methods(&http),
    );
    tally.run(
        &name("an avatar with '?' gets an atob()-safe payload"),
        || atob_safe_payload(&http),
    );
    tally.run(
        &name("the demo login: cookie attributes, home page, logout"),
        || demo_login(&http),
    );
    tally.run(
        &name("an HTTP/1.1 request without one Host is 400, one of HTTP/1.0 without it is not"),
        || hosts(&main),
    );
    tally.run(
        &name("a request the HTTP layer cannot parse is 400, and not logged"),
        || malformed_requests(&main),
    );
    tally.run(
        &name("a client that stalls in its headers is disconnected after the header timeout"),
        || stalled_headers.disconnected(),
    );
    tally.run(
        &name("a client that stalls in a login form's body is disconnected after the timeout"),
        || stalled_body.disconnected(),
    );
    tally.run(&name("SIGTERM stops the app cleanly"), || {
        let status = main.stop()?;
        ensure!(status.success(), "exit status {status}");
        Ok(())
    });

    tally.run(
        &name("a log whose reader has gone loses lines, not answers"),
        || {
            let deaf = apps::start_with_log_closed(binary, &settings(&[]))?;
            let http = Http { client, app: &deaf };
            // A refusal and a failure log lines at info and above, which cannot be written.
            for (user, expected) in [("erin", 403), ("frank", 500), ("alice", 200)] {
                let cookie = http.login(user)?;
                let status = http.get_token(Some(&cookie), None)?.status();
                ensure!(
                    status == expected,
                    "{user}: status {status}, not {expected}"
                );
            }
            let status = deaf.stop()?;
            ensure!(status.success(), "exit status {status}");
            Ok(())
        },
    );

    tally.run(
        &name("SIGTERM right after the address is announced stops the app cleanly"),
        || {
            let status = apps::start(binary, &settings(&[]))?.stop()?;
            ensure!(status.success(), "exit status {status}");
            Ok(())
        },
    );

    // A header timeout longer than the grace, so that only the grace can end the request.
    let patient = apps::start(
        binary,
        &settings(&[("CKEDITOR_TOKEN_HEADER_TIMEOUT", "30s")]),
    )?;
    tally.run(
        &name("SIGTERM stops the app within the grace, with a request that stalls in its body"),
        || {
            let _stalled = Stalled::open(&patient, BODY_MISSING)?;
            let signalled = Instant::now();
            let status = patient.stop()?;
            ensure!(status.success(), "exit status {status}");
            ensure!(
                signalled.elapsed() < STALLED_DEADLINE,
                "stopped {:.1} s after the signal",
                signalled.elapsed().as_secs_f64()
            );
            Ok(())
        },
    );

    let no_expiry = apps::start(binary, &settings(&[("CKEDITOR_TOKEN_LIFETIME", "none")]))?;
    let http = Http {
        client,
        app: &no_expiry,
    };
    tally.run(&name("2b. without a lifetime there is no exp key"), || {
        let claims = verified(&http.token_of("alice")?, ENVIRONMENT, KEY)?;
        ensure!(claims.get("exp").is_none(), "exp is {}", claims["exp"]);
        ensure!(claims["iat"] == json!(NOW), "iat is {}", claims["iat"]);
        Ok(())
    });
    drop(no_expiry);

    let second = apps::start(
        binary,
        &settings(&[
            ("CKEDITOR_ENVIRONMENT_ID", SECOND_ENVIRONMENT),
            ("CKEDITOR_ACCESS_KEY", SECOND_KEY),
        ]),
    )?;
    let http = Http {
        client,
        app: &second,
    };
    tally.run(
        &name("5b. a second environment signs with its own aud and key"),
        || {
            let token = http.token_of("alice")?;
            let claims = verified(&token, SECOND_ENVIRONMENT, SECOND_KEY)?;
            ensure!(
                claims["aud"] == json!(SECOND_ENVIRONMENT),
                "aud is {}",
                claims["aud"]
            );
            ensure!(
                verified(&token, ENVIRONMENT, KEY).is_err(),
                "the first environment verifies"
            );
            ensure!(
                verified(&token, SECOND_ENVIRONMENT, KEY).is_err(),
                "the first key verifies"
            );
            Ok(())
        },
    );
    drop(second);

    let any = apps::start(
        binary,
        &settings(&[
            ("CKEDITOR_TOKEN_CORS_ORIGINS", "*"),
            ("CKEDITOR_TOKEN_CORS_CREDENTIALS", "false"),
        ]),
    )?;
    let http = Http { client, app: &any };
    tally.run(
        &name("7b. any origin without credentials echoes the origin"),
        || {
            let cookie = http.login("alice")?;
            let response = http.get_token(Some(&cookie), Some(OTHER_ORIGIN))?;
            ensure!(response.status() == 200, "status {}", response.status());
            ensure!(
                header(&response, "access-control-allow-origin").as_deref() == Some(OTHER_ORIGIN),
                "allow-origin {:?}",
                header(&response, "access-control-allow-origin")
            );
            ensure!(
                header(&response, "access-control-allow-credentials").is_none(),
                "credentials are allowed"
            );
            Ok(())
        },
    );
    drop(any);

    tally.run(
        &name("7c. `*` with credentials stops the app at start"),
        || {
            let wildcard = settings(&[("CKEDITOR_TOKEN_CORS_ORIGINS", "*")]);
            refuses_to_start(binary, &wildcard, "CKEDITOR_TOKEN_CORS_ORIGINS")
        },
    );

    let same_origin: Vec<_> = settings(&[])
        .into_iter()
        .filter(|(name, _)| !name.starts_with("CKEDITOR_TOKEN_CORS_"))
        .collect();
    let same_origin = apps::start(binary, &same_origin)?;
    let http = Http {
        client,
        app: &same_origin,
    };
    tally.run(
        &name("7d. a same-origin route's answers have no Vary and no CORS headers"),
        || same_origin_answers(&http),
    );
    drop(same_origin);

    tally.run(
        &name("9. empty, blank or missing credentials stop the app, named"),
        || bad_credentials(binary),
    );
    tally.run(&name("development mode listens on loopback only"), || {
        let exited = apps::run_to_exit(binary, &[], &["--dev", "--listen", "0.0.0.0:0"])?;
        ensure!(
            exited.status.code() == Some(2),
            "exit status {}, not 2",
            exited.status
        );
        ensure!(
            exited.stderr.contains("--listen: ") && exited.stderr.contains("loopback"),
            "stderr: {}",
            exited.stderr
        );
        ensure!(!exited.stdout.contains("listening on"), "it listened");
        Ok(())
    });
    Ok(seen)
}

/// A client pointed at one running app.
struct Http<'a> {
    client: &'a Client,
    app: &'a App,
}

impl Http<'_> {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.app.url())
    }

    fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Result<Response, String> {
        let mut request = self.client.request(method, self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request
            .send()
            .map_err(|error| format!("{path}: {error}\n{}", self.app.log()))
    }

    /// Posts the login form with the URL-encoded `fields`.
    fn post_login_form(&self, fields: &str) -> Result<Response, String> {
        self.client
            .post(self.url("/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(fields.to_owned())
            .send()
            .map_err(|error| format!("login with {fields:?}: {error}"))
    }

    /// Signs `user` in and returns the session cookie (`name=value`).
    fn login(&self, user: &str) -> Result<String, String> {
        let response = self.post_login_form(&format!("user={user}"))?;
        ensure!(
            response.status() == 303,
            "login of {user}: status {}",
            response.status()
        );
        let set_cookie = header(&response, "set-cookie").ok_or("login set no cookie")?;
        Ok(set_cookie.split(';').next().unwrap_or_default().to_owned())
    }

    fn get_token(&self, cookie: Option<&str>, origin: Option<&str>) -> Result<Response, String> {
        let mut headers = Vec::new();
        if let Some(cookie) = cookie {
            headers.push(("cookie", cookie));
        }
        if let Some(origin) = origin {
            headers.push(("origin", origin));
        }
        self.send(Method::GET, "/token", &headers)
    }

    /// Signs `user` in and fetches their token, which must be a 200.
    fn token_of(&self, user: &str) -> Result<String, String> {
        let cookie = self.login(user)?;
        let response = self.get_token(Some(&cookie), None)?;
        ensure!(
            response.status() == 200,
            "token of {user}: status {}",
            response.status()
        );
        text(response)
    }
}

fn header(response: &Response, name: &str) -> Option<String> {
    let values: Vec<&str> = response
        .headers()
        .get_all(name)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// How often `item` is listed over all the `name` headers of `response`, ignoring case.
fn listed_times(response: &Response, name: &str, item: &str) -> usize {
    header(response, name).map_or(0, |value| {
        value
            .split(',')
            .filter(|listed| listed.trim().eq_ignore_ascii_case(item))
            .count()
    })
}

fn header_lists(response: &Response, name: &str, item: &str) -> bool {
    listed_times(response, name, item) > 0
}

fn text(response: Response) -> Result<String, String> {
    response
        .text()
        .map_err(|error| format!("unreadable body: {error}"))
}

fn is_jwt(body: &str) -> bool {
    body.split('.').count() == 3 && body.starts_with("eyJ")
}

/// Verifies `token` with `jsonwebtoken` for `audience` and `key`, not requiring `exp`.
fn verified(token: &str, audience: &str, key: &str) -> Result<Value, String> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&[audience]);
    validation.validate_exp = false;
    validation.required_spec_claims = HashSet::new();
    let key = DecodingKey::from_secret(key.as_bytes()).map_err(|error| error.to_string())?;
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .map(|data| data.claims)
        .map_err(|error| format!("does not verify: {error}"))
}

fn claims_as_granted(http: &Http<'_>, seen: &mut Seen) -> Result<(), String> {
    for (id, role) in [("alice", "writer"), ("bob", "reader"), ("chloe", "writer")] {
        let user = users::find(id).ok_or("a demo user is missing")?;
        let token = http.token_of(id)?;
        let header = atob_decode(token.split('.').next().unwrap_or_default())
            .ok_or("the header segment is not base64")?;
        let header: Value = serde_json::from_slice(&header).map_err(|e| e.to_string())?;
        ensure!(
            header == json!({"typ": "JWT", "alg": "HS256"}),
            "header {header}"
        );

        let claims = verified(&token, ENVIRONMENT, KEY)?;
        ensure!(
            claims["aud"] == json!(ENVIRONMENT),
            "{id}: aud {}",
            claims["aud"]
        );
        ensure!(
            claims["iat"].is_u64() && claims["iat"] == json!(NOW),
            "{id}: iat {}",
            claims["iat"]
        );
        ensure!(claims["sub"] == json!(id), "{id}: sub {}", claims["sub"]);
        let expected_user = json!({"name": user.name, "email": user.email, "avatar": user.avatar});
        ensure!(
            claims["user"] == expected_user,
            "{id}: user {}",
            claims["user"]
        );
        let expected_auth = json!({"collaboration": {"*": {"role": role}}});
        ensure!(
            claims["auth"] == expected_auth,
            "{id}: auth {}",
            claims["auth"]
        );
        for absent in ["iss", "nbf", "jti"] {
            ensure!(claims.get(absent).is_none(), "{id}: {absent} is present");
        }
        seen.push((format!("token of {id}"), 200, None, token));
    }
    Ok(())
}

fn logged_out_then_in(http: &Http<'_>) -> Result<(), String> {
    let response = http.get_token(None, None)?;
    let status = response.status().as_u16();
    ensure!(header(&response, "location").is_none(), "a redirect");
    let body = text(response)?;
    ensure!(status == 401, "status {status}");
    ensure!(
        !body.is_empty() && !is_jwt(&body) && !body.contains("eyJ"),
        "body {body:?}"
    );

    let stale = http.get_token(Some("ckeditor_demo_session=00ff00ff"), None)?;
    ensure!(
        stale.status() == 401,
        "an unknown session: status {}",
        stale.status()
    );

    let token = http.token_of("alice")?;
    let claims = verified(&token, ENVIRONMENT, KEY)?;
    ensure!(claims["user"].is_object(), "user is {}", claims["user"]);
    ensure!(claims["sub"] == json!("alice"), "sub is {}", claims["sub"]);
    Ok(())
}

fn plain_and_no_store(http: &Http<'_>, seen: &mut Seen) -> Result<(), String> {
    let alice = http.login("alice")?;
    let erin = http.login("erin")?;
    let frank = http.login("frank")?;
    let cases: [(&str, Method, Option<&str>, u16); 6] = [
        ("token", Method::GET, Some(&alice), 200),
        ("no user", Method::GET, None, 401),
        ("refused", Method::GET, Some(&erin), 403),
        ("lookup failed", Method::GET, Some(&frank), 500),
        ("POST", Method::POST, Some(&alice), 405),
        ("DELETE", Method::DELETE, None, 405),
    ];
    for (case, method, cookie, expected) in cases {
        let headers: Vec<(&str, &str)> = cookie.map(|c| ("cookie", c)).into_iter().collect();
        let response = http.send(method, "/token", &headers)?;
        let status = response.status().as_u16();
        ensure!(
            status == expected,
            "{case}: status {status}, not {expected}"
        );
        let content_type = header(&response, "content-type");
        ensure!(
            content_type.as_deref() == Some(TEXT_PLAIN),
            "{case}: content-type {content_type:?}"
        );
        let cache = header(&response, "cache-control");
        ensure!(
            cache.as_deref() == Some("no-store"),
            "{case}: cache-control {cache:?}"
        );
        let allow = header(&response, "allow");
        let body = text(response)?;
        if expected == 200 {
            ensure!(
                is_jwt(&body) && !body.ends_with('\n') && !body.starts_with('"'),
                "body {body:?}"
            );
        } else {
            seen.push((case.to_owned(), status, allow, body));
        }
    }
    Ok(())
}

/// A preflight from `origin` for a `GET` with `headers`.
fn preflight(
    http: &Http<'_>,
    origin: &str,
    headers: &str,
    cookie: Option<&str>,
) -> Result<Response, String> {
    preflight_for(http, "GET", origin, headers, cookie)
}

/// A preflight from `origin` for a request with `method` and `headers`.
fn preflight_for(
    http: &Http<'_>,
    method: &str,
    origin: &str,
    headers: &str,
    cookie: Option<&str>,
) -> Result<Response, String> {
    let mut request = vec![
        ("origin", origin),
        ("access-control-request-method", method),
        ("access-control-request-headers", headers),
    ];
    if let Some(cookie) = cookie {
        request.push(("cookie", cookie));
    }
    http.send(Method::OPTIONS, "/token", &request)
}

fn preflights(http: &Http<'_>) -> Result<(), String> {
    let frank = http.login("frank")?;
    for cookie in [None, Some(frank.as_str())] {
        let response = preflight(http, EDITOR_ORIGIN, "authorization, x-document-id", cookie)?;
        let status = response.status();
        ensure!(status.is_success(), "status {status} (cookie {cookie:?})");
        let origin = header(&response, "access-control-allow-origin");
        ensure!(
            origin.as_deref() == Some(EDITOR_ORIGIN),
            "allow-origin {origin:?}"
        );
        ensure!(
            header(&response, "access-control-allow-credentials").as_deref() == Some("true"),
            "no allow-credentials"
        );
        ensure!(
            header_lists(&response, "access-control-allow-methods", "GET"),
            "GET not allowed"
        );
        for name in ["authorization", "x-document-id"] {
            ensure!(
                header_lists(&response, "access-control-allow-headers", name),
                "{name} not allowed"
            );
        }
        let age = header(&response, "access-control-max-age");
        ensure!(age.as_deref() == Some("600"), "max-age {age:?}");
        ensure!(
            listed_times(&response, "vary", "origin") == 1,
            "vary {:?} should list Origin once",
            header(&response, "vary")
        );
        ensure!(
            header(&response, "set-cookie").is_none(),
            "a cookie was set"
        );
    }

    let unlisted = preflight(http, EDITOR_ORIGIN, "x-unlisted-header", None)?;
    ensure!(
        !unlisted.status().is_server_error(),
        "unlisted header: status {}",
        unlisted.status()
    );
    ensure!(
        !header_lists(
            &unlisted,
            "access-control-allow-headers",
            "x-unlisted-header"
        ),
        "the unlisted header is allowed"
    );
    // The route answers GET only; each CORS component refuses other methods its own way.
    let post = preflight_for(http, "POST", EDITOR_ORIGIN, "authorization", None)?;
    ensure!(
        !post.status().is_server_error(),
        "POST: status {}",
        post.status()
    );
    let methods = header(&post, "access-control-allow-methods");
    ensure!(
        methods
            .as_deref()
            .is_none_or(|methods| methods.trim() == "GET"),
        "POST: allow-methods {methods:?} should be GET alone, if any"
    );
    let foreign = preflight(http, OTHER_ORIGIN, "authorization", None)?;
    ensure!(
        !foreign.status().is_server_error(),
        "other origin: status {}",
        foreign.status()
    );
    ensure!(
        header(&foreign, "access-control-allow-origin").is_none(),
        "other origin allowed"
    );
    ensure!(
        header(&foreign, "access-control-allow-credentials").is_none(),
        "other origin: allow-credentials sent"
    );
    // An empty `Access-Control-Request-Method` names no method: the request is a plain
    // `OPTIONS`, the core's 200 with `Allow` and without CORS headers.
    let empty = preflight_for(http, "", EDITOR_ORIGIN, "authorization", None)?;
    ensure!(
        empty.status() == 200 && header(&empty, "allow").is_some(),
        "empty request method: status {}, allow {:?}",
        empty.status(),
        header(&empty, "allow")
    );
    ensure!(
        header(&empty, "access-control-allow-origin").is_none(),
        "empty request method: answered as a preflight"
    );
    Ok(())
}

fn cors_with_credentials(http: &Http<'_>) -> Result<(), String> {
    let alice = http.login("alice")?;
    let erin = http.login("erin")?;
    let frank = http.login("frank")?;
    let cases: [(&str, Method, Option<&str>, u16); 5] = [
        ("token", Method::GET, Some(&alice), 200),
        ("no user", Method::GET, None, 401),
        ("refused", Method::GET, Some(&erin), 403),
        ("lookup failed", Method::GET, Some(&frank), 500),
        ("PUT", Method::PUT, Some(&alice), 405),
    ];
    for (case, method, cookie, expected) in cases {
        let mut headers = vec![("origin", EDITOR_ORIGIN)];
        headers.extend(cookie.map(|c| ("cookie", c)));
        let response = http.send(method.clone(), "/token", &headers)?;
        ensure!(
            response.status() == expected,
            "{case}: status {}",
            response.status()
        );
        let origin = header(&response, "access-control-allow-origin");
        ensure!(
            origin.as_deref() == Some(EDITOR_ORIGIN),
            "{case}: allow-origin {origin:?}"
        );
        let credentials = header(&response, "access-control-allow-credentials");
        ensure!(
            credentials.as_deref() == Some("true"),
            "{case}: allow-credentials {credentials:?}"
        );
        ensure!(
            listed_times(&response, "vary", "origin") == 1,
            "{case}: vary {:?} should list Origin once",
            header(&response, "vary")
        );

        let mut headers = vec![("origin", OTHER_ORIGIN)];
        headers.extend(cookie.map(|c| ("cookie", c)));
        let foreign = http.send(method.clone(), "/token", &headers)?;
        ensure!(
            foreign.status() == expected,
            "{case} from another origin: status {}",
            foreign.status()
        );
        ensure!(
            header(&foreign, "access-control-allow-origin").is_none(),
            "{case}: another origin is allowed"
        );
        ensure!(
            header(&foreign, "access-control-allow-credentials").is_none(),
            "{case}: allow-credentials sent to another origin"
        );
        ensure!(
            listed_times(&foreign, "vary", "origin") == 1,
            "{case} from another origin: vary {:?} should list Origin once",
            header(&foreign, "vary")
        );

        let headers: Vec<_> = cookie.map(|c| ("cookie", c)).into_iter().collect();
        let same_origin = http.send(method, "/token", &headers)?;
        ensure!(
            same_origin.status() == expected,
            "{case} without an origin: status {}",
            same_origin.status()
        );
        ensure!(
            listed_times(&same_origin, "vary", "origin") == 1,
            "{case} without an origin: vary {:?} should list Origin once",
            header(&same_origin, "vary")
        );
        ensure!(
            header(&same_origin, "access-control-allow-credentials").is_none(),
            "{case} without an origin: allow-credentials sent"
        );
    }
    Ok(())
}

/// With no other origin allowed, the token route's answers, with or without `Origin`, do not
/// vary by it and carry no CORS header; a preflight gets the core's answer to `OPTIONS`.
fn same_origin_answers(http: &Http<'_>) -> Result<(), String> {
    let cookie = http.login("alice")?;
    for (cookie, origin) in [
        (Some(cookie.as_str()), None),
        (Some(cookie.as_str()), Some(OTHER_ORIGIN)),
        (None, None),
    ] {
        let response = http.get_token(cookie, origin)?;
        let expected = if cookie.is_some() { 200 } else { 401 };
        ensure!(
            response.status() == expected,
            "origin {origin:?}: status {}",
            response.status()
        );
        for name in ["vary", "access-control-allow-origin"] {
            ensure!(
                header(&response, name).is_none(),
                "origin {origin:?}: {name} {:?}",
                header(&response, name)
            );
        }
    }
    let preflight = [
        ("origin", OTHER_ORIGIN),
        ("access-control-request-method", "GET"),
    ];
    for headers in [&preflight[..], &preflight[..1]] {
        let response = http.send(Method::OPTIONS, "/token", headers)?;
        ensure!(
            response.status() == 200 && header(&response, "allow").is_some(),
            "OPTIONS with {headers:?}: status {}, allow {:?}",
            response.status(),
            header(&response, "allow")
        );
        for name in [
            "vary",
            "access-control-allow-origin",
            "access-control-allow-methods",
        ] {
            ensure!(
                header(&response, name).is_none(),
                "OPTIONS with {headers:?}: {name} {:?}",
                header(&response, name)
            );
        }
    }
    Ok(())
}

fn refused_and_failed(http: &Http<'_>) -> Result<(), String> {
    let erin = http.login("erin")?;
    let refused = http.get_token(Some(&erin), None)?;
    ensure!(refused.status() == 403, "erin: status {}", refused.status());
    let body = text(refused)?;
    ensure!(
        !is_jwt(&body) && !body.contains("erin"),
        "erin: body {body:?}"
    );

    let frank = http.login("frank")?;
    let failed = http.get_token(Some(&frank), None)?;
    ensure!(failed.status() == 500, "frank: status {}", failed.status());
    let body = text(failed)?;
    for internal in ["frank", "directory", "lookup", KEY] {
        ensure!(
            !body.to_lowercase().contains(internal),
            "frank: the body names {internal:?}"
        );
    }
    ensure!(!http.app.log().contains(KEY), "the key is in the log");
    Ok(())
}

fn other_methods(http: &Http<'_>) -> Result<(), String> {
    let frank = http.login("frank")?;
    for method in [
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::HEAD,
    ] {
        // Frank's lookup fails: a 500 here would mean the login ran.
        let response = http.send(method.clone(), "/token", &[("cookie", frank.as_str())])?;
        ensure!(
            response.status() == 405,
            "{method}: status {}",
            response.status()
        );
        let allow = header(&response, "allow").unwrap_or_default();
        ensure!(
            header_lists(&response, "allow", "GET"),
            "{method}: Allow {allow:?}"
        );
        ensure!(
            !header_lists(&response, "allow", "POST"),
            "{method}: Allow {allow:?}"
        );
    }
    // An OPTIONS that is not a preflight gets the core's answer, through every adapter.
    let options = http.send(
        Method::OPTIONS,
        "/token",
        &[("cookie", frank.as_str()), ("origin", EDITOR_ORIGIN)],
    )?;
    ensure!(
        options.status() == 200,
        "plain OPTIONS: status {}",
        options.status()
    );
    for method in ["GET", "OPTIONS"] {
        ensure!(
            header_lists(&options, "allow", method),
            "plain OPTIONS: Allow {:?}",
            header(&options, "allow")
        );
    }
    let cache = header(&options, "cache-control");
    ensure!(
        cache.as_deref() == Some("no-store"),
        "plain OPTIONS: cache-control {cache:?}"
    );
    ensure!(
        listed_times(&options, "vary", "origin") == 1,
        "plain OPTIONS: vary {:?} should list Origin once",
        header(&options, "vary")
    );
    // It is no preflight, so no CORS component answers it or adds its headers.
    for name in [
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "access-control-allow-methods",
    ] {
        ensure!(
            header(&options, name).is_none(),
            "plain OPTIONS from the editor's origin: {name} {:?}",
            header(&options, name)
        );
    }
    // Without `Origin` it is no CORS request, preflight-shaped or not: the core answers it.
    let originless = http.send(
        Method::OPTIONS,
        "/token",
        &[("access-control-request-method", "GET")],
    )?;
    ensure!(
        originless.status() == 200
            && header_lists(&originless, "allow", "GET")
            && header(&originless, "cache-control").as_deref() == Some("no-store"),
        "OPTIONS with Access-Control-Request-Method but no Origin: status {}, allow {:?}, \
         cache-control {:?}",
        originless.status(),
        header(&originless, "allow"),
        header(&originless, "cache-control")
    );
    let elsewhere = http.send(Method::GET, "/token/elsewhere", &[])?;
    ensure!(
        elsewhere.status() == 404,
        "a path below the route: status {}",
        elsewhere.status()
    );
    Ok(())
}

fn atob_safe_payload(http: &Http<'_>) -> Result<(), String> {
    let token = http.token_of("chloe")?;
    let payload = token.split('.').nth(1).ok_or("no payload")?;
    ensure!(!payload.contains(['-', '_']), "the payload has '-' or '_'");
    let decoded = atob_decode(payload).ok_or("atob() would throw")?;
    let claims: Value = serde_json::from_slice(&decoded).map_err(|e| e.to_string())?;
    ensure!(
        claims == verified(&token, ENVIRONMENT, KEY)?,
        "atob() reads other claims"
    );
    let compact = serde_json::to_vec(&claims).map_err(|e| e.to_string())?;
    ensure!(
        !is_atob_safe(&compact),
        "chloe's compact claims are atob-safe; the case tests nothing"
    );
    Ok(())
}

/// What the demo's home page says when bob is signed in (its table of users names him always).
const SIGNED_IN_AS_BOB: &str = "Signed in as <strong>Bob Reader</strong>";

fn demo_login(http: &Http<'_>) -> Result<(), String> {
    let response = http.post_login_form("user=bob")?;
    let set_cookie = header(&response, "set-cookie").unwrap_or_default();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        ensure!(
            set_cookie.split("; ").any(|a| a == attribute),
            "no {attribute}: {set_cookie}"
        );
    }
    let cookie = set_cookie.split(';').next().unwrap_or_default();
    let home = http.send(Method::GET, "/", &[("cookie", cookie)])?;
    ensure!(
        text(home)?.contains(SIGNED_IN_AS_BOB),
        "the home page does not say bob is signed in"
    );

    // A browser sends every cookie of the site, and another app's may be raw UTF-8; a client
    // may split its cookies over several headers. Neither hides the session.
    let beside = format!("pref=José; {cookie}");
    let home = http.send(Method::GET, "/", &[("cookie", &beside)])?;
    ensure!(
        text(home)?.contains(SIGNED_IN_AS_BOB),
        "beside a UTF-8 cookie, the home page does not say bob is signed in"
    );
    let split = http.send(
        Method::GET,
        "/token",
        &[("cookie", "theme=dark"), ("cookie", cookie)],
    )?;
    ensure!(
        split.status() == 200,
        "the session in a second Cookie header: status {}",
        split.status()
    );

    let out = http.send(Method::POST, "/logout", &[("cookie", &beside)])?;
    let cleared = header(&out, "set-cookie").unwrap_or_default();
    ensure!(cleared.contains("Max-Age=0"), "logout: {cleared}");
    let after = http.get_token(Some(cookie), None)?;
    ensure!(
        after.status() == 401,
        "after logout: status {}",
        after.status()
    );

    let unknown = http.post_login_form("user=mallory")?;
    ensure!(
        unknown.status() == 400,
        "unknown user: status {}",
        unknown.status()
    );

    // A form without the field is the client's mistake, answered alike by every example.
    let without_user = http.post_login_form("name=bob")?;
    ensure!(
        without_user.status() == 400,
        "a login form without `user`: status {}",
        without_user.status()
    );
    Ok(())
}

fn refuses_to_start(
    binary: &std::path::Path,
    env: &[(&str, &str)],
    setting: &str,
) -> Result<(), String> {
    let exited = apps::run_to_exit(binary, env, &["--listen", "127.0.0.1:0"])?;
    ensure!(
        exited.status.code() == Some(2),
        "exit status {}, not 2 as for a refused setting",
        exited.status
    );
    ensure!(
        exited.stderr.contains(setting),
        "the message does not name {setting}: {}",
        exited.stderr
    );
    ensure!(!exited.stdout.contains("listening on"), "it listened");
    ensure!(!exited.stderr.contains(KEY), "the message shows the key");
    Ok(())
}

fn bad_credentials(binary: &std::path::Path) -> Result<(), String> {
    const ID: &str = "CKEDITOR_ENVIRONMENT_ID";
    const ACCESS: &str = "CKEDITOR_ACCESS_KEY";
    let cases: [(Option<&str>, Option<&str>, &str); 7] = [
        // Development mode is asked for with --dev, never taken for missing credentials.
        (None, None, ID),
        (Some(ENVIRONMENT), None, ACCESS),
        (Some(ENVIRONMENT), Some(""), ACCESS),
        (Some(ENVIRONMENT), Some("   "), ACCESS),
        (None, Some(KEY), ID),
        (Some(""), Some(KEY), ID),
        (Some(" \t "), Some(KEY), ID),
    ];
    for (id, key, named) in cases {
        let mut env = settings(&[]);
        env.retain(|(name, _)| *name != ID && *name != ACCESS);
        env.extend(id.map(|id| (ID, id)));
        env.extend(key.map(|key| (ACCESS, key)));
        refuses_to_start(binary, &env, named)
            .map_err(|e| format!("id {id:?}, key set {}: {e}", key.is_some()))?;
    }
    Ok(())
}

fn same_across(observed: &[(&str, Seen)]) -> Result<(), String> {
    ensure!(
        observed.len() == EXAMPLES.len(),
        "only {} adapters ran",
        observed.len()
    );
    let (first, reference) = &observed[0];
    ensure!(!reference.is_empty(), "{first} gave no answers to compare");
    for (framework, seen) in &observed[1..] {
        ensure!(
            seen.len() == reference.len(),
            "{framework} gave {} answers, {first} {}",
            seen.len(),
            reference.len()
        );
        for (ours, theirs) in reference.iter().zip(seen) {
            ensure!(ours == theirs, "{}: {first} and {framework} differ", ours.0);
        }
    }
    Ok(())
}
