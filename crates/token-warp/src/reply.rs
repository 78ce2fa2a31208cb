//! The core's answer as a warp reply.

use std::borrow::Cow;

use bytes::Bytes;
use ckeditor_token_core::{ALLOW, CACHE_CONTROL, CONTENT_TYPE, TokenResponse, VARY};
use warp::http::{HeaderName, HeaderValue, StatusCode, header};
use warp::reply::{Reply, Response};

/// The core's answer, written as it is: status, headers, body.
#[derive(Debug)]
pub struct TokenReply(pub TokenResponse);

impl Reply for TokenReply {
    fn into_response(self) -> Response {
        let (status, headers, body) = self.0.into_parts();
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        // Room for the CORS filter's headers too.
        let mut map = warp::http::HeaderMap::with_capacity(headers.len() + 4);
        for (name, value) in headers {
            match header(name, value) {
                Some((name, value)) => {
                    map.insert(name, value);
                }
                None => {
                    tracing::error!(header = name, "the core produced a header warp cannot send");
                }
            }
        }
        let mut response = Response::new(body.into());
        *response.status_mut() = status;
        *response.headers_mut() = map;
        response
    }
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
