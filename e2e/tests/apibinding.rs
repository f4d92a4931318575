//! APIExports and APIBindings end to end, with real kubectl: ports of kcp's P0 and P1 e2e tests
//! of `test/e2e/apibinding` and `test/e2e/reconciler/apiexport` (`reference/kcp.md` §8.2), each
//! naming the upstream test it follows. The endpoint-slice, virtual-workspace and
//! identity-wildcard assertions of `TestAPIBinding` belong to the virtual workspace's tests.

use std::time::Duration;

use e2e::{Kcp, wait_until};
use serde_json::Value;

/// The cowboys of kcp's e2e tests, as an APIResourceSchema named `<prefix>.cowboys.wildwest.dev`.
fn cowboys_schema(prefix: &str, extra_column: bool) -> String {
    let columns = if extra_column {
        "    additionalPrinterColumns:\n    - name: Intent\n      type: string\n      jsonPath: .spec.intent\n"
    } else {
        ""
    };
    format!(
        "apiVersion: apis.kcp.io/v1alpha1
kind: APIResourceSchema
metadata:
  name: {prefix}.cowboys.wildwest.dev
spec:
  group: wildwest.dev
  names:
    kind: Cowboy
    listKind: CowboyList
    plural: cowboys
    singular: cowboy
  scope: Namespaced
  versions:
  - name: v1alpha1
    served: true
    storage: true
{columns}    schema:
      type: object
      properties:
        spec:
          type: object
          properties:
            intent:
              type: string
        status:
          type: object
          properties:
            result:
              type: string
    subresources:
      status: {{}}
"
    )
}

fn export(name: &str, resources: &[(&str, &str, &str)]) -> String {
    let mut out = format!(
        "apiVersion: apis.kcp.io/v1alpha2\nkind: APIExport\nmetadata:\n  name: {name}\nspec:\n  resources:\n"
    );
    for (group, resource, schema) in resources {
        out.push_str(&format!(
            "  - group: {group}\n    name: {resource}\n    schema: {schema}\n    storage:\n      crd: {{}}\n"
        ));
    }
    out
}

fn binding(name: &str, path: &str, export: &str) -> String {
    format!(
        "apiVersion: apis.kcp.io/v1alpha2\nkind: APIBinding\nmetadata:\n  name: {name}\nspec:\n  reference:\n    export:\n      path: {path}\n      name: {export}\n"
    )
}

fn cowboy(name: &str, intent: &str) -> String {
    format!(
        "apiVersion: wildwest.dev/v1alpha1\nkind: Cowboy\nmetadata:\n  name: {name}\n  namespace: default\nspec:\n  intent: {intent}\n"
    )
}

/// A test's server with a few workspace helpers.
struct Env {
    kcp: Kcp,
}

impl Env {
    fn new(workspaces: &[&str]) -> Self {
        let kcp = Kcp::start();
        for ws in workspaces {
            kcp.kubectl(&["ws", "create", ws]).ok();
        }
        Self { kcp }
    }

    /// Runs kubectl in workspace `root:<ws>` (or `root` for "").
    fn k(&self, ws: &str, args: &[&str]) -> e2e::Output {
        let server = self.server(ws);
        let mut all = vec!["--server", server.as_str()];
        all.extend_from_slice(args);
        self.kcp.kubectl(&all)
    }

    fn apply(&self, ws: &str, yaml: &str) -> e2e::Output {
        let server = self.server(ws);
        self.kcp
            .kubectl_stdin(&["--server", &server, "apply", "-f", "-"], Some(yaml))
    }

    fn server(&self, ws: &str) -> String {
        let (base, _) = self.kcp.endpoint();
        if ws.is_empty() {
            format!("{base}/clusters/root")
        } else {
            format!("{base}/clusters/root:{ws}")
        }
    }

