//! `/openapi/v2` in protobuf, through the kubectl releases that read it: 1.27–1.29 ask for the
//! protobuf form only (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`) before
//! `apply` and `explain`, and every release reads it to validate a `kind: List` file. Each
//! kubectl gets its own empty `--cache-dir`, so every run fetches the documents anew. Stdout is
//! compared; stderr only where kubectl reports a refusal there.

use e2e::kubectls::{self, Release};
use e2e::{Kcp, Output};

/// The releases that ask `/openapi/v2` for protobuf only, and fall back to
/// `/swagger-2.0.0.pb-v1` (which no server has) when refused.
const PROTOBUF_ONLY: &[&str] = &["1.27", "1.28", "1.29"];

/// The protobuf-only releases; each must be on the machine.
fn protobuf_only_releases() -> Vec<Release> {
    let (found, _) = kubectls::releases();
    PROTOBUF_ONLY
        .iter()
        .map(|v| {
            found
                .iter()
                .find(|r| r.version == *v)
                .cloned()
                .unwrap_or_else(|| panic!("kubectl {v} is not on this machine"))
        })
        .collect()
}

/// One kubectl release with its own empty cache directory.
struct Kubectl<'a> {
    kcp: &'a Kcp,
    release: Release,
    cache: tempfile::TempDir,
}

impl<'a> Kubectl<'a> {
    fn new(kcp: &'a Kcp, release: Release) -> Self {
        Self {
            kcp,
            release,
            cache: tempfile::tempdir().expect("cache dir"),
        }
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let cache = self.cache.path().display().to_string();
        let mut all = vec!["--cache-dir", &cache];
        all.extend_from_slice(args);
        self.kcp
            .run_kubectl(&self.release.path, &self.kcp.kubeconfig(), &all, stdin)
    }

    /// `kubectl apply -f -` of `yaml`, with extra flags.
    fn apply(&self, yaml: &str, flags: &[&str]) -> Output {
        let mut args = vec!["apply", "-f", "-"];
        args.extend_from_slice(flags);
        self.run(&args, Some(yaml))
    }
}

fn config_map(name: &str, value: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: default\ndata:\n  key: {value}\n"
    )
}

fn list_of_config_maps(names: &[&str]) -> String {
    let mut yaml = String::from("apiVersion: v1\nkind: List\nitems:\n");
    for name in names {
        yaml.push_str(&format!(
            "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: {name}\n    namespace: default\n  data:\n    key: in-a-list\n"
        ));
    }
    yaml
}

#[test]
fn kubectl_releases_that_read_protobuf_v2_apply_explain_and_validate() {
    let kcp = Kcp::start();
    for r in protobuf_only_releases() {
        let version = r.version.clone();
        let release = version.as_str();
        let kubectl = Kubectl::new(&kcp, r);
        let name = format!("cm-{}", release.replace('.', "-"));
        let ok = |out: Output, want: &str| {
            assert!(
                out.success(),
                "kubectl {release}: {}\n{}",
                out.stderr,
                out.stdout
            );
            assert_eq!(out.stdout, want, "kubectl {release}");
        };

        ok(
            kubectl.apply(&config_map(&name, "one"), &[]),
            &format!("configmap/{name} created\n"),
        );
        ok(
            kubectl.apply(&config_map(&name, "one"), &[]),
            &format!("configmap/{name} unchanged\n"),
        );
        ok(
            kubectl.apply(&config_map(&name, "two"), &[]),
            &format!("configmap/{name} configured\n"),
        );
        let value = kubectl.run(
            &[
                "get",
                "configmap",
                &name,
                "-n",
                "default",
                "-o",
                "jsonpath={.data.key}",
            ],
            None,
        );
        ok(value, "two");

        let items = [format!("{name}-a"), format!("{name}-b")];
        let names: Vec<&str> = items.iter().map(String::as_str).collect();
        ok(
            kubectl.apply(&list_of_config_maps(&names), &[]),
            &format!(
                "configmap/{} created\nconfigmap/{} created\n",
                names[0], names[1]
            ),
        );

        let explain = kubectl.run(&["explain", "configmap.data"], None);
        assert!(explain.success(), "kubectl {release}: {}", explain.stderr);
        assert!(
            explain
                .stdout
                .starts_with("KIND:       ConfigMap\nVERSION:    v1\n\nFIELD: data <map[string]string>\n\nDESCRIPTION:\n    Data contains the configuration data."),
            "kubectl {release}: {}",
            explain.stdout
        );

        // An unknown field is reported and nothing is created.
        let bad = format!(
            "{}unknownField: 1\n",
            config_map(&format!("{name}-bad"), "x")
        );
        let refused = kubectl.apply(&bad, &["--validate=strict"]);
        assert!(!refused.success(), "kubectl {release}: {}", refused.stdout);
        assert_eq!(refused.stdout, "", "kubectl {release}");
        assert!(
            refused.stderr.contains("unknown field \"unknownField\""),
            "kubectl {release}: {}",
            refused.stderr
        );
        let missing = kubectl.run(
            &["get", "configmap", &format!("{name}-bad"), "-n", "default"],
            None,
        );
        assert!(!missing.success(), "kubectl {release}: {}", missing.stdout);
    }
}

#[test]
fn every_kubectl_release_validates_a_list_file() {
    let kcp = Kcp::start();
    let (releases, _) = kubectls::releases();
    assert!(!releases.is_empty(), "no kubectl release on this machine");
    for release in releases {
        let name = format!("listed-{}", release.version.replace('.', "-"));
        let (a, b) = (format!("{name}-a"), format!("{name}-b"));
        let kubectl = Kubectl::new(&kcp, release);
        let out = kubectl.apply(&list_of_config_maps(&[&a, &b]), &[]);
        let v = &kubectl.release.version;
        assert!(out.success(), "kubectl {v}: {}", out.stderr);
        assert_eq!(
            out.stdout,
            format!("configmap/{a} created\nconfigmap/{b} created\n"),
            "kubectl {v}"
        );
    }
}

#[test]
fn deployments_under_the_kube_profile() {
    let kcp = Kcp::start_with(&["--profile", "kube"]);
    let deployment = |name: &str, image: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: default\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      containers:\n      - name: main\n        image: {image}\n"
        )
    };
    for r in protobuf_only_releases() {
        let version = r.version.clone();
        let release = version.as_str();
        let kubectl = Kubectl::new(&kcp, r);
        let name = format!("web-{}", release.replace('.', "-"));
        let created = kubectl.apply(&deployment(&name, "nginx:1.27"), &[]);
        assert!(created.success(), "kubectl {release}: {}", created.stderr);
        assert_eq!(created.stdout, format!("deployment.apps/{name} created\n"));
        // The containers are merged by name (the patch metadata of the OpenAPI document).
        let configured = kubectl.apply(&deployment(&name, "nginx:1.28"), &[]);
        assert!(
            configured.success(),
            "kubectl {release}: {}",
            configured.stderr
        );
        assert_eq!(
            configured.stdout,
            format!("deployment.apps/{name} configured\n")
        );
        let images = kubectl.run(
            &[
                "get",
                "deployment",
                &name,
                "-n",
                "default",
                "-o",
                "jsonpath={.spec.template.spec.containers[*].image}",
            ],
            None,
        );
        assert!(images.success(), "kubectl {release}: {}", images.stderr);
        assert_eq!(images.stdout, "nginx:1.28");
    }
}
