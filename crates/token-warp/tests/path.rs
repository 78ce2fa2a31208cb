//! The token route's path: it must be all of the request's path, however the application's path
//! filter was written.

use ckeditor_token_core::UserDecision;
use ckeditor_token_core::{Environment, Identity, Issuer, Role, TokenEndpoint, TokenUser};
use warp::Filter;
use warp::http::StatusCode;

struct Everyone;

impl TokenUser for Everyone {
    fn token_decision(&self) -> UserDecision {
        Identity::builder("user-1")
            .grant("*", Role::Writer)
            .build()
            .into()
    }
}

/// The application's login, which signs everyone in.
fn everyone() -> impl Filter<Extract = (Everyone,), Error = warp::Rejection> + Clone + Send + Sync {
    warp::any().and_then(|| async { Ok::<_, warp::Rejection>(Everyone) })
}

fn endpoint() -> TokenEndpoint {
    let environment =
        Environment::new("ENV_PATH", "an access key of 32 bytes or more").expect("environment");
    TokenEndpoint::new(Issuer::new(environment).expect("issuer"))
}

async fn status_and_body(
    path_filter: impl Filter<Extract = (), Error = warp::Rejection> + Clone + Send + Sync + 'static,
    path: &str,
) -> (StatusCode, String) {
    let token = ckeditor_token_warp::token_filter(path_filter, everyone(), endpoint());
    let fallback = warp::any().map(|| "the application's own page");
    let response = warp::test::request()
        .path(path)
        .reply(&token.or(fallback))
        .await;
    let body = String::from_utf8(response.body().to_vec()).expect("UTF-8 body");
    (response.status(), body)
}

#[tokio::test]
async fn a_path_filter_that_matches_a_prefix_serves_only_the_whole_path() {
    for path in ["/token", "/token/"] {
        let (status, body) = status_and_body(warp::path("token"), path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(body.split('.').count(), 3, "{path}: {body}");
    }
    for path in ["/token/x", "/token/x/y", "/tokens"] {
        for (filter, form) in [
            (warp::path("token").boxed(), "path(\"token\")"),
            (warp::path!("token").boxed(), "path!(\"token\")"),
        ] {
            let (status, body) = status_and_body(filter, path).await;
            assert_eq!(
                (status, body.as_str()),
                (StatusCode::OK, "the application's own page"),
                "{form} {path}"
            );
        }
    }
}

#[tokio::test]
async fn the_route_under_a_prefix_filter_of_the_application_still_answers() {
    let token = warp::path("api").and(ckeditor_token_warp::token_filter(
        warp::path!("token"),
        everyone(),
        endpoint(),
    ));
    for (path, expected) in [
        ("/api/token", StatusCode::OK),
        ("/api/token/x", StatusCode::NOT_FOUND),
        ("/token", StatusCode::NOT_FOUND),
    ] {
        let response = warp::test::request().path(path).reply(&token).await;
        assert_eq!(response.status(), expected, "{path}");
    }
}
