//! # ckeditor-token
//!
//! The CKEditor 5 token endpoint as a command, for applications not written in Rust:
//!
//! - `serve` runs the endpoint beside the application, behind the same reverse proxy: with
//!   credentials, with trusted headers from an authenticating proxy or with forward
//!   authentication against the application's "who am I" URL, and with grants from the
//!   configuration's rules; with `--dev` instead, in development mode (demo users, loopback
//!   only);
//! - `issue` prints one token from flags, for curl tests and the converters' REST APIs;
//! - `inspect` decodes a token and lists every rule of the spec it breaks.
//!
//! Settings come from a TOML file (`--config`) with environment variables laid over it; the
//! README documents every one. Exit status: 0 success, 1 failure (or, for `inspect`, problems
//! found), 2 usage or configuration error, 3 for `inspect` finding no problem in a token whose
//! signature it had no key to check.

mod address;
mod auth;
mod config;
mod duration;
mod error;
mod flag;
mod inspect;
mod issue;
mod logging;
mod output;
mod rules;
mod serve;
mod settings;
mod throttle;
mod time_text;

use std::path::PathBuf;
use std::process::ExitCode;

use ckeditor_token_demo_login::settings as shared;
use clap::{Args, Parser, Subcommand};

use crate::config::{ServeConfig, ServeFlags};
use crate::error::CliError;
use crate::logging::{LogFormat, LogSettings};
use crate::settings::Settings;

/// The CKEditor 5 token endpoint, and tokens issued or inspected from the command line.
#[derive(Debug, Parser)]
#[command(name = "ckeditor-token", version, propagate_version = true)]
#[command(after_help = "\
Settings come from the --config file, with environment variables laid over it (the \
environment wins); the README lists every setting.

Exit status: 0 success, 1 failure (inspect: problems found), 2 usage or configuration error, 3 \
(inspect) no problems found but the signature not checked, for want of a key.")]
struct Cli {
    /// TOML configuration file
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        env = "CKEDITOR_TOKEN_CONFIG"
    )]
    config: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the token endpoint: GET /token, /healthz, until Ctrl-C or SIGTERM
    Serve(ServeArgs),
    /// Print one token from flags
    Issue(issue::IssueArgs),
    /// Decode a token, check its signature and list every rule it breaks
    Inspect(inspect::InspectArgs),
}

/// The flags of `serve`.
#[derive(Debug, Args)]
#[command(after_help = "\
It needs credentials (environment.id and environment.access_key, or CKEDITOR_ENVIRONMENT_ID and \
CKEDITOR_ACCESS_KEY); then auth.mode must be \"trusted-headers\" or \"forward\", and [[rule]] \
entries grant roles. [[other_environment]] entries add environments, one per tenant, each \
user's named by the proxy's auth.trusted_headers.environment_header or the application's \
auth.forward.environment_field. With --dev instead, it runs in development mode: the built-in \
development environment, demo users picked with GET /token?user=ID (the first by default), \
loopback only.

Examples:
  ckeditor-token serve --dev
  ckeditor-token serve --config ckeditor-token.toml --listen 0.0.0.0:8080 --log-format json")]
struct ServeArgs {
    /// Where to listen, such as 127.0.0.1:8080 or [::]:8080; port 0 picks a free port
    /// [default: listen of the configuration, else 127.0.0.1:8080]
    #[expect(
        rustdoc::broken_intra_doc_links,
        reason = "the text is --help, where [::] is an IPv6 address, not a link"
    )]
    #[arg(long, value_name = "ADDRESS")]
    listen: Option<String>,

    /// Development mode: the built-in development environment, whose tokens CKEditor Cloud
    /// Services refuses, and demo users picked by ?user=, on loopback only; not with credentials
    #[arg(long)]
    dev: bool,

    /// How to write the log on standard error [default: log.format of the configuration, else
    /// text]
    #[arg(long, value_name = "FORMAT")]
    log_format: Option<LogFormat>,
}

