//! The server's Prometheus metrics, served at `/metrics` on the base URL. Every label is
//! bounded by what the server serves (verbs, codes, resources), never by logical clusters or
//! objects: ten thousand workspaces add no series (kcp's per-workspace series are what make
//! its `/metrics` grow past 160,000).

use std::sync::LazyLock;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

pub struct Metrics {
    registry: Registry,
    /// Requests by verb, API group, resource and HTTP code.
    pub requests: IntCounterVec,
    /// Request latency by verb (watches excluded: they last as long as the client wants).
    pub request_duration: HistogramVec,
    /// Open watches.
    pub watchers: IntGauge,
    /// Objects in the watch cache.
    pub objects: IntGauge,
    /// Reconciles run by the in-process controllers, by controller.
    pub reconciles: IntCounterVec,
}

fn build() -> prometheus::Result<Metrics> {
    let registry = Registry::new();
    let requests = IntCounterVec::new(
        Opts::new(
            "apiserver_request_total",
            "Requests, by verb, API group, resource and HTTP response code.",
        ),
        &["verb", "group", "resource", "code"],
    )?;
    let request_duration = HistogramVec::new(
        HistogramOpts::new(
            "apiserver_request_duration_seconds",
            "Request latency in seconds, by verb (watches excluded).",
        )
        .buckets(vec![
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
        ]),
        &["verb"],
    )?;
    let watchers = IntGauge::new("apiserver_registered_watchers", "Open watches.")?;
    let objects = IntGauge::new(
        "apiserver_storage_objects",
        "Objects held in the watch cache, across all logical clusters.",
    )?;
    let reconciles = IntCounterVec::new(
        Opts::new(
            "kcp_controller_reconciles_total",
            "Reconciles run by the in-process controllers.",
        ),
        &["controller"],
    )?;
    registry.register(Box::new(requests.clone()))?;
    registry.register(Box::new(request_duration.clone()))?;
    registry.register(Box::new(watchers.clone()))?;
    registry.register(Box::new(objects.clone()))?;
    registry.register(Box::new(reconciles.clone()))?;
    registry.register(Box::new(
        prometheus::process_collector::ProcessCollector::for_self(),
    ))?;
    Ok(Metrics {
        registry,
        requests,
        request_duration,
        watchers,
        objects,
        reconciles,
    })
}

/// The process-wide metrics.
pub fn get() -> &'static Metrics {
    static METRICS: LazyLock<Metrics> =
        LazyLock::new(|| build().expect("the metric definitions are valid"));
    &METRICS
}

impl Metrics {
    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        // Encoding into a Vec cannot fail for well-formed families.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }
}
