//! Counting a batch of handed-over records by group at the cost of their group *bytes*
//! ([`FieldGrouper::key`]: the event type's JSON text as spelled, the key's bytes, ...) rather
//! than of the group itself: records are sorted by those bytes into the groups already met, and
//! each group of the batch is counted once, with all its records' times and sizes. Building the
//! group texts (unescaping, copying) and hashing them per record cost about as much as the
//! validating walk that finds the type. Pure.

use hashbrown::HashMap;

use super::group::FieldGrouper;
use super::handoff::Batch;

/// Groups remembered at most; past that (or past [`MAX_BYTES`]) the memo starts again. It pays
/// where few groups recur (event types); between batches it keeps room for at most [`KEEP`]
/// records of each group.
const MAX: usize = 4096;

/// Bytes of group bytes and texts remembered at most, beside what the counts hold anyway: the
/// memo's memory stays within a few megabytes whatever the groups.
const MAX_BYTES: usize = 1 << 20;

/// Group bytes longer than this (a 20 KB key) are not remembered: such a record is counted
/// directly.
const LONG: usize = 1024;

/// Records of one group the memo keeps room for between batches.
const KEEP: usize = 16;

/// The groups met so far, by their bytes, and the records of the batch being counted.
#[derive(Default)]
pub struct Memo {
    ids: HashMap<Vec<u8>, u32>,
    groups: Vec<Vec<String>>,
    /// Per group: the times and sizes of its records in this batch.
    pending: Vec<Vec<(Option<i64>, u64)>>,
    /// The groups with records in this batch.
    touched: Vec<u32>,
    key: Vec<u8>,
    /// Bytes of group bytes and texts remembered.
    held: usize,
    /// Set once a batch had more groups than a quarter of its records (`--by key` over a busy
    /// topic): then the memo only adds a lookup per record, and records are counted directly.
    off: bool,
}

impl Memo {
    /// A memo for `grouper`'s groups; off from the start when it cannot give their bytes (each
    /// value would be walked twice).
    pub fn new(grouper: &FieldGrouper) -> Memo {
        Memo {
            off: !grouper.has_keys(),
            ..Memo::default()
        }
    }

