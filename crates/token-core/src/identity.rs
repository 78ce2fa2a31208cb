//! Who a token is for: the subject, the display data, and the grants.
//!
//! An [`Identity`] is checked when it is built, so a malformed one never reaches the issuer:
//! empty or over-long strings, control characters, a document key given twice with different
//! grants, an avatar that is not an http(s) URL, or an identity whose token could outgrow 8 KiB
//! are all rejected with an error that names the field. A grant, workspace or AI scope given
//! twice alike (as two rows of a join give it) is written once.

use crate::claims::{Claims, JsonSink};
use crate::error::{Error, Result};
use crate::grants::{AiScope, CkboxRole, DocumentKey, Grant, MAX_SCOPE_LEN};
use crate::words::{HIGH_BITS, bytes_equal_to, control_bytes, for_each_word};

/// The longest subject (`sub`) accepted, in bytes.
pub const MAX_SUBJECT_LEN: usize = 256;
/// The longest display name accepted, in bytes.
pub const MAX_NAME_LEN: usize = 256;
/// The longest email address accepted, in bytes.
pub const MAX_EMAIL_LEN: usize = 254;
/// The longest avatar URL accepted, in bytes.
pub const MAX_AVATAR_LEN: usize = 2048;
/// The most collaboration grants, CKBox workspaces or AI scopes one identity may hold, each.
pub const MAX_GRANTS: usize = 64;
/// The most collaboration grants, CKBox workspaces or AI scopes given, each, repeats included: a
/// bound for the checks' work, which compares each with the ones before it.
const MAX_GIVEN: usize = 4 * MAX_GRANTS;
/// The largest payload an issued token may have, in bytes, whatever its encoding. With it, every
/// token stays under 8 KiB.
pub const MAX_PAYLOAD_LEN: usize = 6000;

/// The user's display data (`user` in the token), shown by the editor next to their edits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Profile {
    /// `user.name`
    pub name: Option<String>,
    /// `user.email`
    pub email: Option<String>,
    /// `user.avatar`: an http(s) image URL.
    pub avatar: Option<String>,
}

impl Profile {
    /// Whether the profile has nothing to show.
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.email.is_none() && self.avatar.is_none()
    }
}

/// The CKBox part of an identity (`auth.ckbox`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CkboxAccess {
    /// The user's CKBox role.
    pub role: CkboxRole,
    /// The workspaces the user may use; empty means the environment's default workspace.
    pub workspaces: Vec<String>,
}

/// A checked identity: everything the issuer needs to know about one user.
///
/// ```
/// use ckeditor_token_core::{Identity, Role};
///
/// let identity = Identity::builder("user-123")
///     .name("Joe Doe")
///     .email("joe.doe@example.com")
///     .grant("*", Role::Writer)
///     .build()?;
/// assert_eq!(identity.subject(), "user-123");
/// # Ok::<(), ckeditor_token_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    subject: String,
    profile: Profile,
    collaboration: Vec<(DocumentKey, Grant)>,
    ckbox: Option<CkboxAccess>,
    ai: Vec<AiScope>,
    /// The length of the longest of [`Identity::texts`], in bytes: no key longer than it can be
    /// in the identity's claims, which spares most tokens the search.
    longest_text: usize,
}

impl Identity {
    /// Starts an identity for the user whose stable ID is `subject`.
    pub fn builder(subject: impl Into<String>) -> IdentityBuilder {
        IdentityBuilder {
            subject: subject.into(),
            profile: Profile::default(),
            collaboration: Vec::new(),
            allow_overlap: false,
            ckbox_role: None,
            workspaces: Vec::new(),
            ai: Vec::new(),
        }
    }

    /// The user's stable ID (`sub`).
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The display data.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The collaboration grants, in the order they were given.
    pub fn collaboration(&self) -> &[(DocumentKey, Grant)] {
        &self.collaboration
    }

    /// The CKBox access, if any.
    pub fn ckbox(&self) -> Option<&CkboxAccess> {
        self.ckbox.as_ref()
    }

    /// The AI scopes.
    pub fn ai(&self) -> &[AiScope] {
        &self.ai
    }

    /// Every text of the identity that a token can carry, with the field that names it in an
    /// error: the subject, the profile, the document keys, the workspaces and the AI scopes.
    pub(crate) fn texts(&self) -> impl Iterator<Item = (&'static str, &str)> {
        let profile = [
            (field::NAME, &self.profile.name),
            (field::EMAIL, &self.profile.email),
            (field::AVATAR, &self.profile.avatar),
        ]
        .into_iter()
        .filter_map(|(field, text)| Some((field, text.as_deref()?)));
        let keys = self
            .collaboration
            .iter()
            .map(|(key, _)| (COLLABORATION, key.as_str()));
        let workspaces = self
            .ckbox
            .iter()
            .flat_map(|ckbox| &ckbox.workspaces)
            .map(|workspace| (WORKSPACES, workspace.as_str()));
        let scopes = self.ai.iter().map(|scope| (AI_SCOPES, scope.as_str()));
        std::iter::once((field::SUBJECT, self.subject.as_str()))
            .chain(profile)
            .chain(keys)
            .chain(workspaces)
            .chain(scopes)
    }

    /// The length of the identity's longest text, in bytes.
    pub(crate) fn longest_text(&self) -> usize {
        self.longest_text
    }

    /// The identity with the length of its longest text worked out.
    fn measured(mut self) -> Self {
        self.longest_text = self
            .texts()
            .map(|(_, text)| text.len())
            .max()
            .unwrap_or_default();
        self
    }
}

/// Collects an identity; [`build`](IdentityBuilder::build) checks it.
#[derive(Debug, Clone)]
#[must_use]
pub struct IdentityBuilder {
    subject: String,
    profile: Profile,
    collaboration: Vec<(String, Grant)>,
    allow_overlap: bool,
    ckbox_role: Option<CkboxRole>,
    workspaces: Vec<String>,
    ai: Vec<String>,
}

