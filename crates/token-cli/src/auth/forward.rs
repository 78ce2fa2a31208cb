//! Forward authentication: ask the application's own "who am I" URL, with the caller's cookies
//! and `Authorization` header, and read the user from its JSON answer.
//!
//! | the application answers | the token route answers |
//! | --- | --- |
//! | 200 with a JSON object holding the ID field | the user's token (or 403 if no rule applies) |
//! | 200 with `null` or a `null` ID, 204, 401, 403, or a redirect (to its login page) | 401 |
//! | another status (304 too), over 64 KiB, not JSON, a key twice in an object, no ID field | 502 |
//! | a user the token cannot carry (an email without `@`, a control character in the ID) | 502 |
//! | no environment `serve` signs for in the `environment_field`, when one is named | 502 |
//! | nothing in time, or no connection at all | 503 |
//!
//! A request with neither cookies nor `Authorization` (or with only empty ones) is answered 401
//! without asking. The question carries `Via: 1.1 ckeditor-token`, and a token request that
//! carries it with credentials is one `serve` asked itself (a forward URL that leads back to a
//! token route), or one a client dressed up so: it is answered 400 without asking again, or
//! each question would ask another, without end.

use std::fmt;
use std::time::Duration;

use axum::http::header::{ACCEPT, AUTHORIZATION, COOKIE, VIA};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use ckeditor_token_core::endpoint::without_user_information;
use ckeditor_token_core::{UpstreamFailure, field, first_duplicate_key};
use ckeditor_token_demo_login::settings::{self as shared, describe, parse_duration};
use reqwest::{StatusCode, Url};
use serde_json::Value;

use crate::auth::{Environments, require_environment_setting};
use crate::error::CliError;
use crate::rules::{SignedInUser, trim_spaces, trimmed_groups};
use crate::settings::Settings;

/// How long the application may take to answer, unless configured.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
/// The longest timeout accepted.
const MAX_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest answer read.
const MAX_BODY: usize = 64 * 1024;
/// The `Via` header of `serve`'s questions (RFC 9110, section 7.6.3): the protocol, and
/// [`VIA_NAME`], the name `serve` gives itself.
const VIA_VALUE: &str = "1.1 ckeditor-token";
/// See [`VIA_VALUE`].
const VIA_NAME: &str = "ckeditor-token";
/// The settings that choose the profile's fields and the groups, as the log names them.
const NAME_FIELD: &str = "auth.forward.name_field";
/// See [`NAME_FIELD`].
const EMAIL_FIELD: &str = "auth.forward.email_field";
/// See [`NAME_FIELD`].
const AVATAR_FIELD: &str = "auth.forward.avatar_field";
/// See [`NAME_FIELD`].
const GROUPS_FIELD: &str = "auth.forward.groups_field";
/// See [`NAME_FIELD`].
const ENVIRONMENT_FIELD: &str = "auth.forward.environment_field";
/// The field settings, for a field of the token no one setting chooses.
const ANY_FIELD: &str = "auth.forward.*_field";

/// Why the application gave no usable answer, for the core's 502 or 503.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    /// Which kind of failure.
    pub(crate) kind: UpstreamFailure,
    /// For the log: what happened, without the caller's cookies.
    pub(crate) detail: String,
}

/// Whether `caller` is a question of this server's come back: a request with credentials (a
/// question is asked only with them) whose `Via` header names [`VIA_NAME`] as one of the
/// intermediaries.
pub(crate) fn is_own_question(caller: &HeaderMap) -> bool {
    credentials(caller).next().is_some()
        && caller
            .get_all(VIA)
            .iter()
            .any(|value| names_this_server(value.as_bytes()))
}

/// Whether a `Via` value names [`VIA_NAME`]: each entry, between commas outside comments, is a
/// protocol, a name and an optional comment in parentheses (which may nest, and escape a
/// character with `\`).
fn names_this_server(via: &[u8]) -> bool {
    let mut outside = Vec::with_capacity(via.len());
    let (mut depth, mut escaped) = (0_usize, false);
    for &byte in via {
        match (depth, byte) {
            (0, b'(') => depth = 1,
            (0, _) => outside.push(byte),
            _ if escaped => escaped = false,
            (_, b'\\') => escaped = true,
            (_, b'(') => depth += 1,
            (_, b')') => depth -= 1,
            _ => {}
        }
    }
    outside.split(|&b| b == b',').any(|entry| {
        let mut words = entry
            .split(u8::is_ascii_whitespace)
            .filter(|word| !word.is_empty());
        words.nth(1) == Some(VIA_NAME.as_bytes())
    })
}

