//! The key and the issuer that the tests about a key in tokens and logs share.

use ckeditor_token_core::{Environment, FixedClock, Issuer};

/// The access key of environment `E`, with a tail (`9f8e7d6c5b4a`) that a test can look for on
/// its own.
pub(crate) const KEY: &str = "SUPER-SECRET-key-material-9f8e7d6c5b4a";

/// An issuer of the environment `E` whose access key is [`KEY`], at a fixed time.
pub(crate) fn issuer() -> Issuer {
    Issuer::builder(Environment::new("E", KEY).expect("env"))
        .clock(FixedClock::at_unix_seconds(1_700_000_000))
        .build()
        .expect("issuer")
}

/// `text` with every byte percent-encoded, as a URL could carry it.
pub(crate) fn percent_encoded(text: &str) -> String {
    text.bytes().map(|byte| format!("%{byte:02X}")).collect()
}
