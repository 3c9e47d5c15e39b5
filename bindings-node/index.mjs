// ES module entry: the same objects as index.js (`import { SensorsAnalytics } from 'sensorsanalytics'`).
import sdk from './index.js';

export const {
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
  SensorsAnalyticsException,
  SensorsAnalyticsIllegalDataException,
  SensorsAnalyticsNetworkException,
  SensorsAnalyticsFileLockException,
  SensorsAnalyticsDebugException,
  SDK_VERSION,
} = sdk;

export default sdk;
