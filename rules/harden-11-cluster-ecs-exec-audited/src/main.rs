//! AWS Config custom rule `ecs-harden-cluster-ecs-exec-audited`: HARDEN.11, ECS Exec sessions should be encrypted with a KMS key and logged.
//! Scaffolded by `cargo xtask new-control HARDEN.11`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("HARDEN.11")
}
