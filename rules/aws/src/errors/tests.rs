//! Each kind of failure, built as the SDK builds it, classified and explained.

use std::time::Duration;

use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_ecs::operation::list_clusters::ListClustersError;
use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityError;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::error::ErrorMetadata;
use ecs_harden_core::runner::io::ApiError;

use super::*;

fn response(status: u16) -> HttpResponse {
    HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::empty())
}

/// An ECS `ListClusters` answered with an error.
fn ecs_error(code: &str, message: &str, status: u16) -> SdkError<ListClustersError, HttpResponse> {
    let meta = ErrorMetadata::builder().code(code).message(message).build();
    SdkError::service_error(ListClustersError::generic(meta), response(status))
}

/// An STS `GetCallerIdentity` answered with an error.
fn sts_error(code: &str, message: &str) -> SdkError<GetCallerIdentityError, HttpResponse> {
    let meta = ErrorMetadata::builder().code(code).message(message).build();
    SdkError::service_error(GetCallerIdentityError::generic(meta), response(403))
}

/// A request that never got an answer, as the orchestrator reports it: a dispatch failure
/// around `source` (a connector's error, or an identity resolver's).
fn not_sent<E>(connector: ConnectorError) -> SdkError<E, HttpResponse> {
    SdkError::dispatch_failure(connector)
}

/// The orchestrator's error when the credential provider fails before signing.
fn credentials_failure(error: CredentialsError) -> SdkError<GetCallerIdentityError, HttpResponse> {
    not_sent(ConnectorError::other(Box::new(error), None))
}

fn profile(name: &str) -> CallContext {
    CallContext {
        profile: Some(name.to_string()),
        region: Some("eu-west-1".to_string()),
        endpoint_url: None,
    }
}

#[test]
fn no_credentials_names_the_ways_to_provide_them() {
    let error = api_error(
        "sts:GetCallerIdentity",
        credentials_failure(CredentialsError::not_loaded(
            "no providers in chain provided credentials",
        )),
    );
    assert_eq!(error.code, NO_CREDENTIALS);
    assert!(!error.retryable, "no retry conjures credentials");
    let explained = explain(&error, &profile("dev"));
    assert_eq!(explained.problem, Problem::NoCredentials);
    assert_eq!(
        explained.summary,
        "No AWS credentials found (profile dev) for sts:GetCallerIdentity: none in the environment, the AWS config and credentials files, or container or instance metadata."
    );
    for way in [
        "`aws sso login --profile dev`",
        "--profile",
        "AWS_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ] {
        assert!(explained.fix.contains(way), "{way}: {}", explained.fix);
    }
    assert!(explained
        .raw
        .contains("no providers in chain provided credentials"));
    let shown = explained.to_string();
    assert!(
        !shown.contains("DispatchFailure") && !shown.contains("ConnectorError"),
        "{shown}"
    );
}

/// The case a first-time user on a workstation meets: the last place the default chain looks,
/// the instance metadata service, accepts the connection and never answers, and the provider
/// fails with a `ProviderError` around the IMDS client's error.
#[tokio::test]
async fn instance_metadata_that_never_answers_means_no_credentials() {
    // Bound and never accepted: connections complete in the kernel's backlog, answers never come.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let provider_config =
        aws_config::provider_config::ProviderConfig::without_region().with_http_client(http);
    let imds = aws_config::imds::Client::builder()
        .configure(&provider_config)
        .endpoint(format!("http://{}", silent.local_addr().unwrap()))
        .unwrap()
        .max_attempts(1)
        .operation_attempt_timeout(Duration::from_millis(200))
        .build();
    let provider = aws_config::imds::credentials::ImdsCredentialsProvider::builder()
        .configure(&provider_config)
        .imds_client(imds)
        .build();
    let failure = provider.provide_credentials().await.unwrap_err();
    assert!(
        matches!(failure, CredentialsError::ProviderError(_)),
        "the case of the report: {failure:?}"
    );
    let error = api_error("ecs:ListClusters", credentials_failure(failure));
    assert_eq!(error.code, NO_CREDENTIALS, "{error}");
    assert_eq!(
        explain(&error, &CallContext::default()).problem,
        Problem::NoCredentials
    );
}

#[test]
fn an_expired_token_says_to_sign_in_again() {
    for (error, code) in [
        (
            api_error(
                "sts:GetCallerIdentity",
                sts_error(
                    "ExpiredToken",
                    "The security token included in the request is expired",
                ),
            ),
            "ExpiredToken",
        ),
        (
            api_error(
                "ecs:ListClusters",
                ecs_error(
                    "ExpiredTokenException",
                    "The security token included in the request is expired",
                    400,
                ),
            ),
            "ExpiredTokenException",
        ),
    ] {
        assert!(!error.retryable);
        let explained = explain(&error, &profile("dev"));
        assert_eq!(explained.problem, Problem::ExpiredCredentials, "{code}");
        assert!(
            explained.summary.contains("have expired"),
            "{}",
            explained.summary
        );
        assert!(explained.summary.contains(code) && explained.summary.contains(error.action));
        assert!(
            explained.fix.contains("`aws sso login --profile dev`"),
            "{}",
            explained.fix
        );
    }
}

