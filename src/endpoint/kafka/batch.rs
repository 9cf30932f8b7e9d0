//! Batch consumption through librdkafka's C API: `rd_kafka_consume_batch_queue` hands over up to
//! a thousand messages per call, where rdkafka's `BaseConsumer::poll` costs a clock read, an
//! event object and an allocation per message. This is the hot loop of every read (`tail`, the
//! partition audit, filters, replays), so it is worth the only `unsafe` in evops, all of it here:
//! a message is only looked at while it is alive, and every message and the queue handle are
//! destroyed exactly once. (Also here, for the same reason: librdkafka's cached watermarks.)
#![allow(unsafe_code)]

use std::ffi::CStr;
use std::os::raw::{c_char, c_void};
use std::time::Duration;

use rdkafka::bindings as rd;
use rdkafka::consumer::{BaseConsumer, Consumer};

use super::Ctx;

const BATCH: usize = 1024;

/// The consumer queue and the current batch of messages taken from it.
pub struct Batch {
    queue: *mut rd::rd_kafka_queue_t,
    msgs: Vec<*mut rd::rd_kafka_message_t>,
    next: usize,
}

impl Batch {
    /// Read the messages of these partitions on a queue of their own: the consumer's main
    /// queue keeps its events (errors, logs), which the consumer's own `poll` serves through the
    /// client context. The `Batch` must be dropped before the consumer.
    pub fn new(consumer: &BaseConsumer<Ctx>, partitions: &[(&str, i32)]) -> Batch {
        let rk = consumer.client().native_ptr();
        // SAFETY: the client pointer is valid while the consumer lives; the new queue is ours
        // and released in Drop (a forwarded partition queue keeps its own reference to it).
        let queue = unsafe { rd::rd_kafka_queue_new(rk) };
        for (topic, partition) in partitions {
            let Ok(name) = std::ffi::CString::new(*topic) else {
                continue;
            };
            // SAFETY: valid client and NUL-terminated name; the partition queue reference is
            // released right after forwarding.
            unsafe {
                let pq = rd::rd_kafka_queue_get_partition(rk, name.as_ptr(), *partition);
                if !pq.is_null() {
                    rd::rd_kafka_queue_forward(pq, queue);
                    rd::rd_kafka_queue_destroy(pq);
                }
            }
        }
        Batch {
            queue,
            msgs: Vec::with_capacity(BATCH),
            next: 0,
        }
    }

    /// Hand the next message to `f`, waiting up to `timeout` for a new batch when the current
    /// one is used up. `None` when nothing arrived in time.
    pub fn next<R>(&mut self, timeout: Duration, f: impl FnOnce(&Msg<'_>) -> R) -> Option<R> {
        if self.next >= self.msgs.len() {
            self.refill(timeout);
        }
        let ptr = *self.msgs.get(self.next)?;
        self.next += 1;
        // SAFETY: `ptr` came from rd_kafka_consume_batch_queue and is destroyed right after `f`,
        // which cannot keep the borrowed view.
        let out = f(&Msg {
            m: unsafe { &*ptr },
        });
        unsafe { rd::rd_kafka_message_destroy(ptr) };
        Some(out)
    }

    fn refill(&mut self, timeout: Duration) {
        self.release();
        if self.queue.is_null() {
            return;
        }
        self.msgs.resize(BATCH, std::ptr::null_mut());
        let ms = timeout.as_millis().min(i32::MAX as u128) as i32;
        // SAFETY: the array has room for BATCH pointers; the queue is alive.
        let n = unsafe {
            rd::rd_kafka_consume_batch_queue(self.queue, ms, self.msgs.as_mut_ptr(), BATCH)
        };
        self.msgs.truncate(n.max(0) as usize);
        self.next = 0;
    }

    /// Destroy the messages not handed out yet.
    fn release(&mut self) {
        for &ptr in &self.msgs[self.next.min(self.msgs.len())..] {
            // SAFETY: not yet destroyed (`next` only passes destroyed ones).
            unsafe { rd::rd_kafka_message_destroy(ptr) };
        }
        self.msgs.clear();
        self.next = 0;
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        self.release();
        if !self.queue.is_null() {
            // SAFETY: our own reference, released once.
            unsafe { rd::rd_kafka_queue_destroy(self.queue) };
        }
    }
}

/// The low and high watermarks librdkafka last heard of for a partition (from fetch
/// responses), without asking the broker; `None` while unknown.
pub fn cached_watermarks(
    consumer: &BaseConsumer<Ctx>,
    topic: &str,
    partition: i32,
) -> Option<(i64, i64)> {
    let name = std::ffi::CString::new(topic).ok()?;
    let (mut low, mut high) = (-1i64, -1i64);
    // SAFETY: a live client, a NUL-terminated name and two valid out-pointers.
    let err = unsafe {
        rd::rd_kafka_get_watermark_offsets(
            consumer.client().native_ptr(),
            name.as_ptr(),
            partition,
            &raw mut low,
            &raw mut high,
        )
    };
    let ok = err == rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR && high >= 0;
    ok.then_some((low, high))
}

/// A borrowed view of one message, alive only inside [`Batch::next`].
pub struct Msg<'a> {
    m: &'a rd::rd_kafka_message_t,
}

