//! The core's answer as an axum response.

use axum::body::Body;
use axum::response::Response;
use ckeditor_token_core::TokenResponse;

/// Converts the core's answer into axum's response, moving the body and the header values
/// without copying them, for a request that goes through tower-http's `CorsLayer`: the core's
/// `Vary: Origin` is left out, since the layer puts its own `Vary` (with `Origin`) on every
/// answer it sees.
pub fn into_response(answer: TokenResponse) -> Response {
    answer.without_vary().into_http().map(Body::from)
}
