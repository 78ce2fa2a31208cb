//! # ckeditor-token-demo-login
//!
//! Everything the three example apps share, so that they behave alike and each app is only
//! its framework's glue:
//!
//! - [`users`]: the table of demo users and what each one gets from the token route;
//! - [`sessions`]: sign-in, sign-out and the session cookie;
//! - [`config`]: the settings, from environment variables, `--dev` and `--listen`, with the
//!   start-up checks (credentials, development mode on loopback only, CORS, lifetime, header
//!   timeout, test hooks);
//! - [`settings`]: how the text of a setting is read (durations, lifetimes, the header timeout,
//!   flags, lists), alike by the examples and the `ckeditor-token` command;
//! - [`runtime`]: logging, the `listening on` line, serving connections with the header timeout,
//!   and the shutdown signal;
//! - [`page`]: the home page that shows who is signed in.
//!
//! Nothing here is fit for production: the sessions live in memory and the users in a table.

pub mod config;
pub mod page;
pub mod runtime;
pub mod sessions;
pub mod settings;
pub mod users;

pub use config::{Config, ConfigError};

/// The README's code blocks, compiled as doctests so that they keep working.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
pub use sessions::{LookupError, Sessions, UnknownUser};
pub use users::{DemoRole, DemoUser, Directory};
