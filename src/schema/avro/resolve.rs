//! Plans: what the decoder does, step by step, to read a datum. A schema read as itself is a
//! plan of plain reading steps (one per node); Avro schema resolution, reading data written
//! with one schema (the writer's) as another (the reader's), adds promotions, string and bytes,
//! fields added with defaults or dropped, enum symbols mapped, unions. Planned once per pair of
//! schemas; what cannot be read becomes a step that fails only when a datum gets there.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::tree::{BytesAs, Fixed, FixedAs, Node, Tree};

#[derive(Debug)]
pub(super) struct Plan {
    pub(super) writer: Arc<Tree>,
    pub(super) reader: Arc<Tree>,
    pub(super) steps: Vec<Step>,
    pub(super) root: usize,
}

/// One thing the decoder does where a value starts in the datum. The steps that read a value
/// as it was written mirror the tree's node kinds, each with what it needs at hand (the
/// decoder walks steps only: looking up the node behind each value cost a tenth of the
/// decoding time).
#[derive(Debug)]
pub(super) enum Step {
    /// Nothing to read.
    Null,
    /// One byte, 0 or 1.
    Boolean,
    /// A zigzag varint that must fit 32 bits.
    Int,
    /// A zigzag varint.
    Long,
    /// Four bytes, little-endian.
    Float,
    /// Eight bytes, little-endian.
    Double,
    /// A length and that many bytes (bytes or a string were written), shown as bytes are.
    Bytes(BytesAs),
    /// A length and that many bytes of UTF-8 (a string or bytes were written).
    String,
    /// `size` bytes.
    Fixed {
        size: usize,
        view: FixedAs,
    },
    /// The datum cannot be read this way.
    Fail(String),
    Promote(Promote),
    Record {
        /// The reader's record node.
        reader: usize,
        /// The record's JSON object, every key with a null value: cloning it copies the key
        /// hashes, so a decode fills values in place instead of hashing every field name again
        /// (a third of the decoding time went to hashing and inserting).
        template: Map<String, Value>,
        fields: Fields,
    },
    /// Writer enum index → the reader's symbol, or why not.
    Enum(Vec<Result<String, String>>),
    Array {
        item: usize,
        width: usize,
    },
    Map {
        value: usize,
        width: usize,
    },
    /// A step per writer branch.
    Union(Vec<usize>),
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Promote {
    IntToLong,
    IntToFloat,
    IntToDouble,
    LongToFloat,
    LongToDouble,
    FloatToDouble,
}

/// How a record's fields are read.
#[derive(Debug)]
pub(super) enum Fields {
    /// The step of each reader field, in the reader's order: the writer wrote exactly those.
    InOrder(Vec<usize>),
    /// The writer's fields, each read into a reader field or skipped; the reader's other
    /// fields take their defaults.
    Resolved {
        reads: Vec<FieldRead>,
        /// A reader field the writer lacks and that has no default.
        missing: Option<(String, String)>,
    },
}

#[derive(Debug)]
pub(super) enum FieldRead {
    Skip { node: usize, name: String },
    Read { step: usize, slot: usize },
}

pub(super) struct Planner<'t> {
    pub(super) w: &'t Tree,
    pub(super) r: &'t Tree,
    pub(super) steps: Vec<Step>,
    pub(super) memo: HashMap<(usize, usize), usize>,
    /// The reading step of each reader node already planned.
    pub(super) reading: HashMap<usize, usize>,
    pub(super) same_known: HashMap<(usize, usize), bool>,
    pub(super) same_open: Vec<(usize, usize)>,
    /// "Same" answers found while a comparison is still open: they may rest on the open
    /// pairs' assumption, which holds if and only if the outermost answer is yes (any "no"
    /// on the way makes every pair above it "no"). Kept for that one query, so that a type
    /// referenced many times is compared once.
    pub(super) same_tentative: HashMap<(usize, usize), bool>,
}

impl Plan {
    /// The plan for reading data written with `writer` as `reader`.
    pub(super) fn build(writer: Arc<Tree>, reader: Arc<Tree>) -> Plan {
        let (steps, root) = {
            let mut p = Planner::new(&writer, &reader);
            let root = p.step(writer.root, reader.root);
            (p.steps, root)
        };
        Plan {
            writer,
            reader,
            steps,
            root,
        }
    }