/// What a message's timestamp is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ts {
    None,
    Create(i64),
    LogAppend(i64),
}

impl<'a> Msg<'a> {
    /// librdkafka's error code: 0 for a message, else an event such as end of partition.
    pub fn err(&self) -> rd::rd_kafka_resp_err_t {
        self.m.err
    }

    pub fn is_partition_eof(&self) -> bool {
        self.m.err == rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR__PARTITION_EOF
    }

    /// The error text, for messages that carry one.
    pub fn error_text(&self) -> String {
        // SAFETY: rd_kafka_err2str returns a static string.
        let s = unsafe { CStr::from_ptr(rd::rd_kafka_err2str(self.m.err)) };
        s.to_string_lossy().into_owned()
    }

    pub fn topic(&self) -> &'a str {
        if self.m.rkt.is_null() {
            return "";
        }
        // SAFETY: the topic handle outlives the message; names are NUL-terminated.
        unsafe { CStr::from_ptr(rd::rd_kafka_topic_name(self.m.rkt)) }
            .to_str()
            .unwrap_or("")
    }

    pub fn partition(&self) -> i32 {
        self.m.partition
    }

    pub fn offset(&self) -> i64 {
        self.m.offset
    }

    pub fn key(&self) -> Option<&'a [u8]> {
        bytes(self.m.key, self.m.key_len)
    }

    pub fn payload(&self) -> Option<&'a [u8]> {
        bytes(self.m.payload, self.m.len)
    }

    pub fn timestamp(&self) -> Ts {
        let mut kind = rd::rd_kafka_timestamp_type_t::RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
        // SAFETY: a live message.
        let ms = unsafe { rd::rd_kafka_message_timestamp(self.m, &raw mut kind) };
        match kind {
            rd::rd_kafka_timestamp_type_t::RD_KAFKA_TIMESTAMP_CREATE_TIME => Ts::Create(ms),
            rd::rd_kafka_timestamp_type_t::RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME => Ts::LogAppend(ms),
            rd::rd_kafka_timestamp_type_t::RD_KAFKA_TIMESTAMP_NOT_AVAILABLE => Ts::None,
        }
    }

    /// Call `f` for each header in order: name and value (`None` for a null value).
    pub fn for_each_header(&self, mut f: impl FnMut(&str, Option<&[u8]>)) {
        let mut hdrs: *mut rd::rd_kafka_headers_t = std::ptr::null_mut();
        // SAFETY: a live message; the headers belong to it.
        let err = unsafe { rd::rd_kafka_message_headers(self.m, &raw mut hdrs) };
        if err != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR || hdrs.is_null() {
            return;
        }
        for idx in 0.. {
            let mut name: *const c_char = std::ptr::null();
            let mut value: *const c_void = std::ptr::null();
            let mut size = 0usize;
            // SAFETY: idx past the end returns an error and touches nothing.
            let err = unsafe {
                rd::rd_kafka_header_get_all(hdrs, idx, &raw mut name, &raw mut value, &raw mut size)
            };
            if err != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
                return;
            }
            // SAFETY: header names are NUL-terminated and live with the message.
            let name = unsafe { CStr::from_ptr(name) }.to_string_lossy();
            f(&name, bytes(value, size));
        }
    }
}

fn bytes<'a>(ptr: *const c_void, len: usize) -> Option<&'a [u8]> {
    if ptr.is_null() {
        None
    } else {
        // SAFETY: librdkafka gives a pointer and length into a live message.
        Some(unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) })
    }
}
