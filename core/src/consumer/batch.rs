//! `BatchConsumer(url_prefix, max_size=50, request_timeout)`: buffers records and sends them
//! as `data_list=` batches of at most `max_size` (capped at 50, as the reference) when
//! `max_size` records wait, and on flush/close. Synchronous: the caller whose record fills
//! the batch waits for the request, retries included.
//!
//! A batch that fails (after its retries) stays buffered, in order, and the error is
//! returned; the next send or flush tries it again. Nothing is dropped.
//!
//! With a spool (`spool_dir`), records go through the spool's engine (the same as
//! AsyncBatchConsumer's: written to disk at once, sent from there): the caller whose record
//! fills a batch, or who flushes, waits for its delivery at most one request timeout and not
//! at all while the receiver is known to be down; a spooled batch is not an error.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::async_batch::{AsyncBatchConfig, AsyncBatchConsumer};
use crate::spool::SpoolConfig;

use super::Consumer;
use crate::error::Result;
use crate::fork;
use crate::http::sync_post::SyncPoster;
use crate::http::{
    self, encode_data_list_with, post_with_retry, Counters, Request, ReqwestTransport, RetryPolicy,
    Stats, Transport,
};

/// The reference caps a batch at 50 records.
const MAX_BATCH: usize = super::options::MAX_BATCH_MAX_SIZE;

struct State {
    buffer: Vec<String>,
    /// Records buffered by the parent of a fork are the parent's to send.
    fork_generation: u64,
}

pub struct BatchConsumer {
    url: String,
    max_size: usize,
    timeout: Option<Duration>,
    retry: RetryPolicy,
    poster: SyncPoster,
    counters: Counters,
    state: Mutex<State>,
    /// With a spool: the engine that writes and sends, and how long a caller waits for it.
    spooled: Option<(AsyncBatchConsumer, Duration)>,
}

/// With a spool and no `request_timeout`, how long a full batch's caller waits for it.
const SPOOLED_WAIT: Duration = Duration::from_secs(10);

impl BatchConsumer {
    /// `max_size` is capped at 50 (and raised to 1); `request_timeout_ms` is per request.
    pub fn new(url_prefix: &str, max_size: usize, request_timeout_ms: Option<u64>) -> Result<Self> {
        Self::with_transport(
            url_prefix,
            max_size,
            request_timeout_ms,
            Arc::new(ReqwestTransport::new()),
        )
    }

    /// As [`BatchConsumer::new`], sending through `transport`.
    pub fn with_transport(
        url_prefix: &str,
        max_size: usize,
        request_timeout_ms: Option<u64>,
        transport: Arc<dyn Transport>,
    ) -> Result<Self> {
        http::check_url(url_prefix)?;
        Ok(BatchConsumer {
            url: url_prefix.to_owned(),
            max_size: max_size.clamp(1, MAX_BATCH),
            timeout: http::timeout_from_ms(request_timeout_ms),
            retry: RetryPolicy::synchronous(),
            poster: SyncPoster::new(transport),
            counters: Counters::default(),
            state: Mutex::new(State {
                buffer: Vec::new(),
                fork_generation: fork::generation(),
            }),
            spooled: None,
        })
    }

    /// As [`BatchConsumer::with_transport`], with records going through an on-disk spool.
    pub fn with_spool(
        url_prefix: &str,
        max_size: usize,
        request_timeout_ms: Option<u64>,
        spool: SpoolConfig,
        transport: Arc<dyn Transport>,
    ) -> Result<Self> {
        let mut c = Self::with_transport(url_prefix, max_size, request_timeout_ms, transport.clone())?;
        let engine = AsyncBatchConsumer::with_transport(
            url_prefix,
            AsyncBatchConfig {
                // Batches go out when full or on flush, as without a spool.
                flush_max_time: Duration::from_secs(3600),
                flush_size: c.max_size,
                max_batch_size: c.max_size,
                request_timeout_ms,
                max_in_flight: 1,
                spool: Some(spool),
                ..AsyncBatchConfig::default()
            },
            transport,
        )?;
        let wait = c.timeout.unwrap_or(SPOOLED_WAIT);
        c.spooled = Some((engine, wait));
        Ok(c)
    }

    /// Replaces the retry policy (default: [`RetryPolicy::synchronous`], 5 s in all).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The batch size in effect (after the cap).
    pub fn max_size(&self) -> usize {
        self.max_size
    }

    pub fn stats(&self) -> Stats {
        match &self.spooled {
            Some((engine, _)) => engine.stats(),
            None => self.counters.snapshot(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let generation = fork::generation();
        if state.fork_generation != generation {
            state.fork_generation = generation;
            state.buffer.clear();
            self.counters.buffered.store(0, Ordering::Relaxed);
        }
        state
    }

    /// Sends the buffer in batches of `max_size`, oldest first, stopping at the first batch
    /// that fails (it and everything after it stay buffered).
    fn flush_locked(&self, state: &mut State) -> Result<()> {
        let req = Request {
            url: &self.url,
            headers: http::sdk_headers(false),
            timeout: self.timeout,
        };
        while !state.buffer.is_empty() {
            let n = state.buffer.len().min(self.max_size);
            let form = encode_data_list_with(&state.buffer[..n], self.poster.gzip());
            let result = post_with_retry(
                &self.poster,
                &req,
                &form,
                &self.retry,
                &mut |d| {
                    std::thread::sleep(d);
                    true
                },
                &mut |why| {
                    Counters::add(&self.counters.retried, 1);
                    self.counters.set_error(why);
                },
            );
            if let Err(e) = result {
                self.counters.fail(n, &e);
                return Err(e);
            }
            state.buffer.drain(..n);
            self.counters
                .buffered
                .store(state.buffer.len(), Ordering::Relaxed);
            Counters::add(&self.counters.sent, n);
        }
        Ok(())
    }
}

impl Consumer for BatchConsumer {
    fn stats(&self) -> Stats {
        BatchConsumer::stats(self)
    }

    fn send(&self, record: &str) -> Result<()> {
        if let Some((engine, wait)) = &self.spooled {
            engine.send(record)?;
            // Count per process, so that every max_size-th record waits for its batch.
            let mut state = self.lock();
            state.buffer.push(String::new());
            if state.buffer.len() >= self.max_size {
                state.buffer.clear();
                drop(state);
                engine.flush_report(*wait);
            }
            return Ok(());
        }
        let mut state = self.lock();
        state.buffer.push(record.to_owned());
        self.counters
            .buffered
            .store(state.buffer.len(), Ordering::Relaxed);
        if state.buffer.len() >= self.max_size {
            self.flush_locked(&mut state)?;
        }
        Ok(())
    }

    fn flush(&self) -> Result<()> {
        if let Some((engine, wait)) = &self.spooled {
            self.lock().buffer.clear();
            let r = engine.flush_report(*wait);
            return if r.failed > 0 {
                Err(crate::Error::Network(format!(
                    "{} records could not be sent: {}",
                    r.failed,
                    engine.stats().last_error.unwrap_or_default()
                )))
            } else {
                Ok(())
            };
        }
        let mut state = self.lock();
        self.flush_locked(&mut state)
    }

    fn close(&self) -> Result<()> {
        match &self.spooled {
            Some((engine, _)) => engine.close(),
            None => self.flush(),
        }
    }
}
