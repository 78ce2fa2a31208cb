//! The token route's CORS policy: which other origins may fetch a token, whether with
//! credentials, which request headers they may send, and how long a browser may cache a
//! preflight.
//!
//! The policy is checked when it is built, so every adapter can hand it to its framework's CORS
//! component without a check of its own: `*` with credentials, an origin with a path or without
//! a scheme, and a header name that is not a token are all errors here, never a panic or a
//! silent `*` later.

use std::borrow::Cow;
use std::time::Duration;

use crate::error::{Error, Result};

/// The longest preflight cache time accepted; browsers cap it lower still.
pub const MAX_PREFLIGHT_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// The only method a cross-origin caller may use on the token route.
pub const CORS_METHODS: &[&str] = &["GET"];

/// Which origins may call the token route from a browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedOrigins {
    /// Any origin (`*`); only without credentials. The adapters echo the caller's origin.
    Any,
    /// Exactly these origins, each as a browser writes it (`https://editor.example.com`). An
    /// empty list allows same-origin calls only.
    List(Vec<String>),
}

/// A checked CORS policy for the token route.
///
/// ```
/// use std::time::Duration;
/// use ckeditor_token_core::CorsPolicy;
///
/// let policy = CorsPolicy::builder()
///     .allow_origin("https://editor.example.com")
///     .allow_credentials(true)
///     .allow_headers(["Authorization", "X-Document-Id"])
///     .max_age(Duration::from_secs(600))
///     .build()?;
/// assert!(policy.allows_origin("https://editor.example.com"));
/// assert!(!policy.allows_origin("https://elsewhere.example.com"));
/// assert_eq!(policy.allowed_headers(), ["authorization", "x-document-id"]);
///
/// let any_with_credentials = CorsPolicy::builder().allow_origin("*").allow_credentials(true);
/// assert!(any_with_credentials.build().is_err());
/// # Ok::<(), ckeditor_token_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsPolicy {
    origins: AllowedOrigins,
    credentials: bool,
    headers: Vec<String>,
    max_age: Option<Duration>,
}

impl Default for CorsPolicy {
    fn default() -> Self {
        CorsPolicy::same_origin()
    }
}

impl CorsPolicy {
    /// No cross-origin access: only pages served from the token route's own origin may fetch
    /// tokens. The default.
    pub fn same_origin() -> Self {
        CorsPolicy {
            origins: AllowedOrigins::List(Vec::new()),
            credentials: false,
            headers: Vec::new(),
            max_age: None,
        }
    }

    /// Starts a policy; [`build`](CorsPolicyBuilder::build) checks it.
    pub fn builder() -> CorsPolicyBuilder {
        CorsPolicyBuilder::default()
    }

    /// The allowed origins.
    pub fn origins(&self) -> &AllowedOrigins {
        &self.origins
    }

    /// Whether cross-origin callers may send credentials: cookies, and the browser's own HTTP
    /// authentication (`Access-Control-Allow-Credentials: true`). An `Authorization` header
    /// that the page's script sets is not one: [`CorsPolicyBuilder::allow_header`] allows it.
    pub fn allows_credentials(&self) -> bool {
        self.credentials
    }

    /// The request headers a cross-origin caller may send, lowercase, in the order given.
    pub fn allowed_headers(&self) -> &[String] {
        &self.headers
    }

    /// How long a browser may cache a preflight answer (`Access-Control-Max-Age`).
    pub fn max_age(&self) -> Option<Duration> {
        self.max_age
    }

