//! Sign-in, sign-out and the session cookie.
//!
//! A session is a random ID in an `HttpOnly`, `SameSite=Lax` cookie, mapped in memory to a demo
//! user's ID. Looking up the signed-in user goes through the demo directory, which fails for
//! users whose profile is [`Directory::Unreachable`].

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};

use crate::users::{self, DemoUser, Directory};

/// The name of the session cookie.
pub const COOKIE_NAME: &str = "ckeditor_demo_session";

/// The `Set-Cookie` value that removes the session cookie.
pub const CLEAR_COOKIE: &str = "ckeditor_demo_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0";

/// The login form named no demo user. The name is shown back only when it is short enough to
/// be one of the table's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("there is no demo user {}; choose one of the table on the home page", shown(.0))]
pub struct UnknownUser(pub String);

/// The longest name [`UnknownUser`] shows back, in characters.
const MAX_SHOWN_NAME: usize = 32;

fn shown(name: &str) -> String {
    let length = name.chars().count();
    if length <= MAX_SHOWN_NAME {
        format!("{name:?}")
    } else {
        format!("by that name (of {length} characters)")
    }
}

/// The signed-in user's profile could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// The directory does not answer for this user.
    #[error("the demo directory could not load the profile of user {0:?}")]
    DirectoryUnreachable(&'static str),
    /// The operating system gave no random bytes for a session ID.
    #[error("no random bytes for a session ID: {0}")]
    NoRandomness(String),
}

/// The demo's sessions, shared by every worker. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Sessions {
    by_id: Arc<Mutex<HashMap<String, &'static str>>>,
}

impl Sessions {
    /// No sessions yet.
    pub fn new() -> Self {
        Sessions::default()
    }

    /// Signs `user_id` in and returns the `Set-Cookie` value for its new session.
    ///
    /// # Errors
    ///
    /// [`UnknownUser`] for an ID not in the table; the outer error when no session ID can be
    /// drawn.
    pub fn sign_in(&self, user_id: &str) -> Result<Result<String, UnknownUser>, LookupError> {
        let Some(user) = users::find(user_id.trim()) else {
            return Ok(Err(UnknownUser(user_id.to_owned())));
        };
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|error| LookupError::NoRandomness(error.to_string()))?;
        let id = bytes
            .iter()
            .fold(String::with_capacity(64), |mut id, byte| {
                let _ = write!(id, "{byte:02x}");
                id
            });
        self.by_id
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.clone(), user.id);
        tracing::info!(user = user.id, "signed in");
        Ok(Ok(format!(
            "{COOKIE_NAME}={id}; HttpOnly; SameSite=Lax; Path=/"
        )))
    }

    /// Ends the session named in the `Cookie` header, if any, and returns the `Set-Cookie` value
    /// that removes the cookie.
    pub fn sign_out(&self, cookie_header: Option<&str>) -> &'static str {
        if let Some(id) = session_id(cookie_header) {
            let ended = self
                .by_id
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(id);
            if let Some(user) = ended {
                tracing::info!(user, "signed out");
            }
        }
        CLEAR_COOKIE
    }

    /// The user signed in by the session named in the `Cookie` header: `None` without a cookie
    /// or with an unknown or ended session.
    ///
    /// # Errors
    ///
    /// [`LookupError::DirectoryUnreachable`] when the user's profile cannot be loaded.
    pub fn current(&self, cookie_header: Option<&str>) -> Result<Option<DemoUser>, LookupError> {
        let Some(id) = session_id(cookie_header) else {
            return Ok(None);
        };
        let user_id = self
            .by_id
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .copied();
        let Some(user) = user_id.and_then(users::find) else {
            return Ok(None);
        };
        match user.directory {
            Directory::Reachable => Ok(Some(user.clone())),
            Directory::Unreachable => Err(LookupError::DirectoryUnreachable(user.id)),
        }
    }
}

/// The session ID in a `Cookie` header (`a=1; ckeditor_demo_session=...; b=2`).
fn session_id(cookie_header: Option<&str>) -> Option<&str> {
    cookie_header?
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cookie_of(set_cookie: &str) -> String {
        set_cookie.split(';').next().expect("a pair").to_owned()
    }

    #[test]
    fn sign_in_sets_a_session_cookie_that_finds_the_user() {
        let sessions = Sessions::new();
        let set_cookie = sessions.sign_in("alice").expect("random").expect("known");
        assert!(set_cookie.contains("; HttpOnly"), "{set_cookie}");
        assert!(set_cookie.contains("; SameSite=Lax"), "{set_cookie}");
        assert!(set_cookie.contains("; Path=/"), "{set_cookie}");
        let cookie = format!("theme=dark; {}", cookie_of(&set_cookie));
        let user = sessions
            .current(Some(&cookie))
            .expect("lookup")
            .expect("signed in");
        assert_eq!(user.id, "alice");

        let other = sessions.sign_in("alice").expect("random").expect("known");
        assert_ne!(
            cookie_of(&other),
            cookie_of(&set_cookie),
            "session IDs repeat"
        );
    }

    #[test]
    fn unknown_users_and_sessions_find_nobody() {
        let sessions = Sessions::new();
        assert_eq!(
            sessions.sign_in("mallory").expect("random"),
            Err(UnknownUser("mallory".into()))
        );
        for header in [
            None,
            Some(""),
            Some("ckeditor_demo_session="),
            Some("ckeditor_demo_session=0f"),
        ] {
            assert_eq!(sessions.current(header), Ok(None), "{header:?}");
        }
    }

    #[test]
    fn an_unknown_name_is_shown_back_only_when_short() {
        assert_eq!(
            UnknownUser("mallory".into()).to_string(),
            "there is no demo user \"mallory\"; choose one of the table on the home page"
        );
        let long = UnknownUser("m".repeat(33)).to_string();
        assert_eq!(
            long,
            "there is no demo user by that name (of 33 characters); choose one of the table on \
             the home page"
        );
        assert!(
            UnknownUser("m".repeat(32))
                .to_string()
                .contains(&"m".repeat(32))
        );
    }

    #[test]
    fn sign_out_ends_the_session() {
        let sessions = Sessions::new();
        let cookie = cookie_of(&sessions.sign_in("bob").expect("random").expect("known"));
        assert_eq!(sessions.sign_out(Some(&cookie)), CLEAR_COOKIE);
        assert_eq!(sessions.current(Some(&cookie)), Ok(None));
        assert!(CLEAR_COOKIE.contains("Max-Age=0"));
    }

    #[test]
    fn an_unreachable_profile_is_a_lookup_error() {
        let sessions = Sessions::new();
        let cookie = cookie_of(&sessions.sign_in("frank").expect("random").expect("known"));
        assert_eq!(
            sessions.current(Some(&cookie)),
            Err(LookupError::DirectoryUnreachable("frank"))
        );
    }
}
