//! The Go agent's transformer tests (`internal/mutation/transformer/*_test.go`), and sjson's
//! path writing.

use super::*;
use kcp_api::syncagent::v1alpha1::{
    ResourceCELMutation, ResourceDeleteMutation, ResourceRegexMutation, ResourceTemplateMutation,
};

fn spec_only(steps: Vec<ResourceMutation>) -> Mutator {
    Mutator::new(Some(&ResourceMutationSpec {
        spec: steps,
        status: Vec::new(),
    }))
    .unwrap()
    .unwrap()
}

fn regex(path: &str, pattern: &str, replacement: &str) -> ResourceMutation {
    ResourceMutation {
        regex: Some(ResourceRegexMutation {
            path: path.into(),
            pattern: pattern.into(),
            replacement: replacement.into(),
        }),
        ..Default::default()
    }
}

fn template(path: &str, template: &str) -> ResourceMutation {
    ResourceMutation {
        template: Some(ResourceTemplateMutation {
            path: path.into(),
            template: template.into(),
        }),
        ..Default::default()
    }
}

fn cel(path: &str, expression: &str) -> ResourceMutation {
    ResourceMutation {
        cel: Some(ResourceCELMutation {
            path: path.into(),
            expression: expression.into(),
        }),
        ..Default::default()
    }
}

fn delete_at(path: &str) -> ResourceMutation {
    ResourceMutation {
        delete: Some(ResourceDeleteMutation { path: path.into() }),
        ..Default::default()
    }
}

fn mutated(step: ResourceMutation, input: Value) -> Value {
    spec_only(vec![step]).mutate_spec(&input, None).unwrap()
}

#[test]
fn regex_rules_follow_the_go_agent() {
    let secret = json!({"spec": {"secretName": "foo"}});
    let number = json!({"spec": {"aNumber": 24}});
    for (step, input, want) in [
        (
            regex("spec.secretName", "", "new-value"),
            &secret,
            json!({"spec": {"secretName": "new-value"}}),
        ),
        (
            regex("spec.secretName", "o", "u"),
            &secret,
            json!({"spec": {"secretName": "fuu"}}),
        ),
        (
            regex("spec.secretName", "(f)oo", "oo$1"),
            &secret,
            json!({"spec": {"secretName": "oof"}}),
        ),
        (
            regex("spec.aNumber", "4", "5"),
            &number,
            json!({"spec": {"aNumber": "25"}}),
        ),
        (
            regex("spec", "", "new-value"),
            &number,
            json!({"spec": "new-value"}),
        ),
        (
            regex("spec", "(.)", "$1"),
            &number,
            json!({"spec": "{\"aNumber\":24}"}),
        ),
        (regex("spec", "", ""), &number, json!({"spec": ""})),
        (regex("spec", ".+", ""), &number, json!({"spec": ""})),
        // A missing path is written.
        (
            regex("spec.missing", "x", "y"),
            &secret,
            json!({"spec": {"secretName": "foo", "missing": ""}}),
        ),
    ] {
        assert_eq!(mutated(step, input.clone()), want);
    }
    let err = Mutator::new(Some(&ResourceMutationSpec {
        spec: vec![regex("spec", "(", "")],
        status: Vec::new(),
    }))
    .err()
    .unwrap();
    assert_eq!(
        format!("{err:#}"),
        "cannot create transformer for spec: invalid pattern \"(\": error parsing regexp: missing closing ): `(`"
    );
}

fn crontab() -> Value {
    json!({"apiVersion": "example.com/v1", "kind": "CronTab",
           "metadata": {"name": "my-crontab"},
           "spec": {"cronSpec": "* * *", "image": "ubuntu:latest"}})
}

