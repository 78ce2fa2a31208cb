//! What every example does around its server: logging, announcing the address, serving
//! connections with a header timeout, and waiting for the signal to stop.

use std::error::Error as StdError;
use std::future::Future as _;
use std::io::{self, Write as _};
use std::net::SocketAddr;
use std::pin::Pin;
use std::process::ExitCode;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Body, Incoming};
use hyper::server::conn::http1;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::settings;

/// The target of this module's log lines: the server's, whichever program runs it (`serve`, an
/// example, a benchmark server), rather than this crate's name, which is the examples'.
const LOG_TARGET: &str = "ckeditor_token::server";

/// Logs to standard error at info level and above, so that standard output carries only the
/// `listening on` line. A line that cannot be written (the log's reader gone) is lost, and the
/// app goes on: no report of the failure is printed, as that print would panic mid-request.
///
/// actix-web's connection handler logs every request it cannot parse as an error, one line per
/// request a client sends malformed, which would give any client a way to flood the log; its
/// lines are left out, as hyper's servers log none for such requests, and the client gets its
/// 400 as before. Its other lines go with them: a body that fails while it is sent (the apps'
/// bodies are whole before they are sent), a protocol upgrade (the apps take none), and a
/// connection that a client closed or stopped reading.
pub fn init_logging() {
    let quiet = Targets::new()
        .with_default(LevelFilter::TRACE)
        .with_target("actix_http::h1::dispatcher", LevelFilter::OFF);
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .log_internal_errors(false)
        .with_max_level(tracing::Level::INFO)
        .finish()
        .with(quiet)
        .init();
}

/// The exit status of an example that a setting stops, as `ckeditor-token serve` exits.
pub const SETTINGS_REFUSED: u8 = 2;

