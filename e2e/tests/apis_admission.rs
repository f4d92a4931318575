//! Admission and authorization of `apis.kcp.io` against the real `kcp` with real kubectl and raw
//! requests: APIResourceSchema and APIExport validation, binding only what one may bind (the
//! export label, the `kcp.io/path` annotation, the finalizer), the system-only status of
//! bindings and exports, and the maximal permission policy of `tenancy.kcp.io`. Each test
//! names the kcp test it follows.

use std::time::Duration;

use e2e::{Kcp, Output, wait_until};

/// A server with the token users `alice` and `bob`.
fn start() -> (tempfile::TempDir, Kcp) {
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens.csv");
    std::fs::write(&tokens, "alice-token,alice,1001\nbob-token,bob,1002\n").unwrap();
    let kcp = Kcp::start_with(&["--token-auth-file", tokens.to_str().unwrap()]);
    (dir, kcp)
}

fn server(kcp: &Kcp, path: &str) -> String {
    format!("{}/clusters/{path}", kcp.endpoint().0)
}

/// kubectl in one workspace as the kcp admin (`token` `None`) or a token user.
fn kubectl(
    kcp: &Kcp,
    token: Option<&str>,
    path: &str,
    args: &[&str],
    stdin: Option<&str>,
) -> Output {
    let server = server(kcp, path);
    let mut all = vec!["--server", server.as_str()];
    if let Some(t) = token {
        all.extend(["--token", t]);
    }
    all.extend_from_slice(args);
    kcp.kubectl_stdin(&all, stdin)
}

/// kubectl in one workspace as `system:masters` (the shard admin).
fn as_masters(kcp: &Kcp, path: &str, args: &[&str]) -> Output {
    let server = server(kcp, path);
    let mut all = vec!["--context", "system:admin", "--server", server.as_str()];
    all.extend_from_slice(args);
    kcp.kubectl(&all)
}

/// A Ready workspace `root:<name>`; returns its logical cluster.
fn workspace(kcp: &Kcp, name: &str) -> String {
    let yaml = format!(
        "apiVersion: tenancy.kcp.io/v1alpha1\nkind: Workspace\nmetadata:\n  name: {name}\n"
    );
    kubectl(kcp, None, "root", &["create", "-f", "-"], Some(&yaml)).ok();
    wait_until(
        &format!("workspace {name} Ready"),
        Duration::from_secs(20),
        || {
            kubectl(
                kcp,
                None,
                "root",
                &["get", "workspace", name, "-o", "jsonpath={.status.phase}"],
                None,
            )
            .stdout
                == "Ready"
        },
    );
    kubectl(
        kcp,
        None,
        "root",
        &["get", "workspace", name, "-o", "jsonpath={.spec.cluster}"],
        None,
    )
    .ok()
    .to_string()
}

/// Makes `user` an admin of the workspace at `path`.
fn admin_of(kcp: &Kcp, path: &str, user: &str) {
    kubectl(
        kcp,
        None,
        path,
        &[
            "create",
            "clusterrolebinding",
            &format!("{user}-admin"),
            "--clusterrole=cluster-admin",
            &format!("--user={user}"),
        ],
        None,
    )
    .ok();
}

fn not_found(out: &Output) {
    assert!(out.err().contains("NotFound"), "{}", out.stderr);
}

const SCHEMA: &str = r#"apiVersion: apis.kcp.io/v1alpha1
kind: APIResourceSchema
metadata:
  name: NAME
spec:
  group: GROUP
  names:
    plural: cowboys
    singular: cowboy
    kind: Cowboy
    listKind: CowboyList
  scope: Namespaced
  conversion:
    strategy: None
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      type: object
      properties:
        spec:
          type: object
  - name: v2
    served: true
    storage: STORAGE
    schema:
      type: object
"#;

fn schema(name: &str, group: &str, second_storage: bool) -> String {
    SCHEMA
        .replace("NAME", name)
        .replace("GROUP", group)
        .replace("STORAGE", &second_storage.to_string())
}

