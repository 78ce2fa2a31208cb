//! The example apps' settings, read from environment variables, `--dev` and `--listen`, and
//! checked at start-up.
//!
//! | setting | meaning | default |
//! | --- | --- | --- |
//! | `CKEDITOR_ENVIRONMENT_ID` | the environment that signs tokens | required, or `--dev` |
//! | `CKEDITOR_ACCESS_KEY` | that environment's access key | required, or `--dev` |
//! | `--dev` | the built-in development environment instead (loopback only) | off |
//! | `--listen ADDR`, `CKEDITOR_TOKEN_LISTEN` | where to listen (port 0: any) | `127.0.0.1:8080` |
//! | `CKEDITOR_TOKEN_LIFETIME` | `iat` to `exp`, 1 min to 24 h, or `none` for no `exp` | `1h` |
//! | `CKEDITOR_TOKEN_HEADER_TIMEOUT` | time to send headers, a login form's body, or idle | `10s` |
//! | `CKEDITOR_TOKEN_CORS_ORIGINS` | origins that may fetch tokens (commas), or `*` | none |
//! | `CKEDITOR_TOKEN_CORS_CREDENTIALS` | `true` to let those origins send cookies | `false` |
//! | `CKEDITOR_TOKEN_CORS_HEADERS` | request headers they may send (commas) | none |
//! | `CKEDITOR_TOKEN_CORS_MAX_AGE` | how long a browser may cache a preflight | unset |
//! | `CKEDITOR_TOKEN_TEST_NOW` | test builds only: the clock, fixed at this Unix time | the clock |
//! | `CKEDITOR_TOKEN_TEST_LIFETIME` | test builds only: a lifetime, under 60 s too | unset |
//!
//! Durations are a whole number with an optional unit (`3600`, `90s`, `30m`, `1h`); flags are
//! `true` or `false` (or `1`, `0`, `yes`, `no`). The `ckeditor-token` binary reads the same
//! variables the same way, through [`crate::settings`].
//!
//! Test builds are those with the `test-hooks` feature; other builds refuse to start when a
//! test-only setting is present, rather than ignore it.

use std::ffi::{OsStr, OsString};
use std::net::SocketAddr;
use std::time::Duration;

use ckeditor_token_core::{
    ACCESS_KEY_VAR, CorsPolicy, DEFAULT_LIFETIME, ENVIRONMENT_ID_VAR, Environment, Expiry,
    FixedClock, Issuer, TokenEndpoint,
};

use crate::settings::{
    self, CorsSetting, DEFAULT_HEADER_TIMEOUT, check_headers_hold_no_secret, cors_policy,
    parse_expiry, parse_flag, parse_header_timeout, parse_list, parse_whole_seconds,
};

/// Where to listen.
pub const LISTEN_VAR: &str = "CKEDITOR_TOKEN_LISTEN";
/// Token lifetime, a duration, or `none`.
pub const LIFETIME_VAR: &str = "CKEDITOR_TOKEN_LIFETIME";
/// How long a client may take to send a request's headers, a duration.
pub const HEADER_TIMEOUT_VAR: &str = "CKEDITOR_TOKEN_HEADER_TIMEOUT";
/// Comma-separated CORS origins, or `*`.
pub const CORS_ORIGINS_VAR: &str = "CKEDITOR_TOKEN_CORS_ORIGINS";
/// `true` or `false`: CORS with credentials.
pub const CORS_CREDENTIALS_VAR: &str = "CKEDITOR_TOKEN_CORS_CREDENTIALS";
/// Comma-separated request headers allowed by CORS.
pub const CORS_HEADERS_VAR: &str = "CKEDITOR_TOKEN_CORS_HEADERS";
/// Preflight cache time, a duration.
pub const CORS_MAX_AGE_VAR: &str = "CKEDITOR_TOKEN_CORS_MAX_AGE";
/// Test builds only: the fixed clock, in Unix seconds.
pub const TEST_NOW_VAR: &str = "CKEDITOR_TOKEN_TEST_NOW";
/// Test builds only: a token lifetime in seconds, under a minute allowed.
pub const TEST_LIFETIME_VAR: &str = "CKEDITOR_TOKEN_TEST_LIFETIME";

