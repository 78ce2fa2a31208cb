//! Who the caller is, in each of the three ways `serve` can tell, as one axum extractor for the
//! token route of `ckeditor-token-axum`.
//!
//! | mode | the user is | no user |
//! | --- | --- | --- |
//! | development | the demo user named by `?user=` (the first by default) | unknown ID: 401 |
//! | trusted headers | named by the proxy's headers, if the proxy proved itself | 401 |
//! | forward | what the application's "who am I" URL answers | 401 (app failing: 502 or 503) |
//!
//! A development-mode query that gives `user` twice names no one: 400, with the problem in the
//! log. Outside development mode, the grants come from the configuration's rules, and with
//! several environments the proxy's header or the application's answer names the user's
//! ([`Environments`]): naming none of them gets no token (500, or 502 for the answer).

pub(crate) mod development;
pub(crate) mod forward;
pub(crate) mod trusted_headers;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use ckeditor_token_core::{EnvironmentId, Error, TokenUser, UserDecision, field};
use ckeditor_token_demo_login::DemoUser;

use crate::error::CliError;
use crate::rules::{Rules, SignedInUser, trim_spaces};
use crate::settings::Settings;
use crate::throttle::Throttle;
use development::NoDemoUser;
use forward::ForwardAuth;
use trusted_headers::{NoUser, TrustedHeaders};

/// Requests from outside the proxy that name a user: any client can send them.
static UNTRUSTED_NAMES_A_USER: Throttle = Throttle::new();
/// Requests with an identity header twice: any client can send them, too.
static AMBIGUOUS_IDENTITY: Throttle = Throttle::new();
/// Requests that carry forward authentication's own `Via`: its questions come back, or a client
/// sends them.
static OWN_QUESTION: Throttle = Throttle::new();

/// How `serve` tells who the caller is.
#[derive(Debug)]
pub(crate) enum Authentication {
    /// Development mode (`--dev`): the demo users, picked by `?user=`.
    Development,
    /// Headers set by an authenticating reverse proxy.
    TrustedHeaders {
        /// The header settings and the proxy's proof.
        headers: TrustedHeaders,
        /// The grants.
        rules: Rules,
    },
    /// The application's own "who am I" URL.
    Forward {
        /// The URL, fields and client.
        forward: ForwardAuth,
        /// The grants.
        rules: Rules,
    },
}

impl Authentication {
    /// The mode's name, for the start-up log.
    pub(crate) fn describe(&self) -> String {
        match self {
            Authentication::Development => "development: demo users picked by ?user=".to_owned(),
            Authentication::TrustedHeaders { headers, .. } => {
                format!("trusted headers: {}", headers.describe())
            }
            Authentication::Forward { forward, .. } => format!("forward: {}", forward.describe()),
        }
    }
}

/// The router state of `serve`: the authentication, shared by every request.
#[derive(Debug, Clone)]
pub(crate) struct AuthState(pub(crate) Arc<Authentication>);

/// The caller of the token route, as far as the authentication could tell.
#[derive(Debug)]
pub(crate) struct Caller {
    authentication: Arc<Authentication>,
    found: Found,
}

