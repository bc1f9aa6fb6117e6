//! AWS failures in words a person can act on. Two steps, each in one place:
//!
//! 1. [`api_error`] classifies an SDK error into the runner's [`ApiError`]: the service's error
//!    code, or for failures before any answer (no credentials, expired sign-in, DNS, refused
//!    connection, timeout) a code of this module, and whether a retry can help.
//! 2. [`explain`] turns an [`ApiError`] into an [`Explained`]: one sentence saying what is wrong,
//!    one saying how to fix it, and the raw error (shown by the CLI with `--verbose`, logged by
//!    the Lambdas beside the hint).
//!
//! `ecs-harden scan`, `ecs-harden evidence`, the rule and gate Lambdas' logs all use it.

use std::error::Error as StdError;
use std::fmt;

use aws_config::imds::client::error::ImdsError;
use aws_config::SdkConfig;
use aws_credential_types::provider::error::CredentialsError;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use ecs_harden_core::runner::io::{ApiError, DEADLINE_REACHED};

/// No credential source had credentials (environment, profile files, container or instance
/// metadata).
pub const NO_CREDENTIALS: &str = "NoCredentials";
/// A credential source failed for another reason (its message says which and why).
pub const CREDENTIALS_ERROR: &str = "CredentialsError";
/// The sign-in behind the credentials has expired or is missing (an SSO session, or the
/// credentials an assumed-role profile starts from).
pub const SIGN_IN_EXPIRED: &str = "SignInExpired";
/// The endpoint's host name did not resolve.
pub const DNS_FAILURE: &str = "DnsFailure";
/// No connection could be made, or it broke before the answer.
pub const CONNECTION_FAILED: &str = "ConnectionFailed";
/// The call timed out.
pub const TIMEOUT: &str = "Timeout";
/// The request could not be sent for another reason.
pub const DISPATCH_FAILURE: &str = "DispatchFailure";
/// No endpoint could be worked out for the call (typically: no Region).
pub const NO_ENDPOINT: &str = "NoEndpoint";
/// The answer could not be read.
pub const RESPONSE_ERROR: &str = "ResponseError";
/// The request could not be built.
pub const CONSTRUCTION_FAILURE: &str = "ConstructionFailure";

/// Service error codes that say the request rate was exceeded.
const THROTTLING_CODES: [&str; 8] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
];

/// Server-side error codes worth retrying besides any 5xx.
const SERVER_CODES: [&str; 3] = ["InternalFailure", "InternalError", "ServiceUnavailable"];

/// Codes for credentials that were valid once and have expired: STS answers `ExpiredToken`,
/// JSON-protocol services such as ECS, Config and Organizations `ExpiredTokenException`.
const EXPIRED_CODES: [&str; 3] = ["ExpiredToken", "ExpiredTokenException", SIGN_IN_EXPIRED];

/// Codes for a caller the service knows but that may not make the call: `AccessDenied` (STS and
/// other query-protocol services), `AccessDeniedException` (ECS, Config, Organizations),
/// `UnauthorizedOperation` (EC2), `NotAuthorized` (the common 401).
const ACCESS_DENIED_CODES: [&str; 5] = [
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "Client.UnauthorizedOperation",
    "NotAuthorized",
];

/// Codes for credentials a Region does not accept: the Region is not enabled for the account
/// (opt-in Regions), or the access key is not valid. `AuthFailure` is EC2's;
/// `RegionDisabledException` is STS not activated in that Region.
const CREDENTIALS_REFUSED_CODES: [&str; 4] = [
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "AuthFailure",
    "RegionDisabledException",
];

const UNREACHABLE_CODES: [&str; 4] = [DNS_FAILURE, CONNECTION_FAILED, TIMEOUT, DISPATCH_FAILURE];

/// Classifies an SDK error. Throttling, 5xx, timeouts, connection failures and answers that
/// cannot be read are retryable; missing or expired credentials, access denied and other client
/// errors are not.
pub fn api_error<E>(action: &'static str, error: SdkError<E, HttpResponse>) -> ApiError
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    let raw = DisplayErrorContext(&error).to_string();
    match &error {
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or("ServiceError").to_string();
            let status = service.raw().status().as_u16();
            let retryable = THROTTLING_CODES.contains(&code.as_str())
                || SERVER_CODES.contains(&code.as_str())
                || status >= 500
                || status == 429;
            let message = service.err().message().unwrap_or_default();
            ApiError::new(action, code, message, retryable)
        }
        SdkError::TimeoutError(_) => ApiError::new(action, TIMEOUT, raw, true),
        SdkError::DispatchFailure(failure) => {
            if let Some(credentials) = find::<CredentialsError>(&error) {
                return credentials_error(action, credentials);
            }
            let code = if failure.is_timeout() {
                TIMEOUT
            } else if failure.is_io() && raw.contains("dns error") {
                DNS_FAILURE
            } else if failure.is_io() {
                CONNECTION_FAILED
            } else if raw.contains("endpoint") || raw.contains("region") {
                NO_ENDPOINT
            } else {
                DISPATCH_FAILURE
            };
            ApiError::new(action, code, raw, code != NO_ENDPOINT)
        }
        SdkError::ResponseError(_) => ApiError::new(action, RESPONSE_ERROR, raw, true),
        _ => ApiError::new(action, CONSTRUCTION_FAILURE, raw, false),
    }
}

