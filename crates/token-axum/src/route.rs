//! The token route: one handler for every method, the application's extractor for `GET`.

use std::cell::Cell;
use std::convert::Infallible;
use std::fmt;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, any};
use ckeditor_token_core::{MethodDecision, TokenEndpoint, TokenResponse, TokenUser};
use futures_util::{FutureExt as _, StreamExt as _};
use tower::{ServiceExt as _, service_fn};
use tower_http::cors::CorsLayer;
use tower_layer::Layer as _;

use crate::cors::{cors_layer, goes_through_layer};
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
/// A rejection of `U` becomes the core's 401, or its 500 when the rejection is a server error;
/// never the rejection itself, so a redirect to a login page never reaches the editor. A server
/// error's body, if it is ready, goes to the log at error level (its first 200 characters), so
/// it must not hold secrets or the caller's cookies.
pub fn token_route<U, S>(endpoint: TokenEndpoint) -> MethodRouter<S>
where
    U: FromRequestParts<S> + TokenUser + Send + 'static,
    S: Clone + Send + Sync + 'static,
{
    let layer = Arc::new(cors_layer(endpoint.cors()));
    // axum clones the handler for each request and calls the clone once, so what it holds moves
    // into the answer's future without another clone. The layer is put around the answer only
    // for a request that goes through it; every other request is answered as it is, without
    // the layer's service or a layer around the route, each of which axum would box and clone.
    any(move |State(state): State<S>, request: Request| async move {
        if goes_through_layer(endpoint.cors(), request.method(), request.headers()) {
            through_layer::<U, S>(&layer, &endpoint, &state, request).await
        } else {
            let (mut parts, _body) = request.into_parts();
            let answer = answer::<U, S>(&endpoint, &state, &mut parts).await;
            // No CORS component saw this request, so the core's `Vary` is the only one.
            answer.into_http().map(Body::from)
        }
    })
}

/// The answer to a CORS request, through tower-http's service for `layer`: a preflight is
/// answered by the service alone, any other request gets the core's answer with the service's
/// headers.
async fn through_layer<U, S>(
    layer: &CorsLayer,
    endpoint: &TokenEndpoint,
    state: &S,
    request: Request,
) -> Response
where
    U: FromRequestParts<S> + TokenUser,
    S: Send + Sync,
{
    let route = service_fn(|request: Request| async move {
        let (mut parts, _body) = request.into_parts();
        let answer = answer::<U, S>(endpoint, state, &mut parts).await;
        Ok::<_, Infallible>(into_response(answer))
    });
    // tower-http panics as it builds the service when credentials are allowed outright beside a
    // wildcard; `cors_layer` allows them by a predicate, only to the origins the policy admits.
    match layer.layer(route).oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// The core's answer to a request with head `parts`, which the application's extractor may
/// change; the body is never read.
async fn answer<U, S>(endpoint: &TokenEndpoint, state: &S, parts: &mut Parts) -> TokenResponse
where
    U: FromRequestParts<S> + TokenUser,
    S: Send + Sync,
{
    match endpoint.on_method(parts.method.as_str()) {
        MethodDecision::Respond(answer) => answer,
        MethodDecision::ResolveUser => match U::from_request_parts(parts, state).await {
            Ok(user) => endpoint.for_user(&user),
            Err(rejection) => {
                let (head, body) = rejection.into_response().into_parts();
                let said = StartOfBody(Cell::new(Some(body)));
                endpoint.user_rejected_saying(head.status.as_u16(), &said)
            }
        },
    }
}

/// What a rejection's body says, read when the core writes it to the log, which it does for a
/// server error only: the body's first chunk if it is ready then, as a body held in memory is;
/// nothing otherwise, so that a body still on its way (one forwarded from another server, say)
/// cannot hold the answer up. The body is taken by the first write.
struct StartOfBody(Cell<Option<Body>>);

impl fmt::Display for StartOfBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(body) = self.0.take() else {
            return Ok(());
        };
        match body.into_data_stream().next().now_or_never() {
            Some(Some(Ok(chunk))) => f.write_str(&String::from_utf8_lossy(&chunk)),
            _ => Ok(()),
        }
    }
}
