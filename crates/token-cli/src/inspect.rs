//! `inspect`: a token's header and claims, its times for people, its signature, every rule of
//! the spec it breaks and each member the token format has no use for, as the core's inspection
//! finds them.
//!
//! Exit status 0 when the token is fine and its signature checked, 1 when problems were found
//! (or the text is not a JWT at all), 2 on a usage error, 3 when no problem was found but there
//! was no key to check the signature with.

use std::borrow::Cow;
use std::io::Read as _;
use std::process::ExitCode;

use ckeditor_token_core::{
    ACCESS_KEY_VAR, EnvironmentId, Error, Expectations, Finding, Inspection, KeySearch,
    SECRET_KEY_VAR, SignatureCheck, SigningKey, inspect, unix_seconds,
};
use ckeditor_token_demo_login::config::{DEVELOPMENT_ENVIRONMENT_ID, development_environment};
use clap::Args;
use serde_json::Value;

use crate::config;
use crate::error::{CliError, FAILURE_EXIT, UNCHECKED_EXIT};
use crate::output;
use crate::settings::Settings;
use crate::time_text::{relative, utc_date};

/// The flags of `inspect`.
#[derive(Debug, Args)]
#[command(after_help = "\
The signature is checked with --key, else with CKEDITOR_ACCESS_KEY or [environment] of the \
--config file (CKEDITOR_SECRET_KEY or [on_premises] with --on-premises); without a key it is \
not checked, except for a token of the built-in development environment of serve --dev, whose \
key is public. aud is compared with --environment-id, else CKEDITOR_ENVIRONMENT_ID or the \
configuration's environment. Without --key, the key of an [[other_environment]] of the \
--config file checks the signature when --environment-id names it, or, without \
--environment-id, when the token's aud does (its ID is then compared with aud).

Exit status: 0 the token is fine, its signature checked; 1 problems were found; 2 usage \
error; 3 no problems found, but the signature was not checked (no key).

Examples:
  ckeditor-token inspect eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJ...
  curl -s http://127.0.0.1:8080/token | ckeditor-token inspect -")]
pub(crate) struct InspectArgs {
    /// The token, or `-` to read it from standard input
    #[arg(value_name = "TOKEN")]
    token: String,

    /// The key to check the signature with. Visible to other users of this machine in the
    /// process list; prefer CKEDITOR_ACCESS_KEY
    #[arg(long, value_name = "KEY")]
    key: Option<String>,

    /// The environment the token should be for (`aud`); not with --on-premises, whose tokens
    /// have no `aud`
    #[arg(long, value_name = "ID", conflicts_with = "on_premises")]
    environment_id: Option<String>,

    /// An on-premises converter token: checked with the secret key, and `iat` only expected
    #[arg(long)]
    on_premises: bool,

    /// Inspect as of this moment (Unix seconds) instead of now, such as the time of a bug report
    #[arg(long, value_name = "UNIX_SECONDS")]
    at: Option<u64>,
}

/// Where the key came from, for the report.
struct Key {
    bytes: Vec<u8>,
    source: String,
}

/// `quoted` without the quotes around it.
fn unquoted(quoted: &str) -> &str {
    quoted
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .unwrap_or(quoted)
}

