//! Software prefetch: a hint that brings an element's cache line in ahead of its use, so that the misses of
//! a sparse walk overlap instead of stalling one by one. A hint only: it changes no result.

/// Asks the processor to bring `items[i]` into the first-level cache; nothing when `i` is out of range or
/// the target has no prefetch instruction.
#[inline(always)]
pub fn prefetch<T>(items: &[T], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(item) = items.get(i) {
        // SAFETY: a prefetch reads nothing architecturally and cannot fault; the address is a live element.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                (item as *const T).cast::<i8>(),
            )
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (items, i);
}
