//! The core's answer as an actix-web response.

use std::borrow::Cow;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue, InvalidHeaderValue};
use actix_web::web::Bytes;
use ckeditor_token_core::TokenResponse;

/// Converts the core's answer into actix-web's response, moving the body and the header values
/// without copying them.
pub fn into_response(answer: TokenResponse) -> HttpResponse {
    let (status, headers, body) = answer.into_parts();
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    for (name, value) in headers {
        match (HeaderName::from_bytes(name.as_bytes()), header_value(value)) {
            (Ok(name), Ok(value)) => {
                response.insert_header((name, value));
            }
            _ => tracing::error!(
                header = name,
                "the core produced a header actix-web cannot send"
            ),
        }
    }
    response.body(body)
}

/// A header value from the core: a constant is used in place, an owned value is moved.
fn header_value(value: Cow<'static, str>) -> Result<HeaderValue, InvalidHeaderValue> {
    match value {
        Cow::Borrowed(text) => HeaderValue::from_maybe_shared(Bytes::from_static(text.as_bytes())),
        Cow::Owned(text) => HeaderValue::from_maybe_shared(Bytes::from(text)),
    }
}
