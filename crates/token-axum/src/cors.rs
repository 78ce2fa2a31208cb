//! The core's CORS policy as tower-http's [`CorsLayer`].

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, Request, Response, header};
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

    // The adapter leaves `Vary` to this layer (`TokenResponse::without_vary`), so `origin` is
    // named here: the layer would work it out for this policy, but a change in how it does must
    // not drop it. Methods and request headers are fixed lists, so they do not vary.
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

/// A CORS layer for CORS requests only: tower-http answers every `OPTIONS` as a preflight, so a
/// plain `OPTIONS` (without `Access-Control-Request-Method`) is passed by this layer to the
/// route itself, where it gets the core's answer (200 with `Allow` and `Cache-Control`), as
/// through the other adapters.
#[derive(Debug, Clone)]
pub(crate) struct CorsRequestsOnly(pub(crate) CorsLayer);

impl<S: Clone> Layer<S> for CorsRequestsOnly {
    type Service = CorsRequestsOnlyService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CorsRequestsOnlyService {
            cors: self.0.layer(inner.clone()),
            plain: inner,
        }
    }
}

/// The service of [`CorsRequestsOnly`].
#[derive(Debug, Clone)]
pub(crate) struct CorsRequestsOnlyService<S> {
    cors: Cors<S>,
    plain: S,
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
        match self.cors.poll_ready(cx) {
            Poll::Ready(Ok(())) => self.plain.poll_ready(cx),
            other => other,
        }
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let plain_options = request.method() == Method::OPTIONS
            && !request
                .headers()
                .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
        if plain_options {
            Either::Right(self.plain.call(request))
        } else {
            Either::Left(self.cors.call(request))
        }
    }
}
