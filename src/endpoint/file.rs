//! Capture files and stdio: a capture file (or stdin) as a source, one record per NDJSON line;
//! a malformed line is reported with its line number and skipped, never fatal. Writing capture
//! files is the capture printer's job (`print`), on a file instead of stdout. Also sample
//! events, what a CI job keeps in its repository: NDJSON files (an event per line), JSON files
//! (one event, or an array of them) and directories of both, read as records whose value is
//! the event; and the `--schema` files of `schema-validate`, read into a catalog.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use super::{Poll, Progress, Source};
use crate::codec::capture;
use crate::position::{Start, Stop};
use crate::record::{Origin, Record};

/// The most a file read whole as text may hold (a schema, the config file, a checkpoint).
pub const SMALL_FILE: u64 = 64 << 20;

/// Read a file whole: a regular file (a FIFO, `/dev/zero` or a directory is refused before it
/// is opened, so nothing blocks or grows without end) of at most `max` bytes; a leading UTF-8
/// byte order mark is dropped. The error keeps its kind (`NotFound` for a missing file).
pub fn read_whole(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind};
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(Error::new(ErrorKind::InvalidInput, "not a regular file"));
    }
    if meta.len() > max {
        return Err(Error::new(
            ErrorKind::InvalidData,
            format!(
                "{} bytes is more than the {max} such a file may hold",
                meta.len()
            ),
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    File::open(path)?.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(Error::new(
            ErrorKind::InvalidData,
            format!("more than {max} bytes"),
        ));
    }
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    Ok(bytes)
}

/// [`read_whole`] as UTF-8 text, at most [`SMALL_FILE`] bytes.
pub fn read_small(path: &Path) -> std::io::Result<String> {
    String::from_utf8(read_whole(path, SMALL_FILE)?)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"))
}

/// The non-blank lines of a reader, without their line endings, with the number of the last
/// one read and the bytes read so far: how capture files, NDJSON events and the sniff read.
struct Lines {
    reader: BufReader<Box<dyn Read>>,
    buf: Vec<u8>,
    /// The 1-based number of the last line read (blank ones count).
    number: u64,
    bytes: u64,
    /// `MAX_LINE`, smaller in tests.
    max: usize,
}

/// The longest line read, in bytes: a bound on the memory one line takes (a line without an
/// end on stdin would otherwise grow without one). A capture line of a 100 MB record, base64
/// and all, is about 140 MB; brokers refuse records over 1 MB unless told otherwise.
pub const MAX_LINE: usize = 256 << 20;

impl Lines {
    fn new(r: Box<dyn Read>) -> Lines {
        Lines {
            reader: BufReader::with_capacity(256 * 1024, r),
            buf: Vec::with_capacity(4096),
            number: 0,
            bytes: 0,
            max: MAX_LINE,
        }
    }

    /// The next line that is not blank, or `None` at the end. A line longer than `MAX_LINE`
    /// is skipped and comes back empty (which no other line is): not one of its bytes is kept.
    fn next(&mut self) -> std::io::Result<Option<&[u8]>> {
        loop {
            self.buf.clear();
            let n = (&mut self.reader)
                .take(self.max as u64)
                .read_until(b'\n', &mut self.buf)?;
            if n == 0 {
                return Ok(None);
            }
            self.bytes += n as u64;
            self.number += 1;
            if self.number == 1 && self.buf.starts_with(b"\xEF\xBB\xBF") {
                // A byte order mark, as some editors write: not part of the first line.
                self.buf.drain(..3);
            }
            if n == self.max && !self.buf.ends_with(b"\n") {
                self.bytes += self.skip_line()?;
                self.buf.clear();
                return Ok(Some(&self.buf));
            }
            if !trim_line(&self.buf).iter().all(u8::is_ascii_whitespace) {
                return Ok(Some(trim_line(&self.buf)));
            }
        }
    }
}

impl Lines {
    /// Skip to the end of the current line; the bytes skipped.
    fn skip_line(&mut self) -> std::io::Result<u64> {
        let mut skipped = 0u64;
        loop {
            let chunk = self.reader.fill_buf()?;
            if chunk.is_empty() {
                return Ok(skipped);
            }
            let (used, end) = match chunk.iter().position(|&c| c == b'\n') {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            self.reader.consume(used);
            skipped += used as u64;
            if end {
                return Ok(skipped);
            }
        }
    }
}

/// Records from capture lines.
pub struct CaptureSource {
    name: String,
    lines: Lines,
    size: Option<u64>,
    window: Window,
    skipped: u64,
    /// With `--from -<n>` / `--until -<n>`: each partition's record count (a first reading)
    /// and how many of its records were read so far.
    counts: Option<PartitionCounts>,
}

/// Records per topic partition.
type PartitionCounts = (HashMap<(Arc<str>, i32), u64>, HashMap<(Arc<str>, i32), u64>);

/// Count each partition's records in a capture file (lines that are not records are not
/// counted: they are reported by the reading that follows).
fn count_partitions(path: &Path) -> anyhow::Result<HashMap<(Arc<str>, i32), u64>> {
    let file =
        File::open(path).with_context(|| format!("cannot open capture file {}", path.display()))?;
    let mut lines = Lines::new(Box::new(file));
    let mut counts = HashMap::new();
    while let Some(line) = lines
        .next()
        .with_context(|| format!("cannot read {}", path.display()))?
    {
        if let Ok(r) = capture::decode(line) {
            *counts.entry((r.topic, r.partition)).or_insert(0) += 1;
        }
    }
    Ok(counts)
}

impl CaptureSource {
    /// Open a capture file.
    pub fn open(path: &Path, window: Window) -> anyhow::Result<CaptureSource> {
        // Counting reads the file once before the read proper: a pipe would be drained by it
        // (and opening one would wait for a writer), and the read would then find nothing.
        if window.counts_partitions() && std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
            return Err(crate::error::Error::Usage(format!(
                "--from -<n> and --until -<n> count each partition's records to the end, which reads the file twice: {} is not a regular file (save it to one first)",
                path.display()
            ))
            .into());
        }
        let file = File::open(path)
            .with_context(|| format!("cannot open capture file {}", path.display()))?;
        let size = file.metadata().ok().map(|m| m.len());
        let counts = if window.counts_partitions() {
            Some((count_partitions(path)?, HashMap::new()))
        } else {
            None
        };
        let mut source =
            CaptureSource::new(path.display().to_string(), Box::new(file), size, window);
        source.counts = counts;
        Ok(source)
    }

    /// Read capture lines from standard input.
    pub fn stdin(window: Window) -> CaptureSource {
        CaptureSource::new("stdin".into(), Box::new(std::io::stdin()), None, window)
    }

    /// Read capture lines from any reader (`name` is used in messages).
    pub fn new(name: String, r: Box<dyn Read>, size: Option<u64>, window: Window) -> CaptureSource {
        CaptureSource {
            name,
            lines: Lines::new(r),
            size,
            window,
            skipped: 0,
            counts: None,
        }
    }

    /// Whether a record is inside the window, counting it in its partition.
    fn admits(&mut self, r: &Record) -> bool {
        let nth = self.counts.as_mut().map(|(counts, seen)| {
            let key = (r.topic.clone(), r.partition);
            let count = counts.get(&key).copied().unwrap_or(0);
            let index = seen.entry(key).or_insert(0);
            *index += 1;
            (*index - 1, count)
        });
        self.window
            .admits(r.partition, r.offset, r.timestamp.millis())
            && nth.is_none_or(|(index, count)| self.window.admits_nth(index, count))
    }
}

impl Source for CaptureSource {
    fn poll(&mut self, _timeout: Duration) -> anyhow::Result<Poll> {
        loop {
            let Some(body) = self
                .lines
                .next()
                .with_context(|| format!("cannot read {}", self.name))?
            else {
                return Ok(Poll::End);
            };
            if body.is_empty() {
                return Ok(Poll::Bad {
                    location: format!("{}:{}", self.name, self.lines.number),
                    reason: format!("a line longer than {} bytes: skipped", self.lines.max),
                });
            }
            match capture::decode(body) {
                Ok(record) => {
                    if self.admits(&record) {
                        return Ok(Poll::Record(record));
                    }
                    self.skipped += 1;
                }
                Err(reason) => {
                    return Ok(Poll::Bad {
                        location: format!("{}:{}", self.name, self.lines.number),
                        reason: format!("not a capture line: {reason}"),
                    })
                }
            }
        }
    }

    fn progress(&self) -> Option<Progress> {
        self.size.map(|total| Progress {
            done: self.lines.bytes,
            total,
        })
    }

    fn skipped(&self) -> u64 {
        self.skipped
    }
}

/// What a file named as a source holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// Capture lines (`{"topic":..,"partition":..,"offset":..,...}`).
    Capture,
    /// Sample events: NDJSON, a JSON document or array, or a directory of those.
    Events,
}