/// What every example does first: logging to standard error, the configuration from the
/// environment and the token endpoint it describes, and the start-up log; or, for `--help`,
/// the usage on standard output.
///
/// # Errors
///
/// When a setting stops the app: after logging why, the exit status [`SETTINGS_REFUSED`]. After
/// the usage, success (the app is not to run).
pub fn start() -> Result<(crate::Config, ckeditor_token_core::TokenEndpoint), ExitCode> {
    // Read as the system gives them: an argument that is not UTF-8 is refused with the others.
    if crate::config::wants_help(std::env::args_os().skip(1)) {
        let program = std::env::args_os().next().map_or_else(
            || "example".to_owned(),
            |name| name.to_string_lossy().into_owned(),
        );
        let mut stdout = std::io::stdout().lock();
        let written = stdout.write_all(crate::config::usage(&program).as_bytes());
        return Err(if written.is_ok() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    init_logging();
    let ready = crate::Config::from_env().and_then(|config| {
        let endpoint = config.endpoint()?;
        Ok((config, endpoint))
    });
    match ready {
        Ok((config, endpoint)) => {
            config.log_start();
            Ok((config, endpoint))
        }
        Err(error) => {
            let message = settings::for_log(&error.to_string(), &settings::secrets_from_env());
            tracing::error!(target: LOG_TARGET, "cannot start: {message}");
            Err(ExitCode::from(SETTINGS_REFUSED))
        }
    }
}

/// Logs the address and prints `listening on http://ADDRESS` as one line on standard output,
/// for people and for test harnesses that started the app on port 0.
pub fn announce_listening(address: SocketAddr) {
    tracing::info!(target: LOG_TARGET, %address, "listening");
    let mut stdout = std::io::stdout().lock();
    let written = writeln!(stdout, "listening on http://{address}").and_then(|()| stdout.flush());
    if let Err(error) = written {
        tracing::warn!(
            target: LOG_TARGET,
            %error,
            "could not write the address to standard output"
        );
    }
}

/// Starts the async runtime, binds `listen`, listens for the signal to stop
/// ([`shutdown_signal`]), announces the bound address and runs `serve` on the listener, with the
/// signal, until it returns. Every failure is logged and becomes a failing exit code.
pub fn run<F, Served>(listen: SocketAddr, serve: F) -> ExitCode
where
    F: FnOnce(TcpListener, ShutdownSignal) -> Served,
    Served: Future<Output = std::io::Result<()>>,
{
    let executor = match tokio::runtime::Runtime::new() {
        Ok(executor) => executor,
        Err(error) => {
            tracing::error!(target: LOG_TARGET, %error, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    executor.block_on(async move {
        let listener = match TcpListener::bind(listen).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::error!(target: LOG_TARGET,
                    address = %listen,
                    %error,
                    "cannot listen; choose another address with --listen"
                );
                return ExitCode::FAILURE;
            }
        };
        let shutdown = shutdown_signal();
        match listener.local_addr() {
            Ok(address) => announce_listening(address),
            Err(error) => {
                tracing::warn!(target: LOG_TARGET, %error, "the bound address is unknown");
            }
        }
        served(serve(listener, shutdown).await)
    })
}

/// The exit code of a server that has returned `result`: success once it stopped, failure when
/// it failed, each logged.
pub fn served(result: std::io::Result<()>) -> ExitCode {
    match result {
        Ok(()) => {
            tracing::info!(target: LOG_TARGET, "stopped");
            ExitCode::SUCCESS
        }
        Err(error) => {
            tracing::error!(target: LOG_TARGET, %error, "the server failed");
            ExitCode::FAILURE
        }
    }
}

/// Serves every connection `listener` accepts with `service` (a tower service, as axum's
/// `Router` and `warp::service` are) over HTTP/1.1 with `header_timeout` (see
/// [`serve_connections`]), until `shutdown` resolves; then lets the open connections finish
/// their requests, for up to [`SHUTDOWN_GRACE`].
///
/// The same timeout bounds each request after its headers: a request not answered within it,
/// such as one whose body stalls, closes its connection without an answer. The examples answer
/// as soon as they have a request's body, so only a slow or stalled client meets this.
pub async fn serve_http1<S, B>(
    listener: TcpListener,
    header_timeout: Duration,
    shutdown: ShutdownSignal,
    service: S,
) where
    S: tower_service::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn StdError + Send + Sync>>,
    B: Body + Default + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    serve_connections(listener, header_timeout, shutdown, move |_| {
        let service = TowerToHyperService::new(service.clone());
        hyper::service::service_fn(move |request| {
            let answer = hyper::service::Service::call(&service, request);
            async move {
                match tokio::time::timeout(header_timeout, answer).await {
                    Ok(answered) => answered.map_err(Into::into),
                    Err(_) => Err(RequestTimedOut(header_timeout).into()),
                }
            }
        })
    })
    .await;
}

/// A request that [`serve_http1`] gave up on: its body, or its answer, did not come in time.
#[derive(Debug, thiserror::Error)]
#[error("the request was not answered within {0:?} of its headers")]
struct RequestTimedOut(Duration);

/// How long the servers of [`serve_connections`] wait, after a shutdown signal, for open
/// connections to finish their requests before they stop anyway; the actix-web example gives
/// actix-web's `shutdown_timeout` the same.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The size from which the servers of [`serve_connections`] refuse a request head (the request
/// line and the headers), in bytes: a head still incomplete once the connection has buffered
/// this much gets 431 and its connection is closed. One read can take the buffer past it, so a
/// head of up to twice this size may still be read whole. A connection buffers its head until
/// the head is whole, so this bounds what a client that sends a huge head slowly makes the
/// server hold per connection (the server's default is about 400 KiB). 32 KiB is twice
/// Node.js's limit and holds a browser's cookies for one site. It also caps how much of its
/// answers a connection queues before it waits for the client to read them, far above the size
/// of any answer here.
pub const MAX_REQUEST_HEAD: usize = 32 * 1024;

/// Serves every connection `listener` accepts with the service `service_for` makes for the
/// connection's peer, over HTTP/1.1: a client that does not finish a request's headers within
/// `header_timeout`, leaves the connection idle that long after an answer, or stops reading
/// answers for that long while one is being written, is disconnected, so slow or stalled
/// clients cannot hold connections open for good; a request head over [`MAX_REQUEST_HEAD`]
/// bytes gets 431, and a request without exactly one `Host` (see [`names_one_host`]) an empty
/// 400, as HTTP/1.1 requires of a server. Runs until `shutdown` resolves, then lets the open
/// connections finish their requests, for up to [`SHUTDOWN_GRACE`].
pub async fn serve_connections<M, S, B>(
    listener: TcpListener,
    header_timeout: Duration,
    shutdown: ShutdownSignal,
    mut service_for: M,
) where
    M: FnMut(SocketAddr) -> S,
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn StdError + Send + Sync>>,
    B: Body + Default + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    let mut http = http1::Builder::new();
    // A client may shut its writing side once its request is sent and still read the answer.
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(true)
        .half_close(true)
        .max_buf_size(MAX_REQUEST_HEAD);
    let connections = GracefulShutdown::new();
    tokio::pin!(shutdown);

    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Such as too many open files: wait for connections to close, then go on.
                    tracing::error!(target: LOG_TARGET, %error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let stream = StalledWritesFail::new(stream, header_timeout);
        let service = service_for(peer);
        let checked = hyper::service::service_fn(move |request: Request<Incoming>| {
            let answer = names_one_host(&request).then(|| service.call(request));
            async move {
                match answer {
                    Some(answer) => answer.await,
                    None => {
                        let mut refused = Response::new(B::default());
                        *refused.status_mut() = hyper::StatusCode::BAD_REQUEST;
                        Ok(refused)
                    }
                }
            }
        });
        let connection = http.serve_connection(TokioIo::new(stream), checked);
        let connection = connections.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(target: LOG_TARGET, %peer, %error, "connection closed");
            }
        });
    }

    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, connections.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(target: LOG_TARGET,
            grace = ?SHUTDOWN_GRACE,
            "connections still open after the grace period: stopping without them"
        );
    }
}

