//! What a user may do: collaboration grants per document, the CKBox role, AI scopes.
//!
//! Roles and permissions are enums, so an invalid one cannot be written. Document keys and AI
//! scopes are checked when they are built.

use std::fmt;

use crate::error::{Error, Result};
use crate::identity::{check_text, is_untrimmed};

/// The longest document ID or pattern accepted, in bytes.
pub const MAX_DOCUMENT_KEY_LEN: usize = 128;
/// The longest AI scope or CKBox workspace ID accepted, in bytes.
pub const MAX_SCOPE_LEN: usize = 128;

/// A collaboration role (`auth.collaboration.<document>.role`). Roles CKEditor adds may come as
/// new variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Role {
    /// May read the document.
    Reader,
    /// May read the document and comment on it.
    Commentator,
    /// May read, comment and edit.
    Writer,
}

impl Role {
    /// Every role, in order of increasing rights.
    pub const ALL: [Role; 3] = [Role::Reader, Role::Commentator, Role::Writer];

    /// The role as it is written in a token.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Commentator => "commentator",
            Role::Writer => "writer",
        }
    }

    /// The role written as `name` in a token, if there is one.
    pub fn from_name(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == name)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A collaboration permission (`auth.collaboration.<document>.permissions`). Permissions CKEditor
/// adds may come as new variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Permission {
    /// `document:read`
    DocumentRead,
    /// `document:write`
    DocumentWrite,
    /// `comment:read`
    CommentRead,
    /// `comment:write`
    CommentWrite,
    /// `comment:admin`
    CommentAdmin,
}

impl Permission {
    /// Every permission.
    pub const ALL: [Permission; 5] = [
        Permission::DocumentRead,
        Permission::DocumentWrite,
        Permission::CommentRead,
        Permission::CommentWrite,
        Permission::CommentAdmin,
    ];

    /// The permission as it is written in a token.
    pub const fn as_str(self) -> &'static str {
        match self {
            Permission::DocumentRead => "document:read",
            Permission::DocumentWrite => "document:write",
            Permission::CommentRead => "comment:read",
            Permission::CommentWrite => "comment:write",
            Permission::CommentAdmin => "comment:admin",
        }
    }

    /// The permission written as `name` in a token, if there is one.
    pub fn from_name(name: &str) -> Option<Permission> {
        Permission::ALL
            .into_iter()
            .find(|permission| permission.as_str() == name)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a grant gives on the documents its key matches: a role, permissions, or both.
///
/// ```
/// use ckeditor_token_core::{Grant, Permission, Role};
///
/// let grant = Grant::role(Role::Reader).with_permissions([Permission::CommentWrite]);
/// assert_eq!(grant.role_value(), Some(Role::Reader));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    role: Option<Role>,
    permissions: Vec<Permission>,
}

impl Grant {
    /// A grant of one role.
    pub fn role(role: Role) -> Self {
        Grant {
            role: Some(role),
            permissions: Vec::new(),
        }
    }

    /// A grant of permissions only. An empty list is rejected when the identity is built.
    pub fn permissions(permissions: impl IntoIterator<Item = Permission>) -> Self {
        Grant {
            role: None,
            permissions: permissions.into_iter().collect(),
        }
    }

    /// Adds permissions to a grant.
    #[must_use]
    pub fn with_permissions(mut self, permissions: impl IntoIterator<Item = Permission>) -> Self {
        self.permissions.extend(permissions);
        self
    }

    /// The granted role, if any.
    pub fn role_value(&self) -> Option<Role> {
        self.role
    }

    /// The granted permissions, in the order given.
    pub fn permission_list(&self) -> &[Permission] {
        &self.permissions
    }

    /// Whether `other` grants the same: the same role and the same permissions, in any order.
    /// For grants that [`Grant::check`] accepted, which name no permission twice.
    pub(crate) fn grants_the_same_as(&self, other: &Grant) -> bool {
        self.role == other.role
            && self.permissions.len() == other.permissions.len()
            && self
                .permissions
                .iter()
                .all(|permission| other.permissions.contains(permission))
    }

