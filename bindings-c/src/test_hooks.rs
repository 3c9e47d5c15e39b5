//! Entry points for the C tests only (cargo feature `test-hooks`): ways to reach code paths
//! that correct use of the library cannot, such as a panic. Not in the header.

use std::ffi::c_int;

use crate::error::guard;

/// Panics inside the guard, as a bug in the library would: must return SA_ERR_PANIC.
#[no_mangle]
pub extern "C" fn sa_test_panic() -> c_int {
    guard(|| panic!("sa_test_panic was called"))
}
