// The CLI's CSV part worker run from source (bench, tsx): Node 20 worker threads do not inherit
// tsx's loader hooks, so the worker registers them itself before importing the TypeScript module.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/csv-part-worker.ts');