/// Inspects the token and prints the report.
///
/// # Errors
///
/// An empty token or unreadable standard input, or a blank `--key` (exit 2); a failed write
/// (exit 1).
pub(crate) fn run(settings: &Settings, args: &InspectArgs) -> Result<ExitCode, CliError> {
    let token = read_token(&args.token)?;
    let Checking {
        key,
        key_variable,
        environment_id,
        id_name,
        chosen_by_aud,
    } = checking(settings, args, &token)?;
    let now = moment(args)?;
    let mut expect = Expectations::at(now);
    expect.key = key.as_ref().map(|key| key.bytes.as_slice());
    expect.environment_id = environment_id.as_deref();
    expect.on_premises = args.on_premises;

    let mut inspection = match inspect(&token, &expect) {
        Ok(inspection) => inspection,
        Err(error) => {
            let error = format!("{error}{}", pasted_with(&token));
            output::line(&format!(
                "problems (1):\n  - {}",
                output::escape_controls(&error)
            ))?;
            return Ok(ExitCode::from(FAILURE_EXIT));
        }
    };
    // The development environment signs cloud tokens only.
    let development = development_key(&inspection, !args.on_premises);
    // A key given (by --key or the environment) for a token from `serve --dev`: the key that
    // does verify it is worth a word next to the one that does not.
    let development_verifies = key.is_some()
        && inspection.signature == SignatureCheck::Invalid
        && development.as_ref().is_some_and(|development| {
            let mut expect = expect.with_key(&development.bytes);
            expect.environment_id = None;
            inspect(&token, &expect).is_ok_and(|checked| checked.signature == SignatureCheck::Valid)
        });
    let development = development.filter(|_| key.is_none());
    if let Some(development) = &development {
        let expect = expect.with_key(&development.bytes);
        inspection = inspect(&token, &expect).map_err(|e| CliError::Failed(e.to_string()))?;
    }
    let key = key.or(development);
    let secrets = other_secrets(settings, key.as_ref());
    // A signature the checking key refuses and another key of the settings verifies, as when a
    // token of one environment names another in its `aud`: which key it is is worth a word.
    let verifying = match inspection.signature {
        SignatureCheck::Invalid => secrets.iter().find(|(_, secret)| {
            let expect = Expectations::at(now).with_key(secret.as_bytes());
            inspect(&token, &expect).is_ok_and(|checked| checked.signature == SignatureCheck::Valid)
        }),
        _ => None,
    };
    let verifying = verifying.map(|(name, _)| name.clone());
    let elsewhere = carried_elsewhere(&token, secrets);
    let audience = match (&environment_id, args.on_premises) {
        (_, true) => Audience::NotCarried,
        (Some(_), false) if chosen_by_aud => Audience::ChosenBy(&id_name),
        (Some(_), false) => Audience::Checked(&id_name),
        (None, false) => Audience::NotChecked,
    };
    let mut shown = report(
        &inspection,
        &elsewhere,
        key.as_ref(),
        &key_variable,
        &audience,
        now,
        args.at.is_some(),
    );
    if development_verifies {
        shown.push_str(
            "\nnote: the token is from serve --dev, and the development environment's public \
             key verifies it; inspect checks with that key when no other is given",
        );
    }
    if let Some(name) = verifying {
        shown.push_str(&format!(
            "\nnote: the key from {name} verifies the signature"
        ));
    }
    output::line(&shown)?;
    let is_ok = inspection.is_ok() && elsewhere.problems.is_empty();
    Ok(match (is_ok, inspection.signature) {
        (false, _) => ExitCode::from(FAILURE_EXIT),
        (true, SignatureCheck::Valid) => ExitCode::SUCCESS,
        (true, SignatureCheck::NotChecked) => ExitCode::from(UNCHECKED_EXIT),
        // A signature that does not verify is a problem found, so this is not reached.
        (true, SignatureCheck::Invalid) => ExitCode::from(FAILURE_EXIT),
    })
}

/// What `inspect` checks a token with: the key, named, and the environment ID `aud` is compared
/// with, named.
struct Checking {
    key: Option<Key>,
    /// What to set for a key when there is none, for the report.
    key_variable: String,
    environment_id: Option<String>,
    id_name: String,
    /// Whether the token's `aud` chose the environment (of an `[[other_environment]]`).
    chosen_by_aud: bool,
}

