//! The checked configuration of `serve`, and the credentials every command reads.
//!
//! Precedence, highest first: a command-line flag, an environment variable, the configuration
//! file, the default. Every check runs before the server binds its address, and each failure
//! names the setting as the user wrote it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use ckeditor_token_core::{
    CorsPolicy, Environment, EnvironmentId, Expiry, Issuer, KeySearch, KeySet, Product, SecretKey,
    TokenEndpoint,
};
use ckeditor_token_demo_login::settings::{self as shared, CorsSetting, parse_expiry};

use crate::auth::Authentication;
use crate::auth::forward::ForwardAuth;
use crate::auth::trusted_headers::TrustedHeaders;
use crate::error::CliError;
use crate::rules::Rules;
use crate::settings::{OtherEnvironmentSection, Settings, is_variable_name};

/// The address `serve` listens on unless told otherwise.
pub(crate) const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// The token route's path unless told otherwise.
pub(crate) const DEFAULT_TOKEN_PATH: &str = "/token";
/// The health check's path.
pub(crate) const HEALTH_PATH: &str = "/healthz";

/// What `serve` runs with.
#[derive(Debug)]
pub(crate) struct ServeConfig {
    /// Where to listen.
    pub(crate) listen: SocketAddr,
    /// The token route's path.
    pub(crate) token_path: String,
    /// How long a connection may take to send a request's headers, counted from its opening or
    /// from the end of its previous response; then it is closed.
    pub(crate) header_timeout: Duration,
    /// The core's endpoint: issuers (environments, lifetime), product and CORS policy.
    pub(crate) endpoint: TokenEndpoint,
    /// The IDs of the environments besides the endpoint's issuer's, whose issuers it holds too.
    pub(crate) other_environments: Vec<String>,
    /// How callers are told apart.
    pub(crate) authentication: Authentication,
}

/// The flags of `serve` that override settings.
#[derive(Debug, Clone, Default)]
pub(crate) struct ServeFlags {
    /// `--listen`
    pub(crate) listen: Option<String>,
    /// `--dev`: the built-in development environment and demo users.
    pub(crate) development: bool,
}

impl ServeConfig {
    /// Checks the settings and flags.
    ///
    /// # Errors
    ///
    /// The first wrong setting, named: see the README's table of configuration errors.
    pub(crate) fn from_settings(
        settings: &Settings,
        flags: &ServeFlags,
    ) -> Result<ServeConfig, CliError> {
        let development = flags.development;
        let environment = match (environment(settings)?, development) {
            (Some(environment), false) => environment,
            (None, true) => ckeditor_token_demo_login::config::development_environment()
                .map_err(|error| CliError::Failed(error.to_string()))?,
            (None, false) if !settings.values.other_environment.is_empty() => {
                return Err(CliError::setting(
                    settings.name("environment.id"),
                    format!(
                        "is not set, and neither is {}; with [[other_environment]], one of the \
                         environments goes in [environment] (or CKEDITOR_ENVIRONMENT_ID and \
                         CKEDITOR_ACCESS_KEY), and the others in [[other_environment]]",
                        settings.name("environment.access_key")
                    ),
                ));
            }
            (None, false) => {
                return Err(CliError::setting(
                    settings.name("environment.id"),
                    format!(
                        "is not set, and neither is {}; set both, from the CKEditor Customer \
                         Portal, or run `serve --dev` for the built-in development environment \
                         (loopback only)",
                        settings.name("environment.access_key")
                    ),
                ));
            }
            (Some(_), true) => {
                return Err(CliError::setting(
                    "--dev",
                    format!(
                        "runs the built-in development environment, but {} and {} are set; \
                         leave out --dev to sign with them, or unset them",
                        settings.name("environment.id"),
                        settings.name("environment.access_key")
                    ),
                ));
            }
        };

        let (listen, listen_name) = match &flags.listen {
            Some(listen) => (listen.clone(), "--listen".to_owned()),
            None => (
                settings
                    .values
                    .listen
                    .clone()
                    .unwrap_or_else(|| DEFAULT_LISTEN.to_owned()),
                settings.name("listen"),
            ),
        };
        let listen: SocketAddr = listen.trim().parse().map_err(|_| {
            CliError::setting(
                &listen_name,
                format!("{listen:?} is not an address such as 127.0.0.1:8080 or [::1]:0"),
            )
        })?;
        if development && !listen.ip().to_canonical().is_loopback() {
            return Err(CliError::setting(
                listen_name,
                format!(
                    "development mode (--dev) serves loopback addresses only, not {listen}, \
                     since anyone who reaches it gets a token as anyone; configure credentials \
                     (environment.id and environment.access_key) instead of --dev to listen \
                     there"
                ),
            ));
        }

        let others = other_environments(settings, &environment, development)?;
        let token_path = token_path(settings)?;
        let header_timeout = header_timeout(settings)?;
        let lifetime = lifetime(settings)?;
        let lifetime_name = settings.name("token.lifetime");
        let issuer = |environment| build_issuer(environment, lifetime, &lifetime_name);
        let mut endpoint = TokenEndpoint::new(issuer(environment)?)
            .with_product(Product::Editor)
            .with_cors(cors(settings)?);
        let other_environments = others.iter().map(|other| other.id().as_str().to_owned());
        let other_environments = other_environments.collect();
        for other in others {
            endpoint = endpoint.with_issuer(issuer(other)?);
        }
        let authentication = authentication(settings, development)?;
        Ok(ServeConfig {
            listen,
            token_path,
            header_timeout,
            endpoint,
            other_environments,
            authentication,
        })
    }

