// The e-commerce example in TypeScript: the same session as ecommerce.js, type-checked
// against the package's index.d.ts.
//
//   npm install && npx tsc -p .        # compiles to dist/ecommerce.js
//   node dist/ecommerce.js [LOG_PATH]  # default: out/ecommerce-ts.log

import { SensorsAnalytics, LoggingConsumer, SensorsAnalyticsIllegalDataException, type Properties } from 'sensorsanalytics';

// The two things used from Node itself, declared here so the example needs no @types/node.
declare const process: { argv: string[]; exitCode?: number };
declare function require(name: 'node:fs'): { mkdirSync(p: string, o: { recursive: boolean }): void };

async function main(): Promise<void> {
  const file: string = process.argv[2] ?? 'out/ecommerce-ts.log';
  const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '.';
  require('node:fs').mkdirSync(dir, { recursive: true });

  const sa = new SensorsAnalytics(new LoggingConsumer(file), { projectName: 'default' });
  try {
    sa.registerSuperProperties({ platform: 'web' });

    const anonymousId = '9771C579-71F0-4650-8EE8-8999FA717761';
    const userId = 'user-10086';

    const product: Properties = {
      product_id: 'SKU-1001',
      product_name: 'Wireless Mouse',
      product_classify: 'electronics',
      price: 89.9,
    };
    sa.track(anonymousId, 'ViewProduct', product);
    sa.trackSignup(userId, anonymousId);
    sa.track(userId, 'PaidOrder', {
      order_id: 'ORDER-20261123-0001',
      product_id: 'SKU-1001',
      quantity: 2,
      order_amount: 179.8,
      pay_method: 'alipay',
    }, true);
    sa.profileSet(userId, { name: 'Li Lei', gender: 'male', vip_level: 3 }, true);
    sa.profileAppend(userId, { interests: ['electronics', 'books'] }, true);
    sa.itemSet('product', 'SKU-1001', { name: 'Wireless Mouse', price: 89.9 });

    // Bad input throws; nothing is recorded for it.
    try {
      sa.track(userId, '1-not-a-name');
    } catch (e) {
      if (!(e instanceof SensorsAnalyticsIllegalDataException)) throw e;
      console.log(`refused as expected: ${e.message}`);
    }
  } finally {
    await sa.close();
  }
  console.log(`wrote 6 records to ${file}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
