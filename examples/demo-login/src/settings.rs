//! The text of the settings that the example apps and the `ckeditor-token` command share, read
//! the same way by both, so that `CKEDITOR_TOKEN_LIFETIME=30m` or
//! `CKEDITOR_TOKEN_CORS_CREDENTIALS=yes` means the same wherever it is set.
//!
//! | kind | accepted | parser |
//! | --- | --- | --- |
//! | duration | a whole number, and `s`, `ms`, `m`, `h` or no unit | [`parse_duration`] |
//! | whole seconds | a duration without a fraction of a second | [`parse_whole_seconds`] |
//! | token lifetime | whole seconds, or `none` for tokens without `exp` | [`parse_expiry`] |
//! | header timeout | a duration within [`HEADER_TIMEOUT_RANGE`] | [`parse_header_timeout`] |
//! | flag | `true`, `1`, `yes`; `false`, `0`, `no`, or blank; in any case | [`parse_flag`] |
//! | list | items between commas, trimmed; empty items are dropped | [`parse_list`] |
//!
//! [`cors_policy`] builds the CORS policy from the CORS settings and says which of them a
//! problem is in.
//!
//! Each parser's error is the problem alone, for the caller to put after the setting's name. A
//! refused duration is quoted only when it is short enough to be one (16 characters or fewer),
//! and a flag never is: a secret pasted into the wrong setting must not reach the log.

use std::fmt;
use std::ops::RangeInclusive;
use std::time::Duration;

use ckeditor_token_core::{
    ACCESS_KEY_VAR, AllowedOrigins, CorsPolicy, CorsPolicyBuilder, Expiry, KeySearch, KeySet,
    SECRET_KEY_VAR,
};

/// How long a client gets to send a request's headers, and how long a connection may stay idle
/// after an answer, before it is disconnected, unless `CKEDITOR_TOKEN_HEADER_TIMEOUT` says
/// otherwise.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// The header timeouts accepted: long enough for a slow network, short enough that stalled
/// clients cannot hold many connections.
pub const HEADER_TIMEOUT_RANGE: RangeInclusive<Duration> =
    Duration::from_secs(1)..=Duration::from_secs(5 * 60);

/// The longest text quoted in an error.
const MAX_QUOTED_LEN: usize = 16;

/// What an error calls `text`: the text, quoted, when it is short enough to be a setting's
/// value; otherwise words that do not show it.
fn quoted(text: &str) -> String {
    if text.chars().count() <= MAX_QUOTED_LEN {
        format!("{text:?}")
    } else {
        "the value (not shown, as it is too long to be one and may be a secret)".to_owned()
    }
}

/// The origins a CORS policy lets fetch tokens, as the start-up logs write them: `any`,
/// `same origin only`, or the list.
pub fn describe_origins(origins: &AllowedOrigins) -> String {
    match origins {
        AllowedOrigins::Any => "any".to_owned(),
        AllowedOrigins::List(origins) if origins.is_empty() => "same origin only".to_owned(),
        AllowedOrigins::List(origins) => origins.join(", "),
    }
}

/// `duration` as people write it: `90 s`, `5 min`, `2 h`, or milliseconds (microseconds)
/// when it has a fraction of a second (of a millisecond).
pub fn describe(duration: Duration) -> String {
    let millis = duration.as_millis();
    let seconds = duration.as_secs();
    if !duration.subsec_nanos().is_multiple_of(1_000_000) {
        format!("{} µs", duration.as_micros())
    } else if !millis.is_multiple_of(1000) {
        format!("{millis} ms")
    } else if seconds >= 3600 && seconds.is_multiple_of(3600) {
        format!("{} h", seconds / 3600)
    } else if seconds >= 60 && seconds.is_multiple_of(60) {
        format!("{} min", seconds / 60)
    } else {
        format!("{seconds} s")
    }
}

/// Parses a duration: a whole number followed by nothing or `s`/`sec` (seconds), `ms`,
/// `m`/`min` or `h`, with blanks allowed around the number and the unit.
///
/// # Errors
///
/// Text that is none of those (a sign, a fraction or another unit included), or a duration
/// too long to count in milliseconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let digits_end = text
        .bytes()
        .position(|byte| !byte.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits_end);
    let millis_per_unit: u64 = match unit.trim() {
        "" | "s" | "sec" => 1000,
        "ms" => 1,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        _ => 0,
    };
    if number.is_empty() || millis_per_unit == 0 {
        return Err(format!(
            "{} is not a duration; write a whole number with an optional unit (s, ms, m, h), \
             such as 90s or 2m",
            quoted(text)
        ));
    }
    number
        .parse::<u64>()
        .ok()
        .and_then(|number| number.checked_mul(millis_per_unit))
        .map(Duration::from_millis)
        .ok_or_else(|| format!("{} is too long a duration", quoted(text)))
}

/// Parses a duration as [`parse_duration`] does, for a setting counted in whole seconds.
///
/// # Errors
///
/// As [`parse_duration`], and for a duration with a fraction of a second.
pub fn parse_whole_seconds(text: &str) -> Result<Duration, String> {
    let duration = parse_duration(text)?;
    if duration.subsec_nanos() != 0 {
        return Err(format!(
            "{} is not a whole number of seconds; this setting is counted in seconds",
            describe(duration)
        ));
    }
    Ok(duration)
}

