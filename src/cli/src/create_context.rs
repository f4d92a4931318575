//! `kubectl ws create-context [name] [--overwrite]` (`reference/kcp.md` §5.6): a kubeconfig
//! context for the current workspace, named after its path unless a name is given, made current.

use crate::error::{CliError, Result};
use crate::output::Output;
use crate::session::Session;

/// `Created context "<name>".`, `Updated context "<name>" and switched to it.`, ...
pub fn context_message(name: &str, existed: bool, switched: bool) -> String {
    let verb = if existed { "Updated" } else { "Created" };
    let switched = if switched { " and switched to it" } else { "" };
    format!("{verb} context {name:?}{switched}.")
}

/// `kubectl ws create-context`.
pub fn create_context<A>(
    s: &mut Session<A>,
    name: Option<&str>,
    overwrite: bool,
    o: &mut Output<'_>,
) -> Result<()> {
    let current = s.workspace()?;
    let name = name
        .filter(|n| !n.is_empty())
        .map_or_else(|| current.path.to_string(), str::to_owned);
    if s.kubeconfig.has_context(&name) && !overwrite {
        return Err(CliError::ContextExists(name));
    }
    let server = current.url();
    let existed = s
        .kubeconfig
        .create_context(&s.context, &name, &server, true)?;
    s.kubeconfig.save()?;
    s.now_current(&name, server);
    writeln!(o.out, "{}", context_message(&name, existed, true))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{FakeApi, session};
    use crate::output::Captured;

    #[test]
    fn messages() {
        assert_eq!(context_message("a", false, false), "Created context \"a\".");
        assert_eq!(
            context_message("a", false, true),
            "Created context \"a\" and switched to it."
        );
        assert_eq!(
            context_message("a", true, true),
            "Updated context \"a\" and switched to it."
        );
        assert_eq!(context_message("a", true, false), "Updated context \"a\".");
    }

    #[test]
    fn names_the_context_after_the_path() {
        let mut s = session("root:team-a", FakeApi::tree(&[]));
        let mut c = Captured::default();
        create_context(&mut s, None, false, &mut c.output()).unwrap();
        assert_eq!(
            c.stdout(),
            "Created context \"root:team-a\" and switched to it.\n"
        );
        assert_eq!(s.kubeconfig.current_context(), Some("root:team-a"));
        let server = s.kubeconfig.cluster("root:team-a").unwrap()["server"].clone();
        assert_eq!(server, "https://h/clusters/root:team-a");

        let err = create_context(&mut s, None, false, &mut c.output()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "context \"root:team-a\" already exists in kubeconfig, use --overwrite to update it"
        );
        let mut c = Captured::default();
        create_context(&mut s, None, true, &mut c.output()).unwrap();
        assert_eq!(
            c.stdout(),
            "Updated context \"root:team-a\" and switched to it.\n"
        );
        let mut c = Captured::default();
        create_context(&mut s, Some("mine"), false, &mut c.output()).unwrap();
        assert_eq!(c.stdout(), "Created context \"mine\" and switched to it.\n");
    }
}