    /// Whether this is development mode.
    pub(crate) fn is_development(&self) -> bool {
        matches!(self.authentication, Authentication::Development)
    }
}

/// The environment from `environment.id` and `environment.access_key` (or their variables), or
/// `None` when neither is set (which only `serve --dev` accepts).
///
/// # Errors
///
/// Only one of them set, either empty, blank or malformed, the ID the same value as the key or
/// holding it (as the core checks), the ID holding the on-premises secret key, or the key being
/// it; the error names the setting.
pub(crate) fn environment(settings: &Settings) -> Result<Option<Environment>, CliError> {
    let section = &settings.values.environment;
    let (id_name, key_name) = (
        settings.name("environment.id"),
        settings.name("environment.access_key"),
    );
    let missing = |name: &str, other: &str| {
        CliError::setting(
            name,
            format!(
                "is not set, but {other} is; set both, from the CKEditor Customer Portal (or \
                 neither, for `serve --dev`)"
            ),
        )
    };
    match (&section.id, &section.access_key) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(missing(&key_name, &id_name)),
        (None, Some(_)) => Err(missing(&id_name, &key_name)),
        (Some(id), Some(key)) => {
            // Every token shows the ID in its `aud`, and the log names it.
            check_id_holds_no_secret_key(settings, &id_name, id)?;
            checked_environment(settings, (&id_name, id), (&key_name, key)).map(Some)
        }
    }
}

/// Refuses `[environment]`'s ID and key, as `id` and `key` give them, beside an
/// `[[other_environment]]` (whose key is known) of the same ID with another key, or of the same
/// key with another ID: a token would be signed with a key that is not its environment's. For
/// the commands that read `[environment]` alone; `serve` checks every environment against every
/// other.
pub(crate) fn check_against_other_environments(
    settings: &Settings,
    id: &str,
    key: &str,
) -> Result<(), CliError> {
    for index in 0..settings.values.other_environment.len() {
        let (Some(other_id), Some(other_key)) = (
            settings.values.other_environment[index].id.as_deref(),
            settings.other_access_key(index),
        ) else {
            continue;
        };
        let other_id_name = settings.name(&format!("other_environment[{}].id", index + 1));
        let same_key = other_key.trim() == key.trim();
        if other_id == id && !same_key {
            return Err(CliError::setting(
                settings.name("environment.access_key"),
                format!(
                    "is not the key of the environment {id:?}, which {other_id_name} gives with \
                     the key of {}; a token would be signed with another environment's key",
                    settings.other_key_name(index)
                ),
            ));
        }
        if other_id != id && same_key {
            return Err(CliError::setting(
                settings.name("environment.id"),
                format!(
                    "names {id:?}, but the access key is the key of {other_id:?} \
                     ({other_id_name}); a token would be signed with another environment's key"
                ),
            ));
        }
    }
    Ok(())
}