/// Parses a token lifetime: `none` (in any case) for tokens without `exp`, or whole seconds as
/// [`parse_whole_seconds`] reads them. Whether the issuer accepts the lifetime is the issuer's
/// check.
///
/// # Errors
///
/// As [`parse_whole_seconds`], mentioning `none`.
pub fn parse_expiry(text: &str) -> Result<Expiry, String> {
    if text.trim().eq_ignore_ascii_case("none") {
        return Ok(Expiry::Never);
    }
    parse_whole_seconds(text)
        .map(Expiry::After)
        .map_err(|problem| format!("{problem}; `none` gives tokens without exp"))
}

/// Parses a header timeout: a duration within [`HEADER_TIMEOUT_RANGE`].
///
/// # Errors
///
/// As [`parse_duration`], and for a timeout outside the range.
pub fn parse_header_timeout(text: &str) -> Result<Duration, String> {
    let timeout = parse_duration(text)?;
    if HEADER_TIMEOUT_RANGE.contains(&timeout) {
        return Ok(timeout);
    }
    Err(format!(
        "{} is outside {} to {}; slow clients get this long to send a request's headers, and \
         idle connections stay open this long",
        describe(timeout),
        describe(*HEADER_TIMEOUT_RANGE.start()),
        describe(*HEADER_TIMEOUT_RANGE.end()),
    ))
}

/// Parses a flag: `true`, `1` or `yes` for on; `false`, `0`, `no` or blank text for off; in
/// any case, with blanks around.
///
/// # Errors
///
/// Anything else. The message does not show the text.
pub fn parse_flag(text: &str) -> Result<bool, String> {
    let text = text.trim();
    let is = |word: &str| text.eq_ignore_ascii_case(word);
    if text.is_empty() || is("false") || is("0") || is("no") {
        Ok(false)
    } else if is("true") || is("1") || is("yes") {
        Ok(true)
    } else {
        Err(
            "is neither `true` nor `false` (nor `1`, `0`, `yes`, `no`); the value is not \
             shown, as it may be a secret"
                .to_owned(),
        )
    }
}

/// The CORS setting a problem of a policy is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorsSetting {
    /// The origins alone: a malformed or repeated origin, or `*` beside others.
    Origins,
    /// The origins and the credentials flag together: any origin (`*`), or none, with
    /// credentials.
    OriginsWithCredentials,
    /// The request headers.
    Headers,
    /// The preflight max age.
    MaxAge,
}

/// The CORS policy of the CORS settings, read already. A problem comes with the setting that
/// holds it: the request headers, the max age and the origins are each checked alone first, so
/// whatever the whole policy refuses after them is about the origins with credentials.
///
/// # Errors
///
/// The core's problem with the policy, and where it is.
pub fn cors_policy<'a>(
    origins: impl IntoIterator<Item = &'a str>,
    credentials: bool,
    headers: impl IntoIterator<Item = &'a str>,
    max_age: Option<Duration>,
) -> Result<CorsPolicy, (CorsSetting, String)> {
    let checked = |builder: CorsPolicyBuilder, setting| {
        builder
            .build()
            .map_err(|error| (setting, error.to_string()))
    };
    let mut builder = CorsPolicy::builder().allow_headers(headers);
    checked(builder.clone(), CorsSetting::Headers)?;
    if let Some(age) = max_age {
        checked(CorsPolicy::builder().max_age(age), CorsSetting::MaxAge)?;
        builder = builder.max_age(age);
    }
    let origins: Vec<&str> = origins.into_iter().collect();
    checked(
        CorsPolicy::builder().allow_origins(origins.iter().copied()),
        CorsSetting::Origins,
    )?;
    let builder = builder
        .allow_origins(origins)
        .allow_credentials(credentials);
    checked(builder, CorsSetting::OriginsWithCredentials)
}

/// Refuses allowed request headers that hold one of `secrets` (one of
/// [`MIN_KEY_SEARCHED_LEN`](ckeditor_token_core::MIN_KEY_SEARCHED_LEN) bytes or more, in the
/// forms [`KeySearch`] looks for): every preflight answer lists
/// them to whichever page asks.
///
/// # Errors
///
/// The problem, without the header.
pub fn check_headers_hold_no_secret<'a>(
    headers: impl IntoIterator<Item = &'a str>,
    secrets: &[String],
) -> Result<(), String> {
    let searches: Vec<KeySearch> = secrets
        .iter()
        .filter_map(|secret| KeySearch::new(secret.as_bytes()))
        .collect();
    let holds_secret = |header: &str| searches.iter().any(|search| search.holds(header));
    if headers.into_iter().any(holds_secret) {
        return Err(
            "holds a key or secret of the server, and every preflight answer lists the \
             allowed headers to whichever page asks; list the request headers the editor \
             sends, such as authorization"
                .to_owned(),
        );
    }
    Ok(())
}