/// Tell a capture file from sample events: a directory or a `.json` file is events; an NDJSON
/// file is a capture file when its first line is an object with `topic`, `partition` and
/// `offset`, events otherwise.
pub fn sniff(path: &Path) -> anyhow::Result<FileKind> {
    if path.is_dir() || path.extension().is_some_and(|e| e == "json") {
        return Ok(FileKind::Events);
    }
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut lines = Lines::new(Box::new(file));
    let Some(first) = lines
        .next()
        .with_context(|| format!("cannot read {}", path.display()))?
    else {
        return Ok(FileKind::Events);
    };
    let capture = serde_json::from_slice::<serde_json::Value>(first)
        .ok()
        .and_then(|v| {
            v.as_object().map(|o| {
                ["topic", "partition", "offset"]
                    .iter()
                    .all(|k| o.contains_key(*k))
            })
        })
        .unwrap_or(false);
    Ok(if capture {
        FileKind::Capture
    } else {
        FileKind::Events
    })
}

/// Sample events from files and directories, as records: the topic is the file's path, the
/// origin [`Origin::SampleLine`] (the offset is the 1-based line) or [`Origin::SampleElement`]
/// (the offset is the index in a top-level JSON array), partition 0, no key, no timestamp. Directories are read recursively, in name order, taking `*.json`, `*.ndjson` and
/// `*.jsonl` files.
pub struct SampleSource {
    files: Vec<PathBuf>,
    next_file: usize,
    /// A `.json` file of one event, read whole.
    pending: Option<Record>,
    /// The `.json` array file being read, an element at a time.
    elements: Option<Elements>,
    /// The NDJSON file being read, a line at a time (however big it is), and its name.
    lines: Option<(Lines, Arc<str>)>,
    /// Bytes of the files read whole or to their end.
    done_bytes: u64,
    total_bytes: u64,
}

