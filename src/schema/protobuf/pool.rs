//! Descriptor pools: from `.proto` files and import paths, from a compiled FileDescriptorSet
//! (`--protoset`), and from registry schemas whose references were fetched by the caller. The
//! well-known types (timestamp, duration, any, struct, wrappers, empty, field_mask) are always
//! importable, bundled by protox. Files are read only here and only by protox, which follows
//! imports itself as protoc does; everything else in this module works on bytes and text.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use prost::Message;
use prost_reflect::{DescriptorPool, FileDescriptor};
use protox::file::{ChainFileResolver, File, FileResolver, GoogleFileResolver};

use super::ProtoError;

/// Compile `.proto` files. Imports are looked up in `imports` (in order), then in each file's
/// own directory, then among the well-known types.
pub fn from_files(files: &[PathBuf], imports: &[PathBuf]) -> Result<DescriptorPool, ProtoError> {
    let canonical = |p: &Path| {
        std::fs::canonicalize(p)
            .map_err(|e| ProtoError(format!("cannot read {}: {e}", p.display())))
    };
    let mut includes = imports
        .iter()
        .map(|p| canonical(p))
        .collect::<Result<Vec<_>, _>>()?;
    let files = files
        .iter()
        .map(|p| canonical(p))
        .collect::<Result<Vec<_>, _>>()?;
    for f in &files {
        // A file outside every import path is its own root, as `protoc -I<its dir>` would read it.
        if !includes.iter().any(|i| f.starts_with(i)) {
            includes.push(f.parent().unwrap_or(Path::new("/")).to_path_buf());
        }
    }
    let mut compiler = protox::Compiler::new(&includes).map_err(compile_error)?;
    compiler.open_files(&files).map_err(compile_error)?;
    Ok(compiler.descriptor_pool())
}

/// One `.proto` file compiled (with its imports, as [`from_files`] finds them): its descriptor.
pub fn root_file(file: &Path, imports: &[PathBuf]) -> Result<FileDescriptor, ProtoError> {
    let pool = from_files(&[file.to_path_buf()], imports)?;
    // Imports come first: the file asked for is the last one compiled.
    pool.files()
        .last()
        .ok_or_else(|| ProtoError(format!("{}: nothing compiled", file.display())))
}

/// A pool from a compiled FileDescriptorSet (`protoc --descriptor_set_out`, `buf build -o`);
/// the imports must be in it (`--include_imports`), the well-known types may be left out.
pub fn from_protoset(bytes: &[u8]) -> Result<DescriptorPool, ProtoError> {
    let set = prost_types::FileDescriptorSet::decode(bytes)
        .map_err(|e| ProtoError(format!("not a FileDescriptorSet: {e}")))?;
    let mut have: std::collections::HashSet<String> =
        set.file.iter().map(|f| f.name().to_owned()).collect();
    let mut pool = DescriptorPool::new();
    let google = DescriptorPool::global();
    for f in &set.file {
        for dep in &f.dependency {
            if have.insert(dep.clone()) {
                if let Some(wkt) = google.get_file_by_name(dep) {
                    pool.add_file_descriptor_proto(wkt.file_descriptor_proto().clone())
                        .map_err(|e| ProtoError(format!("{dep}: {e}")))?;
                }
            }
        }
    }
    pool.add_file_descriptor_protos(set.file)
        .map_err(|e| ProtoError(format!("the FileDescriptorSet does not hold together: {e}")))?;
    Ok(pool)
}

/// Compile a registry schema: `sources` maps each file name (the root's and every reference's
/// `name`, as imports spell it) to the text the registry keeps, either `.proto` source or a
/// base64 FileDescriptorProto (what confluent-kafka-python registers). The root is `root`.
pub fn from_sources(
    root: &str,
    sources: &[(String, String)],
) -> Result<FileDescriptor, ProtoError> {
    let files = sources
        .iter()
        .map(|(name, text)| Ok((name.clone(), parse(name, text)?)))
        .collect::<Result<HashMap<_, _>, ProtoError>>()?;
    let mut chain = ChainFileResolver::new();
    chain.add(Memory(files));
    chain.add(GoogleFileResolver::new());
    let mut compiler = protox::Compiler::with_file_resolver(chain);
    compiler.open_file(root).map_err(compile_error)?;
    compiler
        .descriptor_pool()
        .get_file_by_name(root)
        .ok_or_else(|| ProtoError(format!("{root}: not compiled")))
}

/// One registry text as a file named `name`: `.proto` source, or a base64 FileDescriptorProto.
fn parse(name: &str, text: &str) -> Result<File, ProtoError> {
    if let Some(mut proto) = descriptor_text(text) {
        // The name the importers use, whatever the producer's file was called.
        proto.name = Some(name.to_owned());
        return Ok(File::from_file_descriptor_proto(proto));
    }
    File::from_source(name, text).map_err(compile_error)
}