/// Whether `request` has the `Host` header HTTP/1.1 requires: exactly one, or none in a request
/// of HTTP/1.0, which has none of its own. A server must answer any other with 400 (RFC 9112,
/// section 3.2), so that proxies and the server cannot read two different targets from it.
pub fn names_one_host<T>(request: &Request<T>) -> bool {
    match request
        .headers()
        .get_all(hyper::header::HOST)
        .iter()
        .count()
    {
        1 => true,
        0 => request.version() < hyper::Version::HTTP_11,
        _ => false,
    }
}

/// A connection whose writes fail once they have made no progress for `limit`: a client that
/// stops reading its answers (sending many requests and reading none, say) is disconnected, as
/// one that stops sending its headers is, instead of holding the connection and the answers
/// buffered for it for good. Reads pass through untouched.
struct StalledWritesFail<T> {
    inner: T,
    limit: Duration,
    /// Armed when a write is first held up, dropped when one makes progress.
    stalled: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<T> StalledWritesFail<T> {
    fn new(inner: T, limit: Duration) -> Self {
        StalledWritesFail {
            inner,
            limit,
            stalled: None,
        }
    }

    /// `poll`, the outcome of a write, or a timeout once writes have been held up for `limit`.
    fn watch<R>(&mut self, cx: &mut Context<'_>, poll: Poll<io::Result<R>>) -> Poll<io::Result<R>> {
        if poll.is_ready() {
            self.stalled = None;
            return poll;
        }
        let limit = self.limit;
        let stalled = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match stalled.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client read none of its answer for the header timeout",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for StalledWritesFail<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for StalledWritesFail<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.watch(cx, poll)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.watch(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_flush(cx);
        this.watch(cx, poll)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// The signal to stop: resolves on the first Ctrl-C or, on Unix, SIGTERM after
/// [`shutdown_signal`] made it.
#[must_use = "a shutdown signal does nothing unless awaited"]
pub struct ShutdownSignal(Pin<Box<dyn Future<Output = ()> + Send>>);

impl Future for ShutdownSignal {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.0.as_mut().poll(cx)
    }
}

impl std::fmt::Debug for ShutdownSignal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ShutdownSignal")
    }
}

