'use strict';
// The e-commerce example in Node (CommonJS): a shopper views a product, signs up, pays, gets a
// profile, and the catalogue gets an item. Records go to a local log file, the form LogAgent
// or Flume would pick up.
//
//   npm install                      # links ../../bindings-node (built with `npm run build`)
//   node ecommerce.js [LOG_PATH]     # default: out/ecommerce-node.log

const fs = require('node:fs');
const path = require('node:path');
const { SensorsAnalytics, LoggingConsumer } = require('sensorsanalytics');

async function main() {
  const file = process.argv[2] || path.join('out', 'ecommerce-node.log');
  fs.mkdirSync(path.dirname(file), { recursive: true });

  const sa = new SensorsAnalytics(new LoggingConsumer(file), { projectName: 'default' });
  try {
    sa.registerSuperProperties({ platform: 'web' });

    const anonymousId = '9771C579-71F0-4650-8EE8-8999FA717761';
    const userId = 'user-10086';

    sa.track(anonymousId, 'ViewProduct', {
      product_id: 'SKU-1001',
      product_name: 'Wireless Mouse',
      product_classify: 'electronics',
      price: 89.9,
    });
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
  } finally {
    // Writes out what is buffered (off the JS thread).
    await sa.close();
  }
  console.log(`wrote 6 records to ${file}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