/// The key and environment ID that check `token`, from the flags and the settings.
///
/// # Errors
///
/// An empty `--environment-id`; a key that cannot be used, or whose variable is not UTF-8;
/// `[environment]` contradicted by an `[[other_environment]]`; an environment ID that is the
/// key, holds it or looks swapped with it.
fn checking(settings: &Settings, args: &InspectArgs, token: &str) -> Result<Checking, CliError> {
    if args
        .environment_id
        .as_deref()
        .is_some_and(|id| id.trim().is_empty())
    {
        return Err(CliError::setting(
            "--environment-id",
            "is empty; give the environment ID the token's aud should name",
        ));
    }
    let other = other_environment(settings, args, token);
    let key = match (&other, &args.key) {
        (Some(other), None) if other.key_not_text => {
            return Err(CliError::setting(
                &other.key_name,
                "is not valid UTF-8; set it to the environment's access key (the value is not \
                 shown, as it may be a secret)",
            ));
        }
        (Some(other), None) => checked_key(other.key.clone(), other.key_name.clone(), false)?,
        _ => key(settings, args)?,
    };
    // `[environment]`'s key, beside another environment's ID or key, would vouch for a token
    // of the wrong environment.
    let first = &settings.values.environment;
    if !args.on_premises
        && let (Some(id), Some(first_key)) = (&first.id, &first.access_key)
    {
        config::check_against_other_environments(settings, id, first_key)?;
    }
    let key_variable = match (&other, args.on_premises) {
        (Some(other), _) => other.key_name.clone(),
        (None, true) => SECRET_KEY_VAR.to_owned(),
        (None, false) => ACCESS_KEY_VAR.to_owned(),
    };
    // clap refuses `--environment-id` with `--on-premises`.
    let chosen_by_aud = other.is_some() && args.environment_id.is_none() && args.key.is_none();
    let (environment_id, id_name) = match (&args.environment_id, args.on_premises, other) {
        (_, true, _) => (None, String::new()),
        (Some(id), false, _) => (Some(id.clone()), "--environment-id".to_owned()),
        (None, false, Some(other)) => (Some(other.id), other.id_name),
        (None, false, None) => (
            settings.values.environment.id.clone(),
            settings.name("environment.id"),
        ),
    };
    // An ID that is the access key, holds it or looks swapped with it is refused as `issue`
    // and `serve` refuse it: the report would otherwise quote the key as the expected `aud`.
    // Another ID that is no environment's is compared with `aud` all the same.
    if let (Some(id), Some(key), false) = (&environment_id, &key, args.on_premises)
        && let Ok(access_key) = std::str::from_utf8(&key.bytes)
        && let Some(problem) = id_beside_key(id, &id_name, access_key)
    {
        return Err(CliError::setting(
            id_name,
            format!(
                "is not valid: {problem}; give the environment ID, which tokens show to the \
                 browser as their aud"
            ),
        ));
    }
    Ok(Checking {
        key,
        key_variable,
        environment_id,
        id_name,
        chosen_by_aud,
    })
}

/// The moment the token is judged at, in Unix seconds: `--at`, or now.
///
/// # Errors
///
/// An `--at` beyond the year 5000 as seconds (milliseconds, likely); a clock before 1970.
fn moment(args: &InspectArgs) -> Result<u64, CliError> {
    match args.at {
        // Beyond the year 5000 as seconds, which the inspection also takes an `iat` for.
        Some(at) if at >= 100_000_000_000 => Err(CliError::setting(
            "--at",
            format!(
                "{at} lies beyond the year 5000 as seconds; give Unix seconds, not milliseconds"
            ),
        )),
        Some(at) => Ok(at),
        None => unix_seconds(std::time::SystemTime::now())
            .map_err(|error| CliError::Failed(error.to_string())),
    }
}

