//! `serve`: the token route of `ckeditor-token-axum`, the health check, and in development mode
//! a page that lists the demo users; until Ctrl-C or SIGTERM.
//!
//! Connections are served as the example apps serve theirs (`runtime::serve_connections`), with
//! the configured header timeout: a client that does not finish a request's headers in time,
//! leaves a connection idle that long after a response, or reads none of a response for that
//! long, is disconnected, so slow or stalled clients cannot hold connections open for good.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::response::Html;
use axum::routing::get;
use ckeditor_token_core::Expiry;
use ckeditor_token_demo_login::runtime;
use ckeditor_token_demo_login::settings as shared;
use hyper::body::Incoming;
use tower_service::Service as _;

use crate::auth::{AuthState, Caller, development};
use crate::config::{HEALTH_PATH, ServeConfig};
use crate::error::CliError;
use crate::output;

/// Runs the server until a shutdown signal, logging to the log the caller installed. `secrets`
/// are kept out of the start-up log.
///
/// # Errors
///
/// [`CliError::Failed`] when the runtime cannot start, the address cannot be bound, or the
/// server fails.
pub(crate) fn run(config: ServeConfig, secrets: &[String]) -> Result<ExitCode, CliError> {
    let executor = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| CliError::Failed(format!("cannot start the async runtime: {error}")))?;
    executor.block_on(serve(config, secrets))
}

/// Logs what the server does. The settings it names (header names, the forward URL, the path)
/// are the user's text, where a secret pasted by mistake is hidden as in error messages.
fn log_start(config: &ServeConfig, secrets: &[String]) {
    let hidden = |text: &str| shared::for_log(text, secrets);
    let environment = config.endpoint.issuer().environment().id();
    if config.is_development() {
        tracing::warn!(
            environment = %environment,
            "development mode (--dev): tokens are signed with the built-in development \
             environment, which CKEditor Cloud Services refuses; anyone who reaches this server \
             gets a token as any demo user, so it listens on loopback only"
        );
    } else if config.other_environments.is_empty() {
        tracing::info!(environment = %environment, "signing tokens");
    } else {
        tracing::info!(
            environment = %environment,
            other_environments = %listed(&config.other_environments),
            "signing tokens"
        );
    }
    tracing::info!(
        authentication = %hidden(&config.authentication.describe()),
        path = %hidden(&config.token_path),
        expiry = %match config.endpoint.issuer().expiry() {
            Expiry::After(lifetime) => shared::describe(lifetime),
            Expiry::Never => "none".to_owned(),
        },
        origins = %hidden(&shared::describe_origins(config.endpoint.cors().origins())),
        cors_credentials = config.endpoint.cors().allows_credentials(),
        "token route"
    );
}

/// The most IDs the start-up line lists; a configuration of more environments is counted.
const MAX_LISTED: usize = 10;

/// `ids` for the start-up line: all of them, or the first [`MAX_LISTED`] and how many more, so
/// that many tenants do not make one line of many kilobytes.
fn listed(ids: &[String]) -> String {
    let shown = ids.len().min(MAX_LISTED);
    let mut text = ids[..shown].join(", ");
    if ids.len() > shown {
        text.push_str(&format!(", and {} more", ids.len() - shown));
    }
    text
}

async fn serve(config: ServeConfig, secrets: &[String]) -> Result<ExitCode, CliError> {
    // Bound before anything is logged, so that a server that cannot listen does not first
    // describe the route it would have served.
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|error| {
            CliError::Failed(format!(
                "cannot listen on {}: {error}; choose another address with --listen (or \
                 listen, CKEDITOR_TOKEN_LISTEN)",
                config.listen
            ))
        })?;
    let address = listener
        .local_addr()
        .map_err(|error| CliError::Failed(format!("the bound address is unknown: {error}")))?;
    log_start(&config, secrets);
    // The announcement on standard output names the path as the log does.
    let shown_path = shared::for_log(&config.token_path, secrets);

    let development = config.is_development();
    let state = AuthState(Arc::new(config.authentication));
    let mut app = Router::new()
        .route(HEALTH_PATH, get(|| async { "ok" }))
        .merge(ckeditor_token_axum::router::<Caller, AuthState>(
            &config.token_path,
            config.endpoint,
        ));
    if development {
        let page = development::index_page(&config.token_path);
        app = app.route("/", get(move || async move { Html(page) }));
    }
    let app = app.with_state(state);

    // Listening for the signal to stop before the address is announced, so that a signal right
    // after the announcement stops the server gracefully.
    let shutdown = runtime::shutdown_signal();
    runtime::announce_listening(address);
    if development {
        announce_development(address, &shown_path);
    }

    runtime::serve_connections(listener, config.header_timeout, shutdown, move |peer| {
        let router = app.clone();
        hyper::service::service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().call(request)
        })
    })
    .await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Prints where to start in development mode. A standard output no one reads is no reason to
/// stop serving, as for the address.
fn announce_development(address: SocketAddr, token_path: &str) {
    let first = ckeditor_token_demo_login::users::all()
        .first()
        .map_or("", |user| user.id);
    let written = output::line(&format!(
        "development mode: open http://{address}/ to pick a demo user, or use \
         http://{address}{token_path}?user={first} as the editor's tokenUrl"
    ));
    if let Err(error) = written {
        tracing::warn!(%error, "could not write the development URL to standard output");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_environments_are_counted_in_the_start_up_line() {
        let ids = |count: usize| (1..=count).map(|n| format!("env-{n}")).collect::<Vec<_>>();
        assert_eq!(listed(&ids(2)), "env-1, env-2");
        assert_eq!(listed(&ids(10)).matches(", ").count(), 9);
        assert_eq!(
            listed(&ids(13)),
            "env-1, env-2, env-3, env-4, env-5, env-6, env-7, env-8, env-9, env-10, and 3 more"
        );
    }
}
