//! The differential suite: the same request sequences sent to Kubernetes' own kube-apiserver
//! and to `kcp start --profile kube`, status codes, `Content-Type`, `Warning` headers and whole
//! bodies compared after normalising what must differ (see `e2e::differential`).
//!
//! Cases run in order, each on both servers at once; later cases use the namespace `diff` that
//! the first creates, and each works on objects of its own names. Only what both servers serve
//! is compared: kube-apiserver runs a controller manager (a `default` ServiceAccount and the
//! `kube-root-ca.crt` ConfigMap appear in each new namespace), so lists select by label, and
//! discovery is compared on the groups and resources both serve. Known differences are marked
//! with their row in `docs/differences.md`.

#![recursion_limit = "512"]

use e2e::differential::{Case, Compare, Req, Response, Target, run};
use e2e::{Kcp, KubeApiserver};
use serde_json::{Value, json};

const NS: &str = "/api/v1/namespaces";
const CMS: &str = "/api/v1/namespaces/diff/configmaps";
const SECRETS: &str = "/api/v1/namespaces/diff/secrets";
const SAS: &str = "/api/v1/namespaces/diff/serviceaccounts";
const EVENTS: &str = "/api/v1/namespaces/diff/events";
const NEW_EVENTS: &str = "/apis/events.k8s.io/v1/namespaces/diff/events";
const CRDS: &str = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
const WIDGETS: &str = "/apis/diff.example.com/v1/namespaces/diff/widgets";
const CERTS: &str = "/apis/cert-manager.io/v1/namespaces/diff/certificates";
const PROMETHEUSES: &str = "/apis/monitoring.coreos.com/v1/namespaces/diff/prometheuses";
const XRDS: &str = "/apis/apiextensions.crossplane.io/v1/compositeresourcedefinitions";

const JSON_PATCH: &str = "application/json-patch+json";
const MERGE_PATCH: &str = "application/merge-patch+json";
const STRATEGIC: &str = "application/strategic-merge-patch+json";
const APPLY: &str = "application/apply-patch+yaml";
const YAML: &str = "application/yaml";

const TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io";
/// What kubectl get sends.
const KUBECTL_TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
const POM: &str = "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io";
const POM_LIST: &str = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io";
/// Aggregated discovery as client-go 1.30 and later ask for it, and 1.27-1.29.
const DISCOVERY_V2: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
const DISCOVERY_V2BETA1: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
const OPENAPI_V2_PROTO: &str = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
const OPENAPI_V3_PROTO: &str = "application/com.github.proto-openapi.spec.v3@v1.0+protobuf";

// Known differences: each names its row in docs/differences.md.
const YAML_ERRORS: &str = "differences.md: YAML syntax errors";
const WIRE_FORMATS: &str = "differences.md: wire formats";
const KUBE_500: &str = "differences.md: patch errors that kube answers with 500";
const BAD_RESOURCE_VERSION: &str = "differences.md: a resourceVersion that is not a number";
const COMPOSITE_VALUES: &str = "differences.md: composite values in field errors";
const JSON_PATCH_REASON: &str = "differences.md: a JSON patch operation that fails";
const OPENAPI_V3_PROTOBUF: &str = "differences.md: wire formats (OpenAPI v3 in protobuf)";
const OPENAPI_HASH: &str = "differences.md: /openapi/v3/<group version>?hash=<not the current one>";

fn cm(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": name, "labels": {"diff": name}},
           "data": {"a": "1", "b": "2"}})
}

fn secret(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Secret",
           "metadata": {"name": name, "labels": {"diff": name}},
           "stringData": {"user": "admin"}, "data": {"pw": "c2VjcmV0"}})
}

fn at(collection: &str, name: &str) -> String {
    format!("{collection}/{name}")
}

fn with_query(path: &str, query: &str) -> String {
    format!("{path}?{query}")
}

fn namespaces() -> Vec<Case> {
    let g = "namespaces";
    vec![
        Case::new(g, "create").request(Req::post(
            NS,
            &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "diff"}}),
        )),
        Case::new(g, "get").request(Req::get(&at(NS, "diff"))),
        Case::new(g, "create an invalid name").request(Req::post(
            NS,
            &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "Not_Valid"}}),
        )),
        Case::new(g, "create with another kind in the body").request(Req::post(
            NS,
            &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "diff-kind"}}),
        )),
        Case::new(g, "create without a name").request(Req::post(
            NS,
            &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {}}),
        )),
        Case::new(g, "delete (Terminating with its finalizer)")
            .setup(Req::post(
                NS,
                &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "diff-gone"}}),
            ))
            .request(Req::delete(&at(NS, "diff-gone"))),
        Case::new(g, "create in a namespace that does not exist")
            .request(Req::post("/api/v1/namespaces/nope/configmaps", &cm("x"))),
        Case::new(g, "list by label")
            .request(Req::get(&with_query(NS, "labelSelector=kubernetes.io/metadata.name%3Ddiff"))),
        Case::new(g, "delete the collection (not allowed)").request(Req::delete(NS)),
        Case::new(g, "an unknown resource of a served group version")
            .request(Req::get("/api/v1/namespaces/diff/frobs")),
        Case::new(g, "a resource of an unknown group")
            .request(Req::get("/apis/nope.example.com/v1/namespaces/diff/things")),
    ]
}

fn configmaps_crud() -> Vec<Case> {
    let g = "configmaps";
    vec![
        Case::new(g, "create").request(Req::post(CMS, &cm("c1"))),
        Case::new(g, "get").request(Req::get(&at(CMS, "c1"))),
        Case::new(g, "get missing").request(Req::get(&at(CMS, "missing"))),
        Case::new(g, "create again (AlreadyExists)").request(Req::post(CMS, &cm("c1"))),
        Case::new(g, "create from YAML").request(Req::new("POST", CMS).body(
            YAML,
            b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c-yaml\ndata:\n  k: v\n",
        )),
        Case::new(g, "create with generateName").request(Req::post(
            CMS,
            &json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"generateName": "gen-"}, "data": {"k": "v"}}),
        )),
        Case::new(g, "update with its resourceVersion")
            .setup(Req::post(CMS, &cm("c-upd")))
            .request(Req::put(
                &at(CMS, "c-upd"),
                &json!({"apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"name": "c-upd", "resourceVersion": "{{rv:0}}"},
                        "data": {"a": "changed"}}),
            )),
        Case::new(g, "update with a stale resourceVersion (Conflict)")
            .setup(Req::post(CMS, &cm("c-stale")))
            .setup(Req::patch(
                &at(CMS, "c-stale"),
                MERGE_PATCH,
                &json!({"data": {"a": "2"}}),
            ))
            .request(Req::put(
                &at(CMS, "c-stale"),
                &json!({"apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"name": "c-stale", "resourceVersion": "{{rv:0}}"},
                        "data": {"a": "3"}}),
            )),
        Case::new(g, "update without resourceVersion")
            .setup(Req::post(CMS, &cm("c-norv")))
            .request(Req::put(
                &at(CMS, "c-norv"),
                &json!({"apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"name": "c-norv"}, "data": {"z": "26"}}),
            )),
        Case::new(g, "update of a missing object").request(Req::put(
            &at(CMS, "c-absent"),
            &json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "c-absent"}, "data": {}}),
        )),
        Case::new(g, "update with another name in the body").request(Req::put(
            &at(CMS, "c1"),
            &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "other"}}),
        )),
        Case::new(g, "create with another namespace in the body").request(Req::post(
            CMS,
            &json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "c-ns", "namespace": "default"}}),
        )),
        Case::new(g, "immutable: update refused")
            .setup(Req::post(
                CMS,
                &json!({"apiVersion": "v1", "kind": "ConfigMap", "immutable": true,
                        "metadata": {"name": "c-imm"}, "data": {"a": "1"}}),
            ))
            .request(Req::patch(
                &at(CMS, "c-imm"),
                MERGE_PATCH,
                &json!({"data": {"a": "2"}}),
            )),
        Case::new(g, "delete")
            .setup(Req::post(CMS, &cm("c-del")))
            .request(Req::delete(&at(CMS, "c-del"))),
        Case::new(g, "delete missing").request(Req::delete(&at(CMS, "c-del-missing"))),
        Case::new(g, "delete with a wrong uid precondition")
            .setup(Req::post(CMS, &cm("c-pre")))
            .request(Req::json(
                "DELETE",
                &at(CMS, "c-pre"),
                &json!({"kind": "DeleteOptions", "apiVersion": "v1",
                        "preconditions": {"uid": "00000000-0000-0000-0000-000000000000"}}),
            )),
        Case::new(g, "delete with a stale resourceVersion precondition")
            .setup(Req::post(CMS, &cm("c-pre-rv")))
            .setup(Req::patch(
                &at(CMS, "c-pre-rv"),
                MERGE_PATCH,
                &json!({"data": {"a": "2"}}),
            ))
            .request(Req::json(
                "DELETE",
                &at(CMS, "c-pre-rv"),
                &json!({"kind": "DeleteOptions", "apiVersion": "v1",
                        "preconditions": {"resourceVersion": "{{rv:0}}"}}),
            )),
        Case::new(g, "create with nothing but a name (no managed fields)").request(Req::post(
            CMS,
            &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c-bare"}}),
        )),
        Case::new(g, "orphanDependents=false on a delete that waits (202)")
            .setup(Req::post(
                CMS,
                &json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "c-202", "finalizers": ["diff.example.com/hold"]}}),
            ))
            .request(Req::delete(&with_query(
                &at(CMS, "c-202"),
                "orphanDependents=false",
            ))),
        Case::new(g, "delete collection by label")
            .setup(Req::post(CMS, &cm("c-coll")))
            .request(Req::delete(&with_query(CMS, "labelSelector=diff%3Dc-coll"))),
    ]
}