/// A credential provider's failure: nothing found, a sign-in to renew, or another failure.
fn credentials_error(action: &'static str, error: &CredentialsError) -> ApiError {
    let message = DisplayErrorContext(error).to_string();
    let (code, retryable) = match error {
        CredentialsError::CredentialsNotLoaded(_) => (NO_CREDENTIALS, false),
        // The instance metadata service is the last place the default chain looks; when even
        // that cannot be read (a workstation), nothing had credentials.
        CredentialsError::ProviderError(_) if find::<ImdsError>(error).is_some() => {
            (NO_CREDENTIALS, false)
        }
        CredentialsError::ProviderError(_) if signs_in_again(&message) => (SIGN_IN_EXPIRED, false),
        CredentialsError::ProviderError(_) | CredentialsError::ProviderTimedOut(_) => {
            (CREDENTIALS_ERROR, true)
        }
        _ => (CREDENTIALS_ERROR, false),
    };
    ApiError::new(action, code, message, retryable)
}

/// Whether a credential provider's failure calls for signing in again: an SSO token that has
/// expired, cannot be refreshed or is not cached, or the source credentials of an assumed-role
/// profile that have expired.
fn signs_in_again(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    lower.contains("sso token")
        || lower.contains("sso session")
        || lower.contains("expiredtoken")
        || lower.contains("token has expired")
        || lower.contains("token is expired")
        || lower.contains("unauthorizedexception")
}

/// The first error of type `E` in `error`'s chain of sources.
fn find<'a, E: StdError + 'static>(error: &'a (dyn StdError + 'static)) -> Option<&'a E> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<E>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

/// Where calls went and with which profile, to name in explanations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallContext {
    /// The named profile in use (`--profile`, AWS_PROFILE), if any.
    pub profile: Option<String>,
    pub region: Option<String>,
    /// The endpoint used in place of AWS's own (AWS_ENDPOINT_URL, a profile's `endpoint_url`).
    pub endpoint_url: Option<String>,
}

impl CallContext {
    /// The context of clients built from `config`.
    pub fn of(config: &SdkConfig, profile: Option<&str>) -> CallContext {
        CallContext {
            profile: profile.map(str::to_string),
            region: config.region().map(ToString::to_string),
            endpoint_url: config.endpoint_url().map(str::to_string),
        }
    }

    /// The same, for calls to `region`.
    pub fn in_region(&self, region: &str) -> CallContext {
        CallContext {
            region: Some(region.to_string()),
            ..self.clone()
        }
    }

    fn region_text(&self) -> String {
        self.region
            .as_deref()
            .map_or("no Region set".to_string(), |r| format!("Region {r}"))
    }

    fn sso_login(&self) -> String {
        match &self.profile {
            Some(profile) => format!("`aws sso login --profile {profile}`"),
            None => "`aws sso login --profile NAME`".to_string(),
        }
    }

    fn with_profile(&self) -> String {
        self.profile
            .as_deref()
            .map(|p| format!(" (profile {p})"))
            .unwrap_or_default()
    }
}

/// What kind of problem an AWS failure is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    NoCredentials,
    ExpiredCredentials,
    AccessDenied,
    Unreachable,
    Throttled,
    /// The Region does not accept the credentials: not enabled for the account (opt-in
    /// Regions), STS not activated there, or an access key that is not valid.
    RegionNotEnabled,
    DeadlineReached,
    Other,
}

/// An AWS failure explained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explained {
    pub problem: Problem,
    /// What is wrong, in one sentence.
    pub summary: String,
    /// What to do about it; empty when there is nothing to add to the summary.
    pub fix: String,
    /// The error as AWS or the SDK reported it.
    pub raw: String,
}

impl fmt::Display for Explained {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.fix.is_empty() {
            f.write_str(&self.summary)
        } else {
            write!(f, "{} {}", self.summary, self.fix)
        }
    }
}

