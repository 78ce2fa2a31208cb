//! What the application's extractor said when it failed with a server error reaches the log,
//! escaped, and never the answer; a rejection's body that is not ready does not hold the answer
//! up.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use ckeditor_token_core::{
    Environment, FAILURE_BODY, Identity, Issuer, Role, TokenEndpoint, TokenUser, UserDecision,
};
use futures_util::FutureExt;
use tower::ServiceExt;

/// A login whose user lookup fails with the status in `x-status`, saying what `x-said` says
/// (`\n` standing for a line break), or with a body that never arrives without `x-said`.
struct Failing;

impl<S: Send + Sync> FromRequestParts<S> for Failing {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        let header = |name| {
            parts
                .headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(|value| value.replace("\\n", "\n"))
        };
        let status = header("x-status").and_then(|status| status.parse().ok());
        let status = StatusCode::from_u16(status.expect("a status")).expect("a status");
        let body = match header("x-said") {
            Some(said) => Body::from(said),
            None => Body::from_stream(futures_util::stream::pending::<Result<Bytes, String>>()),
        };
        Err((status, body).into_response())
    }
}

impl TokenUser for Failing {
    fn token_decision(&self) -> UserDecision {
        Identity::builder("never")
            .grant("*", Role::Reader)
            .build()
            .into()
    }
}

/// The log, shared with the subscriber that writes it.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
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

/// The status and body of a token request with `headers`, answered in one poll, and the log.
fn request(headers: &[(&str, &str)]) -> (StatusCode, String, String) {
    let log = Log::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);

    let environment =
        Environment::new("ENV_REJECTION", "an access key of 32 bytes or more").expect("env");
    let endpoint = TokenEndpoint::new(Issuer::new(environment).expect("issuer"));
    let app: Router = ckeditor_token_axum::router::<Failing, ()>("/token", endpoint);
    let mut request = Request::get("/token");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(Body::empty()).expect("request");
    let response = app
        .oneshot(request)
        .now_or_never()
        .expect("answered without waiting")
        .expect("answer");
    let status = response.status();
    let body = to_bytes(response.into_body(), 64 * 1024)
        .now_or_never()
        .expect("a body in memory")
        .expect("body");
    let body = String::from_utf8(body.to_vec()).expect("UTF-8 body");
    let log = String::from_utf8(log.0.lock().expect("not poisoned").clone()).expect("UTF-8 log");
    (status, body, log)
}

#[test]
fn a_server_error_is_logged_with_what_the_extractor_said_on_one_line() {
    let (status, body, log) = request(&[
        ("x-status", "503"),
        ("x-said", "user db down\\nERROR forged"),
    ]);
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body, FAILURE_BODY);
    let said = r#"the user extractor answered with status 503: "user db down\nERROR forged""#;
    assert!(log.contains(said), "{log}");
    assert_eq!(log.lines().count(), 1, "{log}");
}

#[test]
fn a_body_that_is_not_ready_is_left_unread() {
    let (status, body, log) = request(&[("x-status", "502")]);
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body, FAILURE_BODY);
    // Nothing was read, so nothing is quoted.
    assert!(
        log.contains("the user extractor answered with status 502") && !log.contains("status 502:"),
        "{log}"
    );
}

#[test]
fn a_rejection_that_is_no_server_error_is_a_401_and_logs_nothing_at_info() {
    let (status, _, log) = request(&[("x-status", "401"), ("x-said", "please sign in")]);
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(log.is_empty(), "{log}");
}