fn bad_input() -> Vec<Case> {
    let g = "bad input";
    let big = "x".repeat(1024 * 1024 + 10);
    let huge = "x".repeat(3 * 1024 * 1024 + 10);
    vec![
        Case::new(g, "malformed JSON").request(
            Req::new("POST", CMS).body("application/json", br#"{"apiVersion": "v1", "kind": "#),
        ),
        Case::new(g, "malformed YAML").request(
            Req::new("POST", CMS).body(YAML, b"apiVersion: v1\nkind: ConfigMap\nmetadata: [\n"),
        )
            .known(YAML_ERRORS),
        Case::new(g, "a body that is not an object").request(
            Req::new("POST", CMS).body("application/json", b"[1, 2]"),
        ),
        Case::new(g, "missing kind").request(Req::post(
            CMS,
            &json!({"apiVersion": "v1", "metadata": {"name": "nokind"}}),
        )),
        Case::new(g, "a wrong type (number in data)").request(Req::post(
            CMS,
            &json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "wrongtype"}, "data": {"a": 1}}),
        )),
        Case::new(g, "a wrong type (labels as a list)").request(Req::post(
            CMS,
            &json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "wrongtype2", "labels": ["a"]}}),
        )),
        Case::new(g, "an invalid name").request(Req::post(CMS, &cm("Not_Valid"))),
        Case::new(g, "an invalid label").request(Req::post(
            CMS,
            &json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "badlabel", "labels": {"a b": "-x-"}}}),
        )),
        Case::new(g, "an invalid data key").request(Req::post(
            CMS,
            &json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "badkey"}, "data": {"a/b": "x"}}),
        )),
        Case::new(g, "unknown field, fieldValidation=Strict").request(Req::post(
            &with_query(CMS, "fieldValidation=Strict"),
            &json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "strict", "bogus": 1}, "spec": {"x": 1}}),
        )),
        Case::new(g, "unknown field, fieldValidation=Warn").request(Req::post(
            &with_query(CMS, "fieldValidation=Warn"),
            &json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "warn", "bogus": 1}, "spec": {"x": 1}}),
        )),
        Case::new(g, "unknown field, fieldValidation=Ignore").request(Req::post(
            &with_query(CMS, "fieldValidation=Ignore"),
            &json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "ignore"}, "spec": {"x": 1}}),
        )),
        Case::new(g, "unknown field, no fieldValidation").request(Req::post(
            CMS,
            &json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "default-validation"}, "spec": {"x": 1}}),
        )),
        Case::new(g, "duplicate field, fieldValidation=Strict").request(
            Req::new("POST", &with_query(CMS, "fieldValidation=Strict")).body(
                "application/json",
                br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup"},"data":{"a":"1"},"data":{"b":"2"}}"#,
            ),
        ),
        Case::new(g, "unknown field in YAML, fieldValidation=Strict").request(
            Req::new("POST", &with_query(CMS, "fieldValidation=Strict")).body(
                YAML,
                b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: strict-yaml\nbogus: 1\n",
            ),
        ),
        Case::new(g, "an unknown fieldValidation").request(Req::post(
            &with_query(CMS, "fieldValidation=Sometimes"),
            &cm("fv-bogus"),
        )),
        Case::new(g, "an unsupported content type")
            .request(Req::new("POST", CMS).body("text/plain", b"hello")),
        Case::new(g, "an object over 1 MiB").request(Req::post(
            CMS,
            &json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "big"}, "data": {"big": big}}),
        )),
        Case::new(g, "a body over 3 MiB").request(Req::post(
            CMS,
            &json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "huge"}, "data": {"huge": huge}}),
        )),
        Case::new(g, "a bad label selector")
            .request(Req::get(&with_query(CMS, "labelSelector=a%20in%20(b"))),
        Case::new(g, "a bad field selector")
            .request(Req::get(&with_query(CMS, "fieldSelector=spec.nope%3Dx"))),
        Case::new(g, "a malformed field selector")
            .request(Req::get(&with_query(CMS, "fieldSelector=metadata.name"))),
        Case::new(g, "a bad limit").request(Req::get(&with_query(CMS, "limit=abc"))),
        Case::new(g, "an unknown dryRun").request(Req::post(
            &with_query(CMS, "dryRun=Sometimes"),
            &cm("dry-bogus"),
        )),
        Case::new(g, "a bad propagationPolicy")
            .setup(Req::post(CMS, &cm("c-prop-bad")))
            .request(Req::delete(&with_query(&at(CMS, "c-prop-bad"), "propagationPolicy=Sideways"))),
        Case::new(g, "an unknown method").request(Req::new("FROB", CMS)),
        Case::new(g, "a fieldManager over 128 characters").request(Req::post(
            &with_query(CMS, &format!("fieldManager={}", "m".repeat(129))),
            &cm("long-manager"),
        )),
        Case::new(g, "two bad options at once").request(Req::post(
            &with_query(CMS, "fieldValidation=Bogus&dryRun=Maybe"),
            &cm("two-bad-options"),
        )),
        Case::new(g, "a response only in YAML")
            .request(Req::get(&at(CMS, "c1")).accept("application/yaml"))
            .known(WIRE_FORMATS),
        Case::new(g, "a response only in protobuf")
            .request(Req::get(&at(CMS, "c1")).accept("application/vnd.kubernetes.protobuf"))
            .known(WIRE_FORMATS),
        Case::new(g, "POST to an object").request(Req::post(&at(CMS, "c1"), &cm("c1"))),
    ]
}

