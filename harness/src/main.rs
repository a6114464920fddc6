use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use clap::Parser;
use libmimalloc_sys as mi;

/// Every case allocates a few hundred small blocks (generated value trees, JSON values,
/// canonical forms); mimalloc serves them at a fraction of glibc malloc's cost.
#[global_allocator]
static ALLOCATOR: Mimalloc = Mimalloc;

/// Every block mimalloc hands out is aligned to at least a machine word.
const WORD_ALIGN: usize = std::mem::size_of::<usize>();

/// mimalloc, asked for an alignment only when a type needs more than a word: its aligned
/// entry points (which the `mimalloc` crate always calls) cost twice the plain ones, and
/// nearly every block the harness allocates (strings, JSON trees, vectors) needs no more.
struct Mimalloc;

// SAFETY: each method forwards to the mimalloc call with the same contract, the plain one
// only where mimalloc's word alignment already satisfies the layout.
unsafe impl GlobalAlloc for Mimalloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= WORD_ALIGN {
            unsafe { mi::mi_malloc(layout.size()) as *mut u8 }
        } else {
            unsafe { mi::mi_malloc_aligned(layout.size(), layout.align()) as *mut u8 }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= WORD_ALIGN {
            unsafe { mi::mi_zalloc(layout.size()) as *mut u8 }
        } else {
            unsafe { mi::mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8 }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        unsafe { mi::mi_free(ptr as *mut c_void) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= WORD_ALIGN {
            unsafe { mi::mi_realloc(ptr as *mut c_void, new_size) as *mut u8 }
        } else {
            unsafe {
                mi::mi_realloc_aligned(ptr as *mut c_void, new_size, layout.align()) as *mut u8
            }
        }
    }
}

/// mimalloc's `mi_option_purge_delay` (its option enum's 16th member; the Rust bindings
/// name no constant for it).
const MI_OPTION_PURGE_DELAY: mi::mi_option_t = 15;

fn main() -> std::process::ExitCode {
    // Never hand freed pages back to the OS: a run allocates and frees at a steady rate, and
    // each purged page came back as a page fault (a tenth of the harness's CPU per case).
    // SAFETY: setting an option has no memory effects; an out-of-range one is ignored.
    unsafe { mi::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    harness::cli::run(harness::cli::Cli::parse())
}
