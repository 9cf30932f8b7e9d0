//! `evops partition`: where would each Kafka client put this key? One row per distinct answer,
//! naming the clients that agree, so a Node.js/Kotlin split shows at a glance. `--list` shows
//! every partitioner evops knows; `--output json` is a stable contract (see the README).

use std::io::Write;

use serde_json::{Map, Value};

use crate::codec::{self, Encoding};
use crate::endpoint::kafka::{Connection, Settings};
use crate::error::Error;
use crate::exit::Exit;
use crate::partition::{Answer, PARTITIONERS};
use crate::print::table;

/// Where the partition count comes from.
#[derive(Debug, Clone)]
pub enum Count {
    Fixed(i32),
    /// Ask the cluster how many partitions this topic has.
    Topic(String, Settings),
}

/// `partition` options.
#[derive(Debug, Clone)]
pub struct Config {
    /// Keys as typed (from arguments or stdin lines).
    pub keys: Vec<String>,
    pub count: Count,
    pub key_format: Encoding,
    /// Show each key as a string and, when it is a number, as int32 and int64 too.
    pub compare_formats: bool,
    pub json: bool,
}

/// A key as bytes, with the format it was encoded in.
struct Key {
    text: String,
    format: &'static str,
    bytes: Vec<u8>,
}

pub fn run(cfg: Config) -> anyhow::Result<Exit> {
    let n = match &cfg.count {
        Count::Fixed(n) => *n,
        Count::Topic(topic, settings) => {
            let conn = Connection::open(settings.clone())?;
            let topics = conn.topics()?;
            let t = conn.resolve(std::slice::from_ref(topic), &topics)?;
            t[0].partitions.len() as i32
        }
    };
    if n <= 0 {
        return Err(Error::Usage("the partition count must be at least 1".into()).into());
    }
    let mut keys = Vec::new();
    for text in &cfg.keys {
        if cfg.compare_formats {
            keys.push(Key {
                text: text.clone(),
                format: "string",
                bytes: text.as_bytes().to_vec(),
            });
            if let Ok(b) = codec::encode_text(Encoding::Int32, text) {
                keys.push(Key {
                    text: text.clone(),
                    format: "int32",
                    bytes: b,
                });
            }
            if let Ok(b) = codec::encode_text(Encoding::Int64, text) {
                keys.push(Key {
                    text: text.clone(),
                    format: "int64",
                    bytes: b,
                });
            }
        } else {
            let bytes = codec::encode_text(cfg.key_format, text)
                .map_err(|e| Error::Usage(format!("key '{text}': {e}")))?;
            keys.push(Key {
                text: text.clone(),
                format: format_name(cfg.key_format),
                bytes,
            });
        }
    }
    let mut out = std::io::stdout().lock();
    if cfg.json {
        for k in &keys {
            let mut results = Map::new();
            for p in PARTITIONERS {
                let v = match p.answer(Some(&k.bytes), n) {
                    Answer::Partition(x) => Value::from(x),
                    _ => Value::Null,
                };
                results.insert(p.name.to_string(), v);
            }
            let mut obj = Map::new();
            obj.insert("key".into(), key_json(k));
            if cfg.compare_formats {
                obj.insert("format".into(), Value::String(k.format.into()));
            }
            obj.insert("partitions".into(), Value::from(n));
            obj.insert("results".into(), Value::Object(results));
            serde_json::to_writer(&mut out, &Value::Object(obj))?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        return Ok(Exit::Ok);
    }
    let mut rows = Vec::new();
    for k in &keys {
        // Group partitioners by answer, in the order of the first partitioner giving it.
        let mut groups: Vec<(Answer, Vec<&str>)> = Vec::new();
        for p in PARTITIONERS {
            let a = p.answer(Some(&k.bytes), n);
            match groups.iter_mut().find(|(g, _)| *g == a) {
                Some((_, names)) => names.push(p.name),
                None => groups.push((a, vec![p.name])),
            }
        }
        groups.sort_by_key(|(a, _)| *a);
        for (a, names) in groups {
            let shown = match std::str::from_utf8(&k.bytes) {
                Ok("") if k.format == "string" => "\"\" (empty)".to_string(),
                Ok(s) if k.format == "string" => crate::print::escape::for_terminal(s).into_owned(),
                _ => k.text.clone(),
            };
            let mut row = vec![shown];
            if cfg.compare_formats {
                row.push(k.format.to_string());
            }
            row.push(a.to_string());
            row.push(names.join(", "));
            rows.push(row);
        }
    }
    let header: Vec<&str> = if cfg.compare_formats {
        vec!["key", "as", "partition", "partitioners"]
    } else {
        vec!["key", "partition", "partitioners"]
    };
    writeln!(out, "{n} partitions")?;
    writeln!(out, "{}", table::render(&header, &rows, Some(100)))?;
    out.flush()?;
    Ok(Exit::Ok)
}

/// `evops partition --list`.
pub fn list(json: bool) -> anyhow::Result<Exit> {
    let mut out = std::io::stdout().lock();
    if json {
        for p in PARTITIONERS {
            let v = serde_json::json!({
                "name": p.name,
                "aliases": p.aliases,
                "hash": p.hash.describe(),
                "null_key": p.null_key.name(),
                "empty_key": p.empty_key.name(),
                "clients": p.clients,
            });
            serde_json::to_writer(&mut out, &v)?;
            out.write_all(b"\n")?;
        }
    } else {
        let rows: Vec<Vec<String>> = PARTITIONERS
            .iter()
            .map(|p| {
                vec![
                    p.name.to_string(),
                    p.aliases.join(", "),
                    p.hash.describe().to_string(),
                    p.null_key.name().to_string(),
                    p.empty_key.name().to_string(),
                    p.clients.to_string(),
                ]
            })
            .collect();
        writeln!(
            out,
            "{}",
            table::render(
                &[
                    "name",
                    "aliases",
                    "key → partition",
                    "null key",
                    "empty key",
                    "clients"
                ],
                &rows,
                Some(48)
            )
        )?;
    }
    out.flush()?;
    Ok(Exit::Ok)
}

/// The key's bytes in the capture encoding: a string when UTF-8, `{"base64": ...}` otherwise.
fn key_json(k: &Key) -> Value {
    codec::bytes_value(&k.bytes)
}

fn format_name(f: Encoding) -> &'static str {
    match f {
        Encoding::Int32 => "int32",
        Encoding::Int64 => "int64",
        Encoding::Hex => "hex",
        Encoding::Base64 => "base64",
        _ => "string",
    }
}