fn patches() -> Vec<Case> {
    let g = "patch";
    let p = |name: &str| at(CMS, name);
    vec![
        Case::new(g, "JSON patch")
            .setup(Req::post(CMS, &cm("p-json")))
            .request(Req::patch(
                &p("p-json"),
                JSON_PATCH,
                &json!([{"op": "add", "path": "/data/c", "value": "3"},
                        {"op": "replace", "path": "/data/a", "value": "one"},
                        {"op": "remove", "path": "/data/b"}]),
            )),
        Case::new(g, "JSON patch test failure")
            .setup(Req::post(CMS, &cm("p-test")))
            .request(Req::patch(
                &p("p-test"),
                JSON_PATCH,
                &json!([{"op": "test", "path": "/data/a", "value": "nope"},
                        {"op": "replace", "path": "/data/a", "value": "x"}]),
            ))
            .known(JSON_PATCH_REASON),
        Case::new(g, "JSON patch removing a missing path")
            .setup(Req::post(CMS, &cm("p-rm")))
            .request(Req::patch(
                &p("p-rm"),
                JSON_PATCH,
                &json!([{"op": "remove", "path": "/data/zzz"}]),
            ))
            .known(JSON_PATCH_REASON),
        Case::new(g, "JSON patch that is not a list")
            .setup(Req::post(CMS, &cm("p-notlist")))
            .request(Req::patch(
                &p("p-notlist"),
                JSON_PATCH,
                &json!({"op": "add"}),
            )),
        Case::new(g, "JSON patch with an unknown op")
            .setup(Req::post(CMS, &cm("p-op")))
            .request(Req::patch(
                &p("p-op"),
                JSON_PATCH,
                &json!([{"op": "frob", "path": "/data/a"}]),
            ))
            .known(JSON_PATCH_REASON),
        Case::new(g, "JSON patch move and copy")
            .setup(Req::post(CMS, &cm("p-move")))
            .request(Req::patch(
                &p("p-move"),
                JSON_PATCH,
                &json!([{"op": "move", "from": "/data/a", "path": "/data/moved"},
                        {"op": "copy", "from": "/data/b", "path": "/data/copied"}]),
            )),
        Case::new(g, "merge patch (null removes a key)")
            .setup(Req::post(CMS, &cm("p-merge")))
            .request(Req::patch(
                &p("p-merge"),
                MERGE_PATCH,
                &json!({"data": {"a": null, "c": "3"}, "metadata": {"labels": {"x": "y"}}}),
            )),
        Case::new(g, "merge patch of a missing object").request(Req::patch(
            &p("p-none"),
            MERGE_PATCH,
            &json!({"data": {"a": "1"}}),
        )),
        Case::new(g, "merge patch changing the name")
            .setup(Req::post(CMS, &cm("p-rename")))
            .request(Req::patch(
                &p("p-rename"),
                MERGE_PATCH,
                &json!({"metadata": {"name": "renamed"}}),
            )),
        Case::new(g, "merge patch with a stale resourceVersion")
            .setup(Req::post(CMS, &cm("p-stale")))
            .setup(Req::patch(
                &p("p-stale"),
                MERGE_PATCH,
                &json!({"data": {"a": "2"}}),
            ))
            .request(Req::patch(
                &p("p-stale"),
                MERGE_PATCH,
                &json!({"metadata": {"resourceVersion": "{{rv:0}}"}, "data": {"a": "3"}}),
            )),
        Case::new(g, "malformed merge patch")
            .setup(Req::post(CMS, &cm("p-bad")))
            .request(Req::new("PATCH", &p("p-bad")).body(MERGE_PATCH, b"{not json")),
        Case::new(g, "strategic merge patch")
            .setup(Req::post(CMS, &cm("p-smp")))
            .request(Req::patch(
                &p("p-smp"),
                STRATEGIC,
                &json!({"data": {"b": null, "d": "4"}}),
            )),
        Case::new(g, "strategic merge patch $patch: delete on a list item")
            .setup(Req::post(
                SAS,
                &json!({"apiVersion": "v1", "kind": "ServiceAccount",
                "metadata": {"name": "sa-smp"},
                "secrets": [{"name": "s1"}, {"name": "s2"}],
                "imagePullSecrets": [{"name": "p1"}, {"name": "p2"}]}),
            ))
            .request(Req::patch(
                &at(SAS, "sa-smp"),
                STRATEGIC,
                &json!({"secrets": [{"name": "s1", "$patch": "delete"}],
                        "imagePullSecrets": [{"name": "p3"}]}),
            )),
        Case::new(g, "strategic merge patch of containers by name")
            .setup(Req::post(
                "/apis/apps/v1/namespaces/diff/deployments",
                &deployment("d-smp", json!({"type": "Recreate"})),
            ))
            .request(Req::patch(
                "/apis/apps/v1/namespaces/diff/deployments/d-smp",
                STRATEGIC,
                &json!({"spec": {"template": {"spec": {"containers": [
                    {"name": "c", "image": "nginx:2"}, {"name": "side", "image": "busybox"}]}}}}),
            ))
            .go_zero_values(),
        Case::new(g, "strategic merge patch $patch: replace on a map")
            .setup(Req::post(CMS, &cm("p-replace")))
            .request(Req::patch(
                &p("p-replace"),
                STRATEGIC,
                &json!({"data": {"$patch": "replace", "only": "this"}}),
            )),
        Case::new(g, "strategic merge patch $retainKeys")
            .setup(Req::post(
                "/apis/apps/v1/namespaces/diff/deployments",
                &deployment(
                    "d-retain",
                    json!({"type": "RollingUpdate",
                    "rollingUpdate": {"maxSurge": 2}}),
                ),
            ))
            .request(Req::patch(
                "/apis/apps/v1/namespaces/diff/deployments/d-retain",
                STRATEGIC,
                &json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}),
            ))
            .go_zero_values(),
        Case::new(g, "strategic merge patch of a CRD object (unsupported)")
            .setup_until(crd_ready("widgets.diff.example.com"), established)
            .setup(Req::post(WIDGETS, &widget("w-smp", json!({"size": 3}))))
            .request(Req::patch(
                &at(WIDGETS, "w-smp"),
                STRATEGIC,
                &json!({"spec": {"size": 4}}),
            )),
        Case::new(g, "an unsupported patch type")
            .setup(Req::post(CMS, &cm("p-type")))
            .request(Req::patch(
                &p("p-type"),
                "application/foo-patch+json",
                &json!({}),
            )),
    ]
}

fn deployment(name: &str, strategy: Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": name},
           "spec": {"replicas": 1, "strategy": strategy,
                    "selector": {"matchLabels": {"app": name}},
                    "template": {"metadata": {"labels": {"app": name}},
                                 "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})
}

fn apply() -> Vec<Case> {
    let g = "server-side apply";
    let path = |name: &str, q: &str| with_query(&at(CMS, name), q);
    let body = |name: &str, a: &str| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  a: \"{a}\"\n")
            .into_bytes()
    };
    vec![
        Case::new(g, "apply creates").request(
            Req::new("PATCH", &path("ssa-1", "fieldManager=alice"))
                .body(APPLY, &body("ssa-1", "1")),
        ),
        Case::new(g, "apply as JSON").request(
            Req::new("PATCH", &path("ssa-json", "fieldManager=alice")).body(
                "application/apply-patch+json",
                br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ssa-json"},"data":{"a":"1"}}"#,
            ),
        ),
        Case::new(g, "apply without fieldManager")
            .request(Req::new("PATCH", &at(CMS, "ssa-nofm")).body(APPLY, &body("ssa-nofm", "1"))),
        Case::new(g, "apply conflict (409 with causes)")
            .setup(Req::new("PATCH", &path("ssa-2", "fieldManager=alice")).body(APPLY, &body("ssa-2", "1")))
            .request(
                Req::new("PATCH", &path("ssa-2", "fieldManager=bob")).body(APPLY, &body("ssa-2", "2")),
            ),
        Case::new(g, "apply force=true takes the field")
            .setup(Req::new("PATCH", &path("ssa-3", "fieldManager=alice")).body(APPLY, &body("ssa-3", "1")))
            .request(
                Req::new("PATCH", &path("ssa-3", "fieldManager=bob&force=true"))
                    .body(APPLY, &body("ssa-3", "2")),
            ),
        Case::new(g, "apply after update shares the field")
            .setup(Req::post(&with_query(CMS, "fieldManager=carol"), &cm("ssa-4")))
            .request(
                Req::new("PATCH", &path("ssa-4", "fieldManager=alice")).body(APPLY, &body("ssa-4", "1")),
            ),
        Case::new(g, "apply removing a field it owned")
            .setup(Req::new("PATCH", &path("ssa-5", "fieldManager=alice")).body(
                APPLY,
                b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-5\ndata:\n  a: \"1\"\n  b: \"2\"\n",
            ))
            .request(Req::new("PATCH", &path("ssa-5", "fieldManager=alice")).body(APPLY, &body("ssa-5", "1"))),
        Case::new(g, "apply with a different name in the body").request(
            Req::new("PATCH", &path("ssa-6", "fieldManager=alice")).body(APPLY, &body("other", "1")),
        ),
        Case::new(g, "apply of malformed YAML").request(
            Req::new("PATCH", &path("ssa-7", "fieldManager=alice")).body(APPLY, b"data: [\n"),
        )
            .known(YAML_ERRORS),
        Case::new(g, "apply with force but no fieldManager").request(
            Req::new("PATCH", &path("ssa-8", "force=true")).body(APPLY, &body("ssa-8", "1")),
        ),
        Case::new(g, "apply with an unknown field (Strict)").request(
            Req::new("PATCH", &path("ssa-9", "fieldManager=alice&fieldValidation=Strict")).body(
                APPLY,
                b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-9\nbogus: 1\n",
            ),
        )
            .known(KUBE_500),
        Case::new(g, "apply a Deployment (list map keys)").request(
            Req::new(
                "PATCH",
                "/apis/apps/v1/namespaces/diff/deployments/d-ssa?fieldManager=alice",
            )
            // JSON is YAML: kube takes apply configurations as application/apply-patch+yaml only.
            .body(APPLY, deployment("d-ssa", json!({"type": "Recreate"})).to_string().as_bytes()),
        )
            .go_zero_values(),
    ]
}