/// The caller's `Cookie` and `Authorization` headers that are not empty or blank: what a
/// question passes on.
fn credentials(caller: &HeaderMap) -> impl Iterator<Item = (HeaderName, &HeaderValue)> {
    [COOKIE, AUTHORIZATION].into_iter().flat_map(move |name| {
        caller
            .get_all(&name)
            .iter()
            .filter(|value| !value.as_bytes().trim_ascii().is_empty())
            .map(move |value| (name.clone(), value))
    })
}

fn bad_answer(detail: String) -> Failure {
    Failure {
        kind: UpstreamFailure::BadAnswer,
        detail,
    }
}

/// Where the user's fields are in the JSON answer, as JSON pointers.
#[derive(Debug, Clone)]
struct Fields {
    id: (String, String),
    name: Option<String>,
    email: Option<String>,
    avatar: Option<String>,
    groups: Option<String>,
    /// The field with the user's environment; without it, every token is of `[environment]`.
    environment: Option<EnvironmentField>,
}

/// The field of the answer that names the user's environment, and the environments it may name.
#[derive(Debug, Clone)]
struct EnvironmentField {
    /// As the setting writes it, for the log.
    written: String,
    pointer: String,
    environments: Environments,
}

/// The checked forward-authentication settings and the HTTP client.
#[derive(Clone)]
pub(crate) struct ForwardAuth {
    url: Url,
    /// The URL as logs show it: as written, without its query and fragment (which may hold an
    /// API key), and with any secret of the settings hidden.
    shown: String,
    timeout: Duration,
    fields: Fields,
    client: reqwest::Client,
}

/// The URL as logs show it, never as parsed: a parsed URL writes its query, which may hold an
/// API key.
impl fmt::Debug for ForwardAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ForwardAuth")
            .field("url", &self.shown)
            .field("timeout", &self.timeout)
            .field("fields", &self.fields)
            .finish_non_exhaustive()
    }
}

impl ForwardAuth {
    /// Checks `[auth.forward]` and builds the client.
    ///
    /// # Errors
    ///
    /// A [`CliError::Setting`] naming the setting: no URL, a URL that is not `http://`, names no
    /// host or holds a user name or password, a timeout of zero or over a minute, an empty ID
    /// field, a field path with an empty part.
    pub(crate) fn from_settings(settings: &Settings) -> Result<Self, CliError> {
        let section = &settings.values.auth.forward;
        let name = |key: &str| settings.name(&format!("auth.forward.{key}"));

        let text = section.url.as_deref().map(str::trim).unwrap_or_default();
        if text.is_empty() {
            return Err(CliError::setting(
                name("url"),
                "is not set; set it to the application's \"who am I\" URL, such as \
                 http://127.0.0.1:3000/api/me",
            ));
        }
        // Neither a password nor a query (which may hold an API key) is shown, and the URL is
        // quoted as written, not as parsed: parsing encodes spaces and turns hosts into
        // punycode, forms in which a pasted secret would not be recognised and hidden.
        let shown = text.split(['?', '#']).next().unwrap_or_default();
        let url = Url::parse(text).map_err(|error| {
            let shown = without_user_information(shown);
            CliError::setting(name("url"), format!("{shown:?} is not a URL: {error}"))
        })?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(CliError::setting(
                name("url"),
                "holds a user name or password, which would end up in logs; remove them",
            ));
        }
        // From here on `shown` has no user information: an `@` left in it is in the path.
        // The URL parser takes `http:///api/me` and `http:api/me` for the host `api`; the host is
        // read as written instead.
        let written_host = text.split_once("://").map_or("", |(_, rest)| rest);
        if written_host.is_empty() || written_host.starts_with(['/', '?', '#']) {
            return Err(CliError::setting(
                name("url"),
                format!(
                    "{shown:?} names no host; write the application's address, such as \
                     http://127.0.0.1:3000/api/me"
                ),
            ));
        }
        if url.scheme() != "http" {
            return Err(CliError::setting(
                name("url"),
                format!(
                    "{shown:?} is not an http:// URL; this build speaks plain HTTP only, so point \
                     it at the application's address on the internal network"
                ),
            ));
        }

