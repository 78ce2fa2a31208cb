//! The core's CORS policy as warp's [`cors`](warp::cors()) filter.

use ckeditor_token_core::{AllowedOrigins, CorsPolicy};
use warp::http::{HeaderName, Method};

/// A warp CORS builder that applies `policy`: the listed origins (echoed exactly), credentials,
/// request headers and max age as the policy says, and `GET` as the only method.
///
/// The policy was checked when it was built, in the form warp's builder accepts without
/// panicking, so this never panics and never widens it.
pub fn cors_builder(policy: &CorsPolicy) -> warp::cors::Builder {
    let methods: Vec<Method> = policy
        .allowed_methods()
        .iter()
        .filter_map(|method| Method::from_bytes(method.as_bytes()).ok())
        .collect();
    let headers: Vec<HeaderName> = policy
        .allowed_headers()
        .iter()
        .filter_map(|name| HeaderName::from_bytes(name.as_bytes()).ok())
        .collect();

    let builder = warp::cors()
        .allow_methods(methods)
        .allow_headers(headers)
        .allow_credentials(policy.allows_credentials());
    let builder = match policy.origins() {
        AllowedOrigins::Any => builder.allow_any_origin(),
        AllowedOrigins::List(origins) => builder.allow_origins(origins.iter().map(String::as_str)),
    };
    match policy.max_age() {
        Some(age) => builder.max_age(age),
        None => builder,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_origin_the_core_accepts_is_accepted_by_warp() {
        let policy = CorsPolicy::builder()
            .allow_origins([
                "https://editor.example.test",
                "http://localhost:3000",
                "http://127.0.0.1:8080",
                "http://[::1]:8080",
                "https://xn--bcher-kva.example",
            ])
            .allow_credentials(true)
            .allow_headers(["authorization", "x-document-id", "x_odd~header"])
            .build()
            .expect("valid policy");
        let _cors = cors_builder(&policy).build();
    }
}