/// Every variable the examples read.
pub const VARIABLES: [&str; 11] = [
    ENVIRONMENT_ID_VAR,
    ACCESS_KEY_VAR,
    LISTEN_VAR,
    LIFETIME_VAR,
    HEADER_TIMEOUT_VAR,
    CORS_ORIGINS_VAR,
    CORS_CREDENTIALS_VAR,
    CORS_HEADERS_VAR,
    CORS_MAX_AGE_VAR,
    TEST_NOW_VAR,
    TEST_LIFETIME_VAR,
];

/// Each variable of [`VARIABLES`] with what it sets, for `--help`.
const VARIABLE_HELP: [(&str, &str); 11] = [
    (
        ENVIRONMENT_ID_VAR,
        "the environment that signs tokens (required, unless --dev)",
    ),
    (ACCESS_KEY_VAR, "that environment's access key"),
    (
        LISTEN_VAR,
        "where to listen, as --listen (default 127.0.0.1:8080; port 0: any)",
    ),
    (
        LIFETIME_VAR,
        "iat to exp, 1 min to 24 h (90s, 30m, 1h), or none (default 1h)",
    ),
    (
        HEADER_TIMEOUT_VAR,
        "time to send a request's headers, a login form's body, or to idle (default 10s)",
    ),
    (
        CORS_ORIGINS_VAR,
        "origins that may fetch tokens, comma-separated, or * (default none)",
    ),
    (
        CORS_CREDENTIALS_VAR,
        "true to let those origins send cookies (default false)",
    ),
    (
        CORS_HEADERS_VAR,
        "request headers they may send, comma-separated (default none)",
    ),
    (
        CORS_MAX_AGE_VAR,
        "how long a browser may cache a preflight, at most 24 h (default unset)",
    ),
    (
        TEST_NOW_VAR,
        "test builds only: the clock, fixed at this Unix time",
    ),
    (
        TEST_LIFETIME_VAR,
        "test builds only: a lifetime, under 60 s too",
    ),
];

/// What an example prints for `--help` (or `-h`): how to start it, and the variables it reads.
pub fn usage(program: &str) -> String {
    let mut text = format!(
        "A small app with a demo login and the CKEditor token route at GET /token.\n\n\
         usage: {program} [--dev] [--listen ADDRESS]\n\n\
         --dev runs the built-in development environment, loopback only, instead of one of\n\
         CKEditor's (its tokens are refused by CKEditor Cloud Services).\n\n\
         Settings come from the environment (the README's \"Settings of the examples\"):\n"
    );
    for (name, meaning) in VARIABLE_HELP {
        text.push_str(&format!("  {name:<32} {meaning}\n"));
    }
    text.push_str(
        "\nRoutes:\n  GET /         who is signed in, and a sign-in form\n  \
         POST /login   user=ID signs a demo user in (a session cookie)\n  \
         POST /logout  signs out\n  GET /token    the signed-in user's token\n\nDemo users:\n",
    );
    for user in crate::users::all() {
        text.push_str(&format!("  {:<8} {}\n", user.id, user.label()));
    }
    text
}

/// Whether the arguments ask for [`usage`]. They are read as the system gives them, so that an
/// argument that is not UTF-8 is no answer here but an error of the settings.
pub fn wants_help<S: AsRef<OsStr>>(args: impl IntoIterator<Item = S>) -> bool {
    args.into_iter()
        .any(|arg| arg.as_ref() == "--help" || arg.as_ref() == "-h")
}

/// The address used without `--listen` or `CKEDITOR_TOKEN_LISTEN`.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// The environment ID of the built-in development environment.
pub const DEVELOPMENT_ENVIRONMENT_ID: &str = "ckeditor-token-development";
/// The access key of the built-in development environment. It is public, so CKEditor Cloud
/// Services never accepts its tokens; it only lets the examples run without an account.
const DEVELOPMENT_ACCESS_KEY: &str = "development-only-key-published-in-the-source-code";

/// A setting that stops the app at start-up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A setting has a value the app cannot use.
    #[error("{setting}: {problem}")]
    Setting {
        /// The environment variable or argument.
        setting: &'static str,
        /// What is wrong and what to write instead.
        problem: String,
    },
    /// The credentials are missing, empty, blank or malformed; the message names the setting.
    #[error(transparent)]
    Credentials(ckeditor_token_core::Error),
}

fn setting(setting: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError::Setting {
        setting,
        problem: problem.into(),
    }
}

