//! The axum example: a demo login and the CKEditor token route at `GET /token`.
//!
//! `POST /login` (form field `user`) signs a demo user in, `POST /logout` signs out, `GET /`
//! shows who is signed in. Settings come from the environment; see the README.

use std::process::ExitCode;

use axum::Router;
use axum::extract::{Form, FromRef, FromRequestParts, State};
use axum::http::header::{COOKIE, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ckeditor_token_core::{TokenUser, UserDecision};
use ckeditor_token_demo_login::{DemoUser, LookupError, Sessions, page, runtime};

/// The app's state: the demo sessions.
#[derive(Clone)]
struct AppState {
    sessions: Sessions,
}

impl FromRef<AppState> for Sessions {
    fn from_ref(state: &AppState) -> Sessions {
        state.sessions.clone()
    }
}

/// The signed-in user, as the app's own pages and the token route see it.
struct SignedIn(DemoUser);

/// Why there is no signed-in user: the app's pages send people to the home page to sign in.
enum NotSignedIn {
    NoSession,
    LookupFailed(LookupError),
}

impl IntoResponse for NotSignedIn {
    fn into_response(self) -> Response {
        match self {
            NotSignedIn::NoSession => Redirect::to("/").into_response(),
            NotSignedIn::LookupFailed(error) => {
                tracing::error!(%error, "user lookup failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "user lookup failed").into_response()
            }
        }
    }
}

impl<S> FromRequestParts<S> for SignedIn
where
    Sessions: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = NotSignedIn;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, NotSignedIn> {
        let cookie = parts
            .headers
            .get(COOKIE)
            .and_then(|value| value.to_str().ok());
        match Sessions::from_ref(state).current(cookie) {
            Ok(Some(user)) => Ok(SignedIn(user)),
            Ok(None) => Err(NotSignedIn::NoSession),
            Err(error) => Err(NotSignedIn::LookupFailed(error)),
        }
    }
}

impl TokenUser for SignedIn {
    fn token_decision(&self) -> UserDecision {
        self.0.token_decision()
    }
}

#[derive(serde::Deserialize)]
struct LoginForm {
    user: String,
}

async fn home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let cookie = headers.get(COOKIE).and_then(|value| value.to_str().ok());
    match state.sessions.current(cookie) {
        Ok(user) => Html(page::home(user.as_ref())).into_response(),
        Err(error) => NotSignedIn::LookupFailed(error).into_response(),
    }
}

async fn login(State(state): State<AppState>, Form(form): Form<LoginForm>) -> Response {
    match state.sessions.sign_in(&form.user) {
        Ok(Ok(set_cookie)) => (
            StatusCode::SEE_OTHER,
            [(LOCATION, "/".to_owned()), (SET_COOKIE, set_cookie)],
        )
            .into_response(),
        Ok(Err(unknown)) => (StatusCode::BAD_REQUEST, unknown.to_string()).into_response(),
        Err(error) => NotSignedIn::LookupFailed(error).into_response(),
    }
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let cookie = headers.get(COOKIE).and_then(|value| value.to_str().ok());
    let clear = state.sessions.sign_out(cookie);
    (
        StatusCode::SEE_OTHER,
        [(LOCATION, "/"), (SET_COOKIE, clear)],
    )
        .into_response()
}

fn main() -> ExitCode {
    let (config, endpoint) = match runtime::start() {
        Ok(started) => started,
        Err(refused) => return refused,
    };

    let state = AppState {
        sessions: Sessions::new(),
    };
    let app = Router::new()
        .route("/", get(home))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .merge(ckeditor_token_axum::router::<SignedIn, AppState>(
            "/token", endpoint,
        ))
        .with_state(state);

    // Served with a header timeout (`runtime::serve_http1`): `axum::serve` has none.
    runtime::run(config.listen, |listener| async move {
        runtime::serve_http1(listener, config.header_timeout, app).await;
        Ok(())
    })
}