/// The variables whose values are secrets, kept out of every start-up message by [`for_log`]:
/// the access key, the on-premises secret key, and the trusted-headers secret of
/// `ckeditor-token`.
pub const SECRET_VARS: [&str; 3] = [
    ACCESS_KEY_VAR,
    SECRET_KEY_VAR,
    "CKEDITOR_TOKEN_TRUSTED_SECRET",
];

/// The longest message [`for_log`] lets through, in characters: a value pasted into the wrong
/// setting can be of any size.
pub const MAX_MESSAGE_LEN: usize = 2000;

/// The shortest secret [`for_log`] looks for, in bytes: a shorter one would match ordinary words
/// of the message (the core already warns about keys under 32 bytes).
pub const MIN_SECRET_LEN: usize = 4;

/// The secrets the environment holds: the values of [`SECRET_VARS`], trimmed.
pub fn secrets_from_env() -> Vec<String> {
    SECRET_VARS
        .iter()
        .filter_map(std::env::var_os)
        .map(|value| value.to_string_lossy().trim().to_owned())
        .collect()
}

/// `message` fit for a log or a terminal: every occurrence of one of `secrets` (in any ASCII
/// case, as a message that lowercases a value would show it, escaped as `{:?}` would write it,
/// or, for one of 8 bytes or more, percent-encoded, as the core finds a key in a token) replaced
/// by `[secret]`, and the whole cut at [`MAX_MESSAGE_LEN`] characters. So a secret
/// pasted into another setting, which quotes its value, does not reach the log. A part of a secret
/// next to a cut is hidden too: the start of one before a `…` (as an error quotes an over-long
/// value by its start) or before the point where the message is cut, and the end of one after a
/// `…` (as an origin is quoted without its user information); so is each comma-separated piece
/// of a secret, as a list setting splits one, and the part of one before its first `=`, as an
/// argument parser quotes an unknown `--flag=value` (a base64 key ends in `=`). Secrets, and
/// such parts, shorter than [`MIN_SECRET_LEN`] are not looked for.
///
/// Overlapping or nested occurrences of several secrets are covered by one `[secret]`.
pub fn for_log(message: &str, secrets: &[String]) -> String {
    Forms::new(secrets).hide(message)
}

/// Secrets prepared once for [`for_log`]'s hiding, for a caller that hides the same ones in many
/// messages: [`LogSecrets::hide`] gives what `for_log` gives, and a message that cannot hold any
/// of them (no `…`, not cut, and none of their forms in it, looked for all at once) is passed
/// through without a look at each.
#[derive(Clone, Default)]
pub struct LogSecrets {
    /// The forms, for a message that needs a look at each.
    forms: Forms,
    /// The forms of [`MIN_KEY_SEARCHED_LEN`] bytes or more, looked for at once.
    ///
    /// [`MIN_KEY_SEARCHED_LEN`]: ckeditor_token_core::MIN_KEY_SEARCHED_LEN
    long_forms: KeySet,
    /// The shorter forms.
    short_forms: Vec<String>,
}

impl LogSecrets {
    /// `secrets` prepared for hiding.
    pub fn new(secrets: &[String]) -> LogSecrets {
        let forms = Forms::new(secrets);
        let long_searches: Vec<KeySearch> = forms
            .forms
            .iter()
            .filter_map(|form| KeySearch::new(form.as_bytes()))
            .collect();
        let short_forms = forms
            .forms
            .iter()
            .filter(|form| form.len() < ckeditor_token_core::MIN_KEY_SEARCHED_LEN)
            .cloned()
            .collect();
        LogSecrets {
            forms,
            long_forms: KeySet::new(&long_searches),
            short_forms,
        }
    }

    /// `message` as [`for_log`] gives it with these secrets.
    pub fn hide(&self, message: &str) -> String {
        if self.passes_as_it_is(message) {
            return message.to_owned();
        }
        self.forms.hide(message)
    }

    /// Whether `message` comes out of [`Forms::hide`] as it is: short enough not to be
    /// cut, with no `…` (next to which a part of a secret is hidden), and without a form of a
    /// secret in it, whole; a secret percent-encoded is the form of one that the core's search
    /// finds.
    fn passes_as_it_is(&self, message: &str) -> bool {
        // A message of that many bytes has no more characters.
        if message.len() > MAX_MESSAGE_LEN || message.contains('…') {
            return false;
        }
        let lowered = message.to_ascii_lowercase();
        !self
            .short_forms
            .iter()
            .any(|form| lowered.contains(form.as_str()))
            && !self.long_forms.holds(message)
    }
}

/// The forms of secrets that [`for_log`] looks for, each in turn.
#[derive(Clone, Default)]
struct Forms {
    /// Every form looked for whole, lowered: each secret, escaped as `{:?}` writes it, and the
    /// pieces of it that settings and argument parsers quote.
    forms: Vec<String>,
    /// The core's search for each secret of [`MIN_KEY_SEARCHED_LEN`] bytes or more, which also
    /// finds it percent-encoded.
    ///
    /// [`MIN_KEY_SEARCHED_LEN`]: ckeditor_token_core::MIN_KEY_SEARCHED_LEN
    searches: Vec<KeySearch>,
    /// How far past the cut a form can start and still reach the output, in characters.
    longest: usize,
}