/// The environment of `id` and `key`, each with its setting's name, as the core checks them
/// (the key also for holding the ID, which the core looks for), and with a key that is not the
/// on-premises secret key.
fn checked_environment(
    settings: &Settings,
    (id_name, id): (&str, &str),
    (key_name, key): (&str, &str),
) -> Result<Environment, CliError> {
    EnvironmentId::new(id).map_err(|error| CliError::setting(id_name, error.to_string()))?;
    let environment = Environment::new(id, key).map_err(|error| {
        let name = match error {
            ckeditor_token_core::Error::InvalidEnvironmentId { .. } => id_name,
            _ => key_name,
        };
        CliError::setting(name, error.to_string())
    })?;
    let secret_key = settings.values.on_premises.secret_key.as_deref();
    if secret_key.is_some_and(|secret_key| secret_key.trim() == key.trim()) {
        return Err(CliError::setting(
            key_name,
            format!(
                "is the on-premises secret key too ({}), so every editor token would open the \
                 on-premises server as well; give each its own key",
                settings.name("on_premises.secret_key")
            ),
        ));
    }
    Ok(environment)
}

/// An environment of the configuration, with the names of the settings it came from.
struct Configured {
    id_name: String,
    key_name: String,
    /// The access key as the settings give it, to compare with the other environments' keys.
    key: String,
    environment: Environment,
}

/// The environments of `[[other_environment]]`, besides `first`, the one of `[environment]`.
///
/// # Errors
///
/// Any in development mode, which has one built-in environment; an entry without an ID, with
/// neither or both of `access_key` and `access_key_variable`, with an empty
/// `access_key_variable`, or naming a variable that is not set or not UTF-8; an ID or key
/// refused as `[environment]`'s are (by the core, or as the on-premises secret key); an ID
/// given twice, or a key; and an ID that holds another environment's access key or the
/// on-premises secret key, which every token of that environment would show in its `aud`.
fn other_environments(
    settings: &Settings,
    first: &Environment,
    development: bool,
) -> Result<Vec<Environment>, CliError> {
    let sections = &settings.values.other_environment;
    if development && !sections.is_empty() {
        return Err(CliError::setting(
            settings.name("other_environment"),
            "is set, but development mode (--dev) signs with its built-in environment only; \
             leave out --dev and set environment.id and environment.access_key too",
        ));
    }
    let first_key = std::str::from_utf8(first.access_key().expose_bytes()).unwrap_or_default();
    let mut configured = vec![Configured {
        id_name: settings.name("environment.id"),
        key_name: settings.name("environment.access_key"),
        key: first_key.to_owned(),
        environment: first.clone(),
    }];
    // Where each ID and key was given first, for a configuration of many environments.
    let mut by_id = HashMap::from([(first.id().as_str().to_owned(), 0)]);
    let mut by_key = HashMap::from([(first_key.trim().to_owned(), 0)]);
    for index in 0..sections.len() {
        let other = checked_other(settings, index)?;
        if let Some(&given) = by_id.get(other.environment.id().as_str()) {
            return Err(CliError::setting(
                other.id_name,
                format!(
                    "names the same environment as {}; list each environment once, with its \
                     own access key",
                    configured[given].id_name
                ),
            ));
        }
        if let Some(&given) = by_key.get(other.key.trim()) {
            return Err(CliError::setting(
                other.key_name,
                format!(
                    "is the key of {} too; each environment has a key of its own in the CKEditor \
                     Customer Portal, and a token must be signed with its own environment's",
                    configured[given].key_name
                ),
            ));
        }
        by_id.insert(other.environment.id().as_str().to_owned(), configured.len());
        by_key.insert(other.key.trim().to_owned(), configured.len());
        configured.push(other);
    }
    check_no_id_holds_a_key(&configured)?;
    Ok(configured
        .into_iter()
        .skip(1)
        .map(|configured| configured.environment)
        .collect())
}

