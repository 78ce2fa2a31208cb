//! The core's answer as an axum response.

use axum::body::Body;
use axum::response::Response;
use ckeditor_token_core::TokenResponse;

/// Converts the core's answer into axum's response, moving the body and the header values
/// without copying them. The core's `Vary: Origin` is left to tower-http's `CorsLayer`, which puts
/// its own `Vary` (with `Origin`) on every answer of the route.
pub fn into_response(answer: TokenResponse) -> Response {
    answer.without_vary().into_http().map(Body::from)
}