fn lists() -> Vec<Case> {
    let g = "lists";
    let many = |i: usize| {
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": format!("page-{i}"), "labels": {"page": "yes"}},
               "data": {"i": i.to_string()}})
    };
    let sel = "labelSelector=page%3Dyes";
    let setup = |c: Case| (0..3).fold(c, |c, i| c.setup(Req::post(CMS, &many(i))));
    vec![
        setup(Case::new(g, "list by label")).request(Req::get(&with_query(CMS, sel))),
        Case::new(g, "first page (limit=2)")
            .request(Req::get(&with_query(CMS, &format!("{sel}&limit=2")))),
        Case::new(g, "second page (continue)")
            .setup(Req::get(&with_query(CMS, &format!("{sel}&limit=2"))))
            .request(Req::get(&with_query(
                CMS,
                &format!("{sel}&limit=2&continue={{{{continue:0}}}}"),
            ))),
        Case::new(g, "a malformed continue").request(Req::get(&with_query(
            CMS,
            &format!("{sel}&limit=2&continue=garbage"),
        ))),
        Case::new(g, "continue with resourceVersion")
            .setup(Req::get(&with_query(CMS, &format!("{sel}&limit=2"))))
            .request(Req::get(&with_query(
                CMS,
                &format!("{sel}&limit=2&resourceVersion=1&continue={{{{continue:0}}}}"),
            ))),
        Case::new(g, "field selector metadata.name").request(Req::get(&with_query(
            CMS,
            "fieldSelector=metadata.name%3Dpage-1",
        ))),
        Case::new(g, "field selector metadata.name!=").request(Req::get(&with_query(
            CMS,
            &format!("{sel}&fieldSelector=metadata.name!%3Dpage-1"),
        ))),
        Case::new(g, "label selector set-based").request(Req::get(&with_query(
            CMS,
            "labelSelector=page%20in%20(yes,no),!nothere",
        ))),
        Case::new(g, "resourceVersionMatch without resourceVersion").request(Req::get(
            &with_query(CMS, &format!("{sel}&resourceVersionMatch=NotOlderThan")),
        )),
        Case::new(g, "an invalid resourceVersion").request(Req::get(&with_query(
            CMS,
            &format!("{sel}&resourceVersion=abc"),
        ))),
        Case::new(g, "list across namespaces by label")
            .request(Req::get(&with_query("/api/v1/configmaps", sel))),
        Case::new(g, "Table").request(Req::get(&with_query(CMS, sel)).accept(TABLE)),
        Case::new(g, "Table as kubectl asks")
            .request(Req::get(&with_query(CMS, sel)).accept(KUBECTL_TABLE)),
        Case::new(g, "Table of one object").request(Req::get(&at(CMS, "page-0")).accept(TABLE)),
        Case::new(g, "Table with includeObject=Object").request(
            Req::get(&with_query(CMS, &format!("{sel}&includeObject=Object"))).accept(TABLE),
        ),
        Case::new(g, "Table of namespaces").request(
            Req::get(&with_query(
                NS,
                "labelSelector=kubernetes.io/metadata.name%3Ddiff",
            ))
            .accept(TABLE),
        ),
        Case::new(g, "PartialObjectMetadata").request(Req::get(&at(CMS, "page-0")).accept(POM)),
        Case::new(g, "PartialObjectMetadataList")
            .request(Req::get(&with_query(CMS, sel)).accept(POM_LIST)),
        Case::new(g, "an unsupported Accept")
            .request(
                Req::get(&at(CMS, "page-0")).accept("application/json;as=Frob;v=v1;g=meta.k8s.io"),
            )
            .known(WIRE_FORMATS),
    ]
}

/// A watch-list's stream up to its bookmark annotated `k8s.io/initial-events-end`:
/// kube-apiserver may send another bookmark before the watch ends (`docs/differences.md`).
fn through_initial_events_end(a: &Value, b: &Value) -> (Value, Value) {
    let cut = |v: &Value| {
        let Some(events) = v.as_array() else {
            return v.clone();
        };
        let end = events.iter().position(|e| {
            e["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"] == "true"
        });
        Value::Array(events[..end.map_or(events.len(), |i| i + 1)].to_vec())
    };
    (cut(a), cut(b))
}

/// Watches that end on their own (`timeoutSeconds`), so the whole stream of events is the body.
fn watches() -> Vec<Case> {
    let g = "watch";
    let labelled = |name: &str, label: &str| {
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": name, "labels": {"watch": label}}, "data": {"v": "1"}})
    };
    let watch = |label: &str, query: &str| {
        Req::get(&with_query(
            CMS,
            &format!("watch=true&labelSelector=watch%3D{label}&timeoutSeconds=1&{query}"),
        ))
    };
    let changed = json!({"data": {"v": "2"}});
    vec![
        // The first setup answer's resourceVersion is where the watch starts: what follows
        // it comes as MODIFIED, ADDED and DELETED, in order.
        Case::new(g, "events after a resourceVersion")
            .setup(Req::post(CMS, &labelled("w-seq-0", "seq")))
            .setup(Req::patch(&at(CMS, "w-seq-0"), MERGE_PATCH, &changed))
            .setup(Req::post(CMS, &labelled("w-seq-1", "seq")))
            .setup(Req::delete(&at(CMS, "w-seq-0")))
            .request(watch("seq", "resourceVersion={{rv:0}}")),
        Case::new(g, "resourceVersion=0 starts with the objects there")
            .setup(Req::post(CMS, &labelled("w-zero-0", "zero")))
            .setup(Req::post(CMS, &labelled("w-zero-1", "zero")))
            .request(watch("zero", "resourceVersion=0")),
        Case::new(g, "sendInitialEvents ends with a bookmark")
            .setup(Req::post(CMS, &labelled("w-initial-0", "initial")))
            .setup(Req::post(CMS, &labelled("w-initial-1", "initial")))
            .request(watch(
                "initial",
                "sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true",
            ))
            .compare(Compare::Projected(through_initial_events_end)),
        Case::new(g, "sendInitialEvents without allowWatchBookmarks").request(watch(
            "initial",
            "sendInitialEvents=true&resourceVersionMatch=NotOlderThan",
        )),
        Case::new(g, "sendInitialEvents without resourceVersionMatch").request(watch(
            "initial",
            "sendInitialEvents=true&allowWatchBookmarks=true",
        )),
        Case::new(g, "one object by field selector")
            .setup(Req::post(CMS, &labelled("w-one-0", "one")))
            .setup(Req::post(CMS, &labelled("w-one-1", "one")))
            .setup(Req::patch(&at(CMS, "w-one-1"), MERGE_PATCH, &changed))
            .request(watch(
                "one",
                "fieldSelector=metadata.name%3Dw-one-1&resourceVersion={{rv:0}}",
            )),
        Case::new(g, "a label change moves an object out of the selection")
            .setup(Req::post(CMS, &labelled("w-moves", "moves")))
            .setup(Req::patch(
                &at(CMS, "w-moves"),
                MERGE_PATCH,
                &json!({"metadata": {"labels": {"watch": "moved"}}}),
            ))
            .request(watch("moves", "resourceVersion={{rv:0}}")),
        Case::new(g, "a Table watch, as kubectl get --watch asks")
            .setup(Req::post(CMS, &labelled("w-table", "table")))
            .request(watch("table", "resourceVersion=0").accept(KUBECTL_TABLE)),
        // Older than anything the watch cache holds: a 200 whose one event is a 410 Status.
        Case::new(g, "a resourceVersion too old (410 Expired)")
            .request(watch("seq", "resourceVersion=1")),
        Case::new(g, "an invalid resourceVersion")
            .request(watch("seq", "resourceVersion=abc"))
            .known(BAD_RESOURCE_VERSION),
        Case::new(g, "resourceVersionMatch without sendInitialEvents").request(watch(
            "seq",
            "resourceVersion=0&resourceVersionMatch=NotOlderThan",
        )),
        Case::new(g, "resourceVersionMatch=Exact").request(watch(
            "seq",
            "sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=Exact",
        )),
        Case::new(g, "a bad timeoutSeconds")
            .request(Req::get(&with_query(CMS, "watch=true&timeoutSeconds=soon"))),
        Case::new(g, "the deprecated watch path")
            .setup(Req::post(CMS, &labelled("w-old-path", "oldpath")))
            .request(Req::get(
                "/api/v1/watch/namespaces/diff/configmaps?labelSelector=watch%3Doldpath\
                 &timeoutSeconds=1&resourceVersion=0",
            )),
    ]
}