/// The environment of the `[[other_environment]]` at `index` (from 0), checked on its own, for
/// `issue --environment-id`.
///
/// # Errors
///
/// As [`other_environments`] for one entry.
pub(crate) fn other_environment(
    settings: &Settings,
    index: usize,
) -> Result<Environment, CliError> {
    checked_other(settings, index).map(|configured| configured.environment)
}

/// The `[[other_environment]]` at `index` (from 0), checked on its own.
fn checked_other(settings: &Settings, index: usize) -> Result<Configured, CliError> {
    let section = &settings.values.other_environment[index];
    let path = |key: &str| format!("other_environment[{}].{key}", index + 1);
    let id_name = settings.name(&path("id"));
    let Some(id) = section.id.as_deref() else {
        return Err(CliError::setting(
            id_name,
            "is not set; give the environment's ID from the CKEditor Customer Portal",
        ));
    };
    let key_name = settings.other_key_name(index);
    let key = other_access_key(settings, section, &path, &key_name)?;
    // The ID is shown in its tokens' `aud` and in the log.
    check_id_holds_no_secret_key(settings, &id_name, id)?;
    // A key under the recommended length is warned of with the entry named (not by its ID,
    // which may hold a key until the checks of every ID refuse it).
    let span = tracing::warn_span!("other_environment", number = index + 1).entered();
    let environment = checked_environment(settings, (&id_name, id), (&key_name, &key))?;
    drop(span);
    Ok(Configured {
        id_name,
        key_name,
        key,
        environment,
    })
}

/// The access key of one `[[other_environment]]`, `path` naming its keys and `key_name` where
/// the key comes from.
fn other_access_key(
    settings: &Settings,
    section: &OtherEnvironmentSection,
    path: &dyn Fn(&str) -> String,
    key_name: &str,
) -> Result<String, CliError> {
    match (&section.access_key, &section.access_key_variable) {
        // A variable's name written where the key goes would sign with the name.
        (Some(key), None) if is_variable_name(key.trim()) && key.contains('_') => {
            Err(CliError::setting(
                key_name,
                "is written as the name of an environment variable (capitals, digits and `_`), \
                 not as a key; to read the key from that variable, give its name as \
                 access_key_variable instead",
            ))
        }
        (Some(key), None) => Ok(key.clone()),
        (None, Some(variable)) if variable.trim().is_empty() => Err(CliError::setting(
            settings.name(&path("access_key_variable")),
            "is empty; name the environment variable that holds the environment's access key",
        )),
        (None, Some(_)) if section.key_variable_not_text => Err(CliError::setting(
            key_name,
            "is not valid UTF-8; set it to the environment's access key from the CKEditor \
             Customer Portal (the value is not shown, as it may be a secret)",
        )),
        (None, Some(_)) => section.key_from_variable.clone().ok_or_else(|| {
            CliError::setting(
                key_name,
                "is not set; set it to the environment's access key from the CKEditor \
                 Customer Portal",
            )
        }),
        (Some(_), Some(_)) => Err(CliError::setting(
            format!(
                "{}, {}",
                settings.name(&path("access_key")),
                settings.name(&path("access_key_variable"))
            ),
            "are both set; give the access key in one of them (a variable keeps it out of the \
             file)",
        )),
        (None, None) => Err(CliError::setting(
            settings.name(&path("access_key_variable")),
            format!(
                "is not set, and neither is {}; name the environment variable that holds the \
                 environment's access key",
                settings.name(&path("access_key"))
            ),
        )),
    }
}

