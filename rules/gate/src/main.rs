//! `ecs-harden-gate`: the account-level gate for task definitions (CloudFormation Lambda Hook
//! and RegisterTaskDefinition responder). The logic lives in `rules/core` (gate) and `rules/aws`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::gate::serve()
}
