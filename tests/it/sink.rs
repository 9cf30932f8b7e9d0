//! The producer sink (used by replay and rekey): a capture file written back to a topic comes
//! out byte for byte the same, and key placement follows the Java client's murmur2.

use std::sync::Arc;
use std::time::Duration;

use evops::endpoint::file::{CaptureSource, Window};
use evops::endpoint::kafka::sink::{Placement, ProducerSink, Target};
use evops::endpoint::kafka::{Connection, Settings};
use evops::endpoint::{Poll, Sink, Source};
use evops::print::report::Report;
use evops::record::{Header, Record, Timestamp};

use crate::harness::{broker, now_ms, read_all, topic};

fn conn(b: &str) -> Connection {
    Connection::open(Settings {
        brokers: b.to_string(),
        properties: vec![],
        timeout: Duration::from_secs(10),
        verbose: false,
        notify: evops::endpoint::Notify::default(),
    })
    .unwrap()
}

fn capture_of(b: &str, t: &str) -> Vec<u8> {
    let out = read_all(b, t, "capture");
    out.code(0);
    out.stdout
}

fn read_capture(bytes: &[u8]) -> Vec<Record> {
    let mut src = CaptureSource::new(
        "mem".into(),
        Box::new(std::io::Cursor::new(bytes.to_vec())),
        None,
        Window::default(),
    );
    let mut out = vec![];
    loop {
        match src.poll(Duration::ZERO).unwrap() {
            Poll::Record(r) => out.push(r),
            Poll::End => return out,
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn topic_to_capture_to_topic_is_byte_for_byte() {
    let b = broker();
    let src = topic("sink-src", 3);
    let dst = topic("sink-dst", 3);
    let ts = now_ms() - 5_000;
    let records: Vec<Record> = (0..30)
        .map(|i| Record {
            topic: Arc::from(src.as_str()),
            partition: (i % 3) as i32,
            offset: -1,
            origin: evops::record::Origin::Partition,
            timestamp: Timestamp::Create(ts + i),
            key: match i % 4 {
                0 => None,
                1 => Some(vec![]),
                _ => Some(vec![i as u8, 0xff]),
            },
            value: match i % 5 {
                0 => None,
                1 => Some(vec![]),
                _ => Some(format!("value {i} \u{1b}").into_bytes()),
            },
            headers: vec![Header {
                key: "h".into(),
                value: if i % 2 == 0 {
                    None
                } else {
                    Some(vec![0xfe, i as u8])
                },
            }],
        })
        .collect();
    let c = conn(&b);
    let mut report = Report::new(true);
    let mut sink = ProducerSink::open(
        &c,
        Target {
            topic: None,
            placement: Placement::Keep,
        },
    )
    .unwrap();
    for r in &records {
        sink.write(r, &mut report).unwrap();
    }
    sink.finish(&mut report).unwrap();
    assert_eq!((sink.sent(), sink.delivered(), report.bad), (30, 30, 0));

    let first = capture_of(&b, &src);
    let mut copy = ProducerSink::open(
        &c,
        Target {
            topic: Some(dst.clone()),
            placement: Placement::Keep,
        },
    )
    .unwrap();
    let from_capture = read_capture(&first);
    assert_eq!(from_capture.len(), 30);
    for r in &from_capture {
        copy.write(r, &mut report).unwrap();
    }
    copy.finish(&mut report).unwrap();
    let second = capture_of(&b, &dst);
    let renamed = String::from_utf8(first).unwrap().replace(
        &format!("\"topic\":\"{src}\""),
        &format!("\"topic\":\"{dst}\""),
    );
    // Partitions interleave differently on each read; each line names its partition and offset.
    let sorted = |s: &str| {
        let mut l: Vec<String> = s.lines().map(str::to_string).collect();
        l.sort();
        l
    };
    assert_eq!(
        sorted(&String::from_utf8(second).unwrap()),
        sorted(&renamed)
    );

    // And every written record is one we sent, per partition in order.
    for p in 0..3 {
        let want: Vec<_> = records
            .iter()
            .filter(|r| r.partition == p)
            .map(|r| (&r.key, &r.value, &r.headers, r.timestamp))
            .collect();
        let got: Vec<_> = from_capture
            .iter()
            .filter(|r| r.partition == p)
            .map(|r| (&r.key, &r.value, &r.headers, r.timestamp))
            .collect();
        assert_eq!(got, want);
    }
}

#[test]
fn keyed_placement_is_java_compatible_murmur2() {
    let b = broker();
    let t = topic("sink-keyed", 6);
    let c = conn(&b);
    let mut report = Report::new(true);
    let mut sink = ProducerSink::open(
        &c,
        Target {
            topic: Some(t.clone()),
            placement: Placement::Key(evops::partition::java()),
        },
    )
    .unwrap();
    let keys = [
        "21",
        "foobar",
        "a-little-bit-long-string",
        "abc",
        "user-1234",
    ];
    for k in keys {
        let r = Record {
            topic: Arc::from("x"),
            partition: 0,
            offset: 0,
            origin: evops::record::Origin::Partition,
            timestamp: Timestamp::Create(now_ms()),
            key: Some(k.as_bytes().to_vec()),
            value: Some(b"v".to_vec()),
            headers: vec![],
        };
        sink.write(&r, &mut report).unwrap();
    }
    sink.finish(&mut report).unwrap();
    let out = read_all(&b, &t, "{key} {partition}");
    out.code(0);
    let mut got = out.lines();
    got.sort();
    // Partitions computed with Kafka's Utils.murmur2 values from its own test suite:
    // (h & 0x7fffffff) % 6.
    let java = |h: i64| (h & 0x7fff_ffff) % 6;
    let mut want = vec![
        format!("21 {}", java(-973_932_308)),
        format!("foobar {}", java(-790_332_482)),
        format!("a-little-bit-long-string {}", java(-985_981_536)),
        format!("abc {}", java(479_470_107)),
        format!(
            "user-1234 {}",
            evops::partition::murmur2::java_partition(b"user-1234", 6)
        ),
    ];
    want.sort();
    assert_eq!(got, want);
}
