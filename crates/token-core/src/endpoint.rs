//! The token endpoint's decisions, for every web framework at once.
//!
//! An adapter asks the [`TokenEndpoint`] what to do with a request and writes the
//! [`TokenResponse`] it gets back, verbatim: status, headers and body are decided here, so the
//! same request gets the same answer through every framework.
//!
//! | situation | status | body |
//! | --- | --- | --- |
//! | `GET`, the app's user gets a token | 200 | the bare token, no newline |
//! | `GET`, no one user named ([`UserDecision::BadRequest`]) | 400 | [`BAD_REQUEST_BODY`] |
//! | `GET`, no user (the app's extractor rejected, not with a 5xx) | 401 | [`NO_USER_BODY`] |
//! | `GET`, the app refuses this user ([`UserDecision::Refuse`]) | 403 | [`REFUSED_BODY`] |
//! | `GET`, the user has no grant for the endpoint's product | 403 | [`REFUSED_BODY`] |
//! | `GET`, the app's lookup failed (a 5xx rejection) | 500 | [`FAILURE_BODY`] |
//! | `GET`, the app's identity for the user is invalid | 500 | [`FAILURE_BODY`] |
//! | `GET`, sign-in service down ([`UserDecision::Unavailable`]) | 502, 503 | [`UPSTREAM_BODY`] |
//! | `OPTIONS` that is not a CORS preflight | 200 | empty |
//! | any other method, `HEAD` included | 405 | [`METHOD_BODY`] |
//!
//! Every answer carries `Content-Type: text/plain; charset=utf-8` and `Cache-Control: no-store`;
//! 405 and `OPTIONS` answers add `Allow: GET, OPTIONS`; when the CORS policy admits other
//! origins, every answer adds `Vary: Origin`. A 401 is never a redirect: the editor fetches the
//! token in the background and cannot follow a login page.
//!
//! An identity that fails to build (such as an avatar that is a 100 KB `data:` URL) is the
//! application's data being unusable, not the user being forbidden, so it is a 500 and an
//! error in the log naming the field; it never becomes a token.
//!
//! CORS preflights are answered by each framework's own CORS component, configured from the
//! endpoint's [`CorsPolicy`], before any of this runs.

mod cors;
mod upstream;

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::claims::Product;
use crate::error::Error;
use crate::identity::Identity;
use crate::issuer::Issuer;
use crate::key_search::{KeySearch, hide_all_in};
use crate::key_set::KeySet;

pub use cors::{
    AllowedOrigins, CORS_METHODS, CorsPolicy, CorsPolicyBuilder, MAX_HEADER_NAME_LEN,
    MAX_PREFLIGHT_AGE, without_user_information,
};
pub use upstream::{UPSTREAM_BODY, UpstreamFailure};

/// `Content-Type` of every answer of the token route.
pub const CONTENT_TYPE: &str = "text/plain; charset=utf-8";
/// `Cache-Control` of every answer of the token route: a token is a credential.
pub const CACHE_CONTROL: &str = "no-store";
/// `Allow` of the token route.
pub const ALLOW: &str = "GET, OPTIONS";
/// `Vary` of every answer of a route that other origins may call.
pub const VARY: &str = "Origin";

/// A header of an answer whose name and value are both the core's constants, so that an adapter
/// can convert it to its framework's types once, when it is compiled, instead of for every
/// answer. Other headers, such as a CORS component's, are not.
///
/// ```
/// use ckeditor_token_core::ConstantHeader;
///
/// assert_eq!(ConstantHeader::of("cache-control", "no-store"), Some(ConstantHeader::CacheControl));
/// assert_eq!(ConstantHeader::of("cache-control", "max-age=60"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConstantHeader {
    /// `content-type` with [`CONTENT_TYPE`].
    ContentType,
    /// `cache-control` with [`CACHE_CONTROL`].
    CacheControl,
    /// `allow` with [`ALLOW`].
    Allow,
    /// `vary` with [`VARY`].
    Vary,
}

impl ConstantHeader {
    /// Which constant header `name: value` is, if it is one; `name` in lowercase, as in
    /// [`TokenResponse::headers`]. The name is matched first, so a value is compared only with
    /// the one constant it could be.
    #[inline]
    pub fn of(name: &str, value: &str) -> Option<ConstantHeader> {
        match name {
            "content-type" if value == CONTENT_TYPE => Some(ConstantHeader::ContentType),
            "cache-control" if value == CACHE_CONTROL => Some(ConstantHeader::CacheControl),
            "allow" if value == ALLOW => Some(ConstantHeader::Allow),
            "vary" if value == VARY => Some(ConstantHeader::Vary),
            _ => None,
        }
    }
}

/// The body of a 401.
pub const NO_USER_BODY: &str = "Not signed in: sign in to the application to get an editor token.";
/// The body of a 403.
pub const REFUSED_BODY: &str = "This user may not have an editor token.";
/// The body of a 500. It names nothing internal; the log has the details.
pub const FAILURE_BODY: &str = "The editor token could not be issued. The server log has details.";
/// The body of a 400: the request cannot name one user.
pub const BAD_REQUEST_BODY: &str =
    "The request does not name one user. The server log says what is wrong with it.";