    fn json(&self, ws: &str, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["-o", "json"]);
        self.k(ws, &all).json()
    }

    /// Waits until the binding's condition `type_` has `status` (and `reason`, if given).
    fn wait_condition(&self, ws: &str, binding: &str, type_: &str, status: &str, reason: &str) {
        wait_until(
            &format!("{ws}/{binding}: {type_}={status} {reason}"),
            Duration::from_secs(30),
            || {
                let b = self.k(ws, &["get", "apibinding", binding, "-o", "json"]);
                if !b.success() {
                    return false;
                }
                condition(&b.json(), type_).is_some_and(|c| {
                    c["status"] == status && (reason.is_empty() || c["reason"] == reason)
                })
            },
        );
    }
}

fn condition<'a>(obj: &'a Value, type_: &str) -> Option<&'a Value> {
    obj["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == type_)
}

/// Provider `provider` with the cowboys schema and the export `today-cowboys`.
fn provide_cowboys(env: &Env) {
    env.apply("provider", &cowboys_schema("today", false)).ok();
    env.apply(
        "provider",
        &export(
            "today-cowboys",
            &[("wildwest.dev", "cowboys", "today.cowboys.wildwest.dev")],
        ),
    )
    .ok();
}

/// Follows kcp's `TestAPIBinding` (apibinding_test.go): the bound group is absent from the
/// provider's discovery and OpenAPI and present in the consumers'; cowboys are created, read,
/// updated and deleted in a consumer; a second binding of the same group and resource from
/// another export is refused with `NamingConflicts`.
#[test]
fn api_binding() {
    let env = Env::new(&["provider", "provider2", "consumer1", "consumer2"]);
    provide_cowboys(&env);
    for consumer in ["consumer1", "consumer2"] {
        assert_eq!(
            env.apply(
                consumer,
                &binding("cowboys", "root:provider", "today-cowboys")
            )
            .ok(),
            "apibinding.apis.kcp.io/cowboys created\n"
        );
        env.wait_condition(consumer, "cowboys", "Ready", "True", "");
        let b = env.json(consumer, &["get", "apibinding", "cowboys"]);
        assert_eq!(b["status"]["phase"], "Bound");
        let bound = &b["status"]["boundResources"][0];
        assert_eq!(bound["group"], "wildwest.dev");
        assert_eq!(bound["resource"], "cowboys");
        assert_eq!(bound["schema"]["name"], "today.cowboys.wildwest.dev");
        assert_eq!(bound["storageVersions"], serde_json::json!(["v1alpha1"]));
        let export = env.json("provider", &["get", "apiexport", "today-cowboys"]);
        assert_eq!(
            bound["schema"]["identityHash"],
            export["status"]["identityHash"]
        );
        let provider_cluster = env.json("provider", &["get", "logicalcluster", "cluster"]);
        assert_eq!(
            b["status"]["apiExportClusterName"],
            provider_cluster["metadata"]["annotations"]["kcp.io/cluster"]
        );
        for c in [
            "APIExportValid",
            "BindingUpToDate",
            "InitialBindingCompleted",
        ] {
            assert_eq!(condition(&b, c).unwrap()["status"], "True", "{c}");
        }
        assert_eq!(
            b["metadata"]["finalizers"],
            serde_json::json!(["apis.kcp.io/apibinding-finalizer"])
        );
    }

    // Discovery and OpenAPI: the consumers have the group, the provider does not (raw requests
    // with curl: kubectl 1.33 and older drop the server URL's path with --raw).
    let consumer_path = "/clusters/root:consumer1";
    let (code, g) = env.kcp.curl(
        "GET",
        &format!("{consumer_path}/apis/wildwest.dev"),
        "",
        b"",
    );
    assert_eq!(code, 200, "{g}");
    assert_eq!(g["preferredVersion"]["version"], "v1alpha1");
    let (code, rl) = env.kcp.curl(
        "GET",
        &format!("{consumer_path}/apis/wildwest.dev/v1alpha1"),
        "",
        b"",
    );
    assert_eq!(code, 200);
    let names: Vec<&str> = rl["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(names, ["cowboys", "cowboys/status"]);
    let (code, v3) = env
        .kcp
        .curl("GET", &format!("{consumer_path}/openapi/v3"), "", b"");
    assert_eq!(code, 200);
    assert!(v3["paths"].get("apis/wildwest.dev/v1alpha1").is_some());
    let (code, _) = env
        .kcp
        .curl("GET", "/clusters/root:provider/apis/wildwest.dev", "", b"");
    assert_eq!(code, 404);
    let (_, v3) = env
        .kcp
        .curl("GET", "/clusters/root:provider/openapi/v3", "", b"");
    assert!(v3["paths"].get("apis/wildwest.dev/v1alpha1").is_none());
    let provider_resources = env.k("provider", &["api-resources"]).ok().to_string();
    assert!(!provider_resources.contains("wildwest.dev"));

    // CRUD of cowboys in a consumer.
    assert_eq!(
        env.apply("consumer1", &cowboy("woody", "help")).ok(),
        "cowboy.wildwest.dev/woody created\n"
    );
    let got = env.json("consumer1", &["get", "cowboy", "woody", "-n", "default"]);
    assert_eq!(got["spec"]["intent"], "help");
    env.k(
        "consumer1",
        &[
            "patch",
            "cowboy",
            "woody",
            "-n",
            "default",
            "--type",
            "merge",
            "-p",
            r#"{"spec":{"intent":"ride"}}"#,
        ],
    )
    .ok();
    let status = env.k(
        "consumer1",
        &[
            "patch",
            "cowboy",
            "woody",
            "-n",
            "default",
            "--subresource",
            "status",
            "--type",
            "merge",
            "-p",
            r#"{"status":{"result":"rode"}}"#,
        ],
    );
    status.ok();
    let got = env.json("consumer1", &["get", "cowboy", "woody", "-n", "default"]);
    assert_eq!(got["spec"]["intent"], "ride");
    assert_eq!(got["status"]["result"], "rode");
    // Validated with the export's schema.
    let bad = env.apply(
        "consumer1",
        "apiVersion: wildwest.dev/v1alpha1\nkind: Cowboy\nmetadata:\n  name: bad\n  namespace: default\nspec:\n  intent: 42\n",
    );
    assert!(
        bad.err().contains(
            "spec.intent: Invalid value: \"integer\": spec.intent in body must be of type string"
        ),
        "{}",
        bad.stderr
    );
    // The other consumer's cowboys are its own.
    let other = env.k("consumer2", &["get", "cowboys", "-A"]);
    assert_eq!(other.stdout, "");
    assert_eq!(other.stderr.trim(), "No resources found");
    assert_eq!(
        env.k("consumer1", &["delete", "cowboy", "woody", "-n", "default"])
            .ok(),
        "cowboy.wildwest.dev \"woody\" deleted\n"
    );

    // A second binding of cowboys.wildwest.dev, from another export, conflicts.
    env.apply("provider2", &cowboys_schema("today", false)).ok();
    env.apply(
        "provider2",
        &export(
            "today-cowboys",
            &[("wildwest.dev", "cowboys", "today.cowboys.wildwest.dev")],
        ),
    )
    .ok();
    env.apply(
        "consumer1",
        &binding("cowboys2", "root:provider2", "today-cowboys"),
    )
    .ok();
    env.wait_condition(
        "consumer1",
        "cowboys2",
        "InitialBindingCompleted",
        "False",
        "NamingConflicts",
    );
    let b = env.json("consumer1", &["get", "apibinding", "cowboys2"]);
    assert_eq!(b["status"]["phase"], "Binding");
    let message = condition(&b, "InitialBindingCompleted").unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        message,
        "Unable to bind APIs because they are bound by other APIBindings or CRDs: map[cowboys.wildwest.dev:{cowboys false}]"
    );
    assert_eq!(condition(&b, "Ready").unwrap()["status"], "False");
}

