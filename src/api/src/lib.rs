//! Shared kcp API types.
