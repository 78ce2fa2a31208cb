//! When the service that says who the user is cannot answer: 502 or 503, never a token.
//!
//! Some token endpoints do not hold the session themselves: they ask another service, such as
//! the application's own "who am I" route or a sign-in service. When that service is down, too
//! slow or answers nonsense, the caller is neither signed out (401) nor hit by a bug in the
//! endpoint (500): the answer is a gateway error, so that operators can tell an outage from
//! a refusal. The editor treats every non-2xx status alike, so nothing changes for it.
//!
//! | failure | status |
//! | --- | --- |
//! | [`UpstreamFailure::BadAnswer`]: an error or unexpected status, an unreadable body | 502 |
//! | [`UpstreamFailure::Unreachable`]: refused, reset or timed out | 503 |

use std::fmt;

use super::{Outcome, TokenEndpoint, TokenResponse};

/// The body of a 502 or 503 from [`TokenEndpoint::upstream_failed`]. It names nothing internal;
/// the log has the details.
pub const UPSTREAM_BODY: &str =
    "The sign-in service could not say who is signed in; try again shortly.";

/// Why the service that knows the user gave no usable answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UpstreamFailure {
    /// It answered, but neither with a user nor with "nobody": a server error, a status it
    /// should not send, or a body that is not what was agreed (502 Bad Gateway).
    BadAnswer,
    /// It could not be reached: the connection was refused or reset, or no answer came in
    /// time (503 Service Unavailable).
    Unreachable,
}

impl UpstreamFailure {
    /// The status the token route answers with.
    pub const fn status(self) -> u16 {
        match self {
            UpstreamFailure::BadAnswer => 502,
            UpstreamFailure::Unreachable => 503,
        }
    }
}

impl fmt::Display for UpstreamFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UpstreamFailure::BadAnswer => "the sign-in service gave an unusable answer",
            UpstreamFailure::Unreachable => {
                "the sign-in service could not be reached, or did not answer in time"
            }
        })
    }
}

impl TokenEndpoint {
    /// The answer when the service that says who the user is failed: 502 or 503, as
    /// [`UpstreamFailure::status`] says, with [`UPSTREAM_BODY`]. `detail` goes to the log at
    /// warn level, on one line (its line breaks as escapes), and nowhere else, so it must not
    /// hold secrets (nor the caller's cookies).
    pub fn upstream_failed(
        &self,
        failure: UpstreamFailure,
        detail: &dyn fmt::Display,
    ) -> TokenResponse {
        tracing::warn!(
            %failure,
            detail = %self.loggable_line(detail),
            "no token: the sign-in service failed"
        );
        self.answer(
            Outcome::UpstreamFailed,
            failure.status(),
            UPSTREAM_BODY.to_owned(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CorsPolicy, Environment, Issuer, UserDecision};

    #[test]
    fn failures_say_which_it_was() {
        assert_eq!(
            UpstreamFailure::BadAnswer.to_string(),
            "the sign-in service gave an unusable answer"
        );
        assert_eq!(
            UpstreamFailure::Unreachable.to_string(),
            "the sign-in service could not be reached, or did not answer in time"
        );
    }

    fn endpoint() -> TokenEndpoint {
        let environment = Environment::new("ENV_TEST_123", "upstream-test-key-0123456789abcdef")
            .expect("valid environment");
        TokenEndpoint::new(Issuer::new(environment).expect("issuer"))
    }

    #[test]
    fn failures_are_gateway_statuses_without_a_token() {
        let endpoint = endpoint();
        for (failure, status) in [
            (UpstreamFailure::BadAnswer, 502),
            (UpstreamFailure::Unreachable, 503),
        ] {
            let response = endpoint.upstream_failed(failure, &"connection to 10.0.0.9 refused");
            assert_eq!(response.status(), status);
            assert_eq!(response.outcome(), Outcome::UpstreamFailed);
            assert_eq!(response.body(), UPSTREAM_BODY);
            assert!(!response.body().contains("10.0.0.9"));
            assert_eq!(response.header("cache-control"), Some("no-store"));
            assert_eq!(
                response.header("content-type"),
                Some("text/plain; charset=utf-8")
            );
        }
    }

    #[test]
    fn the_decision_reaches_the_same_answer() {
        let decision = UserDecision::Unavailable {
            failure: UpstreamFailure::Unreachable,
            detail: "timed out after 2 s".into(),
        };
        let response = endpoint().decide(decision);
        assert_eq!(response.status(), 503);
        assert_eq!(response.body().split('.').count(), 2);
    }

    #[test]
    fn cross_origin_policies_add_vary_origin() {
        let policy = CorsPolicy::builder()
            .allow_origin("https://editor.example.test")
            .build()
            .expect("valid policy");
        let response = endpoint()
            .with_cors(policy)
            .upstream_failed(UpstreamFailure::BadAnswer, &"status 500");
        assert_eq!(response.header("vary"), Some("Origin"));
    }
}
