//! AWS Config custom rule `ecs-harden-instance-metadata-blocked`: HARDEN.16, Containers on ECS container instances should not reach the instance metadata service.
//! Scaffolded by `cargo xtask new-control HARDEN.16`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("HARDEN.16")
}
