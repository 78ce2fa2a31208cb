//! Keys never appear in an error's `Display` or `Debug`, in any `Debug` print, or in a log line;
//! the log line of a user's invalid identity names the user instead.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ckeditor_token_core::{
    Environment, Expectations, FixedClock, Identity, Issuer, Role, SecretKey, TokenEndpoint,
    inspect,
};

const KEY: &str = "SUPER-SECRET-key-material-9f8e7d6c5b4a";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("not poisoned")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn assert_clean(text: &str) {
    assert!(!text.contains(KEY), "the key leaked: {text}");
    assert!(
        !text.contains("9f8e7d6c5b4a"),
        "part of the key leaked: {text}"
    );
}

#[test]
fn no_error_debug_print_or_log_line_contains_the_key() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();

    let mut texts = Vec::new();
    tracing::subscriber::with_default(subscriber, || {
        let errors = [
            Environment::new("bad id", KEY).map(|_| ()),
            Environment::new("", KEY).map(|_| ()),
            Environment::new("E", &KEY.repeat(40)).map(|_| ()),
            // Two lines of a file pasted for one key.
            Environment::new("E", &format!("{KEY}\nnext-line")).map(|_| ()),
            Environment::new("E", &format!("{KEY}\n")).map(|_| ()),
            Environment::from_lookup(|name| (name == "CKEDITOR_ACCESS_KEY").then(|| KEY.into()))
                .map(|_| ()),
            SecretKey::new(&format!("  {KEY}  "))
                .and_then(|_| SecretKey::new(""))
                .map(|_| ()),
            Issuer::builder(Environment::new("E", KEY).expect("env"))
                .lifetime(Duration::from_secs(5))
                .build()
                .map(|_| ()),
            inspect(
                "a.b",
                &Expectations {
                    key: Some(KEY.as_bytes()),
                    environment_id: None,
                    now: 0,
                    on_premises: false,
                },
            )
            .map(|_| ()),
        ];
        for error in errors {
            let error = error.expect_err("each case is an error");
            texts.push(error.to_string());
            texts.push(format!("{error:?}"));
        }

        // A short key is accepted with a warning, which must not quote it.
        let short = Environment::new("E", "short-9f8e7d6c5b4a").expect("accepted");
        texts.push(format!("{short:?}"));

        let environment = Environment::new("E", KEY).expect("env");
        let issuer = Issuer::builder(environment.clone())
            .clock(FixedClock::at_unix_seconds(1_700_000_000))
            .build()
            .expect("issuer");
        let identity = Identity::builder("u")
            .grant("*", Role::Writer)
            .build()
            .expect("identity");
        let token = issuer.collaboration(&identity).expect("token");
        let endpoint = TokenEndpoint::new(issuer.clone());
        let padded_name = Identity::builder("ann-42").name(" Ann").build();
        assert_eq!(endpoint.decide(padded_name.into()).into_parts().0, 500);
        texts.extend([
            format!("{environment:?}"),
            format!("{issuer:?}"),
            format!("{token:?}"),
        ]);
        assert!(
            !format!("{token:?}").contains(token.as_str()),
            "Debug hides the token"
        );
    });

    for text in &texts {
        assert_clean(text);
    }
    let log = String::from_utf8(captured.0.lock().expect("not poisoned").clone()).expect("UTF-8");
    assert!(
        log.contains("shorter than 32 bytes"),
        "the short key was warned about: {log}"
    );
    assert_eq!(
        log.matches("SECRET_KEY as written").count(),
        1,
        "only the padded secret key was warned about: {log}"
    );
    assert!(
        log.contains("issued a token"),
        "issuing is logged at debug: {log}"
    );
    assert!(
        log.contains(concat!(
            "the identity given for the signed-in user is invalid ",
            r#"subject="ann-42" error=invalid user.name"#
        )),
        "the invalid identity is logged with its user: {log}"
    );
    assert_clean(&log);
}