    pub(crate) fn check(&self, key: &str) -> Result<()> {
        let field = || key_field(key);
        if self.role.is_none() && self.permissions.is_empty() {
            return Err(Error::identity(
                field(),
                "a grant needs a role, permissions, or both",
            ));
        }
        for (index, permission) in self.permissions.iter().enumerate() {
            if self.permissions[..index].contains(permission) {
                return Err(Error::identity(
                    field(),
                    format!("the permission {permission} is given twice"),
                ));
            }
        }
        Ok(())
    }
}

impl From<Role> for Grant {
    fn from(role: Role) -> Self {
        Grant::role(role)
    }
}

/// A grant of this one permission, without a role.
impl From<Permission> for Grant {
    fn from(permission: Permission) -> Self {
        Grant::permissions([permission])
    }
}

/// A key of `auth.collaboration`: a document ID, `*` for every document, or an ID with `*` at its
/// start or end (`doc-*`, `*-draft`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DocumentKey(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape<'a> {
    Every,
    Exact(&'a str),
    Prefix(&'a str),
    Suffix(&'a str),
}

impl<'a> Shape<'a> {
    fn of(key: &'a str) -> Shape<'a> {
        if key == "*" {
            Shape::Every
        } else if let Some(prefix) = key.strip_suffix('*') {
            Shape::Prefix(prefix)
        } else if let Some(suffix) = key.strip_prefix('*') {
            Shape::Suffix(suffix)
        } else {
            Shape::Exact(key)
        }
    }
}

impl DocumentKey {
    /// Checks a document ID or pattern.
    ///
    /// # Errors
    ///
    /// An empty key, one longer than [`MAX_DOCUMENT_KEY_LEN`], one with control characters, or
    /// one with `*` anywhere but at its start or end.
    pub fn new(key: &str) -> Result<Self> {
        DocumentKey::check(key)?;
        Ok(DocumentKey(key.to_owned()))
    }

    /// What [`DocumentKey::new`] checks, without taking the key.
    pub(crate) fn check(key: &str) -> Result<()> {
        let field = || key_field(key);
        check_text(field, key, MAX_DOCUMENT_KEY_LEN)?;
        if is_untrimmed(key) {
            return Err(Error::identity(
                field(),
                "it starts or ends with whitespace",
            ));
        }
        if key != "*" {
            let inner = key
                .strip_prefix('*')
                .or_else(|| key.strip_suffix('*'))
                .unwrap_or(key);
            if inner.contains('*') || inner.is_empty() {
                return Err(Error::identity(
                    field(),
                    "'*' may stand alone, or once at the start or the end of a document ID",
                ));
            }
        }
        Ok(())
    }

    /// A key that [`DocumentKey::check`] accepted.
    pub(crate) fn checked(key: String) -> Self {
        DocumentKey(key)
    }

    /// The key as written in the token.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether some document ID matches both keys.
    pub fn overlaps(&self, other: &DocumentKey) -> bool {
        DocumentKey::keys_overlap(&self.0, &other.0)
    }

    /// [`DocumentKey::overlaps`] for two keys that [`DocumentKey::check`] accepted.
    pub(crate) fn keys_overlap(first: &str, second: &str) -> bool {
        use Shape::{Every, Exact, Prefix, Suffix};
        match (Shape::of(first), Shape::of(second)) {
            (Every, _) | (_, Every) => true,
            (Exact(a), Exact(b)) => a == b,
            (Exact(id), Prefix(p)) | (Prefix(p), Exact(id)) => id.starts_with(p),
            (Exact(id), Suffix(s)) | (Suffix(s), Exact(id)) => id.ends_with(s),
            (Prefix(a), Prefix(b)) => a.starts_with(b) || b.starts_with(a),
            (Suffix(a), Suffix(b)) => a.ends_with(b) || b.ends_with(a),
            (Prefix(_), Suffix(_)) | (Suffix(_), Prefix(_)) => true,
        }
    }

    /// Whether `document_id` matches this key.
    pub fn matches(&self, document_id: &str) -> bool {
        match Shape::of(&self.0) {
            Shape::Every => true,
            Shape::Exact(id) => id == document_id,
            Shape::Prefix(prefix) => document_id.starts_with(prefix),
            Shape::Suffix(suffix) => document_id.ends_with(suffix),
        }
    }
}

impl fmt::Display for DocumentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A CKBox role (`auth.ckbox.role`). Roles CKEditor adds may come as new variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CkboxRole {
    /// An ordinary user.
    User,
    /// May manage categories and settings.
    Admin,
    /// May manage everything, across workspaces.
    Superadmin,
}

impl CkboxRole {
    /// Every CKBox role.
    pub const ALL: [CkboxRole; 3] = [CkboxRole::User, CkboxRole::Admin, CkboxRole::Superadmin];

    /// The role as it is written in a token.
    pub const fn as_str(self) -> &'static str {
        match self {
            CkboxRole::User => "user",
            CkboxRole::Admin => "admin",
            CkboxRole::Superadmin => "superadmin",
        }
    }

    /// The CKBox role written as `name` in a token, if there is one.
    pub fn from_name(name: &str) -> Option<CkboxRole> {
        CkboxRole::ALL
            .into_iter()
            .find(|role| role.as_str() == name)
    }
}

impl fmt::Display for CkboxRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An AI scope (`auth.ai.permissions`): `ai:<type>:<value>`, with `*` allowed as the last
/// character (`ai:models:*`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AiScope(String);

impl AiScope {
    /// Checks an AI scope.
    ///
    /// # Errors
    ///
    /// A scope not of the form `ai:<type>:<value>`, with a `*` other than at its end, or with
    /// characters other than printable ASCII.
    pub fn new(scope: &str) -> Result<Self> {
        let field = || format!("auth.ai scope {}", quoted(scope, MAX_SCOPE_LEN));
        let form = "expected ai:<type>:<value> in printable ASCII, with '*' only at the end";
        check_text(field, scope, MAX_SCOPE_LEN)?;
        let graphic = scope.bytes().all(|b| b.is_ascii_graphic());
        let Some((kind, value)) = scope
            .strip_prefix("ai:")
            .and_then(|rest| rest.split_once(':'))
        else {
            return Err(Error::identity(field(), form));
        };
        let kind_ok = !kind.is_empty()
            && kind
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
        let star_ok = value.find('*').is_none_or(|at| at == value.len() - 1);
        if !graphic || !kind_ok || value.is_empty() || !star_ok {
            return Err(Error::identity(field(), form));
        }
        Ok(AiScope(scope.to_owned()))
    }

    /// The scope as written in the token.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AiScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The field a document key's error names: `auth.collaboration key "doc-1"`.
fn key_field(key: &str) -> String {
    format!(
        "auth.collaboration key {}",
        quoted(key, MAX_DOCUMENT_KEY_LEN)
    )
}

/// `text` quoted to name it in an error: whole when it is at most `max` bytes, as an accepted
/// text is; otherwise its first 32 characters, so that the problem stays in sight (the error
/// states the length).
fn quoted(text: &str, max: usize) -> String {
    if text.len() <= max {
        return format!("{text:?}");
    }
    let start: String = text.chars().take(32).collect();
    format!("{start:?}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> DocumentKey {
        DocumentKey::new(text).expect("valid key")
    }

    #[test]
    fn grants_display_as_the_token_writes_them() {
        assert_eq!(Role::Writer.to_string(), "writer");
        assert_eq!(Role::Commentator.to_string(), "commentator");
        assert_eq!(CkboxRole::Superadmin.to_string(), "superadmin");
        assert_eq!(key("doc-*").to_string(), "doc-*");
        let scope = AiScope::new("ai:models:*").expect("valid scope");
        assert_eq!(scope.to_string(), "ai:models:*");
    }

    #[test]
    fn an_overlong_text_is_named_by_its_start_and_length() {
        let message = DocumentKey::new(&"d".repeat(5000))
            .expect_err("too long")
            .to_string();
        let start = format!("{:?}", "d".repeat(32));
        assert!(
            message.contains(&format!(
                "auth.collaboration key {start}…: it is 5000 bytes long"
            )),
            "{message}"
        );
        assert!(message.contains("at most 128"), "{message}");
        assert!(message.len() < 300, "{message}");
        let message = AiScope::new(&format!("ai:{}", "x".repeat(200)))
            .expect_err("too long")
            .to_string();
        assert!(message.contains("…: it is 203 bytes long"), "{message}");
        // An accepted length is quoted whole.
        let message = DocumentKey::new(&format!("a*{}", "b".repeat(100)))
            .expect_err("an inner star")
            .to_string();
        assert!(message.contains(&"b".repeat(100)), "{message}");
    }

    #[test]
    fn document_keys() {
        for good in ["*", "doc-1", "doc-*", "*-read", "a"] {
            assert_eq!(key(good).as_str(), good);
        }
        for bad in [
            "",
            "**",
            "a*b",
            "*a*",
            "doc\n1",
            " doc",
            "\u{7f}",
            &"d".repeat(129),
        ] {
            assert!(DocumentKey::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn overlap_is_symmetric_and_matches_a_witness() {
        let keys = [
            "*", "doc-1", "doc-2", "doc-*", "do*", "x-*", "*-1", "*-2", "*1", "other",
        ];
        for a in keys {
            for b in keys {
                let (ka, kb) = (key(a), key(b));
                assert_eq!(ka.overlaps(&kb), kb.overlaps(&ka), "{a} {b}");
                // A witness ID that matches both proves an overlap; look for one among IDs
                // built from the keys' literal parts.
                let parts = |k: &str| k.trim_matches('*').to_owned();
                let (pa, pb) = (parts(a), parts(b));
                let candidates = [
                    pa.clone(),
                    pb.clone(),
                    format!("{pa}{pb}"),
                    format!("{pb}{pa}"),
                    "doc-1".to_owned(),
                ];
                let witnessed = candidates.iter().any(|id| ka.matches(id) && kb.matches(id));
                assert_eq!(ka.overlaps(&kb), witnessed, "{a} vs {b}");
            }
        }
    }

    #[test]
    fn grants_need_content_and_no_repeats() {
        assert!(Grant::permissions([]).check("d").is_err());
        let twice = Grant::permissions([Permission::CommentRead, Permission::CommentRead]);
        assert!(
            twice
                .check("d")
                .expect_err("repeat")
                .to_string()
                .contains("comment:read")
        );
        assert!(Grant::role(Role::Reader).check("d").is_ok());
    }

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::from_name(role.as_str()), Some(role));
        }
        for permission in Permission::ALL {
            assert_eq!(Permission::from_name(permission.as_str()), Some(permission));
        }
        for role in CkboxRole::ALL {
            assert_eq!(CkboxRole::from_name(role.as_str()), Some(role));
        }
        assert_eq!(Role::from_name("owner"), None);
    }

    #[test]
    fn ai_scopes() {
        for good in [
            "ai:models:*",
            "ai:actions:custom",
            "ai:models:agent-1",
            "ai:conversations:*",
        ] {
            assert!(AiScope::new(good).is_ok(), "{good}");
        }
        for bad in [
            "models:*",
            "ai::x",
            "ai:models:",
            "ai:m:*x",
            "ai:m:a b",
            "ai:models",
        ] {
            assert!(AiScope::new(bad).is_err(), "{bad}");
        }
    }
}
