/**
 * Seeded pseudo-random numbers for the generator. mulberry32 is tiny, fast and bit-exact on every
 * JS engine (only 32-bit integer ops), which is what makes "same seed -> same bytes" hold.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Integer in [lo, hi], both inclusive. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** Weighted choice; weights need not sum to 1. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let r = this.next() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return items[items.length - 1]![0];
  }

  /** Exponential inter-arrival gap with the given mean (Poisson process). */
  exp(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  hex(digits: number): string {
    let s = '';
    while (s.length < digits) s += (this.int(0x10000) | 0x10000).toString(16).slice(1);
    return s.slice(0, digits);
  }

  guid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** A derived, independent stream: lets one part of the generator change without shifting the others. */
  fork(salt: number): Rng {
    return new Rng(mix32(this.state ^ Math.imul(salt + 1, 0x9e3779b1)));
  }
}

/** Integer avalanche (murmur3 finaliser), used to turn user seeds and salts into well-spread states. */
export function mix32(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Seeds from the command line may exceed 32 bits; fold every digit in so 1 and 2**32+1 differ. */
export function seedFrom(seed: number | string): number {
  const text = String(seed);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return mix32(h);
}

/** Stable pseudo-hash of a string as hex (for file hashes: the same image has the same SHA1 everywhere). */
export function hexDigest(text: string, digits: number): string {
  let out = '';
  let round = 0;
  while (out.length < digits) {
    let h = 0x811c9dc5 ^ Math.imul(round + 1, 0x27d4eb2d);
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    out += (mix32(h) >>> 0).toString(16).padStart(8, '0');
    round++;
  }
  return out.slice(0, digits);
}
