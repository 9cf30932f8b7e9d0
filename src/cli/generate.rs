//! The hidden `evops generate` command: writes man/ (evops.1 and one page per subcommand) and
//! completions/ (bash, zsh, fish, powershell, elvish) from the clap definition, so they can
//! never drift from `--help`. A test regenerates them and fails when the committed files differ.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::Cli;

/// Write man pages and shell completions.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The folder that receives man/ and completions/.
    #[arg(long, default_value = ".", value_name = "DIR")]
    pub out_dir: PathBuf,
}

/// The generated files as (relative path, contents).
pub fn files() -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = Cli::command();
    cmd.build();
    let mut out = Vec::new();

    let mut root = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut root)?;
    out.push(("man/evops.1".to_string(), root));
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let name = format!("evops-{}", sub.get_name());
        let mut page = Vec::new();
        clap_mangen::Man::new(
            sub.clone()
                .name(name.clone())
                .bin_name(format!("evops {}", sub.get_name())),
        )
        .render(&mut page)?;
        out.push((format!("man/{name}.1"), page));
    }

    for (shell, file) in [
        (Shell::Bash, "evops.bash"),
        (Shell::Zsh, "_evops"),
        (Shell::Fish, "evops.fish"),
        (Shell::PowerShell, "_evops.ps1"),
        (Shell::Elvish, "evops.elv"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut cmd.clone(), "evops", &mut buf);
        out.push((format!("completions/{file}"), buf));
    }
    Ok(out)
}

pub fn run(args: &GenerateArgs) -> anyhow::Result<()> {
    for (rel, bytes) in files()? {
        let path = args.out_dir.join(&rel);
        write(&path, &bytes)?;
    }
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}
