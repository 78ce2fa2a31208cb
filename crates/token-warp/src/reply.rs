//! The core's answer as a warp reply.

use std::borrow::Cow;

use bytes::Bytes;
use ckeditor_token_core::TokenResponse;
use warp::http::header::InvalidHeaderValue;
use warp::http::{HeaderName, HeaderValue, StatusCode};
use warp::reply::{Reply, Response};

/// The core's answer, written as it is: status, headers, body.
#[derive(Debug)]
pub struct TokenReply(pub TokenResponse);

impl Reply for TokenReply {
    fn into_response(self) -> Response {
        let (status, headers, body) = self.0.into_parts();
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut map = warp::http::HeaderMap::with_capacity(headers.len());
        for (name, value) in headers {
            match (HeaderName::from_bytes(name.as_bytes()), header_value(value)) {
                (Ok(name), Ok(value)) => {
                    map.insert(name, value);
                }
                _ => tracing::error!(header = name, "the core produced a header warp cannot send"),
            }
        }
        let mut response = Response::new(body.into());
        *response.status_mut() = status;
        *response.headers_mut() = map;
        response
    }
}

/// A header value from the core: a constant is used in place, an owned value is moved.
fn header_value(value: Cow<'static, str>) -> Result<HeaderValue, InvalidHeaderValue> {
    match value {
        Cow::Borrowed(text) => HeaderValue::from_maybe_shared(Bytes::from_static(text.as_bytes())),
        Cow::Owned(text) => HeaderValue::from_maybe_shared(Bytes::from(text)),
    }
}
