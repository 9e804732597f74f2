import { InMemoryBroker } from '../../sdk/memory/in-memory-broker.js';
import { describeBrokerConformance } from './broker.suite.js';

const QUEUE = 'conf-default';

describeBrokerConformance('InMemoryBroker', async () => {
  // InMemoryBroker accepts every delay; make it refuse what SQS refuses so the positional mapping of
  // a mixed batch is exercised on both adapters.
  const broker = new InMemoryBroker({ refuse: (m) => (m.delaySeconds > 900 ? 'InvalidParameterValue' : undefined) });
  return {
    broker,
    queueName: QUEUE,
    source: broker.arnOf(QUEUE),
    refusedCode: 'InvalidParameterValue',
    receive: async () => broker.receive(QUEUE),
    deadLetters: async () => broker.messages(`${QUEUE}-dlq`).map((m) => ({ body: m.body, reason: m.reason ?? { code: '(none)', message: '(none)' } })),
    dispose: async () => {},
  };
});
