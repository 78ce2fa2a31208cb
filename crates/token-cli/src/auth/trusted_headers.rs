//! Trusted headers: the user as an authenticating reverse proxy (oauth2-proxy, nginx
//! `auth_request`) names them in request headers.
//!
//! Anyone can send such headers, so they are believed only from a proxy that proves itself with
//! every proof configured: a shared-secret header that the proxy adds, if a secret is set, and
//! an address among the configured sources, if they are set. A request that lacks one gets 401,
//! whatever headers it carries. With several environments, the proxy names the user's in a
//! header too; a request from the proxy that names none of them gets 500 (the proxy's setup is
//! wrong), never a token of another environment.

use std::fmt;
use std::net::SocketAddr;

use axum::http::{HeaderMap, HeaderName};
use ckeditor_token_core::field;

use super::{Environments, require_environment_setting};
use crate::address::SourceRange;
use crate::error::CliError;
use crate::rules::{SignedInUser, trim_spaces, trimmed_groups};
use crate::settings::Settings;

/// oauth2-proxy's header for the user ID. The email, name and groups headers have no default:
/// a proxy that does not replace one lets clients' own through, so each is read only when
/// named.
const DEFAULT_USER_ID_HEADER: &str = "x-forwarded-user";
/// The header that carries the shared secret, unless another is configured.
const DEFAULT_SECRET_HEADER: &str = "x-ckeditor-token-secret";
/// The shortest shared secret accepted.
pub(crate) const MIN_SECRET_LEN: usize = 16;

/// A shared secret; its `Debug` output hides it.
#[derive(Clone)]
struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret([redacted; {} bytes])", self.0.len())
    }
}

impl Secret {
    /// Compares in time that depends only on the lengths, not on where the bytes differ.
    fn matches(&self, offered: &[u8]) -> bool {
        let expected = self.0.as_bytes();
        let difference = expected
            .iter()
            .zip(offered)
            .fold(0u8, |difference, (a, b)| difference | (a ^ b));
        difference == 0 && expected.len() == offered.len()
    }
}

/// Why a request's headers give no user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NoUser {
    /// The request lacks a proof the settings ask for: the shared secret, a trusted source.
    Untrusted,
    /// The request is trusted but names no user.
    Anonymous,
    /// The request carries an identity header more than once, so which one the proxy set cannot
    /// be told: a proxy that appends its header to the caller's own would otherwise let the
    /// caller choose.
    Ambiguous(HeaderName),
    /// The proxy proved itself, but its user ID header is not UTF-8: no user the token can
    /// name, and no reason to answer as if no one were signed in.
    UnreadableId,
    /// The proxy proved itself and named a user, but not one of the environments this server
    /// signs for, in the environment header: what is wrong, for the log.
    NoEnvironment(String),
}

/// The header that names the user's environment, and the environments it may name.
#[derive(Debug, Clone)]
struct EnvironmentHeader {
    name: HeaderName,
    environments: Environments,
}

/// The checked trusted-headers settings.
#[derive(Debug, Clone)]
pub(crate) struct TrustedHeaders {
    user_id: HeaderName,
    email: Option<HeaderName>,
    name: Option<HeaderName>,
    groups: Option<HeaderName>,
    separator: String,
    /// The header that names the user's environment; without it, every token is of
    /// `[environment]`.
    environment: Option<EnvironmentHeader>,
    secret: Option<(HeaderName, Secret)>,
    sources: Vec<SourceRange>,
}

