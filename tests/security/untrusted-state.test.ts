/**
 * Files the analyst loads are data, never code: a malicious saved tuning state (JSON / URL hash)
 * or rule YAML cannot run code, pollute prototypes or hang; each gives a clear error.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EMPTY_STATE, parseTuningState, parseTuningText, readStateHash } from '../../src/components/tuning-state';
import { loadRule } from '../../src/engine/rule/rule';
import { compileQuery } from '../../src/engine/run';
import { DEFENDER_TABLES } from '../../src/engine/table/defender-schema';

/**
 * Each malicious input must be handled within this: a hang guard, not a speed test. A 5 MB YAML
 * document takes 1-5 s on a loaded 2-core machine; the quadratic cases this guards against took minutes.
 */
const BOUND_MS = 15_000;

function timed<T>(f: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = f();
  return { value, ms: performance.now() - t0 };
}

function clean(): void {
  const probe = {} as Record<string, unknown>;
  expect(probe.polluted, 'Object.prototype polluted').toBeUndefined();
  expect(probe.isAdmin, 'Object.prototype polluted').toBeUndefined();
  expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
  expect(typeof ({} as { toString: unknown }).toString).toBe('function');
  expect((globalThis as { __pwned?: unknown }).__pwned).toBeUndefined();
}

afterEach(clean);

