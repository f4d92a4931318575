//! The api-syncagent's PublishedResource CRD (`config/crd/syncagent.kcp.io_publishedresources.yaml`,
//! generated from kcp-api's types) on Kubernetes' own kube-apiserver and on `kcp start --profile
//! kube`: the api-syncagent's `TestValidateRelatedResourceSpec` (test/e2e/sdk), its 18 creates
//! exercising the CEL rules and enums of `spec.related[]`, with the same outcome on both servers
//! and, for each refusal, the same rule messages.

use std::time::Duration;

use e2e::{Kcp, KubeApiserver, wait_until};
use kcp_api::syncagent::v1alpha1::{
    PublishedResource, PublishedResourceSpec, RELATED_RESOURCE_SPEC_VALIDATIONS,
    RELATED_RESOURCE_WATCH_VALIDATIONS, RelatedResourceOrigin, RelatedResourceSpec,
    RelatedResourceWatch, RelatedResourceWatchByOwner,
};

const CRD_FILE: &str = "config/crd/syncagent.kcp.io_publishedresources.yaml";
const CRD_NAME: &str = "publishedresources.syncagent.kcp.io";
const COLLECTION: &str = "/apis/syncagent.kcp.io/v1alpha1/publishedresources";

/// Upstream's cases: name, whether the server accepts it, the one related resource.
fn cases() -> Vec<(&'static str, bool, RelatedResourceSpec)> {
    use RelatedResourceOrigin::{Kcp, Service};
    let spec = |origin| RelatedResourceSpec::new("", origin);
    let s = |v: &str| v.to_owned();
    vec![
        (
            "legacy kind ConfigMap",
            true,
            RelatedResourceSpec {
                kind: s("ConfigMap"),
                ..spec(Service)
            },
        ),
        (
            "invalid legacy kind",
            false,
            RelatedResourceSpec {
                kind: s("Service"),
                ..spec(Service)
            },
        ),
        (
            "cannot combine kind with group",
            false,
            RelatedResourceSpec {
                kind: s("ConfigMap"),
                group: s("core"),
                ..spec(Service)
            },
        ),
        (
            "cannot combine kind with resource",
            false,
            RelatedResourceSpec {
                kind: s("ConfigMap"),
                resource: s("configmaps"),
                ..spec(Service)
            },
        ),
        (
            "cannot combine kind with version",
            false,
            RelatedResourceSpec {
                kind: s("ConfigMap"),
                version: s("v1"),
                ..spec(Service)
            },
        ),
        (
            "cannot combine kind with identityHash",
            false,
            RelatedResourceSpec {
                kind: s("ConfigMap"),
                identity_hash: s("abc123"),
                ..spec(Service)
            },
        ),
        (
            "vanilla core/v1 resource",
            true,
            RelatedResourceSpec {
                resource: s("configmaps"),
                version: s("v1"),
                ..spec(Service)
            },
        ),
        (
            "resource requires version",
            false,
            RelatedResourceSpec {
                resource: s("configmaps"),
                ..spec(Service)
            },
        ),
        (
            "vanilla random GVR",
            true,
            RelatedResourceSpec {
                group: s("example.com"),
                resource: s("things"),
                version: s("v1"),
                ..spec(Service)
            },
        ),
        (
            "group requires resource",
            false,
            RelatedResourceSpec {
                group: s("example.com"),
                version: s("v1"),
                ..spec(Service)
            },
        ),
        (
            "group requires version",
            false,
            RelatedResourceSpec {
                group: s("example.com"),
                resource: s("things"),
                ..spec(Service)
            },
        ),
        (
            "vanilla foreign resource",
            true,
            RelatedResourceSpec {
                group: s("example.com"),
                resource: s("things"),
                version: s("v1"),
                identity_hash: s("abc123"),
                ..spec(Service)
            },
        ),
        (
            "identity hash requires group",
            false,
            RelatedResourceSpec {
                resource: s("things"),
                version: s("v1"),
                identity_hash: s("abc123"),
                ..spec(Service)
            },
        ),
        (
            "identity hash requires resource",
            false,
            RelatedResourceSpec {
                group: s("example.com"),
                version: s("v1"),
                identity_hash: s("abc123"),
                ..spec(Service)
            },
        ),
        (
            "identity hash requires version",
            false,
            RelatedResourceSpec {
                group: s("example.com"),
                resource: s("things"),
                identity_hash: s("abc123"),
                ..spec(Service)
            },
        ),
        (
            "syncStatus with origin service requires watch",
            false,
            RelatedResourceSpec {
                resource: s("things"),
                version: s("v1"),
                sync_status: true,
                ..spec(Service)
            },
        ),
        (
            "syncStatus with origin service and watch is valid",
            true,
            RelatedResourceSpec {
                resource: s("things"),
                version: s("v1"),
                sync_status: true,
                watch: Some(RelatedResourceWatch {
                    by_owner: Some(RelatedResourceWatchByOwner {}),
                    by_selector: None,
                }),
                ..spec(Service)
            },
        ),
        (
            "syncStatus with origin kcp does not require watch",
            true,
            RelatedResourceSpec {
                resource: s("things"),
                version: s("v1"),
                sync_status: true,
                ..spec(Kcp)
            },
        ),
    ]
}