impl IdentityBuilder {
    /// Sets the display name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.profile.name = Some(name.into());
        self
    }

    /// Sets the email address.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.profile.email = Some(email.into());
        self
    }

    /// Sets the avatar image URL (http or https).
    pub fn avatar(mut self, url: impl Into<String>) -> Self {
        self.profile.avatar = Some(url.into());
        self
    }

    /// Grants a role and/or permissions on the documents `key` matches: a document ID, `*`, or
    /// an ID with `*` at its start or end. `grant` is a [`Role`](crate::Role), a
    /// [`Permission`](crate::Permission), or a [`Grant`] of both or of several permissions.
    ///
    /// ```
    /// use ckeditor_token_core::{Grant, Identity, Permission, Role};
    ///
    /// let identity = Identity::builder("user-1")
    ///     .grant("doc-1", Role::Writer)
    ///     .grant("notes-*", Permission::CommentWrite)
    ///     .grant(
    ///         "policy-*",
    ///         Grant::role(Role::Reader).with_permissions([Permission::CommentRead]),
    ///     )
    ///     .build()?;
    /// assert_eq!(identity.collaboration().len(), 3);
    /// # Ok::<(), ckeditor_token_core::Error>(())
    /// ```
    pub fn grant(mut self, key: impl Into<String>, grant: impl Into<Grant>) -> Self {
        self.collaboration.push((key.into(), grant.into()));
        self
    }

    /// Accepts grants whose keys overlap (such as `*` and `doc-1`). Without this, overlapping
    /// keys with different grants are an error, because the cloud does not document which one
    /// wins.
    pub fn allow_overlapping_grants(mut self) -> Self {
        self.allow_overlap = true;
        self
    }

    /// Sets the CKBox role.
    pub fn ckbox(mut self, role: CkboxRole) -> Self {
        self.ckbox_role = Some(role);
        self
    }

    /// Limits CKBox to these workspaces. Needs a CKBox role.
    pub fn ckbox_workspaces<S: Into<String>>(mut self, ids: impl IntoIterator<Item = S>) -> Self {
        self.workspaces.extend(ids.into_iter().map(Into::into));
        self
    }

    /// Adds AI scopes such as `ai:models:*`.
    pub fn ai_scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.ai.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Checks everything and returns the identity.
    ///
    /// # Errors
    ///
    /// The first problem found, as [`Error::InvalidIdentity`] naming its field unless said
    /// otherwise:
    ///
    /// - the subject, name, email address, avatar, a document key, a CKBox workspace or an AI
    ///   scope empty, over its length limit ([`MAX_SUBJECT_LEN`], [`MAX_NAME_LEN`],
    ///   [`MAX_EMAIL_LEN`], [`MAX_AVATAR_LEN`], [`crate::MAX_DOCUMENT_KEY_LEN`] for document
    ///   keys, [`crate::MAX_SCOPE_LEN`] for workspaces and scopes), or holding control
    ///   characters, line or paragraph separators or text-direction overrides;
    /// - a subject, name, email address, document key or workspace that starts or ends with
    ///   whitespace;
    /// - an email address without a local part and a domain around an `@`, or with whitespace;
    /// - an avatar that is not an `http://` or `https://` URL with a host (a domain name, an
    ///   IPv4 address, or an IPv6 address in brackets, and a port from 1 to 65535 if any), or
    ///   that has whitespace or a user name or password;
    /// - more than [`MAX_GRANTS`] different document grants, workspaces or AI scopes (one given
    ///   twice alike is written once);
    /// - a document key with `*` other than alone or once at its start or end; a grant with
    ///   neither a role nor permissions, or with a permission twice;
    /// - the same document key twice with different grants ([`Error::DuplicateDocumentKey`]),
    ///   or two keys that can match one document with different grants
    ///   ([`Error::OverlappingDocumentGrants`]) unless
    ///   [`allow_overlapping_grants`](IdentityBuilder::allow_overlapping_grants) was called;
    /// - workspaces without a CKBox role, or an AI scope not of the form `ai:TYPE:VALUE` in
    ///   printable ASCII with `*` only at its end;
    /// - an identity whose token could be larger than [`MAX_PAYLOAD_LEN`] bytes of payload
    ///   ([`Error::IdentityTooLarge`]).
    pub fn build(self) -> Result<Identity> {
        check_subject(&self.subject)?;
        let subject = self.subject;
        let of_subject = |error: Error| error.of_subject(&subject);
        let profile = check_profile(self.profile).map_err(of_subject)?;
        let collaboration =
            check_collaboration(self.collaboration, self.allow_overlap).map_err(of_subject)?;
        let ckbox = check_ckbox(self.ckbox_role, self.workspaces).map_err(of_subject)?;
        let ai = check_ai(self.ai).map_err(of_subject)?;

        let identity = Identity {
            subject,
            profile,
            collaboration,
            ckbox,
            ai,
            longest_text: 0,
        }
        .measured();
        // Most identities are far below the limit, which the quick bound shows without the walk.
        if payload_len_bound(&identity) <= MAX_PAYLOAD_LEN {
            return Ok(identity);
        }
        let worst_case = worst_case_payload_len(&identity);
        if worst_case > MAX_PAYLOAD_LEN {
            return Err(Error::IdentityTooLarge {
                worst_case,
                limit: MAX_PAYLOAD_LEN,
                subject: Some(identity.subject),
            });
        }
        Ok(identity)
    }

    /// As [`build`](IdentityBuilder::build), but a name, email address or avatar that fails its
    /// check is left out of the identity instead of failing it: it is display data, and one bad
    /// entry in a directory need not keep its user out of the editor. Returns the identity and,
    /// for the log, the problem of each field left out: an [`Error::InvalidIdentity`] whose
    /// `field` names the field and `subject` the user. Its message names the field only, so a
    /// log line of it should give the subject too, as the token endpoint's do.
    ///
    /// ```
    /// use ckeditor_token_core::{Error, Identity, Role, field};
    ///
    /// let (identity, left_out) = Identity::builder("user-123")
    ///     .name("Joe Doe")
    ///     .email("joe.doe at example.com")
    ///     .grant("*", Role::Writer)
    ///     .build_leaving_out_bad_profile()?;
    /// assert_eq!(identity.profile().email, None);
    /// assert_eq!(identity.profile().name.as_deref(), Some("Joe Doe"));
    /// let [Error::InvalidIdentity { field: named, subject, .. }] = &left_out[..] else {
    ///     panic!("one field left out: {left_out:?}");
    /// };
    /// assert_eq!((named.as_str(), subject.as_deref()), (field::EMAIL, Some("user-123")));
    /// # Ok::<(), ckeditor_token_core::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`build`](IdentityBuilder::build) for everything but the profile's fields. The error
    /// is all that is returned then: the fields left out until then are not reported.
    pub fn build_leaving_out_bad_profile(mut self) -> Result<(Identity, Vec<Error>)> {
        let mut left_out = Vec::new();
        for (value, check) in profile_fields(&mut self.profile) {
            if let Some(Err(problem)) = value.as_deref().map(check) {
                left_out.push(problem);
                *value = None;
            }
        }
        let identity = self.build()?;
        let left_out = left_out
            .into_iter()
            .map(|problem| problem.of_subject(identity.subject()))
            .collect();
        Ok((identity, left_out))
    }
}

/// What [`check_text`] saw of a text it accepted, for the checks that follow it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seen {
    non_ascii: bool,
    space: bool,
}

impl Seen {
    /// Whether `text`, the text this was seen of, has whitespace (Unicode's, as
    /// [`char::is_whitespace`] says). Accepted text has no control characters, so its only
    /// ASCII whitespace is the space, and only non-ASCII text needs a look at its characters.
    fn has_whitespace(self, text: &str) -> bool {
        self.space || (self.non_ascii && text.chars().any(char::is_whitespace))
    }
}

/// Rejects empty text, text over `max` bytes and text with control characters. `field` names
/// the field in the error, and is only called for one.
pub(crate) fn check_text<F: Into<String>>(
    field: impl FnOnce() -> F,
    value: &str,
    max: usize,
) -> Result<Seen> {
    if value.is_empty() {
        return Err(Error::identity(field(), "it is empty"));
    }
    if value.len() > max {
        return Err(Error::identity(
            field(),
            format!(
                "it is {} bytes long; at most {max} are allowed",
                value.len()
            ),
        ));
    }
    let mut non_ascii = 0;
    let mut control = 0;
    let mut space = 0;
    for_each_word(value.as_bytes(), |word| {
        non_ascii |= word & HIGH_BITS;
        control |= control_bytes(word) | bytes_equal_to(word, 0x7f);
        space |= bytes_equal_to(word, b' ');
    });
    let has_control = if non_ascii == 0 {
        control != 0
    } else {
        value
            .chars()
            .any(|c| c.is_control() || is_layout_control(c))
    };
    if has_control {
        return Err(Error::identity(
            field(),
            "it contains control characters (including line separators and text-direction \
             overrides)",
        ));
    }
    Ok(Seen {
        non_ascii: non_ascii != 0,
        space: space != 0,
    })
}

