//! [`SecurityHubApi`] on the AWS SDK for Rust, one request per method. The SDK's own retries
//! are off: the core's `Caller` retries with the deadline in view.
//!
//! The core writes findings and filters as ASFF JSON; they become SDK types here, field by
//! field. A field this file does not know is an error naming it, never dropped silently.

use std::future::Future;

use aws_sdk_securityhub::types::{
    AwsEc2LaunchTemplateDetails, AwsEcsClusterDetails, AwsEcsServiceDetails,
    AwsEcsTaskDefinitionDetails, AwsSecurityFinding, AwsSecurityFindingFilters,
    AwsSecurityFindingIdentifier, Compliance, ComplianceStatus, FindingProviderFields,
    FindingProviderSeverity, NoteUpdate, Partition, Recommendation, RecordState, Remediation,
    Resource, ResourceDetails, SeverityLabel, StringFilter, StringFilterComparison, WorkflowStatus,
    WorkflowUpdate,
};
use aws_sdk_securityhub::Client;
use ecs_harden_aws::errors::api_error;
use ecs_harden_core::findings::asff::UPDATED_BY;
use ecs_harden_core::findings::{Failed, FindingIdentifier, SecurityHubApi, WorkflowChange};
use ecs_harden_core::runner::io::{ApiError, Page};
use serde_json::{json, Map, Value};

const IMPORT: &str = "securityhub:BatchImportFindings";
const UPDATE: &str = "securityhub:BatchUpdateFindings";
const GET: &str = "securityhub:GetFindings";
/// Code of the error for ASFF JSON this file cannot turn into SDK types.
const UNSUPPORTED: &str = "UnsupportedFindingField";

/// Security Hub in one account and Region.
pub struct SdkSecurityHub {
    pub client: Client,
}

/// The members of one JSON object, read once each; whatever is left is unknown.
struct Fields {
    action: &'static str,
    path: String,
    members: Map<String, Value>,
}

impl Fields {
    fn of(action: &'static str, path: &str, value: &Value) -> Result<Fields, ApiError> {
        match value {
            Value::Object(members) => Ok(Fields {
                action,
                path: path.to_string(),
                members: members.clone(),
            }),
            other => Err(unsupported(
                action,
                path,
                &format!("expected an object, got {other}"),
            )),
        }
    }

    fn take(&mut self, key: &str) -> Option<Value> {
        self.members.remove(key).filter(|v| !v.is_null())
    }

    fn text(&mut self, key: &str) -> Result<Option<String>, ApiError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(self.error(key, &format!("expected a string, got {other}"))),
        }
    }

    fn texts(&mut self, key: &str) -> Result<Vec<String>, ApiError> {
        match self.take(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|item| match item {
                    Value::String(text) => Ok(text),
                    other => Err(self.error(key, &format!("expected strings, got {other}"))),
                })
                .collect(),
            Some(other) => Err(self.error(key, &format!("expected a list, got {other}"))),
        }
    }

    fn object(&mut self, key: &str) -> Result<Option<Fields>, ApiError> {
        let path = format!("{}.{key}", self.path);
        self.take(key)
            .map(|value| Fields::of(self.action, &path, &value))
            .transpose()
    }

    fn error(&self, key: &str, message: &str) -> ApiError {
        unsupported(self.action, &format!("{}.{key}", self.path), message)
    }

    /// Fails on a member nothing read.
    fn done(self) -> Result<(), ApiError> {
        match self.members.keys().next() {
            None => Ok(()),
            Some(key) => Err(self.error(
                key,
                "is not a field the findings Lambda sends (rules/findings/src/securityhub.rs)",
            )),
        }
    }
}

fn unsupported(action: &'static str, path: &str, message: &str) -> ApiError {
    ApiError::new(action, UNSUPPORTED, format!("{path}: {message}"), false)
}