    /// The methods a cross-origin caller may use: `GET` only.
    pub fn allowed_methods(&self) -> &'static [&'static str] {
        CORS_METHODS
    }

    /// Whether any other origin may call the route at all. When false, adapters add no CORS
    /// headers and the route's answers do not vary by `Origin`.
    pub fn is_cross_origin(&self) -> bool {
        match &self.origins {
            AllowedOrigins::Any => true,
            AllowedOrigins::List(origins) => !origins.is_empty(),
        }
    }

    /// Whether a request with this method is one for the framework's CORS component: a CORS
    /// request, which has an `Origin` (`has_origin`), to a route that admits other origins, and
    /// not a plain `OPTIONS`, one without `Access-Control-Request-Method` or with an empty one
    /// (it names no method), which is no preflight. `request_method` gives that header's value,
    /// if the request has it; it is asked only for an `OPTIONS` with `Origin` to such a route,
    /// the one request it decides, so that other requests skip the lookup.
    ///
    /// An adapter whose CORS component would see every request passes the others by, so that
    /// they get the core's answer as it is, with the core's `Vary: Origin` when the policy admits
    /// other origins, as through every adapter:
    /// - a request without `Origin` (same-origin, or not from a browser) needs no CORS headers,
    ///   and some components would answer a preflight-shaped one themselves, with an error;
    /// - on a route that admits no other origin, a request with `Origin` is answered as a
    ///   same-origin one: without CORS headers, which the browser then blocks, and without
    ///   `Vary`, since no answer of the route depends on `Origin`;
    /// - a plain `OPTIONS` gets the core's 200 with `Allow` and no CORS headers, where some
    ///   components would answer it as a preflight or add their headers to it. No browser sends
    ///   one across origins: an `OPTIONS` request needs a preflight that allows the method, and
    ///   the policy allows `GET` only.
    ///
    /// ```
    /// use ckeditor_token_core::CorsPolicy;
    ///
    /// let policy = CorsPolicy::builder()
    ///     .allow_origin("https://editor.example.com")
    ///     .build()?;
    /// assert!(policy.is_component_request("GET", true, || None));
    /// assert!(policy.is_component_request("OPTIONS", true, || Some(b"GET")));
    /// assert!(!policy.is_component_request("OPTIONS", true, || None));
    /// assert!(!policy.is_component_request("OPTIONS", true, || Some(b"")));
    /// assert!(!policy.is_component_request("GET", false, || None));
    ///
    /// let same_origin = CorsPolicy::default();
    /// assert!(!same_origin.is_component_request("GET", true, || None));
    /// # Ok::<(), ckeditor_token_core::Error>(())
    /// ```
    pub fn is_component_request<'h>(
        &self,
        method: &str,
        has_origin: bool,
        request_method: impl FnOnce() -> Option<&'h [u8]>,
    ) -> bool {
        let names_a_method = || request_method().is_some_and(|name| !name.trim_ascii().is_empty());
        has_origin && self.is_cross_origin() && (method != "OPTIONS" || names_a_method())
    }

    /// Whether a request with this `Origin` header gets `Access-Control-Allow-Origin`.
    pub fn allows_origin(&self, origin: &str) -> bool {
        match &self.origins {
            AllowedOrigins::Any => true,
            AllowedOrigins::List(origins) => origins.iter().any(|allowed| allowed == origin),
        }
    }
}

/// Collects a [`CorsPolicy`].
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct CorsPolicyBuilder {
    origins: Vec<String>,
    credentials: bool,
    headers: Vec<String>,
    max_age: Option<Duration>,
}

impl CorsPolicyBuilder {
    /// Allows an origin, written as a browser sends it: `https://editor.example.com`, or
    /// `http://localhost:3000`. `*` alone allows any origin.
    pub fn allow_origin(mut self, origin: impl Into<String>) -> Self {
        self.origins.push(origin.into());
        self
    }

    /// Allows several origins; see [`allow_origin`](Self::allow_origin).
    pub fn allow_origins<S: Into<String>>(mut self, origins: impl IntoIterator<Item = S>) -> Self {
        self.origins.extend(origins.into_iter().map(Into::into));
        self
    }

    /// Allows any origin. Cannot be combined with credentials.
    pub fn allow_any_origin(self) -> Self {
        self.allow_origin("*")
    }

    /// Lets allowed origins send credentials: cookies, and the browser's own HTTP
    /// authentication. An `Authorization` header that the page's script sets (a `tokenUrl`
    /// function's) needs no credentials, only [`allow_header`](Self::allow_header).
    pub fn allow_credentials(mut self, allow: bool) -> Self {
        self.credentials = allow;
        self
    }

