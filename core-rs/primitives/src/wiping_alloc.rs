//! A global allocator that zeroes every block before handing it back.
//!
//! wasm-bindgen copies arguments into WebAssembly memory and results out of it, and frees those
//! copies with the module's allocator. Keys, seeds and plaintexts pass through such copies, so the
//! only place that can promise "no secret stays in freed WASM memory" is the allocator itself.
//! Zeroing costs one `memset` per free, which is noise next to a scalar multiplication.
#![allow(unsafe_code)] // implementing GlobalAlloc is unsafe by definition; each call forwards to System.

use std::alloc::{GlobalAlloc, Layout, System};

struct WipingAllocator;

#[global_allocator]
static ALLOCATOR: WipingAllocator = WipingAllocator;

fn wipe(ptr: *mut u8, len: usize) {
    for i in 0..len {
        // SAFETY: `ptr..ptr+len` is the live block being freed; volatile so the store is not elided.
        unsafe { core::ptr::write_volatile(ptr.add(i), 0) };
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
