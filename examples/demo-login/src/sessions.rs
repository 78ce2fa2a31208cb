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
/// be one of the list's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("there is no demo user {}; choose one from the list on the home page", shown(.0))]
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

    /// Ends every session named in the request's `Cookie` headers (the values of all of them,
    /// as bytes), and returns the `Set-Cookie` value that removes the cookie.
    pub fn sign_out<'a>(&self, cookie_headers: impl IntoIterator<Item = &'a [u8]>) -> &'static str {
        let mut by_id = self.by_id.lock().unwrap_or_else(PoisonError::into_inner);
        for id in session_ids(cookie_headers) {
            if let Some(user) = by_id.remove(id) {
                tracing::info!(user, "signed out");
            }
        }
        CLEAR_COOKIE
    }

    /// The user signed in by the first live session named in the request's `Cookie` headers (the
    /// values of all of them, as bytes): `None` without a session cookie, or when every session
    /// it names is unknown or ended. A browser may send a stale session cookie (of another path,
    /// say) before the live one.
    ///
    /// # Errors
    ///
    /// [`LookupError::DirectoryUnreachable`] when the user's profile cannot be loaded.
    pub fn current<'a>(
        &self,
        cookie_headers: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<Option<DemoUser>, LookupError> {
        let user_id = {
            let by_id = self.by_id.lock().unwrap_or_else(PoisonError::into_inner);
            session_ids(cookie_headers).find_map(|id| by_id.get(id).copied())
        };
        let Some(user) = user_id.and_then(users::find) else {
            return Ok(None);
        };
        match user.directory {
            Directory::Reachable => Ok(Some(user.clone())),
            Directory::Unreachable => Err(LookupError::DirectoryUnreachable(user.id)),
        }
    }
}

/// The session IDs among the values of a request's `Cookie` headers (`a=1;
/// ckeditor_demo_session=...; b=2`): the values of the session cookie that are UTF-8, in the
/// headers' order; an empty one names no session. The headers are read as bytes, because a browser
/// sends every cookie of the site, and another app's cookie may hold bytes that are not ASCII;
/// and a client may split its cookies over several headers.
fn session_ids<'a>(
    cookie_headers: impl IntoIterator<Item = &'a [u8]>,
) -> impl Iterator<Item = &'a str> {
    cookie_headers
        .into_iter()
        .flat_map(|header| header.split(|&byte| byte == b';'))
        .filter_map(|pair| {
            let at = pair.iter().position(|&byte| byte == b'=')?;
            let (name, value) = (pair[..at].trim_ascii(), &pair[at + 1..]);
            (name == COOKIE_NAME.as_bytes()).then_some(value.trim_ascii())
        })
        .filter_map(|value| std::str::from_utf8(value).ok())
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
            .current([cookie.as_bytes()])
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
        let headers: [&[&str]; 5] = [
            &[],
            &[""],
            &["ckeditor_demo_session="],
            &["ckeditor_demo_session=0f"],
            &["ckeditor_demo_session", "=ckeditor_demo_session"],
        ];
        for headers in headers {
            let found = sessions.current(headers.iter().map(|header| header.as_bytes()));
            assert_eq!(found, Ok(None), "{headers:?}");
        }
    }

    #[test]
    fn an_unknown_name_is_shown_back_only_when_short() {
        assert_eq!(
            UnknownUser("mallory".into()).to_string(),
            "there is no demo user \"mallory\"; choose one from the list on the home page"
        );
        let long = UnknownUser("m".repeat(33)).to_string();
        assert_eq!(
            long,
            "there is no demo user by that name (of 33 characters); choose one from the list \
             on the home page"
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
        assert_eq!(sessions.sign_out([cookie.as_bytes()]), CLEAR_COOKIE);
        assert_eq!(sessions.current([cookie.as_bytes()]), Ok(None));
        assert!(CLEAR_COOKIE.contains("Max-Age=0"));
    }

    /// A browser sends every cookie of the site, and another app's may be raw UTF-8 or any other
    /// bytes: the session cookie beside it still signs the user in, and out.
    #[test]
    fn other_cookies_of_any_bytes_leave_the_session_readable() {
        let sessions = Sessions::new();
        let cookie = cookie_of(&sessions.sign_in("bob").expect("random").expect("known"));
        let beside_utf8 = format!("pref=José; {cookie}; theme=☀");
        let beside_latin1 = [b"pref=Jos\xe9; ".as_slice(), cookie.as_bytes()].concat();
        for header in [beside_utf8.as_bytes(), &beside_latin1] {
            let user = sessions
                .current([header])
                .expect("lookup")
                .expect("signed in");
            assert_eq!(user.id, "bob");
        }

        assert_eq!(sessions.sign_out([beside_latin1.as_slice()]), CLEAR_COOKIE);
        assert_eq!(sessions.current([cookie.as_bytes()]), Ok(None));
    }

    /// Cookies may come in several `Cookie` headers; the session cookie is found in any of them,
    /// and an empty one, or one that is not UTF-8, before it does not hide it.
    #[test]
    fn the_session_cookie_is_found_in_any_cookie_header() {
        let sessions = Sessions::new();
        let cookie = cookie_of(&sessions.sign_in("alice").expect("random").expect("known"));
        let stale = b"ckeditor_demo_session=\xff".as_slice();
        let headers = [
            b"theme=dark".as_slice(),
            b"ckeditor_demo_session=",
            stale,
            cookie.as_bytes(),
        ];
        let user = sessions
            .current(headers)
            .expect("lookup")
            .expect("signed in");
        assert_eq!(user.id, "alice");
    }

    /// A stale session cookie before the live one, as a browser may send one of another path,
    /// neither signs the user out nor keeps a logout from ending the live session.
    #[test]
    fn a_stale_session_cookie_before_the_live_one_does_not_hide_it() {
        let sessions = Sessions::new();
        let live = cookie_of(&sessions.sign_in("bob").expect("random").expect("known"));
        let header = format!("ckeditor_demo_session={}; {live}", "0f".repeat(32));
        let user = sessions
            .current([header.as_bytes()])
            .expect("lookup")
            .expect("signed in");
        assert_eq!(user.id, "bob");

        assert_eq!(sessions.sign_out([header.as_bytes()]), CLEAR_COOKIE);
        assert_eq!(sessions.current([live.as_bytes()]), Ok(None));
    }

    #[test]
    fn an_unreachable_profile_is_a_lookup_error() {
        let sessions = Sessions::new();
        let cookie = cookie_of(&sessions.sign_in("frank").expect("random").expect("known"));
        assert_eq!(
            sessions.current([cookie.as_bytes()]),
            Err(LookupError::DirectoryUnreachable("frank"))
        );
    }
}
