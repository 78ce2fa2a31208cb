//! The crate's one error type.

/// What went wrong while configuring credentials, building an identity or issuing a token.
///
/// Every variant says what is wrong and what to do about it. A variant that concerns a key names
/// the setting, never its value. An error about an identity quotes the value it refuses (a
/// document key, a scope: whole when it is within its length limit, else its first 32
/// characters), which is the application's data: should that hold an environment's key, the
/// token endpoint hides the key in what it logs, and a caller that logs such errors itself can
/// hide it with [`KeySearch::hide_in`](crate::KeySearch::hide_in).
///
/// Every variant with fields but [`Error::InvalidIdentity`], which applications build for
/// identities their own checks refuse, is non-exhaustive: its fields are read by name, with `..`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A required setting (an environment variable or configuration key) is absent.
    #[error("{setting} is not set; set it to {what}")]
    #[non_exhaustive]
    MissingSetting {
        /// The name of the setting, for example `CKEDITOR_ACCESS_KEY`.
        setting: String,
        /// What the setting should hold.
        what: &'static str,
    },

    /// A setting is present but empty or only whitespace.
    #[error("{setting} is empty or only whitespace; set it to {what}")]
    #[non_exhaustive]
    EmptySetting {
        /// The name of the setting.
        setting: String,
        /// What the setting should hold.
        what: &'static str,
    },

    /// The environment ID has a form CKEditor Cloud Services never issues, or is the same value
    /// as the access key.
    #[error(
        "{setting} is not valid: {problem}; copy the environment ID from the CKEditor \
         Customer Portal"
    )]
    #[non_exhaustive]
    InvalidEnvironmentId {
        /// The setting that held the ID (`environment ID` when not loaded from a setting).
        setting: String,
        /// What is wrong with it.
        problem: &'static str,
    },

    /// A key has a form that cannot be right.
    #[error("{setting} is not usable: {problem}")]
    #[non_exhaustive]
    InvalidKey {
        /// The setting that held the key.
        setting: String,
        /// What is wrong with it (never the key itself).
        problem: &'static str,
    },

    /// A value in an identity or grant was rejected when it was built.
    #[error("invalid {field}: {problem}")]
    InvalidIdentity {
        /// The field, for example `user.avatar` or `auth.collaboration key "doc-1"`.
        field: String,
        /// What is wrong and what is allowed instead.
        problem: String,
        /// The subject (`sub`) of the identity whose build failed, when it was valid; for the
        /// log, which then says which user's data is wrong.
        subject: Option<String>,
    },

    /// At a [`crate::TokenEndpoint`] with several issuers, the ID of the environment that signs
    /// holds another of its environments' access keys (in any of the forms
    /// [`Error::KeyInIdentity`] names), which every token of the environment would show in
    /// `aud`. The ID is not shown.
    #[error(
        "the environment ID holds the access key of another environment this endpoint signs for, \
         which every token of the environment would show in aud; give each environment its own \
         ID and key from the CKEditor Customer Portal"
    )]
    KeyInAudience,

    /// A text the token would carry (the subject, the profile, a document key, a workspace or
    /// an AI scope) holds the environment's access key, or, at a [`crate::TokenEndpoint`] with
    /// several issuers, another of its environments' keys: as it is, with its ASCII letters in
    /// another case, escaped (`\"` for `"`, `\\` for `\`) or percent-encoded.
    #[error(
        "{field} holds an environment's access key (as it is, in other letter case, escaped or \
         percent-encoded), which every holder of the token could read and sign tokens with; keep \
         the key out of the identity"
    )]
    #[non_exhaustive]
    KeyInIdentity {
        /// The field, one of [`crate::field`]'s, such as `sub`, `user.name` or
        /// `auth.collaboration`.
        field: &'static str,
        /// The subject (`sub`) of the identity, unless it is what holds the key; for the log,
        /// which then says which user's data is wrong.
        subject: Option<String>,
    },

    /// Two collaboration grants name the same document key with different grants.
    #[error(
        "the document key {key:?} is granted twice, with different grants; give each document \
         ID or pattern one grant (a role, permissions, or both)"
    )]
    #[non_exhaustive]
    DuplicateDocumentKey {
        /// The repeated key.
        key: String,
        /// The subject (`sub`) of the identity whose build failed, when it was valid; for the
        /// log, which then says which user's data is wrong.
        subject: Option<String>,
    },

    /// Two collaboration grants could both match one document and grant different things.
    #[error(
        "the document patterns {first:?} and {second:?} can match the same document with \
         different grants, and the cloud does not document which one wins; make them disjoint, \
         or allow overlapping grants if that is intended"
    )]
    #[non_exhaustive]
    OverlappingDocumentGrants {
        /// The pattern granted first.
        first: String,
        /// The pattern granted later that overlaps it.
        second: String,
        /// The subject (`sub`) of the identity whose build failed, when it was valid; for the
        /// log, which then says which user's data is wrong.
        subject: Option<String>,
    },

    /// The identity's claims could produce a token longer than the product accepts.
    #[error(
        "the identity is too large: its claims could need {worst_case} bytes, over the limit of \
         {limit}; shorten the display data or use fewer grants"
    )]
    #[non_exhaustive]
    IdentityTooLarge {
        /// The worst-case size of the identity's part of the payload, in bytes.
        worst_case: usize,
        /// The limit, in bytes.
        limit: usize,
        /// The subject (`sub`) of the identity whose build failed, when it was valid; for the
        /// log, which then says which user's data is wrong.
        subject: Option<String>,
    },

    /// A product was asked for that the identity has no grant for.
    #[error("{product} tokens need {needed}; add it to the identity before issuing")]
    #[non_exhaustive]
    MissingGrant {
        /// The product, for example `CKBox`.
        product: &'static str,
        /// What the identity lacks.
        needed: &'static str,
    },

    /// A token lifetime outside what the editor and the cloud handle safely.
    #[error(
        "a token lifetime of {seconds} s is outside the allowed range of 60 s to 86400 s (24 h); \
         choose a lifetime in that range or issue tokens without `exp`"
    )]
    #[non_exhaustive]
    InvalidLifetime {
        /// The rejected lifetime in whole seconds.
        seconds: u64,
    },

    /// The clock reads a time before 1970, so no `iat` can be written.
    #[error("the clock reads a time before the Unix epoch; fix the system clock")]
    ClockBeforeEpoch,

    /// The issuer's HS256 signer could not be set up: HMAC-SHA256 refused the key, or the
    /// start-up self-check against jsonwebtoken's RustCrypto backend (used whatever backend the
    /// application chose for jsonwebtoken) could not sign or disagreed. Only a broken build gets
    /// there.
    #[error(
        "the HS256 signer cannot be set up: {problem}; rebuild from a clean target folder, and \
         report it with the Cargo.lock if it persists"
    )]
    #[non_exhaustive]
    CryptoBackend {
        /// What the start-up self-check found.
        problem: &'static str,
    },

    /// A string given for inspection is not a compact JWT.
    #[error("not a JWT: {problem}")]
    #[non_exhaustive]
    MalformedToken {
        /// What is wrong with the string.
        problem: String,
    },

    /// An endpoint configuration (for example its CORS policy) is unusable.
    #[error("invalid endpoint configuration: {problem}")]
    #[non_exhaustive]
    InvalidEndpoint {
        /// What is wrong and what to do instead.
        problem: String,
    },
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn identity(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Error::InvalidIdentity {
            field: field.into(),
            problem: problem.into(),
            subject: None,
        }
    }

    /// The user an identity error is about: the subject of the identity whose build failed,
    /// when the subject itself was valid, or of the identity a token would have carried the key
    /// in ([`Error::KeyInIdentity`]), unless the subject is what holds it. `None` for every
    /// other error.
    pub fn subject(&self) -> Option<&str> {
        match self {
            Error::InvalidIdentity { subject, .. }
            | Error::KeyInIdentity { subject, .. }
            | Error::DuplicateDocumentKey { subject, .. }
            | Error::OverlappingDocumentGrants { subject, .. }
            | Error::IdentityTooLarge { subject, .. } => subject.as_deref(),
            _ => None,
        }
    }

    /// This error, about the identity of `user` if it is an identity error.
    pub(crate) fn of_subject(mut self, user: &str) -> Self {
        if let Error::InvalidIdentity { subject, .. }
        | Error::DuplicateDocumentKey { subject, .. }
        | Error::OverlappingDocumentGrants { subject, .. }
        | Error::IdentityTooLarge { subject, .. } = &mut self
        {
            *subject = Some(user.to_owned());
        }
        self
    }
}
