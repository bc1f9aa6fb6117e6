//! AWS Config custom rule `ecs-harden-images-trusted-registries`: HARDEN.5, Container images should come from trusted registries.
//! Scaffolded by `cargo xtask new-control HARDEN.5`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("HARDEN.5")
}
