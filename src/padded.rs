//! A value alone on its cache lines.

/// `T` aligned to 128 bytes (adjacent-line prefetching pairs 64-byte lines), so that values written by
/// different threads — one per worker thread, side by side in a `Vec` — never share a line. Without it,
/// every write by one thread evicts the line from the other cores: the load ledger's shard locks did, and
/// load accounting cost 1.39× the run without it instead of 1.24× (bench-1m, 2 threads).
#[repr(align(128))]
pub struct Padded<T>(pub T);
