import { InMemoryResultBackend } from '../../sdk/memory/in-memory-result-backend.js';
import { describeResultBackendConformance } from './result-backend.suite.js';

describeResultBackendConformance('InMemoryResultBackend', async () => new InMemoryResultBackend());
