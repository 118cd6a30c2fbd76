//! The `liaison` command, for the integration tests: the same code as the real binary.

fn main() -> std::process::ExitCode {
    liaison::main()
}
