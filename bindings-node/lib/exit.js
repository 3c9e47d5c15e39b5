'use strict';
// Draining at exit. A client never keeps the process alive (the SDK holds no libuv handle),
// so records still buffered when the event loop runs dry would be lost. Clients that sent
// something since their last flush are kept in `pending` (and only those: an idle client can
// be collected); when the loop is about to end ('beforeExit') their consumers are closed off
// the JS thread, which runs the loop once more; an explicit process.exit() skips
// 'beforeExit', so 'exit' closes what is left synchronously. Each close is bounded by its
// consumer (the HTTP consumers give up after 10 s and say so), so exit is too.

/** A client's asynchronous drain (returns a Promise) and its synchronous one. */
const DRAIN = Symbol('sensorsanalytics.drain');
const DRAIN_SYNC = Symbol('sensorsanalytics.drainSync');

const pending = new Set();
let installed = false;

function report(err) {
  process.emitWarning(`sensorsanalytics: records could not be flushed at exit: ${err && err.message}`);
}

function onBeforeExit() {
  if (pending.size === 0) return;
  const clients = [...pending];
  pending.clear();
  for (const client of clients) {
    client[DRAIN]().catch(report);
  }
}

function onExit() {
  const clients = [...pending];
  pending.clear();
  for (const client of clients) {
    try {
      client[DRAIN_SYNC]();
    } catch (err) {
      report(err);
    }
  }
}

/** Registers a client that has records to flush. */
function mark(client) {
  if (!installed) {
    installed = true;
    process.on('beforeExit', onBeforeExit);
    process.on('exit', onExit);
  }
  pending.add(client);
}

/** Forgets a client (flushed or closed by its user). */
function unmark(client) {
  pending.delete(client);
}

module.exports = { DRAIN, DRAIN_SYNC, mark, unmark };