/// The checked settings of an example app.
#[derive(Debug, Clone)]
pub struct Config {
    /// The environment that signs tokens.
    pub environment: Environment,
    /// Whether that is the built-in development environment.
    pub development: bool,
    /// Where to listen.
    pub listen: SocketAddr,
    /// How long a client may take to send a request's headers, and a connection may stay idle.
    pub header_timeout: Duration,
    /// Whether and when tokens expire.
    pub lifetime: Expiry,
    /// Which other origins may fetch tokens.
    pub cors: CorsPolicy,
    /// Test builds: the fixed clock.
    pub test_now: Option<u64>,
    /// Test builds: a lifetime under a minute.
    pub test_lifetime: Option<u64>,
}

impl Config {
    /// The settings from the process's environment variables and command-line arguments.
    ///
    /// # Errors
    ///
    /// As [`from_sources`](Config::from_sources).
    pub fn from_env() -> Result<Config, ConfigError> {
        // A variable or argument that is not UTF-8 is refused, never taken as unset: garbled
        // credentials must not fall back to the development environment.
        for name in VARIABLES {
            utf8(name, std::env::var_os(name))?;
        }
        let args = std::env::args_os()
            .skip(1)
            .map(|arg| arg.into_string())
            .collect::<Result<Vec<String>, _>>()
            .map_err(|_| setting("arguments", "an argument is not valid UTF-8"))?;
        Config::from_sources(|name| std::env::var(name).ok(), args)
    }

    /// The settings from `lookup` (environment variables) and `args` (without the program name).
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the first setting that is wrong: credentials missing without
    /// `--dev`, given with it, or of which only one is set or one is empty, blank or malformed;
    /// development mode on a non-loopback address;
    /// an unparsable address, lifetime, CORS setting or argument; a header timeout outside 1 s
    /// to 5 min; a test-only setting in a build without the `test-hooks` feature.
    pub fn from_sources(
        lookup: impl Fn(&str) -> Option<String>,
        args: impl IntoIterator<Item = String>,
    ) -> Result<Config, ConfigError> {
        let Args {
            listen: listen_arg,
            development,
        } = parse_args(args)?;

        let set: Vec<&str> = [ENVIRONMENT_ID_VAR, ACCESS_KEY_VAR]
            .into_iter()
            .filter(|name| lookup(name).is_some())
            .collect();
        match (development, !set.is_empty()) {
            (false, false) => {
                return Err(setting(
                    ENVIRONMENT_ID_VAR,
                    format!(
                        "is not set, and neither is {ACCESS_KEY_VAR}; set both, from the CKEditor \
                         Customer Portal, or start with --dev for the built-in development \
                         environment (loopback only)"
                    ),
                ));
            }
            (true, true) => {
                let (verb, them) = if set.len() == 1 {
                    ("is", "it")
                } else {
                    ("are", "them")
                };
                return Err(setting(
                    "--dev",
                    format!(
                        "runs the built-in development environment, but {} {verb} set; unset \
                         {them}, or start without --dev",
                        set.join(" and "),
                    ),
                ));
            }
            _ => {}
        }
        let environment = if development {
            development_environment()
        } else {
            Environment::from_lookup(&lookup)
        }
        .map_err(ConfigError::Credentials)?;

        let (listen, listen_setting) = match (listen_arg, lookup(LISTEN_VAR)) {
            (Some(address), _) => (address, "--listen"),
            (None, Some(address)) => (address, LISTEN_VAR),
            (None, None) => (DEFAULT_LISTEN.to_owned(), LISTEN_VAR),
        };
        let listen: SocketAddr = listen.trim().parse().map_err(|_| {
            setting(
                listen_setting,
                format!("{listen:?} is not an address such as 127.0.0.1:8080 or [::1]:0"),
            )
        })?;
        if development && !listen.ip().to_canonical().is_loopback() {
            return Err(setting(
                listen_setting,
                format!(
                    "the built-in development environment (--dev) serves only loopback \
                     addresses, not {listen}; set {ENVIRONMENT_ID_VAR} and {ACCESS_KEY_VAR} \
                     instead of --dev to listen there"
                ),
            ));
        }

        Ok(Config {
            environment,
            development,
            listen,
            header_timeout: header_timeout(lookup(HEADER_TIMEOUT_VAR))?,
            lifetime: parse_lifetime(lookup(LIFETIME_VAR))?,
            cors: parse_cors(&lookup)?,
            test_now: test_setting(TEST_NOW_VAR, lookup(TEST_NOW_VAR))?,
            test_lifetime: test_setting(TEST_LIFETIME_VAR, lookup(TEST_LIFETIME_VAR))?,
        })
    }

