//! The shared event envelope: where an event's type and id live. By default the house envelope
//! `{"data":{"id","type","attributes":{...}},"meta":{...}}` (type at `data.type`, id at `data.id`
//! or `data.attributes.id`), and CloudEvents (`type`, `id`) when the event says `specversion`.
//! Paths are dot-separated names; a `*` in a name matches any run of characters, so
//! `data.attributes.*_id` reaches every `user_id`, `author_id`, ... Pure.

use serde_json::Value;

use crate::codec::project::{glob, Trie};

/// A dot path into a JSON value, e.g. `data.attributes.*_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path(pub Vec<String>);

impl Path {
    pub fn parse(s: &str) -> Result<Path, String> {
        let s = s.strip_prefix('.').unwrap_or(s);
        if s.is_empty() || s.split('.').any(str::is_empty) {
            return Err(format!(
                "'{s}' is not a path: names separated by dots, such as data.type or data.attributes.*_id"
            ));
        }
        Ok(Path(s.split('.').map(str::to_string).collect()))
    }

    /// Every value at this path (several when a name has a `*`).
    pub fn values<'v>(&self, v: &'v Value, out: &mut Vec<&'v Value>) {
        walk(&self.0, v, out);
    }
}

impl std::fmt::Display for Path {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join("."))
    }
}

fn walk<'v>(names: &[String], v: &'v Value, out: &mut Vec<&'v Value>) {
    let Some((name, rest)) = names.split_first() else {
        out.push(v);
        return;
    };
    let Value::Object(m) = v else { return };
    if name.contains('*') {
        for (k, child) in m {
            if glob(name, k) {
                walk(rest, child, out);
            }
        }
    } else if let Some(child) = m.get(name) {
        walk(rest, child, out);
    }
}

/// Which fields name an event's type and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// `None`: the default (house envelope, or CloudEvents when detected).
    pub type_paths: Option<Vec<Path>>,
    pub id_paths: Option<Vec<Path>>,
    /// `trace`: ids are also looked for in every `*_id` / `*Id` attribute, so that all events
    /// that mention the entity are found, not only the ones about it.
    pub mentions: bool,
}

fn paths(list: &[&str]) -> Vec<Path> {
    list.iter()
        .map(|p| Path::parse(p).expect("built-in paths parse"))
        .collect()
}

/// Whether the event is a CloudEvent (structured JSON mode).
fn is_cloudevent(v: &Value) -> bool {
    is_cloud(v.get("specversion"))
}

impl Envelope {
    /// Every place the type and id may be read from, for a projected decode of the value.
    pub fn trie(&self) -> Trie {
        let mut t = Trie::new();
        for p in self.all_paths() {
            t.add(&p.0);
        }
        t
    }

    /// Every path the envelope may read, `specversion` first.
    pub fn all_paths(&self) -> Vec<Path> {
        let mut all = paths(&["specversion"]);
        for cloud in [false, true] {
            for p in self
                .type_paths(cloud)
                .into_iter()
                .chain(self.id_paths(cloud))
            {
                if !all.contains(&p) {
                    all.push(p);
                }
            }
        }
        all
    }

    /// Whether a path has a `*` glob (those need the tree walk).
    pub fn has_globs(&self) -> bool {
        self.all_paths()
            .iter()
            .any(|p| p.0.iter().any(|n| n.contains('*')))
    }

    pub fn type_paths(&self, cloud: bool) -> Vec<Path> {
        if let Some(p) = &self.type_paths {
            return p.clone();
        }
        if cloud {
            paths(&["type"])
        } else {
            paths(&["data.type"])
        }
    }

    pub fn id_paths(&self, cloud: bool) -> Vec<Path> {
        if let Some(p) = &self.id_paths {
            return p.clone();
        }
        match (cloud, self.mentions) {
            (true, false) => paths(&["id"]),
            (true, true) => paths(&["id", "subject", "data.id", "data.*_id", "data.*Id"]),
            (false, false) => paths(&["data.id", "data.attributes.id"]),
            (false, true) => paths(&[
                "data.id",
                "data.attributes.id",
                "data.attributes.*_id",
                "data.attributes.*Id",
            ]),
        }
    }

