//! AWS Config custom rule `ecs-harden-efs-transit-encryption`: ECS.18, ECS task definitions should use encryption in transit for EFS volumes.
//! Scaffolded by `cargo xtask new-control ECS.18`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("ECS.18")
}