impl Forms {
    fn new(secrets: &[String]) -> Forms {
        let forms: Vec<String> = secrets
            .iter()
            .filter(|secret| secret.len() >= MIN_SECRET_LEN)
            .flat_map(|secret| {
                let escaped = format!("{secret:?}");
                let mut forms = vec![secret.clone(), escaped[1..escaped.len() - 1].to_owned()];
                // A list setting splits a secret pasted into it at its commas, and an argument
                // parser an argument at its first `=`.
                let mut pieces = Vec::new();
                if secret.contains(',') {
                    pieces.extend(secret.split(','));
                }
                if let Some((before, _)) = secret.split_once('=') {
                    pieces.push(before);
                }
                forms.extend(
                    pieces
                        .into_iter()
                        .map(str::trim)
                        .filter(|piece| piece.len() >= MIN_SECRET_LEN)
                        .map(str::to_owned),
                );
                forms
            })
            .map(|form| form.to_ascii_lowercase())
            .collect();
        // Only the text that can be shown is searched: what follows the cut, but for the length
        // of the longest form, cannot reach the output. One character more keeps the cut
        // visible. A secret that the core's search finds percent-encoded takes up to three
        // characters a byte.
        let encoded = secrets
            .iter()
            .filter(|secret| secret.len() >= ckeditor_token_core::MIN_KEY_SEARCHED_LEN)
            .map(|secret| 3 * secret.len());
        let longest = forms
            .iter()
            .map(|form| form.chars().count())
            .chain(encoded)
            .max()
            .unwrap_or(0);
        let searches = secrets
            .iter()
            .filter_map(|secret| KeySearch::new(secret.as_bytes()))
            .collect();
        Forms {
            forms,
            searches,
            longest,
        }
    }

    /// [`for_log`]'s hiding, looking for each form of each secret.
    fn hide(&self, message: &str) -> String {
        let forms = &self.forms;
        let searched = match message
            .char_indices()
            .nth(MAX_MESSAGE_LEN + self.longest + 1)
        {
            Some((end, _)) => &message[..end],
            None => message,
        };
        // ASCII lowercasing keeps every byte offset, so matches on the copy are ranges of the text.
        let lowered = searched.to_ascii_lowercase();
        let mut ranges: Vec<(usize, usize)> = forms
            .iter()
            .flat_map(|form| {
                lowered
                    .match_indices(form.as_str())
                    .map(|(at, found)| (at, at + found.len()))
                    .collect::<Vec<_>>()
            })
            .collect();
        // Percent-encoded, as a URL or a query writes it: the core's search finds that form.
        for search in &self.searches {
            for found in search.stretches_in(searched) {
                let start = floor_char_boundary(searched, found.start);
                let end = ceil_char_boundary(searched, found.end);
                ranges.push((start, end));
            }
        }
        // A value cut short to name it in an error (`"doc-abc…`) can end with the start of a
        // secret pasted into it, and one whose start was left out (`"…@host"`, an origin without
        // its user information) can start with the end of one: no whole occurrence covers
        // either. The end of the searched text is such a cut too, when the message goes on.
        for (mark, _) in lowered.match_indices('…') {
            let end = lowered[..mark].strip_suffix('"').map_or(mark, str::len);
            let after = mark + '…'.len_utf8();
            for form in forms {
                if let Some(len) = secret_start_len(&lowered[..end], form) {
                    ranges.push((end - len, end));
                }
                if let Some(len) = secret_end_len(&lowered[after..], form) {
                    ranges.push((after, after + len));
                }
            }
        }
        if searched.len() < message.len() {
            for form in forms {
                if let Some(len) = secret_start_len(&lowered, form) {
                    ranges.push((lowered.len() - len, lowered.len()));
                }
            }
        }
        ranges.sort_unstable();
        let mut shown = String::with_capacity(searched.len());
        let mut copied = 0;
        for (start, end) in ranges {
            if start >= copied {
                shown.push_str(&searched[copied..start]);
                shown.push_str("[secret]");
                copied = end;
            } else if end > copied {
                // Overlaps the previous occurrence: it grows the hidden range.
                copied = end;
            }
        }
        shown.push_str(&searched[copied..]);
        let cut = shown
            .char_indices()
            .nth(MAX_MESSAGE_LEN)
            .map(|(cut, _)| cut);
        if let Some(cut) = cut {
            shown.truncate(cut);
        }
        if cut.is_some() || searched.len() < message.len() {
            shown.push_str(&format!("… (cut at {MAX_MESSAGE_LEN} characters)"));
        }
        shown
    }
}

impl fmt::Debug for LogSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogSecrets")
            .field("forms", &self.forms.forms.len())
            .finish_non_exhaustive()
    }
}

/// The char boundary of `text` at or before `at`.
fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The char boundary of `text` at or after `at`.
fn ceil_char_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// The length of the longest start of `form`, of [`MIN_SECRET_LEN`] bytes or more, that `text`
/// ends with.
fn secret_start_len(text: &str, form: &str) -> Option<usize> {
    let last = *text.as_bytes().last()?;
    (MIN_SECRET_LEN..=form.len().min(text.len()))
        .rev()
        .find(|&len| {
            form.as_bytes()[len - 1] == last
                && form.is_char_boundary(len)
                && text.ends_with(&form[..len])
        })
}