    /// Lets allowed origins send a request header, such as `authorization`. Preflight answers
    /// list the allowed headers to any page that asks, so a name must hold nothing secret.
    pub fn allow_header(mut self, name: impl Into<String>) -> Self {
        self.headers.push(name.into());
        self
    }

    /// Lets allowed origins send several request headers.
    pub fn allow_headers<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.headers.extend(names.into_iter().map(Into::into));
        self
    }

    /// Lets browsers cache a preflight answer this long (whole seconds, at most 24 hours).
    pub fn max_age(mut self, age: Duration) -> Self {
        self.max_age = Some(Duration::from_secs(age.as_secs()));
        self
    }

    /// Checks the policy.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidEndpoint`] for any origin (`*`) with credentials, `*` mixed with listed
    /// origins, credentials with no origin allowed, an origin that is not `scheme://host[:port]`
    /// as a browser writes it (a path, a trailing `/`, no scheme, uppercase, a default port, an
    /// IP address in another form than the browser's: `http://127.1`, `http://[0:0::1]`), an
    /// origin or header given twice, a header name that is not an HTTP token or is `*`, and a
    /// max age over 24 hours.
    pub fn build(self) -> Result<CorsPolicy> {
        let any = self.origins.iter().any(|origin| origin == "*");
        let origins = if any {
            if self.origins.len() > 1 {
                return Err(invalid(
                    "`*` allows every origin, so list either `*` or origins, not both",
                ));
            }
            if self.credentials {
                return Err(invalid(
                    "any origin (`*`) cannot be combined with credentials; list the editor's \
                     origins instead, for example https://editor.example.com",
                ));
            }
            AllowedOrigins::Any
        } else {
            for (index, origin) in self.origins.iter().enumerate() {
                check_origin(origin)?;
                if self.origins[..index].contains(origin) {
                    return Err(invalid(format!("the origin {origin:?} is listed twice")));
                }
            }
            if self.credentials && self.origins.is_empty() {
                return Err(invalid(
                    "credentials are allowed but no origin is; list the origins that may send \
                     them",
                ));
            }
            AllowedOrigins::List(self.origins)
        };

        let mut headers: Vec<String> = Vec::with_capacity(self.headers.len());
        for name in &self.headers {
            let name = check_header_name(name)?;
            if headers.contains(&name) {
                return Err(invalid(format!("the header {name:?} is listed twice")));
            }
            headers.push(name);
        }

        if let Some(age) = self.max_age
            && age > MAX_PREFLIGHT_AGE
        {
            return Err(invalid(format!(
                "a preflight max age of {} s is over the limit of 86400 s; browsers cap it \
                 at 7200 s or less anyway",
                age.as_secs()
            )));
        }

        Ok(CorsPolicy {
            origins,
            credentials: self.credentials,
            headers,
            max_age: self.max_age,
        })
    }
}

fn invalid(problem: impl Into<String>) -> Error {
    Error::InvalidEndpoint {
        problem: format!("CORS policy: {}", problem.into()),
    }
}

/// `url` (an origin, or any URL a setting gives) for a message: whatever precedes its last `@`
/// after the scheme (letters, digits, `+`, `-` and `.` from a letter on, then `://`), or from
/// the start when there is no such scheme, is replaced by `…`, so that a user name and password
/// never reach a log. Text without `@` is returned as it is.
///
/// ```
/// use ckeditor_token_core::endpoint::without_user_information;
///
/// assert_eq!(without_user_information("https://ann:pw@a.test/me"), "https://…@a.test/me");
/// assert_eq!(without_user_information("ann:pw@https://a.test"), "…@https://a.test");
/// assert_eq!(without_user_information("https://a.test"), "https://a.test");
/// ```
pub fn without_user_information(url: &str) -> Cow<'_, str> {
    let Some(at) = url.rfind('@') else {
        return Cow::Borrowed(url);
    };
    let start = url
        .find("://")
        .filter(|&scheme_end| scheme_end + 3 <= at && is_scheme(&url[..scheme_end]))
        .map_or(0, |scheme_end| scheme_end + 3);
    Cow::Owned(format!("{}…{}", &url[..start], &url[at..]))
}

