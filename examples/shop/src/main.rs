//! `cargo run -p shop` serves the shop on http://127.0.0.1:3000;
//! `cargo run -p shop -- routes|migrate|loaddata FILE` are its other commands.

/// Many small, short-lived allocations per event and request: mimalloc
/// serves them faster than the system allocator (see `docs/dependencies.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    shop::app().main()
}
