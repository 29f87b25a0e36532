/**
 * An engine client that outlives its engine. When the worker dies (an uncaught error, a `close()`,
 * a kill: client.ts notices by the worker's lifetime lock or its silence) a fresh engine is started
 * at once, the files loaded so far are loaded into it again from the same `File`/`Blob` objects,
 * and the last detection is re-run with the same allow-list and knob, so the analyst loses
 * nothing: their tuning state (allow-list, knobs, verdicts, pins) lives in the UI and the URL
 * hash, never in the engine. `restart()` does the same on request. Listeners of `onLifecycle`
 * hear `stopped` when it happens and `restarted` (with what came back and what did not) after.
 */
import { createEngineClient, isEngineStopped, type EngineClient, type EngineLifecycleEvent } from './client';
import type { RuleKnobs } from '../rule/knobs';
import type { UnknownBoot } from './protocol';

export interface RestartableEngineClient extends EngineClient {
  /** Starts a fresh engine and reloads the files and the last detection into it. */
  restart(): Promise<void>;
  /** How many times the engine was restarted. */
  readonly restarts: number;
  onLifecycle(listener: (event: EngineLifecycleEvent) => void): () => void;
}

/** True for the rejection the client gives when its worker died (client.ts `EngineStoppedError`). */
export function isEngineCrash(err: unknown): boolean {
  return isEngineStopped(err) || (err instanceof Error && err.message.startsWith('the engine worker failed'));
}

const AGAIN = 'the engine stopped again while the files were loaded into it: load this file again';

export function createRestartableClient(
  start: () => EngineClient = () => createEngineClient(),
): RestartableEngineClient {
  let current: EngineClient;
  let unsubscribe: () => void = () => undefined;
  let crashed = false;
  let restarting: Promise<void> | null = null;
  let restarts = 0;
  const files: { file: Blob; name: string }[] = [];
  let lastDetect: { allowList: readonly string[] | null; unknownBoot: UnknownBoot; knobs: RuleKnobs } | null = null;
  const listeners = new Set<(event: EngineLifecycleEvent) => void>();
  const emit = (event: EngineLifecycleEvent): void => {
    for (const l of [...listeners]) l(event);
  };

  const attach = (c: EngineClient): void => {
    current = c;
    const off = c.onLifecycle?.((event) => {
      if (event.kind !== 'stopped' || c !== current) return;
      crashed = true;
      emit(event);
      // At once, not at the next request: the page is told, and the engine is back before it is needed.
      // A death during a restart is handled by that restart (it stops reloading, see below).
      if (!restarting) void restart();
    });
    unsubscribe = typeof off === 'function' ? off : () => undefined;
  };
  attach(start());

  const restart = (): Promise<void> => {
    restarting ??= (async () => {
      unsubscribe();
      current.dispose();
      attach(start());
      crashed = false;
      restarts++;
      const reloaded: string[] = [];
      const failed: { name: string; message: string }[] = [];
      for (const f of [...files]) {
        if (crashed) {
          failed.push({ name: f.name, message: AGAIN });
          continue;
        }
        try {
          await current.ingest(f.file, f.name);
          reloaded.push(f.name);
        } catch (err) {
          // A File that can no longer be read (moved, changed on disk), or the engine dying again
          // on it (then it is not replayed by later restarts, so a file that kills the engine
          // cannot make it crash in a loop).
          failed.push({ name: f.name, message: err instanceof Error ? err.message : String(err) });
          if (isEngineCrash(err)) crashed = true;
        }
      }
      for (const x of failed)
        files.splice(
          files.findIndex((f) => f.name === x.name),
          1,
        );
      if (failed.length > 0) lastDetect = null;
      if (lastDetect && !crashed) {
        try {
          await current.detect(lastDetect.allowList, { unknownBoot: lastDetect.unknownBoot, knobs: lastDetect.knobs });
        } catch (err) {
          if (isEngineCrash(err)) crashed = true;
        }
      }
      emit({ kind: 'restarted', restarts, reloaded, failed });
    })().finally(() => {
      restarting = null;
    });
    return restarting;
  };

  /** Runs `f` on a live engine: restarts first after a crash; notes a crash for the next call. */
  const call = async <T>(f: (c: EngineClient) => Promise<T>): Promise<T> => {
    if (restarting) await restarting;
    if (crashed) await restart();
    const c = current;
    try {
      return await f(c);
    } catch (err) {
      // Only a crash of the engine still in use counts (a restart may already have replaced it).
      if (isEngineCrash(err) && c === current) crashed = true;
      throw err;
    }
  };

  // Methods that keep what a restart replays; every other method is forwarded through `call`
  // (a Proxy, so methods added to EngineClient later are covered without an edit here).
  const own: Partial<Record<keyof RestartableEngineClient, unknown>> = {
    restart,
    ingest: async (...args: Parameters<EngineClient['ingest']>) => {
      const [file, name] = args;
      const out = await call((c) => c.ingest(...args));
      const i = files.findIndex((f) => f.name === name);
      if (i >= 0) files.splice(i, 1);
      files.push({ file, name });
      return out;
    },
    detect: async (...args: Parameters<EngineClient['detect']>) => {
      const out = await call((c) => c.detect(...args));
      lastDetect = { allowList: args[0], unknownBoot: args[1]?.unknownBoot ?? 'drop', knobs: args[1]?.knobs ?? {} };
      return out;
    },
    clear: async () => {
      await call((c) => c.clear());
      files.length = 0;
      lastDetect = null;
    },
    onLifecycle: (listener: (event: EngineLifecycleEvent) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose: () => {
      listeners.clear();
      unsubscribe();
      current.dispose();
    },
  };
  return new Proxy({} as RestartableEngineClient, {
    get(_, prop) {
      if (prop === 'mode') return current.mode;
      if (prop === 'restarts') return restarts;
      if (typeof prop === 'string' && prop in own) return own[prop as keyof RestartableEngineClient];
      const v = (current as unknown as Record<PropertyKey, unknown>)[prop];
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) =>
        call((c) => (c as unknown as Record<PropertyKey, (...a: unknown[]) => Promise<unknown>>)[prop]!(...args));
    },
  });
}