impl TrustedHeaders {
    /// Checks `[auth.trusted_headers]`.
    ///
    /// # Errors
    ///
    /// A [`CliError::Setting`] naming the setting: neither a secret nor a source configured, a
    /// secret that is empty, short or wrapped in whitespace, part of an environment ID or made
    /// of IDs, or sharing text with a signing key, a header name that is not one, an identity or
    /// environment header that is the secret's header, an environment header that is an
    /// identity header, none with `[[other_environment]]`, an empty separator, a source that is
    /// not an address or range, or a range of every address.
    pub(crate) fn from_settings(settings: &Settings) -> Result<Self, CliError> {
        let section = &settings.values.auth.trusted_headers;
        let path = |key: &str| format!("auth.trusted_headers.{key}");
        let header = |key: &str, value: Option<&String>, default: &str| {
            let text = value.map_or(default, String::as_str).trim();
            if text.is_empty() {
                return Ok(None);
            }
            // Request-time lines name the headers they read, lowercased.
            if settings.holds_secret(text) {
                return Err(CliError::setting(
                    settings.name(&path(key)),
                    "holds a key or the trusted secret, which the log would show wherever it \
                     names the header; name the header as the proxy sends it, such as \
                     X-Forwarded-User",
                ));
            }
            // HTTP allows `_` and other signs in a name, but proxies drop or rewrite such
            // headers (nginx by default), and some servers read `_` as `-`: a trusted header
            // named so may be one that a client's own header reaches past the proxy.
            let plain = text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
            plain
                .then(|| HeaderName::from_bytes(text.as_bytes()).ok())
                .flatten()
                .map(Some)
                .ok_or_else(|| {
                    CliError::setting(
                        settings.name(&path(key)),
                        format!(
                            "{text:?} is not a header name of letters, digits and `-` only, \
                             which this setting needs: proxies drop or rewrite names with `_` \
                             or other signs; name the header as the proxy sends it, such as \
                             X-Forwarded-User"
                        ),
                    )
                })
        };
        let user_id = header(
            "user_id_header",
            section.user_id_header.as_ref(),
            DEFAULT_USER_ID_HEADER,
        )?
        .ok_or_else(|| {
            CliError::setting(
                settings.name(&path("user_id_header")),
                "is empty; name the header that carries the user ID",
            )
        })?;
        let email = header("email_header", section.email_header.as_ref(), "")?;
        let name = header("name_header", section.name_header.as_ref(), "")?;
        let groups = header("groups_header", section.groups_header.as_ref(), "")?;
        let environment = header(
            "environment_header",
            section.environment_header.as_ref(),
            "",
        )?;
        require_environment_setting(
            settings,
            (&path("environment_header"), environment.is_some()),
            "header",
            "name the header the proxy sends the ID of the user's environment in, and have the \
             proxy set it on every request, replacing the one a client may send",
            (
                "auth.forward.environment_field",
                settings.values.auth.forward.environment_field.is_some(),
                "forward",
            ),
        )?;
        let identity = [
            ("user_id_header", Some(&user_id)),
            ("email_header", email.as_ref()),
            ("name_header", name.as_ref()),
            ("groups_header", groups.as_ref()),
        ];
        if let Some(environment) = &environment
            && let Some((key, _)) = identity
                .iter()
                .find(|(_, header)| *header == Some(environment))
        {
            return Err(CliError::setting(
                format!(
                    "{}, {}",
                    settings.name(&path(key)),
                    settings.name(&path("environment_header"))
                ),
                format!(
                    "both name the header {environment}, so one value would be read as both; the \
                     proxy sends the environment's ID in a header of its own"
                ),
            ));
        }
        let separator = section
            .groups_separator
            .clone()
            .unwrap_or_else(|| ",".to_owned());
        if separator.is_empty() {
            return Err(CliError::setting(
                settings.name(&path("groups_separator")),
                "is empty; use the character the proxy puts between groups, such as `,`",
            ));
        }

        // Checked with or without a secret, so that a wrong name shows before a secret is added;
        // empty, it is refused only with a secret.
        let secret_header = header(
            "secret_header",
            section.secret_header.as_ref(),
            DEFAULT_SECRET_HEADER,
        )?;
        if let Some(key) = section
            .secret
            .as_deref()
            .and_then(|secret| signing_key_sharing(settings, secret))
        {
            return Err(CliError::setting(
                settings.name(&path("secret")),
                format!(
                    "shares its text with the key that signs tokens ({key}), so the proxy would \
                     hold that key and send it with every request; give the proxy a secret of \
                     its own"
                ),
            ));
        }
        let secret = match &section.secret {
            None => None,
            Some(secret) if secret.trim().is_empty() => {
                return Err(CliError::setting(
                    settings.name(&path("secret")),
                    "is empty; set it to the long random value the proxy sends",
                ));
            }
            Some(secret) if secret.trim() != secret => {
                return Err(CliError::setting(
                    settings.name(&path("secret")),
                    "starts or ends with whitespace, which HTTP strips from header values, so no \
                     request would ever match; remove it",
                ));
            }
            // A header value may hold a tab, but no other control character.
            Some(secret) if secret.bytes().any(|b| b.is_ascii_control() && b != b'\t') => {
                return Err(CliError::setting(
                    settings.name(&path("secret")),
                    "holds control characters (a line break, say), which no header value can \
                     carry, so no request would ever match; remove them",
                ));
            }
            Some(secret) if secret.len() < MIN_SECRET_LEN => {
                return Err(CliError::setting(
                    settings.name(&path("secret")),
                    format!(
                        "is shorter than {MIN_SECRET_LEN} bytes, which is guessable; use a \
                         long random value"
                    ),
                ));
            }
            Some(secret) => {
                check_secret_against_ids(settings, secret)?;
                let Some(secret_header) = secret_header else {
                    return Err(CliError::setting(
                        settings.name(&path("secret_header")),
                        "is empty; name the header that carries the shared secret",
                    ));
                };
                Some((secret_header, Secret(secret.clone())))
            }
        };
        if let Some((secret_header, _)) = &secret {
            let in_tokens = "end up in tokens";
            let identity = [
                ("user_id_header", Some(&user_id), "ID", in_tokens),
                ("email_header", email.as_ref(), "email address", in_tokens),
                ("name_header", name.as_ref(), "name", in_tokens),
                ("groups_header", groups.as_ref(), "groups", in_tokens),
                (
                    "environment_header",
                    environment.as_ref(),
                    "environment",
                    "match none, so that no request gets a token",
                ),
            ];
            for (key, header, what, whereto) in identity {
                if header == Some(secret_header) {
                    return Err(CliError::setting(
                        format!(
                            "{}, {}",
                            settings.name(&path(key)),
                            settings.name(&path("secret_header"))
                        ),
                        format!(
                            "both name the header {secret_header}, so the shared secret would be \
                             read as the user's {what} and {whereto}; use different headers"
                        ),
                    ));
                }
            }
        }
        let sources = section
            .trusted_sources
            .iter()
            .map(|source| {
                let name = || settings.name(&path("trusted_sources"));
                let range = SourceRange::parse(source)
                    .map_err(|problem| CliError::setting(name(), problem))?;
                if range.is_too_wide() {
                    return Err(CliError::setting(
                        name(),
                        format!(
                            "{:?} holds more addresses than any proxy's network, so a great \
                             many hosts could name any user; list the proxy's own addresses or \
                             its network only (at most a /8 for IPv4; for IPv6 a /32, or \
                             fc00::/7 and fe80::/10 whole, and a /104 over ::/96 and \
                             64:ff9b::/96, which hold IPv4 addresses)",
                            source.trim()
                        ),
                    ));
                }
                Ok(range)
            })
            .collect::<Result<Vec<_>, _>>()?;
        if secret.is_none() && sources.is_empty() {
            return Err(CliError::setting(
                settings.names(&[&path("secret"), &path("trusted_sources")]),
                "trusted headers need a way to tell the proxy from anyone else, who could claim \
                 to be anyone; set auth.trusted_headers.secret (a value the proxy sends in a \
                 header) or auth.trusted_headers.trusted_sources (the proxy's addresses)",
            ));
        }

        let environment = environment.map(|name| EnvironmentHeader {
            name,
            environments: Environments::from_settings(settings),
        });
        Ok(TrustedHeaders {
            user_id,
            email,
            name,
            groups,
            separator,
            environment,
            secret,
            sources,
        })
    }

