//! A handle on the consumer's one topic, kept for the producer's life, so that `send` hands a
//! record to librdkafka without naming the topic.
//!
//! rdkafka's `BaseProducer::send` names the topic on every call: it copies the name into a
//! new C string, and librdkafka then looks the topic up by name under the client's write
//! lock (`rd_kafka_producev` with `RD_KAFKA_VTYPE_TOPIC`), a lock its own threads take too.
//! All of that ran on the caller's thread for every record. With the handle, a record is one
//! `rd_kafka_produce`: librdkafka copies it, partitions it (the configured partitioner, as
//! before) and queues it.

use std::ffi::{c_void, CString};
use std::ptr::{self, NonNull};

use rdkafka::bindings as rd;
use rdkafka::error::RDKafkaErrorCode;

use crate::error::{Error, Result};

/// librdkafka's `RD_KAFKA_PARTITION_UA` (a C macro, not in the bindings): let the
/// partitioner choose.
const ANY_PARTITION: i32 = -1;

pub(super) struct Topic(NonNull<rd::rd_kafka_topic_t>);

// librdkafka's topic handles are reference-counted and their state is behind its own locks:
// documented as safe to use from any thread.
unsafe impl Send for Topic {}
unsafe impl Sync for Topic {}

impl Topic {
    /// A handle on `name` for the client `rk`, with the client's default topic settings (the
    /// same ones a record produced by name gets). `rk` must outlive the handle: the owner
    /// drops the handle first (see `producer::Producer`).
    pub fn new(rk: *mut rd::rd_kafka_t, name: &str) -> Result<Self> {
        let c_name = CString::new(name)
            .map_err(|_| Error::IllegalData(format!("KafkaConsumer: '{name}' is not a Kafka topic name")))?;
        // SAFETY: `rk` is a live client (the caller's); the name is a valid C string, copied
        // by librdkafka; a NULL configuration means the client's defaults.
        let rkt = unsafe { rd::rd_kafka_topic_new(rk, c_name.as_ptr(), ptr::null_mut()) };
        NonNull::new(rkt).map(Topic).ok_or_else(|| {
            // SAFETY: reads this thread's last librdkafka error, set by the call above.
            let code = RDKafkaErrorCode::from(unsafe { rd::rd_kafka_last_error() });
            Error::IllegalData(format!("KafkaConsumer: cannot use topic '{name}': {code}"))
        })
    }

    /// Queues one message: `payload` keyed by `key`, both copied by librdkafka before this
    /// returns. Fails at once with librdkafka's reason (a full queue, a message too large).
    pub fn produce(&self, payload: &str, key: Option<&str>) -> std::result::Result<(), RDKafkaErrorCode> {
        let (key_ptr, key_len) = key.map_or((ptr::null(), 0), |k| (k.as_ptr() as *const c_void, k.len()));
        // SAFETY: the handle is live (dropped only with its owner); with F_COPY librdkafka
        // copies payload and key and keeps neither pointer; the message opaque is NULL, which
        // the delivery callback reads as the `()` opaque the producer's context declares.
        let rc = unsafe {
            rd::rd_kafka_produce(
                self.0.as_ptr(),
                ANY_PARTITION,
                rd::RD_KAFKA_MSG_F_COPY,
                payload.as_ptr() as *mut c_void,
                payload.len(),
                key_ptr,
                key_len,
                ptr::null_mut(),
            )
        };
        if rc == 0 {
            Ok(())
        } else {
            // SAFETY: this thread's last librdkafka error, set by the failed call above.
            Err(RDKafkaErrorCode::from(unsafe { rd::rd_kafka_last_error() }))
        }
    }
}

impl Drop for Topic {
    fn drop(&mut self) {
        // SAFETY: our one reference, released once; the client is still alive (see `new`).
        unsafe { rd::rd_kafka_topic_destroy(self.0.as_ptr()) }
    }
}
