//! The argument grammar of `kubectl ws [<arg>]` and `kubectl ws use <arg>` (`reference/kcp.md`
//! §5.2 steps 1–8), and of the `-w/--workspace` flag (§5.1): turning what a user typed into a
//! [`Target`], and resolving relative paths with `.` and `..` against the current workspace.
//! Everything here is pure; the requests a target needs (home lookup, existence check) are made
//! by [`crate::use_workspace`].

use kcp_api::Path;

use crate::error::CliError;

/// What a `kubectl ws` argument asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// `~` or `~:<rest>`: the user's home workspace, then `rest` relative to it.
    Home(Option<String>),
    /// `-`: swap the current and the previous workspace.
    Previous,
    /// `:`: the first segment of the current path (e.g. `root`).
    Top,
    /// `.`: the current workspace, unchanged.
    Current,
    /// An absolute (`:root:a`) or relative (`a:b`, `..`) path.
    Path(String),
}

/// A parsed argument and the notes to print on stderr about how it was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UseArgument {
    pub target: Target,
    /// The argument used the retired `root:` absolute form.
    pub root_note: bool,
    /// The argument was empty: bare `kubectl ws` now goes home.
    pub home_note: bool,
}

/// Printed on stderr when `root` / `root:...` is used as an absolute path.
pub const ROOT_NOTE: &str = "Note: Using 'root:' to define an absolute path is no longer supported. Instead, use ':root' to specify an absolute path.";

/// Printed on stderr after bare `kubectl ws` succeeded.
pub const HOME_NOTE: &str = "Note: 'kubectl ws' now matches 'cd' semantics: go to home workspace. 'kubectl ws -' to go back. 'kubectl ws .' to print current workspace.";

/// Reads a `kubectl ws` argument. `home` is `$HOME`: a shell turns `~/a` into `$HOME/a`, which
/// is read back as `~:a`; `short` (`--short`) silences the `root:` note.
pub fn parse_argument(arg: &str, home: Option<&str>, short: bool) -> UseArgument {
    let mut arg = arg.to_owned();
    if let Some(home) = home
        .map(|h| h.trim_end_matches('/'))
        .filter(|h| !h.is_empty())
        && let Some(rest) = arg.strip_prefix(home)
        && (rest.is_empty() || rest.starts_with('/'))
    {
        arg = format!("~{}", rest.trim_end_matches('/'));
    }
    let mut arg = arg.replace('/', ":");

    let mut root_note = false;
    if arg == "root" || arg.starts_with("root:") {
        arg.insert(0, ':');
        root_note = !short;
    }
    let home_note = arg.is_empty();

    let target = match arg.as_str() {
        "" | "~" => Target::Home(None),
        "-" => Target::Previous,
        ":" => Target::Top,
        "." => Target::Current,
        _ => match arg.strip_prefix("~:") {
            Some(rest) => Target::Home(Some(rest.to_owned())),
            None => Target::Path(arg),
        },
    };
    UseArgument {
        target,
        root_note,
        home_note,
    }
}

/// Why a path could not be resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unresolvable {
    /// A `..` would leave the first segment.
    AboveRoot,
    /// The result is not a valid logical-cluster path.
    Invalid,
}

