use clap::Parser;

/// Every case allocates a few hundred small blocks (generated value trees, JSON values,
/// canonical forms); mimalloc serves them at a fraction of glibc malloc's cost.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its option enum's 16th member; the Rust bindings
/// name no constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> std::process::ExitCode {
    // Never hand freed pages back to the OS: a run allocates and frees at a steady rate, and
    // each purged page came back as a page fault (a tenth of the harness's CPU per case).
    // SAFETY: setting an option has no memory effects; an out-of-range one is ignored.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    harness::cli::run(harness::cli::Cli::parse())
}
