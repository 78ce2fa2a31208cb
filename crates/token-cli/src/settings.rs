//! Settings as given: the TOML configuration file, with environment variables laid over it.
//!
//! Every scalar setting of the file has a variable ([`VARIABLES`]), but those of
//! `[[other_environment]]` (whose keys may come from variables they name); a variable that is
//! set wins over the file, even when it is empty. The rules live in the file only. Nothing here
//! is checked beyond its type: [`crate::config`] checks the values and names each wrong one the
//! way the user wrote it ([`Settings::name`]).

use std::fmt;
use std::io::Read as _;
use std::path::Path;

use ckeditor_token_core::KeySearch;
use ckeditor_token_demo_login::settings::{self as shared, parse_list};
use serde::Deserialize;

use crate::duration::DurationSetting;
use crate::error::CliError;
use crate::flag::FlagSetting;

/// How a variable's text becomes a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Taken as it is.
    Text,
    /// Comma-separated; blanks around items and empty items are dropped.
    List,
}

/// A setting that an environment variable can give.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Variable {
    /// The key in the configuration file, dotted: `auth.forward.url`.
    pub(crate) path: &'static str,
    /// The environment variable.
    pub(crate) var: &'static str,
    /// How the variable's text is read.
    pub(crate) kind: Kind,
}

const fn variable(path: &'static str, var: &'static str, kind: Kind) -> Variable {
    Variable { path, var, kind }
}

/// Every setting with an environment variable.
pub(crate) const VARIABLES: &[Variable] = &[
    variable("listen", "CKEDITOR_TOKEN_LISTEN", Kind::Text),
    variable("token_path", "CKEDITOR_TOKEN_PATH", Kind::Text),
    variable(
        "header_timeout",
        "CKEDITOR_TOKEN_HEADER_TIMEOUT",
        Kind::Text,
    ),
    variable("environment.id", "CKEDITOR_ENVIRONMENT_ID", Kind::Text),
    variable("environment.access_key", "CKEDITOR_ACCESS_KEY", Kind::Text),
    variable("on_premises.secret_key", "CKEDITOR_SECRET_KEY", Kind::Text),
    variable("token.lifetime", "CKEDITOR_TOKEN_LIFETIME", Kind::Text),
    variable(
        "token.allow_overlapping_grants",
        "CKEDITOR_TOKEN_ALLOW_OVERLAPPING_GRANTS",
        Kind::Text,
    ),
    variable("cors.origins", "CKEDITOR_TOKEN_CORS_ORIGINS", Kind::List),
    variable(
        "cors.credentials",
        "CKEDITOR_TOKEN_CORS_CREDENTIALS",
        Kind::Text,
    ),
    variable("cors.headers", "CKEDITOR_TOKEN_CORS_HEADERS", Kind::List),
    variable("cors.max_age", "CKEDITOR_TOKEN_CORS_MAX_AGE", Kind::Text),
    variable("log.format", "CKEDITOR_TOKEN_LOG_FORMAT", Kind::Text),
    variable("log.level", "CKEDITOR_TOKEN_LOG_LEVEL", Kind::Text),
    variable("auth.mode", "CKEDITOR_TOKEN_AUTH", Kind::Text),
    variable(
        "auth.trusted_headers.user_id_header",
        "CKEDITOR_TOKEN_TRUSTED_USER_ID_HEADER",
        Kind::Text,
    ),
    variable(
        "auth.trusted_headers.email_header",
        "CKEDITOR_TOKEN_TRUSTED_EMAIL_HEADER",
        Kind::Text,
    ),
    variable(
        "auth.trusted_headers.name_header",
        "CKEDITOR_TOKEN_TRUSTED_NAME_HEADER",
        Kind::Text,
    ),
    variable(
        "auth.trusted_headers.groups_header",
        "CKEDITOR_TOKEN_TRUSTED_GROUPS_HEADER",
        Kind::Text,
    ),
    variable(
        "auth.trusted_headers.groups_separator",
        "CKEDITOR_TOKEN_TRUSTED_GROUPS_SEPARATOR",
        Kind::Text,
    ),
    variable(
        "auth.trusted_headers.environment_header",
        "CKEDITOR_TOKEN_TRUSTED_ENVIRONMENT_HEADER",
        Kind::Text,
    ),
    variable(
        "auth.trusted_headers.secret_header",
        "CKEDITOR_TOKEN_TRUSTED_SECRET_HEADER",
        Kind::Text,
    ),
    variable(
        "auth.trusted_headers.secret",
        "CKEDITOR_TOKEN_TRUSTED_SECRET",
        Kind::Text,
    ),
    variable(
        "auth.trusted_headers.trusted_sources",
        "CKEDITOR_TOKEN_TRUSTED_SOURCES",
        Kind::List,
    ),
    variable("auth.forward.url", "CKEDITOR_TOKEN_FORWARD_URL", Kind::Text),
    variable(
        "auth.forward.timeout",
        "CKEDITOR_TOKEN_FORWARD_TIMEOUT",
        Kind::Text,
    ),
    variable(
        "auth.forward.id_field",
        "CKEDITOR_TOKEN_FORWARD_ID_FIELD",
        Kind::Text,
    ),
    variable(
        "auth.forward.name_field",
        "CKEDITOR_TOKEN_FORWARD_NAME_FIELD",
        Kind::Text,
    ),
    variable(
        "auth.forward.email_field",
        "CKEDITOR_TOKEN_FORWARD_EMAIL_FIELD",
        Kind::Text,
    ),
    variable(
        "auth.forward.avatar_field",
        "CKEDITOR_TOKEN_FORWARD_AVATAR_FIELD",
        Kind::Text,
    ),
    variable(
        "auth.forward.groups_field",
        "CKEDITOR_TOKEN_FORWARD_GROUPS_FIELD",
        Kind::Text,
    ),
    variable(
        "auth.forward.environment_field",
        "CKEDITOR_TOKEN_FORWARD_ENVIRONMENT_FIELD",
        Kind::Text,
    ),
];

