'use strict';
// The exception classes of the reference SDK. The native half throws instances of these
// (registered in index.js), with the reference's message texts.

class SensorsAnalyticsException extends Error {}

/** Bad input: names, ids, property values, identities. */
class SensorsAnalyticsIllegalDataException extends SensorsAnalyticsException {}

/** A send failed, or the async queue was full. */
class SensorsAnalyticsNetworkException extends SensorsAnalyticsException {}

/** ConcurrentLoggingConsumer could not lock or write its file. */
class SensorsAnalyticsFileLockException extends SensorsAnalyticsException {}

/** DebugConsumer got a status >= 300. As in the reference, not a SensorsAnalyticsException. */
class SensorsAnalyticsDebugException extends Error {}

// `name` on the prototype, not per instance: errors print as `SensorsAnalytics...: message`.
for (const cls of [
  SensorsAnalyticsException,
  SensorsAnalyticsIllegalDataException,
  SensorsAnalyticsNetworkException,
  SensorsAnalyticsFileLockException,
  SensorsAnalyticsDebugException,
]) {
  Object.defineProperty(cls.prototype, 'name', { value: cls.name, writable: true, configurable: true });
}

module.exports = {
  SensorsAnalyticsException,
  SensorsAnalyticsIllegalDataException,
  SensorsAnalyticsNetworkException,
  SensorsAnalyticsFileLockException,
  SensorsAnalyticsDebugException,
};
