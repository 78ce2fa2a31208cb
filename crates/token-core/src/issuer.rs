//! The issuer: claims in, signed HS256 token out.
//!
//! The header is always `{"typ":"JWT","alg":"HS256"}`. The payload is the compact JSON of the
//! claims, or, when that would not survive the browser's `atob()`, the shortest equivalent
//! encoding that does (see [`crate::atob`]). The signature is HMAC-SHA256 keyed with the
//! environment's access key. The key schedule runs once, when the issuer is built; at the same
//! time the issuer checks itself against `jsonwebtoken`'s HS256 signer (its RustCrypto backend,
//! an independent implementation), so a broken build fails there and not on the first request.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER;
use sha2::Sha256;

use crate::atob;
use crate::base64url;
use crate::claims::{Claims, CompactJson, Product, write_json_string};
use crate::clock::{Clock, SystemClock, unix_seconds};
use crate::credentials::{Environment, SecretKey, SigningKey};
use crate::error::{Error, Result};
use crate::identity::{Identity, field};
use crate::key_search::KeySearch;
use crate::key_set::KeySet;

/// `base64url({"typ":"JWT","alg":"HS256"})`: the first segment of every token.
pub const HEADER_SEGMENT: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9";

/// The shortest lifetime an issuer accepts.
pub const MIN_LIFETIME: Duration = Duration::from_secs(60);
/// The longest lifetime an issuer accepts: the cloud treats tokens as valid for about 24 hours.
pub const MAX_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);
/// The lifetime used unless another is chosen.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// Whether tokens carry `exp`, and how far after `iat` it lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// `exp = iat + lifetime`; the editor refreshes the token halfway through.
    After(Duration),
    /// No `exp`, as in CKEditor's own examples; the editor refreshes hourly. AI tokens still
    /// get an `exp`, one [`DEFAULT_LIFETIME`] after `iat`.
    Never,
}

/// A signed token, ready to be sent as the response body.
///
/// Its `Debug` output hides it: a token is a credential.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// The compact JWT.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The compact JWT, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token([redacted; {} bytes])", self.0.len())
    }
}

thread_local! {
    /// The buffers of the tokens signed on this thread, reused so that signing allocates only
    /// the token itself.
    static BUFFERS: RefCell<SigningBuffers> = RefCell::new(SigningBuffers::default());
}

/// Buffers for signing: the claims' compact JSON and the browser-safe search.
#[derive(Debug, Default)]
struct SigningBuffers {
    json: CompactJson,
    search: atob::SearchBuffers,
}

/// HS256 with one key, keyed once.
#[derive(Clone)]
struct Signer {
    keyed: Hmac<Sha256>,
    /// The start that every token of the issuer shares, already encoded and hashed.
    prefix: Option<SignedPrefix>,
}

/// The start of every token of one issuer: the header segment, the dot, and the base64url of the
/// payload's first bytes (`{"aud":"...`, cut to whole groups of three), with the keyed HMAC state
/// after them. Signing a payload that starts with those bytes encodes and hashes only the rest,
/// which skips at least one SHA-256 block for an environment ID of 12 characters or more.
#[derive(Clone)]
struct SignedPrefix {
    json: Vec<u8>,
    encoded: String,
    hashed: Hmac<Sha256>,
}

impl SignedPrefix {
    /// The prefix of payloads whose first claim is `aud`; `None` when `aud` has characters the
    /// browser-safe encoding may rewrite.
    fn new(keyed: &Hmac<Sha256>, aud: &str) -> Option<Self> {
        let mut json = b"{\"aud\":".to_vec();
        if write_json_string(&mut json, aud) {
            return None;
        }
        json.truncate(json.len() / 3 * 3);
        let mut encoded = format!("{HEADER_SEGMENT}.");
        base64url::encode_into(&json, &mut encoded);
        let mut hashed = keyed.clone();
        hashed.update(encoded.as_bytes());
        Some(SignedPrefix {
            json,
            encoded,
            hashed,
        })
    }
}