/// Whether `text` has the form of a URL scheme: a letter, then letters, digits, `+`, `-`, `.`.
fn is_scheme(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_alphabetic())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

/// Checks that `origin` is an origin exactly as a browser serializes it in the `Origin` header:
/// `http` or `https`, `://`, a lowercase host (an IP address as [`browser_address`] writes it),
/// and a port only when it is not the default.
fn check_origin(origin: &str) -> Result<()> {
    let shown = without_user_information(origin);
    let bad = |what: &str| {
        invalid(format!(
            "the origin {shown:?} {what}; write it as a browser sends it, for example \
             https://editor.example.com or http://localhost:3000"
        ))
    };
    if origin.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad(
            "has spaces, line breaks or other control characters, which an origin never has",
        ));
    }
    let Some((scheme, rest)) = origin.split_once("://") else {
        // `javascript:alert`, `mailto:x` or `data:,` name a scheme, just not a web one.
        let names_scheme = origin
            .split_once(':')
            .is_some_and(|(scheme, _)| is_scheme(scheme));
        return Err(bad(if names_scheme {
            "does not start with http:// or https://"
        } else {
            "has no scheme"
        }));
    };
    let default_port = match scheme {
        "https" => "443",
        "http" => "80",
        _ => return Err(bad("does not start with http:// or https://")),
    };
    if rest.contains(['/', '?', '#']) {
        return Err(bad(
            "has a path, query or fragment (an origin has none, not even `/`)",
        ));
    }
    if rest.contains('@') {
        return Err(bad("has user information"));
    }
    let (host, port) = split_port(rest).ok_or_else(|| bad("has a malformed host or port"))?;
    if let Some(port) = port {
        if port == default_port {
            return Err(bad(
                "names the scheme's default port, which browsers leave out",
            ));
        }
        let numeric = !port.is_empty() && !port.starts_with('0') && port.len() <= 5;
        if !numeric || port.parse::<u16>().is_err() {
            return Err(bad("has a port that is not a number from 1 to 65535"));
        }
    }
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(bad(
            "has uppercase letters (browsers send the host in lowercase)",
        ));
    }
    if !host.is_ascii() {
        return Err(bad(
            "has letters outside ASCII in its host: browsers send such a host in its punycode \
             form (xn--...), so give that",
        ));
    }
    if !is_host(host) {
        return Err(bad("has no valid host name"));
    }
    match browser_address(host) {
        Some(written) if written.is_empty() => Err(bad(
            "has a host that ends in a number but is no IP address, which browsers refuse",
        )),
        Some(written) if written != host => {
            let port = port.map(|port| format!(":{port}")).unwrap_or_default();
            Err(bad(&format!(
                "has an IP address in a form no browser sends: it sends \
                 {scheme}://{written}{port}"
            )))
        }
        _ => Ok(()),
    }
}

/// How a browser writes `host`, a host [`is_host`] accepts, when it is an IP address, which it
/// may write otherwise (URL Standard, "host serializing"): an IPv6 address in lowercase
/// hexadecimal without leading zeros, its first longest run of two or more zero pieces as `::`
/// (an IPv4-mapped one in hexadecimal too); a host whose last label is a number (decimal, or
/// hexadecimal after `0x`) is an IPv4 address, in four decimal numbers. `None` for a domain name;
/// an empty text for a number no browser reads as an address (`1.2.3.4.5`, `a.1`), which it
/// refuses.
fn browser_address(host: &str) -> Option<String> {
    if let Some(address) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        let pieces = address.parse::<std::net::Ipv6Addr>().ok()?.segments();
        return Some(format!("[{}]", ipv6_text(&pieces)));
    }
    let last = host.rsplit('.').next().unwrap_or_default();
    let hex = last.strip_prefix("0x");
    let numeric = hex.map_or(
        !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()),
        |h| h.bytes().all(|b| b.is_ascii_hexdigit()),
    );
    if !numeric {
        return None;
    }
    Some(
        ipv4_number(host)
            .map(|number| std::net::Ipv4Addr::from(number).to_string())
            .unwrap_or_default(),
    )
}