fn dry_run_and_deletion() -> Vec<Case> {
    let g = "dry run and deletion";
    vec![
        Case::new(g, "create dryRun=All")
            .request(Req::post(&with_query(CMS, "dryRun=All"), &cm("dry-1"))),
        Case::new(g, "after a dry-run create, nothing").request(Req::get(&at(CMS, "dry-1"))),
        Case::new(g, "update dryRun=All")
            .setup(Req::post(CMS, &cm("dry-2")))
            .setup(Req::patch(
                &with_query(&at(CMS, "dry-2"), "dryRun=All"),
                MERGE_PATCH,
                &json!({"data": {"a": "dry"}}),
            ))
            .request(Req::get(&at(CMS, "dry-2"))),
        Case::new(g, "delete dryRun=All")
            .setup(Req::post(CMS, &cm("dry-3")))
            .setup(Req::delete(&with_query(&at(CMS, "dry-3"), "dryRun=All")))
            .request(Req::get(&at(CMS, "dry-3"))),
        Case::new(g, "delete with a finalizer")
            .setup(Req::post(
                CMS,
                &json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "fin-1", "finalizers": ["diff.example.com/hold"]}}),
            ))
            .request(Req::delete(&at(CMS, "fin-1"))),
        Case::new(g, "a finalizer removed, the object goes")
            .setup(Req::patch(
                &at(CMS, "fin-1"),
                MERGE_PATCH,
                &json!({"metadata": {"finalizers": null}}),
            ))
            .request(Req::get(&at(CMS, "fin-1"))),
        Case::new(g, "propagationPolicy=Foreground")
            .setup(Req::post(
                CMS,
                &json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "fg-1", "finalizers": ["diff.example.com/hold"]}}),
            ))
            .request(Req::delete(&with_query(
                &at(CMS, "fg-1"),
                "propagationPolicy=Foreground",
            ))),
        Case::new(g, "propagationPolicy=Orphan")
            .setup(Req::post(
                CMS,
                &json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "or-1", "finalizers": ["diff.example.com/hold"]}}),
            ))
            .request(Req::delete(&with_query(
                &at(CMS, "or-1"),
                "propagationPolicy=Orphan",
            ))),
        Case::new(g, "adding a finalizer while deleting").request(Req::patch(
            &at(CMS, "or-1"),
            MERGE_PATCH,
            &json!({"metadata": {"finalizers": ["diff.example.com/hold", "diff.example.com/new"]}}),
        )),
        Case::new(g, "gracePeriodSeconds in DeleteOptions")
            .setup(Req::post(CMS, &cm("grace-1")))
            .request(Req::json(
                "DELETE",
                &at(CMS, "grace-1"),
                &json!({"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0}),
            )),
    ]
}

fn secrets_and_serviceaccounts() -> Vec<Case> {
    let g = "secrets and serviceaccounts";
    vec![
        Case::new(g, "secret create (stringData merged into data)")
            .request(Req::post(SECRETS, &secret("s1"))),
        Case::new(g, "secret get").request(Req::get(&at(SECRETS, "s1"))),
        Case::new(g, "secret with data that is not base64").request(Req::post(
            SECRETS,
            &json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s-b64"},
                    "data": {"k": "not base64!"}}),
        )),
        Case::new(g, "secret of type TLS without its keys").request(Req::post(
            SECRETS,
            &json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s-tls"},
                    "type": "kubernetes.io/tls", "data": {}}),
        )),
        Case::new(g, "secret type is immutable")
            .setup(Req::post(SECRETS, &secret("s-type")))
            .request(Req::patch(
                &at(SECRETS, "s-type"),
                MERGE_PATCH,
                &json!({"type": "Other"}),
            )),
        Case::new(g, "secret Table").request(Req::get(&at(SECRETS, "s1")).accept(TABLE)),
        Case::new(g, "secret field selector type").request(Req::get(&with_query(
            SECRETS,
            "fieldSelector=type%3DOpaque&labelSelector=diff%3Ds1",
        ))),
        Case::new(g, "serviceaccount create").request(Req::post(
            SAS,
            &json!({"apiVersion": "v1", "kind": "ServiceAccount",
                    "metadata": {"name": "robot", "labels": {"diff": "robot"}},
                    "automountServiceAccountToken": false}),
        )),
        Case::new(g, "serviceaccount list by label")
            .request(Req::get(&with_query(SAS, "labelSelector=diff%3Drobot"))),
        Case::new(g, "serviceaccount wrong type").request(Req::post(
            SAS,
            &json!({"apiVersion": "v1", "kind": "ServiceAccount",
                    "metadata": {"name": "robot2"}, "automountServiceAccountToken": "yes"}),
        )),
        Case::new(g, "serviceaccount Table").request(Req::get(&at(SAS, "robot")).accept(TABLE)),
    ]
}

fn events() -> Vec<Case> {
    let g = "events";
    let core = json!({"apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "ev-core"},
        "involvedObject": {"kind": "ConfigMap", "namespace": "diff", "name": "c1", "apiVersion": "v1"},
        "reason": "Tested", "message": "from core/v1", "type": "Normal",
        "source": {"component": "diff"}, "count": 1,
        "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:00:00Z"});
    let new = json!({"apiVersion": "events.k8s.io/v1", "kind": "Event",
        "metadata": {"name": "ev-new"},
        "eventTime": "2026-01-01T00:00:00.000000Z",
        "regarding": {"kind": "ConfigMap", "namespace": "diff", "name": "c1", "apiVersion": "v1"},
        "reason": "Tested", "note": "from events.k8s.io/v1", "type": "Normal",
        "action": "Testing", "reportingController": "diff.example.com/ctl",
        "reportingInstance": "diff-1"});
    vec![
        Case::new(g, "core/v1 create")
            .request(Req::post(EVENTS, &core))
            .go_zero_values(),
        Case::new(g, "core/v1 read through events.k8s.io/v1")
            .request(Req::get(&at(NEW_EVENTS, "ev-core")))
            .go_zero_values(),
        Case::new(g, "events.k8s.io/v1 create")
            .request(Req::post(NEW_EVENTS, &new))
            .go_zero_values(),
        Case::new(g, "events.k8s.io/v1 read through core/v1")
            .request(Req::get(&at(EVENTS, "ev-new")))
            .go_zero_values(),
        Case::new(g, "events.k8s.io/v1 without eventTime").request(Req::post(
            NEW_EVENTS,
            &json!({"apiVersion": "events.k8s.io/v1", "kind": "Event",
                    "metadata": {"name": "ev-bad"}, "reason": "R", "type": "Normal"}),
        )),
        Case::new(g, "core/v1 with an invalid type")
            .request(Req::post(
                EVENTS,
                &json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "ev-bad-type"},
                    "involvedObject": {"kind": "ConfigMap", "namespace": "diff", "name": "c1"},
                    "type": "Weird", "reason": "R"}),
            ))
            .go_zero_values(),
        Case::new(g, "core/v1 field selector involvedObject.name")
            .request(Req::get(&with_query(
                EVENTS,
                "fieldSelector=involvedObject.name%3Dc1,reason%3DTested",
            )))
            .go_zero_values(),
        Case::new(g, "events.k8s.io/v1 field selector regarding.name")
            .request(Req::get(&with_query(
                NEW_EVENTS,
                "fieldSelector=regarding.name%3Dc1,reason%3DTested",
            )))
            .go_zero_values(),
        Case::new(g, "events.k8s.io/v1 Table")
            .request(Req::get(&at(NEW_EVENTS, "ev-new")).accept(TABLE)),
    ]
}

