//! The core's answer as a warp reply.

use ckeditor_token_core::TokenResponse;
use warp::http::{HeaderName, HeaderValue, StatusCode};
use warp::reply::{Reply, Response};

/// The core's answer, written as it is: status, headers, body.
#[derive(Debug)]
pub struct TokenReply(pub TokenResponse);

impl Reply for TokenReply {
    fn into_response(self) -> Response {
        let answer = self.0;
        let status =
            StatusCode::from_u16(answer.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut headers = warp::http::HeaderMap::with_capacity(answer.headers().len());
        for (name, value) in answer.headers() {
            match (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                (Ok(name), Ok(value)) => {
                    headers.insert(name, value);
                }
                _ => tracing::error!(header = name, "the core produced a header warp cannot send"),
            }
        }
        let mut response = Response::new(answer.into_body().into());
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        response
    }
}