/// The pieces of an IPv6 address as the URL Standard writes them.
fn ipv6_text(pieces: &[u16; 8]) -> String {
    // The first longest run of two or more zero pieces.
    let (mut run, mut best) = ((0, 0), (0, 0));
    for (index, &piece) in pieces.iter().enumerate() {
        if piece == 0 {
            run = if run.1 == 0 {
                (index, 1)
            } else {
                (run.0, run.1 + 1)
            };
            if run.1 > best.1 {
                best = run;
            }
        } else {
            run = (0, 0);
        }
    }
    let hex = |range: &[u16]| {
        range
            .iter()
            .map(|piece| format!("{piece:x}"))
            .collect::<Vec<_>>()
            .join(":")
    };
    if best.1 < 2 {
        return hex(pieces);
    }
    let (start, end) = (best.0, best.0 + best.1);
    format!("{}::{}", hex(&pieces[..start]), hex(&pieces[end..]))
}

/// The IPv4 address a browser reads in `host` (URL Standard, "IPv4 parser"): one to four
/// numbers, each decimal, hexadecimal after `0x` or octal after `0`, the last filling the bytes
/// the others leave; `None` when it reads none.
fn ipv4_number(host: &str) -> Option<u32> {
    let parts: Vec<&str> = host.split('.').collect();
    if parts.len() > 4 {
        return None;
    }
    let numbers = parts
        .iter()
        .map(|part| {
            let (digits, radix) = match part.strip_prefix("0x") {
                Some(hex) => (hex, 16),
                None if part.len() > 1 && part.starts_with('0') => (&part[1..], 8),
                None => (*part, 10),
            };
            if digits.is_empty() {
                return Some(0);
            }
            u64::from_str_radix(digits, radix).ok()
        })
        .collect::<Option<Vec<u64>>>()?;
    let (last, first) = numbers.split_last()?;
    if first.iter().any(|&number| number > 255) {
        return None;
    }
    let room = 8 * (5 - numbers.len() as u32);
    if *last >= 1_u64 << room.min(32) {
        return None;
    }
    let leading = first
        .iter()
        .enumerate()
        .fold(0_u64, |sum, (index, &number)| {
            sum + (number << (8 * (3 - index)))
        });
    u32::try_from(leading + last).ok()
}

/// Splits `host[:port]` or `[v6]:port`; `None` when the brackets do not close properly.
fn split_port(authority: &str) -> Option<(&str, Option<&str>)> {
    if let Some(inner) = authority.strip_prefix('[') {
        let (address, after) = inner.split_once(']')?;
        let host = &authority[..address.len() + 2];
        return match after {
            "" => Some((host, None)),
            _ => after.strip_prefix(':').map(|port| (host, Some(port))),
        };
    }
    Some(match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    })
}

/// A DNS name of letters, digits and inner hyphens, or a bracketed IPv6 address.
fn is_host(host: &str) -> bool {
    if let Some(address) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return address.parse::<std::net::Ipv6Addr>().is_ok();
    }
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// The longest request header name a policy may list, in bytes: far above any real header, and
/// far below what servers refuse to start with.
pub const MAX_HEADER_NAME_LEN: usize = 256;

