//! Protobuf schema compatibility, the rules Confluent's registry applies to Protobuf
//! (its `SchemaDiff`): a change is incompatible when the message at a message-index path
//! changes (framed records would be read as another type), a message disappears, a field
//! number is reused with another kind or type (only wire-compatible scalar changes pass:
//! int32/uint32/int64/uint64/bool, sint32/sint64, fixed32/sfixed32, fixed64/sfixed64,
//! string/bytes), a proto2 `required` field is added or removed, a field leaves its oneof,
//! several fields move into a new oneof or one into an existing oneof. Stricter than
//! Confluent in one place, as issue 15 asks: a removed field must have its number reserved,
//! or a later version may reuse it with another type unseen by a non-transitive check.
//! Enum values, new fields, new messages and renamed fields are compatible, as there.
//!
//! `diff(original, update)` lists what breaks readers of the original's data under the
//! update; backward is `diff(old, new)`, forward `diff(new, old)`, full both. Messages are
//! compared by full name over the root file's messages (imports are their own subjects).
//! What this does not model (extensions, groups) is an error, never a guess.

use prost_reflect::{FieldDescriptor, FileDescriptor, Kind, MessageDescriptor};

use super::{framing, ProtoError};
use crate::schema::compat::Mode;

/// Why `new` is not compatible with `old` in `mode` (empty: compatible).
pub fn protobuf(
    old: &FileDescriptor,
    new: &FileDescriptor,
    mode: Mode,
) -> Result<Vec<String>, ProtoError> {
    undecidable(old)?;
    undecidable(new)?;
    let mut out = Vec::new();
    if mode != Mode::Forward {
        out.extend(diff(old, new, "the new schema", true));
    }
    if mode != Mode::Backward {
        out.extend(diff(new, old, "the old schema", false));
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|r| seen.insert(r.clone()));
    Ok(out)
}

/// Constructs whose compatibility these rules do not decide.
fn undecidable(file: &FileDescriptor) -> Result<(), ProtoError> {
    let raw = file.file_descriptor_proto();
    let group = all_messages(file).into_iter().find_map(|m| {
        m.fields()
            .find(prost_reflect::FieldDescriptor::is_group)
            .map(|f| format!("{}.{}", m.full_name(), f.name()))
    });
    if !raw.extension.is_empty()
        || all_messages(file)
            .iter()
            .any(|m| !m.descriptor_proto().extension.is_empty())
    {
        return Err(ProtoError(format!(
            "{}: extensions are not compared; compatibility cannot be decided",
            file.name()
        )));
    }
    match group {
        Some(g) => Err(ProtoError(format!(
            "{}: group field {g} is not compared; compatibility cannot be decided",
            file.name()
        ))),
        None => Ok(()),
    }
}

/// Every message of a file, nested ones too, in declaration order.
fn all_messages(file: &FileDescriptor) -> Vec<MessageDescriptor> {
    fn walk(m: MessageDescriptor, out: &mut Vec<MessageDescriptor>) {
        let children: Vec<_> = m.child_messages().collect();
        out.push(m);
        for c in children {
            walk(c, out);
        }
    }
    let mut out = Vec::new();
    for m in file.messages() {
        walk(m, &mut out);
    }
    out
}

/// What breaks readers of `original`'s data that read with `update` (`who` names the update;
/// `newer`: the update is the newer schema, so a field it lacks was removed).
fn diff(original: &FileDescriptor, update: &FileDescriptor, who: &str, newer: bool) -> Vec<String> {
    let mut out = Vec::new();
    if original.package_name() != update.package_name() {
        out.push(format!(
            "package changed from '{}' to '{}'",
            original.package_name(),
            update.package_name()
        ));
    }
    let pool = update.parent_pool();
    for m in all_messages(original) {
        let path = framing::path_of(&m);
        match framing::resolve(update, &path) {
            Ok(u) if u.full_name() == m.full_name() => {}
            Ok(u) => out.push(format!(
                "/{}: message-index path {path:?} names {} in {who}: framed records would be read as another type",
                m.full_name(),
                u.full_name()
            )),
            Err(_) => {}
        }
        match pool.get_message_by_name(m.full_name()) {
            Some(u) => out.extend(fields(&m, &u, who, newer)),
            None => out.push(format!("/{}: message missing from {who}", m.full_name())),
        }
    }
    out
}