/// The keys and secrets of the settings besides `key`, the one that checks the signature, with
/// their settings' names: those long enough to be looked for (the access keys of the
/// environments, the on-premises secret key, the trusted secret).
fn other_secrets(settings: &Settings, key: Option<&Key>) -> Vec<(String, String)> {
    let checking = key.map(|key| key.bytes.trim_ascii());
    let values = &settings.values;
    let named = [
        ("environment.access_key", &values.environment.access_key),
        ("on_premises.secret_key", &values.on_premises.secret_key),
        (
            "auth.trusted_headers.secret",
            &values.auth.trusted_headers.secret,
        ),
    ];
    let named = named
        .into_iter()
        .filter_map(|(path, secret)| Some((settings.name(path), secret.as_deref()?)));
    let mut secrets: Vec<(String, String)> = named
        .chain(settings.other_access_keys())
        .map(|(name, secret)| (name, secret.trim()))
        .filter(|(_, secret)| secret.len() >= ckeditor_token_core::MIN_KEY_SEARCHED_LEN)
        .filter(|(_, secret)| Some(secret.as_bytes()) != checking)
        .map(|(name, secret)| (name, secret.to_owned()))
        .collect();
    // The file's own, where a variable gives the setting instead.
    for secret in settings.searched_secrets() {
        let known = secrets.iter().any(|(_, known)| known == secret);
        if !known && Some(secret.as_bytes()) != checking {
            let name = "a key or secret of the configuration file".to_owned();
            secrets.push((name, secret.to_owned()));
        }
    }
    secrets
}

/// The other keys and secrets of the settings that a token carries: where, for the problems,
/// and each of them, to be hidden wherever the report would show it.
struct Elsewhere {
    problems: Vec<String>,
    secrets: Vec<String>,
}

/// Where `token` holds one of `secrets` (named by their settings), found as the key that checks
/// the signature is: a token is to carry no key or secret of the server.
fn carried_elsewhere(token: &str, secrets: Vec<(String, String)>) -> Elsewhere {
    let mut problems = Vec::new();
    for (name, secret) in &secrets {
        let Ok(checked) = inspect(token, &Expectations::at(0).with_key(secret.as_bytes())) else {
            continue;
        };
        for finding in checked.findings {
            let path = match finding {
                Finding::KeyInToken { path } => path,
                Finding::AudienceIsKey => "aud".to_owned(),
                _ => continue,
            };
            problems.push(format!(
                "{path} holds {name}, a key or secret of the settings, which every holder of \
                 the token can read; replace it, and keep it out of tokens"
            ));
        }
    }
    let secrets = secrets.into_iter().map(|(_, secret)| secret).collect();
    Elsewhere { problems, secrets }
}

/// `text` with `secret` shown as `[key]`: as it is, in the forms the key search finds, and
/// escaped in JSON or as Rust quotes it.
fn hide_secret(text: &str, secret: &str) -> String {
    let text = KeySearch::new(secret.as_bytes())
        .map_or(Cow::Borrowed(text), |search| search.hide_in(text))
        .into_owned();
    let json = serde_json::to_string(secret).unwrap_or_default();
    let debug = format!("{secret:?}");
    [unquoted(&json), unquoted(&debug)]
        .into_iter()
        .filter(|form| !form.is_empty())
        .fold(text, |text, form| text.replace(form, "[key]"))
}

/// What a token that is not a JWT was likely pasted with, as a hint to add to the problem: the
/// quotes of a JSON string, an `Authorization` header, or the JSON around it.
fn pasted_with(token: &str) -> &'static str {
    let lower = token.get(..14).unwrap_or(token).to_ascii_lowercase();
    if lower.starts_with("authorization:") || lower.starts_with("bearer ") {
        "; it starts like an Authorization header: give the token alone, without `Bearer `"
    } else if token.starts_with(['"', '\'']) {
        "; it starts with a quote: give the token without the quotes around it"
    } else if token.starts_with('{') {
        "; it starts like JSON: give the token alone, not the answer that holds it"
    } else {
        ""
    }
}

/// The most bytes read from standard input.
const MAX_STDIN_LEN: u64 = 1 << 20;

