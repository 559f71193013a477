//! `cargo run -p shop` serves the shop on http://127.0.0.1:3000;
//! `cargo run -p shop -- routes|migrate|loaddata FILE` are its other commands.

fn main() -> std::process::ExitCode {
    shop::app().main()
}
