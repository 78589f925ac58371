// The core re-exports the numeric kernels, so the shell, benchmarks and tests keep writing `import SFT`.
// SFTKernels (tensors, kernels, model math, AdamW) is built -Ounchecked; this module, which reads bytes from
// outside, keeps Swift's bounds and overflow checks.
@_exported import SFTKernels