/// Ours, beyond upstream's: the rule on `watch` (exactly one of `byOwner` and `bySelector`).
fn watch_cases() -> Vec<(&'static str, bool, RelatedResourceSpec)> {
    let with_watch = |by_owner: bool, by_selector: bool| RelatedResourceSpec {
        resource: "things".to_owned(),
        version: "v1".to_owned(),
        watch: Some(RelatedResourceWatch {
            by_owner: by_owner.then_some(RelatedResourceWatchByOwner {}),
            by_selector: by_selector.then(Default::default),
        }),
        ..RelatedResourceSpec::new("", RelatedResourceOrigin::Kcp)
    };
    vec![
        ("watch by selector", true, with_watch(false, true)),
        (
            "watch by owner and by selector",
            false,
            with_watch(true, true),
        ),
        ("watch by nothing", false, with_watch(false, false)),
    ]
}

/// Upstream's object name: `test-` and the case name lowercased, every other character `-`.
fn object_name(case: &str) -> String {
    let slug: String = case
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("test-{slug}")
}

/// What a server said to one create.
#[derive(Debug)]
struct Outcome {
    code: u16,
    message: String,
}

impl Outcome {
    fn accepted(&self) -> bool {
        self.code == 201
    }

    /// The messages of the CRD's rules (and of an enum refusal) that the message quotes.
    fn rules(&self) -> Vec<&'static str> {
        RELATED_RESOURCE_SPEC_VALIDATIONS
            .iter()
            .chain(RELATED_RESOURCE_WATCH_VALIDATIONS.iter())
            .map(|(_, message)| *message)
            .chain(["Unsupported value"])
            .filter(|m| self.message.contains(m))
            .collect()
    }
}

/// A server under test: how to run kubectl and raw requests against it.
trait Server {
    fn kubectl(&self, args: &[&str]) -> e2e::Output;
    fn post(&self, path: &str, body: &[u8]) -> (u16, serde_json::Value);
    fn get(&self, path: &str) -> u16;
}

impl Server for KubeApiserver {
    fn kubectl(&self, args: &[&str]) -> e2e::Output {
        KubeApiserver::kubectl(self, args)
    }
    fn post(&self, path: &str, body: &[u8]) -> (u16, serde_json::Value) {
        self.curl("POST", path, "application/json", body)
    }
    fn get(&self, path: &str) -> u16 {
        self.curl("GET", path, "", b"").0
    }
}

impl Server for Kcp {
    fn kubectl(&self, args: &[&str]) -> e2e::Output {
        Kcp::kubectl(self, args)
    }
    fn post(&self, path: &str, body: &[u8]) -> (u16, serde_json::Value) {
        curl(self, "POST", path, body)
    }
    fn get(&self, path: &str) -> u16 {
        curl(self, "GET", path, b"").0
    }
}