/// The configuration file's shape. Unknown keys are errors, so a misspelt key is not ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct FileSettings {
    pub(crate) listen: Option<String>,
    pub(crate) token_path: Option<String>,
    pub(crate) header_timeout: Option<DurationSetting>,
    pub(crate) environment: EnvironmentSection,
    pub(crate) other_environment: Vec<OtherEnvironmentSection>,
    pub(crate) on_premises: OnPremisesSection,
    pub(crate) token: TokenSection,
    pub(crate) cors: CorsSection,
    pub(crate) log: LogSection,
    pub(crate) auth: AuthSection,
    pub(crate) rule: Vec<RuleSection>,
}

/// `[environment]`
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct EnvironmentSection {
    pub(crate) id: Option<String>,
    pub(crate) access_key: Option<String>,
}

/// One `[[other_environment]]`: an environment besides `[environment]`, for the users whose
/// tenant has one of its own. The access key is in the file or in the variable named.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct OtherEnvironmentSection {
    pub(crate) id: Option<String>,
    pub(crate) access_key: Option<String>,
    pub(crate) access_key_variable: Option<String>,
    /// The value of the variable `access_key_variable` names, if it is set.
    #[serde(skip)]
    pub(crate) key_from_variable: Option<String>,
    /// Whether that variable is set but not UTF-8: a problem of `serve`'s only, which reads it.
    #[serde(skip)]
    pub(crate) key_variable_not_text: bool,
}

/// `[on_premises]`
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct OnPremisesSection {
    pub(crate) secret_key: Option<String>,
}

/// `[token]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct TokenSection {
    pub(crate) lifetime: Option<DurationSetting>,
    pub(crate) allow_overlapping_grants: Option<FlagSetting>,
}

/// `[cors]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct CorsSection {
    pub(crate) origins: Vec<String>,
    pub(crate) credentials: Option<FlagSetting>,
    pub(crate) headers: Vec<String>,
    pub(crate) max_age: Option<DurationSetting>,
}

/// `[log]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct LogSection {
    pub(crate) format: Option<String>,
    pub(crate) level: Option<String>,
}

/// `[auth]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct AuthSection {
    pub(crate) mode: Option<String>,
    pub(crate) trusted_headers: TrustedHeadersSection,
    pub(crate) forward: ForwardSection,
}

/// `[auth.trusted_headers]`
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct TrustedHeadersSection {
    pub(crate) user_id_header: Option<String>,
    pub(crate) email_header: Option<String>,
    pub(crate) name_header: Option<String>,
    pub(crate) groups_header: Option<String>,
    pub(crate) groups_separator: Option<String>,
    pub(crate) environment_header: Option<String>,
    pub(crate) secret_header: Option<String>,
    pub(crate) secret: Option<String>,
    pub(crate) trusted_sources: Vec<String>,
}

/// `[auth.forward]`
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct ForwardSection {
    pub(crate) url: Option<String>,
    pub(crate) timeout: Option<DurationSetting>,
    pub(crate) id_field: Option<String>,
    pub(crate) name_field: Option<String>,
    pub(crate) email_field: Option<String>,
    pub(crate) avatar_field: Option<String>,
    pub(crate) groups_field: Option<String>,
    pub(crate) environment_field: Option<String>,
}

/// Written in place of a secret's value by the settings' `Debug`.
const HIDDEN: &str = "[hidden]";

/// `Some(HIDDEN)` for a value that is set: whether it is set, but never what it is.
fn hidden(value: Option<&String>) -> Option<&'static str> {
    value.map(|_| HIDDEN)
}

impl fmt::Debug for EnvironmentSection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvironmentSection")
            .field("id", &self.id)
            .field("access_key", &hidden(self.access_key.as_ref()))
            .finish()
    }
}