/// Refuses an environment ID that holds another environment's access key: every token of the
/// environment would show it in its `aud`. Only a key no longer than the longest ID can be held
/// in one; every ID is searched for all of them at once, and only an ID that holds one is
/// searched for each, to name it.
fn check_no_id_holds_a_key(configured: &[Configured]) -> Result<(), CliError> {
    let longest_id = configured
        .iter()
        .map(|holder| holder.environment.id().as_str().len())
        .max()
        .unwrap_or_default();
    let searches: Vec<(&Configured, KeySearch)> = configured
        .iter()
        .filter(|other| other.key.trim().len() <= longest_id)
        .filter_map(|other| Some((other, KeySearch::new(other.key.trim().as_bytes())?)))
        .collect();
    let all = KeySet::new(searches.iter().map(|(_, search)| search));
    for holder in configured {
        let id = holder.environment.id();
        if !all.holds(id.as_str()) {
            continue;
        }
        // Its own key is refused in it by the checks of each environment.
        for (other, search) in &searches {
            if other.environment.id() != id && search.holds(id.as_str()) {
                return Err(id_holds_key(
                    &holder.id_name,
                    &format!("the key of {}", other.key_name),
                ));
            }
        }
    }
    Ok(())
}

/// Refuses the environment ID `id`, named `id_name`, when it holds the on-premises secret key.
fn check_id_holds_no_secret_key(
    settings: &Settings,
    id_name: &str,
    id: &str,
) -> Result<(), CliError> {
    match settings.values.on_premises.secret_key.as_deref() {
        Some(secret_key) => {
            let name = settings.name("on_premises.secret_key");
            let held = format!("the on-premises secret key ({name})");
            check_id_holds_no_key(id_name, id, &held, secret_key)
        }
        None => Ok(()),
    }
}

/// Refuses the environment ID `id`, named `id_name`, when it holds `key`, which messages call
/// `held` (a key of 8 bytes or more, in any letter case or percent-encoded).
fn check_id_holds_no_key(id_name: &str, id: &str, held: &str, key: &str) -> Result<(), CliError> {
    if KeySearch::new(key.trim().as_bytes()).is_some_and(|search| search.holds(id)) {
        return Err(id_holds_key(id_name, held));
    }
    Ok(())
}

/// The refusal of the environment ID named `id_name`, which holds the key that messages call
/// `held`.
fn id_holds_key(id_name: &str, held: &str) -> CliError {
    CliError::setting(
        id_name,
        format!(
            "holds {held}, which every token of the environment would show in its aud and the \
             log in its lines; set the environment ID from the CKEditor Customer Portal"
        ),
    )
}

/// The on-premises secret key from `on_premises.secret_key` or `CKEDITOR_SECRET_KEY`.
///
/// # Errors
///
/// A missing, empty or blank key, named.
pub(crate) fn secret_key(settings: &Settings) -> Result<SecretKey, CliError> {
    let name = settings.name("on_premises.secret_key");
    let Some(key) = &settings.values.on_premises.secret_key else {
        return Err(CliError::setting(
            name,
            "is not set; set it to the SECRET_KEY the on-premises CKEditor server was started \
             with",
        ));
    };
    SecretKey::new(key).map_err(|error| CliError::setting(name, error.to_string()))
}

/// The token lifetime from `token.lifetime`, or the core's default.
///
/// # Errors
///
/// Text that is neither a duration nor `none`.
pub(crate) fn lifetime(settings: &Settings) -> Result<Expiry, CliError> {
    match &settings.values.token.lifetime {
        None => Ok(Expiry::After(ckeditor_token_core::DEFAULT_LIFETIME)),
        Some(setting) => parse_expiry(&setting.as_text())
            .map_err(|problem| CliError::setting(settings.name("token.lifetime"), problem)),
    }
}

/// An issuer for `environment` with `lifetime`; a lifetime the core refuses is named by
/// `setting`.
///
/// # Errors
///
/// A lifetime outside one minute to 24 hours; a crypto backend that does not work.
pub(crate) fn build_issuer(
    environment: Environment,
    lifetime: Expiry,
    setting: &str,
) -> Result<Issuer, CliError> {
    let builder = Issuer::builder(environment);
    let builder = match lifetime {
        Expiry::After(duration) => builder.lifetime(duration),
        Expiry::Never => builder.without_expiry(),
    };
    builder.build().map_err(|error| match error {
        ckeditor_token_core::Error::InvalidLifetime { .. } => {
            CliError::setting(setting, error.to_string())
        }
        other => CliError::Failed(other.to_string()),
    })
}

