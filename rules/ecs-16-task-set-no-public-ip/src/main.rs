//! AWS Config custom rule `ecs-harden-task-set-no-public-ip`: ECS.16, ECS task sets should not automatically assign public IP addresses.
//! Scaffolded by `cargo xtask new-control ECS.16`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("ECS.16")
}
