//! `flush()` and `close()` as Promises: the blocking work (writing a file buffer, waiting for
//! a sender thread to drain) runs on a libuv worker, never on the JS thread.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use napi::{Env, Error, Result, Status, Task};
use sensorsanalytics::{Consumer, Error as CoreError};

use crate::error;

#[derive(Debug, Clone, Copy)]
pub enum Op {
    Flush,
    Close,
}

pub struct ConsumerTask {
    consumer: Arc<dyn Consumer>,
    op: Op,
    /// The SDK error of `compute`, turned into the package's class on the JS thread.
    failure: Option<CoreError>,
}

impl ConsumerTask {
    pub fn new(consumer: Arc<dyn Consumer>, op: Op) -> Self {
        ConsumerTask {
            consumer,
            op,
            failure: None,
        }
    }
}

/// Runs `op` on `consumer` on the calling thread, a panic turned into an error.
pub fn run(consumer: &dyn Consumer, op: Op) -> std::result::Result<(), Result<CoreError>> {
    let outcome = catch_unwind(AssertUnwindSafe(|| match op {
        Op::Flush => consumer.flush(),
        Op::Close => consumer.close(),
    }));
    match outcome {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(Ok(e)),
        Err(payload) => Err(Err(error::panicked(payload))),
    }
}

impl Task for ConsumerTask {
    type Output = ();
    type JsValue = ();

    fn compute(&mut self) -> Result<()> {
        match run(self.consumer.as_ref(), self.op) {
            Ok(()) => Ok(()),
            Err(Ok(core)) => {
                self.failure = Some(core);
                Err(Error::new(
                    Status::GenericFailure,
                    "sensorsanalytics consumer failed",
                ))
            }
            Err(Err(panic)) => Err(panic),
        }
    }

    fn resolve(&mut self, _env: Env, _output: ()) -> Result<()> {
        Ok(())
    }

    fn reject(&mut self, env: Env, err: Error) -> Result<()> {
        match self.failure.take() {
            Some(core) => Err(error::rejection(env, &core)),
            None => Err(err),
        }
    }
}