fn token_path(settings: &Settings) -> Result<String, CliError> {
    let path = settings
        .values
        .token_path
        .clone()
        .unwrap_or_else(|| DEFAULT_TOKEN_PATH.to_owned());
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~/".contains(c);
    // A browser and most proxies resolve `.` and `..` before sending a path, so a route with
    // them could never be reached.
    let dot_segment = path
        .split('/')
        .any(|segment| segment == "." || segment == "..");
    let problem = if !path.starts_with('/') {
        Some("must start with `/`, such as /token")
    } else if path == "/" {
        Some("is the root; name a path, such as /token")
    } else if !path.chars().all(allowed) || path.contains("//") || path.ends_with('/') {
        Some("may hold letters, digits, `-`, `.`, `_`, `~` and single inner `/` only")
    } else if dot_segment {
        Some("has a `.` or `..` segment, which browsers resolve before sending a request")
    } else if path == HEALTH_PATH {
        Some("is the health check's path; choose another")
    } else {
        None
    };
    // The path is in every editor page's tokenUrl, in proxies' and browsers' logs and history.
    // A shorter secret could be part of an ordinary path; the log hides it all the same.
    if problem.is_none() && settings.holds_secret(&path) {
        return Err(CliError::setting(
            settings.name("token_path"),
            "holds a key or the trusted secret, and every editor page's tokenUrl shows the path; \
             give the route a path of its own, such as /token",
        ));
    }
    match problem {
        Some(problem) => Err(CliError::setting(
            settings.name("token_path"),
            format!("{path:?} {problem}"),
        )),
        None => Ok(path),
    }
}

fn header_timeout(settings: &Settings) -> Result<Duration, CliError> {
    settings
        .values
        .header_timeout
        .as_ref()
        .map_or(Ok(shared::DEFAULT_HEADER_TIMEOUT), |setting| {
            shared::parse_header_timeout(&setting.as_text())
                .map_err(|problem| CliError::setting(settings.name("header_timeout"), problem))
        })
}

fn cors(settings: &Settings) -> Result<CorsPolicy, CliError> {
    let section = &settings.values.cors;
    let max_age = section
        .max_age
        .as_ref()
        .map(|age| shared::parse_whole_seconds(&age.as_text()))
        .transpose()
        .map_err(|problem| CliError::setting(settings.name("cors.max_age"), problem))?;
    let credentials = settings.flag("cors.credentials", section.credentials.as_ref())?;
    shared::check_headers_hold_no_secret(
        section.headers.iter().map(|header| header.trim()),
        settings.secrets(),
    )
    .map_err(|problem| CliError::setting(settings.name("cors.headers"), problem))?;
    shared::cors_policy(
        section.origins.iter().map(|origin| origin.trim()),
        credentials,
        section.headers.iter().map(|header| header.trim()),
        max_age,
    )
    .map_err(|(where_, problem)| {
        let names = match where_ {
            CorsSetting::Origins => settings.name("cors.origins"),
            CorsSetting::OriginsWithCredentials => {
                settings.names(&["cors.origins", "cors.credentials"])
            }
            CorsSetting::Headers => settings.name("cors.headers"),
            CorsSetting::MaxAge => settings.name("cors.max_age"),
        };
        CliError::setting(names, problem)
    })
}

