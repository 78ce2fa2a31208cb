//! `serve` against clients that open connections and then stall: each is disconnected after the
//! header timeout, and requests from others are answered meanwhile.

use std::io::{ErrorKind, Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::common::{Server, client, get};

/// The header timeout the server runs with here.
const HEADER_TIMEOUT: &str = "1s";
/// How long a test waits for the server to close a connection before calling it left open.
const CLOSE_DEADLINE: Duration = Duration::from_secs(5);
/// How many stalled connections are opened at once.
const STALLED: usize = 50;

fn server() -> Server {
    Server::start(
        &["--dev"],
        &[("CKEDITOR_TOKEN_HEADER_TIMEOUT", HEADER_TIMEOUT)],
    )
}

fn connect(server: &Server) -> TcpStream {
    let address = server.base.trim_start_matches("http://");
    let stream = TcpStream::connect(address).expect("the server accepts");
    stream
        .set_read_timeout(Some(CLOSE_DEADLINE * 2))
        .expect("a read timeout");
    stream
}

/// Reads until the server closes the connection, and says how long that took from `since`;
/// panics if it stays open past the read timeout.
fn wait_for_close(mut stream: TcpStream, since: Instant) -> Duration {
    let mut rest = Vec::new();
    match stream.read_to_end(&mut rest) {
        Ok(_) => {}
        Err(error) if error.kind() == ErrorKind::ConnectionReset => {}
        Err(error) => panic!("the connection stayed open: {error}"),
    }
    since.elapsed()
}

#[test]
fn a_client_that_stalls_in_its_headers_is_disconnected() {
    let server = server();
    let started = Instant::now();
    let stalled: Vec<TcpStream> = (0..STALLED)
        .map(|_| {
            let mut stream = connect(&server);
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .expect("a partial request is sent");
            stream
        })
        .collect();

    let (status, body) = get(&client(), &format!("{}/healthz", server.base), &[]);
    assert_eq!((status, body.as_str()), (200, "ok"));

    for stream in stalled {
        let after = wait_for_close(stream, started);
        assert!(
            after >= Duration::from_millis(900),
            "closed early, after {after:?}"
        );
        assert!(after < CLOSE_DEADLINE, "closed only after {after:?}");
    }
}

#[test]
fn an_idle_connection_is_closed_after_the_header_timeout() {
    let server = server();
    let mut stream = connect(&server);
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .expect("a request is sent");
    let mut answer = Vec::new();
    let mut buffer = [0u8; 1024];
    for _ in 0..100 {
        let read = stream.read(&mut buffer).expect("the server answers");
        answer.extend_from_slice(&buffer[..read]);
        if read == 0 || answer.ends_with(b"\r\n\r\nok") {
            break;
        }
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("\r\n\r\nok"), "{answer}");

    let after = wait_for_close(stream, Instant::now());
    assert!(
        after >= Duration::from_millis(500),
        "closed early, after {after:?}"
    );
    assert!(after < CLOSE_DEADLINE, "closed only after {after:?}");
}