/// The body of a 405.
pub const METHOD_BODY: &str = "Use GET to fetch an editor token.";

/// How many characters of what an extractor's rejection said the log shows.
const MAX_REJECTION_TEXT: usize = 200;

/// What the application says about its signed-in user. Decisions compare by value, so an
/// application's tests can assert what its [`TokenUser`] decides.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UserDecision {
    /// Issue a token for this identity, signed by the endpoint's issuer.
    Issue(Identity),
    /// Issue a token for this identity in the environment with this ID, for an application
    /// whose tenants each have an environment of their own: signed by the issuer of that
    /// environment that the endpoint holds ([`TokenEndpoint::with_issuer`]). An environment the
    /// endpoint has no issuer for is the application's mistake: 500, logged at error level.
    IssueIn {
        /// The ID of the environment, the token's `aud`.
        environment: String,
        /// Whom the token is for.
        identity: Identity,
    },
    /// The request is written so that it cannot name one user, such as a query that gives the
    /// user's parameter twice (400, with [`BAD_REQUEST_BODY`]). The reason goes to the log at
    /// info level, on one line (its line breaks as escapes), never into the response, so it may
    /// say what is wrong and how to ask instead; it must not hold secrets.
    BadRequest(String),
    /// No token for this user (403). The reason goes to the log at info level, on one line (its
    /// line breaks as escapes), never into the response, so it may name the rule that refused;
    /// it must not hold secrets. The line names no user: a reason that should show who was
    /// refused names them.
    Refuse(String),
    /// The application could not build the user's identity (500). The error names the field.
    InvalidIdentity(Error),
    /// The service that says who the user is (a sign-in service, the application's own "who am
    /// I" route) failed: 502 or 503, see [`TokenEndpoint::upstream_failed`].
    Unavailable {
        /// How it failed, which decides the status.
        failure: UpstreamFailure,
        /// For the log only (warn level); must not hold secrets or the caller's cookies.
        detail: String,
    },
}

impl From<Identity> for UserDecision {
    fn from(identity: Identity) -> Self {
        UserDecision::Issue(identity)
    }
}

impl From<crate::error::Result<Identity>> for UserDecision {
    fn from(built: crate::error::Result<Identity>) -> Self {
        match built {
            Ok(identity) => UserDecision::Issue(identity),
            Err(error) => UserDecision::InvalidIdentity(error),
        }
    }
}

/// Implemented by the application's user type: who this user is to the editor, or why they get
/// no token.
///
/// ```
/// use ckeditor_token_core::{Identity, Role, TokenUser, UserDecision};
///
/// struct AppUser { id: u64, name: String, can_edit: bool, suspended: bool }
///
/// impl TokenUser for AppUser {
///     fn token_decision(&self) -> UserDecision {
///         if self.suspended {
///             return UserDecision::Refuse(format!("user {} is suspended", self.id));
///         }
///         let role = if self.can_edit { Role::Writer } else { Role::Reader };
///         Identity::builder(self.id.to_string()).name(&self.name).grant("*", role).build().into()
///     }
/// }
/// ```
pub trait TokenUser {
    /// Decides about this user.
    fn token_decision(&self) -> UserDecision;
}

/// Which of the route's answers a [`TokenResponse`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// 200 with a token.
    Token,
    /// 400: the request cannot name a user.
    BadRequest,
    /// 401: no signed-in user.
    NoUser,
    /// 403: the application refused, or the user has no grant for the product.
    Refused,
    /// 500: the application's user lookup failed.
    LookupFailed,
    /// 500: the user's identity could not be built or issued.
    IssueFailed,
    /// 200: a plain `OPTIONS` request (not a CORS preflight).
    Options,
    /// 405: a method other than `GET` and `OPTIONS`.
    MethodNotAllowed,
    /// 502 or 503: the service that says who the user is failed.
    UpstreamFailed,
}

/// The answer to write: status, headers and body, decided by the core.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenResponse {
    outcome: Outcome,
    status: u16,
    headers: Vec<(&'static str, Cow<'static, str>)>,
    body: String,
}

impl TokenResponse {
    /// Which answer this is.
    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The headers to set, with lowercase names, each name once.
    pub fn headers(&self) -> &[(&'static str, Cow<'static, str>)] {
        &self.headers
    }

    /// The value of one header, by lowercase name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_ref())
    }

    /// The body: the bare token on success, a short plain-text reason otherwise.
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The body, owned.
    pub fn into_body(self) -> String {
        self.body
    }

    /// The answer without the core's `Vary: Origin`, for an adapter whose framework's CORS
    /// component puts `Vary` with `Origin` on every answer of the route itself, as actix-cors and
    /// tower-http's `CorsLayer` do: the header is then sent once, by the component, instead of
    /// twice. Everything else is kept.
    #[must_use]
    pub fn without_vary(mut self) -> Self {
        self.headers.retain(|(name, _)| *name != "vary");
        self
    }

    /// The status, the headers and the body, owned, for an adapter that moves them into its
    /// framework's response without copying. Borrowed header values are the core's constants.
    pub fn into_parts(self) -> (u16, Vec<(&'static str, Cow<'static, str>)>, String) {
        (self.status, self.headers, self.body)
    }

    /// The answer as a response of the `http` crate, which axum, warp and other frameworks on
    /// hyper use: the body and any owned header value are moved, the core's constant header
    /// values are taken as they are, and the header map has room for a CORS component's headers.
    /// Needs the crate's `http` feature.
    #[cfg(feature = "http")]
    pub fn into_http(self) -> http::Response<String> {
        let (status, headers, body) = self.into_parts();
        let mut response = http::Response::new(body);
        *response.status_mut() =
            http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        let map = response.headers_mut();
        // Room for six headers, the core's and a CORS component's. `http` sizes the map in powers
        // of two, three quarters usable: six is the most that fits 8 slots, and its two
        // allocations stay small (for 7, 16 slots and 12 entries of over 1 KiB).
        map.reserve(6);
        for (name, value) in headers {
            match http_header(name, value) {
                Some((name, value)) => {
                    map.insert(name, value);
                }
                None => tracing::error!(header = name, "the core produced a header http refuses"),
            }
        }
        response
    }
}

