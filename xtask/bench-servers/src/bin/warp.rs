//! The warp benchmark server: the adapter's token filter at `/token` behind the app's session
//! login, `GET /hello`, and the control route `GET /sign` (see the crate's documentation), on
//! warp's and tokio's default settings.

use std::process::ExitCode;
use std::sync::Arc;

use ckeditor_token_bench_servers::login::{Account, SessionStore};
use ckeditor_token_bench_servers::{HELLO, Setup};
use ckeditor_token_core::{TokenUser, UserDecision};
use ckeditor_token_demo_login::runtime;
use warp::http::StatusCode;
use warp::{Filter, Rejection};

/// The signed-in account, as the app's handlers see it.
struct SignedIn(Arc<Account>);

impl TokenUser for SignedIn {
    fn token_decision(&self) -> UserDecision {
        self.0.token_decision()
    }
}

/// The request has no session, or one the store does not know.
#[derive(Debug)]
struct NotSignedIn;

impl warp::reject::Reject for NotSignedIn {}

/// The account behind the request's session cookie; rejects with [`NotSignedIn`] without one.
fn signed_in(
    sessions: SessionStore,
) -> impl Filter<Extract = (SignedIn,), Error = Rejection> + Clone {
    warp::header::optional::<String>("cookie").and_then(move |cookie: Option<String>| {
        let account = sessions.signed_in(cookie.as_deref());
        async move {
            account
                .map(SignedIn)
                .ok_or_else(|| warp::reject::custom(NotSignedIn))
        }
    })
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

    let hello = warp::path!("hello").and(warp::get()).map(|| HELLO);
    let sign = warp::path!("sign")
        .and(warp::get())
        .map(move || match control_signer.sign() {
            Ok(token) => warp::reply::with_status(token, StatusCode::OK),
            Err(error) => warp::reply::with_status(error, StatusCode::INTERNAL_SERVER_ERROR),
        });
    let token =
        ckeditor_token_warp::token_filter(warp::path!("token"), signed_in(sessions), endpoint);
    let routes = hello.or(sign).or(token);

    runtime::run(config.listen, |listener, shutdown| async move {
        warp::serve(routes)
            .incoming(listener)
            .graceful(shutdown)
            .run()
            .await;
        Ok(())
    })
}
