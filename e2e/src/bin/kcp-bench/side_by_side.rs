//! `kcp-bench --side-by-side` (issue #12): the headline figures measured in one run against
//! Kubernetes' own kube-apiserver with etcd and against ours (`kcp start --profile kube`, a plain
//! cluster at the root URL) on its embedded store and on etcd. Every etcd commits with fsync, as
//! our embedded store does and as a production etcd runs. Each server is measured alone, one
//! after the other, by the same client code; every user is in `system:masters` (kube's `admin`,
//! ours' `kcp-kube`), so neither side pays for RBAC.
//!
//! Per server, in order: a start on an empty store; ConfigMap creates from 1 and 64 clients;
//! a LIST of 10,000 ConfigMaps; one write's fan-out to 1,000 watchers; the prometheus-operator
//! CRDs applied and Established; the store filled to 100,000 ConfigMaps; restarts of the API
//! server (etcd stays up) timed to `/readyz`, and the resident memory once it serves them.

use super::*;

/// What serves the API.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    /// kube-apiserver 1.36 built from `e2e/kube-apiserver`, etcd 3.6 with fsync.
    Kube,
    /// `kcp start --profile kube` on its embedded store.
    Ours,
    /// `kcp start --profile kube --etcd-servers …`, the same etcd as kube-apiserver's.
    OursEtcd,
}

impl Target {
    const ALL: [Self; 3] = [Self::Kube, Self::Ours, Self::OursEtcd];

    fn label(self) -> &'static str {
        match self {
            Self::Kube => "kube-apiserver + etcd",
            Self::Ours => "ours, embedded store",
            Self::OursEtcd => "ours + etcd",
        }
    }
}

/// One server under test, started and stopped the same way whatever it is.
struct Subject {
    target: Target,
    /// etcd (and kube-apiserver) for [`Target::Kube`] and [`Target::OursEtcd`].
    control: Option<e2e::BenchControlPlane>,
    /// Our server while it runs.
    kcp: Option<Server>,
    /// Our root directory (certificates, kubeconfig, the embedded store).
    dir: tempfile::TempDir,
    port: u16,
}

impl Subject {
    fn new(target: Target) -> Result<Self> {
        let control = match target {
            Target::Ours => None,
            Target::Kube | Target::OursEtcd => {
                Some(e2e::BenchControlPlane::start().map_err(|e| anyhow!("{e}"))?)
            }
        };
        let port = match &control {
            Some(c) if target == Target::Kube => c.port(),
            _ => free_port()?,
        };
        Ok(Self {
            target,
            control,
            kcp: None,
            dir: tempfile::tempdir()?,
            port,
        })
    }

    fn kubeconfig(&self) -> PathBuf {
        match (&self.control, self.target) {
            (Some(c), Target::Kube) => c.kubeconfig(),
            _ => self.dir.path().join("admin.kubeconfig"),
        }
    }

