//! What the application's extractor said when it failed with a server error reaches the log,
//! escaped and cut short, and never the answer.

use std::io::Write;
use std::sync::{Arc, Mutex};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{App, FromRequest, HttpRequest, test};
use ckeditor_token_core::{
    Environment, FAILURE_BODY, Identity, Issuer, NO_USER_BODY, Role, TokenEndpoint, TokenUser,
    UserDecision,
};

/// A login whose user lookup fails as the `x-status` and `x-said` headers say.
struct Failing;

impl FromRequest for Failing {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let header = |name| {
            request
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let status = header("x-status").parse().expect("status");
        let status = StatusCode::from_u16(status).expect("status");
        let said = header("x-said").replace("\\n", "\n");
        std::future::ready(Err(
            actix_web::error::InternalError::new(said, status).into()
        ))
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

/// The status, the body and the log of a token request whose lookup fails with `status`,
/// saying `said`.
async fn fail(status: u16, said: &str) -> (StatusCode, String, String) {
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
    let app = test::init_service(
        App::new().configure(ckeditor_token_actix::configure::<Failing>(
            "/token", endpoint,
        )),
    )
    .await;
    let request = test::TestRequest::get()
        .uri("/token")
        .insert_header(("x-status", status.to_string()))
        .insert_header(("x-said", said))
        .to_request();
    let response = test::call_service(&app, request).await;
    let status = response.status();
    let body = test::read_body(response).await;
    let body = String::from_utf8(body.to_vec()).expect("UTF-8 body");
    let log = String::from_utf8(log.0.lock().expect("not poisoned").clone()).expect("log");
    (status, body, log)
}

#[actix_web::test]
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

#[actix_web::test]
async fn a_rejection_that_is_no_server_error_is_a_401_and_logs_nothing_at_info() {
    let (status, body, log) = fail(401, "please sign in").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, NO_USER_BODY);
    assert!(log.is_empty(), "{log}");
}
