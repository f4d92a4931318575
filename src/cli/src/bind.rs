//! `kubectl kcp bind apiexport <path>:<export>` (`reference/kcp.md` §5.7): creates an APIBinding
//! in the current workspace that binds the APIExport `<export>` of workspace `<path>`, then waits
//! until the binding is Bound.
//!
//! The steps, as kcp's plugin takes them: validate the flags ([`BindArgs::plan`]); find the
//! version of `apibindings.apis.kcp.io` the server prefers; for `--accept-all-permission-claims`
//! or `--reject-all-permission-claims` read the export's claims; create the binding in that
//! version; print `apibinding <name> created. Waiting to successfully bind ...`; wait for
//! `status.phase: Bound` and print `<name> created and bound.`. kcp polls every 500 ms; this one
//! watches the binding, so it returns as soon as the server binds it.

use std::time::Duration;

use futures::StreamExt;
use kcp_api::Path;
use kcp_api::apis::conversion::binding_to_v1alpha1;
use kcp_api::apis::v1alpha2::{
    APIBinding, AcceptablePermissionClaim, PermissionClaim, PermissionClaimSelector,
    ScopedPermissionClaim,
};
use kcp_api::apis::{
    APIBindingPhase, AcceptablePermissionClaimState, ExportBindingReference, v1alpha1,
};

use crate::api::{ApiError, BindingEvent, KcpApi};
use crate::error::{CliError, Result};
use crate::output::Output;
use crate::session::Session;
use crate::workspace_url::WorkspaceUrl;

/// How long to wait before watching again when the server ended a watch without an event.
const REWATCH_DELAY: Duration = Duration::from_millis(500);

/// The flags of `bind apiexport`.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct BindArgs {
    /// The APIExport to bind: the path of its workspace, a colon, its name (as with kcp, only
    /// the first argument counts).
    #[arg(value_name = "workspace_path:apiexport-name")]
    pub apiexport: Vec<String>,
    /// The APIBinding's name (default: the APIExport's name).
    #[arg(long, default_value = "", hide_default_value = true)]
    pub name: String,
    /// How long to wait for the APIBinding to be bound.
    #[arg(long, default_value = "30s", value_parser = parse_go_duration)]
    pub timeout: Duration,
    /// Permission claims to accept, as resource.group (core for the core group), comma-separated or repeated.
    #[arg(long, value_delimiter = ',', value_name = "strings")]
    pub accept_permission_claim: Vec<String>,
    /// Permission claims to reject, as resource.group (core for the core group), comma-separated or repeated.
    #[arg(long, value_delimiter = ',', value_name = "strings")]
    pub reject_permission_claim: Vec<String>,
    /// Accept every permission claim the APIExport makes.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    pub accept_all_permission_claims: bool,
    /// Reject every permission claim the APIExport makes.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    pub reject_all_permission_claims: bool,
    /// Create the binding in this workspace instead of the current one: `:root:a` is absolute, `a` or `..:b` relative.
    #[arg(short = 'w', long, value_name = "PATH")]
    pub workspace: Option<String>,
}

/// Which version of APIBinding the server prefers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindingVersion {
    V1alpha1,
    V1alpha2,
}

impl BindingVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            BindingVersion::V1alpha1 => "v1alpha1",
            BindingVersion::V1alpha2 => "v1alpha2",
        }
    }
}

/// An APIBinding in the version it was created in.
#[derive(Clone, Debug, PartialEq)]
pub enum VersionedBinding {
    V1alpha1(v1alpha1::APIBinding),
    V1alpha2(APIBinding),
}

impl VersionedBinding {
    pub fn version(&self) -> BindingVersion {
        match self {
            VersionedBinding::V1alpha1(_) => BindingVersion::V1alpha1,
            VersionedBinding::V1alpha2(_) => BindingVersion::V1alpha2,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            VersionedBinding::V1alpha1(b) => b.name(),
            VersionedBinding::V1alpha2(b) => b.name(),
        }
    }

    pub fn resource_version(&self) -> String {
        let meta = match self {
            VersionedBinding::V1alpha1(b) => &b.metadata,
            VersionedBinding::V1alpha2(b) => &b.metadata,
        };
        meta.resource_version.clone().unwrap_or_default()
    }

    /// `status.phase == "Bound"`.
    pub fn is_bound(&self) -> bool {
        let phase = match self {
            VersionedBinding::V1alpha1(b) => b.status.phase,
            VersionedBinding::V1alpha2(b) => b.status.phase,
        };
        phase == Some(APIBindingPhase::Bound)
    }

