//! Child processes that die with the test process.
//!
//! Rust's test harness has no global teardown: a server kept in a `static` is never dropped, and a
//! test binary killed by a signal, or aborting, runs no destructor at all. A child started by
//! [`spawn_tied`] asks the kernel to SIGKILL it when its parent goes
//! (`prctl(PR_SET_PDEATHSIG)`, set between fork and exec), so nothing outlives the test binary
//! however it ends.
//!
//! The kernel ties the child to the *thread* that forked it, not to the process: a child forked
//! by a test's own thread would be killed as soon as that test returns. So every tied child is
//! forked by one spawner thread that lives as long as the process.

use std::io;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::sync::OnceLock;
use std::sync::mpsc;

type Request = (Command, mpsc::Sender<io::Result<Child>>);

/// Spawns `cmd` as a child that the kernel kills (SIGKILL) when this process exits or dies.
pub fn spawn_tied(cmd: Command) -> io::Result<Child> {
    static SPAWNER: OnceLock<mpsc::Sender<Request>> = OnceLock::new();
    let spawner = SPAWNER.get_or_init(|| {
        let (requests, incoming) = mpsc::channel::<Request>();
        std::thread::Builder::new()
            .name("e2e-spawner".into())
            // The sender lives in the static, so this loop (and the thread) never ends.
            .spawn(move || {
                for (mut cmd, reply) in incoming {
                    let _ = reply.send(spawn_with_parent_death_signal(&mut cmd));
                }
            })
            .expect("starting the e2e spawner thread");
        requests
    });
    let (reply, answer) = mpsc::channel();
    spawner
        .send((cmd, reply))
        .map_err(|_| io::Error::other("the e2e spawner thread is gone"))?;
    answer
        .recv()
        .map_err(|_| io::Error::other("the e2e spawner thread is gone"))?
}

fn spawn_with_parent_death_signal(cmd: &mut Command) -> io::Result<Child> {
    // SAFETY: getpid has no preconditions.
    let parent = unsafe { libc::getpid() };
    // SAFETY: the hook runs in the forked child before exec and calls only async-signal-safe
    // functions (prctl, getppid), allocating nothing.
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(
                libc::PR_SET_PDEATHSIG,
                libc::SIGKILL as libc::c_ulong,
                0,
                0,
                0,
            ) == -1
            {
                return Err(io::Error::last_os_error());
            }
            // The parent may have died between fork and prctl: then nobody would signal us.
            if libc::getppid() != parent {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
    cmd.spawn()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    fn sleep_60() -> Command {
        let mut cmd = Command::new("sleep");
        cmd.arg("60");
        cmd
    }

    /// Whether `pid` is gone (or a zombie nobody reaps yet: it runs no more).
    fn is_gone(pid: u32) -> bool {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => true,
            Ok(stat) => stat
                .rsplit_once(") ")
                .is_some_and(|(_, rest)| rest.starts_with('Z')),
        }
    }

    /// A child spawned for a short-lived thread outlives that thread.
    #[test]
    fn child_outlives_the_thread_that_asked_for_it() {
        let mut child = std::thread::spawn(|| spawn_tied(sleep_60()).expect("spawning sleep"))
            .join()
            .expect("thread");
        std::thread::sleep(Duration::from_millis(200));
        assert!(
            child.try_wait().expect("try_wait").is_none(),
            "the child died with the thread that asked for it"
        );
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Run by `child_dies_with_the_process` in a process of its own, which it then kills.
    #[test]
    #[ignore = "a helper: child_dies_with_the_process runs it"]
    // The point: the child is never waited for, the kernel ends it when this process dies.
    #[allow(clippy::zombie_processes)]
    fn helper_spawns_a_tied_child() {
        if std::env::var_os("E2E_TIED_CHILD_HELPER").is_none() {
            return;
        }
        let child = spawn_tied(sleep_60()).expect("spawning sleep");
        println!("tied-child={}", child.id());
        std::thread::sleep(Duration::from_secs(60));
    }

    /// SIGKILL the process that spawned a tied child: the kernel kills the child too.
    #[test]
    fn child_dies_with_the_process() {
        let mut helper = Command::new(std::env::current_exe().expect("test binary"))
            .args(["--exact", "process::tests::helper_spawns_a_tied_child"])
            .args(["--ignored", "--nocapture", "--test-threads=1"])
            .env("E2E_TIED_CHILD_HELPER", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting the helper");
        let stdout = helper.stdout.take().expect("helper stdout");
        let pid: u32 = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            // libtest may print "test <name> ... " before it on the same line.
            .find_map(|line| {
                line.split_once("tied-child=")
                    .map(|(_, pid)| pid.to_owned())
            })
            .expect("the helper printed its child's pid")
            .parse()
            .expect("a pid");
        assert!(!is_gone(pid), "the tied child is running");
        helper.kill().expect("killing the helper");
        helper.wait().expect("reaping the helper");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !is_gone(pid) {
            assert!(
                Instant::now() < deadline,
                "the tied child {pid} outlived its parent"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
