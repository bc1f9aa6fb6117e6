//! Organization rules run one central Lambda per control; for an event about another account
//! it assumes a role there (STS) and caches the credentials per account while warm.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use ecs_harden_core::runner::io::ApiError;

use crate::clients::{SdkConfigApi, SdkEcsApi};
use crate::errors::api_error;

const ASSUME_ROLE: &str = "sts:AssumeRole";

/// Role name assumed in member accounts when none is configured.
pub const DEFAULT_MEMBER_ROLE_NAME: &str = "ecs-harden-member";

/// The role to assume in `account`: the configured role name if there is one; else the
/// event's `executionRoleArn` unless it is a service-linked role (which a Lambda cannot
/// assume); else the default role name.
pub fn member_role_arn(
    partition: &str,
    account: &str,
    configured_name: Option<&str>,
    execution_role_arn: Option<&str>,
) -> String {
    if let Some(name) = configured_name.filter(|n| !n.is_empty()) {
        return format!("arn:{partition}:iam::{account}:role/{name}");
    }
    if let Some(arn) = execution_role_arn {
        let in_account = arn.split(':').nth(4) == Some(account);
        if in_account && !arn.contains(":role/aws-service-role/") {
            return arn.to_string();
        }
    }
    format!("arn:{partition}:iam::{account}:role/{DEFAULT_MEMBER_ROLE_NAME}")
}

/// Clients for the Lambda's own account and for member accounts.
pub struct Accounts {
    base: SdkConfig,
    sts: aws_sdk_sts::Client,
    role_name: Option<String>,
    cache: Mutex<HashMap<String, Credentials>>,
}

impl Accounts {
    pub fn new(base: SdkConfig, role_name: Option<String>) -> Accounts {
        Accounts {
            sts: aws_sdk_sts::Client::new(&base),
            base,
            role_name,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn clients(config: &SdkConfig) -> (SdkConfigApi, SdkEcsApi) {
        (
            SdkConfigApi {
                client: aws_sdk_config::Client::new(config),
            },
            SdkEcsApi {
                client: aws_sdk_ecs::Client::new(config),
            },
        )
    }

    /// Clients for `account`, as seen by the function `function_arn` (the Lambda context's
    /// invoked ARN): `None` or the function's own account uses its own credentials; another
    /// account gets an assumed role in that account's partition.
    pub async fn clients_for(
        &self,
        account: Option<&str>,
        function_arn: &str,
        execution_role_arn: Option<&str>,
    ) -> Result<(SdkConfigApi, SdkEcsApi), ApiError> {
        let config = self
            .config_for(account, function_arn, execution_role_arn)
            .await?;
        Ok(Self::clients(&config))
    }

    /// The SDK configuration [`Accounts::clients_for`] builds its clients from, for clients of
    /// other services.
    pub async fn config_for(
        &self,
        account: Option<&str>,
        function_arn: &str,
        execution_role_arn: Option<&str>,
    ) -> Result<SdkConfig, ApiError> {
        let mut parts = function_arn.split(':');
        let partition = parts.nth(1).filter(|p| !p.is_empty()).unwrap_or("aws");
        let own_account = parts.nth(2).filter(|a| !a.is_empty());
        let Some(account) = account.filter(|a| Some(*a) != own_account) else {
            return Ok(self.base.clone());
        };
        let cached = self
            .cache
            .lock()
            .ok()
            .and_then(|c| c.get(account).cloned())
            .filter(|c| {
                c.expiry()
                    .is_none_or(|e| e > SystemTime::now() + Duration::from_secs(120))
            });
        let credentials = match cached {
            Some(credentials) => credentials,
            None => {
                let role = member_role_arn(
                    partition,
                    account,
                    self.role_name.as_deref(),
                    execution_role_arn,
                );
                let credentials = self.assume(&role).await?;
                if let Ok(mut cache) = self.cache.lock() {
                    cache.insert(account.to_string(), credentials.clone());
                }
                credentials
            }
        };
        Ok(self
            .base
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(credentials))
            .build())
    }

    async fn assume(&self, role_arn: &str) -> Result<Credentials, ApiError> {
        tracing::info!(role_arn, "assuming member-account role");
        let out = self
            .sts
            .assume_role()
            .role_arn(role_arn)
            .role_session_name("ecs-harden")
            .duration_seconds(900)
            .send()
            .await
            .map_err(|e| api_error(ASSUME_ROLE, e))?;
        let c = out.credentials().ok_or_else(|| {
            ApiError::new(
                ASSUME_ROLE,
                "EmptyResponse",
                "no credentials in the response",
                false,
            )
        })?;
        Ok(Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            SystemTime::try_from(*c.expiration()).ok(),
            "ecs-harden-assume-role",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_choice() {
        let slr = "arn:aws:iam::444455556666:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig";
        assert_eq!(
            member_role_arn("aws", "444455556666", None, Some(slr)),
            "arn:aws:iam::444455556666:role/ecs-harden-member"
        );
        assert_eq!(
            member_role_arn("aws", "444455556666", Some("audit"), Some(slr)),
            "arn:aws:iam::444455556666:role/audit"
        );
        let own = "arn:aws:iam::444455556666:role/config-rules";
        assert_eq!(member_role_arn("aws", "444455556666", None, Some(own)), own);
        let other = "arn:aws:iam::111122223333:role/config-rules";
        assert_eq!(
            member_role_arn("aws", "444455556666", None, Some(other)),
            "arn:aws:iam::444455556666:role/ecs-harden-member"
        );
    }
}
