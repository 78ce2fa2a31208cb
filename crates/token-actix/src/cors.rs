//! The core's CORS policy as actix-cors' [`Cors`] middleware.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_cors::{Cors, CorsMiddleware};
use actix_web::Error;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::Method;
use actix_web::http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_REQUEST_METHOD,
    HeaderMap, HeaderValue, ORIGIN,
};
use ckeditor_token_core::{AllowedOrigins, CorsPolicy};
use futures_util::future::{Either, FutureExt, Map};

/// A [`Cors`] middleware that applies `policy`: the listed origins echoed exactly (any origin
/// is echoed too, never sent as `*`), credentials, request headers and max age as the policy
/// says, and `GET` as the only method. Requests from other origins are served without
/// `Access-Control-Allow-Origin` rather than blocked, as the other adapters do; actix-cors still
/// adds `Access-Control-Allow-Credentials` to them, which grants nothing without the origin, and
/// which the token route's resource removes.
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

/// Whether a request with this method and these headers goes through actix-cors, as the
/// core's [`CorsPolicy::is_component_request`] decides for `policy`. Of the others, an `OPTIONS`
/// without `Origin` but with `Access-Control-Request-Method` would get actix-cors' own 400; a
/// request with `Origin` to a route that admits no other origin would get its `Vary`, although
/// no answer depends on it; and a plain `OPTIONS` with `Origin` would get its CORS headers.
pub(crate) fn goes_through_cors(policy: &CorsPolicy, method: &Method, headers: &HeaderMap) -> bool {
    policy.is_component_request(method.as_str(), headers.contains_key(ORIGIN), || {
        headers
            .get(ACCESS_CONTROL_REQUEST_METHOD)
            .map(HeaderValue::as_bytes)
    })
}

/// Removes `Access-Control-Allow-Credentials` from an answer without
/// `Access-Control-Allow-Origin`, where it tells the caller only how the route is configured:
/// actix-cors puts it on every answer it sees, other origins' included.
fn drop_lone_credentials(headers: &mut HeaderMap) {
    if !headers.contains_key(ACCESS_CONTROL_ALLOW_ORIGIN) {
        headers.remove(ACCESS_CONTROL_ALLOW_CREDENTIALS);
    }
}

/// actix-cors for CORS requests only (see [`goes_through_cors`]), with
/// `Access-Control-Allow-Credentials` kept only beside `Access-Control-Allow-Origin`.
pub(crate) struct CorsRequestsOnly {
    cors: Cors,
    policy: CorsPolicy,
}

impl CorsRequestsOnly {
    /// `policy` as actix-cors, for the requests that go through it.
    pub(crate) fn new(policy: &CorsPolicy) -> CorsRequestsOnly {
        CorsRequestsOnly {
            cors: cors_middleware(policy),
            policy: policy.clone(),
        }
    }
}

/// The route's service, shared by the way through actix-cors and the way around it.
pub(crate) struct Shared<S>(Rc<S>);

impl<S: Service<Request>, Request> Service<Request> for Shared<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&self, request: Request) -> Self::Future {
        self.0.call(request)
    }
}

impl<S, B> Transform<S, ServiceRequest> for CorsRequestsOnly
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type InitError = ();
    type Transform = CorsRequestsOnlyService<S>;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Transform, ()>>>>;

    fn new_transform(&self, service: S) -> Self::Future {
        let plain = Rc::new(service);
        let cors = self.cors.new_transform(Shared(Rc::clone(&plain)));
        let policy = self.policy.clone();
        Box::pin(async move {
            Ok(CorsRequestsOnlyService {
                cors: cors.await?,
                policy,
                plain,
            })
        })
    }
}

/// The service of [`CorsRequestsOnly`].
pub(crate) struct CorsRequestsOnlyService<S> {
    cors: CorsMiddleware<Shared<S>>,
    policy: CorsPolicy,
    plain: Rc<S>,
}

type Answer<B> = Result<ServiceResponse<B>, Error>;

impl<S, B> Service<ServiceRequest> for CorsRequestsOnlyService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = Either<
        Map<
            <CorsMiddleware<Shared<S>> as Service<ServiceRequest>>::Future,
            fn(Answer<EitherBody<B>>) -> Answer<EitherBody<B>>,
        >,
        Map<S::Future, fn(Answer<B>) -> Answer<EitherBody<B>>>,
    >;

    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.plain.poll_ready(cx)
    }

    fn call(&self, request: ServiceRequest) -> Self::Future {
        if goes_through_cors(&self.policy, request.method(), request.headers()) {
            let finish: fn(Answer<EitherBody<B>>) -> Answer<EitherBody<B>> = |answer| {
                answer.map(|mut answer| {
                    drop_lone_credentials(answer.headers_mut());
                    answer
                })
            };
            Either::Left(self.cors.call(request).map(finish))
        } else {
            let finish: fn(Answer<B>) -> Answer<EitherBody<B>> =
                |answer| answer.map(ServiceResponse::map_into_left_body);
            Either::Right(self.plain.call(request).map(finish))
        }
    }
}
