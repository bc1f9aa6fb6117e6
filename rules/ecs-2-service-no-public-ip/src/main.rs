//! AWS Config custom rule `ecs-harden-service-no-public-ip`: ECS.2, ECS services should not have public IP addresses assigned to them automatically.
//! Scaffolded by `cargo xtask new-control ECS.2`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("ECS.2")
}