    /// The plan for reading data written with `tree` as itself.
    pub(super) fn reading(tree: Arc<Tree>) -> Plan {
        let (steps, root) = {
            let mut p = Planner::new(&tree, &tree);
            let root = p.reading(tree.root);
            (p.steps, root)
        };
        Plan {
            writer: tree.clone(),
            reader: tree,
            steps,
            root,
        }
    }
}
impl<'t> Planner<'t> {
    fn new(w: &'t Tree, r: &'t Tree) -> Planner<'t> {
        Planner {
            w,
            r,
            steps: Vec::new(),
            memo: HashMap::new(),
            reading: HashMap::new(),
            same_known: HashMap::new(),
            same_open: Vec::new(),
            same_tentative: HashMap::new(),
        }
    }

    pub(super) fn push(&mut self, s: Step) -> usize {
        self.steps.push(s);
        self.steps.len() - 1
    }

    pub(super) fn step(&mut self, w: usize, r: usize) -> usize {
        if let Some(&s) = self.memo.get(&(w, r)) {
            return s;
        }
        // Two decimals match only with the same precision and scale (the specification):
        // reading 12.34 at another scale would show another number.
        if let (Some(a), Some(b)) = (
            decimal_type(&self.w.nodes[w]),
            decimal_type(&self.r.nodes[r]),
        ) {
            if a != b {
                let s = self.push(Step::Fail(format!(
                    "a decimal({}, {}) was written; the reader's decimal({}, {}) has another precision or scale",
                    a.0, a.1, b.0, b.1
                )));
                self.memo.insert((w, r), s);
                return s;
            }
        }
        if self.same(w, r) {
            let s = self.reading(r);
            self.memo.insert((w, r), s);
            return s;
        }
        // A writer that is not a union read by a reader's union: the branch it resolves to.
        if let (false, Node::Union(rb)) =
            (matches!(self.w.nodes[w], Node::Union(_)), &self.r.nodes[r])
        {
            let s = match best_branch(self.w, w, self.r, rb) {
                Some(b) => self.step(w, b),
                None => self.push(Step::Fail(format!(
                    "the writer's {} matches no branch of the reader's union {}",
                    self.w.describe(w),
                    self.r.describe(r)
                ))),
            };
            self.memo.insert((w, r), s);
            return s;
        }
        // Reserve the step before recursing, so a recursive type finds it.
        let id = self.push(Step::Fail(String::new()));
        self.memo.insert((w, r), id);
        let step = match (&self.w.nodes[w], &self.r.nodes[r]) {
            (Node::Union(wb), _) => {
                let wb = wb.clone();
                Step::Union(wb.iter().map(|&b| self.step(b, r)).collect())
            }
            (Node::Int, Node::Long) => Step::Promote(Promote::IntToLong),
            (Node::Int, Node::Float) => Step::Promote(Promote::IntToFloat),
            (Node::Int, Node::Double) => Step::Promote(Promote::IntToDouble),
            (Node::Long, Node::Float) => Step::Promote(Promote::LongToFloat),
            (Node::Long, Node::Double) => Step::Promote(Promote::LongToDouble),
            (Node::Float, Node::Double) => Step::Promote(Promote::FloatToDouble),
            (Node::Array(wi), Node::Array(ri)) => {
                let (wi, ri) = (*wi, *ri);
                Step::Array {
                    item: self.step(wi, ri),
                    width: self.w.min_width[wi],
                }
            }
            (Node::Map(wv), Node::Map(rv)) => {
                let (wv, rv) = (*wv, *rv);
                Step::Map {
                    value: self.step(wv, rv),
                    width: self.w.min_width[wv].saturating_add(1),
                }
            }
            (Node::Enum(we), Node::Enum(re)) if re.named.reads(&we.named) => Step::Enum(
                we.symbols
                    .iter()
                    .map(|s| {
                        if re.symbols.contains(s) {
                            Ok(s.clone())
                        } else if let Some(d) = re.default {
                            Ok(re.symbols[d].clone())
                        } else {
                            Err(format!(
                                "symbol {s:?} is not in the reader's enum {} ({}), which has no default",
                                re.named.full,
                                re.symbols.join(", ")
                            ))
                        }
                    })
                    .collect(),
            ),
            (Node::Record(wr), Node::Record(rr)) if rr.named.reads(&wr.named) => {
                self.record(w, r)
            }
            (Node::Fixed(wf), Node::Fixed(rf)) if rf.named.reads(&wf.named) => Step::Fail(format!(
                "the writer's fixed {} has {} bytes, the reader's {}",
                wf.named.full, wf.size, rf.size
            )),
            _ => Step::Fail(format!(
                "the writer's {} cannot be read as {}",
                self.w.describe(w),
                self.r.describe(r)
            )),
        };
        self.steps[id] = step;
        id
    }

    /// The step that reads the reader's node `r` where the writer's encoding is the reader's.
    fn reading(&mut self, r: usize) -> usize {
        if let Some(&s) = self.reading.get(&r) {
            return s;
        }
        // Reserve the step before recursing, so a recursive type finds it.
        let id = self.push(Step::Fail(String::new()));
        self.reading.insert(r, id);
        let t = self.r;
        let step = match &t.nodes[r] {
            Node::Null => Step::Null,
            Node::Boolean => Step::Boolean,
            Node::Int => Step::Int,
            Node::Long => Step::Long,
            Node::Float => Step::Float,
            Node::Double => Step::Double,
            Node::Bytes(view) => Step::Bytes(*view),
            Node::String { .. } => Step::String,
            Node::Fixed(f) => Step::Fixed {
                size: f.size,
                view: f.view,
            },
            Node::Enum(e) => Step::Enum(e.symbols.iter().cloned().map(Ok).collect()),
            Node::Array(item) => Step::Array {
                item: self.reading(*item),
                width: t.min_width[*item],
            },
            Node::Map(value) => Step::Map {
                value: self.reading(*value),
                width: t.min_width[*value].saturating_add(1),
            },
            Node::Union(branches) => {
                Step::Union(branches.iter().map(|&b| self.reading(b)).collect())
            }
            Node::Record(rec) => Step::Record {
                reader: r,
                template: rec.template.clone(),
                fields: Fields::InOrder(rec.fields.iter().map(|f| self.reading(f.node)).collect()),
            },
        };
        self.steps[id] = step;
        id
    }

    pub(super) fn record(&mut self, w: usize, r: usize) -> Step {
        let (Node::Record(wr), Node::Record(rr)) = (&self.w.nodes[w], &self.r.nodes[r]) else {
            return Step::Fail("internal: not records".into());
        };
        let mut matched = vec![false; rr.fields.len()];
        let mut plan = Vec::with_capacity(wr.fields.len());
        for wf in &wr.fields {
            let slot = rr
                .fields
                .iter()
                .position(|rf| rf.name == wf.name)
                .or_else(|| {
                    rr.fields
                        .iter()
                        .position(|rf| rf.aliases.contains(&wf.name))
                });
            match slot {
                Some(slot) if !matched[slot] => {
                    matched[slot] = true;
                    plan.push((wf.node, Some((rr.fields[slot].node, slot)), wf.name.clone()));
                }
                _ => plan.push((wf.node, None, wf.name.clone())),
            }
        }
        let missing = rr
            .fields
            .iter()
            .zip(&matched)
            .find(|(f, m)| !**m && f.default.is_none())
            .map(|(f, _)| {
                (
                    f.name.clone(),
                    format!(
                        "field '{}' is not in the writer's schema and the reader's gives no default",
                        f.name
                    ),
                )
            });
        let reads: Vec<FieldRead> = plan
            .into_iter()
            .map(|(wn, target, name)| match target {
                Some((rn, slot)) => FieldRead::Read {
                    step: self.step(wn, rn),
                    slot,
                },
                None => FieldRead::Skip { node: wn, name },
            })
            .collect();
        let in_order = reads.len() == rr.fields.len()
            && reads
                .iter()
                .enumerate()
                .all(|(i, read)| matches!(read, FieldRead::Read { slot, .. } if *slot == i));
        let fields = if in_order {
            let steps = reads.iter().filter_map(|read| match read {
                FieldRead::Read { step, .. } => Some(*step),
                FieldRead::Skip { .. } => None,
            });
            Fields::InOrder(steps.collect())
        } else {
            Fields::Resolved { reads, missing }
        };
        Step::Record {
            reader: r,
            template: rr.template.clone(),
            fields,
        }
    }

    /// Whether the writer's encoding is exactly the reader's, so the reader's node can decode
    /// it (string and bytes share theirs). Recursive pairs being compared are assumed equal;
    /// only answers that did not lean on such an assumption are remembered as "equal" (a
    /// "different" answer holds regardless).
    pub(super) fn same(&mut self, w: usize, r: usize) -> bool {
        if let Some(&b) = self
            .same_known
            .get(&(w, r))
            .or_else(|| self.same_tentative.get(&(w, r)))
        {
            return b;
        }
        if self.same_open.contains(&(w, r)) {
            return true;
        }
        self.same_open.push((w, r));
        let decimals_differ = matches!(
            (decimal_type(&self.w.nodes[w]), decimal_type(&self.r.nodes[r])),
            (Some(a), Some(b)) if a != b
        );
        let b = match (&self.w.nodes[w], &self.r.nodes[r]) {
            _ if decimals_differ => false,
            (Node::Null, Node::Null)
            | (Node::Boolean, Node::Boolean)
            | (Node::Int, Node::Int)
            | (Node::Long, Node::Long)
            | (Node::Float, Node::Float)
            | (Node::Double, Node::Double) => true,
            (Node::Bytes(_) | Node::String { .. }, Node::Bytes(_) | Node::String { .. }) => true,
            (Node::Fixed(a), Node::Fixed(b)) => a.size == b.size && b.named.reads(&a.named),
            (Node::Enum(a), Node::Enum(b)) => a.symbols == b.symbols && b.named.reads(&a.named),
            (Node::Array(a), Node::Array(b)) | (Node::Map(a), Node::Map(b)) => self.same(*a, *b),
            (Node::Union(a), Node::Union(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(&a, &b)| self.same(a, b))
            }
            (Node::Record(a), Node::Record(b)) => {
                b.named.reads(&a.named)
                    && a.fields.len() == b.fields.len()
                    && a.fields
                        .iter()
                        .zip(&b.fields)
                        .all(|(x, y)| x.name == y.name && self.same(x.node, y.node))
            }
            _ => false,
        };
        self.same_open.pop();
        if !b {
            self.same_known.insert((w, r), b);
        } else if self.same_open.is_empty() {
            self.same_known.insert((w, r), b);
            let found: Vec<_> = self.same_tentative.drain().collect();
            self.same_known.extend(found);
        } else {
            self.same_tentative.insert((w, r), b);
        }
        if !b && self.same_open.is_empty() {
            self.same_tentative.clear();
        }
        b
    }
}

