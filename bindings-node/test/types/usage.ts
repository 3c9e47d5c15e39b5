// Compiled (not run) by types.test.js with `tsc --strict`: index.d.ts must describe the API as
// it is used here, and reject what is wrong (the @ts-expect-error lines).
import {
  SensorsAnalytics,
  SensorsAnalyticsIdentity,
  LoggingConsumer,
  ConcurrentLoggingConsumer,
  ConsoleConsumer,
  DefaultConsumer,
  BatchConsumer,
  AsyncBatchConsumer,
  DebugConsumer,
  RecordingConsumer,
  SensorsAnalyticsException,
  SensorsAnalyticsIllegalDataException,
  SensorsAnalyticsDebugException,
  SDK_VERSION,
  type Consumer,
} from 'sensorsanalytics';
import sdk from 'sensorsanalytics';

const sa = new SensorsAnalytics(new LoggingConsumer('/tmp/x.log', { backupCount: 3, when: 'H' }), {
  projectName: 'p',
  enableTimeFree: true,
  libDetail: false,
});
sa.track('u1', 'Buy', { price: 1.5, n: 2, ok: true, at: new Date(), big: 5n, tags: ['a'], none: null });
sa.track(42, 'Buy', undefined, true);
sa.trackSignup('login', 'anon');
sa.profileSet('u1', { a: 1 });
sa.profileSetOnce('u1', { a: 1 }, true);
sa.profileIncrement('u1', { n: 1 });
sa.profileAppend('u1', { tags: ['x'] });
sa.profileUnset('u1', ['a']);
sa.profileDelete('u1');
sa.itemSet('book', 'b1', { title: 't' });
sa.itemDelete('book', 'b1');
sa.registerSuperProperties({ app: 'x' });
sa.clearSuperProperties();
const login = new SensorsAnalyticsIdentity(SensorsAnalyticsIdentity.LOGIN_ID, 'L');
const email = new SensorsAnalyticsIdentity(SensorsAnalyticsIdentity.EMAIL, 'e');
sa.bind(login, email);
sa.bind([login, email]);
sa.unbind(email);
sa.trackById('Buy', { p: 1 }, login);
sa.profileSetById({ a: 1 }, login, email);
sa.profileSetOnceById({ a: 1 }, login);
sa.profileIncrementById({ n: 1 }, login);
sa.profileAppendById({ t: ['a'] }, login);
sa.profileUnsetById(['a'], login);
sa.profileDeleteById(login);
const done: Promise<void> = sa.flush();
void done.then(() => sa.close());

const mine: Consumer = { send(_record: string) {}, flush() {}, close() {} };
new SensorsAnalytics(mine);
new SensorsAnalytics(new ConsoleConsumer());
new SensorsAnalytics(new ConcurrentLoggingConsumer('/tmp/c', { bufferSize: 100 }));
new SensorsAnalytics(new DefaultConsumer('http://127.0.0.1/sa', { requestTimeout: 1000 }));
new SensorsAnalytics(new BatchConsumer('http://127.0.0.1/sa', { maxSize: 10 }));
new SensorsAnalytics(new AsyncBatchConsumer('http://127.0.0.1/sa', { flushMaxTime: 1, flushSize: 5, maxBatchSize: 50, maxSize: 100 }));
new SensorsAnalytics(new DebugConsumer('http://127.0.0.1/sa', { writeData: false }));
// The Python SDK's parameters, positionally.
new SensorsAnalytics(new LoggingConsumer('/tmp/x.log', 3, 'H'));
new SensorsAnalytics(new ConcurrentLoggingConsumer('/tmp/c', 1000));
new SensorsAnalytics(new DefaultConsumer('http://127.0.0.1/sa', 1000));
new SensorsAnalytics(new BatchConsumer('http://127.0.0.1/sa', 10, 1000));
new SensorsAnalytics(new BatchConsumer('http://127.0.0.1/sa', 10));
new SensorsAnalytics(new AsyncBatchConsumer('http://127.0.0.1/sa', 1, 5, 50, 100, 1000));
new SensorsAnalytics(new AsyncBatchConsumer('http://127.0.0.1/sa', undefined, 5));
new SensorsAnalytics(new DebugConsumer('http://127.0.0.1/sa', false, null));

try {
  sa.track('', 'E');
} catch (e) {
  if (e instanceof SensorsAnalyticsIllegalDataException) {
    const base: SensorsAnalyticsException = e;
    const text: string = base.message;
    void text;
  }
  const debugIsError: Error = new SensorsAnalyticsDebugException('x');
  void debugIsError;
}
const v: string = SDK_VERSION;
const alsoDefault: typeof SensorsAnalytics = sdk.SensorsAnalytics;
void v;
void alsoDefault;

// @ts-expect-error: an object is not a property value
sa.track('u1', 'E', { nested: { a: 1 } });
// @ts-expect-error: identities must be SensorsAnalyticsIdentity
sa.unbind({ key: 'k', value: 'v' } as unknown as string);
// @ts-expect-error: a consumer needs send()
new SensorsAnalytics({ flush() {}, close() {} });

// RecordingConsumer, for users' own tests.
{
  const recorder = new RecordingConsumer();
  const rsa = new SensorsAnalytics(recorder);
  rsa.track('u1', 'E');
  const first: { [key: string]: any } | undefined = recorder.records[0];
  const lines: string[] = recorder.lines;
  const n: number = recorder.length + recorder.events('E').length;
  const closed: boolean = recorder.closed;
  recorder.clear();
  void [first, lines, n, closed];
}
