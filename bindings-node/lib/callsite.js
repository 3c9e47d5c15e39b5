'use strict';
// `$lib_detail`: where the user called the SDK. Each SDK method captures one V8 frame, its
// caller's (`Error.captureStackTrace`'s second argument skips the SDK's own frames), as
//
//     Error.captureStackTrace(arm(), P.method), take()
//
// and reads it through a structured `Error.prepareStackTrace` installed only between arm() and
// take(): V8 hands over the frame as a CallSite object, never as text. The first time a site
// is seen, the frame's text is parsed natively (src/site.rs) into a handle, kept here by file,
// source position and receiver type; every later call from that site passes the handle, so
// nothing is formatted, converted or parsed per call.
//
// Why this shape. Measured with bench/bench.js's event on Node 20, CPU µs an event on the
// project's 2-core machine, by swapping parts out: 3.0 µs with `libDetail: false`; the old way
// (one V8 frame formatted as text by Node, parsed natively on every call, captured behind two
// helper functions) added ~7 µs, this adds ~5 µs:
// - Walking to the caller, ~3.1 µs, the bulk: V8 rebuilds the inlined frames of the caller's
//   optimized code (its TranslatedState) to find the frame. Each function between the user and
//   captureStackTrace is one more inlined frame to rebuild, ~0.4 µs: so the capture sits in the
//   SDK method itself, arm() and take() run before and after it, never around it. The rest is
//   V8's fixed cost and the caller's own code (~1.9 µs for a bare loop), out of our reach.
// - Reading `stack`: Node's text formatting (CallSite toString, joining) through its
//   prepareStackTrace callback was ~2.7 µs; the structured hook, ~1.45 µs, is what is left
//   (V8 making the CallSite object and calling Node's JS callback, which calls ours). The lookup
//   runs in the hook, not in take(), so that the method stays small enough for V8 to inline it
//   into the caller (a method not inlined is one more optimized frame to rebuild: ~+0.5 µs).
// - The cache key: three CallSite getters (getPosition scans the caller's source positions)
//   and three Map lookups, ~0.35 µs. Passing the handle: ~0.1 µs, against ~0.35 µs for passing
//   the ~70-character text through Node-API and parsing it.
// - No measurable difference: an Error or a null-prototype object as the holder, not restoring
//   Error.stackTraceLimit, try/finally, one flat map instead of nested ones, the SDK method's
//   argument count (rest parameters, `arguments`) or register count (splitting it in two).
// - Slower: a fresh holder per capture, +0.5 µs (V8 reshapes it each time); capturing in a vm
//   context with its own Error (set up once, so no global writes per call), +0.6 µs, as Node's
//   callback then finds `Error` through the context's interceptor; reading
//   process.sourceMapsEnabled on every call, +0.4 µs (hence read once, at load).
//
// Behaviour: the user's Error.prepareStackTrace and Error.stackTraceLimit are swapped out only
// for our capture and restored right after, so they apply to every other error and never see
// ours; the detail is the position in the JavaScript that runs, whatever a user's hook does.
// Only when Node's own source maps were on when the SDK was loaded (`--enable-source-maps`) is
// the frame read as text through Node's formatting, which maps it, and parsed on every call
// (slower); likewise when Error's settings cannot be changed (`--frozen-intrinsics`). Frames without a file name (eval, new Function) and static-method calls (see
// siteOf) are parsed on every call too. The cache assumes one script per file name: two
// scripts run under one name (vm code without a filename) could share a site at one position.

const native = require('../native.js');

/** Sites kept at most; past that the cache starts over (the old handles become garbage). */
const MAX_SITES = 2000;

/** Whether `Error[name]` can be set (not under `--frozen-intrinsics`, say). */
function settable(name) {
  const d = Object.getOwnPropertyDescriptor(Error, name);
  return d ? d.writable === true : Object.isExtensible(Error);
}

/** Ours may replace the user's Error.stackTraceLimit and Error.prepareStackTrace. */
const SETTABLE = settable('stackTraceLimit') && settable('prepareStackTrace');

/**
 * Read the frame as Node's text (see above): when Node maps positions through source maps, or
 * when our hook cannot be installed (then the capture also has the user's frame limit).
 */
const TEXT =
  process.sourceMapsEnabled === true || process.execArgv.includes('--enable-source-maps') || !SETTABLE;

/** The object captured into; its `stack` is what hook() returns: a site handle. */
const holder = {};

/** The user's settings while ours are in place, and whether they are. */
let savedLimit;
let savedPrepare;
let armed = false;

/** file name → source position → receiver type name (or null) → site handle (or null). */
let sites = new Map();
let count = 0;

/** Sets up one capture; returns the object to capture into. */
function arm() {
  if (SETTABLE) {
    // Still armed only if a capture threw before take(): keep the user's values saved then.
    if (!armed) {
      savedLimit = Error.stackTraceLimit;
      savedPrepare = Error.prepareStackTrace;
      armed = true;
    }
    Error.stackTraceLimit = 1;
    if (!TEXT) Error.prepareStackTrace = hook;
  }
  return holder;
}

/**
 * The site captured since arm(), for the native methods: a handle, a `stack` text (see TEXT)
 * or undefined; puts the user's settings back.
 */
function take() {
  let site;
  try {
    site = holder.stack;
  } finally {
    if (SETTABLE) {
      Error.prepareStackTrace = savedPrepare;
      Error.stackTraceLimit = savedLimit;
      armed = false;
    }
  }
  // Read as text: Node's (or whatever a user's hook made of it).
  return TEXT && typeof site !== 'string' ? undefined : site;
}

/** The structured hook: V8 calls it when `holder.stack` is read, with the frame as a CallSite. */
function hook(error, frames) {
  if (error !== holder) {
    // Another error while armed (only if a capture threw before take()): not ours to format.
    return typeof savedPrepare === 'function' ? savedPrepare(error, frames) : undefined;
  }
  return frames.length === 0 ? undefined : siteOf(frames[0]);
}

/** The cached handle of a frame's site, made on first sight. */
function siteOf(frame) {
  const file = frame.getFileName();
  const type = frame.getTypeName();
  // A static method's text names the class it was called on, which Node 20's getTypeName()
  // does not tell ('Function' for any): such sites, and code without a file, are not kept.
  if (file == null || type === 'Function') return native.site(frame.toString());
  // Otherwise the frame's text is a function of file, position (which fixes the line and the
  // enclosing function) and receiver type (the `Class.` part). Except for a function without a
  // name called as a method: V8 names it by the property it was called through, and the first
  // name seen at that site is kept.
  const position = frame.getPosition();
  let byPosition = sites.get(file);
  if (byPosition === undefined) sites.set(file, (byPosition = new Map()));
  let byType = byPosition.get(position);
  if (byType === undefined) byPosition.set(position, (byType = new Map()));
  let site = byType.get(type);
  if (site === undefined) {
    site = native.site(frame.toString());
    if (++count > MAX_SITES) {
      sites = new Map();
      count = 0;
    } else {
      byType.set(type, site);
    }
  }
  return site;
}

module.exports = { arm, take };
