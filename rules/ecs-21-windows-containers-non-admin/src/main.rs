//! AWS Config custom rule `ecs-harden-windows-containers-non-admin`: ECS.21, ECS task definitions should configure non-administrator users in Windows container definitions.
//! Scaffolded by `cargo xtask new-control ECS.21`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("ECS.21")
}