    /// The token endpoint these settings describe: the environment's issuer with the lifetime
    /// and clock, collaboration tokens, and the CORS policy.
    ///
    /// # Errors
    ///
    /// A lifetime outside one minute to 24 hours, named by its setting; a crypto backend that
    /// does not work.
    pub fn endpoint(&self) -> Result<TokenEndpoint, ConfigError> {
        let mut issuer = Issuer::builder(self.environment.clone());
        issuer = match self.lifetime {
            Expiry::After(lifetime) => issuer.lifetime(lifetime),
            Expiry::Never => issuer.without_expiry(),
        };
        if let Some(now) = self.test_now {
            issuer = issuer.clock(FixedClock::at_unix_seconds(now));
        }
        #[cfg(feature = "test-hooks")]
        if let Some(seconds) = self.test_lifetime {
            issuer = issuer.short_lifetime_for_tests(Duration::from_secs(seconds));
        }
        let issuer = issuer.build().map_err(|error| match error {
            ckeditor_token_core::Error::InvalidLifetime { .. } => {
                setting(LIFETIME_VAR, error.to_string())
            }
            other => ConfigError::Credentials(other),
        })?;
        Ok(TokenEndpoint::new(issuer).with_cors(self.cors.clone()))
    }

    /// Logs what the app starts with: the environment ID (never the key), and a warning in
    /// development mode or with test settings.
    pub fn log_start(&self) {
        if self.development {
            tracing::warn!(
                environment = DEVELOPMENT_ENVIRONMENT_ID,
                "--dev: using the built-in development environment, whose tokens CKEditor \
                 Cloud Services refuses; listening on loopback only"
            );
        } else {
            tracing::info!(environment = %self.environment.id(), "signing tokens");
        }
        if self.test_now.is_some() || self.test_lifetime.is_some() {
            tracing::warn!(
                now = self.test_now,
                lifetime = self.test_lifetime,
                "test settings are active: a fixed clock or a lifetime under a minute"
            );
        }
        tracing::info!(
            origins = %self.origins_for_log(&settings::secrets_from_env()),
            credentials = self.cors.allows_credentials(),
            "CORS policy"
        );
    }

    /// The CORS policy's origins as the start-up log shows them: with `secrets` hidden, as in
    /// every message of the apps ([`settings::for_log`]), for a key pasted into the origins.
    fn origins_for_log(&self, secrets: &[String]) -> String {
        settings::for_log(&settings::describe_origins(self.cors.origins()), secrets)
    }
}

/// The built-in development environment: [`DEVELOPMENT_ENVIRONMENT_ID`] and a key published in
/// this source code, so that CKEditor Cloud Services never accepts its tokens. For running the
/// examples and the `ckeditor-token` binary without an account, on loopback only.
///
/// # Errors
///
/// Only if the core's checks of environment IDs or keys become stricter than these values.
pub fn development_environment() -> Result<Environment, ckeditor_token_core::Error> {
    Environment::new(DEVELOPMENT_ENVIRONMENT_ID, DEVELOPMENT_ACCESS_KEY)
}