/// Field-level differences between two versions of a message.
fn fields(o: &MessageDescriptor, u: &MessageDescriptor, who: &str, newer: bool) -> Vec<String> {
    let mut out = Vec::new();
    let at = |f: &FieldDescriptor| format!("/{}/{} ({})", o.full_name(), f.number(), f.name());
    for f in o.fields() {
        let Some(g) = u.get_field(f.number()) else {
            if newer && !u.reserved_ranges().any(|r| r.contains(&f.number())) {
                out.push(format!(
                    "{}: field removed in {who} without reserving its number",
                    at(&f)
                ));
            }
            if f.is_required() {
                out.push(format!("{}: required field missing from {who}", at(&f)));
            }
            if real_oneof(&f).is_some() {
                out.push(format!("{}: oneof field missing from {who}", at(&f)));
            }
            continue;
        };
        if let Some(why) = kind_change(&f, &g) {
            out.push(format!("{}: {why} in {who}", at(&f)));
        }
        if f.is_required() != g.is_required() {
            let what = if g.is_required() {
                "made required"
            } else {
                "no longer required"
            };
            out.push(format!("{}: {what} in {who}", at(&f)));
        }
        if let (Some(before), after) = (real_oneof(&f), real_oneof(&g)) {
            if after.as_deref() != Some(before.as_str()) {
                out.push(format!(
                    "{}: moved out of oneof '{before}' in {who}",
                    at(&f)
                ));
            }
        }
    }
    for g in u.fields() {
        if o.get_field(g.number()).is_none() && g.is_required() {
            out.push(format!(
                "/{}/{} ({}): required field added in {who}",
                o.full_name(),
                g.number(),
                g.name()
            ));
        }
    }
    out.extend(oneof_moves(o, u, who));
    out
}

/// The oneof a field is in, unless it is the synthetic one of a proto3 `optional`.
fn real_oneof(f: &FieldDescriptor) -> Option<String> {
    f.containing_oneof()
        .filter(|o| !o.is_synthetic())
        .map(|o| o.name().to_owned())
}

/// Fields that were outside every oneof and now are in one: into a oneof that existed
/// before, or several into a new one (one field into a new oneof is compatible).
fn oneof_moves(o: &MessageDescriptor, u: &MessageDescriptor, who: &str) -> Vec<String> {
    let mut out = Vec::new();
    for oneof in u.oneofs().filter(|x| !x.is_synthetic()) {
        let moved: Vec<FieldDescriptor> = oneof
            .fields()
            .filter(|g| {
                o.get_field(g.number())
                    .is_some_and(|f| real_oneof(&f).is_none())
            })
            .collect();
        let existed = o
            .oneofs()
            .any(|x| x.name() == oneof.name() && !x.is_synthetic());
        let names = || {
            moved
                .iter()
                .map(prost_reflect::FieldDescriptor::name)
                .collect::<Vec<_>>()
                .join(", ")
        };
        if existed && !moved.is_empty() {
            out.push(format!(
                "/{}: field(s) {} moved into existing oneof '{}' in {who}",
                o.full_name(),
                names(),
                oneof.name()
            ));
        } else if moved.len() > 1 {
            out.push(format!(
                "/{}: fields {} moved into new oneof '{}' in {who}",
                o.full_name(),
                names(),
                oneof.name()
            ));
        }
    }
    out
}

/// How a field's type changed, if the wire format cannot carry it across.
fn kind_change(f: &FieldDescriptor, g: &FieldDescriptor) -> Option<String> {
    let class = |f: &FieldDescriptor| -> String {
        if f.is_map() {
            return "map".into();
        }
        match f.kind() {
            Kind::Message(m) => format!("message {}", m.full_name()),
            Kind::Enum(e) => format!("enum {}", e.full_name()),
            k => scalar_group(&k).into(),
        }
    };
    let (a, b) = (class(f), class(g));
    let kind = |s: &str| s.split(' ').next().unwrap_or("").to_owned();
    if a == b {
        None
    } else if kind(&a) != kind(&b) || !a.contains(' ') {
        Some(format!(
            "type changed from {} to {}",
            type_name(f),
            type_name(g)
        ))
    } else {
        Some(format!("type changed from {a} to {b}"))
    }
}

/// Scalars that read each other's wire data (what Confluent calls compatible label changes).
fn scalar_group(k: &Kind) -> &'static str {
    match k {
        Kind::Int32 | Kind::Uint32 | Kind::Int64 | Kind::Uint64 | Kind::Bool => "varint",
        Kind::Sint32 | Kind::Sint64 => "zigzag",
        Kind::Fixed32 | Kind::Sfixed32 => "fixed32",
        Kind::Fixed64 | Kind::Sfixed64 => "fixed64",
        Kind::String | Kind::Bytes => "string",
        Kind::Float => "float",
        Kind::Double => "double",
        Kind::Message(_) | Kind::Enum(_) => "named",
    }
}