#[test]
fn an_sso_token_that_cannot_be_refreshed_says_to_sign_in_again() {
    for message in [
        "the SSO token has expired and cannot be refreshed",
        "failed to load the cached SSO token",
    ] {
        let error = api_error(
            "ecs:ListClusters",
            credentials_failure(CredentialsError::provider_error(message)),
        );
        assert_eq!(error.code, SIGN_IN_EXPIRED, "{message}");
        assert!(!error.retryable);
        let explained = explain(&error, &profile("prod-audit"));
        assert_eq!(explained.problem, Problem::ExpiredCredentials);
        assert!(
            explained.summary.starts_with("The sign-in behind the AWS credentials (profile prod-audit) has expired or is missing"),
            "{}",
            explained.summary
        );
        assert!(explained
            .fix
            .contains("`aws sso login --profile prod-audit`"));
    }
}

#[test]
fn access_denied_names_the_action_to_grant() {
    let ecs = api_error(
        "ecs:ListClusters",
        ecs_error(
            "AccessDeniedException",
            "User: arn:aws:iam::111122223333:user/ci is not authorized to perform: ecs:ListClusters",
            400,
        ),
    );
    let sts = api_error(
        "sts:AssumeRole",
        sts_error("AccessDenied", "not authorized to perform: sts:AssumeRole"),
    );
    let ec2_style = api_error(
        "ecs:ListClusters",
        ecs_error(
            "UnauthorizedOperation",
            "You are not authorized to perform this operation.",
            403,
        ),
    );
    for (error, action) in [
        (ecs, "ecs:ListClusters"),
        (sts, "sts:AssumeRole"),
        (ec2_style, "ecs:ListClusters"),
    ] {
        assert!(!error.retryable, "{error}");
        let explained = explain(&error, &profile("ci"));
        assert_eq!(explained.problem, Problem::AccessDenied, "{error}");
        assert_eq!(
            explained.summary,
            format!(
                "Access denied: the credentials in use may not call {action} (Region eu-west-1)."
            )
        );
        assert!(explained
            .fix
            .starts_with(&format!("Grant `{action}` to the IAM role or user")));
    }
}

#[test]
fn a_refused_connection_names_the_endpoint() {
    let refused = std::io::Error::new(
        std::io::ErrorKind::ConnectionRefused,
        "Connection refused (os error 111)",
    );
    let error = api_error(
        "sts:GetCallerIdentity",
        not_sent::<GetCallerIdentityError>(ConnectorError::io(Box::new(refused))),
    );
    assert_eq!(error.code, CONNECTION_FAILED);
    assert!(error.retryable);
    let context = CallContext {
        profile: None,
        region: Some("us-east-1".into()),
        endpoint_url: Some("http://127.0.0.1:9".into()),
    };
    let explained = explain(&error, &context);
    assert_eq!(explained.problem, Problem::Unreachable);
    assert_eq!(
        explained.summary,
        "Cannot reach http://127.0.0.1:9 (sts, Region us-east-1) for sts:GetCallerIdentity: the connection was refused."
    );
    assert!(explained.fix.contains("AWS_ENDPOINT_URL"));
}

#[test]
fn an_unknown_region_does_not_resolve_and_says_to_check_the_region() {
    let dns: Box<dyn StdError + Send + Sync> =
        "dns error: failed to lookup address information: Name or service not known".into();
    let error = api_error(
        "ecs:ListClusters",
        not_sent::<ListClustersError>(ConnectorError::io(dns)),
    );
    assert_eq!(error.code, DNS_FAILURE);
    let context = CallContext {
        region: Some("us-esat-1".into()),
        ..CallContext::default()
    };
    let explained = explain(&error, &context);
    assert_eq!(explained.problem, Problem::Unreachable);
    assert_eq!(
        explained.summary,
        "Cannot reach the ecs endpoint of Region us-esat-1 for ecs:ListClusters: its host name does not resolve."
    );
    assert!(explained.fix.contains("--region"));
}

#[test]
fn a_timeout_is_retryable_and_unreachable() {
    let error = api_error(
        "ecs:ListClusters",
        SdkError::<ListClustersError, HttpResponse>::timeout_error("operation timed out"),
    );
    assert_eq!(error.code, TIMEOUT);
    assert!(error.retryable);
    let error = ApiError {
        attempts: 10,
        ..error
    };
    let explained = explain(&error, &profile("dev"));
    assert_eq!(explained.problem, Problem::Unreachable);
    assert!(
        explained
            .summary
            .ends_with("for ecs:ListClusters (after 10 attempts): the connection timed out."),
        "{}",
        explained.summary
    );
}

