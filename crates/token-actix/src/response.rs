//! The core's answer as an actix-web response.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};
use ckeditor_token_core::TokenResponse;

/// Writes the core's answer as it is: status, headers, body.
pub fn into_response(answer: TokenResponse) -> HttpResponse {
    let status = StatusCode::from_u16(answer.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    for (name, value) in answer.headers() {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(name), Ok(value)) => {
                response.insert_header((name, value));
            }
            _ => tracing::error!(
                header = name,
                "the core produced a header actix-web cannot send"
            ),
        }
    }
    response.body(answer.into_body())
}