/// One header of an answer in the `http` crate's types. The core's constant headers are
/// converted once, when this crate is compiled.
#[cfg(feature = "http")]
fn http_header(
    name: &'static str,
    value: Cow<'static, str>,
) -> Option<(http::HeaderName, http::HeaderValue)> {
    use http::{HeaderName, HeaderValue, header};
    const KNOWN_CONTENT_TYPE: HeaderValue = HeaderValue::from_static(CONTENT_TYPE);
    const KNOWN_CACHE_CONTROL: HeaderValue = HeaderValue::from_static(CACHE_CONTROL);
    const KNOWN_ALLOW: HeaderValue = HeaderValue::from_static(ALLOW);
    const KNOWN_VARY: HeaderValue = HeaderValue::from_static(VARY);
    if let Some(constant) = ConstantHeader::of(name, &value) {
        return Some(match constant {
            ConstantHeader::ContentType => (header::CONTENT_TYPE, KNOWN_CONTENT_TYPE),
            ConstantHeader::CacheControl => (header::CACHE_CONTROL, KNOWN_CACHE_CONTROL),
            ConstantHeader::Allow => (header::ALLOW, KNOWN_ALLOW),
            ConstantHeader::Vary => (header::VARY, KNOWN_VARY),
        });
    }
    let value = match value {
        Cow::Borrowed(text) => HeaderValue::from_str(text),
        Cow::Owned(text) => HeaderValue::try_from(text),
    };
    Some((HeaderName::from_bytes(name.as_bytes()).ok()?, value.ok()?))
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body: &dyn fmt::Debug = match self.outcome {
            Outcome::Token => &"[token redacted]",
            _ => &self.body,
        };
        f.debug_struct("TokenResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", body)
            .finish()
    }
}

/// What an adapter does with a request, by its method.
#[derive(Debug)]
pub enum MethodDecision {
    /// `GET`: obtain the application's user, then call [`TokenEndpoint::for_user`],
    /// [`TokenEndpoint::no_user`], [`TokenEndpoint::user_rejected`] or
    /// [`TokenEndpoint::user_rejected_saying`].
    ResolveUser,
    /// Any other method: write this answer without running the application's login.
    Respond(TokenResponse),
}

/// The token route: which environment signs, which product's claims, and which origins may call.
/// Cheap to clone.
///
/// ```
/// use ckeditor_token_core::{Environment, Identity, Issuer, Role, TokenEndpoint, UserDecision};
///
/// let environment =
///     Environment::new("LJRQ1bju55p6a47RwadH", "an access key of 32 bytes or more")?;
/// let endpoint = TokenEndpoint::new(Issuer::new(environment)?);
///
/// let identity = Identity::builder("user-1").grant("*", Role::Writer).build()?;
/// let response = endpoint.decide(UserDecision::Issue(identity));
/// assert_eq!(response.status(), 200);
/// assert_eq!(response.header("cache-control"), Some("no-store"));
/// assert_eq!(response.body().split('.').count(), 3);
///
/// assert_eq!(endpoint.no_user().status(), 401);
/// assert_eq!(endpoint.on_method("POST").status(), Some(405));
/// # Ok::<(), ckeditor_token_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TokenEndpoint {
    /// Shared, so that adapters may clone the endpoint per request for one reference count.
    inner: Arc<EndpointInner>,
}

#[derive(Debug, Clone)]
struct EndpointInner {
    issuer: Issuer,
    /// The issuers of other environments, by environment ID, for [`UserDecision::IssueIn`].
    others: HashMap<String, Issuer>,
    /// With other environments, every issuer's access key, which no token may carry: searched
    /// for at once, however many environments there are. Built when first needed, so that
    /// adding or replacing issuers one at a time stays cheap.
    keys: OnceLock<KeySet>,
    product: Product,
    cors: CorsPolicy,
}

impl MethodDecision {
    /// The status of a decided answer, or `None` when the user must be resolved first.
    pub fn status(&self) -> Option<u16> {
        match self {
            MethodDecision::ResolveUser => None,
            MethodDecision::Respond(response) => Some(response.status()),
        }
    }
}