impl SampleSource {
    pub fn open(paths: &[PathBuf]) -> anyhow::Result<SampleSource> {
        let mut files = Vec::new();
        for p in paths {
            if p.is_dir() {
                files.extend(sample_files(p)?);
            } else if p.is_file() {
                files.push(p.clone());
            } else if p.exists() {
                anyhow::bail!("{}: not a regular file or directory", p.display());
            } else {
                anyhow::bail!("{}: no such file or directory", p.display());
            }
        }
        let total_bytes = files
            .iter()
            .filter_map(|f| f.metadata().ok())
            .map(|m| m.len())
            .sum();
        Ok(SampleSource {
            files,
            next_file: 0,
            pending: None,
            elements: None,
            lines: None,
            done_bytes: 0,
            total_bytes,
        })
    }

    /// Open the next file: an NDJSON file for `next_line`, a `.json` file read whole into
    /// `pending` (one event) or `elements` (an array). A `.json` file that starts like an array
    /// but is not one is bad as a whole: the answer says where and why.
    fn load(&mut self, path: &Path) -> anyhow::Result<Option<(String, String)>> {
        let name: Arc<str> = Arc::from(path.display().to_string());
        let json_file = path.extension().is_some_and(|e| e == "json");
        if !json_file {
            // NDJSON: read a line at a time in `poll`.
            let file =
                File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
            self.lines = Some((Lines::new(Box::new(file)), name));
            return Ok(None);
        }
        // A JSON file of events is read whole: a regular file of at most 1 GiB.
        let bytes =
            read_whole(path, 1 << 30).with_context(|| format!("cannot read {}", path.display()))?;
        // The file's size, as in the total: a byte order mark was dropped from `bytes`.
        self.done_bytes += std::fs::metadata(path).map_or(bytes.len() as u64, |m| m.len());
        if bytes.iter().find(|c| !c.is_ascii_whitespace()) != Some(&b'[') {
            // One event: its bytes as they are, so that sizes and the verdict are the file's own.
            self.pending = Some(event(&name, Origin::SampleLine, 1, bytes));
            return Ok(None);
        }
        match Elements::of(name, bytes) {
            Ok(elements) => {
                self.elements = Some(elements);
                Ok(None)
            }
            Err(e) => Ok(Some((
                format!("{}", path.display()),
                format!("not a JSON array of events ({e})"),
            ))),
        }
    }

