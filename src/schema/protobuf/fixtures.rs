//! A schema and a descriptor loader that this folder's unit tests share.

use super::pool::from_sources;
use prost_reflect::MessageDescriptor;

/// A message with a field of every kind the codecs treat apart: scalars, an enum, bytes, a
/// well-known type, a map, repeated and packed fields, a oneof, recursion and a Struct.
pub const SHOP: &str = r#"syntax = "proto3"; package shop;
    import "google/protobuf/timestamp.proto"; import "google/protobuf/struct.proto";
    enum Status { STATUS_UNKNOWN = 0; PAID = 1; }
    message Payment {
      string payment_id = 1; int64 amount_cents = 2; Status status = 3; bytes raw = 4;
      google.protobuf.Timestamp at = 5; map<string, int32> tags = 6; repeated uint64 ids = 7;
      oneof method { string card = 8; string iban = 9; }
      double ratio = 10; repeated float weights = 11; sint32 delta = 12; fixed64 sum = 13;
      repeated Payment children = 14; google.protobuf.Struct meta = 15; bool ok = 16;
    }"#;

/// Message `name` of the single-file schema `src`.
pub fn desc(src: &str, name: &str) -> MessageDescriptor {
    from_sources("f.proto", &[("f.proto".into(), src.into())])
        .unwrap()
        .parent_pool()
        .get_message_by_name(name)
        .unwrap()
}
