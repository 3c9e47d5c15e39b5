'use strict';
// sensorsanalytics: the Sensors Analytics (神策分析) server-side SDK for Node.js.
// The API is the official Python SDK's (SensorsAnalyticsSDK 1.11.0) in camelCase; the work is
// done by a shared Rust core (native.js loads it). This file only assembles the public API.

const native = require('./native.js');
const errors = require('./lib/errors.js');
const { SensorsAnalyticsIdentity } = require('./lib/identity.js');
const { SensorsAnalytics } = require('./lib/client.js');
const {
  DefaultConsumer,
  BatchConsumer,
  AsyncBatchConsumer,
  DebugConsumer,
  ConsoleConsumer,
  LoggingConsumer,
  ConcurrentLoggingConsumer,
} = require('./lib/consumers.js');
const { RecordingConsumer } = require('./lib/recording.js');
const { KafkaConsumer } = require('./lib/kafka_consumer.js');

// The native half throws these classes and checks identities against this one.
native.registerClasses(
  errors.SensorsAnalyticsIllegalDataException,
  errors.SensorsAnalyticsNetworkException,
  errors.SensorsAnalyticsFileLockException,
  errors.SensorsAnalyticsDebugException,
  SensorsAnalyticsIdentity,
);

module.exports = {
  SensorsAnalytics,
  SensorsAnalyticsIdentity,
  DefaultConsumer,
  BatchConsumer,
  AsyncBatchConsumer,
  DebugConsumer,
  ConsoleConsumer,
  LoggingConsumer,
  ConcurrentLoggingConsumer,
  RecordingConsumer,
  KafkaConsumer,
  SensorsAnalyticsException: errors.SensorsAnalyticsException,
  SensorsAnalyticsIllegalDataException: errors.SensorsAnalyticsIllegalDataException,
  SensorsAnalyticsNetworkException: errors.SensorsAnalyticsNetworkException,
  SensorsAnalyticsFileLockException: errors.SensorsAnalyticsFileLockException,
  SensorsAnalyticsDebugException: errors.SensorsAnalyticsDebugException,
  SDK_VERSION: native.SDK_VERSION,
};