#[test]
fn template_rules_follow_the_go_agent() {
    let mut want = crontab();
    want["spec"]["cronSpec"] = json!("");
    assert_eq!(mutated(template("spec.cronSpec", ""), crontab()), want);
    let mut want = crontab();
    want["spec"] = json!("");
    assert_eq!(mutated(template("spec", ""), crontab()), want);
    let mut want = crontab();
    want["spec"]["image"] = json!("UBUNTU:LATEST");
    assert_eq!(
        mutated(
            template("spec.image", "{{ upper .Value.String }}"),
            crontab()
        ),
        want
    );
    // gjson's accessors; the other side; no HTML escaping; a missing key renders empty.
    let other = json!({"spec": {"image": "debian"}});
    let m = spec_only(vec![
        template("spec.a", "{{ .Value.Exists }}/{{ .Value.Raw }}"),
        template(
            "spec.b",
            "{{ .RemoteObject.spec.image }}&<{{ .LocalObject.spec.image }}>",
        ),
        template("spec.c", "[{{ .LocalObject.spec.nothing }}]"),
    ]);
    let out = m.mutate_spec(&crontab(), Some(&other)).unwrap();
    assert_eq!(out["spec"]["a"], "false/");
    assert_eq!(out["spec"]["b"], "debian&<ubuntu:latest>");
    assert_eq!(out["spec"]["c"], "[]");
}

#[test]
fn cel_rules_follow_the_go_agent() {
    let run = |expr: &str| {
        spec_only(vec![cel("spec.cronSpec", expr)])
            .mutate_spec(&crontab(), Some(&crontab()))
            .unwrap()["spec"]["cronSpec"]
            .clone()
    };
    assert_eq!(run(r#""hei verden""#), json!("hei verden"));
    assert_eq!(run("42"), json!(42));
    assert_eq!(run(r#"value + "foo""#), json!("* * *foo"));
    assert_eq!(run("other.spec.image"), json!("ubuntu:latest"));
    assert_eq!(run("[1, 2]"), json!([1, 2]));
    assert_eq!(
        run(r#"{"a": self.metadata.name}"#),
        json!({"a": "my-crontab"})
    );
    let err = Mutator::new(Some(&ResourceMutationSpec {
        spec: vec![cel("spec", "1 +")],
        status: Vec::new(),
    }))
    .err()
    .unwrap();
    assert!(format!("{err:#}").contains("failed to compile CEL expression"));
}

#[test]
fn delete_rules_follow_the_go_agent() {
    assert_eq!(
        mutated(
            delete_at("spec.secretName"),
            json!({"spec": {"secretName": "foo"}})
        ),
        json!({"spec": {}})
    );
    assert_eq!(
        mutated(delete_at("spec.1"), json!({"spec": [1, 2, 3]})),
        json!({"spec": [1, 3]})
    );
    assert_eq!(
        mutated(delete_at("spec.nothing.here"), json!({"spec": [1]})),
        json!({"spec": [1]})
    );
}

#[test]
fn a_rule_needs_a_mechanism() {
    let err = Mutator::new(Some(&ResourceMutationSpec {
        spec: Vec::new(),
        status: vec![ResourceMutation::default()],
    }))
    .err()
    .unwrap();
    assert_eq!(
        format!("{err:#}"),
        "cannot create transformer for status: no valid mutation mechanism provided"
    );
    assert!(Mutator::new(None).unwrap().is_none());
}

#[test]
fn paths_are_written_as_sjson_writes_them() {
    let mut v = json!({});
    set(&mut v, &split_path("a.b"), json!(1)).unwrap();
    set(&mut v, &split_path("list.1"), json!("x")).unwrap();
    set(&mut v, &split_path("list.-1"), json!("y")).unwrap();
    set(&mut v, &split_path(r"dotted\.key"), json!(true)).unwrap();
    assert_eq!(
        v,
        json!({"a": {"b": 1}, "list": [null, "x", "y"], "dotted.key": true})
    );
    delete(&mut v, &split_path("list.-1"));
    delete(&mut v, &split_path(r"dotted\.key"));
    assert_eq!(v, json!({"a": {"b": 1}, "list": [null, "x"]}));
}

#[test]
fn a_mutator_is_shared_by_the_workers() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Mutator>();
}
