//! Documentation is tested: every `evops` command in the README's shell blocks and in the
//! `Examples:` of every `--help` is a valid command line (kcat habits and clap's parser both
//! accept it), and every one that runs on the embedded demo cluster (`-b embedded`) runs and
//! exits 0 or 1 (a finding). Commands that name a cluster, a registry or files of their own
//! are checked as command lines only: they cannot run here.

use clap::{CommandFactory, Parser};

use crate::harness::evops;

/// Split a shell command line into words: single and double quotes, backslash escapes; stops
/// at an unquoted `|`, `>`, `<`, `&` or `#` (pipes, redirections and comments are the shell's).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    w.push(q);
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => w.extend(chars.next()),
                        _ => w.push(q),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            '|' | '>' | '<' | '&' | '#' if word.is_none() => break,
            c if c.is_whitespace() => words.extend(word.take()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

/// The `evops ...` commands of the README's shell blocks (also after a pipe).
fn readme_commands() -> Vec<String> {
    let readme = include_str!("../../README.md");
    let mut out = Vec::new();
    let mut in_sh = false;
    // A line ending in `\` goes on on the next one.
    let joined = readme.replace("\\\n", " ");
    for line in joined.lines() {
        if line.starts_with("```") {
            in_sh = line.trim() == "```sh";
            continue;
        }
        if !in_sh {
            continue;
        }
        if let Some(at) = line.find("evops ") {
            let before = &line[..at];
            if before.trim().is_empty() || before.trim_end().ends_with('|') {
                out.push(line[at..].to_string());
            }
        }
    }
    out
}

/// The `evops ...` lines after `Examples:` in every subcommand's help.
fn help_commands() -> Vec<String> {
    let mut out = Vec::new();
    // Not wrapped: an example is one line.
    let mut cmd = evops::cli::Cli::command().term_width(10_000);
    let mut helps = vec![cmd.render_long_help().to_string()];
    for sub in cmd.get_subcommands_mut() {
        helps.push(sub.render_long_help().to_string());
        for nested in sub.get_subcommands_mut() {
            helps.push(nested.render_long_help().to_string());
        }
    }
    for help in helps {
        for line in help.lines() {
            if let Some(rest) = line.trim_start().strip_prefix("evops ") {
                out.push(format!("evops {rest}"));
            }
        }
    }
    out
}

fn check(source: &str, commands: Vec<String>) -> usize {
    assert!(commands.len() > 5, "{source}: too few examples found");
    let mut ran = 0;
    for line in commands {
        let words = shell_words(&line);
        let args: Vec<std::ffi::OsString> = words.iter().map(Into::into).collect();
        assert_eq!(
            evops::cli::kcat::habit(&args),
            None,
            "{source}: `{line}` is refused as a kcat habit"
        );
        if let Err(e) = evops::cli::Cli::try_parse_from(&words) {
            panic!("{source}: `{line}` does not parse:\n{e}");
        }
        let embedded = words
            .windows(2)
            .any(|w| matches!(w[0].as_str(), "-b" | "--brokers") && w[1] == "embedded")
            && !words.iter().any(|w| w == "demo");
        if embedded {
            let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
            let out = evops(&args)
                .timeout(std::time::Duration::from_secs(60))
                .run();
            assert!(
                out.code == 0 || out.code == 1,
                "{source}: `{line}` exited {}: {}",
                out.code,
                out.stderr
            );
            ran += 1;
        }
    }
    ran
}

#[test]
fn every_readme_example_parses_and_the_embedded_ones_run() {
    let ran = check("README", readme_commands());
    assert!(ran >= 3, "only {ran} README examples ran");
}

#[test]
fn every_help_example_parses_and_the_embedded_ones_run() {
    let ran = check("--help", help_commands());
    assert!(ran >= 1, "only {ran} --help examples ran");
}

#[test]
fn shell_words_split_like_the_shell() {
    assert_eq!(
        shell_words(r#"evops filter o '.a == "x y"' -f "{key} {value}" | jq . # note"#),
        [
            "evops",
            "filter",
            "o",
            ".a == \"x y\"",
            "-f",
            "{key} {value}"
        ]
    );
    assert_eq!(
        shell_words(r"evops tail '^orders\..*'"),
        ["evops", "tail", r"^orders\..*"]
    );
    assert_eq!(
        shell_words(r#"evops tail "^a\\.b""#),
        ["evops", "tail", r"^a\.b"]
    );
}