fn resource(value: &Value, path: &str) -> Result<Resource, ApiError> {
    let mut fields = Fields::of(IMPORT, path, value)?;
    let mut out = Resource::builder()
        .set_type(fields.text("Type")?)
        .set_id(fields.text("Id")?)
        .set_partition(
            fields
                .text("Partition")?
                .map(|p| Partition::from(p.as_str())),
        )
        .set_region(fields.text("Region")?);
    if let Some(mut details) = fields.object("Details")? {
        let mut built = ResourceDetails::builder();
        if let Some(mut td) = details.object("AwsEcsTaskDefinition")? {
            built = built.aws_ecs_task_definition(
                AwsEcsTaskDefinitionDetails::builder()
                    .set_family(td.text("Family")?)
                    .build(),
            );
            td.done()?;
        }
        if let Some(mut service) = details.object("AwsEcsService")? {
            built = built.aws_ecs_service(
                AwsEcsServiceDetails::builder()
                    .set_service_arn(service.text("ServiceArn")?)
                    .set_name(service.text("Name")?)
                    .set_cluster(service.text("Cluster")?)
                    .build(),
            );
            service.done()?;
        }
        if let Some(mut cluster) = details.object("AwsEcsCluster")? {
            built = built.aws_ecs_cluster(
                AwsEcsClusterDetails::builder()
                    .set_cluster_arn(cluster.text("ClusterArn")?)
                    .set_cluster_name(cluster.text("ClusterName")?)
                    .build(),
            );
            cluster.done()?;
        }
        if let Some(mut template) = details.object("AwsEc2LaunchTemplate")? {
            built = built.aws_ec2_launch_template(
                AwsEc2LaunchTemplateDetails::builder()
                    .set_id(template.text("Id")?)
                    .build(),
            );
            template.done()?;
        }
        details.done()?;
        out = out.details(built.build());
    }
    fields.done()?;
    Ok(out.build())
}

/// An ASFF finding (the JSON of `ecs_harden_core::findings::finding`) as the SDK's type.
pub fn sdk_finding(value: &Value) -> Result<AwsSecurityFinding, ApiError> {
    let mut fields = Fields::of(IMPORT, "finding", value)?;
    let mut out = AwsSecurityFinding::builder()
        .set_schema_version(fields.text("SchemaVersion")?)
        .set_id(fields.text("Id")?)
        .set_product_arn(fields.text("ProductArn")?)
        .set_product_name(fields.text("ProductName")?)
        .set_company_name(fields.text("CompanyName")?)
        .set_generator_id(fields.text("GeneratorId")?)
        .set_aws_account_id(fields.text("AwsAccountId")?)
        .set_created_at(fields.text("CreatedAt")?)
        .set_updated_at(fields.text("UpdatedAt")?)
        .set_last_observed_at(fields.text("LastObservedAt")?)
        .set_title(fields.text("Title")?)
        .set_description(fields.text("Description")?)
        .set_record_state(
            fields
                .text("RecordState")?
                .map(|s| RecordState::from(s.as_str())),
        );
    if let Some(mut provider) = fields.object("FindingProviderFields")? {
        let mut built = FindingProviderFields::builder().set_types(Some(provider.texts("Types")?));
        if let Some(mut severity) = provider.object("Severity")? {
            built = built.severity(
                FindingProviderSeverity::builder()
                    .set_label(
                        severity
                            .text("Label")?
                            .map(|l| SeverityLabel::from(l.as_str())),
                    )
                    .set_original(severity.text("Original")?)
                    .build(),
            );
            severity.done()?;
        }
        provider.done()?;
        out = out.finding_provider_fields(built.build());
    }
    if let Some(mut remediation) = fields.object("Remediation")? {
        if let Some(mut recommendation) = remediation.object("Recommendation")? {
            out = out.remediation(
                Remediation::builder()
                    .recommendation(
                        Recommendation::builder()
                            .set_text(recommendation.text("Text")?)
                            .set_url(recommendation.text("Url")?)
                            .build(),
                    )
                    .build(),
            );
            recommendation.done()?;
        }
        remediation.done()?;
    }
    if let Some(product_fields) = fields.object("ProductFields")? {
        for (key, value) in &product_fields.members {
            let text = value
                .as_str()
                .ok_or_else(|| product_fields.error(key, "expected a string"))?;
            out = out.product_fields(key, text);
        }
    }
    match fields.take("Resources") {
        None => {}
        Some(Value::Array(items)) => {
            for (index, item) in items.iter().enumerate() {
                out = out.resources(resource(item, &format!("finding.Resources[{index}]"))?);
            }
        }
        Some(other) => {
            return Err(fields.error("Resources", &format!("expected a list, got {other}")))
        }
    }
    if let Some(mut compliance) = fields.object("Compliance")? {
        out = out.compliance(
            Compliance::builder()
                .set_status(
                    compliance
                        .text("Status")?
                        .map(|s| ComplianceStatus::from(s.as_str())),
                )
                .set_security_control_id(compliance.text("SecurityControlId")?)
                .set_related_requirements(Some(compliance.texts("RelatedRequirements")?))
                .build(),
        );
        compliance.done()?;
    }
    fields.done()?;
    Ok(out.build())
}

