//! The core's CORS policy as tower-http's [`CorsLayer`].

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderName, Method, header};
use ckeditor_token_core::{AllowedOrigins, CorsPolicy};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// A [`CorsLayer`] that applies `policy`: the listed origins echoed exactly (any origin is
/// echoed too, never sent as `*`), credentials, request headers and max age as the policy says,
/// and `GET` as the only method.
///
/// The policy was checked when it was built, so this never panics and never widens it.
pub fn cors_layer(policy: &CorsPolicy) -> CorsLayer {
    // A listed origin is checked against the shared policy: axum clones a route's layers for
    // every request, and a predicate clones as one reference count where a list is copied.
    let origins = match policy.origins() {
        AllowedOrigins::Any => AllowOrigin::mirror_request(),
        AllowedOrigins::List(_) => {
            let policy = Arc::new(policy.clone());
            AllowOrigin::predicate(move |origin, _| {
                origin
                    .to_str()
                    .is_ok_and(|origin| policy.allows_origin(origin))
            })
        }
    };
    let headers: Vec<HeaderName> = policy
        .allowed_headers()
        .iter()
        .filter_map(|name| HeaderName::from_bytes(name.as_bytes()).ok())
        .collect();
    let methods: Vec<Method> = policy
        .allowed_methods()
        .iter()
        .filter_map(|method| Method::from_bytes(method.as_bytes()).ok())
        .collect();

    // `Vary: origin` on every answer, set here rather than left to the layer's own reckoning,
    // because the adapter leaves `Vary` to the layer (`TokenResponse::without_vary`).
    let layer = CorsLayer::new()
        .allow_origin(origins)
        .allow_methods(methods)
        .allow_headers(headers)
        .allow_credentials(policy.allows_credentials())
        .vary([header::ORIGIN]);
    match policy.max_age() {
        Some(age) => layer.max_age(Duration::from_secs(age.as_secs())),
        None => layer,
    }
}
