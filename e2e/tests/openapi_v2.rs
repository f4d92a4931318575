//! `/openapi/v2` in protobuf, through the kubectl releases that read it: 1.27–1.29 ask for the
//! protobuf form only (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`) before
//! `apply` and `explain`, and every release reads it to validate a `kind: List` file. Each
//! kubectl gets its own empty `--cache-dir`, so every run fetches the documents anew.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use e2e::{Kcp, Output};

/// The releases that fall back to `/swagger-2.0.0.pb-v1` (which no server has) when
/// `/openapi/v2` refuses protobuf.
const OLD_RELEASES: &[&str] = &["1.27", "1.28", "1.29"];

/// The binary of one kubectl release: next to the real path of the `kubectl` on `PATH` (a
/// dispatcher that picks a release), else in `/usr/bin`.
fn kubectl_release(release: &str) -> PathBuf {
    let name = format!("kubectl.{release}");
    let dispatcher = std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("kubectl"))
        .find(|p| p.is_file())
        .and_then(|p| std::fs::canonicalize(p).ok());
    let beside = dispatcher.and_then(|p| p.parent().map(|d| d.join(&name)));
    let candidates = beside
        .into_iter()
        .chain([PathBuf::from("/usr/bin").join(&name)]);
    candidates
        .clone()
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("no {name}: looked at {:?}", candidates.collect::<Vec<_>>()))
}

/// One kubectl binary with its own empty cache directory.
struct Kubectl<'a> {
    kcp: &'a Kcp,
    binary: PathBuf,
    cache: tempfile::TempDir,
}

impl<'a> Kubectl<'a> {
    fn new(kcp: &'a Kcp, binary: PathBuf) -> Self {
        Self {
            kcp,
            binary,
            cache: tempfile::tempdir().expect("cache dir"),
        }
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut child = Command::new(&self.binary)
            .env("KUBECONFIG", self.kcp.kubeconfig())
            .env("HOME", self.kcp.root_dir())
            .arg("--cache-dir")
            .arg(self.cache.path())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("running {}: {e}", self.binary.display()));
        if let Some(mut s) = child.stdin.take() {
            s.write_all(stdin.unwrap_or_default().as_bytes())
                .expect("writing kubectl stdin");
        }
        let out = child.wait_with_output().expect("kubectl output");
        Output {
            status: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
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
    for release in OLD_RELEASES {
        let kubectl = Kubectl::new(&kcp, kubectl_release(release));
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
fn a_list_file_is_validated_by_the_kubectl_on_path_too() {
    let kcp = Kcp::start();
    let kubectl = Kubectl::new(&kcp, PathBuf::from("kubectl"));
    let out = kubectl.apply(&list_of_config_maps(&["listed-a", "listed-b"]), &[]);
    assert!(out.success(), "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "configmap/listed-a created\nconfigmap/listed-b created\n"
    );
}

#[test]
fn deployments_under_the_kube_profile() {
    let kcp = Kcp::start_with(&["--profile", "kube"]);
    let deployment = |name: &str, image: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: default\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      containers:\n      - name: main\n        image: {image}\n"
        )
    };
    for release in OLD_RELEASES {
        let kubectl = Kubectl::new(&kcp, kubectl_release(release));
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