fn authentication(settings: &Settings, development: bool) -> Result<Authentication, CliError> {
    let mode = settings
        .values
        .auth
        .mode
        .as_deref()
        .map(|mode| mode.trim().to_ascii_lowercase().replace('_', "-"));
    let name = settings.name("auth.mode");
    match (mode.as_deref(), development) {
        (None, true) => {
            if !settings.values.rule.is_empty() {
                tracing::warn!("development mode ignores the [[rule]] entries");
            }
            Ok(Authentication::Development)
        }
        (Some(_), true) => Err(CliError::setting(
            name,
            "is set, but development mode (--dev) has its own demo users; leave out --dev and \
             set environment.id and environment.access_key (or their variables) to authenticate \
             real users",
        )),
        (None, false) => Err(CliError::setting(
            name,
            "is not set; with credentials an authentication mode is required: \
             \"trusted-headers\" (behind an authenticating reverse proxy) or \"forward\" (ask \
             the application's \"who am I\" URL)",
        )),
        // The other mode's settings are warned about once the chosen mode's are good, so that
        // a refusal stands alone.
        (Some("trusted-headers"), false) => {
            let headers = TrustedHeaders::from_settings(settings)?;
            let rules = Rules::from_settings(settings)?;
            if let Some(number) = rules.first_for_a_group()
                && !headers.reads_groups()
            {
                return Err(CliError::setting(
                    settings.name("auth.trusted_headers.groups_header"),
                    format!(
                        "is not set, but {} is for a group; name the header the proxy sends the \
                         user's groups in, such as X-Forwarded-Groups, and have the proxy set it \
                         on every request, replacing the one a client may send",
                        settings.name(&format!("rule[{number}]"))
                    ),
                ));
            }
            headers.warn_of_loopback_without_secret(settings);
            let authentication = Authentication::TrustedHeaders { headers, rules };
            let forward = &settings.values.auth.forward;
            if forward.url.is_some() || forward.environment_field.is_some() {
                let names = settings.names(&["auth.forward.url", "auth.forward.environment_field"]);
                unused_section(&names, settings, "trusted-headers");
            }
            Ok(authentication)
        }
        (Some("forward"), false) => {
            let authentication = Authentication::Forward {
                forward: ForwardAuth::from_settings(settings)?,
                rules: Rules::from_settings(settings)?,
            };
            let trusted = &settings.values.auth.trusted_headers;
            let set = trusted.secret.is_some()
                || !trusted.trusted_sources.is_empty()
                || trusted.environment_header.is_some();
            if set {
                let names = settings.names(&[
                    "auth.trusted_headers.secret",
                    "auth.trusted_headers.trusted_sources",
                    "auth.trusted_headers.environment_header",
                ]);
                unused_section(&names, settings, "forward");
            }
            Ok(authentication)
        }
        (Some(other), false) => Err(CliError::setting(
            name,
            format!("{other:?} is not a mode; use \"trusted-headers\" or \"forward\""),
        )),
    }
}

