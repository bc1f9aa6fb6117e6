//! AWS Config custom rule `ecs-harden-cluster-fargate-storage-cmk`: HARDEN.13, ECS clusters should encrypt Fargate ephemeral storage with a customer managed key.
//! Scaffolded by `cargo xtask new-control HARDEN.13`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("HARDEN.13")
}