fn main() -> ExitCode {
    // Every error message quotes what was given where it can; a secret of the environment or
    // of the configuration file, pasted into another setting or argument, is kept out of it.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // `--help` and `--version`, on standard output.
        Err(error) if !error.use_stderr() => error.exit(),
        Err(error) => {
            let config = config_argument()
                .or_else(|| std::env::var_os("CKEDITOR_TOKEN_CONFIG").map(PathBuf::from));
            let secrets = settings::known_secrets(config.as_deref());
            let message = shared::for_log(error.render().to_string().trim_end(), &secrets);
            output::error_line(&message);
            return ExitCode::from(error::USAGE_EXIT);
        }
    };
    let fail = |error: CliError, secrets: &[String]| {
        output::error_line(&shared::for_log(
            &format!("ckeditor-token: {error}"),
            secrets,
        ));
        error.exit_code()
    };
    let settings = match Settings::load(cli.config.as_deref(), &settings::environment_variable) {
        Ok(settings) => settings,
        // A file named by the variable rather than the flag: the message says where to look.
        Err(CliError::ConfigFile { path, problem }) if config_argument().is_none() => {
            let error = CliError::ConfigFile {
                path: format!("{path} (from CKEDITOR_TOKEN_CONFIG)"),
                problem,
            };
            return fail(error, &settings::known_secrets(cli.config.as_deref()));
        }
        Err(error) => return fail(error, &settings::known_secrets(cli.config.as_deref())),
    };
    match run(&cli, &settings) {
        Ok(code) => code,
        Err(error) => fail(error, settings.secrets()),
    }
}

/// The file `--config` names on the command line, read without clap, for a message about
/// arguments clap refused.
fn config_argument() -> Option<PathBuf> {
    let mut arguments = std::env::args_os().skip(1);
    while let Some(argument) = arguments.next() {
        if argument == "--" {
            break;
        }
        if argument == "--config" {
            return arguments.next().map(PathBuf::from);
        }
        if let Some(path) = argument
            .to_str()
            .and_then(|text| text.strip_prefix("--config="))
        {
            return Some(PathBuf::from(path));
        }
    }
    None
}

fn run(cli: &Cli, settings: &Settings) -> Result<ExitCode, CliError> {
    match &cli.command {
        Command::Serve(args) => {
            // The log first, so that the warnings of the checks below (a file others may read,
            // a short key, rules that development mode ignores) reach it, in its format.
            LogSettings::from_settings(settings, args.log_format)?.install();
            warn_if_readable_by_others(settings);
            let flags = ServeFlags {
                listen: args.listen.clone(),
                development: args.dev,
            };
            let config = ServeConfig::from_settings(settings, &flags)?;
            serve::run(config, settings.secrets())
        }
        Command::Issue(args) => {
            warnings_only().install();
            warn_if_readable_by_others(settings);
            issue::run(settings, args)
        }
        Command::Inspect(args) => {
            warnings_only().install();
            warn_if_readable_by_others(settings);
            inspect::run(settings, args)
        }
    }
}

/// The log of `issue` and `inspect`: warnings about their settings (a short key, say) only.
fn warnings_only() -> LogSettings {
    LogSettings {
        format: LogFormat::Text,
        level: tracing::Level::WARN,
    }
}

/// Warns when the configuration file holds a key or secret and others may read it.
fn warn_if_readable_by_others(settings: &Settings) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;

        let Some(file) = settings.file() else { return };
        let with_variables = [
            "environment.access_key",
            "on_premises.secret_key",
            "auth.trusted_headers.secret",
        ];
        // Other environments have no variables: a key they hold is the file's.
        let others = &settings.values.other_environment;
        let holds_secret = with_variables.iter().any(|path| settings.file_sets(path))
            || others.iter().any(|other| other.access_key.is_some());
        let readable = std::fs::metadata(file)
            .map(|metadata| metadata.permissions().mode() & 0o004 != 0)
            .unwrap_or(false);
        if holds_secret && readable {
            tracing::warn!(
                file,
                "the configuration file holds a key or secret and every user of this machine may \
                 read it; take their read permission away (chmod o-r, for mode 640 or 600) or \
                 move the secrets to environment variables"
            );
        }
    }
}
