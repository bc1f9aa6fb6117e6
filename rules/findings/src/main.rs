//! `findings`: the ecs-harden findings Lambda. AWS Config's "Config Rules Compliance Change"
//! events of the ecs-harden rules, forwarded from every member account to the central event
//! bus, become AWS Security Hub findings in the account that owns the resource. The mapping is
//! in `ecs_harden_core::findings`; this crate is the only one that links the Security Hub SDK.

mod handler;
mod securityhub;

fn main() -> Result<(), lambda_runtime::Error> {
    handler::serve()
}