/// Characters that change how the text around them is laid out: line and paragraph separators,
/// and the bidirectional overrides, embeddings and isolates that can make a name read as
/// another one in the editor.
fn is_layout_control(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Whether `text` starts or ends with whitespace. Text that starts and ends with printable
/// ASCII other than space does neither.
pub(crate) fn is_untrimmed(text: &str) -> bool {
    let plain = |byte: Option<&u8>| byte.is_some_and(|&b| b.is_ascii_graphic());
    let bytes = text.as_bytes();
    !(plain(bytes.first()) && plain(bytes.last())) && text.trim() != text
}

fn check_trimmed(field: &str, value: &str, max: usize) -> Result<Seen> {
    let seen = check_text(|| field, value, max)?;
    if is_untrimmed(value) {
        return Err(Error::identity(field, "it starts or ends with whitespace"));
    }
    Ok(seen)
}

fn check_profile(mut profile: Profile) -> Result<Profile> {
    for (value, check) in profile_fields(&mut profile) {
        if let Some(text) = value {
            check(text)?;
        }
    }
    Ok(profile)
}

/// The check of one profile field.
pub(crate) type FieldCheck = fn(&str) -> Result<()>;

/// The profile's fields, each with its check, in the order they are checked.
fn profile_fields(profile: &mut Profile) -> [(&mut Option<String>, FieldCheck); 3] {
    [
        (&mut profile.name, check_name),
        (&mut profile.email, check_email),
        (&mut profile.avatar, check_avatar),
    ]
}

/// The checks of the user's ID, `sub`: not empty, at most [`MAX_SUBJECT_LEN`] bytes, no control
/// characters, no whitespace around it.
pub(crate) fn check_subject(subject: &str) -> Result<()> {
    check_trimmed(field::SUBJECT, subject, MAX_SUBJECT_LEN).map(drop)
}

pub(crate) fn check_name(name: &str) -> Result<()> {
    check_trimmed(field::NAME, name, MAX_NAME_LEN).map(drop)
}

pub(crate) fn check_email(email: &str) -> Result<()> {
    let seen = check_trimmed(field::EMAIL, email, MAX_EMAIL_LEN)?;
    // A local part and a domain around the first `@`.
    let well_formed = email
        .bytes()
        .position(|b| b == b'@')
        .is_some_and(|at| at > 0 && at + 1 < email.len())
        && !seen.has_whitespace(email);
    if !well_formed {
        return Err(Error::identity(
            field::EMAIL,
            "expected an address like name@example.com",
        ));
    }
    Ok(())
}

/// The names that [`Error::InvalidIdentity`](crate::Error::InvalidIdentity) and
/// [`Error::KeyInIdentity`](crate::Error::KeyInIdentity) give an identity's fields (their paths
/// in the token's claims), for code that acts on which one was refused.
pub mod field {
    /// The user's ID, the token's `sub`.
    pub const SUBJECT: &str = "sub";
    /// The display name.
    pub const NAME: &str = "user.name";
    /// The email address.
    pub const EMAIL: &str = "user.email";
    /// The avatar URL.
    pub const AVATAR: &str = "user.avatar";
    /// The document keys, in an error about them all (too many of them, or one that holds the
    /// key); an error about one key names it: `auth.collaboration key "doc-1"`.
    pub const COLLABORATION: &str = "auth.collaboration";
    /// The CKBox workspaces.
    pub const WORKSPACES: &str = "auth.ckbox.workspaces";
    /// The AI scopes, in an error about them all; an error about one scope names it:
    /// `auth.ai scope "ai:x"`.
    pub const AI_SCOPES: &str = "auth.ai.permissions";
}

use field::{AI_SCOPES, COLLABORATION, WORKSPACES};

pub(crate) fn check_avatar(url: &str) -> Result<()> {
    const FIELD: &str = field::AVATAR;
    // The scheme ends at the first colon, which must start `://`.
    let scheme_end = url.bytes().position(|b| b == b':').unwrap_or(0);
    let scheme = &url[..scheme_end];
    let http = scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http");
    if !http || !url[scheme_end..].starts_with("://") {
        return Err(Error::identity(
            FIELD,
            "expected an http:// or https:// image URL",
        ));
    }
    let seen = check_text(|| FIELD, url, MAX_AVATAR_LEN)?;
    let rest = &url.as_bytes()[scheme_end + 3..];
    let host_len = rest
        .iter()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    if host_len == 0 || seen.has_whitespace(url) {
        return Err(Error::identity(
            FIELD,
            "expected a URL with a host and no whitespace",
        ));
    }
    // A user name or password would be signed into every token and shown to every editor.
    if rest[..host_len].contains(&b'@') {
        return Err(Error::identity(
            FIELD,
            "expected a URL without a user name or password",
        ));
    }
    if !is_host_and_port(&url[scheme_end + 3..scheme_end + 3 + host_len]) {
        return Err(Error::identity(
            FIELD,
            "expected a URL whose host is a domain name or an IP address, with a port of at \
             most 65535 if any",
        ));
    }
    Ok(())
}

/// Whether `authority` (a URL's, without user information) is a host a browser can load an
/// image from, and an optional port: a domain name of ASCII letters, digits, `-`, `_` and `.`
/// and of other scripts' characters, an IPv4 address (a name whose last label is a number must
/// be one), or an IPv6 address in brackets; a port of digits from 1 to 65535, or nothing after
/// the `:`. Characters of other scripts are taken as they are, the browser's IDNA mapping
/// aside, except the full-width forms of the signs a host cannot hold (`／`, `＠`, `：`, ...),
/// which the browser maps to those signs, and the other compatibility forms of punctuation that
/// it maps to signs or to dots that leave a label empty: the small and vertical forms (`﹫`,
/// `︓`), the CJK compatibility forms, the dot leaders (`‥`) and the letterlike symbols with a
/// `/` in them (`℀`).
fn is_host_and_port(authority: &str) -> bool {
    let (host_ok, port) = match authority.strip_prefix('[') {
        Some(bracketed) => {
            let Some((address, after)) = bracketed.split_once(']') else {
                return false;
            };
            let port = match after.strip_prefix(':') {
                Some(port) => Some(port),
                None if after.is_empty() => None,
                None => return false,
            };
            (address.parse::<std::net::Ipv6Addr>().is_ok(), port)
        }
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (is_domain_or_ipv4(host), Some(port)),
            None => (is_domain_or_ipv4(authority), None),
        },
    };
    // An empty port is the scheme's.
    let port_ok = port.is_none_or(|port| {
        port.is_empty()
            || (port.len() <= 5
                && port.bytes().all(|b| b.is_ascii_digit())
                && port.parse::<u16>().is_ok_and(|number| number > 0))
    });
    host_ok && port_ok
}

/// Whether `host` is a domain name or an IPv4 address, as [`is_host_and_port`] describes.
fn is_domain_or_ipv4(host: &str) -> bool {
    // Most hosts are ASCII, whose characters are checked a byte at a time; the characters that
    // need a closer look are all outside ASCII.
    let name = host.trim_end_matches('.');
    let well_formed = if host.is_ascii() {
        host.bytes().all(is_plain_host_byte) && has_ascii_labels(name.as_bytes())
    } else {
        host.chars().all(is_domain_char) && has_labels(name)
    };
    let last_label = name
        .as_bytes()
        .rsplit(|&b| b == b'.')
        .next()
        .unwrap_or_default();
    let numeric = !last_label.is_empty() && last_label.iter().all(u8::is_ascii_digit);
    well_formed && (!numeric || name.parse::<std::net::Ipv4Addr>().is_ok())
}

/// Whether `name`, a host without its trailing dots, is labels with a dot between each two and
/// none empty (`a..b`, `.a` and `.` are not), counting the dots a browser reads as `.`: the
/// ideographic, fullwidth and halfwidth full stops.
fn has_labels(name: &str) -> bool {
    !name.is_empty()
        && !name
            .split(['.', '\u{3002}', '\u{ff0e}', '\u{ff61}'])
            .any(str::is_empty)
}

/// [`has_labels`] for an ASCII name, whose only dot is `.`, read a byte at a time.
fn has_ascii_labels(name: &[u8]) -> bool {
    !name.is_empty() && !name.split(|&b| b == b'.').any(<[u8]>::is_empty)
}

/// Whether `byte` may be part of an ASCII domain name or IPv4 address: a letter, a digit, `-`,
/// `_` or `.`.
fn is_plain_host_byte(byte: u8) -> bool {
    /// Whether each byte is such a byte.
    const PLAIN: [bool; 256] = {
        let mut table = [false; 256];
        let mut byte: u8 = 0;
        while byte < 128 {
            table[byte as usize] =
                byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.');
            byte += 1;
        }
        table
    };
    PLAIN[usize::from(byte)]
}

/// Whether `c` may be part of a domain name: an ASCII character [`is_plain_host_byte`] accepts,
/// or a character of another script that the browser does not map to a sign a host cannot
/// hold, as [`is_host_and_port`] describes.
fn is_domain_char(c: char) -> bool {
    let plain = |c: char| u8::try_from(c).is_ok_and(is_plain_host_byte);
    match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(u32::from(c) - 0xfee0).is_some_and(plain),
        '\u{fe10}'..='\u{fe19}'
        | '\u{fe30}'..='\u{fe6b}'
        | '\u{2024}'..='\u{2026}'
        | '\u{2100}'..='\u{2101}'
        | '\u{2105}'..='\u{2106}' => false,
        _ => plain(c) || !c.is_ascii(),
    }
}