        let timeout = match &section.timeout {
            None => DEFAULT_TIMEOUT,
            Some(setting) => parse_duration(&setting.as_text())
                .map_err(|problem| CliError::setting(name("timeout"), problem))?,
        };
        if timeout.is_zero() || timeout > MAX_TIMEOUT {
            return Err(CliError::setting(
                name("timeout"),
                format!(
                    "{} is outside 1 ms to 60 s; a token request waits this long at most",
                    describe(timeout)
                ),
            ));
        }

        // A path with an empty part (`user..id`, `.id`) names no field any answer has.
        let path = |key: &str, text: &str| {
            // Request-time lines name the field they missed.
            if settings.holds_secret(text) {
                return Err(CliError::setting(
                    name(key),
                    "holds a key or the trusted secret, which the log would show wherever it \
                     names the field; write the path of the field in the application's answer, \
                     such as user.id",
                ));
            }
            if text.split('.').any(str::is_empty) {
                return Err(CliError::setting(
                    name(key),
                    format!(
                        "{text:?} has an empty part; write the field's path with one dot between \
                         names, such as user.id"
                    ),
                ));
            }
            Ok(pointer(text))
        };
        let field = |key: &str, value: &Option<String>, default: &str| {
            let text = value.as_deref().unwrap_or(default).trim();
            if text.is_empty() {
                return Ok(None);
            }
            path(key, text).map(Some)
        };
        let id_field = section.id_field.as_deref().unwrap_or("id").trim();
        if id_field.is_empty() {
            return Err(CliError::setting(
                name("id_field"),
                "is empty; name the field of the answer that holds the user ID",
            ));
        }
        let fields = Fields {
            id: (id_field.to_owned(), path("id_field", id_field)?),
            name: field("name_field", &section.name_field, "name")?,
            email: field("email_field", &section.email_field, "email")?,
            avatar: field("avatar_field", &section.avatar_field, "avatar")?,
            groups: field("groups_field", &section.groups_field, "groups")?,
            environment: field("environment_field", &section.environment_field, "")?.map(
                |pointer| EnvironmentField {
                    written: section
                        .environment_field
                        .as_deref()
                        .unwrap_or_default()
                        .trim()
                        .to_owned(),
                    pointer,
                    environments: Environments::from_settings(settings),
                },
            ),
        };
        // A field the user may edit (a display name, say) would let them choose their tenant.
        if let Some(environment) = &fields.environment {
            let profile = [
                ("id_field", Some(&fields.id.1)),
                ("name_field", fields.name.as_ref()),
                ("email_field", fields.email.as_ref()),
                ("avatar_field", fields.avatar.as_ref()),
                ("groups_field", fields.groups.as_ref()),
            ];
            let same = |(_, other): &&(&str, Option<&String>)| *other == Some(&environment.pointer);
            if let Some((key, _)) = profile.iter().find(same) {
                return Err(CliError::setting(
                    format!("{}, {}", name(key), name("environment_field")),
                    format!(
                        "both name the field {:?}, so one value would be read as both; the \
                         user's environment is a field of its own in the application's answer, \
                         such as tenant.environment",
                        environment.written
                    ),
                ));
            }
        }
        require_environment_setting(
            settings,
            (
                "auth.forward.environment_field",
                fields.environment.is_some(),
            ),
            "field",
            "name the field of the application's answer that holds the ID of the user's \
             environment, such as tenant.environment",
            (
                "auth.trusted_headers.environment_header",
                settings
                    .values
                    .auth
                    .trusted_headers
                    .environment_header
                    .is_some(),
                "trusted-headers",
            ),
        )?;

