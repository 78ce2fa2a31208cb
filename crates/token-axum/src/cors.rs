//! The core's CORS policy as tower-http's [`CorsLayer`].

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, header};
use ckeditor_token_core::{AllowedOrigins, CorsPolicy};
use futures_util::future::Either;
use tower_http::cors::{self, AllowCredentials, AllowOrigin, Cors, CorsLayer};
use tower_layer::Layer;
use tower_service::Service;

/// A [`CorsLayer`] that applies `policy`: the listed origins echoed exactly (any origin is
/// echoed too, never sent as `*`), credentials, request headers and max age as the policy says,
/// and `GET` as the only method. `Access-Control-Allow-Credentials` goes only to an origin the
/// policy admits, beside its `Access-Control-Allow-Origin`.
///
/// The policy was checked when it was built, so this never panics and never widens it.
pub fn cors_layer(policy: &CorsPolicy) -> CorsLayer {
    // Origins are checked against the shared policy: axum clones a route's layers for
    // every request, and a predicate clones as one reference count where a list is copied.
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
        || headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD),
    )
}

/// A CORS layer for `policy`'s CORS requests only (see [`goes_through_layer`]).
#[derive(Debug, Clone)]
pub(crate) struct CorsRequestsOnly {
    component: Arc<Component>,
}

impl CorsRequestsOnly {
    /// `policy` as tower-http's layer, for the requests that go through it.
    pub(crate) fn new(policy: &CorsPolicy) -> CorsRequestsOnly {
        let component = Component {
            layer: cors_layer(policy),
            policy: policy.clone(),
        };
        CorsRequestsOnly {
            component: Arc::new(component),
        }
    }
}

/// tower-http's layer and the policy that decides which requests go through it.
#[derive(Debug)]
struct Component {
    layer: CorsLayer,
    policy: CorsPolicy,
}

impl<S> Layer<S> for CorsRequestsOnly {
    type Service = CorsRequestsOnlyService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CorsRequestsOnlyService {
            component: Arc::clone(&self.component),
            inner,
        }
    }
}

/// The service of [`CorsRequestsOnly`]: the route, and the layer to put around it for a CORS
/// request. axum clones a route's services for every request; the layer is shared, so only a
/// CORS request pays for the layer's service, which holds a copy of the layer's settings and a
/// clone of the route.
#[derive(Debug, Clone)]
pub(crate) struct CorsRequestsOnlyService<S> {
    component: Arc<Component>,
    inner: S,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for CorsRequestsOnlyService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = Either<cors::ResponseFuture<S::Future>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let component = &self.component;
        if goes_through_layer(&component.policy, request.method(), request.headers()) {
            // The route that was polled ready goes into the layer's service; a clone stays, to
            // be polled before the next call. The layer's service is not polled itself: its
            // readiness is its route's. (tower-http checks the layer's settings as it builds the
            // service; `cors_layer` builds them valid.)
            let fresh = self.inner.clone();
            let ready = std::mem::replace(&mut self.inner, fresh);
            let mut cors: Cors<S> = component.layer.layer(ready);
            Either::Left(cors.call(request))
        } else {
            Either::Right(self.inner.call(request))
        }
    }
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
