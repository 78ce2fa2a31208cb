//! The axum benchmark server: the adapter's token route at `/token` behind the app's session
//! login, `GET /hello`, and the control route `GET /sign` (see the crate's documentation), on
//! axum's and tokio's default settings.

use std::process::ExitCode;
use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::StatusCode;
use axum::http::header::COOKIE;
use axum::http::request::Parts;
use axum::routing::get;
use ckeditor_token_bench_servers::login::{Account, SessionStore};
use ckeditor_token_bench_servers::{HELLO, Setup};
use ckeditor_token_core::{TokenUser, UserDecision};
use ckeditor_token_demo_login::runtime;

/// The signed-in account, as the app's handlers see it.
struct SignedIn(Arc<Account>);

impl<S> FromRequestParts<S> for SignedIn
where
    SessionStore: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let cookie = parts
            .headers
            .get(COOKIE)
            .and_then(|value| value.to_str().ok());
        SessionStore::from_ref(state)
            .signed_in(cookie)
            .map(SignedIn)
            .ok_or((StatusCode::UNAUTHORIZED, "not signed in"))
    }
}

impl TokenUser for SignedIn {
    fn token_decision(&self) -> UserDecision {
        self.0.token_decision()
    }
}

fn main() -> ExitCode {
    let Some(Setup {
        config,
        endpoint,
        sessions,
        control_signer,
    }) = Setup::from_env()
    else {
        return ExitCode::FAILURE;
    };

    let app = Router::new()
        .route("/hello", get(|| async { HELLO }))
        .route(
            "/sign",
            get(move || {
                let answer = match control_signer.sign() {
                    Ok(token) => (StatusCode::OK, token),
                    Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error),
                };
                async move { answer }
            }),
        )
        .merge(ckeditor_token_axum::router::<SignedIn, SessionStore>(
            "/token", endpoint,
        ))
        .with_state(sessions);

    runtime::run(config.listen, |listener, shutdown| async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
    })
}
