//! The core's answer as an axum response.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use ckeditor_token_core::TokenResponse;

/// Writes the core's answer as it is: status, headers, body.
pub fn into_response(answer: TokenResponse) -> Response {
    let status = StatusCode::from_u16(answer.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut headers = axum::http::HeaderMap::with_capacity(answer.headers().len());
    for (name, value) in answer.headers() {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(name), Ok(value)) => {
                headers.insert(name, value);
            }
            _ => tracing::error!(header = name, "the core produced a header axum cannot send"),
        }
    }
    let mut response = Response::new(Body::from(answer.into_body()));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}