/// A base64 FileDescriptorProto, if the text is one (`.proto` source never is: it has spaces).
fn descriptor_text(text: &str) -> Option<prost_types::FileDescriptorProto> {
    let t = text.trim();
    if t.is_empty() || t.bytes().any(|c| c.is_ascii_whitespace() || c == b';') {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD.decode(t).ok()?;
    prost_types::FileDescriptorProto::decode(bytes.as_slice()).ok()
}

/// protox's message, prefixed with the `file:line:column` it names when it names one.
fn compile_error(e: protox::Error) -> ProtoError {
    use miette::Diagnostic;
    let place = e
        .labels()
        .and_then(|mut labels| labels.next())
        .and_then(|label| {
            let contents = e.source_code()?.read_span(label.inner(), 0, 0).ok()?;
            Some(format!(
                ":{}:{}",
                contents.line() + 1,
                contents.column() + 1
            ))
        });
    match e.file() {
        Some(file) if !e.to_string().contains(file) => {
            ProtoError(format!("{file}{}: {e}", place.unwrap_or_default()))
        }
        _ => ProtoError(e.to_string()),
    }
}

/// Files held in memory, by name.
struct Memory(HashMap<String, File>);

impl FileResolver for Memory {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        self.0
            .get(name)
            .cloned()
            .ok_or_else(|| protox::Error::file_not_found(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMON: &str = "syntax = \"proto3\"; package common; message Money { int64 units = 1; string currency = 2; }";
    const PAYMENT: &str = "syntax = \"proto3\"; package shop;
        import \"common/money.proto\"; import \"google/protobuf/timestamp.proto\";
        message Payment { common.Money amount = 1; google.protobuf.Timestamp at = 2; }";

    #[test]
    fn registry_sources_resolve_references_and_well_known_types() {
        let file = from_sources(
            "payment.proto",
            &[
                ("payment.proto".into(), PAYMENT.into()),
                ("common/money.proto".into(), COMMON.into()),
            ],
        )
        .unwrap();
        assert_eq!(file.messages().next().unwrap().full_name(), "shop.Payment");
        assert!(file
            .parent_pool()
            .get_message_by_name("common.Money")
            .is_some());
    }

    #[test]
    fn a_missing_reference_is_an_error_naming_it() {
        let e =
            from_sources("payment.proto", &[("payment.proto".into(), PAYMENT.into())]).unwrap_err();
        assert!(e.0.contains("common/money.proto"), "{e}");
    }

    #[test]
    fn base64_descriptors_are_read_as_the_python_serializer_registers_them() {
        let common = from_sources("m.proto", &[("m.proto".into(), COMMON.into())]).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD
            .encode(common.file_descriptor_proto().encode_to_vec());
        let file = from_sources(
            "payment.proto",
            &[
                ("payment.proto".into(), PAYMENT.into()),
                ("common/money.proto".into(), b64),
            ],
        )
        .unwrap();
        assert!(file
            .parent_pool()
            .get_message_by_name("common.Money")
            .is_some());
    }

    #[test]
    fn a_syntax_error_names_the_file_and_place() {
        let e = from_sources("bad.proto", &[("bad.proto".into(), "message {".into())]).unwrap_err();
        assert_eq!(e.0, "bad.proto:1:9: expected an identifier, but found '{'");
    }

    #[test]
    fn files_compile_with_import_paths_and_protosets_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("inc/common")).unwrap();
        std::fs::write(dir.path().join("inc/common/money.proto"), COMMON).unwrap();
        std::fs::write(dir.path().join("payment.proto"), PAYMENT).unwrap();
        let pool = from_files(
            &[dir.path().join("payment.proto")],
            &[dir.path().join("inc")],
        )
        .unwrap();
        assert!(pool.get_message_by_name("shop.Payment").is_some());
        // Without the import path the import is not found, and the error says which.
        let e = from_files(&[dir.path().join("payment.proto")], &[]).unwrap_err();
        assert!(e.0.contains("common/money.proto"), "{e}");
        // A protoset without the well-known types still loads.
        let set = prost_types::FileDescriptorSet {
            file: pool
                .files()
                .filter(|f| !f.name().starts_with("google/"))
                .map(|f| f.file_descriptor_proto().clone())
                .collect(),
        };
        let again = from_protoset(&set.encode_to_vec()).unwrap();
        assert!(again.get_message_by_name("shop.Payment").is_some());
        assert!(from_protoset(b"\xff\xff").is_err());
    }
}
