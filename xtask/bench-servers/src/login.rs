//! The benchmark app's login: a session cookie, looked up in the app's session store, yields the
//! signed-in account, which the token route maps to an editor identity.
//!
//! It stands for the login an application already has. The store is shared by every worker and
//! may change while the app runs (sign-ins and sign-outs), so lookups take a read lock, as an
//! in-process store would. The benchmark signs one account in at start-up, under the session ID
//! in [`SESSION_VAR`].

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use ckeditor_token_core::{Identity, Role, TokenUser, UserDecision};

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "session";

/// The environment variable holding the session ID the benchmark's account is signed in under.
pub const SESSION_VAR: &str = "BENCH_SESSION";

/// An account of the app, as its user table would hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The stable user ID, the token's `sub`.
    pub id: String,
    /// The display name.
    pub name: String,
    /// The email address.
    pub email: String,
    /// The avatar URL.
    pub avatar: String,
}

impl Account {
    /// The account the benchmark signs in; the peer apps in `xtask/bench-peers` hold the same.
    pub fn benchmark_user() -> Account {
        Account {
            id: "user-4711".to_owned(),
            name: "Joe Doe".to_owned(),
            email: "joe.doe@example.com".to_owned(),
            avatar: "https://avatars.example.com/joe-doe.png".to_owned(),
        }
    }
}

/// Every account may write every document.
impl TokenUser for Account {
    fn token_decision(&self) -> UserDecision {
        Identity::builder(&self.id)
            .name(&self.name)
            .email(&self.email)
            .avatar(&self.avatar)
            .grant("*", Role::Writer)
            .build()
            .into()
    }
}

/// The app's sessions: session ID to account. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct SessionStore {
    by_id: Arc<RwLock<HashMap<String, Arc<Account>>>>,
}

impl SessionStore {
    /// A store with [`Account::benchmark_user`] signed in under the session ID in
    /// [`SESSION_VAR`].
    ///
    /// # Errors
    ///
    /// When the variable is missing or blank.
    pub fn from_env() -> Result<SessionStore, String> {
        let id = std::env::var(SESSION_VAR).unwrap_or_default();
        if id.trim().is_empty() {
            return Err(format!("{SESSION_VAR} must hold the session ID to sign in"));
        }
        let store = SessionStore::default();
        store.sign_in(id.trim(), Account::benchmark_user());
        Ok(store)
    }

    /// Signs `account` in under the session ID `id`.
    pub fn sign_in(&self, id: &str, account: Account) {
        self.by_id
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.to_owned(), Arc::new(account));
    }

    /// The account signed in by the session cookie in a `Cookie` header, if any.
    pub fn signed_in(&self, cookie_header: Option<&str>) -> Option<Arc<Account>> {
        let id = session_id(cookie_header?)?;
        self.by_id
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned()
    }
}

/// The session ID in a `Cookie` header (`theme=dark; session=...`).
fn session_id(cookie_header: &str) -> Option<&str> {
    cookie_header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use ckeditor_token_core::{Environment, Issuer};

    use super::*;

    #[test]
    fn the_session_cookie_finds_its_account_among_other_cookies() {
        let store = SessionStore::default();
        store.sign_in("abc123", Account::benchmark_user());
        let found = store.signed_in(Some("theme=dark; session=abc123; lang=en"));
        assert_eq!(found.as_deref(), Some(&Account::benchmark_user()));
        for header in [
            None,
            Some(""),
            Some("session="),
            Some("session=abc"),
            Some("other=abc123"),
        ] {
            assert_eq!(store.signed_in(header), None, "{header:?}");
        }
    }

    #[test]
    fn the_account_gets_a_writer_token_with_its_profile() {
        let environment = Environment::new("ENV_BENCH", "bench-access-key-0123456789-abcdef")
            .expect("environment");
        let issuer = Issuer::new(environment).expect("issuer");
        let UserDecision::Issue(identity) = Account::benchmark_user().token_decision() else {
            panic!("the benchmark user gets a token");
        };
        assert_eq!(identity.subject(), "user-4711");
        assert_eq!(identity.profile().name.as_deref(), Some("Joe Doe"));
        assert!(issuer.collaboration(&identity).is_ok());
    }
}
