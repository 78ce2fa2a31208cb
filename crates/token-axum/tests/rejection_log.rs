//! What the application's extractor said when it failed with a server error reaches the log,
//! escaped and cut short, and never the answer.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Request, StatusCode};
use ckeditor_token_core::{
    Environment, FAILURE_BODY, Identity, Issuer, NO_USER_BODY, Role, TokenEndpoint, TokenUser,
    UserDecision,
};
use tower::ServiceExt;

/// A login whose user lookup fails as the `x-fail` header says.
struct Failing;

impl<S: Send + Sync> FromRequestParts<S> for Failing {
    type Rejection = (StatusCode, String);

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let header = |name| {
            parts
                .headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let status = header("x-status").parse().expect("status");
        let status = StatusCode::from_u16(status).expect("status");
        Err((status, header("x-said").replace("\\n", "\n")))
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

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
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

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().expect("not poisoned").clone()).expect("UTF-8 log")
    }
}

/// The status, the body and the log of a token request whose lookup fails with `status`,
/// saying `said`.
async fn fail(status: u16, said: &str) -> (StatusCode, String, String) {
    let captured = Captured::default();
    let writer = captured.clone();
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
    let request = Request::get("/token")
        .header("x-status", status.to_string())
        .header("x-said", said)
        .body(Body::empty())
        .expect("request");
    let response = app.oneshot(request).await.expect("answer");
    let status = response.status();
    let body = to_bytes(response.into_body(), 64 * 1024)
        .await
        .expect("body");
    let body = String::from_utf8(body.to_vec()).expect("UTF-8 body");
    (status, body, captured.text())
}

#[tokio::test]
async fn a_server_error_is_logged_with_what_the_extractor_said() {
    let (status, body, log) = fail(503, "user db down\\nERROR forged line").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body, FAILURE_BODY);
    assert!(
        log.contains(
            r#"the user extractor answered with status 503: "user db down\nERROR forged line""#
        ),
        "{log}"
    );
    assert_eq!(log.lines().count(), 1, "{log}");
}

#[tokio::test]
async fn a_long_message_is_cut_to_its_first_200_characters() {
    let said = format!("{}{}", "ab".repeat(100), "tail");
    let (_, _, log) = fail(500, &said).await;
    let shown = format!("status 500: \"{}\"…", "ab".repeat(100));
    assert!(log.contains(&shown), "{log}");
    assert!(!log.contains("tail"), "{log}");
}

#[tokio::test]
async fn a_rejection_that_is_no_server_error_is_a_401_and_logs_nothing_at_info() {
    let (status, body, log) = fail(401, "please sign in").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, NO_USER_BODY);
    assert!(log.is_empty(), "{log}");
}