    /// Count every record of `batch`: `add(group, records)` with each group's times and sizes,
    /// once per group (more than once when several spellings share a group).
    pub fn count(
        &mut self,
        batch: &Batch,
        grouper: &mut FieldGrouper,
        add: &mut impl FnMut(&[String], &[(Option<i64>, u64)]),
    ) {
        if self.off {
            batch.each(|f, ts, size| add(grouper.group(f), &[(ts, size)]));
            return;
        }
        batch.each(|f, ts, size| {
            if !grouper.key(f, &mut self.key) || self.key.len() > LONG {
                add(grouper.group(f), &[(ts, size)]);
                return;
            }
            let id = match self.ids.get(self.key.as_slice()) {
                Some(&id) => id as usize,
                None => {
                    let id = self.groups.len();
                    let group = grouper.group(f).to_vec();
                    self.held += self.key.len() + group.iter().map(String::len).sum::<usize>();
                    self.ids.insert(self.key.clone(), id as u32);
                    self.groups.push(group);
                    self.pending.push(Vec::new());
                    id
                }
            };
            if self.pending[id].is_empty() {
                self.touched.push(id as u32);
            }
            self.pending[id].push((ts, size));
        });
        let many = self.touched.len() > batch.len() / 4;
        for &id in &self.touched {
            let records = &mut self.pending[id as usize];
            add(&self.groups[id as usize], records);
            records.clear();
            records.shrink_to(KEEP);
        }
        self.touched.clear();
        if many || self.ids.len() > MAX || self.held > MAX_BYTES {
            *self = Memo {
                off: many,
                ..Memo::default()
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::envelope::Envelope;
    use crate::record::{Origin, Record, Timestamp};
    use crate::stats::group::{By, Fields, Grouper};
    use crate::stats::{Counts, Grid};
    use std::sync::Arc;

    fn batch(values: &[(&str, &[u8], i64)]) -> Batch {
        let mut b = Batch::default();
        for &(value, key, ts) in values {
            b.push(&Record {
                topic: Arc::from("views"),
                partition: 1,
                offset: 0,
                origin: Origin::Partition,
                timestamp: Timestamp::Create(ts),
                key: Some(key.to_vec()),
                value: Some(value.as_bytes().to_vec()),
                headers: Vec::new(),
            });
        }
        b
    }

    fn grouper(bys: &[&str]) -> FieldGrouper {
        let envelope = Envelope {
            type_paths: None,
            id_paths: None,
            mentions: false,
        };
        let bys = bys.iter().map(|b| By::parse(b).expect("a --by")).collect();
        Grouper::new(bys, envelope, crate::codec::Codecs::default())
            .fields_only()
            .expect("fields only")
    }

    /// The counts through the memo, and record by record.
    fn both(bys: &[&str], batches: &[Batch]) -> (Counts, Counts) {
        let grid = Grid::ending_at(100_000, 100_000, 10_000);
        let (mut memo_counts, mut direct) = (Counts::new(grid, None), Counts::new(grid, None));
        let (mut g, mut memo) = (grouper(bys), Memo::default());
        for b in batches {
            memo.count(b, &mut g, &mut |group, records| {
                memo_counts.add_all(group, records);
            });
            b.each(|f: Fields, ts, size| direct.add(g.group(f), ts, 1, size));
        }
        (memo_counts, direct)
    }

    #[test]
    fn the_memo_counts_what_each_record_counts() {
        let types = || {
            batch(&[
                (r#"{"data":{"type":"a"}}"#, b"k1", 5_000),
                (r#"{"data":{"type":"\u0061"}}"#, b"k2", 15_000),
                (r#"{"data":{"type":"b"}}"#, b"k1", 95_000),
                (r#"{"data":{"type":7}}"#, b"k1", 95_000),
                ("not json", b"k3", 25_000),
                (r#"{"data":{"type":"a"}}"#, b"k1", 200_000),
                (r#"{"data":{"type":"b"}}    "#, b"k2", 45_000),
            ])
        };
        for bys in [&["type"][..], &["type", "key"], &["key", "partition"]] {
            let (memo, direct) = both(bys, &[types(), types()]);
            assert_eq!(memo.groups, direct.groups);
            assert_eq!(memo.first_ms, direct.first_ms);
        }
    }

    /// A batch of more groups than a quarter of its records turns the memo off; the counts
    /// stay the same.
    #[test]
    fn many_groups_turn_the_memo_off() {
        let keys: Vec<Vec<u8>> = (0..40).map(|i| format!("k{i}").into_bytes()).collect();
        let rows: Vec<(&str, &[u8], i64)> = keys
            .iter()
            .map(|k| (r#"{"data":{"type":"a"}}"#, k.as_slice(), 50_000))
            .collect();
        let mut memo = Memo::default();
        let mut g = grouper(&["key"]);
        memo.count(&batch(&rows), &mut g, &mut |_, _| {});
        assert!(memo.off && memo.ids.is_empty());
        let (memo, direct) = both(&["key"], &[batch(&rows), batch(&rows)]);
        assert_eq!(memo.groups, direct.groups);
        assert_eq!(memo.groups.len(), 40);
    }

    /// Long group bytes are counted directly, not remembered (sweep: 4,000 keys of 20 KB held
    /// twice over); the counts stay the same.
    #[test]
    fn long_group_bytes_are_not_remembered() {
        let long = vec![b'k'; LONG + 1];
        let short = b"k".to_vec();
        let rows: Vec<(&str, &[u8], i64)> = (0..40)
            .map(|i| {
                let key = if i % 2 == 0 { &long } else { &short };
                (r#"{"data":{"type":"a"}}"#, key.as_slice(), 50_000)
            })
            .collect();
        let mut memo = Memo::default();
        let mut g = grouper(&["key"]);
        let mut counted = 0;
        memo.count(&batch(&rows), &mut g, &mut |_, r| counted += r.len());
        assert_eq!(counted, 40);
        assert_eq!(memo.ids.len(), 1, "only the short key is remembered");
        assert!(memo.held < 16);
        let (memo, direct) = both(&["key"], &[batch(&rows), batch(&rows)]);
        assert_eq!(memo.groups, direct.groups);
    }
}
