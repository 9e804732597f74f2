import { InMemoryCoordination } from '../../sdk/memory/in-memory-coordination.js';
import { describeCoordinationConformance } from './coordination.suite.js';

describeCoordinationConformance('InMemoryCoordination', async () => new InMemoryCoordination());