    /// The object as JSON.
    pub fn to_json(&self) -> serde_json::Result<serde_json::Value> {
        match self {
            VersionedBinding::V1alpha1(b) => serde_json::to_value(b),
            VersionedBinding::V1alpha2(b) => serde_json::to_value(b),
        }
    }

    /// An object of `version` from JSON.
    pub fn from_json(version: BindingVersion, v: serde_json::Value) -> serde_json::Result<Self> {
        Ok(match version {
            BindingVersion::V1alpha1 => VersionedBinding::V1alpha1(serde_json::from_value(v)?),
            BindingVersion::V1alpha2 => VersionedBinding::V1alpha2(serde_json::from_value(v)?),
        })
    }
}

/// Validated flags: what to create.
#[derive(Clone, Debug, PartialEq)]
pub struct BindPlan {
    /// Where the export is.
    pub export_path: Path,
    pub export_name: String,
    /// The binding's name (`--name`, else the export's).
    pub binding_name: String,
    /// `--accept-permission-claim` and `--reject-permission-claim`, accepted ones first.
    pub claims: Vec<AcceptablePermissionClaim>,
    /// `--accept-all-permission-claims` / `--reject-all-permission-claims`, if given.
    pub all_claims: Option<AcceptablePermissionClaimState>,
}

/// A claim on all objects of `group`/`resource` with all verbs, in `state`.
fn claim(
    group: &str,
    resource: &str,
    identity_hash: &str,
    state: AcceptablePermissionClaimState,
) -> AcceptablePermissionClaim {
    AcceptablePermissionClaim {
        scoped: ScopedPermissionClaim {
            claim: PermissionClaim {
                group: group.to_owned(),
                resource: resource.to_owned(),
                verbs: vec!["*".to_owned()],
                identity_hash: identity_hash.to_owned(),
                default_selector: None,
            },
            selector: PermissionClaimSelector::all(),
        },
        state: Some(state),
    }
}

/// `resource.group` (`core` for the empty group).
fn parse_claim(
    s: &str,
    state: AcceptablePermissionClaimState,
) -> std::result::Result<AcceptablePermissionClaim, String> {
    let Some((resource, group)) = s.split_once('.') else {
        return Err(format!("invalid permission claim {s:?}"));
    };
    let group = if group == "core" { "" } else { group };
    Ok(claim(group, resource, "", state))
}

impl BindArgs {
    /// kcp's `Validate`, in its order.
    pub fn plan(&self) -> Result<BindPlan> {
        let reference = self
            .apiexport
            .first()
            .map(String::as_str)
            .unwrap_or_default();
        if reference.is_empty() {
            return Err(CliError::Invalid(
                "`root:ws:apiexport_object` reference to bind is required as an argument".into(),
            ));
        }
        let accepted = &self.accept_permission_claim;
        let rejected = &self.reject_permission_claim;
        let exclusive = [
            (
                self.accept_all_permission_claims && self.reject_all_permission_claims,
                "cannot use both --accept-all-permission-claims and --reject-all-permission-claims",
            ),
            (
                self.accept_all_permission_claims && !accepted.is_empty(),
                "cannot use --accept-all-permission-claims with --accept-permission-claim",
            ),
            (
                self.accept_all_permission_claims && !rejected.is_empty(),
                "cannot use --accept-all-permission-claims together with --reject-permission-claim",
            ),
            (
                self.reject_all_permission_claims && !rejected.is_empty(),
                "cannot use --reject-all-permission-claims with --reject-permission-claim",
            ),
            (
                self.reject_all_permission_claims && !accepted.is_empty(),
                "cannot use --reject-all-permission-claims together with --accept-permission-claim",
            ),
        ];
        if let Some((_, message)) = exclusive.iter().find(|(broken, _)| *broken) {
            return Err(CliError::Invalid((*message).to_owned()));
        }

        let whole = Path::new(reference);
        let (path, name) = whole.split();
        let path = path.filter(|p| p.is_valid() && p.as_str() != "*").ok_or_else(|| {
            CliError::Invalid("fully qualified reference to workspace where APIExport exists is required. The format is `<logical-cluster-name>:<apiexport>` or `<full>:<path>:<to>:<apiexport>`".into())
        })?;

        let mut claims = Vec::new();
        for (list, state, which) in [
            (
                accepted,
                AcceptablePermissionClaimState::Accepted,
                "accepted",
            ),
            (
                rejected,
                AcceptablePermissionClaimState::Rejected,
                "rejected",
            ),
        ] {
            let (ok, errors): (Vec<_>, Vec<_>) = list
                .iter()
                .map(|c| parse_claim(c, state))
                .partition(|r| r.is_ok());
            if !errors.is_empty() {
                let errors: Vec<String> = errors.into_iter().filter_map(|e| e.err()).collect();
                // Go prints a []error with %v: `[a b]`.
                return Err(CliError::Invalid(format!(
                    "invalid {which} permission claims: [{}]",
                    errors.join(" ")
                )));
            }
            claims.extend(ok.into_iter().filter_map(|c| c.ok()));
        }
        let is_accepted = |c: &&AcceptablePermissionClaim| {
            c.state == Some(AcceptablePermissionClaimState::Accepted)
        };
        for a in claims.iter().filter(is_accepted) {
            for r in claims.iter().filter(|c| !is_accepted(c)) {
                if a.scoped.claim.group == r.scoped.claim.group
                    && a.scoped.claim.resource == r.scoped.claim.resource
                {
                    return Err(CliError::Invalid(format!(
                        "accepted permission claim {} conflicts with rejected permission claim {}",
                        a.scoped.claim, r.scoped.claim
                    )));
                }
            }
        }

        let all_claims = if self.accept_all_permission_claims {
            Some(AcceptablePermissionClaimState::Accepted)
        } else if self.reject_all_permission_claims {
            Some(AcceptablePermissionClaimState::Rejected)
        } else {
            None
        };
        Ok(BindPlan {
            export_path: path,
            export_name: name.to_owned(),
            binding_name: if self.name.is_empty() {
                name.to_owned()
            } else {
                self.name.clone()
            },
            claims,
            all_claims,
        })
    }
}