/// GetFindings `Filters` (string filters only) as the SDK's type.
pub fn sdk_filters(value: &Value) -> Result<AwsSecurityFindingFilters, ApiError> {
    let mut fields = Fields::of(GET, "Filters", value)?;
    let mut read = |key: &str| -> Result<Option<Vec<StringFilter>>, ApiError> {
        let Some(entries) = fields.take(key) else {
            return Ok(None);
        };
        let Value::Array(entries) = entries else {
            return Err(unsupported(
                GET,
                &format!("Filters.{key}"),
                "expected a list",
            ));
        };
        entries
            .iter()
            .enumerate()
            .map(|(index, entry)| {
                let mut filter = Fields::of(GET, &format!("Filters.{key}[{index}]"), entry)?;
                let built = StringFilter::builder()
                    .set_value(filter.text("Value")?)
                    .set_comparison(
                        filter
                            .text("Comparison")?
                            .map(|c| StringFilterComparison::from(c.as_str())),
                    )
                    .build();
                filter.done()?;
                Ok(built)
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    };
    let filters = AwsSecurityFindingFilters::builder()
        .set_id(read("Id")?)
        .set_product_arn(read("ProductArn")?)
        .set_generator_id(read("GeneratorId")?)
        .set_resource_id(read("ResourceId")?)
        .set_record_state(read("RecordState")?)
        .set_compliance_status(read("ComplianceStatus")?)
        .set_workflow_status(read("WorkflowStatus")?)
        .build();
    fields.done()?;
    Ok(filters)
}

/// What the core reads of a finding GetFindings returns.
fn finding_json(finding: &AwsSecurityFinding) -> Value {
    json!({
        "Id": finding.id(),
        "ProductArn": finding.product_arn(),
        "UpdatedAt": finding.updated_at(),
        "Resources": finding.resources().iter().map(|r| json!({"Type": r.r#type(), "Id": r.id()})).collect::<Vec<_>>(),
    })
}

impl SecurityHubApi for SdkSecurityHub {
    fn batch_import_findings(
        &self,
        findings: &[Value],
    ) -> impl Future<Output = Result<Vec<Failed>, ApiError>> + Send {
        let client = self.client.clone();
        let converted: Result<Vec<AwsSecurityFinding>, ApiError> =
            findings.iter().map(sdk_finding).collect();
        async move {
            let response = client
                .batch_import_findings()
                .set_findings(Some(converted?))
                .send()
                .await
                .map_err(|e| api_error(IMPORT, e))?;
            Ok(response
                .failed_findings()
                .iter()
                .map(|failed| Failed {
                    id: failed.id().unwrap_or_default().to_string(),
                    code: failed.error_code().unwrap_or_default().to_string(),
                    message: failed.error_message().unwrap_or_default().to_string(),
                })
                .collect())
        }
    }

    fn batch_update_findings(
        &self,
        findings: &[FindingIdentifier],
        change: &WorkflowChange,
    ) -> impl Future<Output = Result<Vec<Failed>, ApiError>> + Send {
        let request = self
            .client
            .batch_update_findings()
            .set_finding_identifiers(Some(
                findings
                    .iter()
                    .map(|f| {
                        AwsSecurityFindingIdentifier::builder()
                            .id(&f.id)
                            .product_arn(&f.product_arn)
                            .build()
                    })
                    .collect(),
            ))
            .workflow(
                WorkflowUpdate::builder()
                    .status(WorkflowStatus::from(change.status.as_str()))
                    .build(),
            )
            .note(
                NoteUpdate::builder()
                    .text(&change.note)
                    .updated_by(UPDATED_BY)
                    .build(),
            );
        async move {
            let response = request.send().await.map_err(|e| api_error(UPDATE, e))?;
            Ok(response
                .unprocessed_findings()
                .iter()
                .map(|failed| Failed {
                    id: failed
                        .finding_identifier()
                        .and_then(|f| f.id())
                        .unwrap_or_default()
                        .to_string(),
                    code: failed.error_code().unwrap_or_default().to_string(),
                    message: failed.error_message().unwrap_or_default().to_string(),
                })
                .collect())
        }
    }

    fn get_findings(
        &self,
        filters: &Value,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<Value>, ApiError>> + Send {
        let client = self.client.clone();
        let filters = sdk_filters(filters);
        async move {
            let response = client
                .get_findings()
                .filters(filters?)
                .set_next_token(next_token)
                .max_results(100)
                .send()
                .await
                .map_err(|e| api_error(GET, e))?;
            Ok(Page {
                items: response.findings().iter().map(finding_json).collect(),
                next_token: response.next_token().map(str::to_string),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecs_harden_core::findings::{decode, plan, Decoded};

    #[test]
    fn every_field_of_a_finding_reaches_the_sdk() {
        let event = json!({
            "detail-type": "Config Rules Compliance Change",
            "source": "aws.config",
            "detail": {
                "awsAccountId": "111122223333",
                "awsRegion": "eu-west-1",
                "configRuleName": "ecs-harden-service-no-public-ip",
                "configRuleARN": "arn:aws:config:eu-west-1:111122223333:config-rule/config-rule-x",
                "resourceType": "AWS::ECS::Service",
                "resourceId": "arn:aws:ecs:eu-west-1:111122223333:service/payments/api",
                "messageType": "ComplianceChangeNotification",
                "newEvaluationResult": {
                    "complianceType": "NON_COMPLIANT",
                    "annotation": "Accepted risk EXC-3 until 2027-01-31: assignPublicIp is ENABLED.",
                    "resultRecordedTime": "2026-03-02T10:00:05.120Z",
                    "evaluationResultIdentifier": {"orderingTimestamp": "2026-03-02T10:00:00.000Z"},
                },
            },
        });
        let Decoded::Change(change) = decode(&event).unwrap() else {
            panic!("not a change")
        };
        let finding = plan(&change).finding.unwrap();
        let sdk = sdk_finding(&finding).unwrap();
        assert_eq!(sdk.id(), finding["Id"].as_str());
        assert_eq!(sdk.product_name(), Some("ecs-harden"));
        assert_eq!(sdk.updated_at(), Some("2026-03-02T10:00:05.120Z"));
        let provider = sdk.finding_provider_fields().unwrap();
        assert_eq!(
            provider.severity().and_then(|s| s.label()),
            Some(&SeverityLabel::High)
        );
        assert!(!provider.types().is_empty());
        let compliance = sdk.compliance().unwrap();
        assert_eq!(compliance.status(), Some(&ComplianceStatus::Failed));
        assert_eq!(compliance.security_control_id(), Some("ECS.2"));
        assert!(compliance
            .related_requirements()
            .contains(&"PCI DSS v4.0.1/1.4.4".to_string()));
        let service = sdk.resources()[0]
            .details()
            .and_then(|d| d.aws_ecs_service())
            .unwrap();
        assert_eq!(service.name(), Some("api"));
        assert_eq!(
            sdk.product_fields()
                .and_then(|p| p.get("ecs-harden/ExceptionId"))
                .map(String::as_str),
            Some("EXC-3")
        );
        assert_eq!(sdk.record_state(), Some(&RecordState::Active));
        assert!(sdk
            .remediation()
            .and_then(|r| r.recommendation())
            .and_then(|r| r.url())
            .is_some());
    }

    #[test]
    fn an_unknown_field_is_an_error_naming_it() {
        let error = sdk_finding(
            &json!({"Id": "x", "Resources": [{"Type": "Other", "Id": "y", "Tags": {"a": "b"}}]}),
        )
        .unwrap_err();
        assert_eq!(error.code, UNSUPPORTED);
        assert!(
            error.message.contains("finding.Resources[0].Tags"),
            "{error}"
        );
        let error =
            sdk_filters(&json!({"SeverityLabel": [{"Value": "HIGH", "Comparison": "EQUALS"}]}))
                .unwrap_err();
        assert!(error.message.contains("Filters.SeverityLabel"), "{error}");
    }
}
