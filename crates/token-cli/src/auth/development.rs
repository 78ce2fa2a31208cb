//! Development mode's users: the demo users of the example apps, picked with `?user=<id>`.
//!
//! No sign-in at all: whoever asks for `/token?user=bob` is Bob, which is why development mode
//! serves loopback addresses only. Without `?user=` the first user is taken; with it twice, no
//! one is (400), since either would be a guess. Two browser windows with two token URLs are two
//! people editing together.

use axum::extract::Query;
use axum::http::Uri;
use ckeditor_token_demo_login::{DemoUser, Directory, users};

/// Why no demo user was picked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NoDemoUser {
    /// `?user=` names no demo user (401).
    Unknown(String),
    /// The query cannot name one demo user (400): the text says why, for the log.
    BadQuery(&'static str),
    /// The demo user stands for a profile that cannot be loaded (500).
    Unreachable(&'static str),
}

/// Why a query that gives `user` more than once names no one, for the log.
const REPEATED_USER: &str =
    "the query gives `user` more than once; give one demo user, such as ?user=alice";
/// Why a query that is not `name=value` pairs names no one, for the log.
const UNREADABLE_QUERY: &str = "the query cannot be read; give one demo user, such as ?user=alice";

/// The demo user a request asks for.
///
/// # Errors
///
/// [`NoDemoUser::Unknown`] for an unknown ID; [`NoDemoUser::BadQuery`] for a query that gives
/// `user` more than once or cannot be read; [`NoDemoUser::Unreachable`] for the demo user whose
/// profile lookup fails by design.
pub(crate) fn user(uri: &Uri) -> Result<&'static DemoUser, NoDemoUser> {
    let pairs = Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map_err(|_| NoDemoUser::BadQuery(UNREADABLE_QUERY))?
        .0;
    let mut asked = pairs
        .into_iter()
        .filter(|(name, _)| name == "user")
        .map(|(_, id)| id);
    let found = match (asked.next(), asked.next()) {
        (None, _) => users::all().first(),
        (Some(_), Some(_)) => return Err(NoDemoUser::BadQuery(REPEATED_USER)),
        (Some(id), None) => {
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
                role = escape(&user.label()),
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
        // Other parameters are no concern of development mode.
        assert_eq!(user(&uri("/token?v=2&user=bob")).map(|u| u.id), Ok("bob"));
    }

    #[test]
    fn a_query_that_gives_user_twice_names_no_one() {
        for query in ["user=bob&user=alice", "user=bob&user=bob", "user=&user=bob"] {
            assert_eq!(
                user(&uri(&format!("/token?{query}"))),
                Err(NoDemoUser::BadQuery(REPEATED_USER)),
                "{query}"
            );
        }
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
        assert!(page.contains("Alice Writer (writer)</li>"), "{page}");
        assert!(
            page.contains("(no editor access: no token, 403)</li>"),
            "{page}"
        );
        assert!(
            page.contains("(writer; no token: the token cannot carry the profile, 500)</li>"),
            "{page}"
        );
        assert!(
            page.contains("(writer; no token: the profile cannot be loaded, 500)</li>"),
            "{page}"
        );
    }
}
