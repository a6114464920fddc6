use clap::Parser;

/// Every case allocates a few hundred small blocks (generated value trees, JSON values,
/// canonical forms); mimalloc serves them at a fraction of glibc malloc's cost.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    harness::cli::run(harness::cli::Cli::parse())
}