#[derive(Debug)]
enum Found {
    Demo(&'static DemoUser),
    /// Why the query names no one user, for the log.
    BadQuery(&'static str),
    User(SignedInUser),
    /// A trusted proxy's header that names no user or environment the token can carry: the
    /// field, named with the header, and what is wrong.
    Unusable {
        field: String,
        problem: String,
    },
    Unavailable(forward::Failure),
}

impl FromRequestParts<AuthState> for Caller {
    /// A status the axum adapter turns into the core's answer: 401 for no user, 500 for a failed
    /// lookup.
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, state: &AuthState) -> Result<Self, StatusCode> {
        let found = match &*state.0 {
            Authentication::Development => match development::user(&parts.uri) {
                Ok(user) => Found::Demo(user),
                Err(NoDemoUser::BadQuery(problem)) => Found::BadQuery(problem),
                Err(NoDemoUser::Unknown(id)) => {
                    tracing::debug!(user = id.as_str(), "no demo user with this ID");
                    return Err(StatusCode::UNAUTHORIZED);
                }
                Err(NoDemoUser::Unreachable(id)) => {
                    tracing::error!(user = id, "the demo user's profile cannot be loaded");
                    return Err(StatusCode::INTERNAL_SERVER_ERROR);
                }
            },
            Authentication::TrustedHeaders { headers, .. } => {
                let peer = parts
                    .extensions
                    .get::<ConnectInfo<SocketAddr>>()
                    .map(|info| info.0);
                // The log shows the address as it is, or `unknown`.
                let shown_peer = peer.map_or_else(|| "unknown".to_owned(), |peer| peer.to_string());
                match headers.user(&parts.headers, peer) {
                    Ok(user) => Found::User(user),
                    Err(NoUser::Untrusted) if headers.names_a_user(&parts.headers) => {
                        if let Some(held_back) = UNTRUSTED_NAMES_A_USER.admit() {
                            tracing::warn!(
                                peer = %shown_peer,
                                held_back,
                                "a token request names a user without the proof the settings \
                                 ask for (the shared secret once, not missing, wrong or \
                                 repeated; a trusted source); its headers are not believed \
                                 (logged at most once a minute)"
                            );
                        }
                        return Err(StatusCode::UNAUTHORIZED);
                    }
                    Err(NoUser::Untrusted) => {
                        tracing::debug!(
                            peer = %shown_peer,
                            "a token request from outside the proxy"
                        );
                        return Err(StatusCode::UNAUTHORIZED);
                    }
                    Err(NoUser::Ambiguous(header)) => {
                        if let Some(held_back) = AMBIGUOUS_IDENTITY.admit() {
                            tracing::warn!(
                                peer = %shown_peer,
                                header = %header,
                                held_back,
                                "a token request carries an identity header more than once, so \
                                 the user cannot be told; make the proxy replace the caller's \
                                 header instead of adding its own (logged at most once a minute)"
                            );
                        }
                        return Err(StatusCode::UNAUTHORIZED);
                    }
                    Err(NoUser::Anonymous) => return Err(StatusCode::UNAUTHORIZED),
                    Err(NoUser::UnreadableId) => Found::Unusable {
                        field: headers.field_source(field::SUBJECT),
                        problem: "it is not UTF-8".to_owned(),
                    },
                    Err(NoUser::NoEnvironment(problem)) => Found::Unusable {
                        field: headers.environment_source(),
                        problem,
                    },
                }
            }
            Authentication::Forward { .. } if forward::is_own_question(&parts.headers) => {
                if let Some(held_back) = OWN_QUESTION.admit() {
                    tracing::warn!(
                        held_back,
                        "a token request carries the Via header of this server's own questions: \
                         auth.forward.url leads back to a token route instead of the \
                         application's \"who am I\" route, or a client sent the header itself; \
                         it is answered 400 without a question, which would ask another without \
                         end (logged at most once a minute)"
                    );
                }
                Found::BadQuery("the request carries the Via header of this server's questions")
            }
            Authentication::Forward { forward, .. } => match forward.user(&parts.headers).await {
                Ok(Some(user)) => Found::User(user),
                Ok(None) => return Err(StatusCode::UNAUTHORIZED),
                Err(failure) => Found::Unavailable(failure),
            },
        };
        Ok(Caller {
            authentication: Arc::clone(&state.0),
            found,
        })
    }
}

impl TokenUser for Caller {
    fn token_decision(&self) -> UserDecision {
        let decision = self.decision();
        match &*self.authentication {
            Authentication::TrustedHeaders { rules, .. }
            | Authentication::Forward { rules, .. } => rules.hide_secrets(decision),
            Authentication::Development => decision,
        }
    }
}

impl Caller {
    fn decision(&self) -> UserDecision {
        match (&self.found, &*self.authentication) {
            (Found::Demo(user), _) => user.token_decision(),
            (Found::BadQuery(problem), _) => UserDecision::BadRequest((*problem).to_owned()),
            // A 500 logged with the header, as for an ID the token cannot carry.
            (Found::Unusable { field, problem }, _) => {
                UserDecision::InvalidIdentity(Error::InvalidIdentity {
                    field: field.clone(),
                    problem: problem.clone(),
                    subject: None,
                })
            }
            (Found::Unavailable(failure), _) => UserDecision::Unavailable {
                failure: failure.kind,
                detail: failure.detail.clone(),
            },
            // The log line of a user the token cannot carry names the proxy's header too.
            (Found::User(user), Authentication::TrustedHeaders { rules, headers }) => {
                match rules.decide(user, |field| headers.field_source(field)) {
                    UserDecision::InvalidIdentity(Error::InvalidIdentity {
                        field,
                        problem,
                        subject,
                    }) => UserDecision::InvalidIdentity(Error::InvalidIdentity {
                        field: headers.field_source(&field),
                        problem,
                        subject,
                    }),
                    decision => decision,
                }
            }
            // The user came from the application's answer, so a user ID the token cannot carry
            // is a bad answer (502), logged with the forward URL, not a failure of this server.
            (Found::User(user), Authentication::Forward { rules, forward }) => {
                match rules.decide(user, ForwardAuth::field_source) {
                    UserDecision::InvalidIdentity(problem) => {
                        let failure = forward.unusable_user(&problem);
                        UserDecision::Unavailable {
                            failure: failure.kind,
                            detail: failure.detail,
                        }
                    }
                    decision => decision,
                }
            }
            (Found::User(user), Authentication::Development) => UserDecision::Refuse(format!(
                "user {:?} came without a demo user in development mode",
                user.id
            )),
        }
    }
}

/// The environments a sign-in may name for its user, by ID: `[environment]`'s and each
/// `[[other_environment]]`'s, looked up in one step however many there are.
#[derive(Debug, Clone)]
pub(crate) struct Environments(HashSet<String>);

impl Environments {
    /// The environments of `settings`, whose IDs the configuration has checked.
    pub(crate) fn from_settings(settings: &Settings) -> Self {
        let ids = settings.environment_ids().into_iter();
        Environments(ids.map(|(_, id)| id.to_owned()).collect())
    }