fn read_token(argument: &str) -> Result<String, CliError> {
    let token = if argument == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .take(MAX_STDIN_LEN + 1)
            .read_to_end(&mut bytes)
            .map_err(|error| CliError::Usage(format!("cannot read standard input: {error}")))?;
        if u64::try_from(bytes.len()).map_or(true, |len| len > MAX_STDIN_LEN) {
            return Err(CliError::Usage(
                "standard input holds more than 1 MiB, which is no token (an issued one is under \
                 8 KiB)"
                    .to_owned(),
            ));
        }
        String::from_utf8(bytes).map_err(|_| {
            CliError::Usage("standard input is not UTF-8, so it holds no token".to_owned())
        })?
    } else {
        argument.to_owned()
    };
    let token = token.trim();
    if token.is_empty() {
        return Err(CliError::Usage(
            "the token is empty; give it as an argument, or `-` and the token on standard input"
                .to_owned(),
        ));
    }
    Ok(token.to_owned())
}

/// A configured `[[other_environment]]`: its ID and key, named as the settings name them.
struct OtherEnvironment {
    id: String,
    id_name: String,
    key: Option<String>,
    key_name: String,
    /// Whether the variable that holds the key is set but not UTF-8.
    key_not_text: bool,
}

/// The `[[other_environment]]` a cloud token is inspected for: the one `--environment-id` names,
/// else the one whose key `--key` gives, else the one whose ID is the token's `aud` (`serve`
/// signs such a token with that environment's key); never one that repeats `[environment]`'s
/// ID, which is `[environment]`'s.
fn other_environment(
    settings: &Settings,
    args: &InspectArgs,
    token: &str,
) -> Option<OtherEnvironment> {
    if args.on_premises {
        return None;
    }
    let claims;
    let chosen: &dyn Fn(usize, &str) -> bool = match (&args.environment_id, &args.key) {
        (Some(wanted), _) => &|_, id| id == wanted.as_str(),
        (None, Some(key)) => &|index, _| settings.other_access_key(index) == Some(key.trim()),
        (None, None) => {
            claims = inspect(token, &Expectations::at(0)).ok()?.claims;
            let aud = claims.get("aud")?.as_str()?;
            &move |_, id| id == aud
        }
    };
    // `[environment]`'s own ID is its own, also when an entry repeats it.
    let first = settings.values.environment.id.as_deref();
    let others = settings.values.other_environment.iter().enumerate();
    others
        .filter_map(|(index, other)| Some((index, other.id.as_deref()?, other)))
        .filter(|(index, id, _)| Some(*id) != first && chosen(*index, id))
        .map(|(index, id, other)| OtherEnvironment {
            id: id.to_owned(),
            id_name: settings.name(&format!("other_environment[{}].id", index + 1)),
            key: settings.other_access_key(index).map(str::to_owned),
            key_name: settings.other_key_name(index),
            key_not_text: other.key_variable_not_text,
        })
        .next()
}

fn key(settings: &Settings, args: &InspectArgs) -> Result<Option<Key>, CliError> {
    let (value, source) = match (&args.key, args.on_premises) {
        (Some(key), _) => (Some(key.clone()), "--key".to_owned()),
        (None, false) => (
            settings.values.environment.access_key.clone(),
            settings.name("environment.access_key"),
        ),
        (None, true) => (
            settings.values.on_premises.secret_key.clone(),
            settings.name("on_premises.secret_key"),
        ),
    };
    checked_key(value, source, args.on_premises)
}

