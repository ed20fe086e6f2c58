//! Coverage analysis (placeholder until written).