/// Whether `text` is written as the name of an environment variable usually is: capital
/// letters, digits and `_`, not starting with a digit, at most 64 bytes. A name written
/// otherwise may be a key pasted in its place, and is not shown.
pub(crate) fn is_variable_name(text: &str) -> bool {
    let conventional = |b: u8| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_';
    !text.is_empty()
        && text.len() <= 64
        && !text.starts_with(|c: char| c.is_ascii_digit())
        && text.bytes().all(conventional)
}

impl fmt::Debug for OtherEnvironmentSection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let variable = self.access_key_variable.as_ref().map(|variable| {
            if is_variable_name(variable.trim()) {
                variable.as_str()
            } else {
                HIDDEN
            }
        });
        f.debug_struct("OtherEnvironmentSection")
            .field("id", &self.id)
            .field("access_key", &hidden(self.access_key.as_ref()))
            .field("access_key_variable", &variable)
            .field(
                "key_from_variable",
                &hidden(self.key_from_variable.as_ref()),
            )
            .finish()
    }
}

impl fmt::Debug for OnPremisesSection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnPremisesSection")
            .field("secret_key", &hidden(self.secret_key.as_ref()))
            .finish()
    }
}

impl fmt::Debug for TrustedHeadersSection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrustedHeadersSection")
            .field("user_id_header", &self.user_id_header)
            .field("email_header", &self.email_header)
            .field("name_header", &self.name_header)
            .field("groups_header", &self.groups_header)
            .field("groups_separator", &self.groups_separator)
            .field("environment_header", &self.environment_header)
            .field("secret_header", &self.secret_header)
            .field("secret", &hidden(self.secret.as_ref()))
            .field("trusted_sources", &self.trusted_sources)
            .finish()
    }
}

/// The URL may carry a user name, a password or a token in its query, so it is hidden whole.
impl fmt::Debug for ForwardSection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ForwardSection")
            .field("url", &hidden(self.url.as_ref()))
            .field("timeout", &self.timeout)
            .field("id_field", &self.id_field)
            .field("name_field", &self.name_field)
            .field("email_field", &self.email_field)
            .field("avatar_field", &self.avatar_field)
            .field("groups_field", &self.groups_field)
            .field("environment_field", &self.environment_field)
            .finish()
    }
}

/// One `[[rule]]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct RuleSection {
    pub(crate) group: Option<String>,
    pub(crate) user: Option<String>,
    pub(crate) everyone: bool,
    pub(crate) documents: Option<OneOrMany>,
    pub(crate) role: Option<String>,
    pub(crate) permissions: Vec<String>,
    pub(crate) ckbox_role: Option<String>,
    pub(crate) ckbox_workspaces: Vec<String>,
    pub(crate) ai_scopes: Vec<String>,
    pub(crate) environments: Option<OneOrMany>,
}

/// A string or a list of strings.
#[derive(Debug, Clone)]
pub(crate) enum OneOrMany {
    /// One.
    One(String),
    /// Several.
    Many(Vec<String>),
}

/// Any other type is refused with what the setting takes, so that the file's error names the
/// key and what it needs.
impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Expected;

        impl<'de> serde::de::Visitor<'de> for Expected {
            type Value = OneOrMany;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or a list of strings")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany::One(text.to_owned()))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<OneOrMany, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<String>()? {
                    items.push(item);
                }
                Ok(OneOrMany::Many(items))
            }
        }

        deserializer.deserialize_any(Expected)
    }
}

impl OneOrMany {
    /// The strings, in order.
    pub(crate) fn items(&self) -> Vec<String> {
        match self {
            OneOrMany::One(item) => vec![item.clone()],
            OneOrMany::Many(items) => items.clone(),
        }
    }
}

/// The settings as given, and where each came from.
#[derive(Default)]
pub(crate) struct Settings {
    /// The values, the environment's laid over the file's.
    pub(crate) values: FileSettings,
    file: Option<String>,
    from_file: Vec<&'static str>,
    from_env: Vec<&'static str>,
    /// The secrets of the file and of the environment, for keeping them out of messages.
    secrets: Vec<String>,
}

/// The secrets are counted, never shown.
impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            // A secret pasted into a setting that is not one is hidden as in messages.
            .field(
                "values",
                &format_args!(
                    "{}",
                    shared::for_log(&format!("{:?}", self.values), &self.secrets)
                ),
            )
            .field("file", &self.file)
            .field("from_file", &self.from_file)
            .field("from_env", &self.from_env)
            .field("secrets", &format_args!("[{} hidden]", self.secrets.len()))
            .finish()
    }
}

