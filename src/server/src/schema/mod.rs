//! The Kubernetes 1.36 definitions of the built-in types.