/// The claims of `export` in `state`, for `--accept-all-permission-claims` and
/// `--reject-all-permission-claims`.
pub fn claims_of_export(
    export: &v1alpha1::APIExport,
    state: AcceptablePermissionClaimState,
) -> Vec<AcceptablePermissionClaim> {
    export
        .spec
        .permission_claims
        .iter()
        // kcp leaves the identity hash out, so a claim on a resource of another export never
        // matches the export's claim; it is kept here.
        .map(|c| claim(&c.group, &c.resource, &c.identity_hash, state))
        .collect()
}

/// The APIBinding to create, in `version`.
pub fn new_binding(
    plan: &BindPlan,
    claims: Vec<AcceptablePermissionClaim>,
    version: BindingVersion,
) -> Result<VersionedBinding> {
    let mut binding = APIBinding::named(&plan.binding_name);
    binding.spec.reference.export = Some(ExportBindingReference {
        path: plan.export_path.to_string(),
        name: plan.export_name.clone(),
    });
    binding.spec.permission_claims = claims;
    Ok(match version {
        BindingVersion::V1alpha2 => VersionedBinding::V1alpha2(binding),
        BindingVersion::V1alpha1 => {
            let mut b = binding_to_v1alpha1(&binding).map_err(|e| {
                CliError::Invalid(format!(
                    "failed to create APIBinding: invalid permission claims: {e}"
                ))
            })?;
            // The conversion's bookkeeping annotations are for the server's round trips.
            b.metadata.annotations = None;
            VersionedBinding::V1alpha1(b)
        }
    })
}

/// The `-w` flag with kcp's messages, then the workspace the current URL points at.
fn target_workspace<A>(s: &mut Session<A>, workspace: Option<&str>) -> Result<WorkspaceUrl> {
    if workspace.is_some() && WorkspaceUrl::parse(&s.server).is_none() {
        return Err(CliError::Invalid(format!(
            "current URL {:?} does not point to a workspace: current cluster URL {} is not pointing to a workspace",
            s.server, s.server
        )));
    }
    s.retarget(workspace)?;
    WorkspaceUrl::parse(&s.server).ok_or_else(|| {
        CliError::Invalid(format!(
            "current URL {:?} does not point to workspace",
            s.server
        ))
    })
}

