//! The axum example: a demo login and the CKEditor token route at `GET /token`.
//!
//! `POST /login` (form field `user`) signs a demo user in, `POST /logout` signs out, `GET /`
//! shows who is signed in. Settings come from the environment; see the README.

use std::process::ExitCode;

use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{DefaultBodyLimit, Form, FromRef, FromRequestParts, State};
use axum::http::header::{COOKIE, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
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
        match Sessions::from_ref(state).current(cookies(&parts.headers)) {
            Ok(Some(user)) => Ok(SignedIn(user)),
            Ok(None) => Err(NotSignedIn::NoSession),
            Err(error) => Err(NotSignedIn::LookupFailed(error)),
        }
    }
}

/// The values of the request's `Cookie` headers, as the demo sessions read them.
fn cookies(headers: &HeaderMap) -> impl Iterator<Item = &[u8]> {
    headers.get_all(COOKIE).iter().map(HeaderValue::as_bytes)
}

impl TokenUser for SignedIn {
    fn token_decision(&self) -> UserDecision {
        self.0.token_decision()
    }
}

/// The largest login form accepted, in bytes, as actix-web's form extractor allows.
const LOGIN_FORM_LIMIT: usize = 16 * 1024;

#[derive(serde::Deserialize)]
struct LoginForm {
    user: String,
}

async fn home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match state.sessions.current(cookies(&headers)) {
        Ok(user) => Html(page::home(user.as_ref())).into_response(),
        Err(error) => NotSignedIn::LookupFailed(error).into_response(),
    }
}

async fn login(
    State(state): State<AppState>,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let form = match form {
        Ok(Form(form)) => form,
        // axum answers a form it cannot read into `LoginForm` with 422; the client sent it
        // wrong, which the other examples answer with 400.
        Err(FormRejection::FailedToDeserializeFormBody(wrong)) => {
            return (StatusCode::BAD_REQUEST, wrong.body_text()).into_response();
        }
        Err(refused) => return refused.into_response(),
    };
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
    let clear = state.sessions.sign_out(cookies(&headers));
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
        .route(
            "/login",
            post(login).layer(DefaultBodyLimit::max(LOGIN_FORM_LIMIT)),
        )
        .route("/logout", post(logout))
        .merge(ckeditor_token_axum::router::<SignedIn, AppState>(
            "/token", endpoint,
        ))
        .with_state(state);

    // Served with a header timeout (`runtime::serve_http1`): `axum::serve` has none.
    runtime::run(config.listen, |listener, shutdown| async move {
        runtime::serve_http1(listener, config.header_timeout, shutdown, app).await;
        Ok(())
    })
}
