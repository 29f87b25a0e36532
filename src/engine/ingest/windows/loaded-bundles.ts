import type { FileLedger } from './build-results';
import type { EventBundle } from './event-bundle';

/**
 * A finished file's events, keyed by each table it produced, so `enrichAcrossFiles` can resolve
 * the files of one load together without re-reading them. Weak: tables dropped by the caller
 * free their events.
 */
export const loadedBundles = new WeakMap<object, { readonly bundle: EventBundle; readonly ledger: FileLedger }>();
