//! Documentation is tested: every `evops` command in the README's shell blocks and in the
//! `Examples:` of every `--help` is a valid command line (kcat habits and clap's parser both
//! accept it), and runs as written, through `bash` in a [`stage`] made for the examples (the
//! topics, files, registry subjects and profiles they name), exiting as documented: 0, or 1 where
//! it reports findings; a live read (a tail without an end, `--watch`, the demo) runs until a
//! Ctrl-C and exits 130. Only the addresses an example names become the test's own.

mod stage;

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clap::{CommandFactory, Parser};

use stage::{Stage, Subject};
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

/// How an example ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ends {
    /// By itself, with this code.
    Itself(i32),
    /// Only when interrupted (a live read): Ctrl-C after a while, exit 130.
    Interrupted,
}

/// The subcommand of a command line (the first word that names one).
fn subcommand(words: &[String]) -> &str {
    const SUBCOMMANDS: &[&str] = &[
        "tail",
        "filter",
        "trace",
        "sample",
        "stats",
        "replay",
        "rekey",
        "partition",
        "schema-validate",
        "schema",
        "demo",
    ];
    words
        .iter()
        .map(String::as_str)
        .find(|w| SUBCOMMANDS.contains(w))
        .unwrap_or("")
}

/// How an example is documented to end: live reads run until Ctrl-C; the rest end by
/// themselves, with 1 where the stage plants what they report.
fn documented_end(line: &str, words: &[String]) -> Ends {
    let has = |flags: &[&str]| words.iter().any(|w| flags.contains(&w.as_str()));
    let files_only = words.iter().any(|w| w.starts_with("./"));
    let live = match subcommand(words) {
        "demo" => true,
        "tail" => !files_only && !has(&["-e", "--exit", "--until", "--max"]),
        _ => has(&["--watch"]),
    };
    if live {
        return Ends::Interrupted;
    }
    Ends::Itself(i32::from(FINDINGS.iter().any(|f| line.contains(f))))
}

/// The examples that report findings, as the README's exit codes say they exit 1 then.
const FINDINGS: &[&str] = &[
    // The demo cluster's deploy story: article_read stopped.
    "stats views --since 24h",
    // The demo data's planted split keys and schema problems.
    "partition audit articles",
    "schema-validate users tribes articles",
    "schema-validate users articles comments",
    // Nothing matched: the stage's orders are all events, none the text "null".
    r#"-w '.value == "null"' --to orders-quarantine"#,
];

/// A running demo cluster (`evops demo`) and the address it printed.
struct Demo {
    child: std::process::Child,
    addr: String,
}

/// Run one example as written in the stage's directory; returns how it ended.
fn run_example(stage: &Stage, demo: &mut Option<Demo>, line: &str, ends: Ends) -> i32 {
    let mut line = line.to_string();
    let mut addresses = stage.addresses();
    if let Some(d) = demo.as_ref() {
        addresses.push(("127.0.0.1:40123", d.addr.clone()));
    }
    for (documented, own) in &addresses {
        line = line.replace(documented, own);
    }
    // A file outside the stage (node_exporter's textfile directory) is written in it instead,
    // under the same name.
    if let Some((command, target)) = line.split_once("> /") {
        let name = target.split_whitespace().next().unwrap_or_default();
        let name = name.rsplit('/').next().unwrap_or_default();
        line = format!("{command}> {name}");
    }
    let written = stage.files_of(&line);
    let out = stage.dir.path().join(".out");
    let err = stage.dir.path().join(".err");
    let bin = Path::new(env!("CARGO_BIN_EXE_evops")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut child = Command::new("bash")
        .args(["-o", "pipefail", "-c", &line])
        .current_dir(stage.dir.path())
        .env_clear()
        .env("PATH", path)
        .env("HOME", stage.home.path())
        .env("XDG_STATE_HOME", stage.home.path().join("state"))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .process_group(0)
        .spawn()
        .expect("run bash");
    let said = || {
        let printed = std::fs::read_to_string(&out).unwrap_or_default();
        let head: String = printed.chars().take(2000).collect();
        format!(
            "{}{head}",
            std::fs::read_to_string(&err).unwrap_or_default()
        )
    };
    if ends == Ends::Interrupted {
        std::thread::sleep(Duration::from_secs(3));
        if subcommand(&shell_words(&line)) == "demo" && !line.contains("--duration") {
            // On a busy machine the demo may take longer than 3 s to seed and print its
            // address: wait for it, up to a deadline.
            let deadline = std::time::Instant::now() + Duration::from_secs(30);
            while !std::fs::read_to_string(&out).is_ok_and(|p| p.contains(':'))
                && std::time::Instant::now() < deadline
            {
                std::thread::sleep(Duration::from_millis(100));
            }
            let printed = std::fs::read_to_string(&out).unwrap_or_default();
            let addr = printed.lines().next().unwrap_or_default().to_string();
            assert!(
                addr.contains(':'),
                "`{line}` printed no address: {}",
                said()
            );
            stop_demo(demo);
            *demo = Some(Demo { child, addr });
            return 130;
        }
        interrupt(&child);
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            interrupt(&child);
            panic!("`{line}` did not end within 2 minutes: {}", said());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    for file in written {
        std::fs::remove_file(file).unwrap();
    }
    let code = status.code().unwrap_or(-1);
    if code != expected_code(ends) {
        eprintln!("`{line}` exited {code}: {}", said());
    }
    code
}

fn expected_code(ends: Ends) -> i32 {
    match ends {
        Ends::Itself(code) => code,
        Ends::Interrupted => 130,
    }
}

/// Ctrl-C: SIGINT to the example's process group (bash and every command of its pipeline).
fn interrupt(child: &std::process::Child) {
    Command::new("kill")
        .args(["-INT", "--", &format!("-{}", child.id())])
        .status()
        .expect("kill");
}

/// Stop the demo cluster: Ctrl-C, and it exits 130.
fn stop_demo(demo: &mut Option<Demo>) {
    if let Some(mut d) = demo.take() {
        interrupt(&d.child);
        let code = d.child.wait().unwrap().code();
        assert_eq!(code, Some(130), "evops demo after Ctrl-C");
    }
}

fn check(source: &str, commands: Vec<String>, users: Subject) -> usize {
    assert!(commands.len() > 5, "{source}: too few examples found");
    let stage = Stage::new(users);
    let mut demo = None;
    let mut wrong = Vec::new();
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
        let ends = documented_end(&line, &words);
        let code = run_example(&stage, &mut demo, &line, ends);
        if code != expected_code(ends) {
            wrong.push(format!(
                "`{line}` exited {code}, not {}",
                expected_code(ends)
            ));
        }
        ran += 1;
    }
    stop_demo(&mut demo);
    assert!(wrong.is_empty(), "{source}:\n{}", wrong.join("\n"));
    ran
}

#[test]
fn every_readme_example_parses_and_runs() {
    let ran = check("README", readme_commands(), Subject::Avro("user-v1.avsc"));
    assert!(ran >= 3, "only {ran} README examples ran");
}

#[test]
fn every_help_example_parses_and_runs() {
    let ran = check("--help", help_commands(), Subject::Json("order-v1.json"));
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