    /// The next non-blank line of the NDJSON file being read, as a record.
    fn next_line(&mut self) -> anyhow::Result<Option<crate::record::Record>> {
        let Some((lines, name)) = self.lines.as_mut() else {
            return Ok(None);
        };
        match lines
            .next()
            .with_context(|| format!("cannot read {name}"))?
        {
            Some(body) => {
                let body = body.to_vec();
                Ok(Some(event(
                    name,
                    Origin::SampleLine,
                    lines.number as i64,
                    body,
                )))
            }
            None => {
                self.done_bytes += lines.bytes;
                self.lines = None;
                Ok(None)
            }
        }
    }
}

/// The elements of a `.json` array file, handed out a record at a time: the file's bytes and
/// where each element lies in them. (A record per element, all made at once, took six times the
/// file: 150 MB of small events peaked at 979 MB.)
struct Elements {
    name: Arc<str>,
    bytes: Vec<u8>,
    spans: Vec<std::ops::Range<usize>>,
    next: usize,
}

impl Elements {
    fn of(name: Arc<str>, bytes: Vec<u8>) -> Result<Elements, serde_json::Error> {
        let items = serde_json::from_slice::<Vec<&serde_json::value::RawValue>>(&bytes)?;
        // Each raw element borrows its text from `bytes`: where it starts there is its place.
        let base = bytes.as_ptr().addr();
        let spans = items
            .iter()
            .map(|item| {
                let start = item.get().as_ptr().addr() - base;
                start..start + item.get().len()
            })
            .collect();
        Ok(Elements {
            name,
            bytes,
            spans,
            next: 0,
        })
    }

    fn next(&mut self) -> Option<Record> {
        let span = self.spans.get(self.next)?.clone();
        let value = self.bytes[span].to_vec();
        self.next += 1;
        Some(event(
            &self.name,
            Origin::SampleElement,
            self.next as i64 - 1,
            value,
        ))
    }
}

/// A sample event as a record of its file (see [`SampleSource`]).
fn event(name: &Arc<str>, origin: Origin, offset: i64, value: Vec<u8>) -> Record {
    Record {
        topic: name.clone(),
        partition: 0,
        offset,
        origin,
        timestamp: crate::record::Timestamp::None,
        key: None,
        value: Some(value),
        headers: Vec::new(),
    }
}

/// The sample-event files under `dir` (recursively, in name order); none is an error.
pub fn sample_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    files_under(dir, &["json", "ndjson", "jsonl"], &mut files)?;
    if files.is_empty() {
        anyhow::bail!("{} has no *.json, *.ndjson or *.jsonl files", dir.display());
    }
    Ok(files)
}

/// Every file under `dir` (recursively, in name order) whose extension is one of `exts`.
pub fn files_under(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read directory {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_under(&p, exts, out)?;
        } else if p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| exts.contains(&e))
        {
            out.push(p);
        }
    }
    Ok(())
}