    /// The user named by a request's headers, if the request comes from the proxy.
    ///
    /// # Errors
    ///
    /// [`NoUser::Untrusted`] when the request lacks the shared secret or a trusted source that
    /// the settings ask for; [`NoUser::Ambiguous`] when it carries an identity header more than
    /// once; [`NoUser::Anonymous`] when it names no user; [`NoUser::UnreadableId`] when its user
    /// ID is not UTF-8; [`NoUser::NoEnvironment`] when the environment header is named but the
    /// request's names none of the environments (is missing, empty, or not among them).
    pub(crate) fn user(
        &self,
        headers: &HeaderMap,
        peer: Option<SocketAddr>,
    ) -> Result<SignedInUser, NoUser> {
        if !self.is_trusted(headers, peer) {
            return Err(NoUser::Untrusted);
        }
        if let Some(repeated) = self.repeated_identity_header(headers) {
            return Err(NoUser::Ambiguous(repeated.clone()));
        }
        // Without the spaces and tabs around it: an ID with a no-break space around it is
        // another account's than the ID without, and one the token cannot carry (a 500).
        let text = |name: &Option<HeaderName>| {
            let name = name.as_ref()?;
            let value = headers.get(name)?;
            let Ok(text) = std::str::from_utf8(value.as_bytes()) else {
                tracing::warn!(
                    header = %name,
                    "a trusted header is not UTF-8 (sent as Latin-1, say); it is left out of the \
                     token"
                );
                return None;
            };
            let text = trim_spaces(text);
            (!text.is_empty()).then(|| text.to_owned())
        };
        if headers
            .get(&self.user_id)
            .is_some_and(|id| std::str::from_utf8(id.as_bytes()).is_err())
        {
            return Err(NoUser::UnreadableId);
        }
        let id = text(&Some(self.user_id.clone())).ok_or(NoUser::Anonymous)?;
        let environment = self.environment_of(headers)?;
        // A group that is not UTF-8 matches no rule and is left out; the others still count.
        let groups = self
            .groups
            .as_ref()
            .and_then(|name| Some((name, headers.get(name)?)))
            .map(|(name, value)| {
                let text = String::from_utf8_lossy(value.as_bytes());
                let (readable, unreadable): (Vec<&str>, Vec<&str>) = text
                    .split(self.separator.as_str())
                    .partition(|group| !group.contains(char::REPLACEMENT_CHARACTER));
                if !unreadable.is_empty() {
                    tracing::warn!(
                        header = %name,
                        left_out = unreadable.len(),
                        "groups that are not UTF-8 (sent as Latin-1, say) are left out"
                    );
                }
                trimmed_groups(readable)
            })
            .unwrap_or_default();
        Ok(SignedInUser {
            id,
            name: text(&self.name),
            email: text(&self.email),
            avatar: None,
            groups,
            environment,
        })
    }

