//! The core's answer as an axum response.

use std::borrow::Cow;

use axum::body::{Body, Bytes};
use axum::http::header::InvalidHeaderValue;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use ckeditor_token_core::TokenResponse;

/// Converts the core's answer into axum's response, moving the body and the header values
/// without copying them.
pub fn into_response(answer: TokenResponse) -> Response {
    let (status, headers, body) = answer.into_parts();
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    // Room for the CORS layer's headers too.
    let mut map = axum::http::HeaderMap::with_capacity(headers.len() + 4);
    for (name, value) in headers {
        match (HeaderName::from_bytes(name.as_bytes()), header_value(value)) {
            (Ok(name), Ok(value)) => {
                map.insert(name, value);
            }
            _ => tracing::error!(header = name, "the core produced a header axum cannot send"),
        }
    }
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    *response.headers_mut() = map;
    response
}

/// A header value from the core: a constant is used in place, an owned value is moved.
fn header_value(value: Cow<'static, str>) -> Result<HeaderValue, InvalidHeaderValue> {
    match value {
        Cow::Borrowed(text) => HeaderValue::from_maybe_shared(Bytes::from_static(text.as_bytes())),
        Cow::Owned(text) => HeaderValue::from_maybe_shared(Bytes::from(text)),
    }
}