/// Read `--schema` files and directories (recursively: `*.avsc`, `*.json`) into a catalog. A
/// schema is named by its file name without the extension; an unreadable or invalid schema is
/// an error (exit 2), never a smaller catalog.
pub fn read_catalog(paths: &[PathBuf]) -> anyhow::Result<crate::schema::catalog::Catalog> {
    let mut docs = Vec::new();
    for p in paths {
        let mut files = Vec::new();
        if p.is_dir() {
            files_under(p, &["avsc", "json"], &mut files)
                .map_err(|e| anyhow::anyhow!("--schema: {e:#}"))?;
            if files.is_empty() {
                anyhow::bail!("--schema {}: no .avsc or .json files in it", p.display());
            }
        } else if p.is_file() {
            files.push(p.clone());
        } else if p.exists() {
            anyhow::bail!("--schema {}: not a regular file or directory", p.display());
        } else {
            anyhow::bail!("--schema {}: no such file or directory", p.display());
        }
        for f in files {
            let text =
                read_small(&f).map_err(|e| anyhow::anyhow!("--schema {}: {e}", f.display()))?;
            let file_name = f
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let name = file_name
                .strip_suffix(".avsc")
                .or_else(|| file_name.strip_suffix(".schema.json"))
                .or_else(|| file_name.strip_suffix(".json"))
                .unwrap_or(&file_name)
                .to_string();
            docs.push(crate::schema::catalog::Doc {
                name,
                origin: f.display().to_string(),
                text,
                avro_hint: file_name.ends_with(".avsc"),
            });
        }
    }
    crate::schema::catalog::Catalog::build(docs).map_err(|e| anyhow::anyhow!("--schema: {e}"))
}

impl Source for SampleSource {
    fn poll(&mut self, _timeout: Duration) -> anyhow::Result<Poll> {
        loop {
            if let Some(r) = self.pending.take() {
                return Ok(Poll::Record(r));
            }
            if let Some(elements) = self.elements.as_mut() {
                if let Some(r) = elements.next() {
                    return Ok(Poll::Record(r));
                }
                self.elements = None;
            }
            if let Some(r) = self.next_line()? {
                return Ok(Poll::Record(r));
            }
            let Some(path) = self.files.get(self.next_file).cloned() else {
                return Ok(Poll::End);
            };
            self.next_file += 1;
            if let Some((location, reason)) = self.load(&path)? {
                return Ok(Poll::Bad { location, reason });
            }
        }
    }

    fn progress(&self) -> Option<Progress> {
        let reading = self.lines.as_ref().map_or(0, |(l, _)| l.bytes);
        Some(Progress {
            done: self.done_bytes + reading,
            total: self.total_bytes,
        })
    }
}