    /// The environment `text` names, without the spaces and tabs around it.
    ///
    /// # Errors
    ///
    /// Why `text` names none, for the log: it is empty, or no environment's ID (quoted when it
    /// has the shape of an ID, described otherwise).
    pub(crate) fn named(&self, text: &str) -> Result<String, String> {
        let text = trim_spaces(text);
        if let Some(id) = self.0.get(text) {
            return Ok(id.clone());
        }
        if text.is_empty() {
            return Err("it is empty, so the user's environment is unknown".to_owned());
        }
        let shown = if EnvironmentId::new(text).is_ok() {
            format!("it names {text:?}, which is not")
        } else {
            "it is not an environment ID (up to 64 letters, digits, `-`, `_` and `.`), so it is \
             not"
            .to_owned()
        };
        Err(format!(
            "{shown} among the environments this server signs for (environment.id, and each \
             other_environment's id)"
        ))
    }
}

/// Refuses `[[other_environment]]` without the mode's way to name the user's environment:
/// `setting`, which names a `what` (a header, a field) and is not `named`. The other mode's
/// setting, `(setting, set, mode)`, is mentioned when it is set, as the likely mix-up.
pub(crate) fn require_environment_setting(
    settings: &Settings,
    (setting, named): (&str, bool),
    what: &str,
    advice: &str,
    (other, other_set, other_mode): (&str, bool, &str),
) -> Result<(), CliError> {
    let more = settings.values.other_environment.len();
    if named || more == 0 {
        return Ok(());
    }
    let mix_up = if other_set {
        format!(
            " ({} is set, but it is for the {other_mode:?} mode)",
            settings.name(other)
        )
    } else {
        String::new()
    };
    Err(CliError::setting(
        settings.name(setting),
        format!(
            "names no {what}, but {} gives {more} more environment(s); {advice}{mix_up}",
            settings.name("other_environment")
        ),
    ))
}
