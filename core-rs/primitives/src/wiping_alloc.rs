//! A global allocator that zeroes every block before handing it back.
//!
//! wasm-bindgen copies arguments into WebAssembly memory and results out of it, and frees those
//! copies with the module's allocator. Keys, seeds and plaintexts pass through such copies, so the
//! only place that can promise "no secret stays in freed WASM memory" is the allocator itself.
//! Zeroing costs one pass of word stores per free, which is noise next to a scalar multiplication.
#![allow(unsafe_code)] // implementing GlobalAlloc is unsafe by definition; each call forwards to System.

use std::alloc::{GlobalAlloc, Layout, System};

struct WipingAllocator;

#[global_allocator]
static ALLOCATOR: WipingAllocator = WipingAllocator;

/// Zeroes `len` bytes at `ptr`: 8-byte volatile stores over the aligned middle (an eighth of the
/// stores a byte-wise loop makes for a large argument), single bytes for the unaligned ends.
/// Volatile, so the stores to a block about to be freed are not elided as dead.
fn wipe(ptr: *mut u8, len: usize) {
    let head = ptr.align_offset(core::mem::align_of::<u64>()).min(len);
    let words = (len - head) / 8;
    let tail = head + words * 8;
    for i in (0..head).chain(tail..len) {
        // SAFETY: `ptr..ptr+len` is the live block being freed; `i < len`.
        unsafe { core::ptr::write_volatile(ptr.add(i), 0) };
    }
    // SAFETY: `ptr + head` is 8-aligned and `head + 8·words <= len`: every word lies in the block.
    let word = unsafe { ptr.add(head) }.cast::<u64>();
    for i in 0..words {
        // SAFETY: see above.
        unsafe { core::ptr::write_volatile(word.add(i), 0) };
    }
    core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
}

// SAFETY: every method forwards to `System` with the layout it was given; `dealloc` and `realloc`
// only write inside the block that the caller owns and is giving up.
unsafe impl GlobalAlloc for WipingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        System.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        wipe(ptr, layout.size());
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Never let System move the block and leave the old copy behind: allocate, copy, wipe, free.
        let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
            return core::ptr::null_mut();
        };
        let new_ptr = System.alloc(new_layout);
        if !new_ptr.is_null() {
            core::ptr::copy_nonoverlapping(ptr, new_ptr, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        new_ptr
    }
}
