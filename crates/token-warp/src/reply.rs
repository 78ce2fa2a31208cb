//! The core's answer as a warp reply.

use ckeditor_token_core::TokenResponse;
use warp::reply::{Reply, Response};

/// The core's answer, written as it is: status, headers, body.
#[derive(Debug)]
pub struct TokenReply(pub TokenResponse);

impl Reply for TokenReply {
    fn into_response(self) -> Response {
        self.0.into_http().map(Into::into)
    }
}
