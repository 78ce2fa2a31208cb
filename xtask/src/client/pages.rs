//! The two test page origins: plain HTML on 127.0.0.1, each on a port of its own.
//!
//! One origin is listed in the apps' CORS configuration (allowed), the other is not
//! (disallowed). The driver loads the client bundle into these pages and calls the apps from
//! there, so every request it makes from them is a real cross-origin request.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

const PAGE: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>ckeditor-token client page</title></head><body><p>Client test page.</p></body></html>\n";

/// A page origin being served; stops serving when dropped.
#[derive(Debug)]
pub(super) struct PageOrigin {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl PageOrigin {
    /// Binds a fresh port on 127.0.0.1 and serves the page there.
    pub(super) fn start() -> Result<Self, String> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .map_err(|error| format!("could not bind a page origin: {error}"))?;
        let address = listener
            .local_addr()
            .map_err(|error| format!("could not read the page origin's address: {error}"))?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    answer(stream);
                }
            }
        });
        Ok(PageOrigin {
            address,
            stop,
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`, as browsers spell the origin.
    pub(super) fn origin(&self) -> String {
        format!("http://{}", self.address)
    }
}

impl Drop for PageOrigin {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads one request head and answers it with the page (or 404 for anything but `GET`).
fn answer(stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(&stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|read| read > 2) {
        line.clear();
    }
    let (status, body) = if request_line.starts_with("GET ") {
        ("200 OK", PAGE)
    } else {
        ("405 Method Not Allowed", "")
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = stream;
    let _ = stream.write_all(response.as_bytes());
}
