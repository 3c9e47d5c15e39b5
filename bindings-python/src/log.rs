//! Messages to the `sensorsanalytics` logger (`logging.getLogger('sensorsanalytics')`). The
//! host's logging configuration decides where they go; we never configure it.

use pyo3::intern;
use pyo3::prelude::*;

fn emit(py: Python<'_>, level: &str, msg: &str) -> PyResult<()> {
    let logger = py.import(intern!(py, "logging"))?.call_method1(intern!(py, "getLogger"), ("sensorsanalytics",))?;
    logger.call_method1(level, (msg,))?;
    Ok(())
}

/// Logs a warning; a failure to log (interpreter shutting down) is ignored.
pub fn warning(py: Python<'_>, msg: &str) {
    let _ = emit(py, "warning", msg);
}
