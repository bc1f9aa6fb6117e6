//! AWS Config custom rule `ecs-harden-no-plaintext-secret-env`: HARDEN.9, Secret-looking environment variables should not carry literal values.
//! Scaffolded by `cargo xtask new-control HARDEN.9`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("HARDEN.9")
}
