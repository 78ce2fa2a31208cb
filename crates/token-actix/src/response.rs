//! The core's answer as an actix-web response.

use std::borrow::Cow;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::web::Bytes;
use ckeditor_token_core::{
    ALLOW, CACHE_CONTROL, CONTENT_TYPE, ConstantHeader, TokenResponse, VARY,
};

/// Converts the core's answer into actix-web's response, moving the body and the header values
/// without copying them, for a request that goes through actix-cors: the core's `Vary: Origin`
/// is left out, since actix-cors puts its own `Vary` (with `Origin`) on every answer it sees.
pub fn into_response(answer: TokenResponse) -> HttpResponse {
    response_of(answer.without_vary())
}

/// The core's answer as it is, `Vary` included, for a request actix-cors did not see.
pub(crate) fn response_of(answer: TokenResponse) -> HttpResponse {
    let (status, headers, body) = answer.into_parts();
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    for (name, value) in headers {
        match header(name, value) {
            Some((name, value)) => {
                response.insert_header((name, value));
            }
            None => tracing::error!(
                header = name,
                "the core produced a header actix-web cannot send"
            ),
        }
    }
    response.body(body)
}

/// The header name and value for one header of the core's answer. The core's constant headers
/// are converted once, when this crate is compiled; an owned value is moved.
fn header(name: &'static str, value: Cow<'static, str>) -> Option<(HeaderName, HeaderValue)> {
    const KNOWN_CONTENT_TYPE: HeaderValue = HeaderValue::from_static(CONTENT_TYPE);
    const KNOWN_CACHE_CONTROL: HeaderValue = HeaderValue::from_static(CACHE_CONTROL);
    const KNOWN_ALLOW: HeaderValue = HeaderValue::from_static(ALLOW);
    const KNOWN_VARY: HeaderValue = HeaderValue::from_static(VARY);
    let known = match ConstantHeader::of(name, &value) {
        Some(ConstantHeader::ContentType) => Some((header::CONTENT_TYPE, KNOWN_CONTENT_TYPE)),
        Some(ConstantHeader::CacheControl) => Some((header::CACHE_CONTROL, KNOWN_CACHE_CONTROL)),
        Some(ConstantHeader::Allow) => Some((header::ALLOW, KNOWN_ALLOW)),
        Some(ConstantHeader::Vary) => Some((header::VARY, KNOWN_VARY)),
        // Not a constant, or one added to the core later: converted as it comes.
        _ => None,
    };
    if known.is_some() {
        return known;
    }
    let value = match value {
        Cow::Borrowed(text) => HeaderValue::from_maybe_shared(Bytes::from_static(text.as_bytes())),
        Cow::Owned(text) => HeaderValue::from_maybe_shared(Bytes::from(text)),
    };
    Some((HeaderName::from_bytes(name.as_bytes()).ok()?, value.ok()?))
}