    /// The user's environment, when the environment header is named: one the request's header
    /// names, which must be among the environments. A missing or empty header names none, rather
    /// than the first: a proxy that fails to set it for one user must not have that user's
    /// token signed in another tenant's environment.
    fn environment_of(&self, headers: &HeaderMap) -> Result<Option<String>, NoUser> {
        let Some(header) = &self.environment else {
            return Ok(None);
        };
        let value = headers.get(&header.name).map(|value| value.to_str());
        let named = match value {
            None => Err("the header is missing, so the user's environment is unknown".to_owned()),
            Some(Err(_)) => Err("it is not visible ASCII, so it names no environment".to_owned()),
            Some(Ok(text)) => header.environments.named(text),
        };
        named.map(Some).map_err(NoUser::NoEnvironment)
    }

    /// Warns when a trusted source holds a loopback address and no secret is asked for:
    /// called once every setting is good, so that a refusal stands alone.
    pub(crate) fn warn_of_loopback_without_secret(&self, settings: &Settings) {
        if self.secret.is_none() && self.sources.iter().any(SourceRange::holds_loopback) {
            tracing::warn!(
                "{} trusts a loopback address without a shared secret: any program on \
                 it can name any user, and so can a web page that a browser on it opens, by \
                 pointing its own host name at 127.0.0.1 (DNS rebinding); set \
                 auth.trusted_headers.secret too",
                settings.name("auth.trusted_headers.trusted_sources")
            );
        }
    }