impl Signer {
    /// A signer for `key`; `aud` is the audience every payload it signs starts with, if any.
    fn new(key: &SigningKey, aud: Option<&str>) -> Result<Self> {
        let keyed = Hmac::<Sha256>::new_from_slice(key.expose_bytes()).map_err(|_| {
            Error::CryptoBackend {
                problem: "HMAC-SHA256 rejected the key",
            }
        })?;
        let prefix = aud.and_then(|aud| SignedPrefix::new(&keyed, aud));
        let signer = Signer { keyed, prefix };
        signer.check_against_jsonwebtoken(key)?;
        Ok(signer)
    }

    /// Signs a probe with `jsonwebtoken` and with this signer, and insists they agree.
    ///
    /// `jsonwebtoken` signs with its RustCrypto backend, which this crate enables, whatever the
    /// process's default backend is: an application that uses `jsonwebtoken` with its other
    /// backend has both and no default (or installs its own), which is its choice to make.
    fn check_against_jsonwebtoken(&self, key: &SigningKey) -> Result<()> {
        const PROBE: &[u8] = b"eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpYXQiOjB9";
        let unusable = |_| Error::CryptoBackend {
            problem: "jsonwebtoken cannot sign HS256",
        };
        let encoding =
            jsonwebtoken::EncodingKey::from_secret(key.expose_bytes()).map_err(unusable)?;
        let signer = (DEFAULT_PROVIDER.signer_factory)(&jsonwebtoken::Algorithm::HS256, &encoding)
            .map_err(unusable)?;
        let theirs = signer.try_sign(PROBE).map_err(|_| Error::CryptoBackend {
            problem: "jsonwebtoken cannot sign HS256",
        })?;
        if theirs[..] != self.mac(PROBE) {
            return Err(Error::CryptoBackend {
                problem: "jsonwebtoken's HS256 signature differs from the issuer's",
            });
        }
        Ok(())
    }

    fn mac(&self, message: &[u8]) -> [u8; 32] {
        let mut mac = self.keyed.clone();
        mac.update(message);
        mac.finalize().into_bytes().into()
    }

    /// Signs `claims`, written as compact JSON and re-encoded first if `atob()` could not read
    /// them, using this thread's buffers.
    fn sign(&self, claims: Claims<'_>) -> Token {
        BUFFERS
            .try_with(|buffers| match buffers.try_borrow_mut() {
                Ok(mut buffers) => self.sign_with(claims, &mut buffers),
                Err(_) => self.sign_with(claims, &mut SigningBuffers::default()),
            })
            .unwrap_or_else(|_| self.sign_with(claims, &mut SigningBuffers::default()))
    }

    fn sign_with(&self, claims: Claims<'_>, buffers: &mut SigningBuffers) -> Token {
        let SigningBuffers {
            json: compact,
            search,
        } = buffers;
        compact.clear();
        claims.write_json(compact);
        let json: &[u8] = match atob::mend(&compact.bytes, &compact.risky_strings, search) {
            atob::Mend::Nothing => &compact.bytes,
            // The common mend, made in place.
            atob::Mend::OneSpace(at) => {
                compact.bytes.insert(at, b' ');
                &compact.bytes
            }
            // The later space first, so the earlier position still holds.
            atob::Mend::TwoSpaces(first, second) => {
                compact.bytes.insert(second, b' ');
                compact.bytes.insert(first, b' ');
                &compact.bytes
            }
            atob::Mend::Search(first) => {
                let strings = &compact.risky_strings[first..];
                match atob::shortest_safe(&mut compact.bytes, strings, search) {
                    Some(()) => debug_assert!(atob::is_atob_safe(&compact.bytes)),
                    None => {
                        // The claims are written from `str`s, so this does not happen.
                        tracing::error!("the browser-safe search failed; signing the compact form");
                    }
                }
                &compact.bytes
            }
        };
        let capacity = HEADER_SEGMENT.len() + base64url::encoded_len(json.len()) + 45;
        let mut token = String::with_capacity(capacity);
        // Only what follows the prefix is encoded and hashed here.
        let (mut mac, rest, hashed) = match &self.prefix {
            Some(prefix) if json.starts_with(&prefix.json) => {
                token.push_str(&prefix.encoded);
                let rest = &json[prefix.json.len()..];
                (prefix.hashed.clone(), rest, prefix.encoded.len())
            }
            _ => {
                token.push_str(HEADER_SEGMENT);
                token.push('.');
                (self.keyed.clone(), json, 0)
            }
        };
        base64url::encode_into(rest, &mut token);
        debug_assert!(
            token[HEADER_SEGMENT.len() + 1..]
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric()),
            "payload segments are atob-safe"
        );
        mac.update(&token.as_bytes()[hashed..]);
        let signature: [u8; 32] = mac.finalize().into_bytes().into();
        token.push('.');
        base64url::encode_into(&signature, &mut token);
        Token(token)
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Signer([redacted])")
    }
}