#[test]
fn throttling_is_retryable_and_explained_with_the_attempts_made() {
    let error = api_error(
        "ecs:DescribeServices",
        ecs_error("ThrottlingException", "Rate exceeded", 400),
    );
    assert!(error.retryable);
    let after_retries = ApiError {
        attempts: 10,
        ..error
    };
    let explained = explain(&after_retries, &profile("dev"));
    assert_eq!(explained.problem, Problem::Throttled);
    assert_eq!(
        explained.summary,
        "AWS kept throttling ecs:DescribeServices (ThrottlingException): still refused after 10 attempts."
    );
    assert!(explained.fix.contains("--concurrency"));
    assert_eq!(
        explained.raw,
        "ecs:DescribeServices failed: ThrottlingException: Rate exceeded (after 10 attempts)"
    );
}

#[test]
fn server_errors_are_retryable_and_client_errors_are_not() {
    assert!(
        api_error(
            "ecs:ListClusters",
            ecs_error("ServerException", "oops", 500)
        )
        .retryable
    );
    assert!(
        api_error(
            "ecs:ListClusters",
            ecs_error("InternalFailure", "oops", 400)
        )
        .retryable
    );
    assert!(api_error("ecs:ListClusters", ecs_error("Whatever", "slow down", 429)).retryable);
    let client = api_error("ecs:ListClusters", ecs_error("ClientException", "bad", 400));
    assert!(!client.retryable);
    let explained = explain(&client, &profile("dev"));
    assert_eq!(explained.problem, Problem::Other);
    assert_eq!(
        explained.summary,
        "ecs:ListClusters failed: ClientException: bad"
    );
    assert_eq!(explained.fix, "");
    assert_eq!(explained.to_string(), explained.summary);
}

#[test]
fn credentials_a_region_refuses_point_at_opt_in_regions() {
    for (error, code) in [
        (
            api_error(
                "ecs:ListClusters",
                ecs_error(
                    "UnrecognizedClientException",
                    "The security token included in the request is invalid.",
                    400,
                ),
            ),
            "UnrecognizedClientException",
        ),
        (
            api_error(
                "sts:GetCallerIdentity",
                sts_error(
                    "InvalidClientTokenId",
                    "The security token included in the request is invalid.",
                ),
            ),
            "InvalidClientTokenId",
        ),
    ] {
        let explained = explain(&error, &profile("dev").in_region("ap-east-2"));
        assert_eq!(explained.problem, Problem::RegionNotEnabled, "{code}");
        assert_eq!(
            explained.summary,
            format!(
                "AWS did not accept the credentials in Region ap-east-2: {} was refused with {code}.",
                error.action
            )
        );
        assert!(explained.fix.contains("not enabled for the account"));
    }
}

#[test]
fn the_deadline_is_explained() {
    let error = ApiError::new(
        "the next AWS call",
        DEADLINE_REACHED,
        "the deadline (less the safety margin) arrived first",
        false,
    );
    let explained = explain(&error, &CallContext::default());
    assert_eq!(explained.problem, Problem::DeadlineReached);
    assert_eq!(
        explained.summary,
        "The time allowed ran out before the next AWS call could be made."
    );
}

#[test]
fn the_context_comes_from_the_sdk_configuration() {
    let config = aws_config::SdkConfig::builder()
        .region(aws_config::Region::new("eu-central-1"))
        .endpoint_url("http://127.0.0.1:4566")
        .build();
    assert_eq!(
        CallContext::of(&config, Some("audit")),
        CallContext {
            profile: Some("audit".into()),
            region: Some("eu-central-1".into()),
            endpoint_url: Some("http://127.0.0.1:4566".into()),
        }
    );
}

#[test]
fn a_request_that_could_not_be_sent_is_told_apart_from_a_missing_region() {
    let no_region = api_error(
        "ecs:ListClusters",
        not_sent::<ListClustersError>(ConnectorError::other(
            "failed to resolve endpoint: A valid region must be set".into(),
            None,
        )),
    );
    assert_eq!(no_region.code, NO_ENDPOINT);
    assert!(!no_region.retryable, "no retry sets a Region");
    let explained = explain(&no_region, &CallContext::default());
    assert_eq!(
        explained.summary,
        "No AWS endpoint could be worked out for ecs:ListClusters (no Region set)."
    );
    assert!(explained.fix.contains("--region"));

    let unsent = api_error(
        "ecs:ListClusters",
        not_sent::<ListClustersError>(ConnectorError::other("stream reset".into(), None)),
    );
    assert_eq!(unsent.code, DISPATCH_FAILURE);
    assert!(unsent.retryable);
    let explained = explain(&unsent, &profile("dev"));
    assert_eq!(explained.problem, Problem::Unreachable);
    assert_eq!(
        explained.summary,
        "Cannot reach the ecs endpoint of Region eu-west-1 for ecs:ListClusters: the request could not be sent."
    );
}