        // One connection per question: on a connection kept for the next one, an answer the
        // application sent late or twice would be read as the answer about the next caller.
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(0)
            .no_proxy()
            .build()
            .map_err(|error| CliError::Failed(format!("cannot build the HTTP client: {error}")))?;
        Ok(ForwardAuth {
            url,
            // Hidden once here, for the start-up line and every failure's log line alike.
            shown: shared::for_log(shown, settings.secrets()),
            timeout,
            fields,
            client,
        })
    }

    /// Asks the application who the caller is.
    ///
    /// # Errors
    ///
    /// A [`Failure`] when the application gives no usable answer; see the module's table.
    pub(crate) async fn user(&self, caller: &HeaderMap) -> Result<Option<SignedInUser>, Failure> {
        let mut request = self
            .client
            .get(self.url.clone())
            .header(ACCEPT.as_str(), "application/json")
            .header(VIA.as_str(), HeaderValue::from_static(VIA_VALUE));
        // An empty header carries nothing to sign in with. Cookies that came in several headers
        // (as an HTTP/2 client may send them) go on as one, as HTTP/1.1 has them.
        let mut cookies: Vec<&[u8]> = Vec::new();
        let mut passed_on = false;
        for (name, value) in credentials(caller) {
            if name == COOKIE {
                cookies.push(value.as_bytes());
            } else {
                request = request.header(name.as_str(), value.as_bytes());
            }
            passed_on = true;
        }
        if !passed_on {
            return Ok(None);
        }
        if !cookies.is_empty() {
            request = request.header(COOKIE.as_str(), cookies.join(&b"; "[..]));
        }

        let mut response = request.send().await.map_err(|error| self.failure(error))?;
        let status = response.status();
        // A redirect goes to the application's login page; 304 answers a conditional request,
        // which this one is not, so it is no answer.
        if status == StatusCode::NO_CONTENT
            || status == StatusCode::UNAUTHORIZED
            || status == StatusCode::FORBIDDEN
            || (status.is_redirection() && status != StatusCode::NOT_MODIFIED)
        {
            tracing::debug!(%status, "the application says no one is signed in");
            return Ok(None);
        }
        if status != StatusCode::OK {
            return Err(bad_answer(format!(
                "{} answered with status {status}",
                self.shown
            )));
        }

        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| self.failure(error))?
        {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(bad_answer(format!(
                    "{} answered with over 64 KiB",
                    self.shown
                )));
            }
            body.extend_from_slice(&chunk);
        }
        // JSON has no byte order mark, but a reader may skip one (RFC 8259, section 8.1).
        let json = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&body);
        let value: Value = serde_json::from_slice(json).map_err(|error| {
            let what = if error.to_string().starts_with("recursion limit exceeded") {
                "JSON nested deeper than 128 levels"
            } else {
                "something other than JSON"
            };
            bad_answer(format!("{} answered with {what}: {error}", self.shown))
        })?;
        if let Some(key) = repeated_key(json) {
            return Err(bad_answer(format!(
                "the answer of {} has the key {key} twice in one object, so which user it names \
                 is unclear; send each key once",
                self.shown
            )));
        }
        self.read_user(&value)
    }

    fn failure(&self, error: reqwest::Error) -> Failure {
        // The error's own text would name the URL with its query.
        let error = error.without_url();
        if is_not_http(&error) {
            return bad_answer(format!(
                "{} answered with something other than HTTP: {}",
                self.shown,
                with_causes(&error)
            ));
        }
        if error.is_timeout() {
            Failure {
                kind: UpstreamFailure::Unreachable,
                detail: format!(
                    "{} did not answer within {} ms",
                    self.shown,
                    self.timeout.as_millis()
                ),
            }
        } else if error.is_connect() || error.is_request() {
            Failure {
                kind: UpstreamFailure::Unreachable,
                detail: format!(
                    "{} could not be reached: {}",
                    self.shown,
                    with_causes(&error)
                ),
            }
        } else {
            bad_answer(format!("{} failed: {}", self.shown, with_causes(&error)))
        }
    }

    /// Why the application's answer names a user the token cannot carry (an ID with a control
    /// character or over 256 bytes; profile fields it cannot carry are left out instead): a bad
    /// answer, whose detail names the setting that chose the field.
    pub(crate) fn unusable_user(&self, problem: &ckeditor_token_core::Error) -> Failure {
        let setting = match problem {
            ckeditor_token_core::Error::InvalidIdentity { field, .. } => field_setting(field),
            _ => ANY_FIELD,
        };
        bad_answer(format!(
            "the answer of {} names a user the token cannot carry: {problem}; check the \
             application's data, or {setting}, which chooses the field",
            self.shown
        ))
    }

    /// A token's field, as the log names it: with the setting that chose it in the answer.
    pub(crate) fn field_source(claim: &str) -> String {
        format!("{claim} (from {})", field_setting(claim))
    }

    /// The user in the application's JSON answer: `null` means nobody.
    fn read_user(&self, value: &Value) -> Result<Option<SignedInUser>, Failure> {
        if value.is_null() {
            tracing::debug!("the application answers null: no one is signed in");
            return Ok(None);
        }
        if !value.is_object() {
            return Err(bad_answer(format!(
                "{} answered with JSON that is neither an object nor null",
                self.shown
            )));
        }
        let (id_name, id_pointer) = &self.fields.id;
        let id = match value.pointer(id_pointer) {
            // Without the spaces and tabs around it only: an ID with a line break or a no-break
            // space around it is another account's than the ID without, and one the token
            // cannot carry (502).
            Some(Value::String(id)) if !id.trim().is_empty() => trim_spaces(id).to_owned(),
            // Only whole numbers that JSON parsing keeps exactly: a fraction, an exponent or a
            // number past 64 bits would be rounded, and two users could share one ID.
            Some(Value::Number(id)) if id.is_u64() || id.is_i64() => id.to_string(),
            Some(Value::Number(_)) => {
                return Err(bad_answer(format!(
                    "the answer of {} has a number in its {id_name:?} field that JSON readers \
                     may round (a fraction, an exponent, or a whole number beyond 64 bits); send \
                     the ID as a string",
                    self.shown
                )));
            }
            Some(Value::Null) => {
                tracing::debug!(
                    field = %id_name,
                    "the application's ID field is null: no one is signed in"
                );
                return Ok(None);
            }
            Some(Value::String(_)) => {
                return Err(bad_answer(format!(
                    "the answer of {} has an empty or blank {id_name:?} field; send the user's ID, \
                     or null when no one is signed in",
                    self.shown
                )));
            }
            _ => {
                return Err(bad_answer(format!(
                    "the answer of {} has no string or number in its {id_name:?} field; check \
                     auth.forward.id_field",
                    self.shown
                )));
            }
        };
        // A profile field the answer leaves out, sets to null or to blank text is no field; one
        // of another type is left out too, with a debug line naming the setting that reads it.
        let text = |setting: &'static str, pointer: &Option<String>| {
            let found = value.pointer(pointer.as_ref()?)?;
            let Some(text) = found.as_str() else {
                if !found.is_null() {
                    tracing::debug!(
                        setting,
                        "the field the setting reads is not a string; it is left out"
                    );
                }
                return None;
            };
            let text = trim_spaces(text);
            (!text.is_empty()).then(|| text.to_owned())
        };
        // Groups that are not strings match no rule; they are left out with a debug line, as
        // profile fields are.
        let groups = match self.fields.groups.as_ref().and_then(|p| value.pointer(p)) {
            Some(Value::Array(groups)) => {
                let left_out = groups.iter().filter(|group| !group.is_string()).count();
                if left_out > 0 {
                    tracing::debug!(
                        setting = GROUPS_FIELD,
                        left_out,
                        "groups in the field the setting reads that are not strings are left out"
                    );
                }
                trimmed_groups(groups.iter().filter_map(Value::as_str))
            }
            Some(Value::String(group)) => trimmed_groups([group.as_str()]),
            Some(Value::Null) | None => Vec::new(),
            Some(_) => {
                tracing::debug!(
                    setting = GROUPS_FIELD,
                    "the field the setting reads is neither a list nor a string; no groups are read"
                );
                Vec::new()
            }
        };
        Ok(Some(SignedInUser {
            id,
            name: text(NAME_FIELD, &self.fields.name),
            email: text(EMAIL_FIELD, &self.fields.email),
            avatar: text(AVATAR_FIELD, &self.fields.avatar),
            groups,
            environment: self.environment_of(value)?,
        }))
    }

    /// The user's environment in the answer `value`, when the environment field is named: one
    /// of the environments. A missing, null or empty field is a bad answer rather than the
    /// first environment: an application that leaves it out for one user must not have that
    /// user's token signed in another tenant's environment.
    fn environment_of(&self, value: &Value) -> Result<Option<String>, Failure> {
        let Some(field) = &self.fields.environment else {
            return Ok(None);
        };
        let named = match value.pointer(&field.pointer) {
            Some(Value::String(text)) => field.environments.named(text),
            Some(Value::Null) | None => Err("it is missing or null".to_owned()),
            Some(_) => Err("it is not a string".to_owned()),
        };
        named.map(Some).map_err(|problem| {
            bad_answer(format!(
                "the answer of {} names no environment of this server in its {:?} field \
                 ({ENVIRONMENT_FIELD}): {problem}",
                self.shown, field.written
            ))
        })
    }

    /// A summary for the start-up log.
    pub(crate) fn describe(&self) -> String {
        let environment = match &self.fields.environment {
            Some(field) => format!(", environment from the field {:?}", field.written),
            None => String::new(),
        };
        format!(
            "asking {} (timeout {} ms){environment}",
            self.shown,
            self.timeout.as_millis()
        )
    }
}

