//! The warp example: a demo login and the CKEditor token route at `GET /token`.
//!
//! `POST /login` (form field `user`) signs a demo user in, `POST /logout` signs out, `GET /`
//! shows who is signed in. Settings come from the environment; see the README.

use std::convert::Infallible;
use std::process::ExitCode;

use ckeditor_token_core::{TokenUser, UserDecision};
use ckeditor_token_demo_login::{DemoUser, Sessions, page, runtime};
use ckeditor_token_warp::LookupFailed;
use warp::http::StatusCode;
use warp::http::header::{COOKIE, LOCATION, SET_COOKIE};
use warp::http::{HeaderMap, HeaderValue};
use warp::{Filter, Rejection, Reply};

/// The signed-in user, as the app's own pages and the token route see it.
struct SignedIn(DemoUser);

impl TokenUser for SignedIn {
    fn token_decision(&self) -> UserDecision {
        self.0.token_decision()
    }
}

/// The request had no session, or one that has ended.
#[derive(Debug)]
struct NotSignedIn;

impl warp::reject::Reject for NotSignedIn {}

/// The largest login form accepted, in bytes, as actix-web's form extractor allows.
const LOGIN_FORM_LIMIT: u64 = 16 * 1024;

fn with_sessions(
    sessions: Sessions,
) -> impl Filter<Extract = (Sessions,), Error = Infallible> + Clone {
    warp::any().map(move || sessions.clone())
}

/// The values of the request's `Cookie` headers, as the demo sessions read them.
fn cookies(headers: &HeaderMap) -> impl Iterator<Item = &[u8]> {
    headers.get_all(COOKIE).iter().map(HeaderValue::as_bytes)
}

/// The user behind the request's session cookie: rejects with [`NotSignedIn`] without one and
/// with [`LookupFailed`] when the profile cannot be loaded.
fn signed_in(sessions: Sessions) -> impl Filter<Extract = (SignedIn,), Error = Rejection> + Clone {
    warp::header::headers_cloned()
        .and(with_sessions(sessions))
        .and_then(|headers: HeaderMap, sessions: Sessions| async move {
            match sessions.current(cookies(&headers)) {
                Ok(Some(user)) => Ok(SignedIn(user)),
                Ok(None) => Err(warp::reject::custom(NotSignedIn)),
                Err(error) => Err(warp::reject::custom(LookupFailed::new(error))),
            }
        })
}

#[derive(serde::Deserialize)]
struct LoginForm {
    user: String,
}

fn see_home(set_cookie: &str) -> warp::reply::Response {
    let reply = warp::reply::with_header(warp::reply(), LOCATION, "/");
    let reply = warp::reply::with_header(reply, SET_COOKIE, set_cookie);
    warp::reply::with_status(reply, StatusCode::SEE_OTHER).into_response()
}

fn routes(
    sessions: Sessions,
    endpoint: ckeditor_token_core::TokenEndpoint,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let home = warp::path::end()
        .and(warp::get())
        .and(warp::header::headers_cloned())
        .and(with_sessions(sessions.clone()))
        .map(
            |headers: HeaderMap, sessions: Sessions| match sessions.current(cookies(&headers)) {
                Ok(user) => warp::reply::html(page::home(user.as_ref())).into_response(),
                Err(error) => {
                    tracing::error!(%error, "user lookup failed");
                    warp::reply::with_status(
                        "user lookup failed",
                        StatusCode::INTERNAL_SERVER_ERROR,
                    )
                    .into_response()
                }
            },
        );
    let login = warp::path!("login")
        .and(warp::post())
        // A login form is a few bytes; warp's form filter has no limit of its own.
        .and(warp::body::content_length_limit(LOGIN_FORM_LIMIT))
        .and(warp::body::form())
        .and(with_sessions(sessions.clone()))
        .map(
            |form: LoginForm, sessions: Sessions| match sessions.sign_in(&form.user) {
                Ok(Ok(set_cookie)) => see_home(&set_cookie),
                Ok(Err(unknown)) => {
                    warp::reply::with_status(unknown.to_string(), StatusCode::BAD_REQUEST)
                        .into_response()
                }
                Err(error) => {
                    tracing::error!(%error, "sign-in failed");
                    warp::reply::with_status("sign-in failed", StatusCode::INTERNAL_SERVER_ERROR)
                        .into_response()
                }
            },
        );
    let logout = warp::path!("logout")
        .and(warp::post())
        .and(warp::header::headers_cloned())
        .and(with_sessions(sessions.clone()))
        .map(|headers: HeaderMap, sessions: Sessions| {
            see_home(sessions.sign_out(cookies(&headers)))
        });
    let token =
        ckeditor_token_warp::token_filter(warp::path!("token"), signed_in(sessions), endpoint);

    token.or(home).or(login).or(logout)
}

fn main() -> ExitCode {
    let (config, endpoint) = match runtime::start() {
        Ok(started) => started,
        Err(refused) => return refused,
    };

    // Served with a header timeout (`runtime::serve_http1`): `warp::serve` has none.
    let service = warp::service(routes(Sessions::new(), endpoint));
    runtime::run(config.listen, |listener, shutdown| async move {
        runtime::serve_http1(listener, config.header_timeout, shutdown, service).await;
        Ok(())
    })
}
