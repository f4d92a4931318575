//! HTTP: the TLS listener, HTTP/1.1 and HTTP/2 on one port (hyper-util's auto builder), client
//! certificates, and the small vocabulary of responses every handler uses.

pub mod negotiation;
pub mod request_info;
pub mod response;
pub mod serve;

pub use request_info::RequestInfo;
