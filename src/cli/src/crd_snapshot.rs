//! `kubectl kcp crd snapshot -f FILE --prefix PREFIX [-o yaml|json]` (`reference/kcp.md` §5.8):
//! reads a YAML stream of CustomResourceDefinitions from a file or stdin (`-`), converts each
//! into an APIResourceSchema named `<prefix>.<crd name>` ([`crate::crd_conversion`]) and prints
//! each as kcp does — Go's YAML ([`crate::go_yaml`]) or JSON ([`kcp_api::gojson`]), a blank line,
//! then `---`. No server is involved, so the output can be piped into `kubectl apply -f -`.

use std::io::Read;

use crate::crd_conversion::{aggregate, crd_to_api_resource_schema, decode_crd};
use crate::error::{CliError, Result};
use crate::output::Output;

/// The flags of `crd snapshot`.
#[derive(clap::Args, Clone, Debug)]
pub struct SnapshotArgs {
    /// The file with the CRDs (a YAML stream), or - to read standard input.
    #[arg(short = 'f', long, default_value = "", hide_default_value = true)]
    pub filename: String,
    /// The APIResourceSchemas are named <prefix>.<crd name>.
    #[arg(long, default_value = "", hide_default_value = true)]
    pub prefix: String,
    /// How to print the APIResourceSchemas: yaml or json.
    #[arg(short = 'o', long, default_value = "yaml")]
    pub output: String,
}

/// The output encodings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Yaml,
    Json,
}

/// kcp's `Validate`: every problem at once.
fn validate(args: &SnapshotArgs) -> Result<Format> {
    let mut problems = Vec::new();
    if args.filename.is_empty() {
        problems.push("--filename is required".to_owned());
    }
    if args.prefix.is_empty() {
        problems.push("--prefix is required".to_owned());
    }
    let format = match args.output.as_str() {
        "yaml" => Some(Format::Yaml),
        "json" => Some(Format::Json),
        other => {
            problems.push(format!(
                "invalid value {other:?} for --output; valid values are json, yaml"
            ));
            None
        }
    };
    match format {
        Some(f) if problems.is_empty() => Ok(f),
        _ => Err(CliError::Invalid(aggregate(&problems))),
    }
}

/// Runs the command; `stdin` is read for `-f -`.
pub fn snapshot(args: &SnapshotArgs, stdin: &mut dyn Read, o: &mut Output<'_>) -> Result<()> {
    let format = validate(args)?;
    let mut bytes = Vec::new();
    if args.filename == "-" {
        stdin.read_to_end(&mut bytes)?;
    } else {
        bytes = std::fs::read(&args.filename).map_err(|e| CliError::Open {
            path: args.filename.clone(),
            reason: go_io_error(&e),
        })?;
    }
    let text = String::from_utf8_lossy(&bytes);
    for doc in split_documents(&text)? {
        if doc.trim().is_empty() {
            continue;
        }
        let crd = decode_crd(&doc)?;
        let schema = crd_to_api_resource_schema(&crd, &args.prefix)?;
        let encoded = match format {
            Format::Yaml => crate::go_yaml::to_string(&schema),
            Format::Json => kcp_api::gojson::to_string(&schema) + "\n",
        };
        // Go's `Fprintln` after an encoding that already ends in a newline, then the separator.
        write!(o.out, "{encoded}\n---\n")?;
    }
    Ok(())
}

