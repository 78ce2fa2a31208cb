#![doc = include_str!("../README.md")]
//!
//! ## A user filter that cannot fail
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
