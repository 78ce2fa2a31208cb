//! # ckeditor-token-warp
//!
//! The CKEditor 5 token endpoint as a warp [`Filter`](warp::Filter), to combine with the
//! application's other routes with `.or`. For warp 0.4; its default features are off, so the
//! application enables those it serves with (such as `server`).
//!
//! The application brings its login as a filter that extracts its user, a type implementing the
//! core's [`TokenUser`](ckeditor_token_core::TokenUser). A rejection of that filter means "no
//! user" (401), unless it carries [`LookupFailed`], which means the lookup itself failed (500).
//! Every decision (statuses, headers, bodies, the CORS policy) is the core's
//! [`TokenEndpoint`](ckeditor_token_core::TokenEndpoint); this crate only translates, as the
//! [adapter contract](https://github.com/ckeditor-token/ckeditor-token-rs/blob/main/crates/ADAPTERS.md)
//! (`crates/ADAPTERS.md`) describes.
//!
//! Once a request matches the token path, the filter always answers: none of its own
//! rejections (method, CORS, the user filter's) leaks out to become the application's 404 or
//! 405. Requests for other paths are rejected as not found, so `.or` moves on to the
//! application's other routes.
//!
//! The filter brings its own CORS and answers preflights and the 401 without a login, so put
//! the application's own `warp::cors()` on its other routes only, `token.or(others.with(cors))`:
//! around the token filter it would answer the editor in the filter's stead.
//!
//! ```
//! use ckeditor_token_core::{
//!     Environment, Identity, Issuer, Role, TokenEndpoint, TokenUser, UserDecision,
//! };
//! use warp::Filter;
//!
//! /// The application's signed-in user.
//! struct CurrentUser { id: String }
//!
//! impl TokenUser for CurrentUser {
//!     fn token_decision(&self) -> UserDecision {
//!         Identity::builder(&self.id).grant("*", Role::Writer).build().into()
//!     }
//! }
//!
//! // The application's login, as a filter: here, a header; usually a session cookie.
//! let current_user = warp::header::<String>("x-demo-user").map(|id| CurrentUser { id });
//!
//! let environment =
//!     Environment::new("LJRQ1bju55p6a47RwadH", "an access key of 32 bytes or more")?;
//! let endpoint = TokenEndpoint::new(Issuer::new(environment)?);
//!
//! let token = ckeditor_token_warp::token_filter(warp::path!("token"), current_user, endpoint);
//! let home = warp::path::end().map(|| "home");
//! let routes = token.or(home);
//! # Ok::<(), ckeditor_token_core::Error>(())
//! ```
//!
//! The user filter's error type is warp's `Rejection`. A filter that cannot fail, whose error
//! type is `Infallible` (one built from `warp::any()` and `map`, say), fits after an `and_then`
//! that always succeeds:
//!
//! ```
//! # use ckeditor_token_core::{Identity, Role, TokenUser, UserDecision};
//! # use warp::Filter;
//! # struct CurrentUser { id: String }
//! # impl TokenUser for CurrentUser {
//! #     fn token_decision(&self) -> UserDecision {
//! #         Identity::builder(&self.id).grant("*", Role::Reader).build().into()
//! #     }
//! # }
//! # let environment = ckeditor_token_core::Environment::new("LJRQ1bju55p6a47RwadH",
//! #     "an access key of 32 bytes or more")?;
//! # let endpoint = ckeditor_token_core::TokenEndpoint::new(
//! #     ckeditor_token_core::Issuer::new(environment)?);
//! let everyone = warp::any().map(|| CurrentUser { id: "kiosk".to_owned() });
//! let current_user = everyone.and_then(|user| async move { Ok::<_, warp::Rejection>(user) });
//! let token = ckeditor_token_warp::token_filter(warp::path!("token"), current_user, endpoint);
//! # Ok::<(), ckeditor_token_core::Error>(())
//! ```

/// The core crate this adapter is built on, for an application that names its types through the
/// adapter and so cannot depend on another version of it by mistake.
///
/// ```
/// use ckeditor_token_warp::ckeditor_token_core::{Environment, Issuer, TokenEndpoint};
///
/// let environment = Environment::new("ENV_1", "an access key of 32 bytes or more")?;
/// let endpoint = TokenEndpoint::new(Issuer::new(environment)?);
/// # let _ = endpoint;
/// # Ok::<(), ckeditor_token_warp::ckeditor_token_core::Error>(())
/// ```
pub use ckeditor_token_core;

mod cors;
mod filter;
mod reply;

pub use cors::cors_builder;
pub use filter::{LookupFailed, token_filter};
pub use reply::TokenReply;