/// Warns that settings of the mode not chosen, `named` as the settings name them, are set and
/// not used: a mode switched by its variable, or a mode left at the other one by mistake.
fn unused_section(named: &str, settings: &Settings, mode: &str) {
    tracing::warn!(
        "{named} is set, but {} is {mode:?}, so it is not used",
        settings.name("auth.mode")
    );
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::settings::VARIABLES;

    const EXAMPLE: &str = include_str!("../ckeditor-token.example.toml");
    const README: &str = include_str!("../../../README.md");

    #[test]
    fn development_mode_listens_on_loopback_also_as_ipv6_writes_it() {
        let development = |listen: &str| {
            let flags = ServeFlags {
                listen: Some(listen.to_owned()),
                development: true,
            };
            let settings = Settings::from_values(crate::settings::FileSettings::default());
            ServeConfig::from_settings(&settings, &flags).map(|config| config.listen)
        };
        for listen in ["127.0.0.1:0", "[::1]:0", "[::ffff:127.0.0.1]:0"] {
            assert!(development(listen).is_ok(), "{listen}");
        }
        for listen in ["0.0.0.0:0", "[::]:0", "[::ffff:192.0.2.1]:0"] {
            let refused = development(listen).expect_err(listen).to_string();
            assert!(
                refused.contains("serves loopback addresses only"),
                "{refused}"
            );
        }
    }

    #[test]
    fn the_example_file_is_a_valid_configuration() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ckeditor-token.example.toml");
        let lookup = |name: &str| {
            Ok(match name {
                "CKEDITOR_ENVIRONMENT_ID" => Some("example-test-environment".to_owned()),
                "CKEDITOR_ACCESS_KEY" => {
                    Some("example-test-access-key-0123456789abcdef".to_owned())
                }
                "CKEDITOR_TOKEN_TRUSTED_SECRET" => Some("example-test-proxy-secret".to_owned()),
                _ => None,
            })
        };
        let settings = Settings::load(Some(&path), &lookup).expect("the example parses");
        let config =
            ServeConfig::from_settings(&settings, &ServeFlags::default()).expect("it is valid");
        assert!(!config.is_development());
        assert_eq!(config.listen.to_string(), DEFAULT_LISTEN);
        assert!(config.endpoint.cors().allows_credentials());
    }

    /// The configuration of the README's TOML block after `heading`, with `variables` laid over
    /// it.
    fn readme_setup(heading: &str, variables: &[(&str, &str)]) -> ServeConfig {
        let block = README
            .split(heading)
            .nth(1)
            .and_then(|rest| rest.split("```toml\n").nth(1))
            .and_then(|rest| rest.split("```").next())
            .expect("the README's block");
        let path = std::env::temp_dir().join(format!(
            "readme-{}-{}.toml",
            heading.len(),
            std::process::id()
        ));
        std::fs::write(&path, block).expect("a temporary file");
        let lookup = |name: &str| {
            let value = variables.iter().find(|(variable, _)| *variable == name);
            Ok(value.map(|(_, value)| (*value).to_owned()))
        };
        let settings = Settings::load(Some(&path), &lookup);
        std::fs::remove_file(&path).expect("removed");
        ServeConfig::from_settings(&settings.expect("it parses"), &ServeFlags::default())
            .expect("it is valid")
    }

    #[test]
    fn the_readmes_forward_setup_is_a_valid_configuration() {
        let config = readme_setup(
            "A forward-mode setup",
            &[
                ("CKEDITOR_ENVIRONMENT_ID", "readme-test-environment"),
                (
                    "CKEDITOR_ACCESS_KEY",
                    "readme-test-access-key-0123456789abcdef",
                ),
            ],
        );
        assert_eq!(config.listen.to_string(), "127.0.0.1:8090");
        assert!(
            config
                .authentication
                .describe()
                .starts_with("forward: asking http://127.0.0.1:8000/api/me")
        );
    }

    #[test]
    fn the_readmes_two_tenant_setup_is_a_valid_configuration() {
        let config = readme_setup(
            "A trusted-headers setup for an application with two tenants",
            &[
                (
                    "CKEDITOR_ACCESS_KEY",
                    "readme-acme-access-key-0123456789abcdef",
                ),
                (
                    "GLOBEX_CKEDITOR_ACCESS_KEY",
                    "readme-globex-access-key-0123456789abcdef",
                ),
                (
                    "CKEDITOR_TOKEN_TRUSTED_SECRET",
                    "readme-proxy-secret-0123456789",
                ),
            ],
        );
        assert_eq!(config.other_environments, ["globex-env"]);
        let globex = config
            .endpoint
            .issuer_of("globex-env")
            .expect("Globex's issuer");
        assert_eq!(
            globex.environment().access_key().expose_bytes(),
            b"readme-globex-access-key-0123456789abcdef"
        );
        assert!(
            config
                .authentication
                .describe()
                .contains("environment from x-ckeditor-environment")
        );
    }

    #[test]
    fn every_variable_is_in_the_example_and_the_readme() {
        for variable in VARIABLES {
            assert!(EXAMPLE.contains(variable.var), "example: {}", variable.var);
            assert!(README.contains(variable.var), "README: {}", variable.var);
            let key = format!("`{}`", variable.path);
            assert!(README.contains(&key), "README: {key}");
        }
        assert!(README.contains("cargo run -p ckeditor-token-cli -- serve --dev"));
    }
}
