//! The core's answer as an axum response.

use std::borrow::Cow;

use axum::body::{Body, Bytes};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use ckeditor_token_core::{ALLOW, CACHE_CONTROL, CONTENT_TYPE, TokenResponse, VARY};

/// Converts the core's answer into axum's response, moving the body and the header values
/// without copying them.
pub fn into_response(answer: TokenResponse) -> Response {
    let (status, headers, body) = answer.into_parts();
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    // Room for the CORS layer's headers too.
    let mut map = axum::http::HeaderMap::with_capacity(headers.len() + 4);
    for (name, value) in headers {
        match header(name, value) {
            Some((name, value)) => {
                map.insert(name, value);
            }
            None => tracing::error!(header = name, "the core produced a header axum cannot send"),
        }
    }
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    *response.headers_mut() = map;
    response
}

/// The header name and value for one header of the core's answer. The core's names and constant
/// values are converted once, when this crate is compiled; an owned value is moved.
fn header(name: &'static str, value: Cow<'static, str>) -> Option<(HeaderName, HeaderValue)> {
    const KNOWN: [(&str, HeaderName, HeaderValue); 4] = [
        (
            CONTENT_TYPE,
            header::CONTENT_TYPE,
            HeaderValue::from_static(CONTENT_TYPE),
        ),
        (
            CACHE_CONTROL,
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_CONTROL),
        ),
        (ALLOW, header::ALLOW, HeaderValue::from_static(ALLOW)),
        (VARY, header::VARY, HeaderValue::from_static(VARY)),
    ];
    if let Cow::Borrowed(text) = value
        && let Some((_, known_name, known_value)) = KNOWN
            .into_iter()
            .find(|(constant, known_name, _)| *constant == text && known_name.as_str() == name)
    {
        return Some((known_name, known_value));
    }
    let value = match value {
        Cow::Borrowed(text) => HeaderValue::from_maybe_shared(Bytes::from_static(text.as_bytes())),
        Cow::Owned(text) => HeaderValue::from_maybe_shared(Bytes::from(text)),
    };
    Some((HeaderName::from_bytes(name.as_bytes()).ok()?, value.ok()?))
}
