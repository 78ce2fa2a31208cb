//! The actix-web benchmark server: the adapter's token route at `/token` behind the app's
//! session login, `GET /hello`, and the control route `GET /sign` (see the crate's
//! documentation), on actix-web's default settings.

use std::future::{Ready, ready};
use std::process::ExitCode;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::error::ErrorUnauthorized;
use actix_web::http::header::{COOKIE, ContentType};
use actix_web::{App, FromRequest, HttpRequest, HttpResponse, HttpServer, web};
use ckeditor_token_bench_servers::login::{Account, SessionStore};
use ckeditor_token_bench_servers::{ControlSigner, HELLO, Setup};
use ckeditor_token_core::{TokenUser, UserDecision};
use ckeditor_token_demo_login::runtime;

/// The signed-in account, as the app's handlers see it.
struct SignedIn(Arc<Account>);

impl FromRequest for SignedIn {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let cookie = request
            .headers()
            .get(COOKIE)
            .and_then(|value| value.to_str().ok());
        let account = request
            .app_data::<web::Data<SessionStore>>()
            .and_then(|sessions| sessions.signed_in(cookie));
        ready(
            account
                .map(SignedIn)
                .ok_or_else(|| ErrorUnauthorized("not signed in")),
        )
    }
}

impl TokenUser for SignedIn {
    fn token_decision(&self) -> UserDecision {
        self.0.token_decision()
    }
}

async fn hello() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::plaintext())
        .body(HELLO)
}

async fn sign(control_signer: web::Data<ControlSigner>) -> HttpResponse {
    match control_signer.sign() {
        Ok(token) => HttpResponse::Ok()
            .content_type(ContentType::plaintext())
            .body(token),
        Err(error) => HttpResponse::InternalServerError()
            .content_type(ContentType::plaintext())
            .body(error),
    }
}

fn main() -> ExitCode {
    let Some(Setup {
        config,
        endpoint,
        sessions,
        control_signer,
    }) = Setup::from_env()
    else {
        return ExitCode::FAILURE;
    };

    let sessions = web::Data::new(sessions);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(sessions.clone())
            .route("/hello", web::get().to(hello))
            .app_data(web::Data::new(control_signer.clone()))
            .route("/sign", web::get().to(sign))
            .configure(ckeditor_token_actix::configure::<SignedIn>(
                "/token",
                endpoint.clone(),
            ))
    });
    let server = match server.bind(config.listen) {
        Ok(server) => server,
        Err(error) => {
            tracing::error!(address = %config.listen, %error, "cannot listen");
            return ExitCode::FAILURE;
        }
    };
    for address in server.addrs() {
        runtime::announce_listening(address);
    }
    // actix-web stops gracefully on Ctrl-C and SIGTERM by itself.
    runtime::served(actix_web::rt::System::new().block_on(server.run()))
}
