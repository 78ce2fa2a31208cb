//! # ckeditor-token-axum
//!
//! The CKEditor 5 token endpoint as an axum [`Router`](axum::Router) to merge or nest, or as a
//! [`MethodRouter`](axum::routing::MethodRouter) for a route of the application's own router.
//! For axum 0.8, with tower-http 0.7's `CorsLayer`; axum's default features are off, so the
//! application enables those it serves with (such as `tokio` and `http1` for `axum::serve`).
//!
//! The application brings its login as an extractor: any type that implements axum's
//! [`FromRequestParts`](axum::extract::FromRequestParts) and the core's
//! [`TokenUser`](ckeditor_token_core::TokenUser). Every decision (statuses, headers, bodies,
//! the CORS policy) is the core's [`TokenEndpoint`](ckeditor_token_core::TokenEndpoint); this
//! crate only translates, as the
//! [adapter contract](https://github.com/ckeditor-token/ckeditor-token-rs/blob/main/crates/ADAPTERS.md)
//! (`crates/ADAPTERS.md`) describes.
//!
//! The route brings its own CORS layer and answers preflights and the 401 without a login, so
//! merge it after the application's own CORS layer and login guard (`layer` and `route_layer`
//! wrap only the routes added before them): around it, they would answer the editor in its
//! stead. A layer that answers nothing and only loads what the extractor reads, such as a
//! session layer, goes after the merge, so that it wraps the token route too:
//! `.nest("/api", api).layer(app_cors).merge(token_router).layer(session_layer)`.
//!
//! ```
//! use axum::{Router, extract::FromRequestParts, http::request::Parts, response::Redirect};
//! use ckeditor_token_core::{
//!     Environment, Identity, Issuer, Role, TokenEndpoint, TokenUser, UserDecision,
//! };
//!
//! /// The application's signed-in user, from its session.
//! struct CurrentUser { id: String }
//!
//! impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
//!     type Rejection = Redirect;
//!
//!     async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Redirect> {
//!         match parts.headers.get("x-demo-user").and_then(|value| value.to_str().ok()) {
//!             Some(id) => Ok(CurrentUser { id: id.to_owned() }),
//!             // The app's own pages redirect to the login page; the token route answers 401.
//!             None => Err(Redirect::to("/login")),
//!         }
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
//! // As a router of its own ...
//! let token_router = ckeditor_token_axum::router::<CurrentUser, ()>("/token", endpoint.clone());
//! let app: Router = Router::new().merge(token_router);
//! // ... or as one route of the application's router.
//! let token_route = ckeditor_token_axum::token_route::<CurrentUser, ()>(endpoint);
//! let app: Router = Router::new().route("/api/token", token_route);
//! # Ok::<(), ckeditor_token_core::Error>(())
//! ```

/// The core crate this adapter is built on, for an application that names its types through the
/// adapter and so cannot depend on another version of it by mistake.
///
/// ```
/// use ckeditor_token_axum::ckeditor_token_core::{Environment, Issuer, TokenEndpoint};
///
/// let environment = Environment::new("ENV_1", "an access key of 32 bytes or more")?;
/// let endpoint = TokenEndpoint::new(Issuer::new(environment)?);
/// # let _ = endpoint;
/// # Ok::<(), ckeditor_token_axum::ckeditor_token_core::Error>(())
/// ```
pub use ckeditor_token_core;

mod cors;
mod response;
mod route;

pub use cors::cors_layer;
pub use response::into_response;
pub use route::{router, token_route};
