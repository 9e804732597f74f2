/**
 * Runs fauxqs (an SQS emulator in Node) on 127.0.0.1 and a free port, in its own process so it does
 * not share the bench's event loop. Prints `fauxqs listening on <url>`; stops on SIGTERM.
 */
import { buildApp } from 'fauxqs';

const app = buildApp({ logger: false });
const address = await app.listen({ port: 0, host: '127.0.0.1' });
console.log(`fauxqs listening on ${address}`);
const stop = () => {
  void app.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
