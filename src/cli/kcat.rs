//! kcat habits: flags that kcat users type by reflex and evops spells differently. Each gets a
//! usage error that gives the evops form, instead of clap's "unexpected argument" or, worse, a
//! different meaning (`-c 10` is a count in kcat, `--count` plus a topic named `10` here).

use std::ffi::OsString;

/// The kcat flag among `args` (the whole command line, program name first) and what to type
/// instead; `None` when there is none. Only arguments before `--` are looked at.
pub fn habit(args: &[OsString]) -> Option<String> {
    let args: Vec<&str> = args
        .iter()
        .skip(1)
        .map(|a| a.to_str().unwrap_or(""))
        .take_while(|a| *a != "--")
        .collect();
    args.iter().enumerate().find_map(|(i, a)| {
        let next = args.get(i + 1).copied();
        advice(a, next)
    })
}

/// What to say about `arg` (followed by `next`), if it is a kcat habit.
fn advice(arg: &str, next: Option<&str>) -> Option<String> {
    let plain = |s: &str| Some(format!("{arg}: {s} (kcat's {arg} is not an evops flag)"));
    match arg {
        "-C" => plain("evops reads with a subcommand: `evops tail TOPIC` (or filter, sample, trace)"),
        "-P" => plain("evops writes records with `evops replay SOURCE --to TOPIC` (a capture file or - for stdin)"),
        "-J" => plain("evops writes JSON envelopes with -f json"),
        "-K" => plain("for key and value on one line use a template: -f '{key}\\t{value}'"),
        "-D" => plain("evops writes one record per line; for other layouts use a template with -f"),
        "-G" => plain("join a consumer group with --group NAME (evops never joins one otherwise)"),
        "-t" => {
            let t = next.unwrap_or("TOPIC");
            plain(&format!("the topic is a positional argument: `evops tail {t}`"))
        }
        "-c" if next.is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())) => {
            let n = next.unwrap_or_default();
            Some(format!(
                "-c {n}: to stop after {n} records use --max {n} (evops's -c is --count, which prints how many records match)"
            ))
        }
        "-f" if next.is_some_and(|f| f.contains('%')) => Some(format!(
            "-f {}: kcat's %-format; evops's -f takes pretty | json | capture | raw or a template such as '{{topic}}/{{partition}}@{{offset}} {{key}} {{value}}' (%s is {{value}}, %k {{key}}, %p {{partition}}, %o {{offset}}, %t {{topic}}, %T {{timestamp}})",
            next.unwrap_or_default()
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn habit_of(line: &str) -> Option<String> {
        let args: Vec<OsString> = std::iter::once("evops")
            .chain(line.split(' '))
            .map(OsString::from)
            .collect();
        habit(&args)
    }

    #[test]
    fn kcat_flags_get_the_evops_form() {
        for (line, says) in [
            ("-b k:9092 -C -t orders", "evops tail"),
            ("tail -t orders", "`evops tail orders`"),
            ("tail orders -J", "-f json"),
            ("tail orders -K", "{key}"),
            ("tail orders -G g1", "--group NAME"),
            ("filter orders -c 10", "--max 10"),
            ("tail orders -f %k:%s\\n", "template"),
            ("-P -t orders", "evops replay"),
        ] {
            let got = habit_of(line).unwrap_or_default();
            assert!(got.contains(says), "{line}: {got}");
        }
    }

    #[test]
    fn evops_meanings_are_left_alone() {
        for line in [
            "filter orders -c",
            "filter orders -c --type x",
            "tail orders -f json",
            "tail orders -f {key}",
            "tail orders -o -5 -e",
            "filter orders -- -t",
        ] {
            assert_eq!(habit_of(line), None, "{line}");
        }
    }
}
