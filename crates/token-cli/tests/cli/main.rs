//! End-to-end tests of the `ckeditor-token` binary: each command run as a process, servers on
//! 127.0.0.1 reached over real HTTP, tokens verified independently with jsonwebtoken.
//!
//! One test binary, so the helpers in `common` are built and linked once.

mod common;
mod config_errors;
mod development;
mod environments;
mod forward;
mod help;
mod inspect;
mod issue;
mod slow_clients;
mod trusted_headers;