    /// The event type, when there is one (the first string at a type path).
    pub fn event_type<'v>(&self, v: &'v Value) -> Option<&'v str> {
        self.event_type_at(is_cloudevent(v), &mut |p| walk_path(p, v))
    }

    /// Whether any id field equals `id` (a string, or a number written the same way).
    pub fn has_id(&self, v: &Value, ids: &[String]) -> bool {
        self.has_id_at(is_cloudevent(v), &mut |p| walk_path(p, v), ids)
    }

    /// [`Envelope::event_type`], reading the values at a path through `at`.
    pub fn event_type_at<'v>(
        &self,
        cloud: bool,
        at: &mut dyn FnMut(&Path) -> Vec<&'v Value>,
    ) -> Option<&'v str> {
        self.type_paths(cloud)
            .iter()
            .flat_map(at)
            .find_map(Value::as_str)
    }

    /// [`Envelope::has_id`], reading the values at a path through `at`.
    pub fn has_id_at<'v>(
        &self,
        cloud: bool,
        at: &mut dyn FnMut(&Path) -> Vec<&'v Value>,
        ids: &[String],
    ) -> bool {
        self.id_paths(cloud)
            .iter()
            .flat_map(at)
            .any(|f| ids.iter().any(|id| same(f, id)))
    }
}

/// Every value at a path of a JSON tree.
pub fn walk_path<'v>(p: &Path, v: &'v Value) -> Vec<&'v Value> {
    let mut out = Vec::new();
    p.values(v, &mut out);
    out
}

/// Whether a value is a CloudEvent (structured JSON mode): it says `specversion`.
pub fn is_cloud(specversion: Option<&Value>) -> bool {
    specversion.is_some_and(Value::is_string)
}

/// A JSON scalar equals text: strings by content, numbers by their JSON form (`1234` = "1234").
pub fn same(v: &Value, text: &str) -> bool {
    match v {
        Value::String(s) => s == text,
        Value::Number(n) => n.to_string() == text,
        Value::Bool(b) => text == if *b { "true" } else { "false" },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn default() -> Envelope {
        Envelope {
            type_paths: None,
            id_paths: None,
            mentions: false,
        }
    }

    #[test]
    fn house_envelope() {
        let v =
            json!({"data":{"id":"a-1","type":"article_published","attributes":{"user_id":"u-1"}}});
        assert_eq!(default().event_type(&v), Some("article_published"));
        assert!(default().has_id(&v, &["a-1".into()]));
        assert!(!default().has_id(&v, &["u-1".into()]));
        let trace = Envelope {
            mentions: true,
            ..default()
        };
        assert!(trace.has_id(&v, &["u-1".into()]));
        let by_attr = json!({"data":{"type":"x","attributes":{"id":77}}});
        assert!(default().has_id(&by_attr, &["77".into()]));
    }

    #[test]
    fn cloudevents_are_detected() {
        let v = json!({"specversion":"1.0","type":"com.shop.order.placed","id":"e-9","source":"/shop","subject":"u-1","data":{"order_id":"o-1"}});
        assert_eq!(default().event_type(&v), Some("com.shop.order.placed"));
        assert!(default().has_id(&v, &["e-9".into()]));
        let trace = Envelope {
            mentions: true,
            ..default()
        };
        assert!(trace.has_id(&v, &["u-1".into()]));
        assert!(trace.has_id(&v, &["o-1".into()]));
    }

    #[test]
    fn configured_paths_win() {
        let env = Envelope {
            type_paths: Some(vec![Path::parse("event.name").unwrap()]),
            id_paths: Some(vec![Path::parse(".event.*Id").unwrap()]),
            mentions: false,
        };
        let v = json!({"event":{"name":"OrderPlaced","orderId":5,"data":{"type":"no"}}});
        assert_eq!(env.event_type(&v), Some("OrderPlaced"));
        assert!(env.has_id(&v, &["5".into()]));
        assert!(Path::parse("a..b").is_err());
        assert!(Path::parse("").is_err());
    }

    #[test]
    fn globs() {
        assert!(glob("*_id", "user_id"));
        assert!(!glob("*_id", "user_ids"));
        assert!(glob("a*b*c", "aXbYc"));
        assert!(!glob("a*b*c", "ac"));
        assert!(glob("*", ""));
    }
}