/// A raw request to the kubeconfig's current context: with `--profile kube` it is the cluster at
/// the root URL (`Kcp::curl` goes to the kcp `base` cluster, which that profile has not).
fn curl(kcp: &Kcp, method: &str, path: &str, body: &[u8]) -> (u16, serde_json::Value) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let (server, token) = kcp.endpoint_of_current_context();
    let mut cmd = Command::new("curl");
    cmd.args(["-sk", "-X", method, "-w", "\n%{http_code}"])
        .args(["-H", &format!("Authorization: Bearer {token}")]);
    if !body.is_empty() {
        cmd.args([
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            "@-",
        ]);
    }
    let mut child = cmd
        .arg(format!("{server}{path}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("running curl");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(body)
        .expect("writing the body");
    let out = child.wait_with_output().expect("curl output");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
    let body = serde_json::from_str(body).unwrap_or_else(|_| body.into());
    (code.trim().parse().unwrap_or(0), body)
}

/// Applies the committed CRD, waits until it is served, and creates one PublishedResource per
/// case (upstream's objects: only `spec.related` set, the rest Go's zero values).
fn run(server: &dyn Server) -> Vec<Outcome> {
    let crd_file = e2e::workspace_root().join(CRD_FILE);
    server
        .kubectl(&["apply", "-f", crd_file.to_str().expect("a UTF-8 path")])
        .ok();
    server
        .kubectl(&[
            "wait",
            "--for=condition=Established",
            &format!("crd/{CRD_NAME}"),
            "--timeout=60s",
        ])
        .ok();
    wait_until(
        "publishedresources to be served",
        Duration::from_secs(60),
        || server.get(COLLECTION) == 200,
    );
    cases()
        .into_iter()
        .chain(watch_cases())
        .map(|(case, _, related)| {
            let pr = PublishedResource::new(
                &object_name(case),
                PublishedResourceSpec {
                    related: vec![related],
                    ..Default::default()
                },
            );
            let body = serde_json::to_vec(&pr).expect("serializes");
            let (code, status) = server.post(COLLECTION, &body);
            Outcome {
                code,
                message: status["message"].as_str().unwrap_or_default().to_owned(),
            }
        })
        .collect()
}

/// api-syncagent `test/e2e/sdk` `TestValidateRelatedResourceSpec` (and three cases of the `watch`
/// rule), on kube-apiserver (when it can run here) and on our server: the same outcome, and for
/// each refusal the same message (kube-apiserver's is stable: the object's name, the field path
/// and the rules' messages in order). Without kube-apiserver, our server alone is held to
/// upstream's outcomes.
#[test]
fn validate_related_resource_spec() {
    assert_eq!(cases().len(), 18, "upstream's 18 creates");
    let all: Vec<_> = cases().into_iter().chain(watch_cases()).collect();
    let names: Vec<&str> = all.iter().map(|(case, _, _)| *case).collect();
    let expected: Vec<bool> = all.iter().map(|(_, valid, _)| *valid).collect();

    // Kubernetes' kube-apiserver: upstream's expectations hold there first.
    let kube = KubeApiserver::shared().map(|kube| run(kube));
    if let Some(kube) = &kube {
        for ((case, valid), got) in names.iter().zip(&expected).zip(kube) {
            assert_eq!(got.accepted(), *valid, "kube-apiserver, {case}: {got:?}");
            if !valid {
                assert_eq!(got.code, 422, "kube-apiserver, {case}: {got:?}");
                assert!(!got.rules().is_empty(), "kube-apiserver, {case}: {got:?}");
            }
        }
    }

    // Our server, as a plain Kubernetes cluster.
    let kcp = Kcp::start_with(&["--profile", "kube"]);
    let ours = run(&kcp);
    for (i, (case, valid)) in names.iter().zip(&expected).enumerate() {
        let got = &ours[i];
        assert_eq!(got.accepted(), *valid, "kcp, {case}: {got:?}");
        if *valid {
            continue;
        }
        assert_eq!(got.code, 422, "kcp, {case}: {got:?}");
        match &kube {
            // The same rules broken, said the same way.
            Some(kube) => {
                assert_eq!(
                    got.rules(),
                    kube[i].rules(),
                    "{case}: {got:?} {:?}",
                    kube[i]
                );
                assert_eq!(got.message, kube[i].message, "{case}");
            }
            None => assert!(!got.rules().is_empty(), "kcp, {case}: {got:?}"),
        }
    }
}