fn trim_line(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The range of a capture file or stdin, as on a topic: `-p` keeps those partitions, offsets
/// and times filter, `--from -<n>` keeps each partition's last n records and `--until -<n>`
/// leaves out its last n (a capture file is read twice for these: once to count, once to
/// read; stdin cannot be, and refuses them). `--from end` is refused: a file has no records
/// after its end.
#[derive(Debug, Clone, Default)]
pub struct Window {
    pub partitions: Option<Vec<i32>>,
    pub min_offset: Option<i64>,
    pub max_offset: Option<i64>,
    pub from_ms: Option<i64>,
    pub until_ms: Option<i64>,
    /// Keep only each partition's last n records.
    pub last: Option<u64>,
    /// Leave out each partition's last n records.
    pub before_last: Option<u64>,
}

impl Window {
    /// The window for a capture file, or the reason a form makes no sense for one.
    pub fn for_file(from: Option<Start>, until: Option<Stop>) -> Result<Window, String> {
        let mut w = Window::default();
        match from {
            None | Some(Start::Beginning) => {}
            Some(Start::Offset(o)) => w.min_offset = Some(o),
            Some(Start::Time(t)) => w.from_ms = Some(t),
            Some(Start::Last(n)) => w.last = Some(n),
            Some(Start::End) => {
                return Err(
                    "--from end: records that come after the end need a topic; a capture file has none (--from -<n> reads its last records)".into(),
                )
            }
        }
        match until {
            None | Some(Stop::End) => {}
            Some(Stop::Offset(o)) => w.max_offset = Some(o),
            Some(Stop::Time(t)) => w.until_ms = Some(t),
            Some(Stop::BeforeLast(n)) => w.before_last = Some(n),
        }
        Ok(w)
    }

    /// The window for stdin: a file's, without the forms that need a second reading.
    pub fn for_stdin(from: Option<Start>, until: Option<Stop>) -> Result<Window, String> {
        let w = Window::for_file(from, until)?;
        if w.counts_partitions() {
            return Err("--from -<n> and --until -<n> count each partition's records to the end: a topic or a capture file can be read twice for that, stdin cannot (save it to a file first)".into());
        }
        Ok(w)
    }

    /// Only these partitions (`-p`); `None` keeps every one.
    pub fn with_partitions(mut self, partitions: Option<Vec<i32>>) -> Window {
        self.partitions = partitions;
        self
    }

    /// Whether the window needs each partition's record count (a first reading).
    pub fn counts_partitions(&self) -> bool {
        self.last.is_some() || self.before_last.is_some()
    }

    /// Whether a record with this partition, offset and timestamp is inside the window (the
    /// per-partition counts aside: see [`Window::admits_nth`]).
    pub fn admits(&self, partition: i32, offset: i64, ts: Option<i64>) -> bool {
        self.partitions
            .as_ref()
            .is_none_or(|p| p.contains(&partition))
            && self.min_offset.is_none_or(|m| offset >= m)
            && self.max_offset.is_none_or(|m| offset < m)
            && self.from_ms.is_none_or(|f| ts.is_some_and(|t| t >= f))
            && self.until_ms.is_none_or(|u| ts.is_some_and(|t| t < u))
    }

    /// Whether the `index`th record (from 0) of a partition that has `count` is inside
    /// `--from -<n>` and `--until -<n>`.
    pub fn admits_nth(&self, index: u64, count: u64) -> bool {
        let from_end = count.saturating_sub(index);
        self.last.is_none_or(|n| from_end <= n) && self.before_last.is_none_or(|n| from_end > n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str, window: Window) -> CaptureSource {
        CaptureSource::new(
            "t.ndjson".into(),
            Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
            Some(text.len() as u64),
            window,
        )
    }

    /// The source is at its end, and says it read all `len` bytes.
    fn ends_having_read(s: &mut CaptureSource, len: usize) {
        assert!(matches!(s.poll(Duration::ZERO).unwrap(), Poll::End));
        assert_eq!(s.progress().unwrap().done, len as u64);
    }

    #[test]
    fn bad_lines_are_reported_and_skipped() {
        let text = "{\"topic\":\"t\",\"partition\":0,\"offset\":0}\n\nnot json\r\n{\"topic\":\"t\",\"partition\":0,\"offset\":1}";
        let mut s = source(text, Window::default());
        let t = Duration::ZERO;
        assert!(matches!(s.poll(t).unwrap(), Poll::Record(r) if r.offset == 0));
        match s.poll(t).unwrap() {
            Poll::Bad { location, .. } => assert_eq!(location, "t.ndjson:3"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(s.poll(t).unwrap(), Poll::Record(r) if r.offset == 1));
        ends_having_read(&mut s, text.len());
    }

    #[test]
    fn sample_events_come_from_lines_arrays_and_whole_files() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("a.ndjson"), "{\"n\":1}\r\n\n  \n{\"n\":2}").unwrap();
        // Elements come out as they are spelled, whatever surrounds them (a byte order mark,
        // nesting, brackets in strings).
        let b = "\u{feff}[{\"n\":3}, {\"n\": 4} ,[1,[2]], \"s\\\"]\"\n]";
        std::fs::write(d.join("b.json"), b).unwrap();
        std::fs::write(d.join("c.json"), "{\n  \"n\": 5\n}\n").unwrap();
        std::fs::write(d.join("d.json"), "[{\"n\":6}, oops]").unwrap();
        std::fs::write(d.join("ignored.txt"), "{}").unwrap();
        let mut s = SampleSource::open(&[d.to_path_buf()]).unwrap();
        let mut got = Vec::new();
        loop {
            match s.poll(Duration::ZERO).unwrap() {
                Poll::Record(r) => got.push((
                    r.topic.rsplit('/').next().unwrap().to_string(),
                    Some(r.origin),
                    r.offset,
                    String::from_utf8(r.value.unwrap()).unwrap(),
                )),
                Poll::Bad { location, .. } => got.push((location, None, 0, "bad".into())),
                Poll::End => break,
                Poll::Idle => unreachable!(),
            }
        }
        let name = |f: &str| d.join(f).display().to_string();
        let line = Some(Origin::SampleLine);
        let element = Some(Origin::SampleElement);
        assert_eq!(
            got,
            [
                ("a.ndjson".into(), line, 1, "{\"n\":1}".into()),
                ("a.ndjson".into(), line, 4, "{\"n\":2}".into()),
                ("b.json".into(), element, 0, "{\"n\":3}".into()),
                ("b.json".into(), element, 1, "{\"n\": 4}".into()),
                ("b.json".into(), element, 2, "[1,[2]]".into()),
                ("b.json".into(), element, 3, "\"s\\\"]\"".into()),
                ("c.json".into(), line, 1, "{\n  \"n\": 5\n}\n".into()),
                (name("d.json"), None, 0, "bad".into()),
            ]
        );
        let p = s.progress().unwrap();
        assert_eq!(p.done, p.total);
        assert!(SampleSource::open(&[d.join("nothing")]).is_err());
    }

    #[test]
    fn capture_files_are_told_from_events_by_their_first_line() {
        let dir = tempfile::tempdir().unwrap();
        let cap = dir.path().join("c.ndjson");
        std::fs::write(&cap, "\n{\"topic\":\"t\",\"partition\":0,\"offset\":1}\n").unwrap();
        let ev = dir.path().join("e.ndjson");
        std::fs::write(&ev, "{\"data\":{\"id\":1}}\n").unwrap();
        assert_eq!(sniff(&cap).unwrap(), FileKind::Capture);
        assert_eq!(sniff(&ev).unwrap(), FileKind::Events);
        assert_eq!(sniff(dir.path()).unwrap(), FileKind::Events);
    }

    #[test]
    fn window_filters_by_offset_and_time() {
        let line = |o: i64, ts: i64| {
            format!("{{\"topic\":\"t\",\"partition\":0,\"offset\":{o},\"timestamp\":{ts}}}\n")
        };
        let text: String = (0..10).map(|i| line(i, 1000 + i)).collect();
        let w = Window::for_file(Some(Start::Time(1003)), Some(Stop::Offset(6))).unwrap();
        let mut s = source(&text, w);
        let mut got = vec![];
        while let Poll::Record(r) = s.poll(Duration::ZERO).unwrap() {
            got.push(r.offset);
        }
        assert_eq!(got, vec![3, 4, 5]);
        assert_eq!(s.skipped(), 7);
        assert!(Window::for_file(Some(Start::End), None).is_err());
    }

    #[test]
    fn a_line_too_long_is_a_bad_line_and_the_next_one_is_read() {
        let line = |o: i64| format!("{{\"topic\":\"t\",\"partition\":0,\"offset\":{o}}}\n");
        let long = format!("{{\"topic\":\"{}\"}}\n", "x".repeat(200));
        let text = format!("{}{long}{}", line(0), line(2));
        let mut s = source(&text, Window::default());
        s.lines.max = 100;
        let t = Duration::ZERO;
        assert!(matches!(s.poll(t).unwrap(), Poll::Record(r) if r.offset == 0));
        match s.poll(t).unwrap() {
            Poll::Bad { location, reason } => {
                assert_eq!(location, "t.ndjson:2");
                assert_eq!(reason, "a line longer than 100 bytes: skipped");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(s.poll(t).unwrap(), Poll::Record(r) if r.offset == 2));
        ends_having_read(&mut s, text.len());
    }

    #[test]
    fn window_keeps_partitions_and_counts_from_each_partitions_end() {
        let w = Window::default().with_partitions(Some(vec![1, 2]));
        assert!(w.admits(1, 0, None) && !w.admits(0, 0, None));
        let last = Window::for_file(Some(Start::Last(2)), None).unwrap();
        let kept: Vec<u64> = (0..5).filter(|i| last.admits_nth(*i, 5)).collect();
        assert_eq!(kept, vec![3, 4]);
        let before = Window::for_file(None, Some(Stop::BeforeLast(2))).unwrap();
        let kept: Vec<u64> = (0..5).filter(|i| before.admits_nth(*i, 5)).collect();
        assert_eq!(kept, vec![0, 1, 2]);
        let both = Window::for_file(Some(Start::Last(3)), Some(Stop::BeforeLast(1))).unwrap();
        let kept: Vec<u64> = (0..5).filter(|i| both.admits_nth(*i, 5)).collect();
        assert_eq!(kept, vec![2, 3]);
        assert!(Window::for_stdin(Some(Start::Last(2)), None).is_err());
        assert!(Window::for_stdin(None, Some(Stop::BeforeLast(2))).is_err());
        assert!(Window::for_stdin(Some(Start::Offset(2)), None).is_ok());
    }
}