/// Issues the tokens of one environment. Cheap to clone; share one per environment.
///
/// ```
/// use ckeditor_token_core::{Environment, FixedClock, Identity, Issuer, Role};
///
/// let environment =
///     Environment::new("LJRQ1bju55p6a47RwadH", "an access key of 32 bytes or more")?;
/// let issuer = Issuer::builder(environment)
///     .clock(FixedClock::at_unix_seconds(1_700_000_000))
///     .build()?;
/// let identity = Identity::builder("user-123").name("Joe").grant("*", Role::Writer).build()?;
/// let token = issuer.collaboration(&identity)?;
/// assert_eq!(token.as_str().split('.').count(), 3);
/// # Ok::<(), ckeditor_token_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Issuer {
    inner: Arc<IssuerInner>,
}

#[derive(Debug)]
struct IssuerInner {
    environment: Environment,
    signer: Signer,
    /// The search for the access key, when it is long enough to be searched for.
    key_search: Option<KeySearch>,
    expiry: Expiry,
    clock: Arc<dyn Clock>,
}

impl Issuer {
    /// An issuer with the default lifetime (one hour) and the system clock.
    ///
    /// # Errors
    ///
    /// [`Error::CryptoBackend`] if no HS256 implementation is usable.
    pub fn new(environment: Environment) -> Result<Self> {
        Issuer::builder(environment).build()
    }

    /// Starts an issuer with other settings.
    pub fn builder(environment: Environment) -> IssuerBuilder {
        IssuerBuilder {
            environment,
            expiry: Expiry::After(DEFAULT_LIFETIME),
            clock: Arc::new(SystemClock),
            unchecked_lifetime: false,
        }
    }

    /// The environment whose tokens this issuer signs.
    pub fn environment(&self) -> &Environment {
        &self.inner.environment
    }

    /// Whether and when tokens expire.
    pub fn expiry(&self) -> Expiry {
        self.inner.expiry
    }

    /// A token with the claims `product` needs for `identity`.
    ///
    /// # Errors
    ///
    /// [`Error::MissingGrant`] when the identity has nothing for the product (no collaboration
    /// grant, no CKBox role, no AI scope); [`Error::KeyInIdentity`] when a text the token would
    /// carry holds the environment's access key (one of [`MIN_KEY_SEARCHED_LEN`] bytes or more)
    /// as it is, with its ASCII letters in another case, escaped or percent-encoded;
    /// [`Error::ClockBeforeEpoch`].
    ///
    /// [`MIN_KEY_SEARCHED_LEN`]: crate::MIN_KEY_SEARCHED_LEN
    pub fn issue(&self, product: Product, identity: &Identity) -> Result<Token> {
        self.issue_refusing(product, identity, &KeySet::default())
    }

    /// As [`Issuer::issue`], but also refuses ([`Error::KeyInIdentity`]) a token that would
    /// carry one of `keys`, the access keys of the environments an endpoint signs for (this
    /// issuer's among them, or none).
    pub(crate) fn issue_refusing(
        &self,
        product: Product,
        identity: &Identity,
        keys: &KeySet,
    ) -> Result<Token> {
        let missing = |product, needed| Err(Error::MissingGrant { product, needed });
        match product {
            Product::Collaboration if identity.collaboration().is_empty() => {
                return missing("collaboration", "at least one document grant");
            }
            Product::Ckbox if identity.ckbox().is_none() => {
                return missing("CKBox", "a CKBox role");
            }
            Product::Ai if identity.ai().is_empty() => {
                return missing("AI", "at least one AI scope");
            }
            Product::Editor
                if identity.collaboration().is_empty()
                    && identity.ckbox().is_none()
                    && identity.ai().is_empty() =>
            {
                return missing("editor", "a document grant, a CKBox role or an AI scope");
            }
            _ => {}
        }
        let iat = unix_seconds(self.inner.clock.now())?;
        let exp = match product {
            // `aud` and `iat` only, as from `cloud_service`.
            Product::CloudService => None,
            Product::Ai => self.exp(iat, true),
            Product::Editor => self.exp(iat, !identity.ai().is_empty()),
            Product::Collaboration | Product::Ckbox => self.exp(iat, false),
        };
        let aud = self.inner.environment.id().as_str();
        let claims = Claims::for_product(product, aud, iat, exp, identity);
        self.refuse_key_in(&claims, identity)?;
        refuse_keys_in(keys, &claims, identity)?;
        // An ID that holds another environment's key would show it in `aud` (an environment's
        // own key is refused in its ID when the environment is made).
        if keys.is_in(aud.as_bytes(), &mut Vec::new()) {
            return Err(Error::KeyInAudience);
        }
        let token = self.inner.signer.sign(claims);
        tracing::debug!(
            subject = &*self.without_key(identity.subject()),
            environment = aud,
            ?product,
            exp,
            "issued a token"
        );
        Ok(token)
    }

