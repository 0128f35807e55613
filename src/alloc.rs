//! One setting of glibc's allocator, made before anything is allocated in earnest.
//!
//! An object-store upload fills 8 MiB part buffers on whichever thread of the blocking pool
//! runs the write. glibc serves a block that large with `mmap` only until the first one is
//! freed; from then on it raises its threshold and carves such blocks from per-thread arenas,
//! which keep them after they are freed. With a dozen threads each holding a part or two,
//! `--jobs 8` measured 409 MiB of peak RSS for 144 MiB of live parts. A fixed threshold keeps
//! every block of 1 MiB or more on `mmap`, returned to the kernel when freed: 157 MiB, and no
//! slower (scripts/bench-objstore.sh). Smaller buffers (the 256 KiB write batches, HTTP
//! buffers) stay in the arenas as before.

/// Blocks at least this large are mapped and unmapped on their own.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 1 << 20;

/// Fix the allocator's `mmap` threshold (glibc); elsewhere nothing to do.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only sets a parameter of the allocator; it is called once, at the
    // start of `main`, and any value is valid for M_MMAP_THRESHOLD up to 32 MiB.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    }
}