/// How Go prints an I/O error's cause (`no such file or directory`, `permission denied`).
fn go_io_error(e: &std::io::Error) -> String {
    let text = e.to_string();
    let text = text.split(" (os error").next().unwrap_or(&text);
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The documents of a YAML stream as Kubernetes' `YAMLReader` cuts them: at lines starting with
/// `---` (which may only be followed by a comment); a separator before any content stays in the
/// document it starts. Line ends become `\n`.
fn split_documents(text: &str) -> Result<Vec<String>> {
    let mut docs = Vec::new();
    let mut buffer = String::new();
    for line in text.split_inclusive('\n') {
        let line = line.strip_suffix('\n').unwrap_or(line);
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some(rest) = line.strip_prefix("---") {
            let rest = rest.trim();
            if !rest.is_empty() && !rest.starts_with('#') {
                return Err(CliError::Invalid(format!(
                    "invalid Yaml document separator: {rest}"
                )));
            }
            if !buffer.is_empty() {
                docs.push(std::mem::take(&mut buffer));
                continue;
            }
        }
        buffer.push_str(line);
        buffer.push('\n');
    }
    if !buffer.is_empty() {
        docs.push(buffer);
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Captured;

    fn args(filename: &str, prefix: &str, output: &str) -> SnapshotArgs {
        SnapshotArgs {
            filename: filename.into(),
            prefix: prefix.into(),
            output: output.into(),
        }
    }

    fn run(a: &SnapshotArgs, stdin: &str) -> (Result<()>, Captured) {
        let mut c = Captured::default();
        let r = snapshot(a, &mut stdin.as_bytes(), &mut c.output());
        (r, c)
    }

    #[test]
    fn flags_are_validated_together() {
        let (r, _) = run(&args("", "", "yaml"), "");
        assert_eq!(
            r.unwrap_err().to_string(),
            "[--filename is required, --prefix is required]"
        );
        let (r, _) = run(&args("-", "", "yaml"), "");
        assert_eq!(r.unwrap_err().to_string(), "--prefix is required");
        let (r, _) = run(&args("-", "v1", "table"), "");
        assert_eq!(
            r.unwrap_err().to_string(),
            r#"invalid value "table" for --output; valid values are json, yaml"#
        );
        let (r, _) = run(&args("/nonexistent/crd.yaml", "v1", "json"), "");
        assert_eq!(
            r.unwrap_err().to_string(),
            "error opening /nonexistent/crd.yaml: open /nonexistent/crd.yaml: no such file or directory"
        );
    }

    #[test]
    fn documents_split_like_kubernetes() {
        let docs = split_documents("---\na: 1\n---\n\n--- # c\r\nb: 2\r\n---\n").unwrap();
        // A separator ends a document; the one at the start stays with its document.
        assert_eq!(docs, ["---\na: 1\n", "\n", "b: 2\n"]);
        assert_eq!(
            split_documents("--- # c\nb: 2\n").unwrap(),
            ["--- # c\nb: 2\n"]
        );
        assert_eq!(
            split_documents("a: 1\n--- x\n").unwrap_err().to_string(),
            "invalid Yaml document separator: x"
        );
        assert!(split_documents("").unwrap().is_empty());
    }

    fn golden(crd: &str, output: &str, golden: &str) {
        let path = format!(
            "{}/../../e2e/testdata/crds/{crd}",
            env!("CARGO_MANIFEST_DIR")
        );
        let (r, c) = run(&args(&path, "v1", output), "");
        r.unwrap();
        let want = std::fs::read_to_string(format!(
            "{}/testdata/snapshot/{golden}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        assert!(
            c.stdout() == want,
            "{crd} -o {output} differs from {golden}"
        );
    }

    /// Outputs of kcp's conversion and Kubernetes 1.36's encoders for real CRDs.
    #[test]
    fn real_crds_byte_for_byte() {
        golden(
            "cert-manager/cert-manager.io_certificates.yaml",
            "yaml",
            "certificates.v1.yaml",
        );
        golden(
            "cert-manager/cert-manager.io_certificates.yaml",
            "json",
            "certificates.v1.json",
        );
        golden(
            "crossplane/apiextensions.crossplane.io_usages.yaml",
            "yaml",
            "usages.v1.yaml",
        );
        golden(
            "prometheus-operator/monitoring.coreos.com_prometheusrules.yaml",
            "json",
            "prometheusrules.v1.json",
        );
    }

    #[test]
    fn a_stream_of_several_and_errors_midway() {
        let crd = |name: &str| {
            format!(
                "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: {name}.example.io\nspec:\n  group: example.io\n  names:\n    kind: W\n    plural: {name}\n  scope: Cluster\n  versions:\n  - name: v1\n    served: true\n    storage: true\n"
            )
        };
        let stream = format!(
            "{}---\n{}---\napiVersion: v1\nkind: ConfigMap\n",
            crd("a"),
            crd("b")
        );
        let (r, c) = run(&args("-", "p", "yaml"), &stream);
        assert_eq!(
            r.unwrap_err().to_string(),
            r#"no kind "ConfigMap" is registered for version "v1" in scheme "pkg/runtime/scheme.go:111""#
        );
        // The schemas before the bad document were printed.
        let out = c.stdout();
        assert_eq!(out.matches("\n\n---\n").count(), 2, "{out}");
        assert!(out.starts_with("apiVersion: apis.kcp.io/v1alpha1\nkind: APIResourceSchema\nmetadata:\n  name: p.a.example.io\n"));
        assert!(out.contains("\n---\napiVersion: apis.kcp.io/v1alpha1\nkind: APIResourceSchema\nmetadata:\n  name: p.b.example.io\n"));
        let (r, c) = run(&args("-", "p", "json"), &crd("a"));
        r.unwrap();
        assert!(c.stdout().starts_with(r#"{"kind":"APIResourceSchema","apiVersion":"apis.kcp.io/v1alpha1","metadata":{"name":"p.a.example.io"},"spec":{"group":"example.io","names":{"plural":"a","singular":"w","kind":"W","listKind":"WList"},"scope":"Cluster","versions":[{"name":"v1","served":true,"storage":true,"schema":null,"subresources":{}}],"conversion":{"strategy":"None"}}}"#));
        assert!(c.stdout().ends_with("}}\n\n---\n"));
    }
}
