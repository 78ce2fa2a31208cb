//! The actix-web example: a demo login and the CKEditor token route at `GET /token`.
//!
//! `POST /login` (form field `user`) signs a demo user in, `POST /logout` signs out, `GET /`
//! shows who is signed in. Settings come from the environment; see the README.

use std::future::{Ready, ready};
use std::process::ExitCode;
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::error::{ErrorInternalServerError, InternalError};
use actix_web::http::header::{COOKIE, ContentType, HeaderValue, LOCATION, SET_COOKIE};
use actix_web::{App, FromRequest, HttpRequest, HttpResponse, HttpServer, web};
use ckeditor_token_core::{TokenUser, UserDecision};
use ckeditor_token_demo_login::{DemoUser, LookupError, Sessions, page, runtime};

/// The signed-in user, as the app's own pages and the token route see it.
struct SignedIn(DemoUser);

/// The user behind the request's session cookie; the app's pages send people without one to
/// the home page to sign in.
impl FromRequest for SignedIn {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match current_user(request) {
            Ok(Some(user)) => Ok(SignedIn(user)),
            Ok(None) => {
                let to_login = HttpResponse::SeeOther()
                    .insert_header((LOCATION, "/"))
                    .finish();
                Err(InternalError::from_response("not signed in", to_login).into())
            }
            Err(error) => {
                tracing::error!(%error, "user lookup failed");
                Err(ErrorInternalServerError("user lookup failed"))
            }
        })
    }
}

impl TokenUser for SignedIn {
    fn token_decision(&self) -> UserDecision {
        self.0.token_decision()
    }
}

fn sessions(request: &HttpRequest) -> Sessions {
    request
        .app_data::<web::Data<Sessions>>()
        .map(|sessions| Sessions::clone(sessions))
        .unwrap_or_default()
}

/// The values of the request's `Cookie` headers, as the demo sessions read them.
fn cookies(request: &HttpRequest) -> impl Iterator<Item = &[u8]> {
    request.headers().get_all(COOKIE).map(HeaderValue::as_bytes)
}

fn current_user(request: &HttpRequest) -> Result<Option<DemoUser>, LookupError> {
    sessions(request).current(cookies(request))
}

#[derive(serde::Deserialize)]
struct LoginForm {
    user: String,
}

async fn home(request: HttpRequest) -> HttpResponse {
    match current_user(&request) {
        Ok(user) => HttpResponse::Ok()
            .content_type(ContentType::html())
            .body(page::home(user.as_ref())),
        Err(error) => {
            tracing::error!(%error, "user lookup failed");
            HttpResponse::InternalServerError()
                .content_type(ContentType::plaintext())
                .body("user lookup failed")
        }
    }
}

/// How long a login form may take to arrive after its headers: the header timeout, as in the
/// other examples.
#[derive(Debug, Clone, Copy)]
struct FormDeadline(Duration);

async fn login(
    request: HttpRequest,
    payload: web::Payload,
    sessions: web::Data<Sessions>,
    deadline: web::Data<FormDeadline>,
) -> HttpResponse {
    let form = web::Form::<LoginForm>::from_request(&request, &mut payload.into_inner());
    let form = match actix_web::rt::time::timeout(deadline.0, form).await {
        Ok(Ok(form)) => form,
        Ok(Err(refused)) => return refused.error_response(),
        Err(_) => {
            return HttpResponse::RequestTimeout()
                .content_type(ContentType::plaintext())
                .body("the login form did not arrive in time");
        }
    };
    match sessions.sign_in(&form.user) {
        Ok(Ok(set_cookie)) => HttpResponse::SeeOther()
            .insert_header((LOCATION, "/"))
            .insert_header((SET_COOKIE, set_cookie))
            .finish(),
        Ok(Err(unknown)) => HttpResponse::BadRequest()
            .content_type(ContentType::plaintext())
            .body(unknown.to_string()),
        Err(error) => {
            tracing::error!(%error, "sign-in failed");
            HttpResponse::InternalServerError()
                .content_type(ContentType::plaintext())
                .body("sign-in failed")
        }
    }
}

async fn logout(request: HttpRequest) -> HttpResponse {
    let clear = sessions(&request).sign_out(cookies(&request));
    HttpResponse::SeeOther()
        .insert_header((LOCATION, "/"))
        .insert_header((SET_COOKIE, clear))
        .finish()
}

fn main() -> ExitCode {
    let (config, endpoint) = match runtime::start() {
        Ok(started) => started,
        Err(refused) => return refused,
    };

    let sessions = web::Data::new(Sessions::new());
    let deadline = web::Data::new(FormDeadline(config.header_timeout));
    actix_web::rt::System::new().block_on(async move {
        // Listening for the signal to stop before the address is announced, so that a signal
        // right after the announcement stops the server gracefully; actix-web's own listening
        // would start only once the server runs.
        let shutdown = runtime::shutdown_signal();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(sessions.clone())
                .app_data(deadline.clone())
                .route("/", web::get().to(home))
                .route("/login", web::post().to(login))
                .route("/logout", web::post().to(logout))
                .configure(ckeditor_token_actix::configure::<SignedIn>(
                    "/token",
                    endpoint.clone(),
                ))
        })
        .workers(2)
        // The header timeout of every example: for a request's headers, and for an idle
        // connection.
        .client_request_timeout(config.header_timeout)
        .keep_alive(config.header_timeout)
        .shutdown_signal(shutdown)
        .shutdown_timeout(runtime::SHUTDOWN_GRACE.as_secs());
        let server = match server.bind(config.listen) {
            Ok(server) => server,
            Err(error) => {
                tracing::error!(
                    address = %config.listen,
                    %error,
                    "cannot listen; choose another address with --listen"
                );
                return ExitCode::FAILURE;
            }
        };
        for address in server.addrs() {
            runtime::announce_listening(address);
        }
        runtime::served(server.run().await)
    })
}