    /// A real-time collaboration token: `aud, iat, exp, sub, user, auth.collaboration`.
    ///
    /// # Errors
    ///
    /// As [`issue`](Issuer::issue).
    pub fn collaboration(&self, identity: &Identity) -> Result<Token> {
        self.issue(Product::Collaboration, identity)
    }

    /// A CKBox token: `aud, iat, exp, sub, user, auth.ckbox`.
    ///
    /// # Errors
    ///
    /// As [`issue`](Issuer::issue).
    pub fn ckbox(&self, identity: &Identity) -> Result<Token> {
        self.issue(Product::Ckbox, identity)
    }

    /// An AI token: `aud, iat, exp, sub, auth.ai`; it always expires.
    ///
    /// # Errors
    ///
    /// As [`issue`](Issuer::issue).
    pub fn ai(&self, identity: &Identity) -> Result<Token> {
        self.issue(Product::Ai, identity)
    }

    /// A token with every claim the identity holds, for an editor that uses several services.
    ///
    /// # Errors
    ///
    /// As [`issue`](Issuer::issue).
    pub fn editor(&self, identity: &Identity) -> Result<Token> {
        self.issue(Product::Editor, identity)
    }

    /// A token for Export to PDF/Word, Import from Word or Easy Image: `aud` and `iat` only.
    ///
    /// # Errors
    ///
    /// [`Error::ClockBeforeEpoch`].
    pub fn cloud_service(&self) -> Result<Token> {
        let iat = unix_seconds(self.inner.clock.now())?;
        let claims = Claims::bare(Some(self.inner.environment.id().as_str()), iat, None);
        Ok(self.inner.signer.sign(claims))
    }

    /// `text` with the environment's access key, when it is long enough to be searched for,
    /// shown as `[key]` wherever it occurs, as it is, in other letter case, escaped or
    /// percent-encoded: for a log line with text from the application.
    pub(crate) fn without_key<'t>(&self, text: &'t str) -> Cow<'t, str> {
        match &self.inner.key_search {
            Some(search) => search.hide_in(text),
            None => Cow::Borrowed(text),
        }
    }

    /// Refuses `claims` that would carry the access key, when it is long enough to be searched
    /// for (as it is, in other letter case, escaped or percent-encoded), which every holder of
    /// the token could read, or work out, and sign tokens with. Only an identity with a text as
    /// long as the key is searched.
    fn refuse_key_in(&self, claims: &Claims<'_>, identity: &Identity) -> Result<()> {
        let Some(search) = &self.inner.key_search else {
            return Ok(());
        };
        if identity.longest_text() < search.key_len() {
            return Ok(());
        }
        claims
            .text_holding(search)
            .map_or(Ok(()), |field| Err(key_in_identity(field, identity)))
    }

    /// The search for the access key, when it is long enough to be searched for.
    pub(crate) fn key_search(&self) -> Option<&KeySearch> {
        self.inner.key_search.as_ref()
    }

    fn exp(&self, iat: u64, always: bool) -> Option<u64> {
        match self.inner.expiry {
            Expiry::After(lifetime) => Some(iat + lifetime.as_secs()),
            Expiry::Never if always => Some(iat + DEFAULT_LIFETIME.as_secs()),
            Expiry::Never => None,
        }
    }
}

