//! The token filter in an application that has its own CORS filter and login guard for its other
//! routes, combined as the README says: `token.or(others.with(cors))`, so that neither answers
//! for it.

use ckeditor_token_core::{
    CorsPolicy, Environment, Identity, Issuer, NO_USER_BODY, Role, TokenEndpoint, TokenUser,
    UserDecision,
};
use warp::Filter;
use warp::http::{HeaderMap, StatusCode, header};
use warp::test::RequestBuilder;

const EDITOR: &str = "https://editor.example.com";
const APP: &str = "https://app.example.com";

/// The application's signed-in user, from a bearer token naming them.
struct Bearer(String);

impl TokenUser for Bearer {
    fn token_decision(&self) -> UserDecision {
        Identity::builder(&self.0)
            .grant("*", Role::Writer)
            .build()
            .into()
    }
}

/// The application's login: the user of a bearer token, or a rejection.
fn login() -> impl Filter<Extract = (Bearer,), Error = warp::Rejection> + Clone + Send + Sync {
    warp::header::<String>("authorization").and_then(|value: String| async move {
        match value.strip_prefix("Bearer ") {
            Some(user) => Ok(Bearer(user.to_owned())),
            None => Err(warp::reject::not_found()),
        }
    })
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

async fn send(request: RequestBuilder) -> (StatusCode, HeaderMap, String) {
    let token =
        ckeditor_token_warp::token_filter(warp::path!("api" / "token"), login(), endpoint());
    // The application's own API: behind its login, with its own CORS.
    let me = warp::path!("api" / "me")
        .and(login())
        .map(|user: Bearer| user.0);
    let others = me.with(warp::cors().allow_origin(APP).allow_method("GET"));
    let routes = token.or(others);
    let response = request.reply(&routes).await;
    let body = String::from_utf8(response.body().to_vec()).expect("UTF-8 body");
    (response.status(), response.headers().clone(), body)
}

fn values(headers: &HeaderMap, name: header::HeaderName) -> Vec<String> {
    headers
        .get_all(name)
        .iter()
        .map(|value| value.to_str().expect("text").to_owned())
        .collect()
}

#[tokio::test]
async fn the_editor_gets_the_token_routes_cors_not_the_applications() {
    let (status, headers, body) = send(
        warp::test::request()
            .path("/api/token")
            .header("origin", EDITOR)
            .header("authorization", "Bearer ann"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body.split('.').count(), 3, "{body}");
    assert_eq!(
        values(&headers, header::ACCESS_CONTROL_ALLOW_ORIGIN),
        [EDITOR]
    );
    assert_eq!(
        values(&headers, header::ACCESS_CONTROL_ALLOW_CREDENTIALS),
        ["true"]
    );
    assert_eq!(values(&headers, header::VARY).len(), 1);
    assert_eq!(values(&headers, header::CACHE_CONTROL), ["no-store"]);
}

#[tokio::test]
async fn the_editors_preflight_is_answered_by_the_token_route_without_the_login() {
    let (status, headers, _) = send(
        warp::test::request()
            .method("OPTIONS")
            .path("/api/token")
            .header("origin", EDITOR)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization"),
    )
    .await;
    assert!(status.is_success(), "{status}");
    assert_eq!(
        values(&headers, header::ACCESS_CONTROL_ALLOW_ORIGIN),
        [EDITOR]
    );
    assert_eq!(
        values(&headers, header::ACCESS_CONTROL_ALLOW_METHODS),
        ["GET"]
    );
}

#[tokio::test]
async fn a_request_without_login_gets_the_core_401() {
    let (status, headers, body) = send(
        warp::test::request()
            .path("/api/token")
            .header("origin", EDITOR),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, NO_USER_BODY);
    assert_eq!(values(&headers, header::CACHE_CONTROL), ["no-store"]);
    assert_eq!(
        values(&headers, header::ACCESS_CONTROL_ALLOW_ORIGIN),
        [EDITOR]
    );
}

#[tokio::test]
async fn the_applications_own_routes_keep_its_cors() {
    let (status, headers, body) = send(
        warp::test::request()
            .path("/api/me")
            .header("origin", APP)
            .header("authorization", "Bearer ann"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "ann");
    assert_eq!(values(&headers, header::ACCESS_CONTROL_ALLOW_ORIGIN), [APP]);
}