/// A decimal's precision and scale, for bytes and fixed decimals.
pub(crate) fn decimal_type(n: &Node) -> Option<(usize, usize)> {
    match n {
        Node::Bytes(BytesAs::Decimal { precision, scale })
        | Node::Fixed(Fixed {
            view: FixedAs::Decimal { precision, scale },
            ..
        }) => Some((*precision, *scale)),
        _ => None,
    }
}

/// The reader's union branch that a writer's (non-union) type resolves to: the first of the
/// same type (same name, for named types), else the first it promotes to.
pub(crate) fn best_branch(w: &Tree, wid: usize, r: &Tree, branches: &[usize]) -> Option<usize> {
    let exact = branches
        .iter()
        .copied()
        .find(|&b| match (&w.nodes[wid], &r.nodes[b]) {
            (Node::Record(x), Node::Record(y)) => y.named.reads(&x.named),
            (Node::Enum(x), Node::Enum(y)) => y.named.reads(&x.named),
            (Node::Fixed(x), Node::Fixed(y)) => y.named.reads(&x.named),
            (Node::Bytes(_), Node::Bytes(_))
            | (Node::String { .. }, Node::String { .. })
            | (Node::Null, Node::Null)
            | (Node::Boolean, Node::Boolean)
            | (Node::Int, Node::Int)
            | (Node::Long, Node::Long)
            | (Node::Float, Node::Float)
            | (Node::Double, Node::Double)
            | (Node::Array(_), Node::Array(_))
            | (Node::Map(_), Node::Map(_)) => true,
            _ => false,
        });
    exact.or_else(|| {
        branches.iter().copied().find(|&b| {
            matches!(
                (&w.nodes[wid], &r.nodes[b]),
                (Node::Int, Node::Long | Node::Float | Node::Double)
                    | (Node::Long, Node::Float | Node::Double)
                    | (Node::Float, Node::Double)
                    | (Node::String { .. }, Node::Bytes(_))
                    | (Node::Bytes(_), Node::String { .. })
            )
        })
    })
}