impl Settings {
    /// Reads the file at `path` (if any) and lays the variables `lookup` finds over it.
    ///
    /// # Errors
    ///
    /// [`CliError::ConfigFile`] for a file that cannot be read, is not TOML, or has a key or
    /// type that is not among the settings; [`CliError::Setting`] for a variable that is not
    /// the kind its setting needs; whatever `lookup` fails with.
    pub(crate) fn load(
        path: Option<&Path>,
        lookup: &dyn Fn(&str) -> Result<Option<String>, CliError>,
    ) -> Result<Settings, CliError> {
        let (file, mut table) = match path {
            Some(path) => (Some(path.display().to_string()), read_table(path)?),
            None => (None, toml::Table::new()),
        };
        // Taken before the variables are laid over: a key of the file that a variable replaces
        // is still kept out of messages.
        let mut secrets = shared::secrets_from_env();
        secrets.extend(file_secrets(&table));
        let from_file: Vec<&'static str> = VARIABLES
            .iter()
            .filter(|variable| lookup_path(&table, variable.path).is_some())
            .map(|variable| variable.path)
            .collect();

        let mut from_env = Vec::new();
        for variable in VARIABLES {
            if let Some(text) = lookup(variable.var)? {
                insert(&mut table, variable.path, env_value(variable, &text)?);
                from_env.push(variable.path);
            }
        }

        let mut values = FileSettings::deserialize(toml::Value::Table(table)).map_err(|error| {
            CliError::Usage(format!(
                "the settings from the environment: {}",
                without_value(&error)
            ))
        })?;
        for other in &mut values.other_environment {
            let Some(variable) = other.access_key_variable.as_deref() else {
                continue;
            };
            let variable = variable.trim();
            if variable.is_empty() {
                continue;
            }
            match lookup(variable) {
                Ok(key) => other.key_from_variable = key,
                Err(_) => other.key_variable_not_text = true,
            }
            secrets.extend(
                other
                    .key_from_variable
                    .iter()
                    .map(|key| key.trim().to_owned()),
            );
        }
        Ok(Settings {
            values,
            file,
            from_file,
            from_env,
            secrets,
        })
    }

    /// The secrets of the file and of the environment, as [`known_secrets`] finds them, without
    /// reading the file again (which a pipe would not allow).
    pub(crate) fn secrets(&self) -> &[String] {
        &self.secrets
    }

    /// Those of [`secrets`](Settings::secrets) long enough to be looked for in other values,
    /// [`MIN_KEY_SEARCHED_LEN`](ckeditor_token_core::MIN_KEY_SEARCHED_LEN) bytes or more: a
    /// shorter one could be part of ordinary text.
    pub(crate) fn searched_secrets(&self) -> impl Iterator<Item = &str> {
        self.secrets
            .iter()
            .map(String::as_str)
            .filter(|secret| secret.len() >= ckeditor_token_core::MIN_KEY_SEARCHED_LEN)
    }

    /// Whether `text` holds one of the [searched secrets](Settings::searched_secrets), in any
    /// ASCII letter case or percent-encoded (as [`KeySearch`] finds a key): a value that names
    /// something (a path, a header, a field), which messages and logs quote as it is or
    /// lowercased, or that a token carries, should hold no key.
    pub(crate) fn holds_secret(&self, text: &str) -> bool {
        self.searched_secrets()
            .filter_map(|secret| KeySearch::new(secret.as_bytes()))
            .any(|search| search.holds(text))
    }

    /// The ID of every environment given, with its setting's name: `environment.id`, then each
    /// `[[other_environment]]`'s.
    pub(crate) fn environment_ids(&self) -> Vec<(String, &str)> {
        let first = self.values.environment.id.as_deref();
        let first = first.map(|id| (self.name("environment.id"), id));
        let others = self.values.other_environment.iter().enumerate();
        let others = others.filter_map(|(index, other)| {
            let name = self.name(&format!("other_environment[{}].id", index + 1));
            Some((name, other.id.as_deref()?))
        });
        first.into_iter().chain(others).collect()
    }

    /// The access key of every `[[other_environment]]` that has one, with its setting's name.
    pub(crate) fn other_access_keys(&self) -> Vec<(String, &str)> {
        (0..self.values.other_environment.len())
            .filter_map(|index| Some((self.other_key_name(index), self.other_access_key(index)?)))
            .collect()
    }

    /// The access key of the `[[other_environment]]` at `index` (from 0): its `access_key`, or
    /// the value of the variable its `access_key_variable` names.
    pub(crate) fn other_access_key(&self, index: usize) -> Option<&str> {
        let other = self.values.other_environment.get(index)?;
        other
            .access_key
            .as_deref()
            .or(other.key_from_variable.as_deref())
    }

    /// Where the access key of the `[[other_environment]]` at `index` (from 0) comes from, as
    /// messages name it: `access_key`, or the variable `access_key_variable` names, with that
    /// setting. A variable's name not written as one (see [`is_variable_name`]) is not shown.
    pub(crate) fn other_key_name(&self, index: usize) -> String {
        let path = |key: &str| format!("other_environment[{}].{key}", index + 1);
        let Some(other) = self.values.other_environment.get(index) else {
            return path("access_key");
        };
        match (&other.access_key, &other.access_key_variable) {
            (None, Some(variable)) => {
                let variable = variable.trim();
                let setting = self.name(&path("access_key_variable"));
                if is_variable_name(variable) && !self.holds_secret(variable) {
                    format!("{variable} (from {setting})")
                } else {
                    format!(
                        "the variable that {setting} names (not shown: a name not written in \
                         capitals, digits and `_` may be a key pasted in its place)"
                    )
                }
            }
            _ => self.name(&path("access_key")),
        }
    }

