import { InMemoryResultBackend } from '../../sdk/memory/in-memory-result-backend.js';
import { describeControlConformance } from './control.suite.js';

describeControlConformance('InMemoryResultBackend', async () => new InMemoryResultBackend());