    /// Starts the API server (etcd runs already); the time from spawn to `/readyz` 200.
    async fn start(&mut self) -> Result<Duration> {
        if self.target != Target::Kube {
            let etcd = self.control.as_ref().map(|c| c.etcd_url().to_string());
            let mut args = vec!["--profile", "kube"];
            if let Some(etcd) = &etcd {
                args.extend(["--etcd-servers", etcd]);
            }
            let (server, ready) = Server::start(self.dir.path(), self.port, &args).await?;
            self.kcp = Some(server);
            return Ok(ready);
        }
        let control = self
            .control
            .as_mut()
            .ok_or_else(|| anyhow!("no control plane"))?;
        let ca_pem = KubeConfig::read(&control.kubeconfig())?.ca_pem;
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let started = Instant::now();
        control.spawn_apiserver().map_err(|e| anyhow!("{e}"))?;
        loop {
            if let Some(exited) = control.apiserver_exited() {
                bail!("{exited}");
            }
            ensure!(
                started.elapsed() < Duration::from_secs(600),
                "kube-apiserver not ready after 600 s"
            );
            if readyz(addr, &ca_pem).await {
                return Ok(started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    /// Stops the API server (SIGTERM); etcd stays up.
    async fn stop(&mut self) -> Result<()> {
        if let Some(server) = self.kcp.take() {
            server.stop().await?;
        }
        if let Some(control) = self.control.as_mut() {
            tokio::task::block_in_place(|| control.stop_apiserver());
        }
        Ok(())
    }

    /// The API server's pid and etcd's.
    fn pids(&self) -> (Option<u32>, Option<u32>) {
        let etcd = self.control.as_ref().map(e2e::BenchControlPlane::etcd_pid);
        let server = match self.target {
            Target::Kube => self.control.as_ref().and_then(|c| c.apiserver_pid()),
            _ => self.kcp.as_ref().and_then(|k| k.child.id()),
        };
        (server, etcd)
    }

    fn meter(&self) -> CpuMeter {
        let (server, store) = self.pids();
        CpuMeter { server, store }
    }
}

/// One server's figures.
struct Figures {
    target: Target,
    fresh_start: Duration,
    creates_1: Run,
    creates_64: Run,
    list: ListFigures,
    fan: FanOut,
    /// From the first apply sent: the last one answered, the last CRD seen Established.
    crds: (Duration, Duration),
    fill_rate: f64,
    objects: usize,
    loaded_starts: Vec<Duration>,
    /// Resident KiB of the API server and of its etcd, serving every object after a restart.
    rss_kib: (u64, u64),
}

/// Measures every target, one after the other, and prints the comparison.
pub(crate) async fn run(sizes: &Sizes) -> Result<()> {
    let crds = prometheus_operator_crds()?;
    let mut all = Vec::new();
    for target in Target::ALL {
        section(&format!("side by side: {}", target.label()));
        all.push(measure(target, sizes, &crds).await?);
    }
    print_table(&all, sizes, crds.len());
    Ok(())
}

async fn measure(target: Target, sizes: &Sizes, crds: &[(String, Bytes)]) -> Result<Figures> {
    let mut subject = Subject::new(target)?;
    let fresh_start = subject.start().await?;
    println!("start on an empty store: {}", ms(fresh_start));
    let cfg = KubeConfig::read(&subject.kubeconfig())?;
    let admin = Endpoint::current(&cfg)?;
    let meter = subject.meter();

    let (first, creates_1, creates_64) = creates_1_and_64(&admin, sizes, meter, "").await?;
    let conns = admin.connections(64).await?;

    let list = list(&admin, sizes, meter).await?;
    let fan = fan_out(&admin, sizes, meter).await?;
    let crds = apply_crds(&admin, crds).await?;
    println!(
        "the prometheus-operator CRDs applied in {}, all Established after {}",
        ms(crds.0),
        ms(crds.1)
    );

    // Fill the store up to `startup_objects` ConfigMaps, 10,000 per namespace.
    let mut objects = WARM_UP_CREATES
        + sizes.creates_1
        + sizes.creates_64
        + sizes.list_objects
        + sizes.watch_writes;
    let started = Instant::now();
    let before = objects;
    let per_ns = sizes.startup_objects / STARTUP_NAMESPACES;
    let mut n = 0;
    while objects < sizes.startup_objects {
        let ns = format!("bench-fill-{n:02}");
        conns[0].create_namespace(&ns).await?;
        let batch = per_ns.min(sizes.startup_objects - objects);
        create_load(&conns, 64, batch, &ns, "obj").await?;
        objects += batch;
        n += 1;
    }
    let fill_rate = (objects - before) as f64 / started.elapsed().as_secs_f64().max(1e-9);
    println!(
        "{objects} ConfigMaps stored ({} filled at {fill_rate:.0}/s)",
        objects - before
    );
    drop(conns);
    drop(first);

    let mut loaded_starts = Vec::new();
    let mut rss_kib = (0, 0);
    for _ in 0..sizes.startup_runs {
        subject.stop().await?;
        let t = subject.start().await?;
        // Serving what was stored: one namespace's list (for kube-apiserver, from its watch
        // cache once that has loaded), then a settle before the memory is read.
        let conn = admin.connect().await?;
        let path = "/api/v1/namespaces/bench-list/configmaps";
        let (status, body) = conn.call(Method::GET, path, None).await?;
        ensure!(status == StatusCode::OK, "list after restart: {status}");
        let listed: Value = serde_json::from_slice(&body)?;
        let items = listed["items"].as_array().map_or(0, Vec::len);
        ensure!(
            items == sizes.list_objects,
            "after a restart bench-list has {items} items"
        );
        drop(conn);
        tokio::time::sleep(Duration::from_secs(5)).await;
        let (server, etcd) = subject.pids();
        let rss = |pid: Option<u32>| pid.map_or(0, |p| super::rss_kib(&p.to_string()));
        rss_kib = (rss(server), rss(etcd));
        println!(
            "restart with {objects} objects: ready after {} (RSS: server {} MiB, etcd {} MiB)",
            ms(t),
            rss_kib.0 / 1024,
            rss_kib.1 / 1024
        );
        loaded_starts.push(t);
    }
    subject.stop().await?;
    Ok(Figures {
        target,
        fresh_start,
        creates_1,
        creates_64,
        list,
        fan,
        crds,
        fill_rate,
        objects,
        loaded_starts,
        rss_kib,
    })
}

/// The comparison: one row per figure, one column per server, and how far ours (embedded store)
/// is ahead of kube-apiserver (× above 1: ours is better).
fn print_table(all: &[Figures], sizes: &Sizes, crd_count: usize) {
    let Some(kube) = all.iter().find(|f| f.target == Target::Kube) else {
        return;
    };
    let Some(ours) = all.iter().find(|f| f.target == Target::Ours) else {
        return;
    };
    let mut head = String::from("| figure |");
    let mut rule = String::from("| --- |");
    for f in all {
        head.push_str(&format!(" {} |", f.target.label()));
        rule.push_str(" --- |");
    }
    head.push_str(" ours ÷ kube |");
    rule.push_str(" --- |");
    println!("\n== side by side (load average {})\n", load_average());
    println!("{head}\n{rule}");
    // `lead`: how many times better ours is (higher is better when `higher_better`).
    let row = |what: &str,
               cell: &dyn Fn(&Figures) -> String,
               value: &dyn Fn(&Figures) -> f64,
               higher_better: bool| {
        let mut line = format!("| {what} |");
        for f in all {
            line.push_str(&format!(" {} |", cell(f)));
        }
        let (k, o) = (value(kube), value(ours));
        let lead = if higher_better { o / k } else { k / o };
        line.push_str(&format!(" ×{lead:.1} |"));
        println!("{line}");
    };
    let rate = |r: &Run| {
        let cpu = r
            .cpu_per_op()
            .map_or(String::new(), |(s, c)| format!("; CPU/op {s:.0}+{c:.0} µs"));
        format!(
            "{:.0}/s (p50 {}, p99 {}{cpu})",
            r.per_second(),
            ms(r.p(0.5)),
            ms(r.p(0.99))
        )
    };
    let ms_f = |d: Duration| d.as_secs_f64() * 1e3;
    row(
        "ConfigMap creates, 1 client",
        &|f| rate(&f.creates_1),
        &|f| f.creates_1.per_second(),
        true,
    );
    row(
        "ConfigMap creates, 64 clients",
        &|f| rate(&f.creates_64),
        &|f| f.creates_64.per_second(),
        true,
    );
    row(
        &format!("LIST of {} ConfigMaps, p50 / p99", sizes.list_objects),
        &|f| format!("{} / {}", ms(f.list.run.p(0.5)), ms(f.list.run.p(0.99))),
        &|f| ms_f(f.list.run.p(0.5)),
        false,
    );
    row(
        &format!(
            "watch fan-out to {}, after the write's answer, p50 / p99",
            sizes.watchers
        ),
        &|f| {
            format!(
                "{} / {}",
                ms(percentile(&f.fan.after_response, 0.5)),
                ms(percentile(&f.fan.after_response, 0.99))
            )
        },
        &|f| ms_f(percentile(&f.fan.after_response, 0.99)).max(0.01),
        false,
    );
    row(
        "… after the write was sent, p50 / p99",
        &|f| {
            format!(
                "{} / {}",
                ms(percentile(&f.fan.after_request, 0.5)),
                ms(percentile(&f.fan.after_request, 0.99))
            )
        },
        &|f| ms_f(percentile(&f.fan.after_request, 0.99)),
        false,
    );
    row(
        &format!("{crd_count} prometheus-operator CRDs: applied / Established"),
        &|f| format!("{} / {}", ms(f.crds.0), ms(f.crds.1)),
        &|f| ms_f(f.crds.1),
        false,
    );
    row(
        "start → /readyz, empty store",
        &|f| ms(f.fresh_start),
        &|f| ms_f(f.fresh_start),
        false,
    );
    row(
        &format!(
            "start → /readyz, {} objects (median of {})",
            ours.objects, sizes.startup_runs
        ),
        &|f| ms(median(&f.loaded_starts)),
        &|f| ms_f(median(&f.loaded_starts)),
        false,
    );
    row(
        &format!(
            "resident memory serving {} objects: server + etcd",
            ours.objects
        ),
        &|f| {
            let (s, e) = f.rss_kib;
            if e == 0 {
                format!("{} MiB", s / 1024)
            } else {
                format!("{} + {} = {} MiB", s / 1024, e / 1024, (s + e) / 1024)
            }
        },
        &|f| (f.rss_kib.0 + f.rss_kib.1) as f64,
        false,
    );
    if all.iter().any(|f| f.fill_rate == 0.0) {
        return;
    }
    row(
        "creates while filling the store, 64 clients",
        &|f| format!("{:.0}/s", f.fill_rate),
        &|f| f.fill_rate,
        true,
    );
}
