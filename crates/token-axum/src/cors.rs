//! The core's CORS policy as tower-http's [`CorsLayer`].

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use ckeditor_token_core::{AllowedOrigins, CorsPolicy};
use tower_http::cors::{AllowCredentials, AllowOrigin, CorsLayer};

/// A [`CorsLayer`] that applies `policy`: the listed origins echoed exactly (any origin is
/// echoed too, never sent as `*`), credentials, request headers and max age as the policy says,
/// and `GET` as the only method. `Access-Control-Allow-Credentials` goes only to an origin the
/// policy admits, beside its `Access-Control-Allow-Origin`.
///
/// The policy was checked when it was built, so this never panics and never widens it.
pub fn cors_layer(policy: &CorsPolicy) -> CorsLayer {
    // Origins are checked against the shared policy: the token route builds the layer's service
    // for every CORS request, which copies the layer's settings, and a predicate copies as one
    // reference count where a list is copied whole.
    let shared = Arc::new(policy.clone());
    let admits = move |origin: &HeaderValue| {
        origin
            .to_str()
            .is_ok_and(|origin| shared.allows_origin(origin))
    };
    let origins = match policy.origins() {
        AllowedOrigins::Any => AllowOrigin::mirror_request(),
        AllowedOrigins::List(_) => {
            let admits = admits.clone();
            AllowOrigin::predicate(move |origin, _| admits(origin))
        }
    };
    // The layer's own `true` would go on every answer, to other origins too.
    let credentials = if policy.allows_credentials() {
        AllowCredentials::predicate(move |origin, _| admits(origin))
    } else {
        AllowCredentials::default()
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

    // On the requests that go through this layer, the adapter leaves `Vary` to it
    // (`TokenResponse::without_vary`), so `origin` is named here: the layer would work it out
    // for this policy, but a change in how it does must not drop it. Methods and request
    // headers are fixed lists, so they do not vary.
    let layer = CorsLayer::new()
        .allow_origin(origins)
        .allow_methods(methods)
        .allow_headers(headers)
        .allow_credentials(credentials)
        .vary([header::ORIGIN]);
    match policy.max_age() {
        Some(age) => layer.max_age(Duration::from_secs(age.as_secs())),
        None => layer,
    }
}

/// Whether a request with this method and these headers goes through tower-http's layer, as
/// the core's [`CorsPolicy::is_component_request`] decides for `policy`. Of the others, a
/// request without `Origin` would get only `Vary` from the layer, which the core's answer has; a
/// request with `Origin` to a route that admits no other origin would get the layer's `Vary`,
/// although no answer depends on it; and a plain `OPTIONS` would be answered by the layer as a
/// preflight.
pub(crate) fn goes_through_layer(
    policy: &CorsPolicy,
    method: &Method,
    headers: &HeaderMap,
) -> bool {
    policy.is_component_request(
        method.as_str(),
        headers.contains_key(header::ORIGIN),
        || {
            headers
                .get(header::ACCESS_CONTROL_REQUEST_METHOD)
                .map(HeaderValue::as_bytes)
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(method: Method, names: &[HeaderName]) -> (Method, HeaderMap) {
        let mut headers = HeaderMap::new();
        for name in names {
            headers.insert(name, HeaderValue::from_static("x"));
        }
        (method, headers)
    }

    #[test]
    fn only_cors_requests_that_are_not_plain_options_go_through_the_layer() {
        use header::{ACCESS_CONTROL_REQUEST_METHOD as REQUEST_METHOD, ORIGIN};
        let policy = CorsPolicy::builder()
            .allow_origin("https://editor.example.test")
            .build()
            .expect("valid policy");
        let same_origin = CorsPolicy::default();
        let cases = [
            (Method::GET, vec![ORIGIN], true),
            (Method::POST, vec![ORIGIN], true),
            (Method::OPTIONS, vec![ORIGIN, REQUEST_METHOD], true),
            (Method::OPTIONS, vec![ORIGIN], false),
            (Method::OPTIONS, vec![REQUEST_METHOD], false),
            (Method::GET, vec![], false),
            (Method::GET, vec![header::COOKIE], false),
        ];
        for (method, names, expected) in cases {
            let (method, headers) = head(method, &names);
            assert_eq!(
                goes_through_layer(&policy, &method, &headers),
                expected,
                "{method} with {names:?}"
            );
            assert!(
                !goes_through_layer(&same_origin, &method, &headers),
                "{method} with {names:?} to a same-origin route"
            );
        }
    }
}
