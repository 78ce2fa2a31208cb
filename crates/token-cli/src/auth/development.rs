//! Development mode's users: the demo users of the example apps, picked with `?user=<id>`.
//!
//! No sign-in at all: whoever asks for `/token?user=bob` is Bob, which is why development mode
//! serves loopback addresses only. Without `?user=` the first user is taken. Two browser windows
//! with two token URLs are two people editing together.

use axum::extract::Query;
use axum::http::Uri;
use ckeditor_token_demo_login::{DemoUser, Directory, users};
use serde::Deserialize;

/// Why no demo user was picked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NoDemoUser {
    /// `?user=` names no demo user (401).
    Unknown(String),
    /// The demo user stands for a profile that cannot be loaded (500).
    Unreachable(&'static str),
}

#[derive(Debug, Deserialize)]
struct UserQuery {
    user: Option<String>,
}

/// The demo user a request asks for.
///
/// # Errors
///
/// [`NoDemoUser::Unknown`] for an unknown ID or an unreadable query;
/// [`NoDemoUser::Unreachable`] for the demo user whose profile lookup fails by design.
pub(crate) fn user(uri: &Uri) -> Result<&'static DemoUser, NoDemoUser> {
    let asked = Query::<UserQuery>::try_from_uri(uri)
        .map_err(|_| NoDemoUser::Unknown(uri.query().unwrap_or_default().to_owned()))?
        .0
        .user;
    let found = match asked {
        None => users::all().first(),
        Some(id) => {
            users::find(&id).map_or_else(|| Err(NoDemoUser::Unknown(id)), |u| Ok(Some(u)))?
        }
    };
    let user = found.ok_or_else(|| NoDemoUser::Unknown(String::new()))?;
    match user.directory {
        Directory::Reachable => Ok(user),
        Directory::Unreachable => Err(NoDemoUser::Unreachable(user.id)),
    }
}

/// A short HTML page listing the demo users with their token URLs.
pub(crate) fn index_page(token_path: &str) -> String {
    let rows: String = users::all()
        .iter()
        .map(|user| {
            format!(
                "<li><a href=\"{token_path}?user={id}\">{token_path}?user={id}</a>: {name} \
                 ({role})</li>\n",
                id = escape(user.id),
                name = escape(user.name),
                role = user.role,
            )
        })
        .collect();
    format!(
        "<!doctype html>\n<title>ckeditor-token: development mode</title>\n\
         <h1>Development mode</h1>\n\
         <p>Tokens are signed with the built-in development environment, which CKEditor Cloud \
         Services refuses. Use one token URL per browser window as <code>tokenUrl</code>; \
         without <code>?user=</code> the first user is taken.</p>\n<ul>\n{rows}</ul>\n"
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(text: &str) -> Uri {
        text.parse().expect("a URI")
    }

    #[test]
    fn the_query_picks_the_user_and_the_first_is_the_default() {
        let first = users::all().first().expect("demo users").id;
        assert_eq!(user(&uri("/token")).map(|u| u.id), Ok(first));
        assert_eq!(user(&uri("/token?user=bob")).map(|u| u.id), Ok("bob"));
        assert_eq!(
            user(&uri("/token?user=mallory")),
            Err(NoDemoUser::Unknown("mallory".into()))
        );
        assert_eq!(
            user(&uri("/token?user=frank")),
            Err(NoDemoUser::Unreachable("frank"))
        );
    }

    #[test]
    fn the_index_links_every_user() {
        let page = index_page("/token");
        assert_eq!(escape("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
        for demo in users::all() {
            assert!(
                page.contains(&format!("/token?user={}", demo.id)),
                "{}",
                demo.id
            );
        }
        assert!(page.contains("(writer)</li>"), "{page}");
        assert!(page.contains("(no editor access)</li>"), "{page}");
    }
}
