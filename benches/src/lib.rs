//! Benchmarks for borderflow: criterion benches under `benches/` and the
//! end-to-end load tool.
