'use strict';
// `SensorsAnalytics`: the reference's API in camelCase. Each method captures the call site
// (unless `libDetail: false`; in the method's own body, with no helper function in between:
// see lib/callsite.js), offers the fast JSON form of its properties, and makes one native
// call, which converts, validates and writes the record. With a JS consumer the record
// comes back from that call and is handed to `consumer.send` here, on the JS thread.

const native = require('../native.js');
const { arm, take } = require('./callsite.js');
const { encode } = require('./properties.js');
const { NATIVE, options } = require('./consumers.js');
const exit = require('./exit.js');

/** `bind(a, b)` and `bind([a, b])` both work: a single array argument is the list. */
function list(identities) {
  return identities.length === 1 && Array.isArray(identities[0]) ? identities[0] : identities;
}

const { ProfileOp } = native;

class SensorsAnalytics {
  /** The native client (a handle for the functions of native.js). */
  #h;
  #consumer;
  /** Capture `$lib_detail`. */
  #libDetail;
  /** Registered for the exit drain since the last flush. */
  #pending = false;

  /**
   * @param consumer one of the SDK's consumers, or any object with send(record), flush()
   *   and close()
   * @param opts `{ projectName, enableTimeFree, libDetail }`
   */
  constructor(consumer, opts) {
    const { projectName = null, enableTimeFree = false, libDetail = true } = options(opts, 'SensorsAnalytics');
    if (consumer === null || typeof consumer !== 'object' || typeof consumer.send !== 'function') {
      throw new TypeError('consumer must be an object with send(record), flush() and close()');
    }
    const own = consumer[NATIVE];
    this.#h = native.createClient(
      own ? own.handle() : null,
      projectName == null ? null : String(projectName),
      !!enableTimeFree,
    );
    this.#consumer = consumer;
    this.#libDetail = libDetail !== false;
  }

  /** The record of a native call: to the JS consumer if there is one; due a flush at exit. */
  #sent(record) {
    if (record != null) this.#consumer.send(record);
    if (!this.#pending) {
      this.#pending = true;
      exit.mark(this);
    }
  }

  track(distinctId, eventName, properties, isLoginId = false) {
    const site = this.#libDetail ? (Error.captureStackTrace(arm(), P.track), take()) : undefined;
    this.#sent(native.track(this.#h, site, distinctId, eventName, properties, encode(properties), !!isLoginId));
  }

  trackSignup(distinctId, originalId, properties) {
    const site = this.#libDetail ? (Error.captureStackTrace(arm(), P.trackSignup), take()) : undefined;
    this.#sent(native.trackSignup(this.#h, site, distinctId, originalId, properties, encode(properties)));
  }

  profileSet(distinctId, profiles, isLoginId = false) {
    const site = this.#libDetail ? (Error.captureStackTrace(arm(), P.profileSet), take()) : undefined;
    this.#sent(native.profile(this.#h, site, ProfileOp.Set, distinctId, profiles, encode(profiles), !!isLoginId));
  }

  profileSetOnce(distinctId, profiles, isLoginId = false) {
    const site = this.#libDetail ? (Error.captureStackTrace(arm(), P.profileSetOnce), take()) : undefined;
    this.#sent(native.profile(this.#h, site, ProfileOp.SetOnce, distinctId, profiles, encode(profiles), !!isLoginId));
  }

  profileIncrement(distinctId, profiles, isLoginId = false) {
    const site = this.#libDetail ? (Error.captureStackTrace(arm(), P.profileIncrement), take()) : undefined;
    this.#sent(native.profile(this.#h, site, ProfileOp.Increment, distinctId, profiles, encode(profiles), !!isLoginId));
  }

  profileAppend(distinctId, profiles, isLoginId = false) {
    const site = this.#libDetail ? (Error.captureStackTrace(arm(), P.profileAppend), take()) : undefined;
    this.#sent(native.profile(this.#h, site, ProfileOp.Append, distinctId, profiles, encode(profiles), !!isLoginId));
  }

  /** `profileKeys`: a list of keys, or an object whose keys are unset. */
  profileUnset(distinctId, profileKeys, isLoginId = false) {
    const site = this.#libDetail ? (Error.captureStackTrace(arm(), P.profileUnset), take()) : undefined;
    this.#sent(native.profile(this.#h, site, ProfileOp.Unset, distinctId, profileKeys, undefined, !!isLoginId));
  }

  profileDelete(distinctId, isLoginId = false) {
    const site = this.#libDetail ? (Error.captureStackTrace(arm(), P.profileDelete), take()) : undefined;
    this.#sent(native.profile(this.#h, site, ProfileOp.Delete, distinctId, undefined, undefined, !!isLoginId));
  }

  itemSet(itemType, itemId, properties) {
    const site = this.#libDetail ? (Error.captureStackTrace(arm(), P.itemSet), take()) : undefined;
    this.#sent(native.item(this.#h, site, false, itemType, itemId, properties, encode(properties)));
  }

  itemDelete(itemType, itemId, properties) {
    const site = this.#libDetail ? (Error.captureStackTrace(arm(), P.itemDelete), take()) : undefined;
    this.#sent(native.item(this.#h, site, true, itemType, itemId, properties, encode(properties)));
  }

  /** Merges `properties` into the properties every event carries. */
  registerSuperProperties(properties) {
    native.registerSuperProperties(this.#h, undefined, properties, encode(properties));
  }

  clearSuperProperties() {
    native.clearSuperProperties(this.#h);
  }

  /** ID-Mapping 3.0: `bind(first, second, ...more)` (or one array). */
  bind(...identities) {
    const site = this.#libDetail ? (Error.captureStackTrace(arm(), P.bind), take()) : undefined;
    this.#sent(native.bind(this.#h, site, list(identities)));
  }

  unbind(identity) {
    const site = this.#libDetail ? (Error.captureStackTrace(arm(), P.unbind), take()) : undefined;
    this.#sent(native.unbind(this.#h, site, identity));
  }

  trackById(eventName, properties, ...identities) {
    const site = this.#libDetail ? (Error.captureStackTrace(arm(), P.trackById), take()) : undefined;
    this.#sent(native.trackById(this.#h, site, eventName, properties, encode(properties), list(identities)));
  }

  profileSetById(properties, ...identities) {
    const site = this.#libDetail ? (Error.captureStackTrace(arm(), P.profileSetById), take()) : undefined;
    this.#sent(native.profileById(this.#h, site, ProfileOp.Set, properties, encode(properties), list(identities)));
  }

  profileSetOnceById(properties, ...identities) {
    const site = this.#libDetail ? (Error.captureStackTrace(arm(), P.profileSetOnceById), take()) : undefined;
    this.#sent(native.profileById(this.#h, site, ProfileOp.SetOnce, properties, encode(properties), list(identities)));
  }

  profileIncrementById(properties, ...identities) {
    const site = this.#libDetail ? (Error.captureStackTrace(arm(), P.profileIncrementById), take()) : undefined;
    this.#sent(native.profileById(this.#h, site, ProfileOp.Increment, properties, encode(properties), list(identities)));
  }

  profileAppendById(properties, ...identities) {
    const site = this.#libDetail ? (Error.captureStackTrace(arm(), P.profileAppendById), take()) : undefined;
    this.#sent(native.profileById(this.#h, site, ProfileOp.Append, properties, encode(properties), list(identities)));
  }

  /** `profileKeys`: a list of keys. */
  profileUnsetById(profileKeys, ...identities) {
    const site = this.#libDetail ? (Error.captureStackTrace(arm(), P.profileUnsetById), take()) : undefined;
    this.#sent(native.profileById(this.#h, site, ProfileOp.Unset, profileKeys, undefined, list(identities)));
  }

  profileDeleteById(...identities) {
    const site = this.#libDetail ? (Error.captureStackTrace(arm(), P.profileDeleteById), take()) : undefined;
    this.#sent(native.profileById(this.#h, site, ProfileOp.Delete, undefined, undefined, list(identities)));
  }

  /** Writes or sends what the consumer buffers. Resolves when done. */
  async flush() {
    this.#unmark();
    await this.#consumer.flush();
  }

  /** Flushes and releases the consumer. Resolves when done. */
  async close() {
    this.#unmark();
    await this.#consumer.close();
  }

  #unmark() {
    if (this.#pending) {
      this.#pending = false;
      exit.unmark(this);
    }
  }

  // The exit drain (exit.js). The SDK's consumers are closed: that sends what they hold
  // within their bound and stops their threads, so nothing waits again when they are freed.
  // A JS consumer is only flushed: its life is its owner's business.

  [exit.DRAIN]() {
    this.#pending = false;
    const own = this.#consumer[NATIVE];
    return own ? own.close() : Promise.resolve().then(() => this.#consumer.flush());
  }

  [exit.DRAIN_SYNC]() {
    this.#pending = false;
    const own = this.#consumer[NATIVE];
    if (own) own.finishSync(true);
    else if (typeof this.#consumer.flush === 'function') this.#consumer.flush();
  }
}

/** The methods, for call-site capture (frames from these on are the SDK's). */
const P = SensorsAnalytics.prototype;

module.exports = { SensorsAnalytics };
