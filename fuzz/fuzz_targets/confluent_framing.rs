//! Confluent framing (magic byte 0, a 4-byte schema id, the datum) and the `avro` key/value
//! format that reads it: framing round-trips, and any payload decodes or is refused with a
//! reason, whatever id it names.
#![no_main]

use std::sync::{Arc, OnceLock};

use evops::codec::{avro, Codecs, Encoding};
use evops::schema::avro::{frame, unframe, AvroSchema};
use libfuzzer_sys::fuzz_target;

/// Two registered ids; every other id is unknown to this registry.
struct Registry {
    one: Arc<AvroSchema>,
    two: Arc<AvroSchema>,
}

impl avro::Schemas for Registry {
    fn by_id(&self, id: u32) -> Result<Arc<AvroSchema>, String> {
        match id {
            1 => Ok(self.one.clone()),
            2 => Ok(self.two.clone()),
            _ => Err(format!("no schema {id}")),
        }
    }
    fn bare(&self) -> Option<Arc<AvroSchema>> {
        Some(self.two.clone())
    }
    fn framed(&self) -> bool {
        true
    }
}

/// The run's codecs: Avro values decoded with the two-id registry, built once.
fn codecs() -> &'static Codecs {
    static CODECS: OnceLock<Codecs> = OnceLock::new();
    CODECS.get_or_init(|| {
        let one = r#"{"type":"record","name":"Ev","fields":[{"name":"id","type":"string"},{"name":"n","type":["null","long"]},{"name":"tags","type":{"type":"array","items":"string"}}]}"#;
        Codecs::new(Encoding::Auto, Encoding::Avro).with_avro(Arc::new(Registry {
            one: Arc::new(AvroSchema::parse(one, &[]).expect("schema")),
            two: Arc::new(AvroSchema::parse(r#""long""#, &[]).expect("schema")),
        }))
    })
}

fuzz_target!(|data: &[u8]| {
    let codecs = codecs();
    if data.len() >= 4 {
        let id = u32::from_be_bytes([data[0], data[1], data[2], data[3]]);
        let framed = frame(id, &data[4..]);
        assert_eq!(unframe(&framed), Some((id, &data[4..])));
    }
    match unframe(data) {
        Some((_, datum)) => assert_eq!(datum.len() + 5, data.len()),
        None => assert!(data.len() < 5 || data[0] != 0),
    }
    let _ = codecs.decode(Encoding::Avro, Some(data));
    let (shown, _) = codecs.value(Some(data));
    let _ = shown.value.to_string();
});
