//! The contract between the Lambdas and the deployment that configures them: environment
//! variable names, written once here and exported into `cdk/generated/catalogue.json`
//! (`contract.environment`) so the CDK app reads the same names.

/// Every environment variable a Lambda of this project reads, with what it carries.
pub struct EnvVar {
    /// Key in `contract.environment` of the generated catalogue (camelCase).
    pub key: &'static str,
    /// The variable's name.
    pub name: &'static str,
    pub description: &'static str,
}

/// Role the rule Lambdas (or the gate) assume in member accounts.
pub const MEMBER_ROLE_NAME: EnvVar = EnvVar {
    key: "memberRoleName",
    name: "ECS_HARDEN_MEMBER_ROLE_NAME",
    description: "Name of the role assumed in member accounts (rule Lambdas and gate).",
};

/// The gate's mode: `audit` (default) or `enforce`.
pub const GATE_MODE: EnvVar = EnvVar {
    key: "gateMode",
    name: "ECS_HARDEN_GATE_MODE",
    description: "The gate's mode: audit (report only, the default) or enforce.",
};

/// Control ids the gate evaluates (comma-separated; empty: the High task definition controls).
pub const GATE_CONTROLS: EnvVar = EnvVar {
    key: "gateControls",
    name: "ECS_HARDEN_GATE_CONTROLS",
    description: "Comma-separated control ids the gate evaluates; empty: every High-severity task definition control.",
};

/// The organization's rule parameters (the map the conformance pack's InputParameters come
/// from), as JSON: `{"HARDEN.5": {"allowedRegistries": "…"}, …}`.
pub const PARAMETERS: EnvVar = EnvVar {
    key: "parameters",
    name: "ECS_HARDEN_PARAMETERS",
    description: "JSON object of rule parameters by control id, the same map the conformance pack's InputParameters come from.",
};

/// The organization's AWS Config aggregator, where rule Lambdas read IAM roles and policies
/// (global resources, recorded in one Region) of member accounts.
pub const AGGREGATOR: EnvVar = EnvVar {
    key: "aggregator",
    name: "ECS_HARDEN_AGGREGATOR",
    description: "The organization's AWS Config aggregator, `<region>/<name>` (or `<name>` in the Lambda's Region), in the Lambda's account; rule Lambdas read IAM roles and policies there. Unset: the member account's own Config inventory in the Region.",
};

/// Where the rule Lambdas and the gate read the exception register: an object in a versioned
/// S3 bucket of the Lambda's account and Region.
pub const EXCEPTIONS: EnvVar = EnvVar {
    key: "exceptions",
    name: "ECS_HARDEN_EXCEPTIONS",
    description: "The exception register, `s3://<bucket>/<key>` in the Lambda's account and Region; read at a container's first invocation and again after 5 minutes. Unset or empty: no exceptions. Unreadable or invalid: no exceptions, and an error log naming the object and the problem.",
};

/// All of them, in a stable order.
pub const ENVIRONMENT: &[&EnvVar] = &[
    &MEMBER_ROLE_NAME,
    &GATE_MODE,
    &GATE_CONTROLS,
    &PARAMETERS,
    &AGGREGATOR,
    &EXCEPTIONS,
];
