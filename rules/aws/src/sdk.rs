//! The AWS configuration every binary of the project starts from: the rule and gate Lambdas,
//! `ecs-harden scan` and `ecs-harden evidence`.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::BehaviorVersion;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};

/// The usual credential and Region chain (environment, profiles, `AWS_ENDPOINT_URL`), rustls on
/// ring for TLS, the given retries, and timeouts so that a connection that hangs is cut off and
/// retried instead of eating a deadline.
pub fn config_loader(retry: RetryConfig) -> aws_config::ConfigLoader {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3))
        .read_timeout(Duration::from_secs(10))
        .operation_attempt_timeout(Duration::from_secs(15))
        .build();
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .retry_config(retry)
        .timeout_config(timeouts)
}

/// [`config_loader`], loaded.
pub async fn load(retry: RetryConfig) -> aws_config::SdkConfig {
    config_loader(retry).load().await
}