impl TokenEndpoint {
    /// An endpoint issuing editor tokens (every grant the user's identity holds: collaboration,
    /// CKBox, AI), for same-origin callers only.
    pub fn new(issuer: Issuer) -> Self {
        TokenEndpoint {
            inner: Arc::new(EndpointInner {
                issuer,
                others: HashMap::new(),
                keys: OnceLock::new(),
                product: Product::Editor,
                cors: CorsPolicy::same_origin(),
            }),
        }
    }

    /// Issues tokens with only `product`'s claims instead of every grant the identity holds.
    #[must_use]
    pub fn with_product(mut self, product: Product) -> Self {
        Arc::make_mut(&mut self.inner).product = product;
        self
    }

    /// Lets other origins call the route, as `policy` says.
    #[must_use]
    pub fn with_cors(mut self, policy: CorsPolicy) -> Self {
        Arc::make_mut(&mut self.inner).cors = policy;
        self
    }

    /// Also issues the tokens of `issuer`'s environment, to the users whose decision names it
    /// ([`UserDecision::IssueIn`]): one route for an application whose tenants each have an
    /// environment of their own, where the signed-in user says which. An issuer of an
    /// environment the endpoint has already replaces that one's. No token of one environment
    /// carries another's access key: such an identity gets [`Error::KeyInIdentity`]'s 500, as
    /// for its own key, and an environment whose ID holds another's key gets no tokens
    /// ([`Error::KeyInAudience`]'s 500), as its `aud` would show the key.
    ///
    /// ```
    /// use ckeditor_token_core::{Environment, Identity, Issuer, Role, TokenEndpoint, UserDecision};
    ///
    /// let acme = Environment::new("acme-env", "the access key of acme's environment")?;
    /// let globex = Environment::new("globex-env", "the access key of globex's environment")?;
    /// let endpoint = TokenEndpoint::new(Issuer::new(acme)?).with_issuer(Issuer::new(globex)?);
    ///
    /// // In the application's `TokenUser::token_decision`, from the user's tenant:
    /// let identity = Identity::builder("user-1").grant("*", Role::Writer).build()?;
    /// let decision = UserDecision::IssueIn { environment: "globex-env".into(), identity };
    /// assert_eq!(endpoint.decide(decision).status(), 200);
    /// # Ok::<(), ckeditor_token_core::Error>(())
    /// ```
    #[must_use]
    pub fn with_issuer(mut self, issuer: Issuer) -> Self {
        let inner = Arc::make_mut(&mut self.inner);
        let id = issuer.environment().id().as_str().to_owned();
        if id == inner.issuer.environment().id().as_str() {
            inner.issuer = issuer;
        } else {
            inner.others.insert(id, issuer);
        }
        inner.keys = OnceLock::new();
        self
    }

    /// The issuer that signs the tokens, unless a user's decision names another environment.
    pub fn issuer(&self) -> &Issuer {
        &self.inner.issuer
    }

    /// The issuer of the environment with the ID `environment`: the endpoint's own, or one
    /// added with [`TokenEndpoint::with_issuer`].
    pub fn issuer_of(&self, environment: &str) -> Option<&Issuer> {
        if environment == self.inner.issuer.environment().id().as_str() {
            return Some(&self.inner.issuer);
        }
        self.inner.others.get(environment)
    }

    /// Whose claims the tokens carry.
    pub fn product(&self) -> Product {
        self.inner.product
    }

    /// The CORS policy, for the adapter's CORS component.
    pub fn cors(&self) -> &CorsPolicy {
        &self.inner.cors
    }

    /// What to do with a request that reached the route (preflights are answered before) with
    /// this method. Methods are compared exactly, as HTTP does.
    pub fn on_method(&self, method: &str) -> MethodDecision {
        match method {
            "GET" => MethodDecision::ResolveUser,
            "OPTIONS" => MethodDecision::Respond(self.answer(Outcome::Options, 200, String::new())),
            _ => MethodDecision::Respond(self.answer(
                Outcome::MethodNotAllowed,
                405,
                METHOD_BODY.to_owned(),
            )),
        }
    }

    /// The answer for the application's signed-in user.
    pub fn for_user<U: TokenUser + ?Sized>(&self, user: &U) -> TokenResponse {
        self.decide(user.token_decision())
    }

    /// The answer for a decision about a user.
    pub fn decide(&self, decision: UserDecision) -> TokenResponse {
        match decision {
            UserDecision::Issue(identity) => self.issue(&self.inner.issuer, &identity),
            UserDecision::IssueIn {
                environment,
                identity,
            } => match self.issuer_of(&environment) {
                Some(issuer) => self.issue(issuer, &identity),
                None => {
                    tracing::error!(
                        subject = self.loggable(&identity.subject()),
                        environment = self.loggable(&environment),
                        "the application chose an environment the token endpoint has no issuer \
                         for; add its issuer with TokenEndpoint::with_issuer"
                    );
                    self.failed()
                }
            },
            UserDecision::BadRequest(reason) => {
                tracing::info!(
                    reason = %self.loggable_line(&reason),
                    "a token request that cannot name one user"
                );
                self.answer(Outcome::BadRequest, 400, BAD_REQUEST_BODY.to_owned())
            }
            UserDecision::Refuse(reason) => {
                tracing::info!(
                    reason = %self.loggable_line(&reason),
                    "a token was refused (UserDecision::Refuse)"
                );
                self.refused()
            }
            UserDecision::InvalidIdentity(error) => {
                tracing::error!(
                    subject = error.subject().map(|subject| self.loggable(&subject)),
                    error = %self.loggable_line(&error),
                    "the identity given for the signed-in user is invalid"
                );
                self.failed()
            }
            UserDecision::Unavailable { failure, detail } => self.upstream_failed(failure, &detail),
        }
    }

