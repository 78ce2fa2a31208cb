//! The demo users: one per answer of the token route.
//!
//! | id | who | token route |
//! | --- | --- | --- |
//! | `alice` | writer | 200, `*` as writer |
//! | `bob` | reader | 200, `*` as reader |
//! | `chloe` | writer, avatar URL with `?` and `~` | 200, a browser-safe payload |
//! | `dora` | writer, a 100 KB `data:` avatar URL | 500: her identity cannot be built, no token |
//! | `erin` | no editor access | 403 |
//! | `frank` | a profile the directory cannot load | 500: the lookup fails |
//!
//! Chloe's compact claims would put `-` or `_` in the base64url payload, so her token carries
//! the browser-safe encoding instead.

use std::sync::LazyLock;

use ckeditor_token_core::{Identity, Role, TokenUser, UserDecision};

/// What a demo user may do in the editor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoRole {
    /// Edits every document.
    Writer,
    /// Reads every document.
    Reader,
    /// Has no access to the editor: the app refuses a token.
    NoAccess,
}

impl std::fmt::Display for DemoRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DemoRole::Writer => "writer",
            DemoRole::Reader => "reader",
            DemoRole::NoAccess => "no editor access",
        })
    }
}

/// Whether the demo's user directory can load a user's profile, standing in for a database
/// that may fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Directory {
    /// The profile loads.
    Reachable,
    /// Loading the profile fails.
    Unreachable,
}

/// One row of the demo users table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUser {
    /// The stable ID, the token's `sub`, and the value of the login form's `user` field.
    pub id: &'static str,
    /// The display name.
    pub name: &'static str,
    /// The email address.
    pub email: &'static str,
    /// The avatar URL.
    pub avatar: String,
    /// What the user may do.
    pub role: DemoRole,
    /// Whether the user's profile can be loaded.
    pub directory: Directory,
}

/// Chloe's avatar: its `?` and two `~` fall on all three byte positions of a base64 group,
/// so wherever the claims place it, compact JSON would encode to `-` or `_` somewhere.
pub const CHLOE_AVATAR: &str = "https://cdn.example.test/~chloe/avatar.png?size=96&v=~2";

/// The size of Dora's `data:` URL avatar, in bytes.
pub const DORA_AVATAR_LEN: usize = 100 * 1024;

static USERS: LazyLock<Vec<DemoUser>> = LazyLock::new(|| {
    let user = |id, name, email, avatar: &str, role, directory| DemoUser {
        id,
        name,
        email,
        avatar: avatar.to_owned(),
        role,
        directory,
    };
    let prefix = "data:image/png;base64,";
    let dora_avatar = format!("{prefix}{}", "A".repeat(DORA_AVATAR_LEN - prefix.len()));
    vec![
        user(
            "alice",
            "Alice Writer",
            "alice@example.test",
            "https://avatars.example.test/alice.png",
            DemoRole::Writer,
            Directory::Reachable,
        ),
        user(
            "bob",
            "Bob Reader",
            "bob@example.test",
            "https://avatars.example.test/bob.png",
            DemoRole::Reader,
            Directory::Reachable,
        ),
        user(
            "chloe",
            "Chloe Query",
            "chloe@example.test",
            CHLOE_AVATAR,
            DemoRole::Writer,
            Directory::Reachable,
        ),
        user(
            "dora",
            "Dora Data",
            "dora@example.test",
            &dora_avatar,
            DemoRole::Writer,
            Directory::Reachable,
        ),
        user(
            "erin",
            "Erin Outsider",
            "erin@example.test",
            "https://avatars.example.test/erin.png",
            DemoRole::NoAccess,
            Directory::Reachable,
        ),
        user(
            "frank",
            "Frank Offline",
            "frank@example.test",
            "https://avatars.example.test/frank.png",
            DemoRole::Writer,
            Directory::Unreachable,
        ),
    ]
});

/// Every demo user, in table order.
pub fn all() -> &'static [DemoUser] {
    &USERS
}

