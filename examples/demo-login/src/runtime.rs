//! What every example does around its server: logging, announcing the address, and waiting for
//! the signal to stop.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;

use tokio::net::TcpListener;

/// Logs to standard error at info level and above, so that standard output carries only the
/// `listening on` line.
pub fn init_logging() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .init();
}

/// What every example does first: logging to standard error, the configuration from the
/// environment and the token endpoint it describes, and the start-up log. `None`, after logging
/// why, when the app cannot start.
pub fn start() -> Option<(crate::Config, ckeditor_token_core::TokenEndpoint)> {
    init_logging();
    let ready = crate::Config::from_env().and_then(|config| {
        let endpoint = config.endpoint()?;
        Ok((config, endpoint))
    });
    match ready {
        Ok((config, endpoint)) => {
            config.log_start();
            Some((config, endpoint))
        }
        Err(error) => {
            tracing::error!("cannot start: {error}");
            None
        }
    }
}

/// Logs the address and prints `listening on http://ADDRESS` as one line on standard output,
/// for people and for test harnesses that started the app on port 0.
pub fn announce_listening(address: SocketAddr) {
    tracing::info!(%address, "listening");
    let mut stdout = std::io::stdout().lock();
    let written = writeln!(stdout, "listening on http://{address}").and_then(|()| stdout.flush());
    if let Err(error) = written {
        tracing::warn!(%error, "could not write the address to standard output");
    }
}

/// Starts the async runtime, binds `listen`, announces the bound address and runs `serve` on the
/// listener until it returns. Every failure is logged and becomes a failing exit code.
pub fn run<F, Served>(listen: SocketAddr, serve: F) -> ExitCode
where
    F: FnOnce(TcpListener) -> Served,
    Served: Future<Output = std::io::Result<()>>,
{
    let executor = match tokio::runtime::Runtime::new() {
        Ok(executor) => executor,
        Err(error) => {
            tracing::error!(%error, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    executor.block_on(async move {
        let listener = match TcpListener::bind(listen).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::error!(address = %listen, %error, "cannot listen");
                return ExitCode::FAILURE;
            }
        };
        match listener.local_addr() {
            Ok(address) => announce_listening(address),
            Err(error) => tracing::warn!(%error, "the bound address is unknown"),
        }
        match serve(listener).await {
            Ok(()) => {
                tracing::info!("stopped");
                ExitCode::SUCCESS
            }
            Err(error) => {
                tracing::error!(%error, "the server failed");
                ExitCode::FAILURE
            }
        }
    })
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = interrupt => tracing::info!("Ctrl-C: shutting down"),
        () = terminate => tracing::info!("SIGTERM: shutting down"),
    }
}