/// The setting that chooses where a token's field is in the application's answer.
fn field_setting(claim: &str) -> &'static str {
    match claim {
        field::SUBJECT => "auth.forward.id_field",
        field::NAME => NAME_FIELD,
        field::EMAIL => EMAIL_FIELD,
        field::AVATAR => AVATAR_FIELD,
        _ => ANY_FIELD,
    }
}

/// The first key that appears twice in one object of `json`, a JSON text, quoted and cut to
/// [`SHOWN_KEY_CHARS`] characters; `None` when every object's keys differ or `json` is not JSON.
///
/// JSON parsers disagree about such an object (`serde_json` keeps the last value, others the
/// first or refuse it), so an answer with one could name a user other than the one the
/// application meant.
fn repeated_key(json: &[u8]) -> Option<String> {
    let key = first_duplicate_key(json)?;
    let shown: String = key.chars().take(SHOWN_KEY_CHARS).collect();
    let cut = if shown.len() < key.len() { "…" } else { "" };
    Some(format!("{shown:?}{cut}"))
}

/// Whether `error` comes from an answer HTTP cannot read (a status line or header hyper refuses,
/// or a head over its limit): the application answered, but not usably, which is a bad answer,
/// not one that never came; reqwest files it under the request's errors.
fn is_not_http(error: &reqwest::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = cause {
        if let Some(hyper) = error.downcast_ref::<hyper::Error>()
            && (hyper.is_parse() || hyper.is_parse_status() || hyper.is_parse_too_large())
        {
            return true;
        }
        cause = error.source();
    }
    false
}