    /// The answer when there is no signed-in user: 401, never a redirect.
    pub fn no_user(&self) -> TokenResponse {
        tracing::debug!("token requested without a signed-in user");
        self.answer(Outcome::NoUser, 401, NO_USER_BODY.to_owned())
    }

    /// The answer when the application's user lookup failed: 500. `error` goes to the log at
    /// error level, on one line (its line breaks as escapes), and nowhere else, so it must not
    /// hold secrets.
    pub fn lookup_failed(&self, error: &dyn fmt::Display) -> TokenResponse {
        tracing::error!(
            error = %self.loggable_line(error),
            "the application's user lookup failed"
        );
        self.answer(Outcome::LookupFailed, 500, FAILURE_BODY.to_owned())
    }

    /// The answer when the application's extractor rejected the request with an answer of its
    /// own with `status`: a server error (5xx) means the lookup failed (500); anything else,
    /// such as a redirect to a login page, a 401 or a 403, means there is no user (401).
    pub fn user_rejected(&self, status: u16) -> TokenResponse {
        self.rejected(status, None)
    }

    /// [`TokenEndpoint::user_rejected`], with what the rejection said (an error's message, or
    /// the start of its answer's body), which the log shows at error level beside a server
    /// error's status: its first 200 characters, quoted and escaped, so that a line break in it
    /// cannot start a log line of its own (a blank text is left out). Like
    /// [`TokenEndpoint::lookup_failed`]'s error, it must not hold secrets.
    pub fn user_rejected_saying(&self, status: u16, said: &dyn fmt::Display) -> TokenResponse {
        self.rejected(status, Some(said))
    }

    fn rejected(&self, status: u16, said: Option<&dyn fmt::Display>) -> TokenResponse {
        if !(500..600).contains(&status) {
            tracing::debug!(status, "the user extractor found no signed-in user");
            return self.no_user();
        }
        // An empty or blank text says nothing worth quoting.
        let said = said.and_then(|said| {
            // Enough is read to see the whole of a key that starts before the cut, and hide it,
            // percent-encoded too (three characters a byte).
            let longest_key = self
                .issuers()
                .map(|issuer| issuer.environment().access_key().expose_bytes().len())
                .max()
                .unwrap_or_default();
            let (text, cut) = first_chars(said, MAX_REJECTION_TEXT + 3 * longest_key);
            (!text.trim().is_empty()).then(|| quoted_start(&self.loggable(&text), cut))
        });
        match said {
            Some(said) => self.lookup_failed(&format_args!(
                "the user extractor answered with status {status}: {said}"
            )),
            None => self.lookup_failed(&format_args!(
                "the user extractor answered with status {status}"
            )),
        }
    }

    fn issue(&self, issuer: &Issuer, identity: &Identity) -> TokenResponse {
        // A token of one environment must not carry another's key either.
        match issuer.issue_refusing(self.inner.product, identity, self.keys()) {
            Ok(token) => self.answer(Outcome::Token, 200, token.into_string()),
            Err(error @ Error::MissingGrant { .. }) => {
                tracing::info!(
                    subject = self.loggable(&identity.subject()),
                    %error,
                    "no grant for the product"
                );
                self.refused()
            }
            Err(error) => {
                tracing::error!(
                    subject = self.loggable(&identity.subject()),
                    %error,
                    "issuing a token failed"
                );
                self.failed()
            }
        }
    }

    /// `text` as a log line may show it: with the issuers' access keys hidden, should the
    /// application have put one there. Called in a log macro's fields, it runs only when the
    /// line is written.
    fn loggable(&self, text: &dyn fmt::Display) -> String {
        let text = text.to_string();
        // With other environments, a text that holds none of the keys, and was not cut short
        // (`…`, after which a start of a key is hidden too), is shown as it is without asking
        // each issuer's search; else every key is hidden at once, so that a key holding or
        // overlapping another is hidden whole.
        let keys = self.keys();
        if !keys.is_empty() && !text.contains('…') && !keys.holds(&text) {
            return text;
        }
        let searches: Vec<&KeySearch> = self.issuers().filter_map(Issuer::key_search).collect();
        hide_all_in(&text, &searches).into_owned()
    }