/// Runs `bind apiexport` with a validated plan.
pub async fn bind_apiexport<A: KcpApi>(
    s: &mut Session<A>,
    args: &BindArgs,
    plan: &BindPlan,
    o: &mut Output<'_>,
) -> Result<()> {
    let current = target_workspace(s, args.workspace.as_deref())?;
    let cluster = current.path;

    let version = preferred_binding_version(&s.api, &cluster)
        .await
        .map_err(|e| CliError::Invalid(format!("service discovery failed: {e}")))?;
    let version = match version.as_str() {
        "v1alpha2" => BindingVersion::V1alpha2,
        "v1alpha1" => BindingVersion::V1alpha1,
        other => {
            return Err(CliError::Invalid(format!(
                "failed to create APIBinding: {other} is not supported by this plugin"
            )));
        }
    };

    let mut claims = plan.claims.clone();
    if let Some(state) = plan.all_claims {
        let export = s
            .api
            .get_api_export_v1alpha1(&plan.export_path, &plan.export_name)
            .await
            .map_err(|e| {
                CliError::Invalid(format!(
                    "failed to get APIExport {:?}: {e}",
                    plan.export_name
                ))
            })?;
        claims.extend(claims_of_export(&export, state));
    }

    let binding = new_binding(plan, claims, version)?;
    let created = s
        .api
        .create_api_binding(&cluster, &binding)
        .await
        .map_err(|e| CliError::Invalid(format!("failed to create APIBinding: {e}")))?;
    let name = created.name().to_owned();
    writeln!(
        o.out,
        "apibinding {name} created. Waiting to successfully bind ..."
    )?;
    o.out.flush()?;

    if !created.is_bound() {
        wait_bound(&s.api, &cluster, &created, args.timeout)
            .await
            .map_err(|reason| CliError::Invalid(format!("could not bind {name}: {reason}")))?;
    }
    writeln!(o.out, "{name} created and bound.")?;
    Ok(())
}