/// Starts listening for Ctrl-C and, on Unix, SIGTERM, at once, and returns the future that
/// resolves on the first of them. Call it inside the async runtime before announcing the address:
/// a signal that comes before the listening starts still ends the process at once, as the
/// operating system's default does, while one that comes after it stops the server gracefully.
pub fn shutdown_signal() -> ShutdownSignal {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let listen = |kind: SignalKind, name: &'static str| match signal(kind) {
            Ok(signal) => Some(signal),
            Err(error) => {
                tracing::error!(target: LOG_TARGET, %error, "cannot listen for {name}");
                None
            }
        };
        let interrupt = listen(SignalKind::interrupt(), "Ctrl-C");
        let terminate = listen(SignalKind::terminate(), "SIGTERM");
        ShutdownSignal(Box::pin(async move {
            let received = |signal: Option<tokio::signal::unix::Signal>| async move {
                match signal {
                    Some(mut signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = received(interrupt) => {
                    tracing::info!(target: LOG_TARGET, "Ctrl-C: shutting down");
                }
                () = received(terminate) => {
                    tracing::info!(target: LOG_TARGET, "SIGTERM: shutting down");
                }
            }
        }))
    }
    #[cfg(not(unix))]
    {
        ShutdownSignal(Box::pin(async {
            match tokio::signal::ctrl_c().await {
                Ok(()) => tracing::info!(target: LOG_TARGET, "Ctrl-C: shutting down"),
                Err(error) => {
                    tracing::error!(target: LOG_TARGET, %error, "cannot listen for Ctrl-C");
                    std::future::pending::<()>().await;
                }
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    use super::*;

    #[tokio::test]
    async fn a_client_that_shuts_its_side_after_its_request_still_gets_the_answer() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let never = ShutdownSignal(Box::pin(std::future::pending()));
        // An answer that takes a while, so that the client's end of input arrives before it.
        let slow_answer = |_| {
            hyper::service::service_fn(|_: Request<Incoming>| async {
                tokio::time::sleep(Duration::from_millis(50)).await;
                Ok::<_, std::convert::Infallible>(Response::new(String::from("ok")))
            })
        };
        tokio::spawn(serve_connections(
            listener,
            Duration::from_secs(5),
            never,
            slow_answer,
        ));
        for _ in 0..3 {
            let mut stream = tokio::net::TcpStream::connect(address)
                .await
                .expect("connect");
            stream
                .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .await
                .expect("request");
            stream.shutdown().await.expect("shut the writing side");
            let mut answer = String::new();
            stream.read_to_string(&mut answer).await.expect("answer");
            assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer:?}");
            assert!(answer.ends_with("\r\n\r\nok"), "{answer:?}");
        }
    }

    #[tokio::test]
    async fn a_request_head_over_the_limit_gets_431_and_one_under_it_an_answer() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let never = ShutdownSignal(Box::pin(std::future::pending()));
        let answer = |_| {
            hyper::service::service_fn(|_: Request<Incoming>| async {
                Ok::<_, std::convert::Infallible>(Response::new(String::from("ok")))
            })
        };
        tokio::spawn(serve_connections(
            listener,
            Duration::from_secs(5),
            never,
            answer,
        ));
        // The request line and `Host` take 25 bytes, the cookie's name and the end 14 more. One
        // read may take the buffer past the limit, so a head a little over it can still pass.
        for (cookie_len, status) in [
            (MAX_REQUEST_HEAD / 2, "200"),
            (MAX_REQUEST_HEAD - 100, "200"),
            (4 * MAX_REQUEST_HEAD, "431"),
            (10 * MAX_REQUEST_HEAD, "431"),
        ] {
            let mut stream = tokio::net::TcpStream::connect(address)
                .await
                .expect("connect");
            let request = format!(
                "GET / HTTP/1.1\r\nHost: x\r\nCookie: c={}\r\n\r\n",
                "v".repeat(cookie_len)
            );
            // The server may answer and close before it has read all of an oversized head.
            let _ = stream.write_all(request.as_bytes()).await;
            let mut answer = vec![0; 12];
            stream.read_exact(&mut answer).await.expect("an answer");
            let answer = String::from_utf8_lossy(&answer);
            assert_eq!(answer, format!("HTTP/1.1 {status}"), "{cookie_len}");
        }
    }

    #[test]
    fn a_request_needs_one_host_from_http_1_1_on() {
        let request = |version, hosts: &[&str]| {
            let mut builder = Request::builder().version(version);
            for host in hosts {
                builder = builder.header(hyper::header::HOST, *host);
            }
            builder.body(()).expect("a request")
        };
        let (old, new) = (hyper::Version::HTTP_10, hyper::Version::HTTP_11);
        for (version, hosts, accepted) in [
            (new, &[][..], false),
            (new, &["a"][..], true),
            (new, &["a", "a"][..], false),
            (new, &["a", "b"][..], false),
            (old, &[][..], true),
            (old, &["a"][..], true),
            (old, &["a", "b"][..], false),
        ] {
            let request = request(version, hosts);
            assert_eq!(names_one_host(&request), accepted, "{version:?} {hosts:?}");
        }
    }

    #[tokio::test]
    async fn a_write_the_client_never_reads_fails_after_the_limit() {
        let (server, _client) = tokio::io::duplex(64);
        let mut server = StalledWritesFail::new(server, Duration::from_millis(200));
        let started = std::time::Instant::now();
        let error = server
            .write_all(&[b'x'; 1024])
            .await
            .expect_err("the write stalls");
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() >= Duration::from_millis(200));
    }

    #[tokio::test]
    async fn a_slow_client_that_keeps_reading_gets_every_byte() {
        let (server, mut client) = tokio::io::duplex(64);
        // 16 reads of 64 bytes, 50 ms apart: far longer than the limit in all, never between
        // two of them.
        let mut server = StalledWritesFail::new(server, Duration::from_millis(300));
        let reader = tokio::spawn(async move {
            let mut read = 0;
            let mut chunk = [0; 64];
            loop {
                tokio::time::sleep(Duration::from_millis(50)).await;
                match client.read(&mut chunk).await.expect("read") {
                    0 => return read,
                    n => read += n,
                }
            }
        });
        server
            .write_all(&[b'x'; 1024])
            .await
            .expect("every byte written");
        server.shutdown().await.expect("shut down");
        drop(server);
        assert_eq!(reader.await.expect("reader"), 1024);
    }
}
