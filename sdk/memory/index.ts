/**
 * `celeriac/memory`: in-memory adapters of the ports, held to the same conformance suites as the AWS ones.
 * @module celeriac/memory
 */
export { InMemoryBroker, type InMemoryBrokerOptions, type ReceivedMessage, type StoredMessage } from './in-memory-broker.js';
export { InMemoryResultBackend } from './in-memory-result-backend.js';
export { InMemoryScheduler } from './in-memory-scheduler.js';