/// Follows kcp's `TestAPIBindingAPIExportReferenceImmutability` (apibinding_test.go).
#[test]
fn api_binding_reference_is_immutable() {
    let env = Env::new(&["provider", "consumer"]);
    provide_cowboys(&env);
    // An export the binding could point at (admission lets the user bind it).
    env.apply(
        "provider",
        &export(
            "other-export",
            &[("wildwest.dev", "cowboys", "today.cowboys.wildwest.dev")],
        ),
    )
    .ok();
    env.apply(
        "consumer",
        &binding("cowboys", "root:provider", "today-cowboys"),
    )
    .ok();
    env.wait_condition("consumer", "cowboys", "Ready", "True", "");
    let out = env.k(
        "consumer",
        &[
            "patch",
            "apibinding",
            "cowboys",
            "--type",
            "merge",
            "-p",
            r#"{"spec":{"reference":{"export":{"name":"other-export"}}}}"#,
        ],
    );
    assert!(
        out.err()
            .contains("APIExport reference must not be changed"),
        "{}",
        out.stderr
    );
}

/// Follows kcp's `TestAPIBindingDeletion` (apibinding_deletion_test.go): deleting a binding
/// deletes the objects it bound; one held by a finalizer keeps the binding with
/// `BindingResourceDeleteSuccess=False`, and `create` is gone meanwhile; once that finalizer
/// goes, the binding goes, and so does the resource.
#[test]
fn api_binding_deletion() {
    let env = Env::new(&["provider", "consumer"]);
    provide_cowboys(&env);
    env.apply(
        "consumer",
        &binding("cowboys", "root:provider", "today-cowboys"),
    )
    .ok();
    env.wait_condition("consumer", "cowboys", "Ready", "True", "");
    env.apply("consumer", &cowboy("free", "roam")).ok();
    env.apply(
        "consumer",
        "apiVersion: wildwest.dev/v1alpha1\nkind: Cowboy\nmetadata:\n  name: held\n  namespace: default\n  finalizers: [wildwest.dev/hold]\nspec:\n  intent: hold\n",
    )
    .ok();
    env.k(
        "consumer",
        &["delete", "apibinding", "cowboys", "--wait=false"],
    )
    .ok();
    env.wait_condition(
        "consumer",
        "cowboys",
        "BindingResourceDeleteSuccess",
        "False",
        "SomeFinalizersRemain",
    );
    let b = env.json("consumer", &["get", "apibinding", "cowboys"]);
    assert_eq!(
        condition(&b, "BindingResourceDeleteSuccess").unwrap()["message"],
        "Some content in the workspace has finalizers remaining: wildwest.dev/hold in 1 resource instances"
    );
    // The free cowboy is gone, the held one is being deleted.
    let left = env.json("consumer", &["get", "cowboys", "-n", "default"]);
    let names: Vec<&str> = left["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["metadata"]["name"].as_str())
        .collect();
    assert_eq!(names, ["held"]);
    assert!(left["items"][0]["metadata"]["deletionTimestamp"].is_string());
    // No creates while the binding is being deleted.
    let (code, rl) = env.kcp.curl(
        "GET",
        "/clusters/root:consumer/apis/wildwest.dev/v1alpha1",
        "",
        b"",
    );
    assert_eq!(code, 200);
    let verbs = &rl["resources"][0]["verbs"];
    assert!(
        !verbs.as_array().unwrap().iter().any(|v| v == "create"),
        "{verbs}"
    );
    let refused = env.apply("consumer", &cowboy("late", "arrive"));
    assert!(!refused.success());
    // The finalizer goes: the cowboy, the binding and the resource go.
    env.k(
        "consumer",
        &[
            "patch",
            "cowboy",
            "held",
            "-n",
            "default",
            "--type",
            "merge",
            "-p",
            r#"{"metadata":{"finalizers":null}}"#,
        ],
    )
    .ok();
    wait_until("the binding to go", Duration::from_secs(30), || {
        !env.k("consumer", &["get", "apibinding", "cowboys"])
            .success()
    });
    wait_until("the resource to go", Duration::from_secs(30), || {
        env.kcp
            .curl(
                "GET",
                "/clusters/root:consumer/apis/wildwest.dev/v1alpha1",
                "",
                b"",
            )
            .0
            == 404
    });
}

/// Follows kcp's `TestDefaultAPIBinding` (default_apibinding_test.go): a WorkspaceType whose
/// `defaultAPIBindings` names a user's export gives each new workspace of that type a real,
/// bound APIBinding; a change of the export (a new resource) reaches the binding.
#[test]
fn default_api_binding() {
    let env = Env::new(&["provider"]);
    env.apply("provider", &cowboys_schema("today", false)).ok();
    // With claims, which a default binding accepts (selector: the claim's default, or all).
    env.apply(
        "provider",
        &format!(
            "{}  permissionClaims:
  - {{resource: secrets, verbs: ['*'], defaultSelector: {{matchLabels: {{app: x}}}}}}
  - {{resource: configmaps, verbs: [get]}}
",
            export(
                "today-cowboys",
                &[("wildwest.dev", "cowboys", "today.cowboys.wildwest.dev")],
            )
        ),
    )
    .ok();
    env.apply(
        "",
        "apiVersion: tenancy.kcp.io/v1alpha1
kind: WorkspaceType
metadata:
  name: ranch
spec:
  extend:
    with:
    - name: universal
      path: root
  defaultAPIBindings:
  - path: root:provider
    export: today-cowboys
",
    )
    .ok();
    env.kcp
        .kubectl(&["ws", "create", "farm", "--type", "root:ranch"])
        .ok();
    let bindings = env.json("farm", &["get", "apibindings"]);
    let cowboys: Vec<&Value> = bindings["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["spec"]["reference"]["export"]["name"] == "today-cowboys")
        .collect();
    assert_eq!(cowboys.len(), 1, "{bindings}");
    let name = cowboys[0]["metadata"]["name"].as_str().unwrap().to_string();
    assert!(name.starts_with("today-cowboys-"), "{name}");
    assert_eq!(cowboys[0]["status"]["phase"], "Bound");
    assert_eq!(
        cowboys[0]["status"]["boundResources"][0]["resource"],
        "cowboys"
    );
    assert_eq!(
        cowboys[0]["spec"]["permissionClaims"],
        serde_json::json!([
            {"group": "", "resource": "secrets", "verbs": ["*"], "selector": {"matchLabels": {"app": "x"}}, "state": "Accepted"},
            {"group": "", "resource": "configmaps", "verbs": ["get"], "selector": {"matchAll": true}, "state": "Accepted"},
        ])
    );
    env.apply("farm", &cowboy("joe", "graze")).ok();

    // The export gains a resource: the binding follows.
    env.apply(
        "provider",
        &cowboys_schema("today", false)
            .replace("cowboys", "sheriffs")
            .replace("Cowboy", "Sheriff")
            .replace("cowboy", "sheriff"),
    )
    .ok();
    env.apply(
        "provider",
        &export(
            "today-cowboys",
            &[
                ("wildwest.dev", "cowboys", "today.cowboys.wildwest.dev"),
                ("wildwest.dev", "sheriffs", "today.sheriffs.wildwest.dev"),
            ],
        ),
    )
    .ok();
    wait_until(
        "the new resource in the binding",
        Duration::from_secs(30),
        || {
            let b = env.json("farm", &["get", "apibinding", &name]);
            b["status"]["boundResources"]
                .as_array()
                .is_some_and(|r| r.iter().any(|r| r["resource"] == "sheriffs"))
        },
    );
    wait_until("sheriffs served", Duration::from_secs(30), || {
        env.k("farm", &["get", "sheriffs", "-A"]).success()
    });
    // Existing objects stay.
    env.k("farm", &["get", "cowboy", "joe", "-n", "default"])
        .ok();
}

/// Follows kcp's `TestAPIBindingPermissionClaimsConditions` (apibinding_permissionclaims_test.go):
/// accepting a claim the export does not make (a wrong identity hash) makes the claims invalid;
/// accepting the claim as exported makes them valid and applied.
#[test]
fn api_binding_permission_claims_conditions() {
    let env = Env::new(&["provider", "consumer"]);
    provide_cowboys(&env);
    let identity = {
        let mut hash = String::new();
        wait_until("the export's identity", Duration::from_secs(30), || {
            let e = env.json("provider", &["get", "apiexport", "today-cowboys"]);
            hash = e["status"]["identityHash"]
                .as_str()
                .unwrap_or("")
                .to_string();
            !hash.is_empty()
        });
        hash
    };
    // A second export claims the first one's cowboys.
    env.apply(
        "provider",
        &format!(
            "apiVersion: apis.kcp.io/v1alpha2
kind: APIExport
metadata:
  name: sheriffs
spec:
  permissionClaims:
  - group: wildwest.dev
    resource: cowboys
    identityHash: {identity}
    verbs: [\"*\"]
"
        ),
    )
    .ok();
    let claimed = |hash: &str| {
        format!(
            "apiVersion: apis.kcp.io/v1alpha2
kind: APIBinding
metadata:
  name: sheriffs
spec:
  reference:
    export:
      path: root:provider
      name: sheriffs
  permissionClaims:
  - group: wildwest.dev
    resource: cowboys
    identityHash: {hash}
    verbs: [\"*\"]
    selector:
      matchAll: true
    state: Accepted
"
        )
    };
    env.apply("consumer", &claimed("not-the-identity")).ok();
    env.wait_condition(
        "consumer",
        "sheriffs",
        "PermissionClaimsValid",
        "False",
        "InvalidPermissionClaims",
    );
    let b = env.json("consumer", &["get", "apibinding", "sheriffs"]);
    assert_eq!(
        condition(&b, "PermissionClaimsValid").unwrap()["message"],
        "1 unexpected and/or invalid permission claims (showing first 1): unexpected/invalid claim for cowboys.wildwest.dev (identity \"not-the-identity\")"
    );
    assert!(b["status"]["appliedPermissionClaims"].is_null());
    assert_eq!(
        b["status"]["exportPermissionClaims"][0]["identityHash"],
        identity
    );
    // Fixed: valid and applied.
    let fixed = env
        .json("consumer", &["get", "apibinding", "sheriffs"])
        .to_string()
        .replace("not-the-identity", &identity);
    let replaced = env.kcp.kubectl_stdin(
        &["--server", &env.server("consumer"), "replace", "-f", "-"],
        Some(&fixed),
    );
    replaced.ok();
    env.wait_condition("consumer", "sheriffs", "PermissionClaimsValid", "True", "");
    env.wait_condition(
        "consumer",
        "sheriffs",
        "PermissionClaimsApplied",
        "True",
        "",
    );
    let b = env.json("consumer", &["get", "apibinding", "sheriffs"]);
    assert_eq!(
        b["status"]["appliedPermissionClaims"][0]["identityHash"],
        identity
    );
}

/// Follows kcp's `TestRequeueWhenIdentitySecretAdded` (apiexport_controller_test.go): an export
/// naming a Secret that does not exist is not valid; once the Secret exists, its hash is the
/// export's identity.
#[test]
fn requeue_when_identity_secret_added() {
    let env = Env::new(&["provider"]);
    env.apply(
        "provider",
        "apiVersion: apis.kcp.io/v1alpha2
kind: APIExport
metadata:
  name: later
spec:
  identity:
    secretRef:
      namespace: default
      name: later-identity
",
    )
    .ok();
    let valid = |status: &str, reason: &str| {
        wait_until("IdentityValid", Duration::from_secs(30), || {
            let e = env.json("provider", &["get", "apiexport", "later"]);
            condition(&e, "IdentityValid").is_some_and(|c| {
                c["status"] == status && (reason.is_empty() || c["reason"] == reason)
            })
        });
    };
    valid("False", "IdentityVerificationFailed");
    env.k(
        "provider",
        &[
            "create",
            "secret",
            "generic",
            "later-identity",
            "-n",
            "default",
            "--from-literal=key=abcdefghijklmnopqrstuvwxyz",
        ],
    )
    .ok();
    valid("True", "");
    let e = env.json("provider", &["get", "apiexport", "later"]);
    assert_eq!(
        e["status"]["identityHash"],
        kcp_sha256_hex("abcdefghijklmnopqrstuvwxyz")
    );
}

/// The identity hash of a key: SHA-256, lowercase hex (checked with `sha256sum`).
fn kcp_sha256_hex(key: &str) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("sha256sum");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(key.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_string()
}

/// An export's identity Secret is made for it, and the export points at it (kcp's
/// `apiexport_reconcile.go`).
#[test]
fn an_export_gets_an_identity() {
    let env = Env::new(&["provider"]);
    provide_cowboys(&env);
    wait_until("the identity", Duration::from_secs(30), || {
        let e = env.json("provider", &["get", "apiexport", "today-cowboys"]);
        condition(&e, "IdentityValid").is_some_and(|c| c["status"] == "True")
    });
    let e = env.json("provider", &["get", "apiexport", "today-cowboys"]);
    assert_eq!(
        e["spec"]["identity"]["secretRef"],
        serde_json::json!({"namespace": "kcp-system", "name": "today-cowboys"})
    );
    let secret = env.json(
        "provider",
        &["get", "secret", "today-cowboys", "-n", "kcp-system"],
    );
    let key = secret["data"]["key"].as_str().unwrap();
    use base64::Engine;
    let key = base64::engine::general_purpose::STANDARD
        .decode(key)
        .unwrap();
    assert_eq!(key.len(), 43, "256 bits, base64url without padding");
    assert_eq!(
        e["status"]["identityHash"],
        kcp_sha256_hex(std::str::from_utf8(&key).unwrap())
    );
}

/// A changed export moves its bindings (kcp's `exporting-apis.md`: "new or changed APIs are
/// automatically propagated"): the schema of a resource replaced by another is served at once,
/// with the objects kept; and after a restart the bound resources are served as soon as the
/// server is ready.
#[test]
fn a_replaced_schema_is_served_and_survives_a_restart() {
    let mut env = Env::new(&["provider", "consumer"]);
    provide_cowboys(&env);
    env.apply(
        "consumer",
        &binding("cowboys", "root:provider", "today-cowboys"),
    )
    .ok();
    env.wait_condition("consumer", "cowboys", "Ready", "True", "");
    env.apply("consumer", &cowboy("woody", "help")).ok();
    let before = env
        .k("consumer", &["get", "cowboys", "-n", "default"])
        .ok()
        .to_string();
    assert_eq!(
        before
            .lines()
            .next()
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>(),
        ["NAME", "AGE"]
    );

    env.apply("provider", &cowboys_schema("tomorrow", true))
        .ok();
    env.apply(
        "provider",
        &export(
            "today-cowboys",
            &[("wildwest.dev", "cowboys", "tomorrow.cowboys.wildwest.dev")],
        ),
    )
    .ok();
    wait_until("the new schema bound", Duration::from_secs(30), || {
        let b = env.json("consumer", &["get", "apibinding", "cowboys"]);
        b["status"]["boundResources"][0]["schema"]["name"] == "tomorrow.cowboys.wildwest.dev"
    });
    wait_until("the new schema served", Duration::from_secs(30), || {
        let table = env.k("consumer", &["get", "cowboys", "-n", "default"]);
        table.success()
            && table
                .stdout
                .lines()
                .next()
                .is_some_and(|l| l.split_whitespace().collect::<Vec<_>>() == ["NAME", "INTENT"])
    });
    let table = env
        .k("consumer", &["get", "cowboys", "-n", "default"])
        .ok()
        .to_string();
    assert_eq!(
        table
            .lines()
            .nth(1)
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>(),
        ["woody", "help"]
    );

    env.kcp.restart();
    let table = env
        .k("consumer", &["get", "cowboys", "-n", "default"])
        .ok()
        .to_string();
    assert_eq!(
        table
            .lines()
            .nth(1)
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>(),
        ["woody", "help"]
    );
    let explain = env
        .k("consumer", &["explain", "cowboys.spec"])
        .ok()
        .to_string();
    assert!(explain.contains("intent"), "{explain}");
}