    /// `text` as [`TokenEndpoint::loggable`] gives it, on one line: its control characters (line
    /// breaks among them) and the Unicode line and paragraph separators written as escapes such
    /// as `\n`, so that a text from the application cannot start a log line of its own.
    fn loggable_line(&self, text: &dyn fmt::Display) -> String {
        let breaks_lines = |c: char| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}');
        let text = self.loggable(text);
        if !text.chars().any(breaks_lines) {
            return text;
        }
        let mut line = String::with_capacity(text.len() + 16);
        for c in text.chars() {
            if breaks_lines(c) {
                line.extend(c.escape_default());
            } else {
                line.push(c);
            }
        }
        line
    }

    /// With other environments, the access keys of every issuer; else none (the issuer looks
    /// for its own).
    fn keys(&self) -> &KeySet {
        self.inner.keys.get_or_init(|| {
            if self.inner.others.is_empty() {
                KeySet::default()
            } else {
                KeySet::new(self.issuers().filter_map(Issuer::key_search))
            }
        })
    }

    /// Every issuer of the endpoint, its own first.
    fn issuers(&self) -> impl Iterator<Item = &Issuer> {
        std::iter::once(&self.inner.issuer).chain(self.inner.others.values())
    }

    fn refused(&self) -> TokenResponse {
        self.answer(Outcome::Refused, 403, REFUSED_BODY.to_owned())
    }

    fn failed(&self) -> TokenResponse {
        self.answer(Outcome::IssueFailed, 500, FAILURE_BODY.to_owned())
    }

    fn answer(&self, outcome: Outcome, status: u16, body: String) -> TokenResponse {
        // Sized for every header an answer can have, so that it is allocated once.
        let mut headers = Vec::with_capacity(4);
        headers.push(("content-type", Cow::Borrowed(CONTENT_TYPE)));
        headers.push(("cache-control", Cow::Borrowed(CACHE_CONTROL)));
        if matches!(outcome, Outcome::Options | Outcome::MethodNotAllowed) {
            headers.push(("allow", Cow::Borrowed(ALLOW)));
        }
        if self.inner.cors.is_cross_origin() {
            headers.push(("vary", Cow::Borrowed(VARY)));
        }
        TokenResponse {
            outcome,
            status,
            headers,
            body,
        }
    }
}

/// The first `count` characters of what `said` writes, and whether it writes more. Formatting
/// stops there, so a long message is never written out whole.
fn first_chars(said: &dyn fmt::Display, count: usize) -> (String, bool) {
    /// Keeps what is written, and fails once it is full.
    struct Start {
        text: String,
        room: usize,
        cut: bool,
    }

    impl fmt::Write for Start {
        fn write_str(&mut self, piece: &str) -> fmt::Result {
            for c in piece.chars() {
                if self.room == 0 {
                    self.cut = true;
                    return Err(fmt::Error);
                }
                self.text.push(c);
                self.room -= 1;
            }
            Ok(())
        }
    }

    let mut start = Start {
        text: String::new(),
        room: count,
        cut: false,
    };
    // An error is the cut, or one of `said`'s own, after which what it wrote still shows.
    let _ = fmt::write(&mut start, format_args!("{said}"));
    (start.text, start.cut)
}