/// As [`Issuer::refuse_key_in`], for any key of `keys`.
fn refuse_keys_in(keys: &KeySet, claims: &Claims<'_>, identity: &Identity) -> Result<()> {
    if keys.is_empty() || identity.longest_text() < keys.shortest_key_len() {
        return Ok(());
    }
    claims
        .text_holding_any(keys)
        .map_or(Ok(()), |field| Err(key_in_identity(field, identity)))
}

/// The refusal of an identity whose `field` holds an access key.
fn key_in_identity(field: &'static str, identity: &Identity) -> Error {
    Error::KeyInIdentity {
        field,
        // The subject goes to the log, unless it is what holds the key.
        subject: (field != field::SUBJECT).then(|| identity.subject().to_owned()),
    }
}

/// Settings for an [`Issuer`]; [`build`](IssuerBuilder::build) checks them.
#[derive(Debug)]
#[must_use]
pub struct IssuerBuilder {
    environment: Environment,
    expiry: Expiry,
    clock: Arc<dyn Clock>,
    unchecked_lifetime: bool,
}

impl IssuerBuilder {
    /// Tokens expire `lifetime` after they are issued (floored to whole seconds); from one
    /// minute to 24 hours. Tokens with AI scopes too: CKEditor AI expects a short `exp`, so an
    /// issuer for users with AI scopes keeps it at an hour (the default) or less.
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.expiry = Expiry::After(Duration::from_secs(lifetime.as_secs()));
        self
    }

    /// Tokens carry no `exp` (AI tokens excepted), as CKEditor's own examples issue them.
    pub fn without_expiry(mut self) -> Self {
        self.expiry = Expiry::Never;
        self
    }

    /// Reads the time from `clock` instead of the system clock.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Allows a lifetime under one minute, so that tests can watch the editor refresh tokens.
    /// Only builds with the `testing` feature have it.
    #[cfg(feature = "testing")]
    pub fn short_lifetime_for_tests(mut self, lifetime: Duration) -> Self {
        self.expiry = Expiry::After(Duration::from_secs(lifetime.as_secs().max(1)));
        self.unchecked_lifetime = true;
        self
    }

    /// Checks the settings and builds the issuer.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLifetime`] for a lifetime outside one minute to 24 hours;
    /// [`Error::CryptoBackend`] if no HS256 implementation is usable.
    pub fn build(self) -> Result<Issuer> {
        if let Expiry::After(lifetime) = self.expiry {
            let in_range = (MIN_LIFETIME..=MAX_LIFETIME).contains(&lifetime);
            if !in_range && !self.unchecked_lifetime {
                return Err(Error::InvalidLifetime {
                    seconds: lifetime.as_secs(),
                });
            }
        }
        let aud = self.environment.id().as_str();
        let signer = Signer::new(self.environment.access_key(), Some(aud))?;
        let key_search = KeySearch::new(self.environment.access_key().expose_bytes());
        Ok(Issuer {
            inner: Arc::new(IssuerInner {
                environment: self.environment,
                signer,
                key_search,
                expiry: self.expiry,
                clock: self.clock,
            }),
        })
    }
}

/// Issues tokens for an on-premises CKEditor server's PDF and DOCX converters: `iat` only,
/// signed with the server's secret key.
#[derive(Debug, Clone)]
pub struct OnPremisesIssuer {
    signer: Signer,
    clock: Arc<dyn Clock>,
}

impl OnPremisesIssuer {
    /// An issuer for the server whose `SECRET_KEY` is `key`, on the system clock.
    ///
    /// # Errors
    ///
    /// [`Error::CryptoBackend`] if no HS256 implementation is usable.
    pub fn new(key: &SecretKey) -> Result<Self> {
        Ok(OnPremisesIssuer {
            signer: Signer::new(key.key(), None)?,
            clock: Arc::new(SystemClock),
        })
    }

    /// Reads the time from `clock` instead of the system clock.
    #[must_use]
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// A converter token: `{"iat":<now>}`.
    ///
    /// # Errors
    ///
    /// [`Error::ClockBeforeEpoch`].
    pub fn token(&self) -> Result<Token> {
        let iat = unix_seconds(self.clock.now())?;
        Ok(self.signer.sign(Claims::bare(None, iat, None)))
    }
}