/// kcp's `pkg/admission/apiresourceschema` tests (`TestValidate`), end to end.
#[test]
fn apiresourceschemas_are_validated_and_immutable() {
    let kcp = Kcp::start();
    let create = |yaml: &str| kubectl(&kcp, None, "root", &["create", "-f", "-"], Some(yaml));

    let denied = create(&schema("2022-05-07.cowboys.wild.west", "wild.west", false));
    assert!(
        denied.err().contains(
            r#"apiresourceschemas.apis.kcp.io "2022-05-07.cowboys.wild.west" is forbidden: [metadata.name: Invalid value: "2022-05-07.cowboys.wild.west": must match ^[a-z]([-a-z0-9]*[a-z0-9])?$ in front of .cowboys.wild.west]"#
        ),
        "{}",
        denied.stderr
    );
    not_found(&kubectl(
        &kcp,
        None,
        "root",
        &["get", "apiresourceschema", "2022-05-07.cowboys.wild.west"],
        None,
    ));

    let denied = create(&schema("v1.cowboys.core", "core", true));
    assert!(
        denied.err().contains(r#"apiresourceschemas.apis.kcp.io "v1.cowboys.core" is forbidden: [spec.group: Invalid value: "core": must be empty string for the core group spec.versions: Invalid value: ["#),
        "{}",
        denied.stderr
    );
    assert!(
        denied
            .stderr
            .contains("]: must have exactly one version marked as storage version]"),
        "{}",
        denied.stderr
    );

    // The whole Status, as kube's NewForbidden builds it.
    let body = serde_json::to_vec(
        &serde_saphyr::from_str::<serde_json::Value>(&schema(
            "v1.cowboys.wild.east",
            "wild.west",
            false,
        ))
        .unwrap(),
    )
    .unwrap();
    let (code, status) = kcp.curl(
        "POST",
        "/clusters/root/apis/apis.kcp.io/v1alpha1/apiresourceschemas",
        "application/json",
        &body,
    );
    assert_eq!(code, 403, "{status}");
    assert_eq!(
        status,
        serde_json::json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": r#"apiresourceschemas.apis.kcp.io "v1.cowboys.wild.east" is forbidden: [metadata.name: Invalid value: "v1.cowboys.wild.east": must end in .cowboys.wild.west]"#,
            "reason": "Forbidden",
            "details": {"name": "v1.cowboys.wild.east", "group": "apis.kcp.io", "kind": "apiresourceschemas"},
            "code": 403,
        })
    );

    // A good one is created; its spec never changes, by update, patch or apply.
    create(&schema("v1.cowboys.wild.west", "wild.west", false)).ok();
    let immutable = r#"apiresourceschemas.apis.kcp.io "v1.cowboys.wild.west" is forbidden: [spec: Invalid value: {"#;
    let patched = kubectl(
        &kcp,
        None,
        "root",
        &[
            "patch",
            "apiresourceschema",
            "v1.cowboys.wild.west",
            "--type=merge",
            "-p",
            r#"{"spec":{"scope":"Cluster"}}"#,
        ],
        None,
    );
    assert!(
        patched.err().contains(immutable) && patched.stderr.contains("}: is immutable]"),
        "{}",
        patched.stderr
    );
    let replaced =
        schema("v1.cowboys.wild.west", "wild.west", false).replace("Namespaced", "Cluster");
    let applied = kubectl(
        &kcp,
        None,
        "root",
        &["apply", "--server-side", "--force-conflicts", "-f", "-"],
        Some(&replaced),
    );
    assert!(applied.err().contains(immutable), "{}", applied.stderr);
    let updated = kubectl(&kcp, None, "root", &["replace", "-f", "-"], Some(&replaced));
    assert!(updated.err().contains(immutable), "{}", updated.stderr);
    let scope = kubectl(
        &kcp,
        None,
        "root",
        &[
            "get",
            "apiresourceschema",
            "v1.cowboys.wild.west",
            "-o",
            "jsonpath={.spec.scope}",
        ],
        None,
    );
    assert_eq!(scope.ok(), "Namespaced");
    // Metadata is not the spec.
    kubectl(
        &kcp,
        None,
        "root",
        &[
            "label",
            "apiresourceschema",
            "v1.cowboys.wild.west",
            "stage=test",
        ],
        None,
    )
    .ok();
}