    /// Whether a groups header is named, so that rules for groups can apply.
    pub(crate) fn reads_groups(&self) -> bool {
        self.groups.is_some()
    }

    /// The token's field `claim` (`sub`, `user.name`, `user.email`) with the header it came
    /// from, for a log line about a value the token cannot carry; other fields as they are.
    pub(crate) fn field_source(&self, claim: &str) -> String {
        let header = match claim {
            field::SUBJECT => Some(&self.user_id),
            field::NAME => self.name.as_ref(),
            field::EMAIL => self.email.as_ref(),
            _ => None,
        };
        match header {
            Some(header) => format!("{claim} (from the header {header})"),
            None => claim.to_owned(),
        }
    }

    /// The environment header, for a log line about the environment it names.
    pub(crate) fn environment_source(&self) -> String {
        match &self.environment {
            Some(header) => format!("environment (from the header {})", header.name),
            None => "environment".to_owned(),
        }
    }

    /// Whether a request names a user in the user-ID header, trusted or not.
    pub(crate) fn names_a_user(&self, headers: &HeaderMap) -> bool {
        headers.contains_key(&self.user_id)
    }

    /// The first identity header (user ID, email, name, groups, environment) that the request
    /// carries more than once.
    fn repeated_identity_header(&self, headers: &HeaderMap) -> Option<&HeaderName> {
        [
            Some(&self.user_id),
            self.email.as_ref(),
            self.name.as_ref(),
            self.groups.as_ref(),
            self.environment.as_ref().map(|header| &header.name),
        ]
        .into_iter()
        .flatten()
        .find(|name| headers.get_all(*name).iter().nth(1).is_some())
    }