fn widget_crd() -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.diff.example.com"},
        "spec": {
            "group": "diff.example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget",
                      "listKind": "WidgetList", "shortNames": ["wdg"]},
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "subresources": {"status": {}},
                "additionalPrinterColumns": [
                    {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
                    {"name": "Color", "type": "string", "jsonPath": ".spec.color", "priority": 1}],
                "schema": {"openAPIV3Schema": {
                    "type": "object",
                    "properties": {
                        "spec": {
                            "type": "object",
                            "required": ["size"],
                            "x-kubernetes-validations": [
                                {"rule": "self.size <= self.max", "message": "size must not exceed max"},
                                {"rule": "!has(self.color) || self.color != 'black'",
                                 "messageExpression": "'color ' + self.color + ' is not allowed'",
                                 "fieldPath": ".color"}],
                            "properties": {
                                "size": {"type": "integer", "minimum": 1},
                                "max": {"type": "integer", "default": 10},
                                "color": {"type": "string", "enum": ["red", "green", "black"],
                                          "default": "red"},
                                "name": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 8},
                                "tags": {"type": "array", "items": {"type": "string"},
                                         "x-kubernetes-list-type": "set"},
                                "ports": {"type": "array",
                                          "x-kubernetes-list-type": "map",
                                          "x-kubernetes-list-map-keys": ["port"],
                                          "items": {"type": "object", "required": ["port"],
                                                    "properties": {"port": {"type": "integer"},
                                                                   "name": {"type": "string"}}}},
                                "free": {"type": "object",
                                         "x-kubernetes-preserve-unknown-fields": true}}},
                        "status": {"type": "object",
                                   "properties": {"phase": {"type": "string"}}}}}}
            }]
        }
    })
}

fn widget(name: &str, spec: Value) -> Value {
    json!({"apiVersion": "diff.example.com/v1", "kind": "Widget",
           "metadata": {"name": name}, "spec": spec})
}

fn crd_ready(name: &str) -> Req {
    Req::get(&at(CRDS, name))
}

fn established(r: &Response) -> bool {
    r.json().is_some_and(|j| {
        j["status"]["conditions"].as_array().is_some_and(|cs| {
            cs.iter()
                .any(|c| c["type"] == "Established" && c["status"] == "True")
        })
    })
}

/// The CRD's `status` and the defaulting kube-apiserver writes are compared elsewhere; here the
/// answer to the create without its status (conditions are written by controllers, in their
/// own time).
fn without_status(a: &Value, b: &Value) -> (Value, Value) {
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(m) = v.as_object_mut() {
            m.remove("status");
        }
        if let Some(mf) = v["metadata"].as_object_mut() {
            mf.remove("managedFields");
        }
        v
    };
    (strip(a), strip(b))
}