/// Lowercases a header name after checking that it is an HTTP token (RFC 9110, section 5.6.2).
fn check_header_name(name: &str) -> Result<String> {
    if name == "*" {
        return Err(invalid(
            "the header `*` is a wildcard only without credentials and unknown to some \
             browsers; list the headers by name",
        ));
    }
    let is_tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.len() > MAX_HEADER_NAME_LEN {
        return Err(invalid(format!(
            "a header name of {} bytes is over the limit of {MAX_HEADER_NAME_LEN}",
            name.len()
        )));
    }
    if name.is_empty() || !name.bytes().all(is_tchar) {
        return Err(invalid(format!(
            "{name:?} is not a header name such as x-document-id (letters, digits and \
             !#$%&'*+-.^_`|~ only)"
        )));
    }
    Ok(name.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(result: Result<CorsPolicy>) -> String {
        match result {
            Err(Error::InvalidEndpoint { problem }) => problem,
            other => panic!("expected an endpoint error, got {other:?}"),
        }
    }

    #[test]
    fn only_a_cors_request_goes_to_the_component_and_only_an_options_looks_for_a_preflight() {
        let listed = CorsPolicy::builder()
            .allow_origin("https://editor.example.test")
            .build()
            .expect("valid policy");
        let any = CorsPolicy::builder()
            .allow_any_origin()
            .build()
            .expect("valid policy");
        for (policy, cross_origin) in [
            (&listed, true),
            (&any, true),
            (&CorsPolicy::default(), false),
        ] {
            for method in ["GET", "OPTIONS", "POST", "options"] {
                for has_origin in [false, true] {
                    for request_method in [None, Some(&b""[..]), Some(b" "), Some(b"GET")] {
                        let mut lookups = 0;
                        let goes = policy.is_component_request(method, has_origin, || {
                            lookups += 1;
                            request_method
                        });
                        let case = format!(
                            "cross-origin {cross_origin}, {method}, origin {has_origin}, ACRM \
                             {request_method:?}"
                        );
                        // A CORS request to a cross-origin route, except a plain `OPTIONS`, one
                        // that is no preflight (methods compare exactly, so `options` is not one),
                        // as an empty request method names no method.
                        let plain_options = method == "OPTIONS" && request_method != Some(b"GET");
                        let expected = cross_origin && has_origin && !plain_options;
                        assert_eq!(goes, expected, "{case}");
                        let asked = usize::from(cross_origin && has_origin && method == "OPTIONS");
                        assert_eq!(lookups, asked, "{case}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_default_allows_no_other_origin() {
        let policy = CorsPolicy::default();
        assert!(!policy.is_cross_origin());
        assert!(!policy.allows_origin("https://editor.example.test"));
        assert!(!policy.allows_credentials());
    }

    #[test]
    fn listed_origins_and_headers_are_kept() {
        let policy = CorsPolicy::builder()
            .allow_origins(["https://editor.example.test", "http://localhost:3000"])
            .allow_origin("http://[::1]:8080")
            .allow_credentials(true)
            .allow_headers(["Authorization", "x-document-id"])
            .max_age(Duration::from_millis(600_900))
            .build()
            .expect("valid policy");
        assert!(policy.is_cross_origin());
        assert!(policy.allows_origin("https://editor.example.test"));
        assert!(policy.allows_origin("http://[::1]:8080"));
        assert!(!policy.allows_origin("https://editor.example.test.evil.test"));
        assert!(!policy.allows_origin("https://EDITOR.example.test"));
        assert_eq!(policy.allowed_headers(), ["authorization", "x-document-id"]);
        assert_eq!(policy.max_age(), Some(Duration::from_secs(600)));
        assert_eq!(policy.allowed_methods(), ["GET"]);
        assert!(policy.allows_credentials());
    }

    #[test]
    fn a_preflight_may_be_cached_for_a_day_and_no_longer() {
        assert_eq!(MAX_PREFLIGHT_AGE, Duration::from_secs(86_400));
        let age = |seconds| {
            CorsPolicy::builder()
                .allow_origin("https://a.test")
                .max_age(Duration::from_secs(seconds))
                .build()
        };
        let day = age(86_400).expect("a day is allowed");
        assert_eq!(day.max_age(), Some(Duration::from_secs(86_400)));
        assert!(age(86_401).is_err());
    }

    #[test]
    fn origins_with_digits_hyphens_or_an_ipv6_host_are_accepted() {
        for origin in [
            "http://127.0.0.1:8080",
            "https://my-editor.example.test",
            "https://editor2.example.test",
            "http://[::1]",
        ] {
            let policy = CorsPolicy::builder().allow_origin(origin).build();
            let policy = policy.unwrap_or_else(|error| panic!("{origin}: {error}"));
            assert!(policy.allows_origin(origin), "{origin}");
        }
        for origin in ["https://a_b.test", "https://-a.test", "https://a-.test"] {
            let refused = problem(CorsPolicy::builder().allow_origin(origin).build());
            assert!(
                refused.contains("has no valid host name"),
                "{origin}: {refused}"
            );
        }
    }

    /// An IP address is allowed as a browser writes it in `Origin`, since no other form ever
    /// matches; the forms worked out by hand from the URL Standard's IPv4 and IPv6 parsers and
    /// serializers.
    #[test]
    fn an_ip_address_is_allowed_only_as_a_browser_writes_it() {
        for origin in [
            "http://10.0.0.255",
            "http://[2001:db8::1]:3000",
            "http://[::ffff:7f00:1]",
            "http://[1:0:0:2::3]",
            "http://[1::2:0:0:3:4]",
            "http://[1:2:3:4:5:6:7:8]",
            "http://[1:0:2:3:4:5:6:7]",
        ] {
            let policy = CorsPolicy::builder().allow_origin(origin).build();
            assert!(policy.is_ok(), "{origin}: {policy:?}");
        }
        for (origin, written) in [
            ("http://[0:0::1]:3000", "http://[::1]:3000"),
            ("http://[::ffff:127.0.0.1]", "http://[::ffff:7f00:1]"),
            ("https://[2001:0db8::1]", "https://[2001:db8::1]"),
            ("http://[1:0:0:2:0:0:0:3]", "http://[1:0:0:2::3]"),
            ("http://[1:0:0:2:0:0:3:4]", "http://[1::2:0:0:3:4]"),
            ("http://[1:2:3:4:5:6:7::]", "http://[1:2:3:4:5:6:7:0]"),
            ("http://127.000.0.1:3000", "http://127.0.0.1:3000"),
            ("http://0x7f.0.0.1", "http://127.0.0.1"),
            ("http://2130706433", "http://127.0.0.1"),
            ("https://127.1:8443", "https://127.0.0.1:8443"),
            ("http://10.1.258", "http://10.1.1.2"),
            ("http://0300.0250.0.1", "http://192.168.0.1"),
        ] {
            let message = problem(CorsPolicy::builder().allow_origin(origin).build());
            let says = format!("in a form no browser sends: it sends {written}");
            assert!(message.contains(&says), "{origin}: {message}");
        }
        for origin in [
            "http://1.2.3.4.5",
            "http://example.123",
            "http://256.1.1.1",
            "http://1.2.3.256",
            "http://a.0x1f",
            "http://4294967296",
        ] {
            let message = problem(CorsPolicy::builder().allow_origin(origin).build());
            assert!(message.contains("no IP address"), "{origin}: {message}");
        }
    }

    #[test]
    fn user_information_is_cut_after_a_short_scheme_too() {
        assert_eq!(
            without_user_information("ws://ann:pw@a.test"),
            "ws://…@a.test"
        );
        assert_eq!(without_user_information("x://ann@a.test"), "x://…@a.test");
    }

    #[test]
    fn any_origin_is_allowed_only_without_credentials() {
        let any = CorsPolicy::builder()
            .allow_any_origin()
            .build()
            .expect("valid");
        assert_eq!(any.origins(), &AllowedOrigins::Any);
        assert!(any.allows_origin("https://anything.example.test"));

        for builder in [
            CorsPolicy::builder()
                .allow_any_origin()
                .allow_credentials(true),
            CorsPolicy::builder()
                .allow_origin("*")
                .allow_credentials(true),
        ] {
            let message = problem(builder.build());
            assert!(message.contains("credentials"), "{message}");
        }
        let mixed = CorsPolicy::builder().allow_origins(["*", "https://a.test"]);
        assert!(problem(mixed.build()).contains("not both"));
    }

    #[test]
    fn malformed_origins_are_rejected_with_the_origin_named() {
        let cases = [
            ("https://x.test/", "path"),
            ("https://x.test/editor", "path"),
            ("https://x.test?x=1", "path"),
            ("x.test", "no scheme"),
            ("//x.test", "no scheme"),
            ("ftp://x.test", "http:// or https://"),
            ("HTTPS://x.test", "http:// or https://"),
            ("https://X.test", "uppercase"),
            ("https://x.test:443", "default port"),
            ("http://x.test:80", "default port"),
            ("https://x.test:", "port"),
            ("https://x.test:99999", "port"),
            ("https://x.test:08080", "port"),
            ("https://", "host"),
            ("https://-x.test", "host"),
            ("https://x..test", "host"),
            ("https://[::1", "host or port"),
            ("https://[nonsense]", "host"),
            ("https://exämple.test", "punycode form (xn--...)"),
            ("https://x.test ", "spaces, line breaks"),
            ("https://a.com\r\nX: y", "spaces, line breaks"),
            (
                "javascript:alert",
                "does not start with http:// or https://",
            ),
            ("data:,", "does not start with http:// or https://"),
            ("null", "no scheme"),
            ("", "no scheme"),
        ];
        for (origin, phrase) in cases {
            let message = problem(CorsPolicy::builder().allow_origin(origin).build());
            assert!(message.contains(phrase), "{origin}: {message}");
            assert!(
                message.contains(&format!("{origin:?}")),
                "{origin}: {message}"
            );
        }
    }

    #[test]
    fn user_information_in_an_origin_is_not_shown() {
        let cases = [
            (
                "https://user:pw-8675309@x.test",
                "\"https://…@x.test\" has user information",
            ),
            (
                "https://user@x.test",
                "\"https://…@x.test\" has user information",
            ),
            (
                "user:pw-8675309@x.test",
                "\"…@x.test\" does not start with http:// or https://",
            ),
            ("pw-8675309@x.test", "\"…@x.test\" has no scheme"),
            ("https://a@b@x.test/", "\"https://…@x.test/\" has a path"),
            (
                "user:pw-8675309@https://x.test",
                "\"…@https://x.test\" does not start with",
            ),
            (
                "http:user:pw-8675309://x@x.test",
                "\"…@x.test\" does not start with",
            ),
        ];
        for (origin, expected) in cases {
            let message = problem(CorsPolicy::builder().allow_origin(origin).build());
            assert!(message.contains(expected), "{origin}: {message}");
            assert!(!message.contains("pw-8675309"), "{message}");
        }
    }

    #[test]
    fn duplicates_wildcard_headers_and_long_max_ages_are_rejected() {
        let twice = CorsPolicy::builder().allow_origins(["https://a.test", "https://a.test"]);
        assert!(problem(twice.build()).contains("twice"));
        let header_twice = CorsPolicy::builder().allow_headers(["Authorization", "authorization"]);
        assert!(problem(header_twice.build()).contains("twice"));
        assert!(problem(CorsPolicy::builder().allow_header("*").build()).contains("wildcard"));
        let longest = "a".repeat(MAX_HEADER_NAME_LEN);
        assert!(CorsPolicy::builder().allow_header(&longest).build().is_ok());
        let message = problem(CorsPolicy::builder().allow_header(longest + "a").build());
        assert!(
            message.ends_with("a header name of 257 bytes is over the limit of 256"),
            "{message}"
        );
        for name in ["", "x document", "x:y", "é"] {
            let message = problem(CorsPolicy::builder().allow_header(name).build());
            assert!(message.contains("not a header name"), "{name}: {message}");
        }
        let long = CorsPolicy::builder().max_age(Duration::from_secs(86_401));
        assert!(problem(long.build()).contains("86401"));
        let credentials_alone = CorsPolicy::builder().allow_credentials(true);
        assert!(problem(credentials_alone.build()).contains("no origin"));
    }
}
