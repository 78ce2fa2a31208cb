//! The token filter: the path, then CORS, then the method, then the application's user.

use std::fmt;

use ckeditor_token_core::{MethodDecision, TokenEndpoint, TokenResponse, TokenUser};
use warp::http::{HeaderValue, Method, header};
use warp::{Filter, Rejection, Reply};

use crate::cors::cors_builder;
use crate::reply::TokenReply;

/// Rejects the application's user filter when the user lookup itself failed (a database that
/// does not answer, say), so that the token route answers 500 instead of 401.
///
/// Its message goes to the log at error level and nowhere else; it must not hold secrets.
///
/// ```
/// let failure = ckeditor_token_warp::LookupFailed::new("session store timed out");
/// assert_eq!(failure.to_string(), "session store timed out");
/// let rejection = warp::reject::custom(failure);
/// # let _ = rejection;
/// # let _: Box<dyn std::error::Error> =
/// #     Box::new(ckeditor_token_warp::LookupFailed::new("an error like any other"));
/// ```
#[derive(Debug)]
pub struct LookupFailed {
    message: String,
}

impl LookupFailed {
    /// A failed lookup, described by `error` for the log.
    pub fn new(error: impl fmt::Display) -> Self {
        LookupFailed {
            message: error.to_string(),
        }
    }
}

impl fmt::Display for LookupFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for LookupFailed {}

impl warp::reject::Reject for LookupFailed {}

/// The token route at `path` (such as `warp::path!("token")`), with the application's login as
/// `user`, a filter that extracts the signed-in user.
///
/// - `GET` runs `user`: its user gets the core's answer for them; its rejection becomes the
///   core's 401, or its 500 when the rejection carries [`LookupFailed`].
/// - Other methods get the core's answer without running `user`: 405, or 200 for a plain
///   `OPTIONS`.
/// - CORS comes from warp's cors filter, configured from the endpoint's policy; it answers
///   preflights before `user` could run and adds its headers to every answer. A request that it
///   refuses (an origin or header the policy does not list) is answered as a same-origin request
///   would be, without CORS headers, so the browser blocks it and nothing leaks as a rejection.
/// - When other origins may call the route, every answer has `Vary: Origin`: the core's, and the
///   adapter's on the cors filter's preflight answers.
///
/// The route takes a request whose whole path `path` matches, as `warp::path!` would: the filter
/// ends the path after `path`, so `warp::path("token")`, which alone also matches
/// `/token/anything`, serves `/token` and `/token/` only; a filter that leaves segments for a
/// later filter (`warp::path!("token" / ..)`) matches nothing then. Requests for other paths are
/// rejected as warp's not found, untouched.
pub fn token_filter<P, F, U>(
    path: P,
    user: F,
    endpoint: TokenEndpoint,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone + Send + Sync + 'static
where
    P: Filter<Extract = (), Error = Rejection> + Clone + Send + Sync + 'static,
    F: Filter<Extract = (U,), Error = Rejection> + Clone + Send + Sync + 'static,
    U: TokenUser + Send + 'static,
{
    let cors = cors_builder(endpoint.cors()).build();
    // warp's cors filter answers preflights itself, without `Vary`: when other origins may call
    // the route, they get the core's `Vary: Origin` here. An answer that already has a `Vary`
    // keeps it, and a same-origin route's answers vary by nothing, as the core's.
    let vary = endpoint
        .cors()
        .is_cross_origin()
        .then(|| HeaderValue::from_static(ckeditor_token_core::VARY));
    let answers = by_method(user, endpoint);
    let through_cors = answers
        .clone()
        .with(cors)
        .map(move |reply| with_vary(reply, vary.as_ref()));
    // The route is the whole path: a path filter that matches a prefix (`warp::path("token")`)
    // does not make it answer `/token/anything`.
    path.and(warp::path::end()).and(through_cors.or(answers))
}

/// `reply` as a response with `vary` as its `Vary`, unless it has one or `vary` is `None`.
fn with_vary(reply: impl Reply, vary: Option<&HeaderValue>) -> warp::reply::Response {
    let mut response = reply.into_response();
    if let Some(vary) = vary {
        response
            .headers_mut()
            .entry(header::VARY)
            .or_insert_with(|| vary.clone());
    }
    response
}

/// What the route learned before answering: for `GET`, the application's user or why there is
/// none; for any other method, the method.
enum Found<U> {
    User(U),
    NoUser(Rejection),
    Method(Method),
}

/// `GET` through the user filter, every other method straight to the core. Never rejects.
///
/// warp's server clones the whole filter for every request, of any route of the application,
/// so the endpoint is held by one closure here (once in each of the two copies
/// [`token_filter`] makes): each clone of it is an atomic count that every worker shares.
fn by_method<F, U>(
    user: F,
    endpoint: TokenEndpoint,
) -> impl Filter<Extract = (TokenReply,), Error = Rejection> + Clone + Send + Sync + 'static
where
    F: Filter<Extract = (U,), Error = Rejection> + Clone + Send + Sync + 'static,
    U: TokenUser + Send + 'static,
{
    let get = warp::get().and(
        user.map(Found::User)
            .or_else(|rejection| async move { Ok::<_, Rejection>((Found::NoUser(rejection),)) }),
    );
    let other = warp::method().map(Found::Method);
    get.or(other).unify().and_then(move |found: Found<U>| {
        let answer = match found {
            Found::User(user) => Some(endpoint.for_user(&user)),
            Found::NoUser(rejection) => Some(answer_rejection(&endpoint, &rejection)),
            Found::Method(method) => match endpoint.on_method(method.as_str()) {
                MethodDecision::Respond(answer) => Some(answer),
                // Only `GET` resolves the user, and `GET` took the other branch.
                MethodDecision::ResolveUser => None,
            },
        };
        async move { answer.map(TokenReply).ok_or_else(warp::reject::not_found) }
    })
}

fn answer_rejection(endpoint: &TokenEndpoint, rejection: &Rejection) -> TokenResponse {
    match rejection.find::<LookupFailed>() {
        Some(failure) => endpoint.lookup_failed(failure),
        None => endpoint.no_user(),
    }
}