/// A CRD of the test data (`e2e/testdata/crds/<file>`).
fn testdata_crd(file: &str) -> Value {
    let path = e2e::testdata(&format!("crds/{file}"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

fn certificate_crd() -> Value {
    testdata_crd("cert-manager/cert-manager.io_certificates.yaml")
}

fn crds() -> Vec<Case> {
    let g = "custom resources";
    let cert = |name: &str, spec: Value| {
        json!({"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
               "metadata": {"name": name}, "spec": spec})
    };
    vec![
        Case::new(g, "create a CRD")
            .request(Req::post(CRDS, &widget_crd()))
            .compare(Compare::Projected(without_status)),
        Case::new(g, "create a valid object (defaults applied)")
            .setup_until(crd_ready("widgets.diff.example.com"), established)
            .request(Req::post(WIDGETS, &widget("w1", json!({"size": 3, "tags": ["a"]})))),
        Case::new(g, "unknown fields pruned (fieldValidation=Ignore)").request(Req::post(
            &with_query(WIDGETS, "fieldValidation=Ignore"),
            &json!({"apiVersion": "diff.example.com/v1", "kind": "Widget",
                    "metadata": {"name": "w-prune"}, "extra": 1,
                    "spec": {"size": 2, "unknown": true, "free": {"kept": {"deep": 1}}}}),
        )),
        Case::new(g, "unknown fields warned (default)").request(Req::post(
            WIDGETS,
            &json!({"apiVersion": "diff.example.com/v1", "kind": "Widget",
                    "metadata": {"name": "w-warn"}, "spec": {"size": 2, "unknown": true}}),
        )),
        Case::new(g, "unknown fields refused (Strict)").request(Req::post(
            &with_query(WIDGETS, "fieldValidation=Strict"),
            &json!({"apiVersion": "diff.example.com/v1", "kind": "Widget",
                    "metadata": {"name": "w-strict"}, "spec": {"size": 2, "unknown": true}}),
        )),
        Case::new(g, "schema violations").request(Req::post(
            WIDGETS,
            &widget("w-bad", json!({"size": 0, "color": "blue", "name": "UPPER-and-long",
                                    "tags": ["a", "a"]})),
        )),
        Case::new(g, "missing required field").request(Req::post(WIDGETS, &widget("w-req", json!({})))),
        Case::new(g, "a wrong type").request(Req::post(WIDGETS, &widget("w-type", json!({"size": "three"})))),
        Case::new(g, "CEL rule message").request(Req::post(WIDGETS, &widget("w-cel", json!({"size": 20})))),
        Case::new(g, "CEL messageExpression and fieldPath")
            .request(Req::post(WIDGETS, &widget("w-cel2", json!({"size": 2, "color": "black"})))),
        Case::new(g, "duplicate map-list keys").request(Req::post(
            WIDGETS,
            &widget("w-ports", json!({"size": 2, "ports": [{"port": 80}, {"port": 80, "name": "x"}]})),
        )),
        Case::new(g, "status is ignored on create").request(Req::post(
            WIDGETS,
            &json!({"apiVersion": "diff.example.com/v1", "kind": "Widget",
                    "metadata": {"name": "w-status"}, "spec": {"size": 1},
                    "status": {"phase": "Done"}}),
        )),
        Case::new(g, "status subresource update")
            .request(Req::patch(&(at(WIDGETS, "w-status") + "/status"), MERGE_PATCH,
                &json!({"status": {"phase": "Done"}, "spec": {"size": 9}}))),
        Case::new(g, "merge patch revalidated")
            .request(Req::patch(&at(WIDGETS, "w1"), MERGE_PATCH, &json!({"spec": {"max": 2}}))),
        Case::new(g, "apply to a list-map").request(
            Req::new("PATCH", &with_query(&at(WIDGETS, "w-apply"), "fieldManager=alice")).body(
                APPLY,
                b"apiVersion: diff.example.com/v1\nkind: Widget\nmetadata:\n  name: w-apply\nspec:\n  size: 1\n  ports:\n  - port: 80\n    name: http\n  tags: [a, b]\n",
            ),
        ),
        Case::new(g, "Table with printer columns").request(Req::get(&at(WIDGETS, "w1")).accept(TABLE)),
        Case::new(g, "list as a Table").request(
            Req::get(&with_query(WIDGETS, "fieldSelector=metadata.name%3Dw1")).accept(TABLE),
        ),
        Case::new(g, "PartialObjectMetadataList")
            .request(Req::get(&with_query(WIDGETS, "fieldSelector=metadata.name%3Dw1")).accept(POM_LIST)),
        Case::new(g, "list with a limit").request(Req::get(&with_query(WIDGETS, "limit=2"))),
        Case::new(g, "delete").request(Req::delete(&at(WIDGETS, "w-warn"))),
        Case::new(g, "a body of another kind").request(Req::post(
            WIDGETS,
            &json!({"apiVersion": "diff.example.com/v1", "kind": "Gadget", "metadata": {"name": "g"}}),
        )),
        Case::new(g, "a body of another group version").request(Req::post(
            WIDGETS,
            &json!({"apiVersion": "diff.example.com/v2", "kind": "Widget", "metadata": {"name": "g"}}),
        )),

        Case::new(g, "unknown version").request(Req::get("/apis/diff.example.com/v9/namespaces/diff/widgets")),
        Case::new(g, "invalid CRD").request(Req::post(
            CRDS,
            &json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                    "metadata": {"name": "things.wrong.example.com"},
                    "spec": {"group": "diff.example.com", "scope": "Cluster",
                             "names": {"plural": "stuff", "kind": "Thing"},
                             "versions": [{"name": "v1", "served": true, "storage": false,
                                           "schema": {"openAPIV3Schema": {"type": "object"}}}]}}),
        ))
            .known(COMPOSITE_VALUES),
        Case::new(g, "cert-manager Certificate CRD")
            .request(Req::post(CRDS, &certificate_crd()))
            .compare(Compare::Projected(without_status)),
        Case::new(g, "Certificate valid")
            .setup_until(crd_ready("certificates.cert-manager.io"), established)
            .request(Req::post(CERTS, &cert("cert-1", json!({
                "secretName": "cert-1-tls", "dnsNames": ["example.com"],
                "issuerRef": {"name": "ca", "kind": "Issuer"},
                "privateKey": {"algorithm": "ECDSA", "size": 256}})))),
        Case::new(g, "Certificate missing required fields and a bad enum").request(Req::post(
            CERTS,
            &cert("cert-2", json!({"dnsNames": ["example.com"],
                                   "privateKey": {"algorithm": "DSA"}})),
        )),
        Case::new(g, "Certificate Table").request(Req::get(&at(CERTS, "cert-1")).accept(TABLE)),
        // prometheus-operator: a 14,000-line schema with defaults and CEL rules.
        Case::new(g, "prometheus-operator Prometheus CRD")
            .request(Req::post(
                CRDS,
                &testdata_crd("prometheus-operator/monitoring.coreos.com_prometheuses.yaml"),
            ))
            .compare(Compare::Projected(without_status)),
        Case::new(g, "Prometheus valid (defaults applied)")
            .setup_until(crd_ready("prometheuses.monitoring.coreos.com"), established)
            .request(Req::post(PROMETHEUSES, &prometheus("prom-1", json!({
                "replicas": 2, "retention": "15d", "serviceAccountName": "prometheus",
                "serviceMonitorSelector": {"matchLabels": {"team": "a"}},
                "resources": {"requests": {"memory": "400Mi"}},
                "shardingStrategy": {"mode": "Topology", "topology": {"values": ["a", "b"]}}})))),
        Case::new(g, "Prometheus CEL rule: topology without Topology mode").request(Req::post(
            PROMETHEUSES,
            &prometheus("prom-2", json!({
                "shardingStrategy": {"mode": "Address", "topology": {"values": ["a"]}}})),
        )),
        Case::new(g, "Prometheus wrong types and an enum").request(Req::post(
            PROMETHEUSES,
            &prometheus("prom-3", json!({"replicas": "two", "logLevel": "loud"})),
        )),
        // crossplane: CEL rules on the object, transition rules (immutable fields).
        Case::new(g, "crossplane CompositeResourceDefinition CRD")
            .request(Req::post(
                CRDS,
                &testdata_crd(
                    "crossplane/apiextensions.crossplane.io_compositeresourcedefinitions.yaml",
                ),
            ))
            .compare(Compare::Projected(without_status)),
        Case::new(g, "XRD valid (defaults applied)")
            .setup_until(
                crd_ready("compositeresourcedefinitions.apiextensions.crossplane.io"),
                established,
            )
            .request(Req::post(XRDS, &xrd("xdatabases.example.org", json!({})))),
        Case::new(g, "XRD CEL rule: claims need LegacyCluster").request(Req::post(
            XRDS,
            &xrd(
                "xcaches.example.org",
                json!({"scope": "Namespaced", "claimNames": {"kind": "Cache", "plural": "caches"}}),
            ),
        )),
        Case::new(g, "XRD CEL rule: plural not lowercase").request(Req::post(
            XRDS,
            &json!({"apiVersion": "apiextensions.crossplane.io/v1",
                    "kind": "CompositeResourceDefinition",
                    "metadata": {"name": "xqueues.example.org"},
                    "spec": {"group": "example.org",
                             "names": {"kind": "XQueue", "plural": "XQueues"},
                             "versions": [{"name": "v1", "served": true, "referenceable": true}]}}),
        )),
        Case::new(g, "XRD transition rule: group is immutable").request(Req::patch(
            &at(XRDS, "xdatabases.example.org"),
            MERGE_PATCH,
            &json!({"spec": {"group": "other.example.org"}}),
        )),
    ]
}

fn prometheus(name: &str, spec: Value) -> Value {
    json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "Prometheus",
           "metadata": {"name": name}, "spec": spec})
}

/// A crossplane XRD of `example.org` named `<plural>.example.org`, with `extra` spec fields.
fn xrd(name: &str, extra: Value) -> Value {
    let plural = name.split('.').next().unwrap_or_default();
    let mut spec = json!({"group": "example.org",
                          "names": {"kind": format!("X{}", &plural[1..plural.len() - 1]), "plural": plural},
                          "versions": [{"name": "v1alpha1", "served": true, "referenceable": true}]});
    if let (Some(spec), Some(extra)) = (spec.as_object_mut(), extra.as_object()) {
        spec.extend(extra.clone());
    }
    json!({"apiVersion": "apiextensions.crossplane.io/v1", "kind": "CompositeResourceDefinition",
           "metadata": {"name": name}, "spec": spec})
}

/// The parts of discovery both serve: groups, versions and resources present on both sides,
/// keyed by name (so that a difference reads as the resource's), with the order of the shared
/// names kept apart under `order`.
fn shared_discovery(a: &Value, b: &Value) -> (Value, Value) {
    /// `list` keyed by `key`, keeping the entries `other` has too, and their order.
    fn keyed(
        list: &Value,
        other: &Value,
        key: &str,
        inner: &dyn Fn(&Value, &Value) -> Value,
    ) -> Value {
        // (The core group of aggregated discovery has no name: keyed as "".)
        let name = |x: &Value| {
            Some(
                x.pointer(key)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            )
        };
        let theirs: Vec<(String, &Value)> = other
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| name(x).map(|n| (n, x)))
            .collect();
        let mut order = Vec::new();
        let mut by_name = serde_json::Map::new();
        for x in list.as_array().into_iter().flatten() {
            let Some(n) = name(x) else { continue };
            if let Some((_, o)) = theirs.iter().find(|(k, _)| *k == n) {
                order.push(Value::String(n.clone()));
                by_name.insert(n, inner(x, o));
            }
        }
        json!({"order": order, "entries": by_name})
    }
    let same = |x: &Value, _: &Value| x.clone();
    let resources = |field: &'static str, key: &'static str| {
        move |x: &Value, o: &Value| {
            let mut x = x.clone();
            x[field] = keyed(&x[field], &o[field], key, &same);
            x
        }
    };
    // A resource with the subresources both serve (our kube profile has no kubelet's).
    let with_shared_subresources = |x: &Value, o: &Value| {
        let mut x = x.clone();
        if x.get("subresources").is_some() {
            x["subresources"] = keyed(
                &x["subresources"],
                &o["subresources"],
                "/subresource",
                &same,
            );
        }
        x
    };
    let project = |v: &Value, other: &Value| -> Value {
        let mut v = v.clone();
        match v["kind"].as_str() {
            Some("APIResourceList") => {
                v["resources"] = keyed(&v["resources"], &other["resources"], "/name", &same);
            }
            Some("APIGroupList") => {
                let versions = resources("versions", "/version");
                v["groups"] = keyed(&v["groups"], &other["groups"], "/name", &versions);
            }
            Some("APIGroupDiscoveryList") => {
                let in_version = move |x: &Value, o: &Value| {
                    let mut x = x.clone();
                    x["resources"] = keyed(
                        &x["resources"],
                        &o["resources"],
                        "/resource",
                        &with_shared_subresources,
                    );
                    x
                };
                let in_group = move |g: &Value, o: &Value| {
                    let mut g = g.clone();
                    g["versions"] = keyed(&g["versions"], &o["versions"], "/version", &in_version);
                    g
                };
                v["items"] = keyed(&v["items"], &other["items"], "/metadata/name", &in_group);
            }
            _ => {}
        }
        v
    };
    (project(a, b), project(b, a))
}