/// The length of the longest end of `form`, of [`MIN_SECRET_LEN`] bytes or more, that `text`
/// starts with.
fn secret_end_len(text: &str, form: &str) -> Option<usize> {
    let first = *text.as_bytes().first()?;
    (MIN_SECRET_LEN..=form.len().min(text.len()))
        .rev()
        .find(|&len| {
            let start = form.len() - len;
            form.as_bytes()[start] == first
                && form.is_char_boundary(start)
                && text.starts_with(&form[start..])
        })
}

/// Splits a comma-separated list, trimming each item and dropping empty ones.
pub fn parse_list(text: &str) -> Vec<&str> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_units_and_bare_seconds() {
        let cases = [
            ("3600", 3_600_000),
            ("90s", 90_000),
            ("90sec", 90_000),
            ("500ms", 500),
            ("30m", 1_800_000),
            ("2min", 120_000),
            ("1h", 3_600_000),
            (" 5 s ", 5_000),
            ("0", 0),
        ];
        for (text, millis) in cases {
            assert_eq!(
                parse_duration(text),
                Ok(Duration::from_millis(millis)),
                "{text}"
            );
        }
    }

    #[test]
    fn nonsense_durations_are_refused_with_short_text_quoted() {
        for text in [
            "", "s", "1.5h", "-1", "+1", "1d", "1H", "one hour", "٣", " soon ",
        ] {
            let problem = parse_duration(text).expect_err(text);
            let expected = format!("{:?} is not a duration; write a whole number", text.trim());
            assert!(problem.starts_with(&expected), "{problem}");
            assert!(problem.ends_with("such as 90s or 2m"), "{problem}");
        }
        let pasted = "pasted-secret-0123456789";
        let problem = parse_duration(pasted).expect_err("not a duration");
        assert!(problem.starts_with("the value (not shown"), "{problem}");
        assert!(!problem.contains("secret-0123"), "{problem}");
    }

    #[test]
    fn durations_end_where_milliseconds_overflow() {
        let hours = u64::MAX / 3_600_000;
        assert_eq!(
            parse_duration(&format!("{hours}h")),
            Ok(Duration::from_millis(hours * 3_600_000))
        );
        let next = format!("{}h", hours + 1);
        assert_eq!(
            parse_duration(&next),
            Err(format!("{next:?} is too long a duration"))
        );
        let digits = "99999999999999999999";
        assert_eq!(
            parse_duration(digits),
            Err(
                "the value (not shown, as it is too long to be one and may be a secret) is too \
                 long a duration"
                    .to_owned()
            )
        );
    }

    #[test]
    fn durations_are_described_in_their_largest_whole_unit() {
        let cases = [
            (Duration::from_micros(500), "500 µs"),
            (Duration::from_micros(1500), "1500 µs"),
            (Duration::from_millis(500), "500 ms"),
            (Duration::from_millis(90_500), "90500 ms"),
            (Duration::from_secs(0), "0 s"),
            (Duration::from_secs(90), "90 s"),
            (Duration::from_secs(120), "2 min"),
            (Duration::from_secs(5400), "90 min"),
            (Duration::from_secs(7200), "2 h"),
        ];
        for (duration, text) in cases {
            assert_eq!(describe(duration), text);
        }
    }

    #[test]
    fn whole_seconds_and_lifetimes_refuse_fractions() {
        assert_eq!(parse_whole_seconds("2000ms"), Ok(Duration::from_secs(2)));
        assert_eq!(
            parse_whole_seconds("1500ms"),
            Err(
                "1500 ms is not a whole number of seconds; this setting is counted in seconds"
                    .to_owned()
            )
        );
        assert_eq!(parse_expiry(" None "), Ok(Expiry::Never));
        assert_eq!(
            parse_expiry("1h"),
            Ok(Expiry::After(Duration::from_secs(3600)))
        );
        let problem = parse_expiry("never").expect_err("refused");
        assert!(
            problem.starts_with("\"never\" is not a duration"),
            "{problem}"
        );
        assert!(
            problem.ends_with("; `none` gives tokens without exp"),
            "{problem}"
        );
        let problem = parse_expiry("999999999999999h").expect_err("refused");
        assert_eq!(
            problem,
            "\"999999999999999h\" is too long a duration; `none` gives tokens without exp"
        );
        let problem = parse_expiry("500ms").expect_err("refused");
        assert!(
            problem.starts_with("500 ms is not a whole number"),
            "{problem}"
        );
    }

    #[test]
    fn header_timeouts_stay_within_one_second_and_five_minutes() {
        assert_eq!(parse_header_timeout("1s"), Ok(Duration::from_secs(1)));
        assert_eq!(
            parse_header_timeout("1500ms"),
            Ok(Duration::from_millis(1500))
        );
        assert_eq!(parse_header_timeout("5m"), Ok(Duration::from_secs(300)));
        for (text, shown) in [("999ms", "999 ms"), ("301s", "301 s"), ("2h", "2 h")] {
            assert_eq!(
                parse_header_timeout(text),
                Err(format!(
                    "{shown} is outside 1 s to 5 min; slow clients get this long to send a \
                     request's headers, and idle connections stay open this long"
                ))
            );
        }
        assert!(parse_header_timeout("soon").is_err());
    }

    #[test]
    fn flags_take_three_words_each_way_in_any_case() {
        for text in ["true", "TRUE", " Yes ", "1"] {
            assert_eq!(parse_flag(text), Ok(true), "{text:?}");
        }
        for text in ["false", "No", "0", "", "  "] {
            assert_eq!(parse_flag(text), Ok(false), "{text:?}");
        }
        for text in ["maybe", "on", "2", "pasted-secret-0123456789"] {
            let problem = parse_flag(text).expect_err(text);
            assert!(
                problem.starts_with("is neither `true` nor `false`"),
                "{problem}"
            );
            assert!(!problem.contains(text), "{problem}");
        }
    }

    #[test]
    fn an_allowed_header_that_holds_a_secret_is_refused() {
        let secrets = ["Secret-Of-The-Server-42".to_owned(), "short".to_owned()];
        for headers in [
            &["authorization", "x-secret-of-the-server-42"][..],
            &["x-secret%2dof-the-server-42"][..],
        ] {
            let problem = check_headers_hold_no_secret(headers.iter().copied(), &secrets)
                .expect_err("a secret in a header");
            assert!(problem.starts_with("holds a key or secret"), "{problem}");
            assert!(!problem.to_lowercase().contains("secret-of"), "{problem}");
        }
        // A secret too short to be looked for matches ordinary names by chance.
        let ordinary = ["authorization", "x-short-id"];
        assert_eq!(check_headers_hold_no_secret(ordinary, &secrets), Ok(()));
    }

    #[test]
    fn a_cors_problem_names_the_setting_that_holds_it() {
        let origin = ["https://editor.example.com"];
        let policy = cors_policy(
            origin,
            true,
            ["x-document-id"],
            Some(Duration::from_secs(600)),
        )
        .expect("a valid policy");
        assert!(policy.allows_origin(origin[0]));
        assert_eq!(policy.max_age(), Some(Duration::from_secs(600)));

        let where_ = |result: Result<CorsPolicy, (CorsSetting, String)>| {
            result.map(|_| ()).map_err(|(setting, _)| setting)
        };
        let day_and_more = Some(Duration::from_secs(86_401));
        // A bad header or max age is named as such, even with bad origins beside it.
        assert_eq!(
            where_(cors_policy(["*"], true, ["x bad"], None)),
            Err(CorsSetting::Headers)
        );
        assert_eq!(
            where_(cors_policy(["*"], true, [], day_and_more)),
            Err(CorsSetting::MaxAge)
        );
        // A bad origin is the origins' alone, whether credentials are on or not; `*` or no
        // origin is wrong only with credentials.
        for (origins, credentials, setting) in [
            (
                &["https://editor.example.com/"][..],
                false,
                CorsSetting::Origins,
            ),
            (&["editor.example.com"][..], true, CorsSetting::Origins),
            (&["*", "https://a.test"][..], true, CorsSetting::Origins),
            (&["*"][..], true, CorsSetting::OriginsWithCredentials),
            (&[][..], true, CorsSetting::OriginsWithCredentials),
        ] {
            assert_eq!(
                where_(cors_policy(origins.iter().copied(), credentials, [], None)),
                Err(setting),
                "{origins:?}"
            );
        }
    }

    #[test]
    fn secrets_are_kept_out_of_messages_in_any_case_and_escaping() {
        let secrets = vec!["Key-0123\"456789".to_owned()];
        let cases = [
            (
                "LISTEN: \"Key-0123\\\"456789\" is not an address",
                "LISTEN: \"[secret]\" is not an address",
            ),
            (
                "mode \"key-0123\"456789\" is not a mode",
                "mode \"[secret]\" is not a mode",
            ),
            (
                "KEY-0123\"456789 and Key-0123\"456789",
                "[secret] and [secret]",
            ),
            ("nothing secret here", "nothing secret here"),
            // Percent-encoded, in either case of hexadecimal digit, whole or in part.
            (
                "key \"a*%4B%65%79%2d%30%31%32%33%22%34%35%36%37%38%39\" is invalid",
                "key \"a*[secret]\" is invalid",
            ),
            ("--at key-0123%22456789é", "--at [secret]é"),
        ];
        for (message, shown) in cases {
            assert_eq!(for_log(message, &secrets), shown);
        }
    }

    /// Prepared secrets pass a message through as it is only where looking for each form of each
    /// secret leaves it so: with secrets of every kind, few and many (which are looked for
    /// through the core's index), and messages holding each in every form, cut short or not.
    #[test]
    fn prepared_secrets_hide_what_each_form_looked_for_hides() {
        let all = [
            "abcd",
            "q7mz-x",
            "k3y\"quoted\\one-0042",
            "first,second-part,third",
            "Zm9vYmFyYmF6cXV4MTIzNA==",
            "tenant-1-access-key-0123456789abcdef",
            "tenant-2-access-key-0123456789abcdef",
            "Tr8stedSecretValue",
            "x",
        ];
        let percent =
            |text: &str| -> String { text.bytes().map(|byte| format!("%{byte:02x}")).collect() };
        for count in [1, 3, all.len()] {
            let secrets: Vec<String> = all[..count].iter().map(|s| (*s).to_owned()).collect();
            let prepared = LogSecrets::new(&secrets);
            let mut messages = vec![
                "nothing secret here".to_owned(),
                "a".repeat(MAX_MESSAGE_LEN),
                "a".repeat(MAX_MESSAGE_LEN + 1),
            ];
            for secret in &all {
                let escaped = format!("{secret:?}");
                let forms = [
                    secret.to_string(),
                    secret.to_ascii_uppercase(),
                    escaped[1..escaped.len() - 1].to_owned(),
                    percent(secret),
                    secret.split(',').next().unwrap_or_default().to_owned(),
                    secret.split('=').next().unwrap_or_default().to_owned(),
                    secret[..secret.len() / 2].to_owned(),
                ];
                for form in forms {
                    // Messages the shortcut may pass, short and without a `…`.
                    messages.push(format!("value {form} refused"));
                    messages.push(form.clone());
                    messages.push(format!("x{form}x"));
                    messages.push(format!("[{}] {form}", form.to_ascii_uppercase()));
                    messages.push(format!("value \"{form}\"… is too long"));
                    messages.push(format!("value …{form} refused"));
                    messages.push(format!("{}{form}", "b".repeat(MAX_MESSAGE_LEN - 4)));
                }
            }
            for message in &messages {
                assert_eq!(
                    prepared.hide(message),
                    prepared.forms.hide(message),
                    "{count} secrets: {message}"
                );
            }
            // A message without any passes through the shortcut, as it is.
            assert!(prepared.passes_as_it_is("nothing secret here"));
            let shown = format!("{prepared:?}");
            assert!(shown.starts_with("LogSecrets { forms: "), "{shown}");
            assert!(
                secrets
                    .iter()
                    .all(|secret| !shown.contains(secret.as_str()))
            );
        }
    }

    #[test]
    fn nested_and_overlapping_secrets_are_hidden_whole() {
        let nested = vec!["Sup3rKey".to_owned(), "Sup3rKey-proxy-ab12".to_owned()];
        assert_eq!(
            for_log("a \"Sup3rKey-proxy-ab12\" b", &nested),
            "a \"[secret]\" b"
        );
        let overlapping = vec!["AAAA1111BBBB".to_owned(), "BBBB2222CCCC".to_owned()];
        assert_eq!(
            for_log("x AAAA1111BBBB2222CCCC y", &overlapping),
            "x [secret] y"
        );
        // A secret that reads like the replacement is still replaced, and only once.
        let odd = vec!["[secret]".to_owned()];
        assert_eq!(for_log("a [SECRET] b", &odd), "a [secret] b");
        // Too short to look for.
        assert_eq!(for_log("a abc b", &["abc".to_owned()]), "a abc b");
        assert_eq!(for_log("a abcd b", &["abcd".to_owned()]), "a [secret] b");
    }

    #[test]
    fn a_short_secret_is_hidden_next_to_punctuation_and_inside_words_too() {
        // Hiding it only where it stands alone would show it in messages like these; a short
        // secret hides parts of ordinary words instead, which the README says.
        let secrets = ["hunt3r".to_owned()];
        for (message, shown) in [
            (
                "\"hunt3r.\" is not a duration",
                "\"[secret].\" is not a duration",
            ),
            ("\"/api/hunt3r-token\"", "\"/api/[secret]-token\""),
            ("\"\\nhunt3r\"", "\"\\n[secret]\""),
            ("unknown level xhunt3rx", "unknown level x[secret]x"),
        ] {
            assert_eq!(for_log(message, &secrets), shown, "{message}");
        }
    }

    #[test]
    fn a_secret_across_the_cut_is_hidden() {
        let secret = "straddling-secret-0123456789".to_owned();
        let message = format!("{}{secret} and more", "x".repeat(MAX_MESSAGE_LEN - 5));
        let shown = for_log(&message, &[secret]);
        assert!(!shown.contains("straddling"), "{shown}");
        assert!(!shown.contains("0123456789"), "{shown}");
        assert!(
            shown.ends_with("x[secr… (cut at 2000 characters)"),
            "{shown}"
        );
        // Percent-encoded, three times as long, across the cut.
        let secret = "Sk-percent-secret-0123456789".to_owned();
        let encoded: String = secret.bytes().map(|byte| format!("%{byte:02X}")).collect();
        let message = format!("{}{encoded} and more", "x".repeat(MAX_MESSAGE_LEN - 20));
        let shown = for_log(&message, &[secret]);
        assert!(!shown.contains("%53%6B%2D"), "{shown}");
        assert!(shown.ends_with("x[secret] and more"), "{shown}");
        // A long message full of secrets is handled quickly: only its shown part is searched.
        let flood = "k3y-flood;".repeat(100_000);
        let shown = for_log(&flood, &["k3y-flood".to_owned()]);
        assert!(shown.starts_with("[secret];[secret];"), "{shown}");
    }

    #[test]
    fn the_start_of_a_secret_in_a_value_cut_short_is_hidden() {
        let key = "Q7mZ-access-9x2LkP0vW4tYb8nR3cH5jD6fG1sA";
        let secrets = vec![key.to_owned()];
        let long = "x".repeat(300);
        // The core quotes an over-long key or scope by its first 32 characters.
        for value in [format!("{key}{long}"), format!("doc-{key}{long}")] {
            let message = ckeditor_token_core::DocumentKey::new(&value)
                .expect_err("too long")
                .to_string();
            assert!(message.contains(&key[..20]), "{message}");
            let shown = for_log(&message, &secrets);
            let windows: Vec<&str> = (0..=key.len() - 4).map(|at| &key[at..at + 4]).collect();
            assert!(
                windows.iter().all(|window| !shown.contains(window)),
                "{shown}"
            );
            assert!(shown.contains("[secret]\"…: it is"), "{shown}");
        }
        // Lowercased, and at a cut without quotes.
        assert_eq!(
            for_log("value q7mz-access-9x… is too long", &secrets),
            "value [secret]… is too long"
        );
        // A cut value that holds no secret, or too little of one, is shown as it is.
        for message in [
            "key \"ddddddddd\"…: it is 5000 bytes long",
            "key \"dddddQ7m\"…: it is 5000 bytes long",
        ] {
            assert_eq!(for_log(message, &secrets), message);
        }
    }

    /// Whether `shown` holds six or more characters of `secret` in a row.
    fn shows_part_of(shown: &str, secret: &str) -> bool {
        let chars: Vec<char> = secret.chars().collect();
        chars
            .windows(6)
            .any(|window| shown.contains(&window.iter().collect::<String>()))
    }

    #[test]
    fn parts_of_a_secret_at_any_cut_are_hidden() {
        let key = "Q7mZ-access-9x2LkP0vW4tYb8nR3cH5jD6fG1sA";
        // Cut by the message's length: the hidden first copy pulls the second, which the search
        // saw only in part, into what is shown.
        // The search reaches one character past the cut and the longest secret; the second copy
        // starts 20 characters before that.
        let pad = MAX_MESSAGE_LEN + 1 - 20;
        let message = format!("{key}{}{key} and more", "x".repeat(pad));
        let shown = for_log(&message, &[key.to_owned()]);
        assert!(!shows_part_of(&shown, key), "{shown}");
        assert!(shown.ends_with("… (cut at 2000 characters)"), "{shown}");
        let message = format!("{}{}", "p".repeat(20), key.repeat(60));
        let shown = for_log(&message, &[key.to_owned()]);
        assert!(!shows_part_of(&shown, key), "{shown}");

        // An origin quoted without its user information keeps what follows the last `@`.
        let secret = "Xy7@Tr8stedSecretValue_9kLmN0pQ";
        for origin in [secret.to_owned(), format!("https://{secret}")] {
            let message = ckeditor_token_core::CorsPolicy::builder()
                .allow_origin(origin.as_str())
                .build()
                .expect_err("not an origin")
                .to_string();
            assert!(shows_part_of(&message, secret), "{message}");
            let shown = for_log(&message, &[secret.to_owned()]);
            assert!(!shows_part_of(&shown, secret), "{shown}");
        }

        // A list setting splits a secret at its commas.
        let secret = "Tr8stedSecretValue_9kLmN0pQ,Xy7";
        let shown = for_log(
            "the origin \"Tr8stedSecretValue_9kLmN0pQ\" has no scheme",
            &[secret.to_owned()],
        );
        assert_eq!(shown, "the origin \"[secret]\" has no scheme");

        // An argument parser shows an unknown `--flag=value` up to its first `=`, which a base64
        // key ends in.
        let key = "a35WCkYHOp+NqDnGqXgcv/7VH2sjB0Uy7UbPVP=";
        let shown = for_log(
            "error: unexpected argument '--a35WCkYHOp+NqDnGqXgcv/7VH2sjB0Uy7UbPVP' found",
            &[key.to_owned()],
        );
        assert_eq!(shown, "error: unexpected argument '--[secret]' found");
        // Only the part before the first `=`: a secret's other pieces may be ordinary words.
        let secret = "Tr8stedSecretValue=user=9kLmN0pQ";
        let shown = for_log("user Tr8stedSecretValue", &[secret.to_owned()]);
        assert_eq!(shown, "user [secret]");
    }

    #[test]
    fn long_messages_are_cut() {
        let message = "é".repeat(MAX_MESSAGE_LEN + 1);
        let shown = for_log(&message, &[]);
        assert_eq!(
            shown,
            format!("{}… (cut at 2000 characters)", "é".repeat(MAX_MESSAGE_LEN))
        );
        assert_eq!(
            for_log(&"é".repeat(MAX_MESSAGE_LEN), &[]),
            "é".repeat(MAX_MESSAGE_LEN)
        );
    }

    #[test]
    fn lists_drop_blanks_and_empty_items() {
        assert_eq!(parse_list(" a , b,, ,c "), ["a", "b", "c"]);
        assert!(parse_list("").is_empty());
        assert!(parse_list(" , ").is_empty());
    }
}
