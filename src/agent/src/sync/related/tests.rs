use super::*;

fn reference(path: &str) -> RelatedResourceObjectReference {
    RelatedResourceObjectReference {
        path: path.to_string(),
        regex: None,
    }
}

fn thing() -> Value {
    json!({
        "apiVersion": "example.com/v1", "kind": "Thing",
        "metadata": {"name": "my-thing", "namespace": "default"},
        "spec": {
            "username": "  original-value ",
            "kink": "",
            "port": 5432,
            "secrets": [{"name": "a", "key": "x"}, {"name": "b"}, {"key": "y"}],
            "names": ["one", "two"],
        }
    })
}

#[test]
fn references_follow_gjson() {
    let t = thing();
    // A string, trimmed; a number as its JSON text.
    assert_eq!(
        resolve_reference(&t, &reference("spec.username")).unwrap(),
        ["original-value"]
    );
    assert_eq!(
        resolve_reference(&t, &reference("spec.port")).unwrap(),
        ["5432"]
    );
    // An empty field is one empty value (pairs with an empty side are dropped later); a
    // missing one is none.
    assert_eq!(
        resolve_reference(&t, &reference("spec.kink")).unwrap(),
        [""]
    );
    assert!(
        resolve_reference(&t, &reference("spec.address"))
            .unwrap()
            .is_empty()
    );
    // Arrays: one value per element; `#` queries each element.
    assert_eq!(
        resolve_reference(&t, &reference("spec.names")).unwrap(),
        ["one", "two"]
    );
    assert_eq!(
        resolve_reference(&t, &reference("spec.secrets.#.name")).unwrap(),
        ["a", "b"]
    );
    assert_eq!(
        resolve_reference(&t, &reference("spec.secrets.1.name")).unwrap(),
        ["b"]
    );
    assert_eq!(
        resolve_reference(&t, &reference(r#"spec.secrets.#(key=="y").key"#)).unwrap(),
        ["y"]
    );
    assert_eq!(
        resolve_reference(&t, &reference("metadata.name")).unwrap(),
        ["my-thing"]
    );
}

#[test]
fn references_are_rewritten_by_regular_expressions() {
    let t = thing();
    let with = |pattern: &str, replacement: &str| RelatedResourceObjectReference {
        path: "spec.names".to_string(),
        regex: Some(RegularExpression {
            pattern: pattern.to_string(),
            replacement: replacement.to_string(),
        }),
    };
    assert_eq!(
        resolve_reference(&t, &with("^(.+)$", "prefix-$1")).unwrap(),
        ["prefix-one", "prefix-two"]
    );
    // No pattern: the replacement is the value.
    assert_eq!(
        resolve_reference(&t, &with("", "fixed")).unwrap(),
        ["fixed", "fixed"]
    );
    assert_eq!(
        resolve_reference(&t, &with("(?P<first>o)", "${first}0")).unwrap(),
        ["o0ne", "two0"]
    );
    let err = resolve_reference(&t, &with("(", "x")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid pattern \"(\": error parsing regexp: missing closing ): `(`"
    );
}

#[test]
fn pairs_with_an_empty_side_are_skipped() {
    let pairs = pair(
        vec!["a".into(), "".into(), "c".into()],
        vec!["x".into(), "y".into(), "".into()],
    );
    assert_eq!(pairs, BTreeMap::from([("a".to_string(), "x".to_string())]));
}

#[test]
fn legacy_kinds_and_projections_name_the_resources() {
    let mut spec = RelatedResourceSpec::new("credentials", RelatedResourceOrigin::Service);
    spec.kind = "Secret".into();
    assert_eq!(gvr(&spec), ("".into(), "v1".into(), "secrets".into()));
    spec.kind = String::new();
    spec.version = "v1".into();
    spec.resource = "configmaps".into();
    spec.projection = Some(kcp_api::syncagent::v1alpha1::RelatedResourceProjection {
        group: String::new(),
        version: String::new(),
        resource: "secrets".into(),
    });
    assert_eq!(gvr(&spec), ("".into(), "v1".into(), "configmaps".into()));
    assert_eq!(
        projected_gvr(&spec),
        ("".into(), "v1".into(), "secrets".into())
    );
}

#[test]
fn interests_match_by_name_namespace_and_labels() {
    let labels = BTreeMap::from([("app".to_string(), "db".to_string())]);
    let by_name = Interest {
        related: 0,
        side: Side::Service,
        namespace: Some("ns".into()),
        name: Some("creds".into()),
        selector: None,
    };
    assert!(by_name.matches(Side::Service, "ns", "creds", &BTreeMap::new()));
    assert!(!by_name.matches(Side::Kcp, "ns", "creds", &BTreeMap::new()));
    assert!(!by_name.matches(Side::Service, "other", "creds", &BTreeMap::new()));
    let sel = Selector::try_from(
        k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector {
            match_labels: Some(labels.clone()),
            ..Default::default()
        },
    )
    .unwrap();
    let by_labels = Interest {
        related: 0,
        side: Side::Kcp,
        namespace: Some("ns".into()),
        name: None,
        selector: Some(sel),
    };
    assert!(by_labels.matches(Side::Kcp, "ns", "anything", &labels));
    assert!(!by_labels.matches(Side::Kcp, "ns", "anything", &BTreeMap::new()));
}

#[test]
fn each_agent_has_its_own_finalizer_on_related_objects() {
    assert_eq!(
        related_finalizer("db-agent"),
        "db-agent.syncagent.kcp.io/cleanup"
    );
    assert_eq!(related_finalizer(""), "syncagent.kcp.io/cleanup");
}
