//! One Event resource behind two APIs: what kube-rs's `Recorder` writes through
//! events.k8s.io/v1 is what `kubectl describe` and `kubectl get events` read through core/v1,
//! and the other way round, with shared resourceVersions, watches and per-version field
//! selectors.

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Event as CoreEvent};
use k8s_openapi::api::events::v1::Event;
use kube::api::{Api, PostParams, WatchEvent, WatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::events::{Event as Published, EventType, Recorder, Reporter};
use kube::{Resource, ResourceExt};

use e2e::Kcp;

const CORE: &str = "/clusters/root/api/v1/namespaces/default/events";
const EVENTS_V1: &str = "/clusters/root/apis/events.k8s.io/v1/namespaces/default/events";

async fn client(kcp: &Kcp) -> kube::Client {
    let kubeconfig = Kubeconfig::read_from(kcp.kubeconfig()).expect("kubeconfig");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .expect("config");
    kube::Client::try_from(config).expect("client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorders_events_show_in_kubectl_describe_and_get_events() {
    let kcp = Kcp::start();
    let client = client(&kcp).await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let cm: ConfigMap =
        serde_json::from_value(serde_json::json!({"metadata": {"name": "x"}})).expect("configmap");
    let cm = cms
        .create(&PostParams::default(), &cm)
        .await
        .expect("create");

    let recorder = Recorder::new(
        client.clone(),
        Reporter {
            controller: "e2e-controller".into(),
            instance: Some("e2e-controller-0".into()),
        },
    );
    let published = Published {
        type_: EventType::Normal,
        reason: "Reconciled".into(),
        note: Some("the configmap is in shape".into()),
        action: "Reconcile".into(),
        secondary: None,
    };
    let reference = cm.object_ref(&());
    recorder
        .publish(&published, &reference)
        .await
        .expect("publish");
    // The second one is a merge patch of the first with a series, through events.k8s.io/v1.
    recorder
        .publish(&published, &reference)
        .await
        .expect("publish again");

    let describe = kcp
        .kubectl(&["describe", "configmap", "x"])
        .ok()
        .to_string();
    let events = describe.split("Events:").nth(1).unwrap_or_default();
    assert!(
        events.contains("Reconciled") && events.contains("the configmap is in shape"),
        "{describe}"
    );
    assert!(events.contains("e2e-controller"), "{describe}");

    let table = kcp.kubectl(&["get", "events"]).ok().to_string();
    assert!(table.starts_with("LAST SEEN"), "{table}");
    let row = table
        .lines()
        .find(|l| l.contains("Reconciled"))
        .unwrap_or_else(|| panic!("no row for the event: {table}"));
    assert!(
        row.contains("configmap/x") && row.contains("the configmap is in shape"),
        "{row}"
    );

    // Through core/v1 the same object carries core's field names and the series.
    let core: Api<CoreEvent> = Api::namespaced(client.clone(), "default");
    let list = core.list(&Default::default()).await.expect("list core");
    assert_eq!(list.items.len(), 1, "{list:?}");
    let ev = &list.items[0];
    assert_eq!(ev.involved_object.name.as_deref(), Some("x"));
    assert_eq!(ev.message.as_deref(), Some("the configmap is in shape"));
    assert_eq!(ev.reporting_component.as_deref(), Some("e2e-controller"));
    assert_eq!(ev.series.as_ref().map(|s| s.count), Some(Some(2)));
    let v1: Api<Event> = Api::namespaced(client, "default");
    let same = v1.get(&ev.name_any()).await.expect("get events.k8s.io");
    assert_eq!(same.resource_version(), ev.resource_version());
}

#[test]
fn a_core_event_reads_through_events_v1_with_its_fields_converted() {
    let kcp = Kcp::start();
    let core_event = r#"
apiVersion: v1
kind: Event
metadata:
  name: core-made
  namespace: default
involvedObject:
  kind: ConfigMap
  name: x
  namespace: default
  apiVersion: v1
reason: Started
message: hello from core
source:
  component: kubelet
  host: node-1
firstTimestamp: "2026-01-01T00:00:00Z"
lastTimestamp: "2026-01-01T00:01:00Z"
count: 4
type: Normal
reportingComponent: kubelet
reportingInstance: node-1
"#;
    kcp.kubectl_stdin(&["create", "-f", "-"], Some(core_event))
        .ok();
    let v1 = kcp
        .kubectl(&["get", "events.v1.events.k8s.io", "core-made", "-o", "json"])
        .json();
    assert_eq!(v1["apiVersion"], "events.k8s.io/v1");
    assert_eq!(v1["regarding"]["name"], "x");
    assert_eq!(v1["regarding"]["kind"], "ConfigMap");
    assert_eq!(v1["note"], "hello from core");
    assert_eq!(v1["deprecatedSource"]["component"], "kubelet");
    assert_eq!(v1["deprecatedSource"]["host"], "node-1");
    assert_eq!(v1["deprecatedFirstTimestamp"], "2026-01-01T00:00:00Z");
    assert_eq!(v1["deprecatedLastTimestamp"], "2026-01-01T00:01:00Z");
    assert_eq!(v1["deprecatedCount"], 4);
    assert_eq!(v1["reportingController"], "kubelet");
    assert_eq!(v1["reportingInstance"], "node-1");
    for core_only in [
        "involvedObject",
        "message",
        "source",
        "count",
        "reportingComponent",
    ] {
        assert!(v1.get(core_only).is_none(), "{core_only} in {v1}");
    }
    let core = kcp
        .kubectl(&["get", "events.v1.", "core-made", "-o", "json"])
        .json();
    assert_eq!(
        core["metadata"]["resourceVersion"],
        v1["metadata"]["resourceVersion"]
    );
    // The table of either API prints the same event.
    let table = kcp
        .kubectl(&["get", "events.v1.events.k8s.io"])
        .ok()
        .to_string();
    assert!(
        table.contains("configmap/x") && table.contains("hello from core"),
        "{table}"
    );
    let wide = kcp
        .kubectl(&["get", "events.v1.events.k8s.io", "-o", "wide"])
        .ok()
        .to_string();
    assert!(wide.contains("kubelet, node-1"), "{wide}");

    // Written through events.k8s.io/v1 (whose rules keep the note immutable): an update and
    // a delete with preconditions.
    let mut updated = v1.clone();
    updated["metadata"]["labels"] = serde_json::json!({"updated": "through-events-k8s-io"});
    kcp.kubectl_stdin(&["replace", "-f", "-"], Some(&updated.to_string()))
        .ok();
    let mut changed = updated.clone();
    changed["note"] = "changed".into();
    // Events allow an unconditional update: no resourceVersion to go stale.
    if let Some(meta) = changed["metadata"].as_object_mut() {
        meta.remove("resourceVersion");
    }
    let refused = kcp
        .kubectl_stdin(&["replace", "-f", "-"], Some(&changed.to_string()))
        .err()
        .to_string();
    assert!(refused.contains("field is immutable"), "{refused}");
    let core = kcp
        .kubectl(&["get", "events.v1.", "core-made", "-o", "json"])
        .json();
    assert_eq!(
        core["metadata"]["labels"]["updated"],
        "through-events-k8s-io"
    );
    assert_eq!(core["message"], "hello from core");
    assert_eq!(core["involvedObject"]["name"], "x");
    assert_eq!(core["count"], 4);
    let rv = core["metadata"]["resourceVersion"].as_str().unwrap_or("");
    let stale = serde_json::json!({"preconditions": {"resourceVersion": "1"}}).to_string();
    let (code, status) = kcp.curl(
        "DELETE",
        &format!("{EVENTS_V1}/core-made"),
        "application/json",
        stale.as_bytes(),
    );
    assert_eq!(code, 409, "{status}");
    let fresh = serde_json::json!({"preconditions": {"resourceVersion": rv}}).to_string();
    let (code, status) = kcp.curl(
        "DELETE",
        &format!("{EVENTS_V1}/core-made"),
        "application/json",
        fresh.as_bytes(),
    );
    assert_eq!(code, 200, "{status}");
    kcp.kubectl(&["get", "events.v1.", "core-made"]).err();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watch_through_one_api_sees_writes_through_the_other() {
    let kcp = Kcp::start();
    let client = client(&kcp).await;
    let core: Api<CoreEvent> = Api::namespaced(client.clone(), "default");
    let v1: Api<Event> = Api::namespaced(client, "default");
    let rv = core
        .list(&Default::default())
        .await
        .expect("list")
        .metadata
        .resource_version
        .expect("a list resourceVersion");

    let mut v1_watch = v1
        .watch(&WatchParams::default().timeout(30), &rv)
        .await
        .expect("watch events.k8s.io")
        .boxed();
    let mut core_watch = core
        .watch(&WatchParams::default().timeout(30), &rv)
        .await
        .expect("watch core")
        .boxed();

    let made: CoreEvent = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "via-core"},
        "involvedObject": {"kind": "ConfigMap", "name": "x", "namespace": "default"},
        "reason": "Core", "message": "written through core/v1", "type": "Normal",
    }))
    .expect("core event");
    core.create(&PostParams::default(), &made)
        .await
        .expect("create core");
    let made: Event = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "via-events"},
        "regarding": {"kind": "ConfigMap", "name": "x", "namespace": "default"},
        "reason": "Events", "note": "written through events.k8s.io/v1", "type": "Normal",
        "eventTime": "2026-01-01T00:00:00.000000Z",
        "reportingController": "e2e", "reportingInstance": "e2e-0", "action": "Test",
    }))
    .expect("events.k8s.io event");
    v1.create(&PostParams::default(), &made)
        .await
        .expect("create v1");

    let mut seen_in_v1 = Vec::new();
    while seen_in_v1.len() < 2 {
        match v1_watch
            .try_next()
            .await
            .expect("v1 watch")
            .expect("v1 event")
        {
            WatchEvent::Added(e) => {
                assert!(e.note.is_some(), "{e:?}");
                seen_in_v1.push(e.name_any());
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(seen_in_v1, ["via-core", "via-events"]);
    let mut seen_in_core = Vec::new();
    while seen_in_core.len() < 2 {
        match core_watch
            .try_next()
            .await
            .expect("core watch")
            .expect("core event")
        {
            WatchEvent::Added(e) => {
                assert!(e.message.is_some(), "{e:?}");
                seen_in_core.push(e.name_any());
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(seen_in_core, ["via-core", "via-events"]);
}

#[test]
fn each_api_has_its_own_field_selectors() {
    let kcp = Kcp::start();
    for (name, object, controller) in [("a", "x", "ctl-a"), ("b", "y", "ctl-b")] {
        let ev = format!(
            r#"{{"apiVersion": "events.k8s.io/v1", "kind": "Event",
                "metadata": {{"name": "{name}", "namespace": "default"}},
                "regarding": {{"kind": "ConfigMap", "name": "{object}", "namespace": "default"}},
                "reason": "R", "note": "n", "type": "Normal", "action": "A",
                "eventTime": "2026-01-01T00:00:00.000000Z",
                "reportingController": "{controller}", "reportingInstance": "i"}}"#
        );
        kcp.kubectl_stdin(&["create", "-f", "-"], Some(&ev)).ok();
    }
    let names = |resource: &str, selector: &str| -> Vec<String> {
        let list = kcp
            .kubectl(&["get", resource, "--field-selector", selector, "-o", "json"])
            .json();
        list["items"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| i["metadata"]["name"].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(names("events.v1.", "involvedObject.name=x"), ["a"]);
    assert_eq!(names("events.v1.", "reportingComponent=ctl-b"), ["b"]);
    assert_eq!(names("events.v1.", "source=ctl-a"), ["a"]);
    assert_eq!(names("events.v1.events.k8s.io", "regarding.name=y"), ["b"]);
    assert_eq!(
        names("events.v1.events.k8s.io", "reportingController=ctl-a"),
        ["a"]
    );
    assert_eq!(
        names(
            "events.v1.events.k8s.io",
            "regarding.kind=ConfigMap,type=Normal"
        ),
        ["a", "b"]
    );
    // Each API refuses the other's labels.
    let (code, status) = kcp.curl(
        "GET",
        &format!("{CORE}?fieldSelector=regarding.name%3Dx"),
        "",
        b"",
    );
    assert_eq!(code, 400, "{status}");
    assert!(
        status["message"]
            .as_str()
            .is_some_and(|m| m.contains("field label not supported: regarding.name")),
        "{status}"
    );
    let (code, status) = kcp.curl(
        "GET",
        &format!("{EVENTS_V1}?fieldSelector=involvedObject.name%3Dx"),
        "",
        b"",
    );
    assert_eq!(code, 400, "{status}");
    // A watch through events.k8s.io/v1 filters with its own labels too.
    let (code, events) = kcp.curl(
        "GET",
        &format!("{EVENTS_V1}?watch=true&resourceVersion=0&timeoutSeconds=1&fieldSelector=regarding.name%3Dx"),
        "",
        b"",
    );
    assert_eq!(code, 200);
    // One event: its one line reads as one JSON object.
    assert_eq!(events["type"], "ADDED", "{events}");
    assert_eq!(events["object"]["metadata"]["name"], "a", "{events}");
    assert_eq!(events["object"]["regarding"]["name"], "x", "{events}");
}