/// The first [`MAX_REJECTION_TEXT`] characters of `text`, quoted and escaped as Rust escapes a
/// string's characters, and `…` after them when it has more or was `cut` already.
fn quoted_start(text: &str, cut: bool) -> String {
    let mut quoted = String::from("\"");
    let mut chars = text.chars();
    for c in chars.by_ref().take(MAX_REJECTION_TEXT) {
        quoted.extend(c.escape_debug());
    }
    quoted.push('"');
    if cut || chars.next().is_some() {
        quoted.push('…');
    }
    quoted
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use jsonwebtoken::{Algorithm, DecodingKey, Validation};

    use super::*;
    use crate::{Environment, FixedClock, Role};

    const KEY: &str = "endpoint-test-key-0123456789abcdef0123";

    #[test]
    fn constant_headers_are_known_by_name_and_value() {
        let constants = [
            (
                "content-type",
                "text/plain; charset=utf-8",
                ConstantHeader::ContentType,
            ),
            ("cache-control", "no-store", ConstantHeader::CacheControl),
            ("allow", "GET, OPTIONS", ConstantHeader::Allow),
            ("vary", "Origin", ConstantHeader::Vary),
        ];
        for (name, value, constant) in constants {
            assert_eq!(ConstantHeader::of(name, value), Some(constant), "{name}");
            assert_eq!(ConstantHeader::of(name, "other"), None, "{name}");
            assert_eq!(ConstantHeader::of("x-other", value), None, "{name}");
            let longer = format!("{value}, x");
            assert_eq!(ConstantHeader::of(name, &longer), None, "{name}");
            assert_eq!(ConstantHeader::of(name, &value[1..]), None, "{name}");
        }
        // Every header of a token answer is a constant; a CORS echo of an origin is not.
        let answer = endpoint().decide(UserDecision::Issue(
            Identity::builder("user-1")
                .grant("*", Role::Writer)
                .build()
                .expect("identity"),
        ));
        assert!(!answer.headers().is_empty());
        for (name, value) in answer.headers() {
            assert!(ConstantHeader::of(name, value).is_some(), "{name}: {value}");
        }
        let echo = ConstantHeader::of("access-control-allow-origin", "https://editor.example.com");
        assert_eq!(echo, None);
    }

    fn endpoint() -> TokenEndpoint {
        let environment = Environment::new("ENV_TEST_123", KEY).expect("valid environment");
        let issuer = Issuer::builder(environment)
            .clock(FixedClock::at_unix_seconds(1_700_000_000))
            .lifetime(Duration::from_secs(3600))
            .build()
            .expect("issuer");
        TokenEndpoint::new(issuer)
    }

    fn writer() -> Identity {
        Identity::builder("user-1")
            .name("Writer")
            .grant("*", Role::Writer)
            .build()
            .expect("valid identity")
    }

    struct Suspended;

    impl TokenUser for Suspended {
        fn token_decision(&self) -> UserDecision {
            UserDecision::Refuse("suspended".into())
        }
    }

    fn assert_plain_no_store(response: &TokenResponse) {
        assert_eq!(
            response.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(response.header("cache-control"), Some("no-store"));
        assert_eq!(response.header("location"), None);
        let mut names: Vec<_> = response.headers().iter().map(|(name, _)| *name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(
            names.len(),
            response.headers().len(),
            "a header is repeated"
        );
    }

    #[test]
    fn a_user_with_an_identity_gets_the_bare_token() {
        let response = endpoint().decide(writer().into());
        assert_eq!(response.status(), 200);
        assert_eq!(response.outcome(), Outcome::Token);
        assert_plain_no_store(&response);
        assert_eq!(response.header("vary"), None);

        let body = response.body();
        assert!(!body.ends_with('\n') && !body.starts_with('"'));
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&["ENV_TEST_123"]);
        validation.validate_exp = false;
        let decoded = jsonwebtoken::decode::<serde_json::Value>(
            body,
            &DecodingKey::from_secret(KEY.as_bytes()).expect("an HMAC key"),
            &validation,
        )
        .expect("the token verifies");
        assert_eq!(decoded.claims["sub"], "user-1");
        assert_eq!(decoded.claims["exp"], 1_700_003_600);
        assert_eq!(
            decoded.claims["auth"]["collaboration"]["*"]["role"],
            "writer"
        );
        assert!(!format!("{response:?}").contains(body));
    }

    #[test]
    fn no_user_is_401_and_no_token() {
        let response = endpoint().no_user();
        assert_eq!(response.status(), 401);
        assert_eq!(response.body(), NO_USER_BODY);
        assert_eq!(response.body().split('.').count(), 2);
        assert_plain_no_store(&response);
    }

    #[test]
    fn extractor_rejections_are_judged_by_their_status() {
        let endpoint = endpoint();
        for status in [302, 303, 307, 400, 401, 403, 404] {
            assert_eq!(endpoint.user_rejected(status).status(), 401, "{status}");
        }
        for status in [500, 502, 503, 599] {
            let response = endpoint.user_rejected(status);
            assert_eq!(response.status(), 500, "{status}");
            assert_eq!(response.outcome(), Outcome::LookupFailed);
            assert_eq!(response.body(), FAILURE_BODY);
        }
    }

    #[test]
    fn an_answer_shows_its_status_and_body_and_gives_them_up() {
        let endpoint = endpoint();
        let answer = endpoint.no_user();
        let shown = format!("{answer:?}");
        assert!(
            shown.contains("401") && shown.contains(NO_USER_BODY),
            "{shown}"
        );
        assert_eq!(answer.into_body(), NO_USER_BODY);
        let policy = CorsPolicy::builder()
            .allow_origin("https://editor.example.test")
            .build()
            .expect("policy");
        assert_eq!(endpoint.with_cors(policy.clone()).cors(), &policy);
    }

    /// What a rejection that said `said` shows, with no key to hide.
    fn quoted(said: &dyn fmt::Display) -> String {
        let (text, cut) = first_chars(said, MAX_REJECTION_TEXT);
        quoted_start(&text, cut)
    }

    #[test]
    fn what_a_rejection_said_is_quoted_escaped_and_cut_by_characters() {
        assert_eq!(quoted(&"db down\nERROR x"), r#""db down\nERROR x""#);
        assert_eq!(
            quoted(&"a \"quote\"\t\u{1b}[31m"),
            r#""a \"quote\"\t\u{1b}[31m""#
        );
        assert_eq!(quoted(&""), r#""""#);
        let exact = "é".repeat(MAX_REJECTION_TEXT);
        assert_eq!(quoted(&exact), format!("\"{exact}\""));
        let long = format!("{exact}é");
        assert_eq!(quoted(&long), format!("\"{exact}\"…"));
    }

    #[test]
    fn a_long_rejection_is_not_formatted_past_the_cut() {
        /// Counts the pieces it is asked to write: a thousand of ten characters each.
        struct Endless(std::cell::Cell<usize>);

        impl fmt::Display for Endless {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                for _ in 0..1000 {
                    self.0.set(self.0.get() + 1);
                    f.write_str("0123456789")?;
                }
                Ok(())
            }
        }

        let endless = Endless(std::cell::Cell::new(0));
        let shown = quoted(&endless);
        assert_eq!(shown, format!("\"{}\"…", "0123456789".repeat(20)));
        assert_eq!(endless.0.get(), 21);
    }

    #[test]
    fn a_request_that_cannot_name_a_user_is_400_without_the_applications_reason() {
        let reason = "the query gives user twice";
        let response = endpoint().decide(UserDecision::BadRequest(reason.to_owned()));
        assert_eq!(
            (response.status(), response.outcome(), response.body()),
            (400, Outcome::BadRequest, BAD_REQUEST_BODY)
        );
        assert_plain_no_store(&response);
    }

    #[test]
    fn refusals_and_missing_grants_are_403() {
        let endpoint = endpoint();
        let refused = endpoint.for_user(&Suspended);
        assert_eq!((refused.status(), refused.body()), (403, REFUSED_BODY));
        assert_plain_no_store(&refused);

        let no_grant = Identity::builder("user-2").build();
        let response = endpoint.decide(no_grant.into());
        assert_eq!(response.status(), 403);
        assert_eq!(response.outcome(), Outcome::Refused);

        // An editor endpoint carries a CKBox-only user's grant; a collaboration one refuses it.
        let ckbox_only = || {
            Identity::builder("user-3")
                .ckbox(crate::CkboxRole::User)
                .build()
        };
        assert_eq!(endpoint.decide(ckbox_only().into()).status(), 200);
        let collaboration = endpoint.with_product(Product::Collaboration);
        let response = collaboration.decide(ckbox_only().into());
        assert_eq!(
            (response.status(), response.outcome()),
            (403, Outcome::Refused)
        );
    }

    #[test]
    fn failures_are_500_and_name_nothing_internal() {
        let endpoint = endpoint();
        let lookup = endpoint.lookup_failed(&"connection to db.internal:5432 refused");
        assert_eq!(lookup.status(), 500);
        assert!(!lookup.body().contains("db.internal"));
        assert_plain_no_store(&lookup);

        let avatar = format!("data:image/png;base64,{}", "A".repeat(100 * 1024));
        let built = Identity::builder("user-3")
            .avatar(avatar)
            .grant("*", Role::Reader)
            .build();
        let response = endpoint.decide(built.into());
        assert_eq!(response.status(), 500);
        assert_eq!(response.outcome(), Outcome::IssueFailed);
        assert_eq!(response.body(), FAILURE_BODY);
    }

    #[test]
    fn methods_other_than_get_are_answered_without_a_user() {
        let endpoint = endpoint();
        assert!(matches!(
            endpoint.on_method("GET"),
            MethodDecision::ResolveUser
        ));
        for method in ["POST", "PUT", "DELETE", "PATCH", "HEAD", "get", "TRACE"] {
            let MethodDecision::Respond(response) = endpoint.on_method(method) else {
                panic!("{method} must not resolve the user");
            };
            assert_eq!(response.status(), 405, "{method}");
            assert_eq!(response.header("allow"), Some("GET, OPTIONS"));
            assert_plain_no_store(&response);
        }
        let MethodDecision::Respond(options) = endpoint.on_method("OPTIONS") else {
            panic!("OPTIONS must not resolve the user");
        };
        assert_eq!((options.status(), options.body()), (200, ""));
        assert_eq!(options.header("allow"), Some("GET, OPTIONS"));
    }

    #[test]
    fn a_cross_origin_policy_adds_vary_origin_to_every_answer() {
        let policy = CorsPolicy::builder()
            .allow_origin("https://editor.example.test")
            .allow_credentials(true)
            .build()
            .expect("valid policy");
        let endpoint = endpoint().with_cors(policy);
        let answers = [
            endpoint.decide(writer().into()),
            endpoint.no_user(),
            endpoint.for_user(&Suspended),
            endpoint.lookup_failed(&"down"),
            endpoint.user_rejected(303),
        ];
        for response in answers {
            assert_eq!(response.header("vary"), Some("Origin"), "{response:?}");
            assert_plain_no_store(&response);
            let (status, body) = (response.status(), response.body().to_owned());
            let mut expected: Vec<_> = response.headers().to_vec();
            expected.retain(|(name, _)| *name != "vary");
            let without = response.without_vary();
            assert_eq!(without.header("vary"), None);
            assert_eq!(without.headers(), expected.as_slice());
            assert_eq!((without.status(), without.body()), (status, body.as_str()));
        }
    }

    #[cfg(feature = "http")]
    #[test]
    fn an_http_response_carries_the_answer_unchanged() {
        let policy = CorsPolicy::builder()
            .allow_origin("https://editor.example.test")
            .build()
            .expect("valid policy");
        let endpoint = endpoint().with_cors(policy);
        let MethodDecision::Respond(not_allowed) = endpoint.on_method("PUT") else {
            panic!("PUT is answered without a user");
        };
        for answer in [
            endpoint.decide(writer().into()),
            endpoint.no_user(),
            not_allowed,
        ] {
            let expected = answer.clone();
            let response = answer.into_http();
            assert_eq!(response.status().as_u16(), expected.status());
            assert_eq!(response.body(), expected.body());
            assert_eq!(response.headers().len(), expected.headers().len());
            for (name, value) in expected.headers() {
                let sent = response.headers().get(*name).map(|value| value.as_bytes());
                assert_eq!(sent, Some(value.as_bytes()), "{name}");
            }
        }
    }

    #[test]
    fn the_product_decides_the_claims() {
        let endpoint = endpoint().with_product(Product::CloudService);
        assert_eq!(endpoint.product(), Product::CloudService);
        let response = endpoint.decide(writer().into());
        let payload = response.body().split('.').nth(1).expect("a payload");
        let claims = crate::atob_decode(payload).expect("atob-safe payload");
        let claims: serde_json::Value = serde_json::from_slice(&claims).expect("JSON claims");
        // `aud` and `iat` only, although the issuer's tokens expire.
        assert_eq!(
            claims,
            serde_json::json!({"aud": "ENV_TEST_123", "iat": 1_700_000_000})
        );
    }
}