/// kcp's `pkg/admission/apiexport` tests (`TestValidate`), end to end, in both versions.
#[test]
fn apiexports_need_matching_schema_names_and_claim_identities() {
    let kcp = Kcp::start();
    let create = |yaml: &str| kubectl(&kcp, None, "root", &["create", "-f", "-"], Some(yaml));
    let denied = create(
        "apiVersion: apis.kcp.io/v1alpha2\nkind: APIExport\nmetadata:\n  name: cowboys\nspec:\n  resources:\n  - name: cowboys\n    group: wild.west\n    schema: v1.cowboys.wild.east\n    storage: {crd: {}}\n",
    );
    assert!(
        denied.err().contains(r#"apiexports.apis.kcp.io "cowboys" is forbidden: spec.resources[0].schema: Invalid value: "v1.cowboys.wild.east": must end in .cowboys.wild.west"#),
        "{}",
        denied.stderr
    );
    let claim = r#"apiexports.apis.kcp.io "cowboys" is forbidden: spec.permissionClaims[0].identityHash: Invalid value: "": identityHash is required for API types that are not built-in"#;
    let denied = create(
        "apiVersion: apis.kcp.io/v1alpha2\nkind: APIExport\nmetadata:\n  name: cowboys\nspec:\n  permissionClaims:\n  - group: wild.west\n    resource: sheriffs\n    verbs: [\"*\"]\n",
    );
    assert!(denied.err().contains(claim), "{}", denied.stderr);
    let denied = create(
        "apiVersion: apis.kcp.io/v1alpha1\nkind: APIExport\nmetadata:\n  name: cowboys\nspec:\n  permissionClaims:\n  - group: wild.west\n    resource: sheriffs\n    all: true\n",
    );
    assert!(denied.err().contains(claim), "{}", denied.stderr);
    not_found(&kubectl(
        &kcp,
        None,
        "root",
        &["get", "apiexport", "cowboys"],
        None,
    ));

    // Built-in claims need no identity; the export gets the workspace's path.
    create(
        "apiVersion: apis.kcp.io/v1alpha2\nkind: APIExport\nmetadata:\n  name: cowboys\nspec:\n  resources:\n  - name: cowboys\n    group: wild.west\n    schema: v1.cowboys.wild.west\n    storage: {crd: {}}\n  permissionClaims:\n  - group: \"\"\n    resource: configmaps\n    verbs: [\"get\"]\n",
    )
    .ok();
    let path = kubectl(
        &kcp,
        None,
        "root",
        &[
            "get",
            "apiexport",
            "cowboys",
            "-o",
            "jsonpath={.metadata.annotations.kcp\\.io/path}",
        ],
        None,
    );
    assert_eq!(path.ok(), "root");
}

/// An APIBinding `cowboys` of the export `name` in the workspace `path` (its own for `""`).
fn binding(path: &str, name: &str) -> String {
    let path = if path.is_empty() {
        String::new()
    } else {
        format!("      path: {path}\n")
    };
    format!(
        "apiVersion: apis.kcp.io/v1alpha2\nkind: APIBinding\nmetadata:\n  name: cowboys\nspec:\n  reference:\n    export:\n{path}      name: {name}\n"
    )
}

/// kcp's `TestMaximalPermissionPolicyAuthorizer` (binding to an export needs `bind` on it in
/// the provider's workspace; a missing export gets the same answer) and `TestAPIBinding`'s
/// bookkeeping (the export label, the `kcp.io/path` annotation, the finalizer).
#[test]
fn binding_an_export_needs_bind_permission() {
    let (_dir, kcp) = start();
    let provider = workspace(&kcp, "provider");
    workspace(&kcp, "consumer");
    admin_of(&kcp, "root:consumer", "alice");
    kubectl(
        &kcp,
        None,
        "root:provider",
        &["create", "-f", "-"],
        Some(
            "apiVersion: apis.kcp.io/v1alpha2\nkind: APIExport\nmetadata:\n  name: today-cowboys\n",
        ),
    )
    .ok();
    let as_alice = |args: &[&str], stdin: Option<&str>| {
        kubectl(&kcp, Some("alice-token"), "root:consumer", args, stdin)
    };

    let denied = as_alice(
        &["create", "-f", "-"],
        Some(&binding("root:provider", "today-cowboys")),
    );
    assert!(
        denied.err().contains(r#"apibindings.apis.kcp.io "cowboys" is forbidden: unable to create APIBinding: no permission to bind to export root:provider:today-cowboys"#),
        "{}",
        denied.stderr
    );
    let denied = as_alice(
        &["create", "-f", "-"],
        Some(&binding("root:not-existent", "today-cowboys")),
    );
    assert!(
        denied
            .err()
            .contains("no permission to bind to export root:not-existent:today-cowboys"),
        "{}",
        denied.stderr
    );
    not_found(&as_alice(&["get", "apibinding", "cowboys"], None));

    // Given `bind` on the export in the provider's workspace, and nothing else there.
    let grant = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: bind-cowboys\nrules:\n- apiGroups: [apis.kcp.io]\n  resources: [apiexports]\n  resourceNames: [today-cowboys]\n  verbs: [bind]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: alice-binds-cowboys\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: bind-cowboys\nsubjects:\n- apiGroup: rbac.authorization.k8s.io\n  kind: User\n  name: alice\n";
    kubectl(
        &kcp,
        None,
        "root:provider",
        &["create", "-f", "-"],
        Some(grant),
    )
    .ok();
    let no_access = kubectl(
        &kcp,
        Some("alice-token"),
        "root:provider",
        &["get", "apiexports"],
        None,
    );
    assert!(
        no_access.err().contains("Forbidden"),
        "{}",
        no_access.stderr
    );
    as_alice(
        &["create", "-f", "-"],
        Some(&binding("root:provider", "today-cowboys")),
    )
    .ok();

    let b = as_alice(&["get", "apibinding", "cowboys", "-o", "json"], None).json();
    let meta = &b["metadata"];
    assert_eq!(
        meta["labels"]["internal.apis.kcp.io/export"],
        kcp_api::names::apibinding_export_label_value(&provider, "today-cowboys"),
        "{b}"
    );
    assert_eq!(meta["annotations"]["kcp.io/path"], "root:consumer", "{b}");
    assert_eq!(
        meta["finalizers"],
        serde_json::json!(["apis.kcp.io/apibinding-finalizer"]),
        "{b}"
    );
    let export = kubectl(
        &kcp,
        None,
        "root:provider",
        &[
            "get",
            "apiexport",
            "today-cowboys",
            "-o",
            "jsonpath={.metadata.annotations.kcp\\.io/path}",
        ],
        None,
    );
    assert_eq!(export.ok(), "root:provider");

    // The label is the admission's: a client's value is put right.
    as_alice(
        &[
            "label",
            "apibinding",
            "cowboys",
            "--overwrite",
            "internal.apis.kcp.io/export=mine",
        ],
        None,
    )
    .ok();
    let label = as_alice(
        &[
            "get",
            "apibinding",
            "cowboys",
            "-o",
            "jsonpath={.metadata.labels.internal\\.apis\\.kcp\\.io/export}",
        ],
        None,
    );
    assert_eq!(
        label.ok(),
        kcp_api::names::apibinding_export_label_value(&provider, "today-cowboys")
    );

    // Pointing a binding elsewhere is binding again (answered before the reference's own
    // immutability, as kcp's mutating admission runs first).
    let moved = as_alice(
        &[
            "patch",
            "apibinding",
            "cowboys",
            "--type=merge",
            "-p",
            r#"{"spec":{"reference":{"export":{"path":"root:nope"}}}}"#,
        ],
        None,
    );
    assert!(
        moved.err().contains(r#"apibindings.apis.kcp.io "cowboys" is forbidden: unable to update APIBinding: no permission to bind to export root:nope:today-cowboys"#),
        "{}",
        moved.stderr
    );
}

/// kcp's `TestMaximalPermissionPolicyAuthorizerSystemGroupProtection`: a workspace admin may
/// not write the status of WorkspaceTypes (the `tenancy.kcp.io` policy) nor of APIExports and
/// APIBindings (system CRDs), while the kcp admin, and `system:masters` for the system CRDs,
/// may.
#[test]
fn a_workspace_admin_cannot_write_protected_status() {
    let (_dir, kcp) = start();
    workspace(&kcp, "org");
    admin_of(&kcp, "root:org", "alice");
    let as_alice = |args: &[&str], stdin: Option<&str>| {
        kubectl(&kcp, Some("alice-token"), "root:org", args, stdin)
    };

    as_alice(
        &["create", "-f", "-"],
        Some("apiVersion: tenancy.kcp.io/v1alpha1\nkind: WorkspaceType\nmetadata:\n  name: test\n"),
    )
    .ok();
    let status = [
        "patch",
        "workspacetype",
        "test",
        "--subresource=status",
        "--type=merge",
        "-p",
        r#"{"status":{"conditions":[]}}"#,
    ];
    let denied = as_alice(&status, None);
    assert!(
        denied.err().contains(r#"workspacetypes.tenancy.kcp.io "test" is forbidden: User "alice" cannot patch resource "workspacetypes/status" in API group "tenancy.kcp.io" at the cluster scope: access denied"#),
        "{}",
        denied.stderr
    );
    kubectl(&kcp, None, "root:org", &status, None).ok();
    // Access reviews say the same.
    let can_i = |args: &[&str]| {
        let mut all = vec!["auth", "can-i"];
        all.extend_from_slice(args);
        as_alice(&all, None).stdout.trim().to_string()
    };
    assert_eq!(
        can_i(&["patch", "workspacetypes", "--subresource=status"]),
        "no - access denied"
    );
    assert_eq!(can_i(&["patch", "workspacetypes"]), "yes");
    assert_eq!(
        can_i(&["update", "apiexports", "--subresource=status"]),
        "no - access denied"
    );
    // The WorkspaceType got its workspace's path.
    let path = as_alice(
        &[
            "get",
            "workspacetype",
            "test",
            "-o",
            "jsonpath={.metadata.annotations.kcp\\.io/path}",
        ],
        None,
    );
    assert_eq!(path.ok(), "root:org");

    as_alice(
        &["create", "-f", "-"],
        Some("apiVersion: apis.kcp.io/v1alpha2\nkind: APIExport\nmetadata:\n  name: test\n"),
    )
    .ok();
    let export_status = [
        "patch",
        "apiexport",
        "test",
        "--subresource=status",
        "--type=merge",
        "-p",
        r#"{"status":{"identityHash":"4711"}}"#,
    ];
    let denied = as_alice(&export_status, None);
    assert!(denied.err().contains("Forbidden"), "{}", denied.stderr);
    let denied = kubectl(&kcp, None, "root:org", &export_status, None);
    assert!(denied.err().contains("Forbidden"), "{}", denied.stderr);
    as_masters(&kcp, "root:org", &export_status).ok();

    // A raw status write of a binding, as a workspace admin: the system's only.
    as_alice(&["create", "-f", "-"], Some(&binding("", "test"))).ok();
    let (code, body) = kcp.curl_as(
        "alice-token",
        "GET",
        "/clusters/root:org/apis/apis.kcp.io/v1alpha1/apibindings/cowboys/status",
    );
    assert_eq!(code, 403, "{body}");
    assert_eq!(
        body["message"],
        r#"apibindings.apis.kcp.io "cowboys" is forbidden: User "alice" cannot get resource "apibindings/status" in API group "apis.kcp.io" at the cluster scope: access denied"#
    );
    let denied = as_alice(
        &[
            "patch",
            "apibinding",
            "cowboys",
            "--subresource=status",
            "--type=merge",
            "-p",
            r#"{"status":{"phase":"Bound"}}"#,
        ],
        None,
    );
    assert!(denied.err().contains("Forbidden"), "{}", denied.stderr);
}
