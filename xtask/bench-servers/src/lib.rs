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
//!
//! Each server also has `GET /sign`, the benchmark's control: the core's issuer signing the
//! benchmark user's token, built once at start-up, and answering it as plain text, with no login,
//! no endpoint decisions and no CORS. It is not part of any app. It shows what signing alone
//! costs against `/hello` on the same framework, so that the token route's remaining cost (the
//! app's login, the identity, the endpoint and, for a CORS request, the framework's CORS
//! component) can be told apart.

pub mod login;

use std::sync::Arc;

use ckeditor_token_core::{Identity, TokenEndpoint, TokenUser, UserDecision};
use ckeditor_token_demo_login::{Config, runtime};

use crate::login::{Account, SessionStore};

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
    /// The control route's signer.
    pub control_signer: ControlSigner,
}

/// The control route `GET /sign`: signing the benchmark user's token and nothing else. Cheap to
/// clone, as frameworks clone a handler for every request.
#[derive(Debug, Clone)]
pub struct ControlSigner {
    endpoint: TokenEndpoint,
    identity: Arc<Identity>,
}

impl ControlSigner {
    /// Builds the benchmark user's identity once, for `endpoint`'s issuer and product.
    ///
    /// # Errors
    ///
    /// When the app would not issue the benchmark user a token.
    pub fn new(endpoint: &TokenEndpoint) -> Result<ControlSigner, String> {
        match Account::benchmark_user().token_decision() {
            UserDecision::Issue(identity) => Ok(ControlSigner {
                endpoint: endpoint.clone(),
                identity: Arc::new(identity),
            }),
            _ => Err("the benchmark user gets no identity".to_owned()),
        }
    }

    /// A freshly signed token, or why there is none.
    ///
    /// # Errors
    ///
    /// When the issuer fails, which the route answers with 500.
    pub fn sign(&self) -> Result<String, String> {
        self.endpoint
            .issuer()
            .issue(self.endpoint.product(), &self.identity)
            .map(|token| token.into_string())
            .map_err(|error| error.to_string())
    }
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
                let control_signer = ControlSigner::new(&endpoint)?;
                Ok(Setup {
                    config,
                    endpoint,
                    sessions,
                    control_signer,
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
