//! The token route in an application that has its own CORS layer and login guard for its other
//! routes, and a session layer that every route needs, mounted as the README says: merged after
//! the CORS layer and the guard, so that neither answers for it, and under the session layer, so
//! that its login extractor finds the session.

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ckeditor_token_core::{
    CorsPolicy, Environment, Identity, Issuer, NO_USER_BODY, Role, TokenEndpoint, TokenUser,
    UserDecision,
};
use tower::ServiceExt;
use tower_http::cors::CorsLayer;

const EDITOR: &str = "https://editor.example.com";
const APP: &str = "https://app.example.com";

/// The session the application's session layer loads for every request: here, from a bearer
/// token naming the user.
#[derive(Clone)]
struct Session(Option<String>);

/// The application's session layer: it answers nothing, it only loads the session.
async fn load_session(mut request: Request, next: Next) -> Response {
    let user = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::to_owned);
    request.extensions_mut().insert(Session(user));
    next.run(request).await
}

/// The application's login extractor, which reads the session the layer loaded.
struct SignedIn(String);

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, StatusCode> {
        match parts.extensions.get::<Session>() {
            Some(Session(Some(user))) => Ok(SignedIn(user.clone())),
            Some(Session(None)) => Err(StatusCode::UNAUTHORIZED),
            // Without the session layer around the route, a server error.
            None => Err(StatusCode::INTERNAL_SERVER_ERROR),
        }
    }
}

impl TokenUser for SignedIn {
    fn token_decision(&self) -> UserDecision {
        Identity::builder(&self.0)
            .grant("*", Role::Writer)
            .build()
            .into()
    }
}

/// The application's guard for its own API: no session, a JSON 401 of its own.
async fn require_login(request: Request, next: Next) -> Response {
    if matches!(request.extensions().get(), Some(Session(Some(_)))) {
        next.run(request).await
    } else {
        (StatusCode::UNAUTHORIZED, "{\"error\":\"login\"}").into_response()
    }
}

fn endpoint() -> TokenEndpoint {
    let environment = Environment::new("ENV_MIDDLEWARE", "an access key of 32 bytes or more")
        .expect("environment");
    let cors = CorsPolicy::builder()
        .allow_origin(EDITOR)
        .allow_credentials(true)
        .allow_header("Authorization")
        .build()
        .expect("policy");
    TokenEndpoint::new(Issuer::new(environment).expect("issuer")).with_cors(cors)
}

/// The application's routes under `/api` with its own CORS layer and login guard, the token
/// route merged after them, and the session layer around everything.
fn app() -> Router {
    let api = Router::new()
        .route("/me", get(|| async { "me" }))
        .route_layer(middleware::from_fn(require_login));
    Router::new()
        .nest("/api", api)
        .layer(CorsLayer::new().allow_origin(HeaderValue::from_static(APP)))
        .merge(ckeditor_token_axum::router::<SignedIn, ()>(
            "/api/token",
            endpoint(),
        ))
        .layer(middleware::from_fn(load_session))
}

async fn send(request: axum::http::request::Builder) -> (Response, String) {
    let response = app()
        .oneshot(request.body(Body::empty()).expect("request"))
        .await
        .expect("answer");
    let (parts, body) = response.into_parts();
    let body = to_bytes(body, 64 * 1024).await.expect("body");
    let body = String::from_utf8(body.to_vec()).expect("UTF-8 body");
    (Response::from_parts(parts, Body::empty()), body)
}

fn header_values(response: &Response, name: header::HeaderName) -> Vec<String> {
    response
        .headers()
        .get_all(name)
        .iter()
        .map(|value| value.to_str().expect("text").to_owned())
        .collect()
}

#[tokio::test]
async fn the_editor_gets_the_token_routes_cors_not_the_applications() {
    let (response, body) = send(
        Request::get("/api/token")
            .header(header::ORIGIN, EDITOR)
            .header(header::AUTHORIZATION, "Bearer ann"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body.split('.').count(), 3, "{body}");
    assert_eq!(
        header_values(&response, header::ACCESS_CONTROL_ALLOW_ORIGIN),
        [EDITOR]
    );
    assert_eq!(
        header_values(&response, header::ACCESS_CONTROL_ALLOW_CREDENTIALS),
        ["true"]
    );
    assert_eq!(header_values(&response, header::VARY).len(), 1);
    assert_eq!(
        header_values(&response, header::CACHE_CONTROL),
        ["no-store"]
    );
}

#[tokio::test]
async fn the_editors_preflight_is_answered_by_the_token_route_without_the_login_guard() {
    let (response, _) = send(
        Request::builder()
            .method(Method::OPTIONS)
            .uri("/api/token")
            .header(header::ORIGIN, EDITOR)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
            .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization"),
    )
    .await;
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(
        header_values(&response, header::ACCESS_CONTROL_ALLOW_ORIGIN),
        [EDITOR]
    );
    assert_eq!(
        header_values(&response, header::ACCESS_CONTROL_ALLOW_METHODS),
        ["GET"]
    );
}

#[tokio::test]
async fn a_request_without_login_gets_the_core_401_not_the_guards() {
    let (response, body) = send(Request::get("/api/token").header(header::ORIGIN, EDITOR)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(body, NO_USER_BODY);
    assert_eq!(
        header_values(&response, header::CACHE_CONTROL),
        ["no-store"]
    );
    assert_eq!(
        header_values(&response, header::ACCESS_CONTROL_ALLOW_ORIGIN),
        [EDITOR]
    );
}

#[tokio::test]
async fn the_applications_own_routes_keep_its_cors_and_guard() {
    let (response, body) = send(Request::get("/api/me").header(header::ORIGIN, APP)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(body, "{\"error\":\"login\"}");
    assert_eq!(
        header_values(&response, header::ACCESS_CONTROL_ALLOW_ORIGIN),
        [APP]
    );
}

#[tokio::test]
async fn a_signed_in_user_passes_the_applications_guard_with_the_session_loaded() {
    let (response, body) = send(
        Request::get("/api/me")
            .header(header::ORIGIN, APP)
            .header(header::AUTHORIZATION, "Bearer ann"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body, "me");
}
