//! AWS Config custom rule `ecs-harden-efs-iam-authorization`: HARDEN.7, EFS volumes should authorize with the task's IAM role.
//! Scaffolded by `cargo xtask new-control HARDEN.7`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("HARDEN.7")
}
