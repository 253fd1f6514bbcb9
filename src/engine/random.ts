/**
 * Seeded randomness for the engine (never Math.random): a splitmix32 stream per purpose, keyed by
 * the run's seed and a name, so that adding a parameter or a layer does not shift the draws of
 * the others.
 */

/** FNV-1a hash of a string, 32 bits. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A deterministic uniform [0, 1) generator (splitmix32). */
export class Rng {
  private stateValue: number;

  constructor(seed: number, stream = '') {
    this.stateValue = (Math.imul(seed >>> 0, 0x9e3779b1) ^ hashString(stream)) >>> 0;
  }

  /** The generator's position, to save in a checkpoint and restore with `Rng.fromState`. */
  get state(): number {
    return this.stateValue;
  }

  static fromState(state: number): Rng {
    const r = new Rng(0);
    r.stateValue = state >>> 0;
    return r;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    this.stateValue = (this.stateValue + 0x9e3779b9) >>> 0;
    let z = this.stateValue;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    return (z >>> 0) / 4294967296;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A standard normal draw (Box–Muller). */
  normal(): number {
    let u = this.next();
    while (u <= 0) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