/// `/openapi/v3`'s paths both serve (each server's hashes differ).
fn shared_openapi_paths(a: &Value, b: &Value) -> (Value, Value) {
    let keys = |v: &Value| -> Vec<String> {
        v["paths"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    let (ka, kb) = (keys(a), keys(b));
    let shared: Vec<&String> = ka.iter().filter(|k| kb.contains(k)).collect();
    let project = |v: &Value| {
        json!({"shared paths": shared.len() > 20,
               "core": v["paths"].get("api/v1").is_some(),
               "apps": v["paths"].get("apis/apps/v1").is_some()})
    };
    (project(a), project(b))
}

/// `/openapi/v3/<group version>`'s schemas both serve, whole.
fn shared_v3_schemas(a: &Value, b: &Value) -> (Value, Value) {
    let project = |v: &Value, other: &Value| {
        let mut out = serde_json::Map::new();
        for (name, schema) in v["components"]["schemas"].as_object().into_iter().flatten() {
            if other["components"]["schemas"].get(name).is_some() {
                out.insert(name.clone(), schema.clone());
            }
        }
        json!({"schemas both serve": out.len() > 10, "schemas": out})
    };
    (project(a, b), project(b, a))
}

/// `/openapi/v2`'s definitions both serve, whole (ours serves fewer kinds: differences.md).
fn shared_definitions(a: &Value, b: &Value) -> (Value, Value) {
    let project = |v: &Value, other: &Value| {
        let mut out = serde_json::Map::new();
        for (name, def) in v["definitions"].as_object().into_iter().flatten() {
            if other["definitions"].get(name).is_some() {
                out.insert(name.clone(), def.clone());
            }
        }
        json!({"definitions both serve": out.len() > 400, "definitions": out})
    };
    (project(a, b), project(b, a))
}

fn discovery() -> Vec<Case> {
    let g = "discovery and openapi";
    let shared = Compare::Projected(shared_discovery);
    vec![
        Case::new(g, "/api")
            .request(Req::get("/api"))
            .compare(Compare::Projected(|a, b| {
                // serverAddressByClientCIDRs names each server's own address.
                let strip = |v: &Value| {
                    let mut v = v.clone();
                    if let Some(m) = v.as_object_mut() {
                        m.remove("serverAddressByClientCIDRs");
                    }
                    v
                };
                (strip(a), strip(b))
            })),
        Case::new(g, "/apis")
            .request(Req::get("/apis"))
            .compare(shared),
        Case::new(g, "/api/v1")
            .request(Req::get("/api/v1"))
            .compare(shared),
        Case::new(g, "/apis/apps/v1")
            .request(Req::get("/apis/apps/v1"))
            .compare(shared),
        Case::new(g, "/apis/events.k8s.io/v1")
            .request(Req::get("/apis/events.k8s.io/v1"))
            .compare(shared),
        Case::new(g, "/apis/rbac.authorization.k8s.io/v1")
            .request(Req::get("/apis/rbac.authorization.k8s.io/v1"))
            .compare(shared),
        Case::new(g, "/apis/apps (group)").request(Req::get("/apis/apps")),
        Case::new(g, "/apis/nope/v1").request(Req::get("/apis/nope/v1")),
        Case::new(g, "aggregated /api (v2)")
            .request(Req::get("/api").accept(DISCOVERY_V2))
            .compare(shared),
        Case::new(g, "aggregated /apis (v2)")
            .request(Req::get("/apis").accept(DISCOVERY_V2))
            .compare(shared),
        Case::new(g, "aggregated /apis (v2beta1, client-go 1.27-1.29)")
            .request(Req::get("/apis").accept(DISCOVERY_V2BETA1))
            .compare(shared),
        Case::new(g, "/openapi/v2 as kubectl asks (protobuf)")
            .request(Req::get("/openapi/v2").accept(OPENAPI_V2_PROTO))
            .compare(Compare::StatusAndType),
        Case::new(g, "/openapi/v2 JSON")
            .request(Req::get("/openapi/v2").accept("application/json"))
            .compare(Compare::Projected(shared_definitions)),
        Case::new(g, "/openapi/v3")
            .request(Req::get("/openapi/v3"))
            .compare(Compare::Projected(shared_openapi_paths)),
        Case::new(g, "/openapi/v3/api/v1 JSON")
            .request(Req::get("/openapi/v3/api/v1").accept("application/json"))
            .compare(Compare::Projected(shared_v3_schemas)),
        Case::new(g, "/openapi/v3/apis/rbac.authorization.k8s.io/v1 schemas")
            .request(
                Req::get("/openapi/v3/apis/rbac.authorization.k8s.io/v1")
                    .accept("application/json"),
            )
            .compare(Compare::Projected(shared_v3_schemas)),
        Case::new(g, "/openapi/v3/apis/apps/v1 schemas")
            .request(Req::get("/openapi/v3/apis/apps/v1").accept("application/json"))
            .compare(Compare::Projected(shared_v3_schemas)),
        Case::new(g, "/openapi/v3/apis/apps/v1 protobuf")
            .request(Req::get("/openapi/v3/apis/apps/v1").accept(OPENAPI_V3_PROTO))
            .compare(Compare::StatusAndType)
            .known(OPENAPI_V3_PROTOBUF),
        Case::new(g, "/openapi/v3 with a stale hash")
            .request(Req::get("/openapi/v3/api/v1?hash=0123").accept("application/json"))
            .compare(Compare::StatusAndType)
            .known(OPENAPI_HASH),
        Case::new(g, "/openapi/v3 of a missing group version")
            .request(Req::get("/openapi/v3/apis/nope/v1"))
            .compare(Compare::StatusAndType),
    ]
}

fn all_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    cases.extend(namespaces());
    cases.extend(configmaps_crud());
    cases.extend(bad_input());
    cases.extend(lists());
    cases.extend(watches());
    cases.extend(apply());
    cases.extend(dry_run_and_deletion());
    cases.extend(secrets_and_serviceaccounts());
    cases.extend(events());
    cases.extend(crds());
    cases.extend(patches());
    cases.extend(discovery());
    cases
}

#[test]
fn kube_apiserver_and_kcp_agree() {
    let Some(kube) = KubeApiserver::shared() else {
        return;
    };
    let kcp = Kcp::start_with(&["--profile", "kube"]);
    let cases = all_cases();
    let report = run(&Target::kube(kube), &Target::kcp(&kcp), &cases);
    assert!(
        report.unexpected.is_empty(),
        "{} of {} cases matched; unexpected differences: {:#?}",
        report.matched(),
        report.cases.len(),
        report.unexpected
    );
    assert!(
        report.stale_known.is_empty(),
        "known differences that no longer differ (drop their mark): {:#?}",
        report.stale_known
    );
}
