//! The `liaison` binary; everything is in the library.

fn main() -> std::process::ExitCode {
    liaison::main()
}
