//! What every server must answer before it is loaded, so that a benchmark never measures
//! errors: the hello route, a token for the signed-in user that verifies and carries the same
//! claims as every other server's, and a 401 without the session; the same token from the
//! control route. Also the example apps' sign-in.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::blocking::Client;
use serde_json::Value;

/// The HTTP client of the checks: no redirects followed, no proxy, a timeout.
///
/// # Errors
///
/// When the client cannot be built.
pub(crate) fn client() -> Result<Client, String> {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .map_err(|error| format!("no HTTP client: {error}"))
}

/// `GET {base}/hello` answers 200 with `hello`.
///
/// # Errors
///
/// When it does not.
pub(crate) fn hello(client: &Client, base: &str) -> Result<(), String> {
    let (status, body) = get(client, &format!("{base}/hello"), None)?;
    if status == 200 && body == "hello" {
        Ok(())
    } else {
        Err(format!("{base}/hello answered {status}: {body:?}"))
    }
}

/// The token route answers 401 without `cookie` and, with it, 200 and a token that verifies
/// with `key` for `audience`, expires an hour after it was issued, and has the same claims
/// (apart from the times) as the first server checked, whose claims `reference` keeps.
///
/// # Errors
///
/// When any of that is not so.
pub(crate) fn token(
    client: &Client,
    base: &str,
    cookie: &str,
    credentials: (&str, &str),
    reference: &mut Option<Value>,
) -> Result<(), String> {
    let url = format!("{base}/token");
    let (status, _) = get(client, &url, None)?;
    if status != 401 {
        return Err(format!(
            "{url} without a session answered {status}, not 401"
        ));
    }
    let (status, body) = get(client, &url, Some(cookie))?;
    if status != 200 {
        return Err(format!("{url} answered {status}: {body:?}"));
    }
    same_claims(&url, &body, credentials, reference)
}

/// The control route `/sign` answers 200, without a session, with a token that passes the same
/// checks as [`token`]'s and carries the same claims.
///
/// # Errors
///
/// When it does not.
pub(crate) fn control_route(
    client: &Client,
    base: &str,
    credentials: (&str, &str),
    reference: &mut Option<Value>,
) -> Result<(), String> {
    let url = format!("{base}/sign");
    let (status, body) = get(client, &url, None)?;
    if status != 200 {
        return Err(format!("{url} answered {status}: {body:?}"));
    }
    same_claims(&url, &body, credentials, reference)
}

/// `token` (from `url`) verifies with `key` for `audience`, expires an hour after it was issued,
/// and has the claims of `reference` apart from the times, or becomes the reference.
fn same_claims(
    url: &str,
    token: &str,
    (audience, key): (&str, &str),
    reference: &mut Option<Value>,
) -> Result<(), String> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["aud", "exp", "sub"]);
    let key = DecodingKey::from_secret(key.as_bytes()).map_err(|error| error.to_string())?;
    let mut claims = jsonwebtoken::decode::<Value>(token, &key, &validation)
        .map_err(|error| format!("the token of {url} does not verify: {error}"))?
        .claims;
    let object = claims
        .as_object_mut()
        .ok_or("the claims are not an object")?;
    let iat = object.remove("iat").and_then(|iat| iat.as_u64());
    let exp = object.remove("exp").and_then(|exp| exp.as_u64());
    if iat.zip(exp).map(|(iat, exp)| exp.checked_sub(iat)) != Some(Some(3600)) {
        return Err(format!(
            "the token of {url} does not expire an hour after `iat`"
        ));
    }
    match reference {
        Some(expected) if *expected != claims => Err(format!(
            "the token of {url} has other claims than the first server's: {claims} against \
             {expected}"
        )),
        Some(_) => Ok(()),
        None => {
            *reference = Some(claims);
            Ok(())
        }
    }
}

/// The token route answers a `GET` from `origin` with a token and `origin` in
/// `Access-Control-Allow-Origin`: the answer a CORS request is loaded for.
///
/// # Errors
///
/// When it does not.
pub(crate) fn cors_token(
    client: &Client,
    base: &str,
    cookie: &str,
    origin: &str,
) -> Result<(), String> {
    let url = format!("{base}/token");
    let response = client
        .get(&url)
        .header("cookie", cookie)
        .header("origin", origin)
        .send()
        .map_err(|error| format!("{url}: {error}"))?;
    let status = response.status().as_u16();
    let allowed = response
        .headers()
        .get("access-control-allow-origin")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    if status == 200 && allowed.as_deref() == Some(origin) {
        Ok(())
    } else {
        Err(format!(
            "{url} from {origin} answered {status} with Access-Control-Allow-Origin {allowed:?}"
        ))
    }
}

/// Signs `user` in with an example app's login form; the session cookie (`name=value`).
///
/// # Errors
///
/// When the app does not answer with a redirect that sets a cookie.
pub(crate) fn sign_in(client: &Client, base: &str, user: &str) -> Result<String, String> {
    let response = client
        .post(format!("{base}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("user={user}"))
        .send()
        .map_err(|error| format!("{base}/login: {error}"))?;
    if response.status() != 303 {
        return Err(format!("{base}/login answered {}", response.status()));
    }
    response
        .headers()
        .get("set-cookie")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(str::to_owned)
        .ok_or_else(|| format!("{base}/login set no cookie"))
}

fn get(client: &Client, url: &str, cookie: Option<&str>) -> Result<(u16, String), String> {
    let mut request = client.get(url);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().map_err(|error| format!("{url}: {error}"))?;
    let status = response.status().as_u16();
    let body = response
        .text()
        .map_err(|error| format!("{url}: unreadable body: {error}"))?;
    Ok((status, body))
}