/// A field's type as the .proto spells it.
fn type_name(f: &FieldDescriptor) -> String {
    if f.is_map() {
        return "map".into();
    }
    match f.kind() {
        Kind::Message(m) => m.full_name().to_owned(),
        Kind::Enum(e) => e.full_name().to_owned(),
        k => format!("{k:?}").to_ascii_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::protobuf::pool::from_sources;

    fn file(body: &str) -> FileDescriptor {
        let src = format!("syntax = \"proto3\"; package p; {body}");
        from_sources("f.proto", &[("f.proto".into(), src)]).unwrap()
    }

    fn check(old: &str, new: &str, mode: Mode) -> Vec<String> {
        protobuf(&file(old), &file(new), mode).unwrap()
    }

    const V1: &str =
        "message A { string id = 1; int32 n = 2; B b = 3; } message B { string s = 1; }";

    #[test]
    fn additions_renames_and_wire_compatible_changes_are_compatible() {
        for new in [
            "message A { string id = 1; int32 n = 2; B b = 3; int64 added = 4; } message B { string s = 1; }",
            "message A { string key = 1; int64 count = 2; B b = 3; } message B { bytes s = 1; }",
            "message A { string id = 1; uint64 n = 2; B b = 3; } message B { string s = 1; }",
        ] {
            assert_eq!(check(V1, new, Mode::Full), Vec::<String>::new(), "{new}");
        }
    }

    #[test]
    fn a_reused_field_number_with_another_type_is_incompatible() {
        for (new, want) in [
            (
                "message A { string id = 1; string n = 2; B b = 3; } message B { string s = 1; }",
                "/p.A/2 (n): type changed from int32 to string in the new schema",
            ),
            (
                "message A { string id = 1; sint32 n = 2; B b = 3; } message B { string s = 1; }",
                "/p.A/2 (n): type changed from int32 to sint32 in the new schema",
            ),
            (
                "message A { string id = 1; int32 n = 2; string b = 3; } message B { string s = 1; }",
                "/p.A/3 (b): type changed from p.B to string in the new schema",
            ),
            (
                "message A { string id = 1; int32 n = 2; C b = 3; } message B { string s = 1; } message C {}",
                "/p.A/3 (b): type changed from message p.B to message p.C in the new schema",
            ),
        ] {
            assert_eq!(check(V1, new, Mode::Backward), [want], "{new}");
        }
    }

    #[test]
    fn removed_fields_must_be_reserved() {
        let r = check(
            V1,
            "message A { string id = 1; B b = 3; } message B { string s = 1; }",
            Mode::Backward,
        );
        assert_eq!(
            r,
            ["/p.A/2 (n): field removed in the new schema without reserving its number"]
        );
        let ok = check(
            V1,
            "message A { reserved 2; string id = 1; B b = 3; } message B { string s = 1; }",
            Mode::Full,
        );
        assert!(ok.is_empty(), "{ok:?}");
    }

    #[test]
    fn index_paths_and_removed_messages_are_checked() {
        let r = check(
            V1,
            "message B { string s = 1; } message A { string id = 1; int32 n = 2; B b = 3; }",
            Mode::Backward,
        );
        assert_eq!(r.len(), 2, "{r:?}");
        assert!(
            r[0].starts_with("/p.A: message-index path [0] names p.B"),
            "{r:?}"
        );
        let r = check(
            V1,
            "message A { string id = 1; int32 n = 2; reserved 3; }",
            Mode::Backward,
        );
        assert_eq!(r, ["/p.B: message missing from the new schema"]);
        // The old schema cannot read records of a message only the new one has.
        let added = format!("{V1} message C {{}}");
        assert!(check(V1, &added, Mode::Backward).is_empty());
        assert_eq!(
            check(V1, &added, Mode::Forward),
            ["/p.C: message missing from the old schema"]
        );
    }

    #[test]
    fn oneof_moves() {
        let base = "message A { string x = 1; string y = 2; oneof o { string z = 3; } }";
        let cases: [(&str, Mode, &[&str]); 5] = [
            (
                "message A { oneof n { string x = 1; string y = 2; } oneof o { string z = 3; } }",
                Mode::Backward,
                &["/p.A: fields x, y moved into new oneof 'n' in the new schema"],
            ),
            (
                "message A { string y = 2; oneof o { string z = 3; string x = 1; } }",
                Mode::Backward,
                &["/p.A: field(s) x moved into existing oneof 'o' in the new schema"],
            ),
            (
                "message A { string y = 2; oneof n { string x = 1; } oneof o { string z = 3; } }",
                Mode::Backward,
                &[],
            ),
            (
                "message A { string x = 1; string y = 2; string z = 3; }",
                Mode::Backward,
                &["/p.A/3 (z): moved out of oneof 'o' in the new schema"],
            ),
            // A proto3 optional is not a oneof move.
            (
                "message A { optional string x = 1; string y = 2; oneof o { string z = 3; } }",
                Mode::Full,
                &[],
            ),
        ];
        for (new, mode, want) in cases {
            assert_eq!(check(base, new, mode), want, "{new}");
        }
    }

    #[test]
    fn required_fields_are_directional() {
        let p2 = |body: &str| {
            from_sources(
                "f.proto",
                &[(
                    "f.proto".into(),
                    format!("syntax = \"proto2\"; package p; {body}"),
                )],
            )
            .unwrap()
        };
        let old = p2("message A { optional string id = 1; }");
        let new = p2("message A { optional string id = 1; required int32 n = 2; }");
        assert_eq!(
            protobuf(&old, &new, Mode::Backward).unwrap(),
            ["/p.A/2 (n): required field added in the new schema"]
        );
        let r = protobuf(&old, &new, Mode::Forward).unwrap();
        assert_eq!(
            r,
            ["/p.A/2 (n): required field missing from the old schema"]
        );
        let ext = p2("message A { extensions 10 to 20; } extend A { optional int32 e = 10; }");
        assert!(protobuf(&ext, &ext, Mode::Full)
            .unwrap_err()
            .0
            .contains("extensions"));
    }
}