    /// The flag at `path`, `setting` as the file or its variable gave it: off when unset.
    ///
    /// # Errors
    ///
    /// When it is neither on nor off, named as the user wrote it, without its value.
    pub(crate) fn flag(&self, path: &str, setting: Option<&FlagSetting>) -> Result<bool, CliError> {
        setting
            .map_or(Ok(false), FlagSetting::value)
            .map_err(|problem| CliError::setting(self.name(path), problem))
    }

    /// The setting at `path` as the user wrote it: its variable when that was set, the key and
    /// the file when the file set it, and both choices when neither did.
    pub(crate) fn name(&self, path: &str) -> String {
        let var = VARIABLES
            .iter()
            .find(|variable| variable.path == path)
            .map(|variable| variable.var);
        match (var, &self.file) {
            (Some(var), _) if self.from_env.contains(&path) => var.to_owned(),
            (_, Some(file)) if self.from_file.contains(&path) || var.is_none() => {
                format!("{path} in {file}")
            }
            (Some(var), _) => format!("{path} (or {var})"),
            (None, _) => path.to_owned(),
        }
    }

    /// The names of those of `paths` that were given, joined, or the first path's name when
    /// none was: for errors about several settings together.
    pub(crate) fn names(&self, paths: &[&str]) -> String {
        let given: Vec<String> = paths
            .iter()
            .filter(|path| self.from_env.contains(path) || self.from_file.contains(path))
            .map(|path| self.name(path))
            .collect();
        if given.is_empty() {
            paths
                .first()
                .map(|path| self.name(path))
                .unwrap_or_default()
        } else {
            given.join(", ")
        }
    }

    /// Whether the configuration file itself sets `path`.
    pub(crate) fn file_sets(&self, path: &str) -> bool {
        self.from_file.contains(&path)
    }

    /// The configuration file's path, if one was read.
    pub(crate) fn file(&self) -> Option<&str> {
        self.file.as_deref()
    }

    /// Settings with these values and no file or variable behind them, for tests.
    #[cfg(test)]
    pub(crate) fn from_values(values: FileSettings) -> Settings {
        Settings {
            values,
            ..Settings::default()
        }
    }
}

/// The environment variable `name` of this process, or `None` when it is not set.
///
/// # Errors
///
/// [`CliError::Setting`] naming the variable when it is set but not valid UTF-8: taking it as
/// unset could change what the command does or why it refuses, such as a refusal naming the
/// environment ID for a garbled `CKEDITOR_ACCESS_KEY`.
pub(crate) fn environment_variable(name: &str) -> Result<Option<String>, CliError> {
    match std::env::var(name) {
        Ok(value) => Ok(Some(value)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(CliError::setting(
            name,
            "is not valid UTF-8; set it to text, or unset it (the value is not shown, as it may \
             be a secret)",
        )),
    }
}

/// The secrets of the environment and of the configuration file at `path`, if it is a regular
/// file and can be read, for keeping them out of error messages (`settings::for_log` of
/// `ckeditor-token-demo-login`). A pipe is not read again: what it held is gone, and opening a
/// named pipe waits for a writer that may never come.
pub(crate) fn known_secrets(path: Option<&Path>) -> Vec<String> {
    let mut secrets = shared::secrets_from_env();
    let table = path
        .filter(|path| std::fs::metadata(path).is_ok_and(|metadata| metadata.is_file()))
        .and_then(|path| read_config_text(path).ok())
        .and_then(|text| toml::from_str::<toml::Table>(&text).ok());
    if let Some(table) = table {
        secrets.extend(file_secrets(&table));
        // The variables that other environments' keys are in, as far as they can be read.
        let variables = other_environments(&table)
            .filter_map(|other| other.get("access_key_variable")?.as_str())
            .filter_map(|variable| std::env::var(variable.trim()).ok());
        secrets.extend(variables.map(|key| key.trim().to_owned()));
    }
    secrets
}

/// The values of `table`, a configuration file, at the keys whose variables hold secrets, and
/// the access keys of its other environments.
fn file_secrets(table: &toml::Table) -> impl Iterator<Item = String> + '_ {
    let with_variables = VARIABLES
        .iter()
        .filter(|variable| shared::SECRET_VARS.contains(&variable.var))
        .filter_map(|variable| lookup_path(table, variable.path)?.as_str());
    let of_other_environments =
        other_environments(table).filter_map(|other| other.get("access_key")?.as_str());
    with_variables
        .chain(of_other_environments)
        .map(|secret| secret.trim().to_owned())
}

/// The `[[other_environment]]` tables of `table`, a configuration file.
fn other_environments(table: &toml::Table) -> impl Iterator<Item = &toml::Table> {
    table
        .get("other_environment")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(toml::Value::as_table)
}