/// Says what went wrong with a call and how to fix it.
pub fn explain(error: &ApiError, context: &CallContext) -> Explained {
    let code = error.code.as_str();
    let action = error.action;
    let (problem, summary, fix) = if code == NO_CREDENTIALS || code == CREDENTIALS_ERROR {
        let summary = if code == NO_CREDENTIALS {
            format!(
                "No AWS credentials found{} for {action}: none in the environment, the AWS config and credentials files, or container or instance metadata.",
                context.with_profile()
            )
        } else {
            format!(
                "The AWS credentials{} could not be loaded for {action}: {}.",
                context.with_profile(),
                error.message.trim_end_matches('.')
            )
        };
        let fix = format!(
            "Sign in with {} (IAM Identity Center), choose a profile that has credentials with --profile or AWS_PROFILE, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials).",
            context.sso_login()
        );
        (Problem::NoCredentials, summary, fix)
    } else if EXPIRED_CODES.contains(&code) {
        let summary = if code == SIGN_IN_EXPIRED {
            format!(
                "The sign-in behind the AWS credentials{} has expired or is missing, so {action} could not be called.",
                context.with_profile()
            )
        } else {
            format!(
                "The AWS credentials{} have expired: {action} was refused with {code}.",
                context.with_profile()
            )
        };
        let fix = format!(
            "Sign in again with {} for an IAM Identity Center profile, or replace the temporary credentials (AWS_SESSION_TOKEN, or the profile's) with fresh ones.",
            context.sso_login()
        );
        (Problem::ExpiredCredentials, summary, fix)
    } else if ACCESS_DENIED_CODES.contains(&code) {
        let summary = format!(
            "Access denied: the credentials in use may not call {action} ({}).",
            context.region_text()
        );
        let fix = format!(
            "Grant `{action}` to the IAM role or user behind these credentials (identity policy, permission set or member-account role), and check that no SCP or permissions boundary denies it."
        );
        (Problem::AccessDenied, summary, fix)
    } else if CREDENTIALS_REFUSED_CODES.contains(&code) {
        let summary = format!(
            "AWS did not accept the credentials in {}: {action} was refused with {code}.",
            context.region_text()
        );
        let fix = if code == "RegionDisabledException" {
            "AWS STS is not activated in that Region for the account: activate it in the IAM console (Account settings, Security Token Service), or use another Region.".to_string()
        } else {
            "The Region is probably not enabled for the account: enable it (AWS console, Account, AWS Regions) or leave it out of --region; if it is enabled, the access key is not valid: check it with `aws sts get-caller-identity`.".to_string()
        };
        (Problem::RegionNotEnabled, summary, fix)
    } else if UNREACHABLE_CODES.contains(&code) {
        let service = error.service().unwrap_or("AWS");
        let target = match &context.endpoint_url {
            Some(url) => format!("{url} ({service}, {})", context.region_text()),
            None => format!("the {service} endpoint of {}", context.region_text()),
        };
        let why = match code {
            DNS_FAILURE => "its host name does not resolve",
            TIMEOUT => "the connection timed out",
            CONNECTION_FAILED if error.message.to_ascii_lowercase().contains("refused") => {
                "the connection was refused"
            }
            CONNECTION_FAILED => "the connection failed",
            _ => "the request could not be sent",
        };
        let tries = attempts_text(error);
        let summary = format!("Cannot reach {target} for {action}{tries}: {why}.");
        let fix = if context.endpoint_url.is_some() {
            "Check that the endpoint is up and its URL is right, or unset AWS_ENDPOINT_URL (or the profile's endpoint_url) to use AWS's own endpoints.".to_string()
        } else {
            "Check the Region name (--region, AWS_REGION or the profile's region) and the network path to AWS (proxy settings such as HTTPS_PROXY, firewall, VPC endpoints).".to_string()
        };
        (Problem::Unreachable, summary, fix)
    } else if THROTTLING_CODES.contains(&code) {
        let summary = format!(
            "AWS kept throttling {action} ({code}): still refused after {} attempt{}.",
            error.attempts,
            if error.attempts == 1 { "" } else { "s" }
        );
        let fix = "Run again later or with fewer requests in flight (--concurrency); if it keeps happening, ask for a higher request rate in Service Quotas.".to_string();
        (Problem::Throttled, summary, fix)
    } else if code == DEADLINE_REACHED {
        let summary = format!(
            "The time allowed ran out before {action} could be made{}.",
            attempts_text(error)
        );
        let fix = "Allow more time (the Lambda's timeout), or evaluate fewer resources per run."
            .to_string();
        (Problem::DeadlineReached, summary, fix)
    } else if code == NO_ENDPOINT {
        let summary = format!(
            "No AWS endpoint could be worked out for {action} ({}).",
            context.region_text()
        );
        let fix = "Set a Region with --region, AWS_REGION or the profile's region.".to_string();
        (Problem::Other, summary, fix)
    } else {
        (Problem::Other, error.to_string(), String::new())
    };
    Explained {
        problem,
        summary,
        fix,
        raw: error.to_string(),
    }
}

fn attempts_text(error: &ApiError) -> String {
    if error.attempts > 1 {
        format!(" (after {} attempts)", error.attempts)
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests;
