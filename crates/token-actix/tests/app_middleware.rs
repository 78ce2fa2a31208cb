//! The token route in an application that has its own CORS component and login guard for its
//! other routes, and a session middleware that every route needs, mounted as the README says:
//! the CORS component and the guard wrap the application's scope, and the token resource is
//! registered before it, outside, so that neither answers for it; the session middleware wraps
//! the whole `App`, so that the login extractor finds the session.

use actix_cors::Cors;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::{self, Next};
use actix_web::{App, FromRequest, HttpMessage, HttpRequest, HttpResponse, test, web};
use ckeditor_token_core::{
    CorsPolicy, Environment, Identity, Issuer, NO_USER_BODY, Role, TokenEndpoint, TokenUser,
    UserDecision,
};

const EDITOR: &str = "https://editor.example.com";
const APP: &str = "https://app.example.com";

/// The session the application's session middleware loads for every request: here, from a
/// bearer token naming the user.
#[derive(Clone)]
struct Session(Option<String>);

/// The application's session middleware: it answers nothing, it only loads the session.
async fn load_session(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let user = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::to_owned);
    request.extensions_mut().insert(Session(user));
    next.call(request).await
}

/// The application's login extractor, which reads the session the middleware loaded.
struct SignedIn(String);

impl FromRequest for SignedIn {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let user = match request.extensions().get::<Session>() {
            Some(Session(Some(user))) => Ok(SignedIn(user.clone())),
            Some(Session(None)) => Err(actix_web::error::ErrorUnauthorized("login")),
            // Without the session middleware around the route, a server error.
            None => Err(actix_web::error::ErrorInternalServerError(
                "no session middleware",
            )),
        };
        std::future::ready(user)
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
async fn require_login(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let signed_in = matches!(request.extensions().get(), Some(Session(Some(_))));
    if signed_in {
        Ok(next.call(request).await?.map_into_boxed_body())
    } else {
        let answer = HttpResponse::Unauthorized().body("{\"error\":\"login\"}");
        Ok(request.into_response(answer))
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

async fn send(request: test::TestRequest) -> (StatusCode, header::HeaderMap, String) {
    let app = test::init_service(
        App::new()
            .wrap(middleware::from_fn(load_session))
            .service(ckeditor_token_actix::token_resource::<SignedIn>(
                "/api/token",
                endpoint(),
            ))
            .service(
                web::scope("/api")
                    .wrap(middleware::from_fn(require_login))
                    .wrap(Cors::default().allowed_origin(APP))
                    .route("/me", web::get().to(|| async { "me" })),
            ),
    )
    .await;
    let response = test::call_service(&app, request.to_request()).await;
    let status = response.status();
    let headers = response.headers().clone();
    let body = test::read_body(response).await;
    (
        status,
        headers,
        String::from_utf8(body.to_vec()).expect("UTF-8 body"),
    )
}

fn values(headers: &header::HeaderMap, name: header::HeaderName) -> Vec<String> {
    headers
        .get_all(name)
        .map(|value| value.to_str().expect("text").to_owned())
        .collect()
}

#[actix_web::test]
async fn the_editor_gets_the_token_routes_cors_not_the_applications() {
    let (status, headers, body) = send(
        test::TestRequest::get()
            .uri("/api/token")
            .insert_header((header::ORIGIN, EDITOR))
            .insert_header((header::AUTHORIZATION, "Bearer ann")),
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

#[actix_web::test]
async fn the_editors_preflight_is_answered_by_the_token_route_without_the_login_guard() {
    let (status, headers, _) = send(
        test::TestRequest::default()
            .method(Method::OPTIONS)
            .uri("/api/token")
            .insert_header((header::ORIGIN, EDITOR))
            .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, "GET"))
            .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization")),
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

#[actix_web::test]
async fn a_request_without_login_gets_the_core_401_not_the_guards() {
    let (status, headers, body) = send(
        test::TestRequest::get()
            .uri("/api/token")
            .insert_header((header::ORIGIN, EDITOR)),
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

#[actix_web::test]
async fn the_applications_own_routes_keep_its_cors_and_guard() {
    let (status, headers, body) = send(
        test::TestRequest::get()
            .uri("/api/me")
            .insert_header((header::ORIGIN, APP)),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, "{\"error\":\"login\"}");
    assert_eq!(values(&headers, header::ACCESS_CONTROL_ALLOW_ORIGIN), [APP]);
}

#[actix_web::test]
async fn a_signed_in_user_passes_the_applications_guard_with_the_session_loaded() {
    let (status, _, body) = send(
        test::TestRequest::get()
            .uri("/api/me")
            .insert_header((header::ORIGIN, APP))
            .insert_header((header::AUTHORIZATION, "Bearer ann")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "me");
}
