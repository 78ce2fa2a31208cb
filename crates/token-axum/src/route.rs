//! The token route: one handler for every method, the application's extractor for `GET`.

use axum::Router;
use axum::body::{Body, HttpBody as _};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, any};
use ckeditor_token_core::{MethodDecision, TokenEndpoint, TokenUser};
use futures_util::StreamExt as _;

use crate::cors::{CorsRequestsOnly, goes_through_layer};
use crate::response::into_response;

/// A router with the token route at `path`, to [`merge`](Router::merge) into the application's
/// router or to [`nest`](Router::nest) under a prefix.
///
/// `U` is the application's user extractor; `S` is the application's router state, which `U`
/// may read.
///
/// # Panics
///
/// As [`Router::route`]: when `path` is empty or does not start with `/`.
pub fn router<U, S>(path: &str, endpoint: TokenEndpoint) -> Router<S>
where
    U: FromRequestParts<S> + TokenUser + Send + 'static,
    S: Clone + Send + Sync + 'static,
{
    Router::new().route(path, token_route::<U, S>(endpoint))
}

/// The token route as a [`MethodRouter`] for a path of the application's own router: every
/// method is answered (405 for all but `GET` and `OPTIONS`), and CORS is applied to every
/// CORS request (one with an `Origin`) through tower-http's `CorsLayer`, which also answers
/// preflights before the application's extractor could run. A request without `Origin` and an
/// `OPTIONS` that is not a preflight pass the layer by and get the core's answer as it is
/// (with `Vary: Origin` when the policy admits other origins), as through the other adapters.
///
/// A rejection of `U` becomes the core's 401, or its 500 when the rejection is a server error,
/// whose body's start goes to the log; never the rejection itself, so a redirect to a login
/// page never reaches the editor.
pub fn token_route<U, S>(endpoint: TokenEndpoint) -> MethodRouter<S>
where
    U: FromRequestParts<S> + TokenUser + Send + 'static,
    S: Clone + Send + Sync + 'static,
{
    let layer = CorsRequestsOnly::new(endpoint.cors());
    // axum clones the handler for each request and calls the clone once, so the endpoint it
    // holds moves into the answer's future without another clone.
    any(move |State(state): State<S>, request: Request| {
        let (mut parts, _body) = request.into_parts();
        async move { answer::<U, S>(&endpoint, &state, &mut parts).await }
    })
    .layer(layer)
}

/// The answer to a request with head `parts`, which the application's extractor may change;
/// the body is never read.
async fn answer<U, S>(endpoint: &TokenEndpoint, state: &S, parts: &mut Parts) -> Response
where
    U: FromRequestParts<S> + TokenUser,
    S: Send + Sync,
{
    // Decided before the extractor runs, which may change the request's head.
    let through_layer = goes_through_layer(endpoint.cors(), &parts.method, &parts.headers);
    let answer = match endpoint.on_method(parts.method.as_str()) {
        MethodDecision::Respond(answer) => answer,
        // The rejection, which need not be `Send`, becomes an answer before the next `.await`.
        MethodDecision::ResolveUser => match U::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)
        {
            Ok(user) => endpoint.for_user(&user),
            Err(rejection) => {
                let status = rejection.status();
                if status.is_server_error() {
                    let said = start_of_body(rejection.into_body()).await;
                    endpoint.user_rejected_saying(status.as_u16(), &said)
                } else {
                    endpoint.user_rejected(status.as_u16())
                }
            }
        },
    };
    if through_layer {
        into_response(answer)
    } else {
        // No CORS component saw this request, so the core's `Vary` is the only one.
        answer.into_http().map(Body::from)
    }
}

/// The start of a rejection's body, for the log: its first chunk, when the body's length is
/// known (a body held in memory, as rejections are) and not zero; nothing otherwise, so that a
/// streamed body cannot hold the answer up.
async fn start_of_body(body: Body) -> String {
    const MOST: usize = 800;
    if body.size_hint().exact().is_none_or(|len| len == 0) {
        return String::new();
    }
    match body.into_data_stream().next().await {
        Some(Ok(chunk)) => String::from_utf8_lossy(&chunk[..chunk.len().min(MOST)]).into_owned(),
        _ => String::new(),
    }
}