/// Why waiting for the binding ended without it being Bound.
#[derive(Debug, thiserror::Error)]
enum WaitError {
    /// The timeout passed (Go's context error).
    #[error("context deadline exceeded")]
    DeadlineExceeded,
    #[error(transparent)]
    Api(#[from] ApiError),
}

/// Watches the binding from its creation until it is Bound, for at most `timeout`.
async fn wait_bound<A: KcpApi>(
    api: &A,
    cluster: &Path,
    created: &VersionedBinding,
    timeout: Duration,
) -> std::result::Result<(), WaitError> {
    if timeout.is_zero() {
        return Err(WaitError::DeadlineExceeded);
    }
    let version = created.version();
    let name = created.name();
    let watch = async {
        let mut resource_version = created.resource_version();
        loop {
            let mut events = api
                .watch_api_binding(cluster, version, name, &resource_version)
                .await?;
            let mut saw_event = false;
            while let Some(event) = events.next().await {
                saw_event = true;
                match event? {
                    BindingEvent::Changed(b) if b.is_bound() => return Ok(()),
                    BindingEvent::Changed(b) => resource_version = b.resource_version(),
                    BindingEvent::Bookmark(rv) => resource_version = rv,
                    BindingEvent::Deleted => {
                        return Err(ApiError::status(
                            404,
                            format!("apibindings.apis.kcp.io {name:?} not found"),
                        )
                        .into());
                    }
                    // Too old to watch from: read the binding and watch from there.
                    BindingEvent::Gone => {
                        let b = api.get_api_binding(cluster, version, name).await?;
                        if b.is_bound() {
                            return Ok(());
                        }
                        resource_version = b.resource_version();
                        break;
                    }
                }
            }
            if !saw_event {
                tokio::time::sleep(REWATCH_DELAY).await;
            }
        }
    };
    tokio::time::timeout(timeout, watch)
        .await
        .unwrap_or(Err(WaitError::DeadlineExceeded))
}

/// `ServerPreferredResources` for one resource: the first version of `apis.kcp.io`, in the
/// server's order of preference, that serves `apibindings`.
async fn preferred_binding_version<A: KcpApi>(
    api: &A,
    cluster: &Path,
) -> std::result::Result<String, String> {
    let versions = api
        .group_versions(cluster, "apis.kcp.io")
        .await
        .map_err(|e| format!("failed to discover APIs: {e}"))?;
    versions
        .into_iter()
        .find(|(_, resources)| resources.iter().any(|r| r == "apibindings"))
        .map(|(v, _)| v)
        .ok_or_else(|| "server does not serve apibindings.apis.kcp.io".to_owned())
}

/// Go's `time.ParseDuration`: `300ms`, `1.5h`, `2h45m`, `0`.
pub fn parse_go_duration(s: &str) -> std::result::Result<Duration, String> {
    let invalid = || format!("time: invalid duration {s:?}");
    let (negative, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..number_len];
        if number.is_empty() || number == "." {
            return Err(invalid());
        }
        let value: f64 = number.parse().map_err(|_| invalid())?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let nanos = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "" => return Err(format!("time: missing unit in duration {s:?}")),
            unit => return Err(format!("time: unknown unit {unit:?} in duration {s:?}")),
        };
        rest = &rest[unit_len..];
        total += value * nanos;
    }
    // A negative timeout expires at once, as a zero one does.
    Ok(if negative {
        Duration::ZERO
    } else {
        Duration::from_nanos(total.round() as u64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{FakeApi, session};
    use crate::output::Captured;
    use kcp_api::apis::v1alpha2::APIExport;
    use kcp_api::core::LogicalClusterPhase;
    use serde_json::json;

    fn args(reference: &str) -> BindArgs {
        BindArgs {
            apiexport: vec![reference.to_owned()],
            timeout: Duration::from_secs(30),
            ..Default::default()
        }
    }

    fn invalid(a: &BindArgs) -> String {
        a.plan().unwrap_err().to_string()
    }

    #[test]
    fn validation_like_kcp() {
        assert_eq!(
            invalid(&BindArgs::default()),
            "`root:ws:apiexport_object` reference to bind is required as an argument"
        );
        for reference in [
            "export",
            ":export",
            "Root:export",
            "root::export",
            "*:export",
        ] {
            assert_eq!(
                invalid(&args(reference)),
                "fully qualified reference to workspace where APIExport exists is required. The format is `<logical-cluster-name>:<apiexport>` or `<full>:<path>:<to>:<apiexport>`",
                "{reference}"
            );
        }
        let with = |f: &dyn Fn(&mut BindArgs)| {
            let mut a = args("root:org:export");
            f(&mut a);
            a
        };
        for (a, message) in [
            (
                with(&|a| {
                    a.accept_all_permission_claims = true;
                    a.reject_all_permission_claims = true;
                }),
                "cannot use both --accept-all-permission-claims and --reject-all-permission-claims",
            ),
            (
                with(&|a| {
                    a.accept_all_permission_claims = true;
                    a.accept_permission_claim = vec!["secrets.core".into()];
                }),
                "cannot use --accept-all-permission-claims with --accept-permission-claim",
            ),
            (
                with(&|a| {
                    a.accept_all_permission_claims = true;
                    a.reject_permission_claim = vec!["secrets.core".into()];
                }),
                "cannot use --accept-all-permission-claims together with --reject-permission-claim",
            ),
            (
                with(&|a| {
                    a.reject_all_permission_claims = true;
                    a.reject_permission_claim = vec!["secrets.core".into()];
                }),
                "cannot use --reject-all-permission-claims with --reject-permission-claim",
            ),
            (
                with(&|a| {
                    a.reject_all_permission_claims = true;
                    a.accept_permission_claim = vec!["secrets.core".into()];
                }),
                "cannot use --reject-all-permission-claims together with --accept-permission-claim",
            ),
            (
                with(&|a| {
                    a.accept_permission_claim = vec!["secrets".into(), "x.core".into(), "cm".into()]
                }),
                r#"invalid accepted permission claims: [invalid permission claim "secrets" invalid permission claim "cm"]"#,
            ),
            (
                with(&|a| a.reject_permission_claim = vec!["secrets".into()]),
                r#"invalid rejected permission claims: [invalid permission claim "secrets"]"#,
            ),
            (
                with(&|a| {
                    a.accept_permission_claim =
                        vec!["configmaps.core".into(), "widgets.example.io".into()];
                    a.reject_permission_claim = vec!["widgets.example.io".into()];
                }),
                "accepted permission claim widgets.example.io conflicts with rejected permission claim widgets.example.io",
            ),
            (
                with(&|a| {
                    a.accept_permission_claim = vec!["secrets.core".into()];
                    a.reject_permission_claim = vec!["secrets.core".into()];
                }),
                "accepted permission claim secrets conflicts with rejected permission claim secrets",
            ),
        ] {
            assert_eq!(invalid(&a), message);
        }
    }

    #[test]
    fn plan_names_and_claims() {
        let mut a = args("root:org:mongodb-v1");
        a.apiexport.push("ignored".into());
        let p = a.plan().unwrap();
        assert_eq!(p.export_path.as_str(), "root:org");
        assert_eq!(p.export_name, "mongodb-v1");
        assert_eq!(p.binding_name, "mongodb-v1");
        assert!(p.claims.is_empty() && p.all_claims.is_none());

        a.name = "mine".into();
        a.accept_permission_claim = vec!["secrets.core".into(), "widgets.example.io".into()];
        a.reject_permission_claim = vec!["deployments.apps".into()];
        let p = a.plan().unwrap();
        assert_eq!(p.binding_name, "mine");
        let b = new_binding(&p, p.claims.clone(), BindingVersion::V1alpha2).unwrap();
        assert_eq!(
            b.to_json().unwrap(),
            json!({
                "apiVersion": "apis.kcp.io/v1alpha2", "kind": "APIBinding",
                "metadata": {"name": "mine"},
                "spec": {
                    "reference": {"export": {"path": "root:org", "name": "mongodb-v1"}},
                    "permissionClaims": [
                        {"resource": "secrets", "verbs": ["*"], "selector": {"matchAll": true}, "state": "Accepted"},
                        {"group": "example.io", "resource": "widgets", "verbs": ["*"], "selector": {"matchAll": true}, "state": "Accepted"},
                        {"group": "apps", "resource": "deployments", "verbs": ["*"], "selector": {"matchAll": true}, "state": "Rejected"},
                    ]
                },
                "status": {}
            })
        );
        // v1alpha1 has `all` instead of verbs and selectors.
        let b = new_binding(&p, p.claims.clone(), BindingVersion::V1alpha1).unwrap();
        assert_eq!(
            b.to_json().unwrap()["spec"],
            json!({
                "reference": {"export": {"path": "root:org", "name": "mongodb-v1"}},
                "permissionClaims": [
                    {"resource": "secrets", "all": true, "state": "Accepted"},
                    {"group": "example.io", "resource": "widgets", "all": true, "state": "Accepted"},
                    {"group": "apps", "resource": "deployments", "all": true, "state": "Rejected"},
                ]
            })
        );
    }

    #[test]
    fn go_durations() {
        for (s, d) in [
            ("30s", Duration::from_secs(30)),
            ("1m30s", Duration::from_secs(90)),
            ("1.5h", Duration::from_secs(5400)),
            ("500ms", Duration::from_millis(500)),
            ("0", Duration::ZERO),
            ("-5s", Duration::ZERO),
        ] {
            assert_eq!(parse_go_duration(s).unwrap(), d, "{s}");
        }
        assert_eq!(
            parse_go_duration("soon").unwrap_err(),
            r#"time: invalid duration "soon""#
        );
        assert_eq!(
            parse_go_duration("5").unwrap_err(),
            r#"time: missing unit in duration "5""#
        );
        assert_eq!(
            parse_go_duration("5d").unwrap_err(),
            r#"time: unknown unit "d" in duration "5d""#
        );
    }

    /// A provider workspace with an export and a consumer workspace to bind it in.
    fn fake() -> FakeApi {
        let api = FakeApi::tree(&[
            ("root:provider", "root:universal"),
            ("root:consumer", "root:universal"),
        ]);
        let mut export = APIExport::named("mongodb-v1");
        export.spec.permission_claims = vec![
            kcp_api::apis::v1alpha2::PermissionClaim {
                resource: "configmaps".into(),
                verbs: vec!["get".into(), "list".into()],
                ..Default::default()
            },
            kcp_api::apis::v1alpha2::PermissionClaim {
                group: "example.io".into(),
                resource: "widgets".into(),
                verbs: vec!["*".into()],
                identity_hash: "abc123".into(),
                ..Default::default()
            },
        ];
        api.add_export("root:provider", export);
        api.state.borrow_mut().bind_after = Some(Duration::from_secs(2));
        api
    }

    async fn bind(s: &mut Session<FakeApi>, a: &BindArgs) -> (Result<()>, Captured) {
        let mut c = Captured::default();
        let r = match a.plan() {
            Ok(plan) => bind_apiexport(s, a, &plan, &mut c.output()).await,
            Err(e) => Err(e),
        };
        (r, c)
    }

    #[tokio::test(start_paused = true)]
    async fn creates_and_waits_until_bound() {
        let mut s = session("root:consumer", fake());
        let started = tokio::time::Instant::now();
        let (r, c) = bind(&mut s, &args("root:provider:mongodb-v1")).await;
        r.unwrap();
        assert_eq!(
            c.stdout(),
            "apibinding mongodb-v1 created. Waiting to successfully bind ...\nmongodb-v1 created and bound.\n"
        );
        // Returned when the controller bound it, not at a poll tick.
        assert_eq!(started.elapsed(), Duration::from_secs(2));
        assert_eq!(
            s.api.requests(),
            [
                "GET root:consumer /apis (apis.kcp.io)",
                "POST root:consumer v1alpha2 apibindings/mongodb-v1",
                "WATCH root:consumer v1alpha2 apibindings/mongodb-v1 from 1",
            ]
        );
        let b = s.api.binding("root:consumer", "mongodb-v1").unwrap();
        assert_eq!(b.status.phase, Some(APIBindingPhase::Bound));
        assert_eq!(
            serde_json::to_value(&b.spec).unwrap(),
            json!({"reference": {"export": {"path": "root:provider", "name": "mongodb-v1"}}})
        );
    }

    #[tokio::test(start_paused = true)]
    async fn times_out_with_kcp_s_message() {
        let mut s = session("root:consumer", fake());
        s.api.state.borrow_mut().bind_after = None;
        let mut a = args("root:provider:mongodb-v1");
        a.timeout = Duration::from_secs(5);
        let started = tokio::time::Instant::now();
        let (r, c) = bind(&mut s, &a).await;
        assert_eq!(
            r.unwrap_err().to_string(),
            "could not bind mongodb-v1: context deadline exceeded"
        );
        assert_eq!(started.elapsed(), Duration::from_secs(5));
        assert_eq!(
            c.stdout(),
            "apibinding mongodb-v1 created. Waiting to successfully bind ...\n"
        );
        // A zero timeout gives up at once.
        a.name = "other".into();
        a.timeout = Duration::ZERO;
        let (r, _) = bind(&mut s, &a).await;
        assert_eq!(
            r.unwrap_err().to_string(),
            "could not bind other: context deadline exceeded"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn accept_and_reject_all_claims_of_the_export() {
        for (flag, state) in [(true, "Accepted"), (false, "Rejected")] {
            let mut s = session("root:consumer", fake());
            let mut a = args("root:provider:mongodb-v1");
            a.accept_all_permission_claims = flag;
            a.reject_all_permission_claims = !flag;
            let (r, _) = bind(&mut s, &a).await;
            r.unwrap();
            assert!(
                s.api
                    .requests()
                    .contains(&"GET root:provider v1alpha1 apiexports/mongodb-v1".to_owned())
            );
            let b = s.api.binding("root:consumer", "mongodb-v1").unwrap();
            assert_eq!(
                serde_json::to_value(&b.spec.permission_claims).unwrap(),
                json!([
                    {"resource": "configmaps", "verbs": ["*"], "selector": {"matchAll": true}, "state": state},
                    {"group": "example.io", "resource": "widgets", "verbs": ["*"], "identityHash": "abc123", "selector": {"matchAll": true}, "state": state},
                ])
            );
        }
        let mut s = session("root:consumer", fake());
        let mut a = args("root:provider:missing");
        a.accept_all_permission_claims = true;
        let (r, c) = bind(&mut s, &a).await;
        assert_eq!(
            r.unwrap_err().to_string(),
            r#"failed to get APIExport "missing": apiexports.apis.kcp.io "missing" not found"#
        );
        assert_eq!(c.stdout(), "");
    }

    #[tokio::test(start_paused = true)]
    async fn explicit_claims_are_sent() {
        let mut s = session("root:consumer", fake());
        let mut a = args("root:provider:mongodb-v1");
        a.accept_permission_claim = vec!["configmaps.core".into()];
        a.reject_permission_claim = vec!["widgets.example.io".into()];
        let (r, _) = bind(&mut s, &a).await;
        r.unwrap();
        let b = s.api.binding("root:consumer", "mongodb-v1").unwrap();
        assert_eq!(
            serde_json::to_value(&b.spec.permission_claims).unwrap(),
            json!([
                {"resource": "configmaps", "verbs": ["*"], "selector": {"matchAll": true}, "state": "Accepted"},
                {"group": "example.io", "resource": "widgets", "verbs": ["*"], "selector": {"matchAll": true}, "state": "Rejected"},
            ])
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_preferred_version_is_used() {
        let mut s = session("root:consumer", fake());
        s.api.state.borrow_mut().apis_versions = Some(vec![
            ("v1alpha2".into(), vec!["apiexports".into()]),
            (
                "v1alpha1".into(),
                vec!["apibindings".into(), "apiexports".into()],
            ),
        ]);
        let mut a = args("root:provider:mongodb-v1");
        a.accept_all_permission_claims = true;
        let (r, c) = bind(&mut s, &a).await;
        r.unwrap();
        assert!(c.stdout().ends_with("mongodb-v1 created and bound.\n"));
        let requests = s.api.requests();
        assert!(
            requests.contains(&"POST root:consumer v1alpha1 apibindings/mongodb-v1".to_owned()),
            "{requests:?}"
        );
        assert!(
            requests
                .contains(&"WATCH root:consumer v1alpha1 apibindings/mongodb-v1 from 1".to_owned())
        );
        // Stored (converted) with the claims the export makes.
        let b = s.api.binding("root:consumer", "mongodb-v1").unwrap();
        assert_eq!(b.spec.permission_claims.len(), 2);

        s.api.state.borrow_mut().apis_versions =
            Some(vec![("v1alpha2".into(), vec!["apiexports".into()])]);
        let (r, _) = bind(&mut s, &args("root:provider:x")).await;
        assert_eq!(
            r.unwrap_err().to_string(),
            "service discovery failed: server does not serve apibindings.apis.kcp.io"
        );
        s.api.state.borrow_mut().apis_versions =
            Some(vec![("v1beta1".into(), vec!["apibindings".into()])]);
        let (r, _) = bind(&mut s, &args("root:provider:x")).await;
        assert_eq!(
            r.unwrap_err().to_string(),
            "failed to create APIBinding: v1beta1 is not supported by this plugin"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_existing_binding_is_an_error() {
        let mut s = session("root:consumer", fake());
        let (r, _) = bind(&mut s, &args("root:provider:mongodb-v1")).await;
        r.unwrap();
        let (r, c) = bind(&mut s, &args("root:provider:mongodb-v1")).await;
        assert_eq!(
            r.unwrap_err().to_string(),
            r#"failed to create APIBinding: apibindings.apis.kcp.io "mongodb-v1" already exists"#
        );
        assert_eq!(c.stdout(), "");
    }

    #[tokio::test(start_paused = true)]
    async fn watches_again_after_the_server_ends_a_watch_or_its_version_is_gone() {
        let mut s = session("root:consumer", fake());
        {
            let mut st = s.api.state.borrow_mut();
            st.empty_watches = 2;
            st.gone_watches = 1;
        }
        let (r, c) = bind(&mut s, &args("root:provider:mongodb-v1")).await;
        r.unwrap();
        assert!(c.stdout().ends_with("mongodb-v1 created and bound.\n"));
        let requests = s.api.requests();
        let watches = requests.iter().filter(|r| r.starts_with("WATCH")).count();
        assert_eq!(watches, 4, "{requests:?}");
        assert!(requests.contains(&"GET root:consumer v1alpha2 apibindings/mongodb-v1".to_owned()));
    }

    #[tokio::test(start_paused = true)]
    async fn a_binding_deleted_while_waiting() {
        let mut s = session("root:consumer", fake());
        s.api.state.borrow_mut().delete_instead_of_bind = true;
        let (r, _) = bind(&mut s, &args("root:provider:mongodb-v1")).await;
        assert_eq!(
            r.unwrap_err().to_string(),
            r#"could not bind mongodb-v1: apibindings.apis.kcp.io "mongodb-v1" not found"#
        );
    }

    #[tokio::test(start_paused = true)]
    async fn workspace_flag_and_urls() {
        let api = fake();
        api.add(
            "root:consumer:team",
            "root:universal",
            LogicalClusterPhase::Ready,
        );
        let mut s = session("root:consumer", api);
        let mut a = args("root:provider:mongodb-v1");
        a.workspace = Some("team".into());
        let (r, _) = bind(&mut s, &a).await;
        r.unwrap();
        assert!(s.api.binding("root:consumer:team", "mongodb-v1").is_some());
        a.workspace = Some("..:..:..".into());
        let (r, _) = bind(&mut s, &a).await;
        assert_eq!(
            r.unwrap_err().to_string(),
            "cannot go above the root workspace"
        );

        let mut s = session("root:consumer", fake());
        s.server = "https://h".into();
        let (r, _) = bind(&mut s, &args("root:provider:mongodb-v1")).await;
        assert_eq!(
            r.unwrap_err().to_string(),
            r#"current URL "https://h" does not point to workspace"#
        );
        a.workspace = Some(":root".into());
        let (r, _) = bind(&mut s, &a).await;
        assert_eq!(
            r.unwrap_err().to_string(),
            r#"current URL "https://h" does not point to a workspace: current cluster URL https://h is not pointing to a workspace"#
        );
    }
}
