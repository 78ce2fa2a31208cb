//! What the three benchmark servers share.
//!
//! Each server (`bench-actix`, `bench-axum`, `bench-warp`) is a small application on one
//! framework, built the way a production app would be: the adapter's token route at `/token`
//! behind the app's own session login, and a plain-text `GET /hello` beside it, in the same
//! process, on the framework's default settings (worker counts, runtime, logging at info).
//! `cargo xtask bench` loads both routes with `wrk` and compares them.
//!
//! They take the example apps' settings (see `ckeditor_token_demo_login::Config`: credentials,
//! `--listen`, lifetime, CORS) and print the same `listening on http://ADDRESS` line. The one
//! signed-in session comes from [`login::SESSION_VAR`].

pub mod login;

use ckeditor_token_core::TokenEndpoint;
use ckeditor_token_demo_login::{Config, runtime};

use crate::login::SessionStore;

/// The body of `GET /hello`.
pub const HELLO: &str = "hello";

/// Everything a server needs before it binds: its settings, its token endpoint, its sessions.
#[derive(Debug)]
pub struct Setup {
    /// The checked settings, including the address to listen on.
    pub config: Config,
    /// The token endpoint the settings describe.
    pub endpoint: TokenEndpoint,
    /// The app's sessions, with the benchmark's user signed in.
    pub sessions: SessionStore,
}

impl Setup {
    /// Starts logging, then reads and checks the settings and the session. Logs why and returns
    /// `None` when the server cannot start.
    pub fn from_env() -> Option<Setup> {
        runtime::init_logging();
        let ready = Config::from_env()
            .map_err(|error| error.to_string())
            .and_then(|config| {
                let endpoint = config.endpoint().map_err(|error| error.to_string())?;
                let sessions = SessionStore::from_env()?;
                Ok(Setup {
                    config,
                    endpoint,
                    sessions,
                })
            });
        match ready {
            Ok(setup) => {
                setup.config.log_start();
                Some(setup)
            }
            Err(error) => {
                tracing::error!("cannot start: {error}");
                None
            }
        }
    }
}
