//! The core's answer as an actix-web response.

use std::borrow::Cow;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::web::Bytes;
use ckeditor_token_core::{ALLOW, CACHE_CONTROL, CONTENT_TYPE, TokenResponse, VARY};

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
