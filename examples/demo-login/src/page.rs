//! The home page: who is signed in, the demo users, and the forms to sign in and out.

use crate::users::{self, DemoUser};

/// The home page for the signed-in `user`, or for nobody.
pub fn home(user: Option<&DemoUser>) -> String {
    let mut page = String::from(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>CKEditor token demo</title></head><body>\n",
    );
    match user {
        Some(user) => {
            page.push_str(&format!(
                "<p>Signed in as <strong>{}</strong> ({}). <a href=\"/token\">Your token</a>.</p>\n\
                 <form method=\"post\" action=\"/logout\"><button>Sign out</button></form>\n",
                escape(user.name),
                escape(user.id)
            ));
        }
        None => page.push_str("<p>Not signed in.</p>\n"),
    }
    page.push_str(
        "<form method=\"post\" action=\"/login\"><label>Sign in as <select name=\"user\">",
    );
    for candidate in users::all() {
        page.push_str(&format!(
            "<option value=\"{}\">{} ({})</option>",
            escape(candidate.id),
            escape(candidate.name),
            escape(&candidate.label())
        ));
    }
    page.push_str("</select></label> <button>Sign in</button></form>\n</body></html>\n");
    page
}

fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_the_signed_in_user() {
        let alice = users::find("alice").expect("alice");
        let page = home(Some(alice));
        assert!(page.contains("Signed in as <strong>Alice Writer</strong>"));
        assert!(home(None).contains("Not signed in."));
        // The users the token route gives no token say so.
        assert!(page.contains("<option value=\"alice\">Alice Writer (writer)</option>"));
        assert!(page.contains(
            "<option value=\"frank\">Frank Offline (writer; no token: the profile cannot be \
             loaded, 500)</option>"
        ));
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
