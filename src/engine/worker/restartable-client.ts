/**
 * An engine client that outlives its engine. When the worker crashes (an uncaught error, an
 * out-of-memory that takes the worker down) or `restart()` is called, a fresh engine is started,
 * the files loaded so far are loaded into it again, and the last detection is re-run with the same
 * allow-list and knob, so the analyst loses nothing: their tuning state lives in the UI (and the
 * URL hash) and the data comes back from the same `File` objects.
 */
import { createEngineClient, type EngineClient } from './client';
import type { RuleKnobs } from '../rule/knobs';
import type { UnknownBoot } from './protocol';

export interface RestartableEngineClient extends EngineClient {
  /** Starts a fresh engine and reloads the files and the last detection into it. */
  restart(): Promise<void>;
  /** How many times the engine was restarted. */
  readonly restarts: number;
}

/** True for the rejection the client gives when its worker died (see client.ts `onCrash`). */
export function isEngineCrash(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('the engine worker failed');
}

export function createRestartableClient(
  start: () => EngineClient = () => createEngineClient(),
): RestartableEngineClient {
  let current = start();
  let crashed = false;
  let restarting: Promise<void> | null = null;
  let restarts = 0;
  const files: { file: Blob; name: string }[] = [];
  let lastDetect: { allowList: readonly string[] | null; unknownBoot: UnknownBoot; knobs: RuleKnobs } | null = null;

  const restart = (): Promise<void> => {
    restarting ??= (async () => {
      current.dispose();
      current = start();
      crashed = false;
      restarts++;
      for (const f of files) await current.ingest(f.file, f.name);
      if (lastDetect)
        await current.detect(lastDetect.allowList, { unknownBoot: lastDetect.unknownBoot, knobs: lastDetect.knobs });
    })().finally(() => {
      restarting = null;
    });
    return restarting;
  };

  /** Runs `f` on a live engine: restarts first after a crash; notes a crash for the next call. */
  const call = async <T>(f: (c: EngineClient) => Promise<T>): Promise<T> => {
    if (restarting) await restarting;
    if (crashed) await restart();
    try {
      return await f(current);
    } catch (err) {
      if (isEngineCrash(err)) crashed = true;
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
    dispose: () => current.dispose(),
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