/// `error` and each error that caused it, as one line: reqwest's own text ("error sending
/// request") leaves out why, such as a refused connection.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let said = inner.to_string();
        if !text.ends_with(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        cause = inner.source();
    }
    text
}

/// The longest part of a repeated key that [`repeated_key`] shows.
const SHOWN_KEY_CHARS: usize = 64;

/// A dotted field path (`user.id`) as a JSON pointer (`/user/id`).
fn pointer(path: &str) -> String {
    path.split('.')
        .map(|part| format!("/{}", part.replace('~', "~0").replace('/', "~1")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::FileSettings;

    #[test]
    fn a_via_header_naming_this_server_marks_its_own_question() {
        let via = |values: &[&'static str]| {
            let mut headers = HeaderMap::new();
            for value in values {
                headers.append(VIA, HeaderValue::from_static(value));
            }
            headers.insert(COOKIE, HeaderValue::from_static("session=1"));
            is_own_question(&headers)
        };
        assert!(via(&[VIA_VALUE]));
        assert!(via(&["1.0 fred, 1.1 ckeditor-token (a comment)"]));
        assert!(via(&["1.1 proxy.example", "HTTP/1.1  ckeditor-token"]));
        assert!(!via(&[]));
        assert!(!via(&[
            "1.1 ckeditor-tokens",
            "1.1 proxy.example (ckeditor-token)"
        ]));
        assert!(!via(&["ckeditor-token"]));
        // A comma inside a comment does not start an entry; a comment may nest and escape.
        assert!(!via(&["1.1 proxy (x, 1.1 ckeditor-token y)"]));
        assert!(!via(&[r"1.1 proxy (a (b\) , 1.1 ckeditor-token) c)"]));
        assert!(via(&[r"1.1 proxy (a (b) \() , 1.1 ckeditor-token"]));
        // Without credentials it is no question of this server's, which always has some.
        let mut bare = HeaderMap::new();
        bare.insert(VIA, HeaderValue::from_static(VIA_VALUE));
        assert!(!is_own_question(&bare));
    }

    fn forward(configure: impl FnOnce(&mut FileSettings)) -> Result<ForwardAuth, CliError> {
        let mut values = FileSettings::default();
        values.auth.forward.url = Some("http://127.0.0.1:9/api/me".to_owned());
        configure(&mut values);
        ForwardAuth::from_settings(&Settings::from_values(values))
    }

    #[test]
    fn debug_output_shows_the_url_without_its_query() {
        let auth = forward(|values| {
            values.auth.forward.url = Some("http://127.0.0.1:9/api/me?key=query-key-0123".into());
        })
        .expect("valid");
        let shown = format!("{auth:?}");
        assert!(!shown.contains("query-key-0123"), "{shown}");
        assert!(shown.contains("\"http://127.0.0.1:9/api/me\""), "{shown}");
    }

    #[test]
    fn fields_are_read_by_their_paths() {
        let auth = forward(|values| {
            values.auth.forward.id_field = Some("user.uid".into());
            values.auth.forward.groups_field = Some("user.teams".into());
        })
        .expect("valid");
        let answer = serde_json::json!({
            "user": {"uid": 42, "teams": ["editors", 7, "admins"]},
            "name": " Ann ",
            "email": "ann@example.test",
        });
        let user = auth.read_user(&answer).expect("readable").expect("a user");
        assert_eq!(user.id, "42");
        assert_eq!(user.groups, ["editors", "admins"]);
        assert_eq!(user.name.as_deref(), Some("Ann"));
        assert_eq!(user.avatar, None);

        assert_eq!(auth.read_user(&Value::Null), Ok(None));
        let nobody = serde_json::json!({"user": {"uid": null}});
        assert_eq!(auth.read_user(&nobody), Ok(None));
        let misnamed = serde_json::json!({"id": "ann"});
        let failure = auth.read_user(&misnamed).expect_err("no ID field");
        assert_eq!(failure.kind, UpstreamFailure::BadAnswer);
        assert!(failure.detail.contains("user.uid"), "{}", failure.detail);
        assert!(auth.read_user(&serde_json::json!(["ann"])).is_err());
    }

    #[test]
    fn a_repeated_key_is_shown_quoted_and_cut() {
        assert_eq!(
            repeated_key(br#"{"user":{"id":"ann","id":"root"}}"#).as_deref(),
            Some(r#""id""#)
        );
        // A key with line breaks (`\n` in the JSON) is shown with them escaped, on one line.
        let long = "k\\n".repeat(50);
        let answer = format!(r#"{{"{long}":1,"{long}":2}}"#);
        let shown = format!("{:?}…", "k\n".repeat(SHOWN_KEY_CHARS / 2));
        assert_eq!(repeated_key(answer.as_bytes()), Some(shown));
        assert_eq!(repeated_key(br#"{"id":"ann"}"#), None);
    }

    #[test]
    fn groups_lose_the_whitespace_around_them_as_trusted_headers_groups_do() {
        let auth = forward(|_| {}).expect("valid");
        let listed = serde_json::json!({"id": "ann", "groups": [" editors", "", "copy editors "]});
        let user = auth.read_user(&listed).expect("readable").expect("a user");
        assert_eq!(user.groups, ["editors", "copy editors"]);
        let one = serde_json::json!({"id": "ann", "groups": " editors\t"});
        let user = auth.read_user(&one).expect("readable").expect("a user");
        assert_eq!(user.groups, ["editors"]);
    }

    #[test]
    fn settings_are_checked() {
        type Configure = fn(&mut FileSettings);
        let cases: [(Configure, &str); 9] = [
            (|v| v.auth.forward.url = None, "is not set"),
            (
                |v| v.auth.forward.url = Some("https://app.test/me".into()),
                "http://",
            ),
            (
                |v| v.auth.forward.url = Some("http://u:p@app.test/me".into()),
                "password",
            ),
            (
                |v| v.auth.forward.url = Some("not a url".into()),
                "not a URL",
            ),
            (
                |v| v.auth.forward.timeout = Some(crate::duration::DurationSetting::Seconds(0)),
                "outside",
            ),
            (
                |v| v.auth.forward.url = Some("http:///api/me".into()),
                "names no host",
            ),
            (
                |v| v.auth.forward.url = Some("http:api/me".into()),
                "names no host",
            ),
            (
                |v| v.auth.forward.id_field = Some("user..id".into()),
                "empty part",
            ),
            (
                |v| v.auth.forward.groups_field = Some("teams.".into()),
                "empty part",
            ),
        ];
        for (configure, phrase) in cases {
            let message = forward(configure).expect_err(phrase).to_string();
            assert!(message.starts_with("auth.forward."), "{message}");
            assert!(message.contains(phrase), "{message}");
        }
        assert_eq!(pointer("a.b/c"), "/a/b~1c");
    }

    #[test]
    fn numeric_ids_are_taken_only_when_exact() {
        let auth = forward(|_| {}).expect("valid");
        let id_of = |answer: &str| {
            let value: Value = serde_json::from_str(answer).expect("JSON");
            auth.read_user(&value).map(|user| user.map(|user| user.id))
        };
        assert_eq!(id_of(r#"{"id":42}"#).ok(), Some(Some("42".to_owned())));
        assert_eq!(id_of(r#"{"id":-7}"#).ok(), Some(Some("-7".to_owned())));
        let largest = u64::MAX.to_string();
        let answer = format!(r#"{{"id":{largest}}}"#);
        assert_eq!(id_of(&answer).ok(), Some(Some(largest)));
        for answer in [
            r#"{"id":12345678901234567890123}"#,
            r#"{"id":1e2}"#,
            r#"{"id":1.5}"#,
            r#"{"id":18446744073709551616}"#,
        ] {
            let failure = id_of(answer).expect_err(answer);
            assert!(
                failure.detail.contains("that JSON readers may round"),
                "{}",
                failure.detail
            );
        }
        for answer in [r#"{"id":""}"#, r#"{"id":"   "}"#] {
            let failure = id_of(answer).expect_err(answer);
            assert!(
                failure
                    .detail
                    .contains("has an empty or blank \"id\" field"),
                "{}",
                failure.detail
            );
        }
    }

    #[test]
    fn a_password_in_the_url_is_never_shown() {
        for url in [
            "https://user:pw-8675309@127.0.0.1:9/me",
            "http://user:pw-8675309@127.0.0.1:99999/me",
            "ftp://user:pw-8675309@127.0.0.1/me",
            "http://user:pw/8675309@app.test/me",
            "http://user:pw-8675309@[::1/me",
            "http:user:pw-8675309://x@app.test/me",
            "http://app.test:99999/me?api_key=pw-8675309#pw-8675309",
        ] {
            let message = forward(|values| values.auth.forward.url = Some(url.to_owned()))
                .expect_err(url)
                .to_string();
            assert!(message.starts_with("auth.forward.url"), "{message}");
            assert!(!message.contains("8675309"), "{message}");
        }
    }

    #[test]
    fn an_at_sign_in_the_path_is_shown_with_the_whole_url() {
        let auth = forward(|values| {
            values.auth.forward.url = Some("http://127.0.0.1:9/users/@me".to_owned());
        })
        .expect("valid");
        assert_eq!(
            auth.describe(),
            "asking http://127.0.0.1:9/users/@me (timeout 2000 ms)"
        );
    }

    #[test]
    fn the_query_of_the_url_stays_out_of_the_log() {
        let key = "api-key-0123456789";
        let auth = forward(|values| {
            values.auth.forward.url = Some(format!("http://127.0.0.1:9/api/me?key={key}#{key}"));
        })
        .expect("valid");
        let described = auth.describe();
        assert!(
            described.contains("http://127.0.0.1:9/api/me "),
            "{described}"
        );
        let failure = auth
            .read_user(&serde_json::json!(1))
            .expect_err("not an object");
        for text in [described, failure.detail] {
            assert!(!text.contains(key), "{text}");
        }
        let refused = forward(|values| {
            values.auth.forward.url = Some(format!("https://app.test/me?key={key}"));
        })
        .expect_err("not http")
        .to_string();
        assert!(!refused.contains(key), "{refused}");
    }
}
