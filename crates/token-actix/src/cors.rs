//! The core's CORS policy as actix-cors' [`Cors`] middleware.

use actix_cors::Cors;
use ckeditor_token_core::{AllowedOrigins, CorsPolicy};

/// A [`Cors`] middleware that applies `policy`: the listed origins echoed exactly (any origin
/// is echoed too, never sent as `*`), credentials, request headers and max age as the policy
/// says, and `GET` as the only method. Requests from other origins are served without CORS
/// headers rather than blocked, as the other adapters do.
///
/// The policy was checked when it was built, so the middleware never fails to start and never
/// widens it. Build one per worker: actix-web's middleware is not `Send`.
pub fn cors_middleware(policy: &CorsPolicy) -> Cors {
    let cors = Cors::default()
        .allowed_methods(policy.allowed_methods().iter().copied())
        .allowed_headers(policy.allowed_headers().iter().map(String::as_str))
        .block_on_origin_mismatch(false);
    let cors = match policy.origins() {
        AllowedOrigins::Any => cors.allow_any_origin(),
        AllowedOrigins::List(origins) => origins
            .iter()
            .fold(cors, |cors, origin| cors.allowed_origin(origin)),
    };
    let cors = if policy.allows_credentials() {
        cors.supports_credentials()
    } else {
        cors
    };
    let max_age = policy
        .max_age()
        .and_then(|age| usize::try_from(age.as_secs()).ok());
    cors.max_age(max_age)
}