/// The most bytes a configuration file may hold: 1 MiB.
const MAX_CONFIG_LEN: u64 = 1024 * 1024;

/// The text of the configuration file at `path`: at most [`MAX_CONFIG_LEN`] bytes of UTF-8, so
/// that a device that never ends (`/dev/zero`) is refused instead of filling the memory. A pipe
/// (`--config <(...)`) is read like a file.
fn read_config_text(path: &Path) -> Result<String, String> {
    let file = std::fs::File::open(path).map_err(|error| error.to_string())?;
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_LEN + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| error.to_string())?;
    if bytes.len() as u64 > MAX_CONFIG_LEN {
        return Err("is larger than 1 MiB; a configuration file holds a few settings".to_owned());
    }
    String::from_utf8(bytes).map_err(|_| "is not UTF-8 text".to_owned())
}

fn read_table(path: &Path) -> Result<toml::Table, CliError> {
    let file_error = |problem: String| CliError::ConfigFile {
        path: path.display().to_string(),
        problem,
    };
    let text = read_config_text(path).map_err(file_error)?;
    // Parsed twice: once into the settings' shape, whose errors point at the line and name the
    // unknown key, and once as a plain table for the variables to be laid over.
    toml::from_str::<FileSettings>(&text).map_err(|error| file_error(one_line(&error, &text)))?;
    toml::from_str::<toml::Table>(&text).map_err(|error| file_error(one_line(&error, &text)))
}

/// The parser's message with its line, without the source excerpt it draws over several lines
/// and without the offending value.
fn one_line(error: &toml::de::Error, text: &str) -> String {
    let message = without_value(error);
    match error.span() {
        Some(span) => {
            let line = text.get(..span.start).unwrap_or(text).matches('\n').count() + 1;
            format!("line {line}: {message}")
        }
        None => message,
    }
}

/// The parser's message, naming the key where it can, with no value of the file in it: a value
/// in the wrong place may be a key or secret (a number, or pasted into a boolean setting).
///
/// Serde's messages about a value show it (``invalid type: integer `8675309`, expected a
/// string``); they become the key and what it needs. Other messages (syntax, unknown or missing
/// keys) name no value and are kept.
fn without_value(error: &toml::de::Error) -> String {
    let message = error.message().trim_end().replace('\n', " ");
    let shows_value = [
        "invalid type",
        "invalid value",
        "invalid length",
        "unknown variant",
    ]
    .iter()
    .any(|start| message.starts_with(start));
    if !shows_value {
        return message;
    }
    let key = key_of(error).map_or_else(|| "a setting".to_owned(), |key| format!("`{key}`"));
    // What was expected describes the setting, never the value, so it cannot hold ", expected ".
    match message.rsplit_once(", expected ") {
        Some((_, expected)) => {
            // Serde names a section by its Rust type (`struct CorsSection`); the file calls it a
            // table.
            let expected = if expected.starts_with("struct ") {
                "a table"
            } else {
                expected
            };
            format!(
                "{key} needs {expected}; the value given is not one (not shown, as it may be a \
                 secret)"
            )
        }
        None => format!("{key} has a value of the wrong type (not shown, as it may be a secret)"),
    }
}

/// The dotted key an error is about, as the parser names it without the file's text.
fn key_of(error: &toml::de::Error) -> Option<String> {
    let mut without_source = error.clone();
    without_source.set_input(None);
    let shown = without_source.to_string();
    let key = shown
        .lines()
        .last()?
        .strip_prefix("in `")?
        .strip_suffix('`')?;
    Some(key.to_owned())
}

fn env_value(variable: &Variable, text: &str) -> Result<toml::Value, CliError> {
    Ok(match variable.kind {
        Kind::Text => toml::Value::String(text.to_owned()),
        Kind::List => toml::Value::Array(
            parse_list(text)
                .into_iter()
                .map(|item| toml::Value::String(item.to_owned()))
                .collect(),
        ),
    })
}

fn lookup_path<'t>(table: &'t toml::Table, path: &str) -> Option<&'t toml::Value> {
    let (parents, key) = match path.rsplit_once('.') {
        Some((parents, key)) => (Some(parents), key),
        None => (None, path),
    };
    let mut current = table;
    for part in parents.into_iter().flat_map(|parents| parents.split('.')) {
        current = current.get(part)?.as_table()?;
    }
    current.get(key)
}