/// The key `value` from `source`, checked as an access key unless it is an on-premises secret
/// key.
fn checked_key(
    value: Option<String>,
    source: String,
    on_premises: bool,
) -> Result<Option<Key>, CliError> {
    match value {
        None => Ok(None),
        Some(key) if key.trim().is_empty() => Err(CliError::setting(
            source,
            "is empty; give the key that signed the token, or none to skip the signature",
        )),
        // An access key is checked as `issue` and `serve` check it; an on-premises secret key is
        // used as written, as the server uses it.
        Some(key) if !on_premises => match SigningKey::access_key(&key) {
            Ok(key) => Ok(Some(Key {
                bytes: key.expose_bytes().to_vec(),
                source,
            })),
            Err(Error::InvalidKey { problem, .. }) => Err(CliError::setting(
                source,
                format!("is not usable: {problem}"),
            )),
            Err(error) => Err(CliError::setting(source, error.to_string())),
        },
        Some(key) => Ok(Some(Key {
            bytes: key.into_bytes(),
            source,
        })),
    }
}

/// The built-in development environment's key, for a cloud token (`cloud`) whose `aud` names
/// that environment: its key is public, so its tokens can always be checked.
fn development_key(inspection: &Inspection, cloud: bool) -> Option<Key> {
    let aud = inspection.claims.get("aud").and_then(Value::as_str);
    if !cloud || aud != Some(DEVELOPMENT_ENVIRONMENT_ID) {
        return None;
    }
    let environment = development_environment().ok()?;
    Some(Key {
        bytes: environment.access_key().expose_bytes().to_vec(),
        source: "the built-in development environment, which is public (CKEditor Cloud Services \
                 refuses its tokens)"
            .to_owned(),
    })
}

/// What is wrong with the environment ID `id` beside `access_key`, as `serve` would refuse it,
/// or `None`: an ID that is the key, holds it or looks swapped with it; or one that is not an
/// environment ID and holds the key, say beside a line break pasted with it.
fn id_beside_key(id: &str, id_name: &str, access_key: &str) -> Option<&'static str> {
    match EnvironmentId::new(id) {
        Ok(id) => match id.check_key(id_name, access_key) {
            Err(Error::InvalidEnvironmentId { problem, .. }) => Some(problem),
            _ => None,
        },
        Err(_) => KeySearch::new(access_key.trim().as_bytes())
            .is_some_and(|search| search.holds(id))
            .then_some("it holds the access key"),
    }
}

