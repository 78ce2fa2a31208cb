#![doc = include_str!("../README.md")]
//!
//! ## Products
//!
//! | product | method | claims |
//! | --- | --- | --- |
//! | collaboration | [`Issuer::collaboration`] | `aud, iat, exp, sub, user, auth.collaboration` |
//! | CKBox | [`Issuer::ckbox`] | `aud, iat, exp, sub, user, auth.ckbox` |
//! | AI | [`Issuer::ai`] | `aud, iat, exp, sub, auth.ai` |
//! | all of the identity's | [`Issuer::editor`] | every section the identity holds |
//! | Export, Import, Easy Image | [`Issuer::cloud_service`] | `aud, iat` |
//! | on-premises converters | [`OnPremisesIssuer::token`] | `iat` |
//!
//! [`atob`] says how the payload is kept readable by the browser's `atob()` and why that needs
//! care.
//!
//! An [`Identity`] is checked when it is built (see [`IdentityBuilder::build`]), so a malformed
//! one never reaches the issuer; when a token is issued, the issuer also refuses one that would
//! carry its access key in any form [`KeySearch`] finds.
//!
//! A [`TokenEndpoint`] makes every decision of a token route (status, headers, body, CORS
//! policy) for the framework adapters. One endpoint can serve several environments, one per
//! tenant of the application: [`TokenEndpoint::with_issuer`] adds an environment, and a user's
//! [`UserDecision::IssueIn`] names which one signs their token.
//!
//! ## Features
//!
//! - `http`: `TokenResponse::into_http`, the endpoint's answer as an `http::Response`, for a
//!   handler of one's own on a framework built on the `http` crate (the axum and warp adapters
//!   turn it on).
//! - `testing`: settings only tests need, such as token lifetimes under a minute; never for
//!   production.

mod base64url;
mod claims;
mod clock;
mod credentials;
pub mod endpoint;
mod error;
mod grants;
mod identity;
mod inspect;
mod issuer;
mod key_search;
mod key_set;
mod words;

pub mod atob;

pub use claims::Product;
pub use clock::{Clock, FixedClock, SystemClock, unix_seconds};
pub use credentials::{
    ACCESS_KEY_VAR, ENVIRONMENT_ID_VAR, Environment, EnvironmentId, MAX_ENVIRONMENT_ID_LEN,
    MAX_KEY_LEN, MIN_KEY_SEARCHED_LEN, RECOMMENDED_KEY_LEN, SECRET_KEY_VAR, SecretKey, SigningKey,
};
pub use endpoint::{
    ALLOW, AllowedOrigins, BAD_REQUEST_BODY, CACHE_CONTROL, CONTENT_TYPE, CORS_METHODS,
    ConstantHeader, CorsPolicy, CorsPolicyBuilder, FAILURE_BODY, MAX_PREFLIGHT_AGE, METHOD_BODY,
    MethodDecision, NO_USER_BODY, Outcome, REFUSED_BODY, TokenEndpoint, TokenResponse, TokenUser,
    UPSTREAM_BODY, UpstreamFailure, UserDecision, VARY,
};
pub use error::{Error, Result};
pub use grants::{
    AiScope, CkboxRole, DocumentKey, Grant, MAX_DOCUMENT_KEY_LEN, MAX_SCOPE_LEN, Permission, Role,
};
pub use identity::{
    CkboxAccess, Identity, IdentityBuilder, MAX_AVATAR_LEN, MAX_EMAIL_LEN, MAX_GRANTS,
    MAX_NAME_LEN, MAX_PAYLOAD_LEN, MAX_SUBJECT_LEN, Profile, field,
};
pub use inspect::{
    Expectations, Finding, Inspection, SignatureCheck, atob_decode, first_duplicate_key, inspect,
};
pub use issuer::{
    DEFAULT_LIFETIME, Expiry, HEADER_SEGMENT, Issuer, IssuerBuilder, MAX_LIFETIME, MIN_LIFETIME,
    OnPremisesIssuer, Token,
};
pub use key_search::KeySearch;
pub use key_set::KeySet;
