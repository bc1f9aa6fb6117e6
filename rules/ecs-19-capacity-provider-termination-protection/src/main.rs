//! AWS Config custom rule `ecs-harden-capacity-provider-termination-protection`: ECS.19, ECS capacity providers should have managed termination protection enabled.
//! Scaffolded by `cargo xtask new-control ECS.19`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("ECS.19")
}