    /// Whether the request gives every proof configured: the secret, if one is, and a trusted
    /// source, if any is. Both configured means both are needed, so that adding one never
    /// lets in a request the other would keep out.
    fn is_trusted(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> bool {
        let by_secret = self.secret.as_ref().map(|(header, secret)| {
            let mut offered = headers.get_all(header).iter();
            match (offered.next(), offered.next()) {
                (Some(value), None) => secret.matches(value.as_bytes()),
                _ => false,
            }
        });
        let by_source = (!self.sources.is_empty()).then(|| {
            peer.is_some_and(|peer| self.sources.iter().any(|source| source.contains(peer.ip())))
        });
        // The settings insist on one of the two; without either, nothing is believed.
        match (by_secret, by_source) {
            (None, None) => false,
            (secret, source) => secret.unwrap_or(true) && source.unwrap_or(true),
        }
    }

    /// A summary for the start-up log: header names and sources, never the secret.
    pub(crate) fn describe(&self) -> String {
        let sources: Vec<String> = self.sources.iter().map(ToString::to_string).collect();
        let from = |header: &Option<HeaderName>| {
            header
                .as_ref()
                .map_or_else(|| "not read".to_owned(), |name| format!("from {name}"))
        };
        let environment = self.environment.as_ref().map(|header| header.name.clone());
        format!(
            "user ID from {}, email {}, name {}, groups {}, environment {}, shared secret {}, \
             trusted sources [{}]",
            self.user_id,
            from(&self.email),
            from(&self.name),
            from(&self.groups),
            from(&environment),
            self.secret.as_ref().map_or_else(
                || "not used".to_owned(),
                |(header, _)| format!("in {header}")
            ),
            sources.join(", ")
        )
    }
}

/// Refuses a shared `secret` that is part of an environment ID, or made of the IDs with fewer
/// than [`MIN_SECRET_LEN`] bytes of its own: every token shows its environment's ID to the
/// browser as its `aud`.
fn check_secret_against_ids(settings: &Settings, secret: &str) -> Result<(), CliError> {
    let name = || settings.name("auth.trusted_headers.secret");
    let ids = settings.environment_ids();
    let lowercase = secret.to_ascii_lowercase();
    let holds = |id: &str| !id.is_empty() && id.to_ascii_lowercase().contains(&lowercase);
    if let Some((id_name, _)) = ids.iter().find(|(_, id)| holds(id)) {
        return Err(CliError::setting(
            name(),
            format!(
                "is part of the environment ID ({id_name}), which every token shows to the \
                 browser; give the ID from the portal, and a secret of its own here"
            ),
        ));
    }
    let id_texts: Vec<&str> = ids.iter().map(|(_, id)| *id).collect();
    if own_len(secret, &id_texts) < MIN_SECRET_LEN {
        let in_secret = |id: &str| !id.is_empty() && lowercase.contains(&id.to_ascii_lowercase());
        let id_names: Vec<&str> = ids
            .iter()
            .filter(|(_, id)| in_secret(id))
            .map(|(id_name, _)| id_name.as_str())
            .collect();
        return Err(CliError::setting(
            name(),
            format!(
                "is made of the environment {} ({}), which every token shows to the browser, \
                 and fewer than {MIN_SECRET_LEN} bytes of its own, which is guessable; use a \
                 long random value",
                if id_names.len() > 1 { "IDs" } else { "ID" },
                id_names.join(", ")
            ),
        ));
    }
    Ok(())
}

/// How many bytes of `secret` are not one of the environment IDs `ids` (in any letter case),
/// which tokens show: what someone who has read tokens must still guess. An ID of fewer than
/// [`MIN_ID_COUNTED`] bytes is not counted out: it is in random text by chance.
fn own_len(secret: &str, ids: &[&str]) -> usize {
    let mut own = secret.to_ascii_lowercase();
    for id in ids {
        let id = id.trim().to_ascii_lowercase();
        if id.len() >= MIN_ID_COUNTED {
            own = own.replace(&id, "");
        }
    }
    own.len()
}

/// The shortest environment ID [`own_len`] counts out of a secret.
const MIN_ID_COUNTED: usize = 4;

/// The setting of a signing key (an environment's access key, the on-premises secret key) that
/// holds the shared `secret` or is held by it, if one does, named. A secret shorter than
/// [`MIN_SECRET_LEN`] is refused for that, and a key shorter than the core searches for is not
/// looked for.
fn signing_key_sharing(settings: &Settings, secret: &str) -> Option<String> {
    if secret.len() < MIN_SECRET_LEN {
        return None;
    }
    let values = &settings.values;
    let keys = [
        ("environment.access_key", &values.environment.access_key),
        ("on_premises.secret_key", &values.on_premises.secret_key),
    ];
    let mut keys = keys
        .into_iter()
        .filter_map(|(path, key)| Some((settings.name(path), key.as_deref()?)))
        .chain(settings.other_access_keys());
    // In any letter case, as every key check: a key's letter case is found offline from the
    // signature of any token.
    let secret = secret.to_ascii_lowercase();
    keys.find_map(|(name, key)| {
        let key = key.trim().to_ascii_lowercase();
        let shared = key.contains(&secret)
            || (key.len() >= ckeditor_token_core::MIN_KEY_SEARCHED_LEN && secret.contains(&key));
        shared.then_some(name)
    })
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;
    use crate::settings::FileSettings;

    #[test]
    fn a_secrets_own_bytes_are_those_outside_the_environment_id() {
        assert_eq!(own_len("envABC123-0123456789abcdef", &["envABC123"]), 17);
        assert_eq!(own_len("ENVabc123envabc123", &["envABC123"]), 0);
        assert_eq!(own_len("proxy-secret-0123456789", &["envABC123"]), 23);
        assert_eq!(own_len("proxy-secret", &[""]), 12);
        assert_eq!(own_len("7e3e9e2e1b8d4f6a0c5e", &["e"]), 20);
        assert_eq!(
            own_len(
                "acme-env-0000globex-env-0000zzzz",
                &["acme-env-0000", "globex-env-0000"]
            ),
            4
        );
    }

    const SECRET: &str = "a-shared-secret-of-some-length";

    /// The settings with oauth2-proxy's headers named, and `secret` and `sources` as given.
    fn trusted(secret: Option<&str>, sources: &[&str]) -> Result<TrustedHeaders, CliError> {
        let mut values = FileSettings::default();
        let section = &mut values.auth.trusted_headers;
        section.email_header = Some("X-Forwarded-Email".to_owned());
        section.name_header = Some("X-Forwarded-Preferred-Username".to_owned());
        section.groups_header = Some("X-Forwarded-Groups".to_owned());
        section.secret = secret.map(str::to_owned);
        section.trusted_sources = sources.iter().map(|source| (*source).to_owned()).collect();
        TrustedHeaders::from_settings(&Settings::from_values(values))
    }

    #[test]
    fn the_email_name_and_groups_headers_are_read_only_when_named() {
        let mut values = FileSettings::default();
        values.auth.trusted_headers.secret = Some(SECRET.to_owned());
        let unnamed = TrustedHeaders::from_settings(&Settings::from_values(values)).expect("valid");
        assert!(!unnamed.reads_groups());
        let described = unnamed.describe();
        assert!(
            described.contains("email not read, name not read, groups not read"),
            "{described}"
        );
        // A proxy that sets only the user ID and the secret passes a client's other headers on.
        let request = headers(&[
            ("x-forwarded-user", "bob"),
            ("x-ckeditor-token-secret", SECRET),
            ("x-forwarded-groups", "editors"),
            ("x-forwarded-email", "alice@example.test"),
            ("x-forwarded-preferred-username", "Alice (CEO)"),
        ]);
        let user = unnamed.user(&request, None).expect("trusted");
        assert_eq!(user.id, "bob");
        assert!(user.groups.is_empty(), "{:?}", user.groups);
        assert_eq!((user.email, user.name), (None, None));
        // Named, they are read.
        let named = trusted(Some(SECRET), &[]).expect("valid");
        assert!(named.reads_groups());
        let user = named.user(&request, None).expect("trusted");
        assert_eq!(user.groups, ["editors"]);
        assert_eq!(user.name.as_deref(), Some("Alice (CEO)"));
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn peer(address: &str) -> Option<SocketAddr> {
        Some(SocketAddr::new(
            address.parse().expect("an address"),
            40_000,
        ))
    }

    #[test]
    fn every_configured_proof_must_vouch_for_the_headers() {
        let by_secret = trusted(Some(SECRET), &[]).expect("valid");
        let claimed = [
            ("x-forwarded-user", "ann"),
            ("x-forwarded-groups", "editors, ,admins"),
            ("x-forwarded-email", "ann@example.test"),
        ];
        assert_eq!(
            by_secret.user(&headers(&claimed), peer("127.0.0.1")),
            Err(NoUser::Untrusted)
        );
        let wrong = [
            ("x-forwarded-user", "ann"),
            ("x-ckeditor-token-secret", "guess"),
        ];
        assert_eq!(
            by_secret.user(&headers(&wrong), None),
            Err(NoUser::Untrusted)
        );
        let twice = [
            ("x-forwarded-user", "ann"),
            ("x-ckeditor-token-secret", SECRET),
            ("x-ckeditor-token-secret", "guess"),
        ];
        assert_eq!(
            by_secret.user(&headers(&twice), None),
            Err(NoUser::Untrusted)
        );
        let mut proven = headers(&claimed);
        proven.insert("x-ckeditor-token-secret", HeaderValue::from_static(SECRET));
        let user = by_secret.user(&proven, None).expect("trusted");
        assert_eq!(user.id, "ann");
        assert_eq!(user.groups, ["editors", "admins"]);
        assert_eq!(user.email.as_deref(), Some("ann@example.test"));
        assert_eq!(user.name, None);

        for repeated in [
            "x-forwarded-user",
            "x-forwarded-email",
            "x-forwarded-preferred-username",
            "x-forwarded-groups",
        ] {
            let mut twice = proven.clone();
            twice.append(repeated, HeaderValue::from_static("mallory"));
            twice.append(repeated, HeaderValue::from_static("ann"));
            assert_eq!(
                by_secret.user(&twice, None),
                Err(NoUser::Ambiguous(HeaderName::from_static(repeated))),
                "{repeated}"
            );
        }

        // A group that is not UTF-8 is left out, not every group; a name that is not is left out.
        let mut odd = proven.clone();
        odd.insert(
            "x-forwarded-groups",
            HeaderValue::from_bytes(b"editors, B\xfccher ,admins").expect("a header value"),
        );
        odd.insert(
            "x-forwarded-preferred-username",
            HeaderValue::from_bytes(b"J\xf6rg").expect("a header value"),
        );
        let user = by_secret.user(&odd, None).expect("trusted");
        assert_eq!(user.groups, ["editors", "admins"]);
        assert_eq!(user.name, None);

        let by_source = trusted(None, &["10.0.0.0/8"]).expect("valid");
        assert!(by_source.user(&headers(&claimed), peer("10.1.2.3")).is_ok());
        assert_eq!(
            by_source.user(&headers(&claimed), peer("192.0.2.1")),
            Err(NoUser::Untrusted)
        );
        assert_eq!(
            by_source.user(&headers(&[]), peer("10.1.2.3")),
            Err(NoUser::Anonymous)
        );

        // With both configured, both are needed.
        let by_both = trusted(Some(SECRET), &["10.0.0.0/8"]).expect("valid");
        assert!(by_both.user(&proven, peer("10.1.2.3")).is_ok());
        for (request, from) in [
            (&proven, "192.0.2.1"),
            (&headers(&claimed), "10.1.2.3"),
            (&headers(&wrong), "10.1.2.3"),
        ] {
            assert_eq!(
                by_both.user(request, peer(from)),
                Err(NoUser::Untrusted),
                "{request:?} from {from}"
            );
        }
        assert_eq!(by_both.user(&proven, None), Err(NoUser::Untrusted));
    }

    #[test]
    fn settings_that_would_believe_anyone_are_refused() {
        let message = trusted(None, &[]).expect_err("no proof").to_string();
        assert!(message.contains("anyone"), "{message}");
        let short = trusted(Some("short"), &[]).expect_err("short").to_string();
        assert!(short.starts_with("auth.trusted_headers.secret"), "{short}");
        assert!(!short.contains("short\""), "{short}");
        let source = trusted(None, &["proxy.internal"])
            .expect_err("a name")
            .to_string();
        assert!(source.contains("proxy.internal"), "{source}");
        let described = trusted(Some(SECRET), &["::1"]).expect("valid").describe();
        assert!(!described.contains(SECRET), "{described}");
        assert!(!format!("{:?}", trusted(Some(SECRET), &[])).contains(SECRET));
    }

    #[test]
    fn a_secret_no_header_can_carry_is_refused_but_a_tab_is_kept() {
        for secret in [
            "proxy-secret-0123\n4567",
            "proxy-secret-0123\r4567",
            "proxy\0secret-01234",
        ] {
            let message = trusted(Some(secret), &[]).expect_err(secret).to_string();
            assert!(message.contains("holds control characters"), "{message}");
        }
        let tabbed = trusted(Some("proxy-secret\t0123456"), &[]).expect("a tab is allowed");
        let request = headers(&[
            ("x-ckeditor-token-secret", "proxy-secret\t0123456"),
            ("x-forwarded-user", "ann"),
        ]);
        assert!(tabbed.user(&request, None).is_ok());
    }
}