fn check_collaboration(
    grants: Vec<(String, Grant)>,
    allow_overlap: bool,
) -> Result<Vec<(DocumentKey, Grant)>> {
    if grants.len() > MAX_GIVEN {
        return Err(Error::identity(
            COLLABORATION,
            format!(
                "{} grants given, repeats included; at most {MAX_GIVEN} are read, and {MAX_GRANTS} \
                 different ones allowed",
                grants.len()
            ),
        ));
    }
    // Each grant is checked, then compared with the ones before it, in the order given; the
    // keys are taken only when all are good (a collect that may reuse the vector: same size,
    // same alignment). A grant that repeats an earlier one exactly, as two rows of a join may,
    // is written once.
    let mut repeats = Vec::new();
    for (index, (key, grant)) in grants.iter().enumerate() {
        DocumentKey::check(key)?;
        grant.check(key)?;
        for (earlier, earlier_grant) in &grants[..index] {
            if earlier == key {
                if earlier_grant.grants_the_same_as(grant) {
                    // The earlier one was compared with everything before it already.
                    repeats.push(index);
                    break;
                }
                return Err(Error::DuplicateDocumentKey {
                    key: key.clone(),
                    subject: None,
                });
            }
            if !allow_overlap
                && DocumentKey::keys_overlap(earlier, key)
                && !earlier_grant.grants_the_same_as(grant)
            {
                return Err(Error::OverlappingDocumentGrants {
                    first: earlier.clone(),
                    second: key.clone(),
                    subject: None,
                });
            }
        }
    }
    let different = grants.len() - repeats.len();
    if different > MAX_GRANTS {
        return Err(Error::identity(
            COLLABORATION,
            format!("{different} grants given; at most {MAX_GRANTS} are allowed"),
        ));
    }
    Ok(grants
        .into_iter()
        .enumerate()
        .filter(|(index, _)| !repeats.contains(index))
        .map(|(_, (key, grant))| (DocumentKey::checked(key), grant))
        .collect())
}

fn check_ckbox(role: Option<CkboxRole>, workspaces: Vec<String>) -> Result<Option<CkboxAccess>> {
    let Some(role) = role else {
        if workspaces.is_empty() {
            return Ok(None);
        }
        return Err(Error::identity(WORKSPACES, "workspaces need a CKBox role"));
    };
    let workspaces = check_list(WORKSPACES, workspaces, |workspace| {
        check_trimmed(WORKSPACES, &workspace, MAX_SCOPE_LEN)?;
        Ok(workspace)
    })?;
    Ok(Some(CkboxAccess { role, workspaces }))
}

fn check_ai(scopes: Vec<String>) -> Result<Vec<AiScope>> {
    check_list(AI_SCOPES, scopes, |scope| AiScope::new(&scope))
}

/// Checks each of `items` with `check`, in the order given, and keeps the first of those alike:
/// at most [`MAX_GRANTS`] different ones.
fn check_list<T: PartialEq>(
    field: &str,
    items: Vec<String>,
    check: impl Fn(String) -> Result<T>,
) -> Result<Vec<T>> {
    let too_many = || Error::identity(field, format!("more than {MAX_GRANTS} entries given"));
    if items.len() > MAX_GIVEN {
        return Err(too_many());
    }
    let mut kept: Vec<T> = Vec::with_capacity(items.len());
    for item in items {
        let item = check(item)?;
        if !kept.contains(&item) {
            kept.push(item);
        }
    }
    if kept.len() > MAX_GRANTS {
        return Err(too_many());
    }
    Ok(kept)
}

/// Around its texts, the most bytes one collaboration grant adds to the worst case: the comma,
/// the key's quotes, `:{"role":"commentator","permissions":[` and the five permissions, quoted,
/// with their commas, then `]}`; 122 bytes, rounded up.
const GRANT_FRAME: usize = 128;
/// Around its text, the most bytes one CKBox workspace or AI scope adds: a comma and two quotes.
const LIST_ITEM_FRAME: usize = 3;
/// Everything else in the worst case apart from the texts: the longest `aud`, two 20-digit
/// timestamps, every member name and its punctuation, and the longest CKBox role; 277 bytes,
/// rounded up with room to spare.
const CLAIMS_FRAME: usize = 512;

/// An upper bound of [`worst_case_payload_len`] that reads only lengths and counts.
///
/// In the worst case a byte of text takes at most six bytes (`\u003f` for `?`; a character of
/// two to four bytes takes at most twelve), so every text (the subject, the profile, the
/// document keys, the workspaces and the AI scopes) is counted six times over, and the frames
/// around them are added.
fn payload_len_bound(identity: &Identity) -> usize {
    let texts: usize = identity.texts().map(|(_, text)| text.len()).sum();
    let workspaces = identity.ckbox().map_or(0, |ckbox| ckbox.workspaces.len());
    CLAIMS_FRAME
        + 6 * texts
        + GRANT_FRAME * identity.collaboration().len()
        + LIST_ITEM_FRAME * (workspaces + identity.ai().len())
}

/// The longest payload any token for `identity` can have: every claim present, the longest
/// environment ID and timestamps, and every character that the browser-safe encoding might
/// escape escaped.
fn worst_case_payload_len(identity: &Identity) -> usize {
    const LONGEST_AUD: &str = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    const _: () = assert!(LONGEST_AUD.len() == crate::credentials::MAX_ENVIRONMENT_ID_LEN);
    let claims = Claims::everything(LONGEST_AUD, u64::MAX, Some(u64::MAX), identity);
    let mut sink = WorstCaseLen(0);
    claims.write_json(&mut sink);
    sink.0
}

/// Counts the bytes of the encoding that escapes every character the browser-safe search could
/// have to escape. The search returns the shortest safe encoding, and this one is safe, so no
/// search result is longer.
struct WorstCaseLen(usize);

impl JsonSink for WorstCaseLen {
    fn raw(&mut self, bytes: &[u8]) {
        self.0 += bytes.len();
    }

    fn string(&mut self, text: &str) {
        self.0 += 2 + crate::atob::worst_case_text_len(text);
    }

