//! No acknowledged write is lost across `kill -9`, and resourceVersions keep increasing.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use e2e::Kcp;

const CM: &str = "/clusters/root/api/v1/namespaces/default/configmaps";

#[test]
fn sigkill_during_concurrent_writes_loses_no_acknowledged_write() {
    let mut kcp = Kcp::start();
    let acked: Arc<Mutex<Vec<(String, u64)>>> = Arc::default();
    let kcp_ref = &kcp;
    std::thread::scope(|s| {
        for w in 0..6 {
            let acked = acked.clone();
            s.spawn(move || {
                let deadline = Instant::now() + Duration::from_secs(20);
                for i in 0.. {
                    let name = format!("w{w}-{i}");
                    let body = format!(r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"{name}"}},"data":{{"i":"{i}"}}}}"#);
                    let (code, obj) = kcp_ref.curl("POST", CM, "application/json", body.as_bytes());
                    if code != 201 {
                        break; // the server is gone
                    }
                    let rv = obj["metadata"]["resourceVersion"].as_str().unwrap_or("0").parse().unwrap_or(0);
                    acked.lock().unwrap().push((name, rv));
                    if Instant::now() > deadline {
                        break;
                    }
                }
            });
        }
        // Kill once a good number of writes were acknowledged, while writers are still busy.
        e2e::wait_until("writes to be acknowledged", Duration::from_secs(60), || {
            acked.lock().unwrap().len() >= 60
        });
        let pid = kcp_ref.pid().expect("kcp runs");
        std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status()
            .unwrap();
    });
    kcp.kill_and_restart();

    let acked = acked.lock().unwrap().clone();
    let listed = kcp.kubectl(&["get", "configmaps", "-o", "json"]).json();
    let present: std::collections::HashMap<String, u64> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["metadata"]["name"].as_str().unwrap().to_string(),
                o["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap()
                    .parse()
                    .unwrap(),
            )
        })
        .collect();
    for (name, rv) in &acked {
        assert_eq!(
            present.get(name),
            Some(rv),
            "acknowledged write {name}@{rv} lost"
        );
    }
    let max_rv = acked.iter().map(|(_, rv)| *rv).max().unwrap_or(0);
    let (code, obj) = kcp.curl(
        "POST",
        CM,
        "application/json",
        br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"after-restart"}}"#,
    );
    assert_eq!(code, 201);
    let rv: u64 = obj["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(rv > max_rv, "resourceVersion went back: {rv} <= {max_rv}");
}
