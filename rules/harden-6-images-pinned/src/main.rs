//! AWS Config custom rule `ecs-harden-images-pinned`: HARDEN.6, Container images should be pinned to a version or digest.
//! Scaffolded by `cargo xtask new-control HARDEN.6`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("HARDEN.6")
}