/// The demo user with this ID.
pub fn find(id: &str) -> Option<&'static DemoUser> {
    USERS.iter().find(|user| user.id == id)
}

impl DemoUser {
    /// The label the pages that list the users give this one: the role, and why the token route
    /// gives no token where it gives none, so that a demo failure is not taken for a fault.
    pub fn label(&self) -> String {
        let failure = if self.directory == Directory::Unreachable {
            Some("no token: the profile cannot be loaded, 500")
        } else {
            match self.token_decision() {
                UserDecision::Issue(_) => None,
                UserDecision::Refuse(_) => Some("no token, 403"),
                _ => Some("no token: the token cannot carry the profile, 500"),
            }
        };
        match failure {
            Some(failure) if self.role != DemoRole::NoAccess => format!("{}; {failure}", self.role),
            Some(failure) => format!("{}: {failure}", self.role),
            None => self.role.to_string(),
        }
    }
}

impl TokenUser for DemoUser {
    fn token_decision(&self) -> UserDecision {
        let role = match self.role {
            DemoRole::Writer => Role::Writer,
            DemoRole::Reader => Role::Reader,
            DemoRole::NoAccess => {
                return UserDecision::Refuse(format!("demo user {} has no editor access", self.id));
            }
        };
        Identity::builder(self.id)
            .name(self.name)
            .email(self.email)
            .avatar(&self.avatar)
            .grant("*", role)
            .build()
            .into()
    }
}

#[cfg(test)]
mod tests {
    use ckeditor_token_core::atob::is_atob_safe;

    use super::*;

    #[test]
    fn ids_are_unique() {
        for (index, user) in all().iter().enumerate() {
            assert!(all()[..index].iter().all(|other| other.id != user.id));
            assert_eq!(find(user.id), Some(user));
        }
        assert_eq!(find("nobody"), None);
    }

    #[test]
    fn decisions_follow_the_role() {
        let decision = |id| find(id).expect("a demo user").token_decision();
        assert!(matches!(decision("alice"), UserDecision::Issue(_)));
        assert!(matches!(decision("bob"), UserDecision::Issue(_)));
        assert!(matches!(decision("chloe"), UserDecision::Issue(_)));
        assert!(matches!(decision("erin"), UserDecision::Refuse(_)));
        let UserDecision::InvalidIdentity(error) = decision("dora") else {
            panic!("dora's identity must fail to build");
        };
        assert!(error.to_string().contains("user.avatar"), "{error}");
        assert_eq!(find("dora").expect("dora").avatar.len(), DORA_AVATAR_LEN);
    }

    /// Chloe's compact claims, written independently of the core with serde_json, are unsafe
    /// for `atob()` whatever the environment ID's length and whether `exp` is present.
    #[test]
    fn chloe_compact_claims_are_never_atob_safe() {
        let chloe = find("chloe").expect("chloe");
        let string = |text: &str| serde_json::to_string(text).expect("a JSON string");
        for aud in [
            "ENV_TEST_123",
            "ENV_TEST_4567",
            "ENV_TEST_89012",
            "DEVELOPMENT",
        ] {
            for exp in ["", "\"exp\":1700003600,"] {
                let claims = format!(
                    "{{\"aud\":{},\"iat\":1700000000,{exp}\"sub\":{},\"user\":{{\"name\":{},\
                     \"email\":{},\"avatar\":{}}},\"auth\":{{\"collaboration\":{{\"*\":\
                     {{\"role\":\"writer\"}}}}}}}}",
                    string(aud),
                    string(chloe.id),
                    string(chloe.name),
                    string(chloe.email),
                    string(&chloe.avatar),
                );
                let value: serde_json::Value = serde_json::from_str(&claims).expect("JSON");
                assert_eq!(value["user"]["avatar"], CHLOE_AVATAR);
                assert!(!is_atob_safe(claims.as_bytes()), "{aud} {exp}");
            }
        }
    }
}
