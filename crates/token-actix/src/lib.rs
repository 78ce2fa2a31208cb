//! # ckeditor-token-actix
//!
//! The CKEditor 5 token endpoint as an actix-web resource, registered on an `App` with
//! [`configure`] or [`App::service`](actix_web::App::service). For actix-web 4, with
//! actix-cors 0.7.
//!
//! The application brings its login as an extractor: any type that implements actix-web's
//! [`FromRequest`](actix_web::FromRequest) and the core's
//! [`TokenUser`](ckeditor_token_core::TokenUser). Every decision (statuses, headers, bodies,
//! the CORS policy) is the core's [`TokenEndpoint`](ckeditor_token_core::TokenEndpoint); this
//! crate only translates, as the
//! [adapter contract](https://github.com/ckeditor-token/ckeditor-token-rs/blob/main/crates/ADAPTERS.md)
//! (`crates/ADAPTERS.md`) describes.
//!
//! The resource brings its own CORS and answers preflights and the 401 without a login, so keep
//! the application's own CORS component and login guard off it: `App::wrap` wraps every
//! service, so wrap the scope of the application's other routes with them instead, and register
//! the token resource before that scope, which would otherwise match its path first. Middleware
//! that answers nothing and only loads what the extractor reads, such as a session middleware,
//! must wrap the resource too: give it to `App::wrap`.
//!
//! ```
//! use std::future::{Ready, ready};
//!
//! use actix_web::{App, FromRequest, HttpRequest, dev::Payload, error::ErrorUnauthorized};
//! use ckeditor_token_core::{
//!     Environment, Identity, Issuer, Role, TokenEndpoint, TokenUser, UserDecision,
//! };
//!
//! /// The application's signed-in user, from its session.
//! struct CurrentUser { id: String }
//!
//! impl FromRequest for CurrentUser {
//!     type Error = actix_web::Error;
//!     type Future = Ready<Result<Self, Self::Error>>;
//!
//!     fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
//!         let id = request.headers().get("x-demo-user").and_then(|value| value.to_str().ok());
//!         ready(match id {
//!             Some(id) => Ok(CurrentUser { id: id.to_owned() }),
//!             None => Err(ErrorUnauthorized("sign in first")),
//!         })
//!     }
//! }
//!
//! impl TokenUser for CurrentUser {
//!     fn token_decision(&self) -> UserDecision {
//!         Identity::builder(&self.id).grant("*", Role::Writer).build().into()
//!     }
//! }
//!
//! let environment =
//!     Environment::new("LJRQ1bju55p6a47RwadH", "an access key of 32 bytes or more")?;
//! let endpoint = TokenEndpoint::new(Issuer::new(environment)?);
//!
//! // Inside `HttpServer::new(move || ...)`, once per worker:
//! let token_routes = ckeditor_token_actix::configure::<CurrentUser>("/token", endpoint.clone());
//! let app = App::new().configure(token_routes);
//! // or, equally:
//! let token_resource = ckeditor_token_actix::token_resource::<CurrentUser>("/token", endpoint);
//! let app = App::new().service(token_resource);
//! # Ok::<(), ckeditor_token_core::Error>(())
//! ```

/// The core crate this adapter is built on, for an application that names its types through the
/// adapter and so cannot depend on another version of it by mistake.
///
/// ```
/// use ckeditor_token_actix::ckeditor_token_core::{Environment, Issuer, TokenEndpoint};
///
/// let environment = Environment::new("ENV_1", "an access key of 32 bytes or more")?;
/// let endpoint = TokenEndpoint::new(Issuer::new(environment)?);
/// # let _ = endpoint;
/// # Ok::<(), ckeditor_token_actix::ckeditor_token_core::Error>(())
/// ```
pub use ckeditor_token_core;

mod cors;
mod resource;
mod response;

pub use cors::cors_middleware;
pub use resource::{configure, token_resource};
pub use response::into_response;