/// Resolves `arg` against `current`: a leading `:` makes it absolute, otherwise it is appended to
/// `current`; then `.` segments are dropped and `..` segments remove their predecessor.
pub fn resolve(current: &Path, arg: &str) -> Result<Path, Unresolvable> {
    let (mut segments, rest): (Vec<&str>, &str) = match arg.strip_prefix(':') {
        Some(rest) => (Vec::new(), rest),
        None => (current.segments().collect(), arg),
    };
    for segment in rest.split(':') {
        match segment {
            "." => {}
            ".." => {
                if segments.len() <= 1 {
                    return Err(Unresolvable::AboveRoot);
                }
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let path = segments.join(":");
    if path == "*" {
        return Err(Unresolvable::Invalid);
    }
    Path::parse(&path).map_err(|_| Unresolvable::Invalid)
}

/// Resolves a `use` argument (§5.2 step 8), with `use`'s messages.
pub fn resolve_use(current: &Path, arg: &str) -> Result<Path, CliError> {
    resolve(current, arg).map_err(|e| match e {
        Unresolvable::AboveRoot => CliError::UpFromRoot,
        Unresolvable::Invalid => CliError::InvalidPath(arg.to_owned()),
    })
}

/// Resolves a `-w/--workspace` flag value (§5.1), with the flag's messages.
pub fn resolve_workspace_flag(current: &Path, arg: &str) -> Result<Path, CliError> {
    resolve(current, arg).map_err(|e| match e {
        Unresolvable::AboveRoot => CliError::AboveRootWorkspace,
        Unresolvable::Invalid => CliError::InvalidPath(arg.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(arg: &str) -> UseArgument {
        parse_argument(arg, Some("/home/dev"), false)
    }

    fn target(arg: &str) -> Target {
        parse(arg).target
    }

    fn path(s: &str) -> Target {
        Target::Path(s.to_owned())
    }

    #[test]
    fn bare_means_home_with_a_note() {
        let a = parse("");
        assert_eq!(a.target, Target::Home(None));
        assert!(a.home_note && !a.root_note);
        assert!(!parse("~").home_note);
    }

    #[test]
    fn special_arguments() {
        assert_eq!(target("-"), Target::Previous);
        assert_eq!(target(":"), Target::Top);
        assert_eq!(target("."), Target::Current);
        assert_eq!(target("~"), Target::Home(None));
        assert_eq!(target("~:team"), Target::Home(Some("team".into())));
        assert_eq!(target(".."), path(".."));
        assert_eq!(target("..:.."), path("..:.."));
    }

    #[test]
    fn home_directory_and_slashes() {
        // What a shell makes of `~`, `~/team` and `~/a/b`.
        assert_eq!(target("/home/dev"), Target::Home(None));
        assert_eq!(target("/home/dev/"), Target::Home(None));
        assert_eq!(target("/home/dev/team"), Target::Home(Some("team".into())));
        assert_eq!(target("/home/dev/a/b"), Target::Home(Some("a:b".into())));
        // Only a whole directory matches `$HOME`.
        assert_eq!(target("/home/developer"), path(":home:developer"));
        // Slashes are colons.
        assert_eq!(target("a/b"), path("a:b"));
        assert_eq!(target("/root/team-a"), path(":root:team-a"));
        assert_eq!(target("~/x"), Target::Home(Some("x".into())));
        // Without a home directory nothing is rewritten to `~`.
        assert_eq!(
            parse_argument("/home/dev", None, false).target,
            path(":home:dev")
        );
    }

    #[test]
    fn root_prefix_is_absolute_with_a_note() {
        let a = parse("root");
        assert_eq!(a.target, path(":root"));
        assert!(a.root_note);
        let a = parse("root:team-a");
        assert_eq!(a.target, path(":root:team-a"));
        assert!(a.root_note);
        let a = parse_argument("root:team-a", None, true);
        assert_eq!(a.target, path(":root:team-a"));
        assert!(!a.root_note, "--short silences the note");
        let a = parse("rootless");
        assert_eq!(a.target, path("rootless"));
        assert!(!a.root_note);
        assert!(!parse(":root").root_note);
        assert_eq!(
            ROOT_NOTE,
            "Note: Using 'root:' to define an absolute path is no longer supported. Instead, use ':root' to specify an absolute path."
        );
    }

    #[test]
    fn resolving_relative_and_absolute_paths() {
        let cur = Path::new("root:org:team");
        let ok = |arg: &str| resolve(&cur, arg).map(|p| p.as_str().to_owned());
        assert_eq!(ok("child").unwrap(), "root:org:team:child");
        assert_eq!(ok("a:b").unwrap(), "root:org:team:a:b");
        assert_eq!(ok("..").unwrap(), "root:org");
        assert_eq!(ok("..:..").unwrap(), "root");
        assert_eq!(ok("..:other").unwrap(), "root:org:other");
        assert_eq!(ok(".").unwrap(), "root:org:team");
        assert_eq!(
            ok("./x").ok(),
            None,
            "slashes are rewritten before resolving"
        );
        assert_eq!(ok(".:x").unwrap(), "root:org:team:x");
        assert_eq!(ok(":root").unwrap(), "root");
        assert_eq!(ok(":root:other").unwrap(), "root:other");
        assert_eq!(ok(":root:a:..:b").unwrap(), "root:b");
        assert_eq!(ok(":system:admin").unwrap(), "system:admin");
    }

    #[test]
    fn going_above_root_fails() {
        assert_eq!(resolve(&Path::root(), ".."), Err(Unresolvable::AboveRoot));
        assert_eq!(
            resolve(&Path::new("root:a"), "..:..:.."),
            Err(Unresolvable::AboveRoot)
        );
        assert_eq!(resolve(&Path::root(), ":.."), Err(Unresolvable::AboveRoot));
        assert_eq!(
            resolve_use(&Path::root(), "..").unwrap_err().to_string(),
            "cannot go up from root"
        );
        assert_eq!(
            resolve_workspace_flag(&Path::root(), "..")
                .unwrap_err()
                .to_string(),
            "cannot go above the root workspace"
        );
    }

    #[test]
    fn invalid_paths() {
        for arg in ["Team", "a::b", "a:", ":", ":*", "*", "-a", "a_b", "a b"] {
            assert_eq!(
                resolve(&Path::root(), arg),
                Err(Unresolvable::Invalid),
                "{arg}"
            );
        }
        assert_eq!(
            resolve_use(&Path::root(), "Team").unwrap_err().to_string(),
            "invalid workspace path: Team"
        );
    }

    #[test]
    fn full_pipeline() {
        // What `kubectl ws <arg>` resolves to from root:org.
        let cur = Path::new("root:org");
        let run = |arg: &str| match parse(arg).target {
            Target::Path(p) => resolve_use(&cur, &p).map(|p| p.to_string()).ok(),
            other => Some(format!("{other:?}")),
        };
        assert_eq!(run("team").as_deref(), Some("root:org:team"));
        assert_eq!(run("root").as_deref(), Some("root"));
        assert_eq!(run("root:other").as_deref(), Some("root:other"));
        assert_eq!(run("/root/other").as_deref(), Some("root:other"));
        assert_eq!(run("..").as_deref(), Some("root"));
        assert_eq!(run("../x").as_deref(), Some("root:x"));
        assert_eq!(run(":root:org:..").as_deref(), Some("root"));
    }
}
