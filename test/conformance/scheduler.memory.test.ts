import { InMemoryScheduler } from '../../sdk/memory/in-memory-scheduler.js';
import { describeSchedulerConformance } from './scheduler.suite.js';

describeSchedulerConformance('InMemoryScheduler', async () => ({ scheduler: new InMemoryScheduler(), queueName: 'unit-default' }));