/// Whether the report compared `aud` with an environment ID.
enum Audience<'a> {
    /// With the one from the setting or flag so named.
    Checked(&'a str),
    /// Not compared: the token's `aud` chose the environment of the setting so named, whose key
    /// checks the signature.
    ChosenBy(&'a str),
    /// There was none to compare with.
    NotChecked,
    /// An on-premises token carries no `aud`.
    NotCarried,
}

/// The report. Everything in it that comes from the token (the header, the claims, and the
/// document keys and claim paths the findings quote) has its control and reordering characters
/// escaped, so that a token cannot rewrite the report on screen. `now` is the moment the token
/// is judged at: the clock's, or the one `--at` gave (`chosen`).
fn report(
    inspection: &Inspection,
    elsewhere: &Elsewhere,
    key: Option<&Key>,
    key_variable: &str,
    audience: &Audience<'_>,
    now: u64,
    chosen: bool,
) -> String {
    // A key the token carries (a finding says where) is not printed, in the header, the claims
    // or the problems that quote them: the report may be pasted into a bug report.
    let carries_key = inspection
        .findings
        .iter()
        .any(|finding| matches!(finding, Finding::KeyInToken { .. } | Finding::AudienceIsKey));
    let carried_key = key
        .filter(|_| carries_key)
        .and_then(|key| std::str::from_utf8(key.bytes.trim_ascii()).ok());
    // The key as the report could write it: as it is (a key long enough to be looked for also
    // in another letter case or percent-encoded, as the findings look for it), escaped in JSON
    // (the header and claims) and escaped as Rust quotes it (the problems). It is hidden before
    // the report's own escaping of control characters, which would change it again.
    let key_forms: Vec<String> = carried_key.map_or_else(Vec::new, |key| {
        let json = serde_json::to_string(key).unwrap_or_default();
        let debug = format!("{key:?}");
        [key, unquoted(&json), unquoted(&debug)]
            .into_iter()
            .filter(|form| !form.is_empty())
            .map(str::to_owned)
            .collect()
    });
    // A key long enough to be looked for is hidden wherever the report would show it, found or
    // not: a problem can quote what no finding names, such as a member given twice.
    let search = key.and_then(|key| KeySearch::new(key.bytes.trim_ascii()));
    // So is every other key or secret of the settings.
    let hide_key = |text: &str| {
        let text = search
            .as_ref()
            .map_or(Cow::Borrowed(text), |search| search.hide_in(text));
        let text = key_forms.iter().fold(text.into_owned(), |text, form| {
            text.replace(form.as_str(), "[key]")
        });
        let others = elsewhere.secrets.iter();
        others.fold(text, |text, secret| hide_secret(&text, secret))
    };
    let pretty = |value: &Value| {
        let json = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
        output::escape_controls_in_json(&hide_key(&json)).into_owned()
    };
    let mut lines = vec![
        "header:".to_owned(),
        pretty(&inspection.header),
        "claims:".to_owned(),
        pretty(&inspection.claims),
        if chosen {
            format!("times (at {}, from --at):", utc_date(now))
        } else {
            format!("times (now {}):", utc_date(now))
        },
    ];
    let mut any_time = false;
    for claim in ["iat", "exp", "nbf"] {
        if let Some(seconds) = inspection.claims.get(claim).and_then(Value::as_u64) {
            lines.push(hide_key(&format!(
                "  {claim}  {seconds}  {}  {}",
                utc_date(seconds),
                relative(seconds, now)
            )));
            any_time = true;
        }
    }
    if !any_time {
        lines.push("  none".to_owned());
    }
    lines.push(match (inspection.signature, key) {
        (SignatureCheck::Valid, Some(key)) => {
            format!("signature: valid, checked with the key from {}", key.source)
        }
        // Signed with another algorithm, the token cannot be checked with an HS256 key at all.
        (SignatureCheck::Invalid, Some(_))
            if inspection.header.get("alg") != Some(&Value::from("HS256")) =>
        {
            "signature: not checked: the header does not name HS256 (see the problems)".to_owned()
        }
        (SignatureCheck::Invalid, Some(key)) => {
            format!("signature: INVALID for the key from {}", key.source)
        }
        _ => format!("signature: not checked; give --key or set {key_variable}"),
    });
    let audience_wrong = inspection.findings.iter().any(|finding| {
        matches!(
            finding,
            Finding::AudienceMismatch { .. }
                | Finding::AudienceMissing
                | Finding::AudienceArray
                | Finding::AudienceNotString
                | Finding::AudienceIsKey
        )
    });
    match audience {
        Audience::Checked(source) if audience_wrong => lines.push(format!(
            "aud: checked against the environment ID from {source} (see the problems)"
        )),
        Audience::Checked(source) => {
            lines.push(format!("aud: the environment ID from {source}"));
        }
        Audience::ChosenBy(source) => lines.push(format!(
            "aud: names the environment of {source}, so its key is the one to check the \
             signature with"
        )),
        Audience::NotChecked => lines.push(
            "aud: not compared with an environment ID; give --environment-id or set \
             CKEDITOR_ENVIRONMENT_ID"
                .to_owned(),
        ),
        Audience::NotCarried => {}
    }
    let problems = inspection.findings.len() + elsewhere.problems.len();
    if problems == 0 && inspection.signature != SignatureCheck::Valid {
        lines.push("no problems found, but the signature was not checked".to_owned());
    } else if problems == 0 {
        lines.push("no problems found".to_owned());
    } else {
        lines.push(format!("problems ({problems}):"));
        let findings = inspection.findings.iter().map(ToString::to_string);
        lines.extend(
            findings
                .chain(elsewhere.problems.iter().cloned())
                .map(|said| format!("  - {}", output::escape_controls(&hide_key(&said)))),
        );
    }
    lines.join("\n")
}
