//! The `liaison` binary; everything is in the library.

/// mimalloc, not the system allocator: the node makes many small allocations (sled's pages,
/// automerge's documents), and glibc's malloc spent about a third of an import's CPU time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    liaison::main()
}