/// Sets `path` in `table`, creating the tables on the way. The file was already parsed into the
/// settings' shape, so every table on a setting's path is a table.
fn insert(table: &mut toml::Table, path: &str, value: toml::Value) {
    let mut current = table;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            current.insert(part.to_owned(), value);
            return;
        }
        let entry = current
            .entry(part.to_owned())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        let Some(next) = entry.as_table_mut() else {
            return;
        };
        current = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(
        pairs: &'a [(&'a str, &'a str)],
    ) -> impl Fn(&str) -> Result<Option<String>, CliError> + 'a {
        move |name| {
            Ok(pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned()))
        }
    }

    fn file(name: &str, text: &str) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!(
            "ckeditor-token-settings-{}-{name}.toml",
            std::process::id()
        ));
        std::fs::write(&path, text).expect("a temporary file");
        path
    }

    #[test]
    fn variables_win_over_the_file_and_are_named() {
        let path = file(
            "layered",
            "listen = \"127.0.0.1:1\"\n[cors]\norigins = [\"https://a.test\"]\n\
             [auth.forward]\nurl = \"http://127.0.0.1:9/me\"\n",
        );
        let env = [
            ("CKEDITOR_TOKEN_LISTEN", "127.0.0.1:2"),
            ("CKEDITOR_TOKEN_CORS_CREDENTIALS", "yes"),
            ("CKEDITOR_TOKEN_TRUSTED_SOURCES", "10.0.0.0/8, ,::1"),
        ];
        let settings = Settings::load(Some(&path), &lookup(&env)).expect("valid settings");
        let values = &settings.values;
        assert_eq!(values.listen.as_deref(), Some("127.0.0.1:2"));
        assert_eq!(values.cors.origins, ["https://a.test"]);
        let credentials = settings.flag("cors.credentials", values.cors.credentials.as_ref());
        assert_eq!(credentials.ok(), Some(true));
        assert_eq!(
            values.auth.trusted_headers.trusted_sources,
            ["10.0.0.0/8", "::1"]
        );
        assert_eq!(settings.name("listen"), "CKEDITOR_TOKEN_LISTEN");
        let shown = path.display();
        assert_eq!(
            settings.name("auth.forward.url"),
            format!("auth.forward.url in {shown}")
        );
        assert_eq!(
            settings.name("token.lifetime"),
            "token.lifetime (or CKEDITOR_TOKEN_LIFETIME)"
        );
        assert_eq!(
            settings.name("rule[1].role"),
            format!("rule[1].role in {shown}")
        );
        std::fs::remove_file(path).ok();
    }

    #[test]
    fn debug_output_shows_no_secret() {
        let path = file(
            "debug",
            "[environment]\nid = \"ENV_DEBUG\"\n\
             access_key = \"file-key-0123456789abcdef0123456789\"\n\
             [on_premises]\nsecret_key = \"file-on-premises-0123456789abcdef\"\n\
             [auth.forward]\nurl = \"http://user:file-password-0123@127.0.0.1:9/me\"\n\
             [[other_environment]]\nid = \"ENV_OTHER\"\n\
             access_key = \"other-file-key-0123456789abcdef0123\"\n\
             [[other_environment]]\nid = \"ENV_THIRD\"\naccess_key_variable = \"THIRD_KEY\"\n",
        );
        let env = [
            (
                "CKEDITOR_TOKEN_TRUSTED_SECRET",
                "env-trusted-secret-0123456789",
            ),
            ("THIRD_KEY", "third-env-key-0123456789abcdef0123"),
            // Another environment's key pasted into a setting that is not one.
            ("CKEDITOR_TOKEN_PATH", "/third-env-key-0123456789abcdef0123"),
            ("CKEDITOR_TOKEN_LISTEN", "127.0.0.1:7"),
            // A secret pasted into a setting that is not one is hidden too.
            (
                "CKEDITOR_TOKEN_LIFETIME",
                "file-key-0123456789abcdef0123456789",
            ),
        ];
        let settings = Settings::load(Some(&path), &lookup(&env)).expect("valid settings");
        let shown = format!("{settings:?}");
        for secret in [
            "file-key-0123456789abcdef0123456789",
            "file-on-premises-0123456789abcdef",
            "file-password-0123",
            "env-trusted-secret-0123456789",
            "other-file-key-0123456789abcdef0123",
            "third-env-key-0123456789abcdef0123",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        // Everything else is there, and whether each secret is set.
        assert!(
            shown.contains("ENV_DEBUG") && shown.contains("127.0.0.1:7"),
            "{shown}"
        );
        assert!(
            shown.contains("ENV_OTHER") && shown.contains("Some(\"THIRD_KEY\")"),
            "{shown}"
        );
        assert!(
            shown.contains("key_from_variable: Some(\"[hidden]\")"),
            "{shown}"
        );
        for marker in [
            "access_key: Some(\"[hidden]\")",
            "secret_key: Some(\"[hidden]\")",
            "secret: Some(\"[hidden]\")",
            "url: Some(\"[hidden]\")",
            "secrets: [",
        ] {
            assert!(shown.contains(marker), "{marker} not in {shown}");
        }
        std::fs::remove_file(path).ok();
    }

    /// Why `cors.credentials` is not a flag.
    fn credentials_refused(settings: &Settings) -> String {
        settings
            .flag(
                "cors.credentials",
                settings.values.cors.credentials.as_ref(),
            )
            .expect_err("not a flag")
            .to_string()
    }

    #[test]
    fn unknown_keys_and_bad_types_name_the_key() {
        let path = file("unknown", "[cors]\norigin = [\"https://a.test\"]\n");
        let message = Settings::load(Some(&path), &lookup(&[]))
            .expect_err("a misspelt key")
            .to_string();
        assert!(message.contains("unknown field `origin`"), "{message}");
        assert!(!message.contains('\n'), "{message}");
        std::fs::remove_file(path).ok();

        // A flag's text is read when the flag is used, so the settings load without it.
        let bad = [("CKEDITOR_TOKEN_CORS_CREDENTIALS", "maybe")];
        let settings = Settings::load(None, &lookup(&bad)).expect("loaded");
        let message = credentials_refused(&settings);
        assert!(
            message.starts_with("CKEDITOR_TOKEN_CORS_CREDENTIALS: is neither"),
            "{message}"
        );
    }

    #[test]
    fn type_errors_name_the_key_and_not_the_value() {
        let cases = [
            (
                "[environment]\naccess_key = 8675309123456789\n",
                "line 2: `environment.access_key` needs a string",
                "8675309123456789",
            ),
            (
                "[cors]\ncredentials = 8675309\n",
                "line 2: `cors.credentials` needs a boolean: true or false",
                "8675309",
            ),
            (
                "[auth.trusted_headers]\nsecret = 3.25e8\n",
                "`auth.trusted_headers.secret` needs a string",
                "3.25",
            ),
            (
                "[token]\nlifetime = false\n",
                "line 2: `token.lifetime` needs a duration: whole seconds, or a string",
                "false",
            ),
            (
                "[cors]\nmax_age = -8675309\n",
                "line 2: `cors.max_age` needs a duration",
                "8675309",
            ),
            (
                "environment = \"8675309\"\n",
                "line 1: `environment` needs a table; the value given is not one",
                "8675309",
            ),
            (
                "[[rule]]\ndocuments = 8675309\n",
                "line 2: `rule.documents` needs a string or a list of strings",
                "8675309",
            ),
            (
                "[auth.trusted_headers]\ntrusted_sources = \"8675309\"\n",
                "`auth.trusted_headers.trusted_sources` needs a sequence",
                "8675309",
            ),
        ];
        for (index, (text, expected, value)) in cases.into_iter().enumerate() {
            let path = file(&format!("typed-{index}"), text);
            let message = Settings::load(Some(&path), &lookup(&[]))
                .expect_err("a wrong type")
                .to_string();
            std::fs::remove_file(path).ok();
            assert!(message.contains(expected), "{message}");
            assert!(!message.contains(value), "{message}");
        }

        // Text where a flag belongs, from a variable or the file, is refused when the flag is
        // used, without showing it.
        let secret = "pasted-secret-0123456789";
        let path = file(
            "flag-text",
            &format!("[cors]\ncredentials = \"{secret}\"\n"),
        );
        let from_file = Settings::load(Some(&path), &lookup(&[])).expect("loaded");
        std::fs::remove_file(&path).ok();
        let from_env = [("CKEDITOR_TOKEN_CORS_CREDENTIALS", secret)];
        let from_env = Settings::load(None, &lookup(&from_env)).expect("loaded");
        for settings in [from_file, from_env] {
            let message = credentials_refused(&settings);
            assert!(message.contains("neither `true` nor `false`"), "{message}");
            assert!(!message.contains("pasted-secret"), "{message}");
        }
    }

    #[test]
    fn every_secret_of_the_file_is_kept_out_of_messages() {
        let path = file(
            "secrets",
            "[environment]\naccess_key = \"file-access-key-1\"\n\
             [on_premises]\nsecret_key = \"file-secret-key-2\"\n\
             [auth.trusted_headers]\nsecret = \"file-trusted-secret-3\"\n\
             [[other_environment]]\nid = \"other\"\naccess_key = \"other-access-key-4\"\n",
        );
        let secrets = known_secrets(Some(&path));
        std::fs::remove_file(path).ok();
        for secret in [
            "file-access-key-1",
            "file-secret-key-2",
            "file-trusted-secret-3",
            "other-access-key-4",
        ] {
            assert!(
                secrets.iter().any(|known| known == secret),
                "{secret}: {secrets:?}"
            );
        }
    }

    #[test]
    fn every_variable_names_a_key_of_the_file() {
        let mut table = toml::Table::new();
        for variable in VARIABLES {
            let value = match variable.kind {
                Kind::Text => toml::Value::String("1".to_owned()),
                Kind::List => toml::Value::Array(Vec::new()),
            };
            insert(&mut table, variable.path, value);
            assert!(
                lookup_path(&table, variable.path).is_some(),
                "{}",
                variable.path
            );
        }
        FileSettings::deserialize(toml::Value::Table(table)).expect("every path is a setting");
        for (index, variable) in VARIABLES.iter().enumerate() {
            assert!(
                VARIABLES[..index]
                    .iter()
                    .all(|other| other.var != variable.var)
            );
        }
    }
}