    fn number(&mut self, value: u64) {
        self.0 += value
            .checked_ilog10()
            .map_or(1, |digits| digits as usize + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grants::{
        AiScope, CkboxRole, DocumentKey, Grant, MAX_DOCUMENT_KEY_LEN, MAX_SCOPE_LEN, Permission,
        Role,
    };

    fn base() -> IdentityBuilder {
        Identity::builder("user-1").grant("*", Role::Writer)
    }

    #[test]
    fn a_worst_case_of_exactly_the_limit_is_accepted() {
        // `{"aud":` and a quoted ID of 64 bytes, two 20-digit times, `"sub":"u"` and
        // `"user":{"avatar":` with their commas: 155 bytes; the avatar's quotes and `}}`: 4;
        // `http://h/`: 9; each `?` 6 when escaped: 168 + 6 × 972 = 6000.
        let avatar = |marks| format!("http://h/{}", "?".repeat(marks));
        let at_limit = Identity::builder("u").avatar(avatar(972)).build();
        assert!(at_limit.is_ok(), "{at_limit:?}");
        let over = Identity::builder("u").avatar(avatar(973)).build();
        assert!(
            matches!(
                over,
                Err(Error::IdentityTooLarge {
                    worst_case: 6006,
                    limit: 6000,
                    ..
                })
            ),
            "{over:?}"
        );
    }

    #[test]
    fn many_workspaces_count_their_frames_in_the_quick_bound() {
        // 64 different workspaces of `?`, `~` and `>` only, 940 bytes in all: 60 of 15 bytes
        // and 4 of 10, each starting with its number in base 3 so that they differ.
        let workspaces: Vec<String> = (0..64u32)
            .map(|index| {
                let digits: String = (0..4)
                    .map(|place| ['?', '~', '>'][(index / 3u32.pow(place) % 3) as usize])
                    .collect();
                let len = if index < 60 { 15 } else { 10 };
                format!("{digits:?<len$}")
            })
            .collect();
        assert_eq!(workspaces.iter().map(String::len).sum::<usize>(), 940);
        // Around the workspaces: 189 bytes before the list (`{"aud":` to `"workspaces":[`, with
        // `"role":"superadmin"`), `]}}}` after it; each workspace 2 quotes and 6 bytes a
        // character, 63 commas: 189 + 128 + 6 × 940 + 63 + 4 = 6024.
        let built = Identity::builder("u")
            .ckbox(CkboxRole::Superadmin)
            .ckbox_workspaces(workspaces)
            .build();
        assert!(
            matches!(
                built,
                Err(Error::IdentityTooLarge {
                    worst_case: 6024,
                    ..
                })
            ),
            "{built:?}"
        );
    }

    #[test]
    fn up_to_256_grants_or_scopes_are_read_repeats_included() {
        let repeated = |count| {
            (0..count).fold(Identity::builder("u"), |builder, _| {
                builder.grant("doc-1", Role::Reader)
            })
        };
        let read = repeated(256).build().expect("256 repeats are read");
        assert_eq!(read.collaboration().len(), 1);
        let refused = repeated(257).build();
        let Err(Error::InvalidIdentity { problem, .. }) = refused else {
            panic!("{refused:?}");
        };
        assert!(
            problem.contains("257 grants given, repeats included"),
            "{problem}"
        );
        let scopes = base()
            .ai_scopes(std::iter::repeat_n("ai:models:m", 256))
            .build()
            .expect("256 repeats are read");
        assert_eq!(scopes.ai().len(), 1);
    }

    #[test]
    fn an_avatar_with_whitespace_or_no_host_says_so() {
        for avatar in ["https://cdn.example.com/my avatar.png", "https:///nohost"] {
            let error = base().avatar(avatar).build().expect_err(avatar);
            assert_eq!(
                error.to_string(),
                "invalid user.avatar: expected a URL with a host and no whitespace",
                "{avatar}"
            );
        }
    }

    #[test]
    fn a_bad_profile_field_can_be_left_out_instead() {
        let bad_name = "Ann\nSmith";
        let bad_email = "ann at example.com";
        let bad_avatar = "/avatars/ann.png";
        let good = (
            "Ann Smith",
            "ann@example.com",
            "https://example.com/ann.png",
        );
        for mask in 0..8u8 {
            let pick = |bit: u8, bad: &'static str, good: &'static str| {
                if mask & bit != 0 { bad } else { good }
            };
            let (name, email, avatar) = (
                pick(1, bad_name, good.0),
                pick(2, bad_email, good.1),
                pick(4, bad_avatar, good.2),
            );
            let builder = base().name(name).email(email).avatar(avatar);
            let (identity, left_out) = builder
                .clone()
                .build_leaving_out_bad_profile()
                .expect("only the profile is bad");
            let kept = |bit: u8, good: &str| (mask & bit == 0).then(|| good.to_owned());
            let expected = Profile {
                name: kept(1, good.0),
                email: kept(2, good.1),
                avatar: kept(4, good.2),
            };
            assert_eq!(identity.profile(), &expected, "mask {mask}");
            assert_eq!(
                identity.collaboration(),
                base().build().expect("base").collaboration()
            );
            let named: Vec<(String, Option<String>)> = left_out
                .iter()
                .map(|problem| match problem {
                    Error::InvalidIdentity { field, subject, .. } => {
                        (field.clone(), subject.clone())
                    }
                    other => panic!("{other:?}"),
                })
                .collect();
            let fields = [(1, field::NAME), (2, field::EMAIL), (4, field::AVATAR)];
            let expected: Vec<(String, Option<String>)> = fields
                .into_iter()
                .filter(|&(bit, _)| mask & bit != 0)
                .map(|(_, field)| (field.to_owned(), Some("user-1".to_owned())))
                .collect();
            assert_eq!(named, expected, "mask {mask}");
            // With nothing to leave out, it is what `build` gives.
            if mask == 0 {
                assert_eq!(identity, builder.build().expect("good"));
            } else {
                assert!(builder.build().is_err(), "mask {mask}");
            }
        }
    }

    #[test]
    fn leaving_out_bad_profile_fields_still_refuses_the_rest() {
        let bad_subject = Identity::builder(" user-1")
            .name("Ann\n")
            .grant("*", Role::Writer);
        let Err(Error::InvalidIdentity { field, .. }) = bad_subject.build_leaving_out_bad_profile()
        else {
            panic!("a subject with whitespace around it is refused");
        };
        assert_eq!(field, field::SUBJECT);
        let bad_grant = base().name("Ann\n").grant("a*b", Role::Reader);
        let Err(Error::InvalidIdentity { field, .. }) = bad_grant.build_leaving_out_bad_profile()
        else {
            panic!("a malformed document key is refused");
        };
        assert_eq!(field, r#"auth.collaboration key "a*b""#);
        let twice = base()
            .grant("*", Role::Reader)
            .build_leaving_out_bad_profile();
        assert!(
            matches!(twice, Err(Error::DuplicateDocumentKey { .. })),
            "{twice:?}"
        );
    }

    #[test]
    fn the_quick_text_checks_agree_with_the_standard_library() {
        let samples = [
            "",
            " ",
            "a",
            " a",
            "a ",
            "a b",
            "\u{3000}a",
            "a\u{a0}",
            "é",
            "éa ",
            "\ta",
            "a\n",
            "x\u{85}",
            "\u{2003}",
            "ab",
            "日本",
            "a\u{feff}",
        ];
        let mut accepted = 0;
        for text in samples {
            if let Ok(seen) = check_text(|| "field", text, 10) {
                accepted += 1;
                assert_eq!(
                    seen.has_whitespace(text),
                    text.chars().any(char::is_whitespace),
                    "{text:?}"
                );
            }
            assert_eq!(is_untrimmed(text), text.trim() != text, "{text:?}");
        }
        // All but the empty text and the three with control characters (`\t`, `\n`, U+0085).
        assert_eq!(accepted, samples.len() - 4);
        for (text, valid) in [
            (".", true),
            (" ", true),
            ("\u{7f}", false),
            ("\u{1f}", false),
        ] {
            assert_eq!(check_text(|| "field", text, 10).is_ok(), valid, "{text:?}");
        }
    }

    #[test]
    fn every_character_is_whitespace_to_the_checks_as_to_the_standard_library() {
        let mut accepted_whitespace = 0;
        for c in (0..=0x10_ffff).filter_map(char::from_u32) {
            // Alone (a padded word), inside text longer than a word, and after a non-ASCII
            // letter: no other character of these texts is whitespace.
            for text in [c.to_string(), format!("abcdefghij{c}k"), format!("é{c}")] {
                if let Ok(seen) = check_text(|| "field", &text, 100) {
                    assert_eq!(seen.has_whitespace(&text), c.is_whitespace(), "{text:?}");
                    accepted_whitespace += usize::from(c.is_whitespace());
                }
            }
        }
        // The space, U+00A0, U+1680, U+2000 to U+200A, U+202F, U+205F and U+3000, three times
        // each; the others (`\t` to `\r`, U+0085, U+2028, U+2029) are control characters.
        assert_eq!(accepted_whitespace, 3 * 17);
    }

    proptest::proptest! {
        #[test]
        fn the_word_checks_agree_with_checks_of_each_character(
            text in proptest::prop_oneof![
                proptest::string::string_regex(
                    "[a-z .@\t\n\u{0}\u{1f}\u{7f}\u{85}\u{a0}\u{2028}\u{202e}é日]{0,40}"
                ).expect("a pattern"),
                proptest::string::string_regex(concat!(
                    "([a-z./@]{0,12}",
                    "[ \\t\\n\\r\\u{b}\\u{c}\\u{0}\\u{7f}]?){0,4}"
                ))
                .expect("a pattern"),
            ],
        ) {
            let has_control = text.chars().any(|c| c.is_control() || is_layout_control(c));
            let checked = check_text(|| "field", &text, 1000);
            proptest::prop_assert_eq!(checked.is_ok(), !text.is_empty() && !has_control);
            if let Ok(seen) = checked {
                proptest::prop_assert_eq!(
                    seen.has_whitespace(&text),
                    text.chars().any(char::is_whitespace)
                );
            }
            let mut sink = WorstCaseLen(0);
            sink.string(&text);
            proptest::prop_assert_eq!(sink.0, 2 + crate::atob::worst_case_text_len(&text));
        }
    }

    #[test]
    fn the_worst_case_counts_the_digits_of_every_number() {
        for value in [0, 9, 10, 99, 100, 1_648_807_662, u64::MAX] {
            let mut sink = WorstCaseLen(0);
            sink.number(value);
            assert_eq!(sink.0, value.to_string().len(), "{value}");
        }
    }

    /// Any text, including the characters the worst case counts longest, up to and past the
    /// longest a field accepts.
    fn any_text() -> impl proptest::strategy::Strategy<Value = String> {
        proptest::prop_oneof![
            proptest::string::string_regex("[a-z?~>\"\\\\\u{1}\n\u{7f}é日😀]{0,300}")
                .expect("a pattern"),
            // Only characters that take six bytes per byte in the worst case.
            proptest::string::string_regex("[?~>\u{1}\u{7f}]{0,2100}").expect("a pattern"),
        ]
    }

    fn optional_text() -> impl proptest::strategy::Strategy<Value = Option<String>> {
        proptest::option::of(any_text())
    }

    /// One grant: a role (an index into [`Role::ALL`]) or none, and a set of permissions (a bit
    /// per entry of [`Permission::ALL`]).
    type GrantShape = (Option<usize>, u32);

    fn any_grant() -> impl proptest::strategy::Strategy<Value = GrantShape> {
        (
            proptest::option::of(0..Role::ALL.len()),
            0..1u32 << Permission::ALL.len(),
        )
    }

    /// An identity as [`IdentityBuilder::build`] assembles it, unchecked, so that texts may
    /// hold anything and be of any length. Document keys are `{key}-{index}`; AI scopes are
    /// `ai:model:{scope}{index}`.
    fn unchecked_identity(
        [subject, key, scope]: [&str; 3],
        profile: Profile,
        grants: &[GrantShape],
        ckbox: Option<(usize, Vec<String>)>,
        scopes: usize,
    ) -> Identity {
        let collaboration = grants
            .iter()
            .enumerate()
            .map(|(index, &(role, permissions))| {
                let key = DocumentKey::new(&format!("{key}-{index}")).expect("a key");
                let permissions = Permission::ALL
                    .into_iter()
                    .enumerate()
                    .filter(|(bit, _)| permissions & 1 << bit != 0)
                    .map(|(_, permission)| permission);
                let grant = match role {
                    Some(role) => Grant::role(Role::ALL[role]).with_permissions(permissions),
                    None => Grant::permissions(permissions),
                };
                (key, grant)
            })
            .collect();
        let ai = (0..scopes)
            .map(|index| AiScope::new(&format!("ai:model:{scope}{index}")).expect("a scope"))
            .collect();
        Identity {
            subject: subject.to_owned(),
            profile,
            collaboration,
            ckbox: ckbox.map(|(role, workspaces)| CkboxAccess {
                role: CkboxRole::ALL[role],
                workspaces,
            }),
            ai,
            longest_text: 0,
        }
        .measured()
    }

    proptest::proptest! {
        #[test]
        fn the_quick_bound_is_never_below_the_worst_case(
            subject in any_text(),
            key in "[a-z?~>é日😀]{1,30}",
            scope in "[a-z?~>]{1,100}",
            (name, email, avatar) in (optional_text(), optional_text(), optional_text()),
            grants in proptest::collection::vec(any_grant(), 0..6),
            ckbox in proptest::option::of((
                0..CkboxRole::ALL.len(),
                proptest::collection::vec(any_text(), 0..4),
            )),
            scopes in 0usize..4,
        ) {
            let profile = Profile { name, email, avatar };
            let identity =
                unchecked_identity([&subject, &key, &scope], profile, &grants, ckbox, scopes);
            proptest::prop_assert!(
                payload_len_bound(&identity) >= worst_case_payload_len(&identity)
            );
        }
    }

    #[test]
    fn the_frames_hold_the_longest_claims_and_grants() {
        let frame = concat!(
            r#"{"aud":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","#,
            r#""iat":18446744073709551615,"exp":18446744073709551615,"sub":"","#,
            r#""user":{"email":"","name":"","avatar":""},"auth":{"collaboration":{},"#,
            r#""ckbox":{"role":"superadmin","workspaces":[]},"ai":{"permissions":[]}}}"#,
        );
        let grant = concat!(
            r#","":{"role":"commentator","permissions":["document:read","document:write","#,
            r#""comment:read","comment:write","comment:admin"]}"#,
        );
        assert!(frame.len() <= CLAIMS_FRAME, "{}", frame.len());
        assert!(grant.len() <= GRANT_FRAME, "{}", grant.len());
        assert!(r#","""#.len() <= LIST_ITEM_FRAME);

        // Every claim with empty texts, the longest roles and every permission, around the key
        // "k-0", one empty workspace and the scope "ai:model:m0": the frame, the grant without
        // its comma, the texts and the quotes of the workspace and of the scope.
        let empty = Profile {
            name: Some(String::new()),
            email: Some(String::new()),
            avatar: Some(String::new()),
        };
        let commentator = Role::ALL.iter().position(|&role| role == Role::Commentator);
        let superadmin = CkboxRole::ALL
            .iter()
            .position(|&role| role == CkboxRole::Superadmin);
        let identity = unchecked_identity(
            ["", "k", "m"],
            empty,
            &[(commentator, 0b11111)],
            superadmin.map(|role| (role, vec![String::new()])),
            1,
        );
        let texts = "k-0".len() + "ai:model:m0".len();
        let worst_case = frame.len() + (grant.len() - 1) + texts + 4;
        assert_eq!(worst_case_payload_len(&identity), worst_case);
        assert!(payload_len_bound(&identity) >= worst_case);
    }

    #[test]
    fn the_quick_bound_holds_for_every_field_at_its_longest() {
        let profile = Profile {
            name: Some("?".repeat(MAX_NAME_LEN)),
            email: Some("~".repeat(MAX_EMAIL_LEN)),
            avatar: Some("?".repeat(MAX_AVATAR_LEN)),
        };
        let key = "?".repeat(MAX_DOCUMENT_KEY_LEN - 3);
        let scope = "?".repeat(MAX_SCOPE_LEN - 12);
        let grants = vec![(Some(1), 0b11111); MAX_GRANTS];
        let workspaces = vec!["?".repeat(MAX_SCOPE_LEN); MAX_GRANTS];
        let identity = unchecked_identity(
            [&"?".repeat(MAX_SUBJECT_LEN), &key, &scope],
            profile,
            &grants,
            Some((2, workspaces)),
            MAX_GRANTS,
        );
        let worst_case = worst_case_payload_len(&identity);
        assert!(worst_case > 100_000, "{worst_case}");
        assert!(payload_len_bound(&identity) >= worst_case);

        // Just past the limit, from the avatar alone: refused, as without the bound.
        let avatar = format!("http://h/{}", "?".repeat(1000));
        let refused = Identity::builder("u").avatar(avatar).build();
        assert!(
            matches!(
                refused,
                Err(Error::IdentityTooLarge {
                    worst_case: 6168,
                    ..
                })
            ),
            "{refused:?}"
        );
    }

    #[test]
    fn many_short_grants_build_though_the_quick_bound_is_over_the_limit() {
        let builder = (0..MAX_GRANTS).fold(Identity::builder("user-1"), |builder, index| {
            builder.grant(format!("doc-{index}"), Role::Writer)
        });
        let identity = builder.build().expect("64 short grants fit");
        assert!(payload_len_bound(&identity) > MAX_PAYLOAD_LEN);
        assert!(worst_case_payload_len(&identity) <= MAX_PAYLOAD_LEN);
    }

    #[test]
    fn grants_are_checked_in_the_order_given() {
        // The second grant repeats the first before the third is malformed.
        let repeated = base()
            .grant("*", Role::Reader)
            .grant("a*b", Role::Reader)
            .build();
        assert!(
            matches!(&repeated, Err(Error::DuplicateDocumentKey { key, .. }) if key == "*"),
            "{repeated:?}"
        );
        let malformed = base()
            .grant("a*b", Role::Reader)
            .grant("*", Role::Reader)
            .build();
        assert_eq!(field_of(malformed), r#"auth.collaboration key "a*b""#);
        // Within one grant, the key comes before what it grants.
        let both = Identity::builder("user-1")
            .grant("a*b", Grant::permissions([]))
            .build();
        assert!(
            matches!(&both, Err(Error::InvalidIdentity { problem, .. }) if problem.contains("'*'")),
            "{both:?}"
        );
        // An overlap names the earlier grant first.
        let overlapping = Identity::builder("user-1")
            .grant("doc-*", Role::Reader)
            .grant("doc-1", Role::Writer)
            .build();
        assert!(
            matches!(
                &overlapping,
                Err(Error::OverlappingDocumentGrants { first, second, .. })
                    if first == "doc-*" && second == "doc-1"
            ),
            "{overlapping:?}"
        );
    }

    fn field_of(result: Result<Identity>) -> String {
        match result {
            Err(Error::InvalidIdentity { field, .. }) => field,
            other => panic!("expected an identity error, got {other:?}"),
        }
    }

    #[test]
    fn a_full_identity_builds() {
        let identity = base()
            .name("Zoë")
            .email("z@example.com")
            .avatar("https://cdn.example.com/a.png?s=80")
            .grant("doc-*", Grant::role(Role::Writer))
            .ckbox(CkboxRole::Admin)
            .ckbox_workspaces(["ws-1"])
            .ai_scopes(["ai:models:*"])
            .build()
            .expect("valid");
        assert_eq!(identity.collaboration().len(), 2);
        assert_eq!(identity.ckbox().map(|c| c.role), Some(CkboxRole::Admin));
    }

    #[test]
    fn rejections_name_their_field() {
        let cases: Vec<(IdentityBuilder, &str)> = vec![
            (Identity::builder(""), "sub"),
            (Identity::builder(" user"), "sub"),
            (Identity::builder("a\u{0}b"), "sub"),
            (Identity::builder("x".repeat(257)), "sub"),
            (base().name(""), "user.name"),
            (base().name("line\nbreak"), "user.name"),
            (base().name("evil\u{202e}gnp.exe"), "user.name"),
            (base().name("two\u{2028}lines"), "user.name"),
            (base().name("n".repeat(257)), "user.name"),
            (base().email("no-at-sign"), "user.email"),
            (base().email("@example.com"), "user.email"),
            (base().email("joe.doe@"), "user.email"),
            (base().email("a b@example.com"), "user.email"),
            (base().email("joe.doe@example.com\u{7f}"), "user.email"),
            (base().email("joe.doe@example.\tcom"), "user.email"),
            (base().email("joe.doe@example\u{a0}.com"), "user.email"),
            (base().avatar("javascript:alert(1)"), "user.avatar"),
            (base().avatar("ftp://example.com/a.png"), "user.avatar"),
            (base().avatar("https:example.com/a.png"), "user.avatar"),
            (base().avatar("https:/x/a.png?u=://y"), "user.avatar"),
            (base().avatar("https:///nohost"), "user.avatar"),
            (base().avatar("https://ann:pw@a.test/x.png"), "user.avatar"),
            (
                base().avatar(format!("https://e.com/{}", "a".repeat(2048))),
                "user.avatar",
            ),
            (
                base().grant("", Role::Reader),
                "auth.collaboration key \"\"",
            ),
            (base().ckbox_workspaces(["w"]), "auth.ckbox.workspaces"),
            (
                base().ckbox(CkboxRole::User).ckbox_workspaces(["w", " w"]),
                "auth.ckbox.workspaces",
            ),
            (
                base().ai_scopes((0..=MAX_GRANTS).map(|index| format!("ai:models:m{index}"))),
                "auth.ai.permissions",
            ),
        ];
        for (builder, field) in cases {
            assert_eq!(field_of(builder.build()), field);
        }
    }

    #[test]
    fn an_identity_error_names_the_subject_once_the_subject_is_valid() {
        let name = base().name(" Ann").build().expect_err("a padded name");
        assert_eq!(name.subject(), Some("user-1"));
        // The subject is for the log: the message is the same as without it.
        assert_eq!(
            name.to_string(),
            "invalid user.name: it starts or ends with whitespace"
        );
        let overlap = Identity::builder("user-2")
            .grant("*", Role::Reader)
            .grant("doc-1", Role::Writer)
            .build()
            .expect_err("overlapping grants");
        assert_eq!(overlap.subject(), Some("user-2"));
        let bad_subject = Identity::builder(" user-3")
            .build()
            .expect_err("a padded sub");
        assert_eq!(bad_subject.subject(), None);
        assert_eq!(Error::ClockBeforeEpoch.subject(), None);
    }

    #[test]
    fn an_avatar_needs_a_host_a_browser_can_load_from() {
        for url in [
            "https://:443/a.png",
            "https://[/a.png",
            "https://[::1/a.png",
            "https://[::1]x/a.png",
            "https://[not-ipv6]/a.png",
            "https://%/a.png",
            "https://a.test:99999999/x",
            "https://a.test:65536/x",
            "https://a.test:8o/x",
            "https://a<b.test/x",
            "https://a.test:443:1/x",
            "https://a.test:0/x",
            "https://a\u{ff0f}b.example/x",
            "https://evil.example\u{ff20}good.example/x",
            "https://a.test\u{ff1a}8080/x",
            // Small, vertical and compatibility forms, dot leaders and `a/c`, which browsers
            // map to signs a host cannot hold, or to an empty label.
            "https://ex\u{fe6b}ample.com/x",
            "https://h\u{fe55}80/x",
            "https://ex\u{fe13}80/x",
            "https://h\u{fe5f}x/x",
            "https://a\u{2100}b.com/x",
            "https://evil.com\u{2025}good.com/x",
            "https://256.256.256.256/x",
            "https://example.123/x",
            "https://1.2.3/x",
            // Empty labels: a browser cannot resolve such a host.
            "https://./a.png",
            "https://../a.png",
            "https://a..b/a.png",
            "https://.a.example/a.png",
            "https://x\u{ff0e}\u{ff0e}y/a.png",
            "https://x.\u{3002}y/a.png",
        ] {
            let message = base().avatar(url).build().expect_err(url).to_string();
            assert_eq!(
                message,
                "invalid user.avatar: expected a URL whose host is a domain name or an IP \
                 address, with a port of at most 65535 if any",
                "{url}"
            );
        }
        for url in [
            "https://cdn.example.com/a.png",
            "http://127.0.0.1:8080/a.png",
            "https://[::1]/a.png",
            "https://[2001:db8::1]:65535/a.png",
            "https://a.test:/a.png",
            "https://b\u{fc}cher.example/a.png",
            "https://my_host.example?s=80",
            "HTTPS://A.TEST#x",
            "https://192.168.0.1./a.png",
            "https://\u{4f8b}\u{3048}.\u{30c6}\u{30b9}\u{30c8}/a.png",
            "https://\u{939}\u{93f}\u{928}\u{94d}\u{926}\u{940}.example/a.png",
            "https://\u{ff41}.example/a.png",
            "https://cdn1.example.com2/a.png",
            "https://cdn.example.com./a.png",
            "https://x\u{3002}y/a.png",
        ] {
            let built = base().avatar(url).build();
            assert!(built.is_ok(), "{url}: {built:?}");
        }
    }

    /// [`is_domain_or_ipv4`] as it reads every host, a character at a time, for comparing with
    /// its quicker path for ASCII hosts.
    fn is_domain_or_ipv4_by_chars(host: &str) -> bool {
        let name = host.trim_end_matches('.');
        let last_label = name.rsplit('.').next().unwrap_or_default();
        let numeric = !last_label.is_empty() && last_label.chars().all(|c| c.is_ascii_digit());
        host.chars().all(is_domain_char)
            && has_labels(name)
            && (!numeric || name.parse::<std::net::Ipv4Addr>().is_ok())
    }

    #[test]
    fn an_ascii_host_is_read_by_bytes_as_by_characters() {
        let mut plain = 0;
        for byte in 0..=u8::MAX {
            let c = char::from(byte);
            // The rule as the host check states it: a letter, a digit, `-`, `_` or `.`.
            let stated = c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
            assert_eq!(is_plain_host_byte(byte), stated, "{c:?}");
            if byte.is_ascii() {
                assert_eq!(is_domain_char(c), stated, "{c:?}");
            }
            plain += usize::from(is_plain_host_byte(byte));
            for host in [
                c.to_string(),
                format!("a{c}b.example"),
                format!("img.example.co{c}"),
                format!("10.0.0.{c}"),
            ] {
                assert_eq!(
                    is_domain_or_ipv4(&host),
                    is_domain_or_ipv4_by_chars(&host),
                    "{host:?}"
                );
            }
        }
        // 26 letters in each case, 10 digits, `-`, `_` and `.`.
        assert_eq!(plain, 65);
        for (host, valid) in [
            ("avatars.example.com", true),
            ("Avatars.Example.COM", true),
            ("a~b.example", false),
            ("a b.example", false),
            ("cdn_1.example-2.com.", true),
            ("192.168.0.1", true),
            ("192.168.0.1.", true),
            ("192.168.0.256", false),
            ("example.123", false),
            ("a..b", false),
            (".", false),
            ("", false),
        ] {
            assert_eq!(is_domain_or_ipv4(host), valid, "{host:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn every_host_is_read_by_its_quick_path_as_by_characters(
            host in "[a-z0-9._~:\\-]{0,12}|[a-z.\u{80}-\u{3000}\u{fe00}-\u{ff70}]{0,6}",
        ) {
            proptest::prop_assert_eq!(is_domain_or_ipv4(&host), is_domain_or_ipv4_by_chars(&host));
        }
    }

    #[test]
    fn an_at_sign_after_the_host_is_part_of_the_path() {
        let identity = base().avatar("https://a.test/users/@ann.png?by=@b").build();
        assert!(identity.is_ok(), "{identity:?}");
        let message = base()
            .avatar("https://ann:pw-8675309@a.test/x.png")
            .build()
            .expect_err("credentials in the avatar")
            .to_string();
        assert!(
            message.contains("without a user name or password"),
            "{message}"
        );
        assert!(!message.contains("pw-8675309"), "{message}");
    }

    #[test]
    fn a_data_url_avatar_of_100_kb_fails() {
        let avatar = format!("data:image/png;base64,{}", "A".repeat(100 * 1024));
        assert_eq!(field_of(base().avatar(avatar).build()), "user.avatar");
        let long_https = format!("https://example.com/{}", "A".repeat(100 * 1024));
        assert_eq!(field_of(base().avatar(long_https).build()), "user.avatar");
    }

    #[test]
    fn a_document_key_given_twice_with_different_grants_is_an_error() {
        let result = base().grant("*", Role::Reader).build();
        assert_eq!(
            result,
            Err(Error::DuplicateDocumentKey {
                key: "*".into(),
                subject: Some("user-1".into()),
            })
        );
        let result = Identity::builder("u")
            .grant("doc-1", Role::Reader)
            .grant("doc-1", Grant::permissions([Permission::CommentRead]))
            .build();
        assert!(matches!(result, Err(Error::DuplicateDocumentKey { .. })));
        // An exact repeat after it does not hide the difference.
        let result = Identity::builder("u")
            .grant("doc-1", Role::Reader)
            .grant("doc-1", Role::Reader)
            .grant("doc-1", Role::Writer)
            .build();
        assert!(matches!(result, Err(Error::DuplicateDocumentKey { .. })));
    }

    #[test]
    fn repeats_do_not_count_towards_the_limits() {
        let rows = (0..MAX_GRANTS).chain(0..MAX_GRANTS);
        let identity = rows
            .clone()
            .fold(Identity::builder("u"), |builder, index| {
                builder.grant(format!("doc-{index}"), Role::Reader)
            })
            .ckbox(CkboxRole::User)
            .ckbox_workspaces(rows.clone().map(|index| format!("ws-{index}")))
            .ai_scopes(rows.map(|index| format!("ai:models:m{index}")))
            .build()
            .expect("64 different of each");
        assert_eq!(identity.collaboration().len(), MAX_GRANTS);
        assert_eq!(
            identity.ckbox().map(|ckbox| ckbox.workspaces.len()),
            Some(MAX_GRANTS)
        );
        assert_eq!(identity.ai().len(), MAX_GRANTS);

        let one_more = (0..=MAX_GRANTS).fold(Identity::builder("u"), |builder, index| {
            builder.grant(format!("doc-{index}"), Role::Reader)
        });
        let error = one_more
            .build()
            .expect_err("65 different grants")
            .to_string();
        assert!(error.contains("65 grants given; at most 64"), "{error}");
        let scopes = Identity::builder("u")
            .ai_scopes((0..=MAX_GRANTS).map(|index| format!("ai:models:m{index}")))
            .build()
            .expect_err("65 different scopes")
            .to_string();
        assert!(scopes.contains("more than 64 entries given"), "{scopes}");
        // However alike, no more rows than four times the limit are compared.
        let rows = Identity::builder("u")
            .ai_scopes(std::iter::repeat_n("ai:models:m", 4 * MAX_GRANTS + 1))
            .build();
        assert!(rows.is_err(), "{rows:?}");
    }

    #[test]
    fn grants_alike_in_another_order_are_written_once() {
        use Permission::{CommentRead, DocumentRead};
        let identity = Identity::builder("u")
            .grant("doc-1", Grant::permissions([CommentRead, DocumentRead]))
            .grant("doc-1", Grant::permissions([DocumentRead, CommentRead]))
            .grant("doc-*", Grant::permissions([DocumentRead, CommentRead]))
            .build()
            .expect("the same grant, in another order");
        let written: Vec<(&str, &[Permission])> = identity
            .collaboration()
            .iter()
            .map(|(key, grant)| (key.as_str(), grant.permission_list()))
            .collect();
        assert_eq!(
            written,
            [
                ("doc-1", &[CommentRead, DocumentRead][..]),
                ("doc-*", &[DocumentRead, CommentRead][..]),
            ]
        );
        let workspaces = Identity::builder("u")
            .ckbox(CkboxRole::User)
            .ckbox_workspaces(["ws-1", "ws-2", "ws-1"])
            .build()
            .expect("a workspace twice");
        assert_eq!(
            workspaces.ckbox().map(|ckbox| ckbox.workspaces.clone()),
            Some(vec!["ws-1".to_owned(), "ws-2".to_owned()])
        );
    }

    #[test]
    fn a_grant_given_twice_is_written_once() {
        let identity = Identity::builder("u")
            .grant("doc-1", Role::Reader)
            .grant("doc-2", Role::Writer)
            .grant("doc-1", Role::Reader)
            .grant("doc-2", Role::Writer)
            .grant("doc-1", Role::Reader)
            .build()
            .expect("exact repeats are accepted");
        let keys: Vec<&str> = identity
            .collaboration()
            .iter()
            .map(|(key, _)| key.as_str())
            .collect();
        assert_eq!(keys, ["doc-1", "doc-2"]);
        let issuer = crate::Issuer::builder(
            crate::Environment::new("E1", "an access key of 32 bytes or more").expect("env"),
        )
        .clock(crate::FixedClock::at_unix_seconds(1_700_000_000))
        .without_expiry()
        .build()
        .expect("issuer");
        let token = issuer.collaboration(&identity).expect("token");
        let payload = token.as_str().split('.').nth(1).expect("a payload");
        let claims = crate::atob_decode(payload).expect("atob-safe");
        assert_eq!(
            String::from_utf8(claims).expect("UTF-8"),
            concat!(
                r#"{"aud":"E1","iat":1700000000,"sub":"u","auth":{"collaboration":"#,
                r#"{"doc-1":{"role":"reader"},"doc-2":{"role":"writer"}}}}"#
            )
        );
    }

    #[test]
    fn overlapping_keys_need_consent_unless_they_grant_the_same() {
        let overlapping = || {
            Identity::builder("u")
                .grant("*", Role::Reader)
                .grant("doc-1", Role::Writer)
        };
        assert!(matches!(
            overlapping().build(),
            Err(Error::OverlappingDocumentGrants { .. })
        ));
        assert!(overlapping().allow_overlapping_grants().build().is_ok());
        let same = Identity::builder("u")
            .grant("doc-*", Role::Reader)
            .grant("doc-1", Role::Reader);
        assert!(same.build().is_ok());
    }

    #[test]
    fn identities_whose_tokens_could_outgrow_8_kib_are_rejected() {
        // Each '?' may need six bytes ("\u003f") in the browser-safe encoding.
        let hostile = "?".repeat(MAX_NAME_LEN);
        let result = base()
            .name(&hostile)
            .email(format!("{}@example.com", "~".repeat(200)))
            .avatar(format!("https://example.com/{}", "?".repeat(1000)))
            .build();
        assert!(matches!(
            result,
            Err(Error::IdentityTooLarge {
                limit: MAX_PAYLOAD_LEN,
                ..
            })
        ));
        assert!(base().name(hostile).build().is_ok());
    }
}
