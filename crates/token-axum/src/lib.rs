#![doc = include_str!("../README.md")]

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
