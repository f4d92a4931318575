//! Virtual workspaces (`reference/kcp.md` §2.4): views under `/services/…` that span logical
//! clusters, served on the server's own port from the same watch cache and registry as
//! `/clusters/…`. Today: the APIExport virtual workspace ([`apiexport`]), through which a
//! provider's controller sees every bound object of its API.

pub mod apiexport;