const HTML_NOTE = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>`;

describe('saved tuning state (JSON file, URL hash)', () => {
  const cases: [string, string][] = [
    ['__proto__ at the top', '{"__proto__": {"polluted": true}, "version": 1}'],
    [
      '__proto__ in verdicts and notes',
      '{"version":1,"verdicts":{"__proto__":{"polluted":true},"k":"benign"},"notes":{"__proto__":"x","constructor":"y"}}',
    ],
    [
      'constructor.prototype',
      '{"version":1,"constructor":{"prototype":{"polluted":true}},"allowList":{"constructor":{"prototype":{"isAdmin":true}},"entries":["a.exe"],"active":["a.exe"]}}',
    ],
    [
      'wrong types everywhere',
      '{"version":"1","allowList":[1,2],"unknownBoot":{"x":1},"zone":42,"verdicts":[],"notes":"no"}',
    ],
    [
      'entries of wrong type',
      '{"version":1,"allowList":{"entries":[1,null,{},["x"],true,"ok.exe"],"active":"ok.exe"}}',
    ],
    ['an array', '[1,2,3]'],
    ['null', 'null'],
    ['a string', '"hello"'],
    ['not JSON', "{version: 1, allowList: eval('1')}"],
    ['truncated', '{"version":1,"allowList":{"entries":["a'],
    ['deep nesting', `${'['.repeat(100_000)}${']'.repeat(100_000)}`],
  ];
  for (const [name, text] of cases) {
    it(`${name}: validated, nothing polluted`, () => {
      const { value, ms } = timed(() => parseTuningText(text));
      expect(ms).toBeLessThan(BOUND_MS);
      expect(value.state.version).toBe(1);
      expect(['drop', 'keep']).toContain(value.state.unknownBoot);
      expect(Object.getPrototypeOf(value.state.verdicts)).toBe(Object.prototype);
      for (const v of Object.values(value.state.verdicts))
        expect(['true-positive', 'benign', 'false-positive']).toContain(v);
      for (const v of Object.values(value.state.notes)) expect(typeof v).toBe('string');
      if (value.state.allowList) for (const e of value.state.allowList.entries) expect(typeof e).toBe('string');
      clean();
    });
  }

  it('__proto__ keys stay plain data: no prototype swap on the returned objects', () => {
    const { state, problems } = parseTuningText(
      '{"version":1,"verdicts":{"__proto__":"benign","a":"benign"},"notes":{"__proto__":"<b>x</b>"}}',
    );
    expect(Object.getPrototypeOf(state.verdicts)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(state.notes)).toBe(Object.prototype);
    expect(state.verdicts.a).toBe('benign');
    expect(problems.every((p) => typeof p === 'string')).toBe(true);
  });

  it('clear messages: not JSON, not an object, too large', () => {
    expect(parseTuningText('{oops').problems).toEqual(['not valid JSON']);
    expect(parseTuningText('[1]').problems).toEqual(['not a JSON object']);
    const big = timed(() => parseTuningText(`{"version":1,"notes":{"k":"${'x'.repeat(10_000_000)}"}}`));
    expect(big.ms).toBeLessThan(BOUND_MS);
    expect(big.value.problems).toEqual(['the state is larger than 2 MB']);
    expect(big.value.state).toEqual(EMPTY_STATE);
    expect(readStateHash('#state=%E0%A4%A')?.problems).toEqual(['the URL hash is not valid']);
  });

  it('huge arrays and maps, 10 MB strings (already parsed objects): bounded, fast', () => {
    const tenMb = 'A'.repeat(10_000_000);
    const data = {
      version: 1,
      allowList: {
        entries: [tenMb, ...Array.from({ length: 1_000_000 }, (_, i) => `p${i}.exe`)],
        active: Array(1_000_000).fill('p1.exe'),
      },
      verdicts: Object.fromEntries(Array.from({ length: 200_000 }, (_, i) => [`k${i}`, i % 2 ? 'benign' : 'bogus'])),
      notes: { a: tenMb, b: HTML_NOTE, [tenMb]: 'long key' },
      zone: tenMb,
    };
    const { value, ms } = timed(() => parseTuningState(data));
    expect(ms).toBeLessThan(BOUND_MS);
    const s = value.state;
    expect(s.allowList!.entries.length).toBeLessThanOrEqual(500);
    expect(s.allowList!.entries).not.toContain(tenMb);
    expect(Object.keys(s.verdicts).length).toBeLessThanOrEqual(20_000);
    expect(s.notes.a).toBeUndefined();
    // HTML in a note is kept as text (React renders it inert; the e2e suite checks the page).
    expect(s.notes.b).toBe(HTML_NOTE);
    expect(s.zone).toBe('UTC');
    expect(value.problems.length).toBeGreaterThan(0);
  });
});

describe('rule YAML', () => {
  function load(text: string) {
    const { value, ms } = timed(() => loadRule(text));
    expect(ms, 'loadRule time').toBeLessThan(BOUND_MS);
    return value;
  }

  it('billion laughs (alias expansion) is refused with a clear message', () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      lines.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    lines.push('id: x', 'name: x', 'query: DeviceProcessEvents | take 1', 'description: *j');
    const r = load(lines.join('\n'));
    expect(r.rule).toBeNull();
    expect(r.problems[0]?.message).toMatch(/^not valid YAML: .*(alias|resource)/i);
  });

  it('!!js/function and other code tags stay inert strings or fail; nothing runs', () => {
    const r = load(
      [
        'id: x',
        'name: !!js/function "function () { globalThis.__pwned = 1; }"',
        'query: !!js/eval "globalThis.__pwned = 2"',
        'description: !<tag:yaml.org,2002:js/undefined> ""',
        'severity: !!python/object/apply:os.system ["echo pwned"]',
      ].join('\n'),
    );
    // Whatever the tags become, they are strings (or refused), never functions.
    if (r.rule) {
      for (const v of Object.values(r.rule)) expect(typeof v === 'function').toBe(false);
      expect(typeof r.rule.name).toBe('string');
    } else expect(r.problems.length).toBeGreaterThan(0);
    expect((globalThis as { __pwned?: unknown }).__pwned).toBeUndefined();
  });

  it('__proto__ keys in the YAML do not pollute', () => {
    const r = load(
      [
        '__proto__: {polluted: true}',
        'id: x',
        'name: x',
        'query: DeviceProcessEvents | take 1',
        'entityMappings:',
        '  - __proto__: {isAdmin: true}',
        '    entityType: Host',
        '    fieldMappings: []',
      ].join('\n'),
    );
    expect(r.rule?.id).toBe('x');
  });

  it("duplicate top-level keys are refused (yaml's quadratic unique-key check is off)", () => {
    const r = load('id: x\nname: x\nquery: T | take 1\nquery: U | take 2\n');
    expect(r.rule).toBeNull();
    expect(r.problems[0]).toEqual({ message: 'not valid YAML: the key `query` appears twice', line: 4, column: 1 });
  });

  it('non-string query, missing fields, wrong shapes: clear problems', () => {
    expect(load('id: x\nname: x\nquery: 42\n').problems.map((p) => p.message)).toContain('the rule has no `query`');
    expect(load('id: x\nname: x\nquery: [a, b]\n').problems.map((p) => p.message)).toContain('the rule has no `query`');
    expect(load('- a\n- b\n').problems[0]?.message).toMatch(/must be a YAML mapping/);
    expect(load('').problems.length).toBeGreaterThan(0);
    const weird = load(
      'id: x\nname: x\nquery: T | take 1\nentityMappings: [null, 1, {entityType: 5}]\nrequiredDataConnectors: [null, {dataTypes: [1, "DeviceProcessEvents"]}]\ntactics: {a: 1}\n',
    );
    expect(weird.problems.map((p) => p.message)).toContain('entityMappings entries need entityType and fieldMappings');
  });

  it('a huge document and a huge query load (or fail) within the bound', () => {
    const bigDesc = `id: x\nname: x\nquery: DeviceProcessEvents | take 1\ndescription: |\n${'  lorem ipsum dolor sit amet\n'.repeat(200_000)}`;
    expect(load(bigDesc).rule?.description.length).toBeGreaterThan(5_000_000);
    // 100k keys: minutes with yaml's quadratic unique-key check (fixed in rule.ts), well under a second now.
    const manyKeys = `id: x\nname: x\nquery: T\n${Array.from({ length: 100_000 }, (_, i) => `k${i}: v`).join('\n')}\n`;
    expect(load(manyKeys).rule?.id).toBe('x');
    const bigQuery = `id: x\nname: x\nquery: |\n  DeviceProcessEvents\n${'  | where FileName != "a"\n'.repeat(20_000)}`;
    const r = load(bigQuery);
    expect(r.rule).not.toBeNull();
    const c = timed(() =>
      compileQuery(r.rule!.query, new Map(Object.entries(DEFENDER_TABLES).map(([n, schema]) => [n, { schema }])), 0n),
    );
    expect(c.ms).toBeLessThan(BOUND_MS * 3);
    // Over the parser's bound: refused with a clear message, not a stack overflow.
    expect(c.value.plan).toBeNull();
    expect(c.value.diagnostics[0]?.message).toMatch(/pipeline of 20000 operators is longer than the 1000 supported/);
  });

  it('KQL with injected comments and strings is parsed as KQL, never executed; errors are positioned', () => {
    const q = [
      'DeviceProcessEvents // ); globalThis.__pwned = 1; (',
      '| where FileName == "\\"; globalThis.__pwned = 2; //"',
      '| extend x = strcat("</script><script>alert(1)</script>", FileName) // */ <!-- -->',
      '| take 1',
    ].join('\n');
    const r = load(
      `id: x\nname: x\nquery: |\n${q
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n')}\n`,
    );
    expect(r.rule).not.toBeNull();
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const bad = load('id: x\nname: x\nquery: |\n  DeviceProcessEvents | where ) ; globalThis.__pwned = 1\n');
    const err = bad.diagnostics.find((d) => d.severity === 'error');
    expect(err, 'a positioned syntax error').toBeDefined();
    expect(err!.line).toBe(1);
    expect(err!.message.length).toBeGreaterThan(5);
  });
});