/// The command-line arguments of an example.
struct Args {
    listen: Option<String>,
    development: bool,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Args, ConfigError> {
    let mut args = args.into_iter();
    let mut listen = None;
    let mut development = false;
    while let Some(arg) = args.next() {
        if arg == "--dev" {
            development = true;
        } else if arg == "--listen" {
            let value = args
                .next()
                .ok_or_else(|| setting("--listen", "needs an address, such as 127.0.0.1:0"))?;
            listen = Some(value);
        } else if let Some(value) = arg.strip_prefix("--listen=") {
            listen = Some(value.to_owned());
        } else {
            return Err(setting(
                "arguments",
                format!(
                    "unknown argument {arg:?}; an example takes --dev and --listen ADDRESS, \
                     and --help lists its settings"
                ),
            ));
        }
    }
    Ok(Args {
        listen,
        development,
    })
}

/// The text of the variable `name`, whose value is `value`.
fn utf8(name: &'static str, value: Option<OsString>) -> Result<Option<String>, ConfigError> {
    value
        .map(OsString::into_string)
        .transpose()
        .map_err(|_| setting(name, "is not valid UTF-8"))
}

fn header_timeout(value: Option<String>) -> Result<Duration, ConfigError> {
    value.map_or(Ok(DEFAULT_HEADER_TIMEOUT), |value| {
        parse_header_timeout(&value).map_err(|problem| setting(HEADER_TIMEOUT_VAR, problem))
    })
}

fn parse_lifetime(value: Option<String>) -> Result<Expiry, ConfigError> {
    value.map_or(Ok(Expiry::After(DEFAULT_LIFETIME)), |value| {
        parse_expiry(&value).map_err(|problem| setting(LIFETIME_VAR, problem))
    })
}

fn parse_cors(lookup: &impl Fn(&str) -> Option<String>) -> Result<CorsPolicy, ConfigError> {
    let origins = lookup(CORS_ORIGINS_VAR).unwrap_or_default();
    let headers = lookup(CORS_HEADERS_VAR).unwrap_or_default();
    let credentials = lookup(CORS_CREDENTIALS_VAR)
        .map_or(Ok(false), |text| parse_flag(&text))
        .map_err(|problem| setting(CORS_CREDENTIALS_VAR, problem))?;
    let max_age = lookup(CORS_MAX_AGE_VAR)
        .map(|text| parse_whole_seconds(&text))
        .transpose()
        .map_err(|problem| setting(CORS_MAX_AGE_VAR, problem))?;
    let key: Vec<String> = lookup(ACCESS_KEY_VAR)
        .map(|key| key.trim().to_owned())
        .into_iter()
        .collect();
    check_headers_hold_no_secret(parse_list(&headers), &key)
        .map_err(|problem| setting(CORS_HEADERS_VAR, problem))?;
    cors_policy(
        parse_list(&origins),
        credentials,
        parse_list(&headers),
        max_age,
    )
    .map_err(|(where_, problem)| {
        let name = match where_ {
            CorsSetting::Origins => CORS_ORIGINS_VAR,
            CorsSetting::OriginsWithCredentials => {
                "CKEDITOR_TOKEN_CORS_ORIGINS, CKEDITOR_TOKEN_CORS_CREDENTIALS"
            }
            CorsSetting::Headers => CORS_HEADERS_VAR,
            CorsSetting::MaxAge => CORS_MAX_AGE_VAR,
        };
        setting(name, problem)
    })
}

fn test_setting(name: &'static str, value: Option<String>) -> Result<Option<u64>, ConfigError> {
    let Some(value) = value else {
        return Ok(None);
    };
    if !cfg!(feature = "test-hooks") {
        return Err(setting(
            name,
            "is a test-only setting; build the example with `--features test-hooks` to use it",
        ));
    }
    value
        .trim()
        .parse()
        .map(Some)
        .map_err(|_| setting(name, format!("{value:?} is not a whole number of seconds")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "config-test-key-0123456789abcdef0123456789";

    /// The settings of `pairs` and `args`; with neither credential in `pairs`, started with
    /// `--dev` as well, as an app must be then.
    fn config(pairs: &[(&str, &str)], args: &[&str]) -> Result<Config, ConfigError> {
        let credentials = pairs
            .iter()
            .any(|(name, _)| *name == ENVIRONMENT_ID_VAR || *name == ACCESS_KEY_VAR);
        let mut args = args.to_vec();
        if !credentials {
            args.insert(0, "--dev");
        }
        config_as_given(pairs, &args)
    }

    /// The settings of `pairs` and `args` as they are.
    fn config_as_given(pairs: &[(&str, &str)], args: &[&str]) -> Result<Config, ConfigError> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_sources(
            move |name| {
                pairs
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
            },
            args.iter().map(|arg| (*arg).to_owned()),
        )
    }

    fn message(result: Result<Config, ConfigError>) -> String {
        result.expect_err("the settings are wrong").to_string()
    }

    #[test]
    fn no_credentials_means_development_on_loopback() {
        let config = config(&[], &[]).expect("development settings");
        assert!(config.development);
        assert_eq!(config.environment.id().as_str(), DEVELOPMENT_ENVIRONMENT_ID);
        assert_eq!(config.listen, DEFAULT_LISTEN.parse().expect("an address"));
        assert_eq!(config.lifetime, Expiry::After(Duration::from_secs(3600)));
        assert!(!config.cors.is_cross_origin());

        let ipv6 = super::tests::config(&[], &["--listen", "[::1]:0"]).expect("loopback");
        assert_eq!(ipv6.listen.port(), 0);
        // 127.0.0.1 as an IPv6 socket writes it.
        let mapped = super::tests::config(&[], &["--listen", "[::ffff:127.0.0.1]:0"]);
        assert!(mapped.expect("loopback").listen.ip().is_ipv6());
        let refused = message(super::tests::config(
            &[],
            &["--listen", "[::ffff:192.0.2.1]:0"],
        ));
        assert!(refused.contains("loopback"), "{refused}");
        let refused = message(super::tests::config(&[(LISTEN_VAR, "0.0.0.0:8080")], &[]));
        assert!(refused.starts_with(LISTEN_VAR), "{refused}");
        assert!(refused.contains("loopback"), "{refused}");
        let refused = message(super::tests::config(&[], &["--listen=192.0.2.1:80"]));
        assert!(refused.starts_with("--listen"), "{refused}");
    }

    #[test]
    fn development_mode_is_asked_for_and_never_mixed_with_credentials() {
        let missing = message(config_as_given(&[], &[]));
        assert!(missing.starts_with(ENVIRONMENT_ID_VAR), "{missing}");
        assert!(missing.contains(ACCESS_KEY_VAR), "{missing}");
        assert!(missing.contains("--dev"), "{missing}");
        for pairs in [
            &[(ENVIRONMENT_ID_VAR, "ENV_TEST_123"), (ACCESS_KEY_VAR, KEY)][..],
            &[(ACCESS_KEY_VAR, KEY)],
            &[(ENVIRONMENT_ID_VAR, "")],
        ] {
            let mixed = message(config_as_given(pairs, &["--dev"]));
            assert!(mixed.starts_with("--dev: "), "{mixed}");
            assert!(!mixed.contains(KEY), "{mixed}");
            let named = pairs.iter().map(|(name, _)| *name).collect::<Vec<_>>();
            assert!(mixed.contains(&named.join(" and ")), "{mixed}");
        }
    }

    #[test]
    fn real_credentials_may_listen_anywhere() {
        let pairs = [(ENVIRONMENT_ID_VAR, "ENV_TEST_123"), (ACCESS_KEY_VAR, KEY)];
        let config = config(&pairs, &["--listen", "0.0.0.0:0"]).expect("valid");
        assert!(!config.development);
        assert_eq!(config.environment.id().as_str(), "ENV_TEST_123");
        assert!(!format!("{config:?}").contains(KEY));
    }

    #[test]
    fn half_set_empty_or_blank_credentials_name_the_setting() {
        let cases: [(&[(&str, &str)], &str); 6] = [
            (&[(ENVIRONMENT_ID_VAR, "ENV_TEST_123")], ACCESS_KEY_VAR),
            (&[(ACCESS_KEY_VAR, KEY)], ENVIRONMENT_ID_VAR),
            (
                &[(ENVIRONMENT_ID_VAR, "ENV_TEST_123"), (ACCESS_KEY_VAR, "")],
                ACCESS_KEY_VAR,
            ),
            (
                &[(ENVIRONMENT_ID_VAR, "ENV_TEST_123"), (ACCESS_KEY_VAR, "  ")],
                ACCESS_KEY_VAR,
            ),
            (
                &[(ENVIRONMENT_ID_VAR, ""), (ACCESS_KEY_VAR, KEY)],
                ENVIRONMENT_ID_VAR,
            ),
            (
                &[(ENVIRONMENT_ID_VAR, "\t"), (ACCESS_KEY_VAR, KEY)],
                ENVIRONMENT_ID_VAR,
            ),
        ];
        for (pairs, named) in cases {
            let text = message(config(pairs, &[]));
            assert!(text.starts_with(named), "{text}");
            assert!(!text.contains(KEY), "{text}");
        }
    }

    /// An access key pasted into the origins is a valid origin's host, so the app starts, and
    /// its start-up log must not show the key.
    #[test]
    fn the_logged_origins_hide_the_secrets() {
        let pasted = config(
            &[
                (ENVIRONMENT_ID_VAR, "env1"),
                (ACCESS_KEY_VAR, KEY),
                (CORS_ORIGINS_VAR, &format!("https://{KEY}, https://a.test")),
            ],
            &[],
        )
        .expect("valid origins");
        assert!(pasted.cors.allows_origin(&format!("https://{KEY}")));

        assert_eq!(
            pasted.origins_for_log(&[KEY.to_owned()]),
            "https://[secret], https://a.test"
        );
        assert!(pasted.origins_for_log(&[]).contains(KEY));
        let same_origin = config(&[], &[]).expect("development settings");
        assert_eq!(same_origin.origins_for_log(&[]), "same origin only");
    }

    #[test]
    fn help_names_every_variable() {
        let text = usage("example");
        assert!(
            text.contains("usage: example [--dev] [--listen ADDRESS]"),
            "{text}"
        );
        assert!(text.contains("--dev runs the built-in development environment"));
        assert!(
            text.contains("\n  POST /login   user=ID signs a demo user in"),
            "{text}"
        );
        assert!(
            text.contains("\n  erin     no editor access: no token, 403\n"),
            "{text}"
        );
        for name in VARIABLES {
            assert_eq!(
                text.matches(&format!("  {name} ")).count(),
                1,
                "{name}: {text}"
            );
        }
        assert!(wants_help(["--listen", "127.0.0.1:0", "--help"]));
        assert!(wants_help(["-h"]));
        assert!(!wants_help(["--listen", "127.0.0.1:0"]));
        assert!(!wants_help(Vec::<String>::new()));
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt as _;
            let not_utf8 = OsStr::from_bytes(b"\xff");
            assert!(!wants_help([not_utf8]));
            assert!(wants_help([not_utf8, OsStr::new("-h")]));
        }
    }

    #[test]
    fn lifetimes_cors_and_arguments_are_checked() {
        assert_eq!(
            config(&[(LIFETIME_VAR, "none")], &[])
                .expect("valid")
                .lifetime,
            Expiry::Never
        );
        assert!(message(config(&[(LIFETIME_VAR, "soon")], &[])).starts_with(LIFETIME_VAR));
        let short = config(&[(LIFETIME_VAR, "5")], &[]).expect("parsed");
        assert!(message(short.endpoint().map(|_| short.clone())).starts_with(LIFETIME_VAR));

        let cors = config(
            &[
                (
                    CORS_ORIGINS_VAR,
                    "https://editor.example.test, http://localhost:3000",
                ),
                (CORS_CREDENTIALS_VAR, "true"),
                (CORS_HEADERS_VAR, "authorization,x-document-id"),
                (CORS_MAX_AGE_VAR, "600"),
            ],
            &[],
        )
        .expect("valid CORS");
        assert!(cors.cors.allows_origin("http://localhost:3000"));
        assert!(cors.cors.allows_credentials());
        assert_eq!(
            cors.cors.allowed_headers(),
            ["authorization", "x-document-id"]
        );

        let wildcard = [(CORS_ORIGINS_VAR, "*"), (CORS_CREDENTIALS_VAR, "true")];
        let text = message(config(&wildcard, &[]));
        assert!(
            text.starts_with("CKEDITOR_TOKEN_CORS_ORIGINS, CKEDITOR_TOKEN_CORS_CREDENTIALS: "),
            "{text}"
        );
        let trailing_slash = [(CORS_ORIGINS_VAR, "https://editor.example.test/")];
        assert!(message(config(&trailing_slash, &[])).starts_with(CORS_ORIGINS_VAR));
        // An origin without a scheme is the origins' problem alone, credentials or not.
        let no_scheme = [
            (CORS_ORIGINS_VAR, "editor.example.test"),
            (CORS_CREDENTIALS_VAR, "true"),
        ];
        let text = message(config(&no_scheme, &[]));
        assert!(
            text.starts_with("CKEDITOR_TOKEN_CORS_ORIGINS: ") && text.contains("has no scheme"),
            "{text}"
        );
        let undecided = message(config(&[(CORS_CREDENTIALS_VAR, "maybe")], &[]));
        assert!(undecided.starts_with(CORS_CREDENTIALS_VAR), "{undecided}");
        assert!(
            !undecided.contains("maybe"),
            "a flag's value is not shown: {undecided}"
        );
        assert!(message(config(&[], &["--port", "1"])).contains("--port"));
        assert!(message(config(&[], &["--listen"])).starts_with("--listen"));
    }

    #[test]
    fn durations_take_units_and_flags_any_case_and_problems_name_their_setting() {
        let read = config(
            &[
                (LIFETIME_VAR, "30m"),
                (HEADER_TIMEOUT_VAR, "2s"),
                (CORS_ORIGINS_VAR, "https://editor.example.test"),
                (CORS_CREDENTIALS_VAR, " Yes "),
                (CORS_MAX_AGE_VAR, "10m"),
            ],
            &[],
        )
        .expect("valid settings");
        assert_eq!(read.lifetime, Expiry::After(Duration::from_secs(1800)));
        assert_eq!(read.header_timeout, Duration::from_secs(2));
        assert!(read.cors.allows_credentials());
        assert_eq!(read.cors.max_age(), Some(Duration::from_secs(600)));
        let endpoint = read.endpoint().expect("an endpoint");
        assert_eq!(
            endpoint.issuer().expiry(),
            Expiry::After(Duration::from_secs(1800))
        );

        let defaults = config(&[], &[]).expect("defaults");
        assert_eq!(defaults.header_timeout, Duration::from_secs(10));
        assert_eq!(defaults.lifetime, Expiry::After(DEFAULT_LIFETIME));
        assert!(!defaults.cors.allows_credentials());

        for (value, problem) in [
            ("500ms", "500 ms is outside 1 s to 5 min"),
            ("6m", "6 min is outside 1 s to 5 min"),
            ("soon", "\"soon\" is not a duration"),
        ] {
            let text = message(config(&[(HEADER_TIMEOUT_VAR, value)], &[]));
            assert!(
                text.starts_with(&format!("{HEADER_TIMEOUT_VAR}: {problem}")),
                "{text}"
            );
        }
        let origins = (CORS_ORIGINS_VAR, "https://editor.example.test");
        for (pair, problem) in [
            ((CORS_MAX_AGE_VAR, "1d"), "\"1d\" is not a duration"),
            (
                (CORS_MAX_AGE_VAR, "25h"),
                "invalid endpoint configuration: CORS policy: a preflight max age of 90000 s",
            ),
            (
                (CORS_MAX_AGE_VAR, "1500ms"),
                "1500 ms is not a whole number of seconds",
            ),
            (
                (CORS_HEADERS_VAR, "X Bad"),
                "invalid endpoint configuration: CORS policy: ",
            ),
            (
                (LIFETIME_VAR, "90500ms"),
                "90500 ms is not a whole number of seconds",
            ),
        ] {
            let text = message(config(&[origins, pair], &[]));
            assert!(
                text.starts_with(&format!("{}: {problem}", pair.0)),
                "{text}"
            );
        }
    }

    #[test]
    fn an_allowed_header_that_holds_the_key_is_refused_without_showing_it() {
        let headers = format!("authorization,x-{}", KEY.to_uppercase());
        let text = message(config(
            &[
                (ENVIRONMENT_ID_VAR, "env-1"),
                (ACCESS_KEY_VAR, KEY),
                (CORS_ORIGINS_VAR, "https://editor.example.test"),
                (CORS_HEADERS_VAR, &headers),
            ],
            &[],
        ));
        assert!(
            text.starts_with(&format!("{CORS_HEADERS_VAR}: holds a key or secret")),
            "{text}"
        );
        assert!(!text.to_lowercase().contains(KEY), "{text}");
    }

    #[test]
    fn every_variable_read_is_checked_for_utf8() {
        let read = std::cell::RefCell::new(Vec::new());
        let lookup = |name: &str| {
            read.borrow_mut().push(name.to_owned());
            None
        };
        Config::from_sources(lookup, vec!["--dev".to_owned()]).expect("development settings");
        let read = read.into_inner();
        for name in &read {
            assert!(
                VARIABLES.contains(&name.as_str()),
                "{name} is read unchecked"
            );
        }
        for name in VARIABLES {
            assert!(read.iter().any(|read| read == name), "{name} is never read");
        }
    }

    #[test]
    fn a_variable_that_is_not_utf8_is_refused_not_unset() {
        use std::os::unix::ffi::OsStringExt;
        let garbled = OsString::from_vec(b"env\xff".to_vec());
        let message = utf8(ENVIRONMENT_ID_VAR, Some(garbled))
            .expect_err("not UTF-8")
            .to_string();
        assert_eq!(message, "CKEDITOR_ENVIRONMENT_ID: is not valid UTF-8");
        assert_eq!(utf8(LISTEN_VAR, None), Ok(None));
        let text = utf8(LISTEN_VAR, Some(OsString::from("127.0.0.1:0")));
        assert_eq!(text, Ok(Some("127.0.0.1:0".to_owned())));
    }

    #[test]
    fn test_settings_need_the_test_hooks_feature() {
        let result = config(&[(TEST_NOW_VAR, "1700000000")], &[]);
        if cfg!(feature = "test-hooks") {
            let config = result.expect("a test build");
            assert_eq!(config.test_now, Some(1_700_000_000));
            assert!(config.endpoint().is_ok());
        } else {
            assert!(message(result).starts_with(TEST_NOW_VAR));
        }
    }
}
