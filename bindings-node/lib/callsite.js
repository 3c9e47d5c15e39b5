'use strict';
// `$lib_detail`: where the user called the SDK. One V8 frame is captured into one reused
// object, skipping the SDK's own frames (`Error.captureStackTrace`'s second argument), and its
// `stack` text (`    at Class.method (file:line:col)`) is parsed in native code (src/site.rs).
// Node formats it, so source maps and a user's Error.prepareStackTrace apply as usual.
//
// Cost: V8 walking to and summarizing the caller's frame dominates (several µs; reading
// the frame's fields through a custom prepareStackTrace instead of the text saves nothing).
// `libDetail: false` switches it off.

const holder = {};

/**
 * The `stack` text whose first frame is the caller of `method`.
 * @param {Function} method the SDK method the user called
 * @returns {string | undefined}
 */
function capture(method) {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 1;
  Error.captureStackTrace(holder, method);
  Error.stackTraceLimit = limit;
  const stack = holder.stack;
  // A user's Error.prepareStackTrace may return anything: then there is no detail.
  return typeof stack === 'string' ? stack : undefined;
}

module.exports = { capture };
