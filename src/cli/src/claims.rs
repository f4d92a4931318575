//! Permission-claim warnings printed after switching workspaces (`reference/kcp.md` §5.2 step
//! 11): for every APIBinding in the new workspace, each claim its APIExport makes
//! (`status.exportPermissionClaims`) should be specified in the binding's spec, accepted or
//! rejected there, and with the verbs the export asks for.

use std::collections::BTreeSet;

use kcp_api::Path;
use kcp_api::apis::v1alpha2::APIBinding;

use crate::api::KcpApi;
use crate::error::{CliError, Result};
use crate::output::Output;

/// The warnings for `bindings`, in order.
pub fn claim_warnings(bindings: &[APIBinding]) -> Vec<String> {
    let mut warnings = Vec::new();
    for binding in bindings {
        let name = binding.name();
        for exported in &binding.status.export_permission_claims {
            let specified = binding
                .spec
                .permission_claims
                .iter()
                .find(|c| c.scoped.claim.equal_gri(exported));
            match specified {
                None => warnings.push(format!(
                    "Warning: claim for {exported} exported but not specified on APIBinding {name}\nAdd this claim to the APIBinding's Spec."
                )),
                Some(c) if c.state.is_none() => warnings.push(format!(
                    "Warning: claim for {exported} specified on APIBinding {name} but not accepted or rejected."
                )),
                Some(c) => {
                    let allowed: BTreeSet<&str> =
                        c.scoped.claim.verbs.iter().map(String::as_str).collect();
                    let expected: BTreeSet<&str> =
                        exported.verbs.iter().map(String::as_str).collect();
                    if allowed != expected {
                        warnings.push(format!(
                            "Warning: allowed verbs ({}) on claim for {exported} on APIBinding {name} do not match expected verbs ({}).",
                            c.scoped.claim.verbs.join(","),
                            exported.verbs.join(",")
                        ));
                    }
                }
            }
        }
    }
    warnings
}

/// Lists the APIBindings of `cluster` and prints the warnings on stderr. A workspace without the
/// APIBinding API, or one the user may not list, has nothing to warn about.
pub async fn print_claim_warnings<A: KcpApi>(
    api: &A,
    cluster: &Path,
    o: &mut Output<'_>,
) -> Result<()> {
    let bindings = match api.list_api_bindings(cluster).await {
        Ok(b) => b,
        Err(e) if e.is_forbidden() || e.is_not_found() => return Ok(()),
        Err(e) => return Err(CliError::CheckingBindings(e)),
    };
    for warning in claim_warnings(&bindings) {
        writeln!(o.err, "{warning}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kcp_api::apis::AcceptablePermissionClaimState;
    use kcp_api::apis::v1alpha2::{
        AcceptablePermissionClaim, PermissionClaim, ScopedPermissionClaim,
    };

    fn claim(group: &str, resource: &str, hash: &str, verbs: &[&str]) -> PermissionClaim {
        PermissionClaim {
            group: group.into(),
            resource: resource.into(),
            identity_hash: hash.into(),
            verbs: verbs.iter().map(|v| v.to_string()).collect(),
            ..Default::default()
        }
    }

    fn accepted(
        c: PermissionClaim,
        state: Option<AcceptablePermissionClaimState>,
    ) -> AcceptablePermissionClaim {
        AcceptablePermissionClaim {
            scoped: ScopedPermissionClaim {
                claim: c,
                selector: Default::default(),
            },
            state,
        }
    }

    #[test]
    fn every_kind_of_warning() {
        let mut b = APIBinding::named("b");
        b.status.export_permission_claims = vec![
            claim("", "configmaps", "", &["get"]),
            claim("apps", "deployments", "", &["get", "list"]),
            claim("example.io", "widgets", "abc", &["*"]),
            claim("", "secrets", "", &["get", "list"]),
        ];
        b.spec.permission_claims = vec![
            accepted(claim("apps", "deployments", "", &["get"]), None),
            accepted(
                claim("example.io", "widgets", "abc", &["get"]),
                Some(AcceptablePermissionClaimState::Accepted),
            ),
            accepted(
                claim("", "secrets", "", &["list", "get"]),
                Some(AcceptablePermissionClaimState::Accepted),
            ),
        ];
        assert_eq!(
            claim_warnings(&[b]),
            [
                "Warning: claim for configmaps exported but not specified on APIBinding b\nAdd this claim to the APIBinding's Spec.",
                "Warning: claim for deployments.apps specified on APIBinding b but not accepted or rejected.",
                "Warning: allowed verbs (get) on claim for widgets.example.io:abc on APIBinding b do not match expected verbs (*).",
            ]
        );
    }
}
