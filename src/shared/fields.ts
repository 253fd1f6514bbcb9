/**
 * Reading records that crossed a boundary (a file on disk, a task from Redis) field by field:
 * each read checks the type and range and says, on failure, which field of which record was
 * wrong and what it held. Nothing from outside is cast to a type unchecked.
 */

/** A field of a record that is not what it must be; `message` names the record and the field. */
export class FieldError extends Error {
  override readonly name = 'FieldError';
}

/** A value from outside inside a message: quoted, at most `max` characters, control characters escaped. */
export function showValue(value: unknown, max = 40): string {
  const cut = (s: string) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
  return typeof value === 'string' ? JSON.stringify(cut(value)) : cut(JSON.stringify(value) ?? String(value));
}
const show = (v: unknown) => showValue(v);

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A checked view of one object: `at` is where it sits ("job.json runs[2]"). */
export class Fields {
  private constructor(
    readonly at: string,
    readonly raw: Record<string, unknown>,
  ) {}

  /** The record itself must be an object. */
  static of(raw: unknown, at: string): Fields {
    if (!isPlain(raw))
      throw new FieldError(`${at} must be an object, got ${Array.isArray(raw) ? 'a list' : show(raw)}`);
    return new Fields(at, raw);
  }

  private name(key: string): string {
    return `${this.at} "${key}"`;
  }

  fail(key: string, must: string): never {
    throw new FieldError(`${this.name(key)} must be ${must}, got ${show(this.raw[key])}`);
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined;
  }

  string(key: string, max = 1000): string {
    const v = this.raw[key];
    if (typeof v !== 'string' || v.length === 0 || v.length > max || v.includes('\0'))
      this.fail(key, `a text of 1 to ${max} characters`);
    return v;
  }

  optionalString(key: string, max = 1000): string | undefined {
    return this.has(key) ? this.string(key, max) : undefined;
  }

  number(key: string, min: number, max: number, integer = false): number {
    const v = this.raw[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v)))
      this.fail(key, `${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`);
    return v;
  }

  integer(key: string, min: number, max: number): number {
    return this.number(key, min, max, true);
  }

  optionalNumber(key: string, min: number, max: number, integer = false): number | undefined {
    return this.has(key) ? this.number(key, min, max, integer) : undefined;
  }

  boolean(key: string): boolean {
    const v = this.raw[key];
    if (typeof v !== 'boolean') this.fail(key, 'true or false');
    return v;
  }

  optionalBoolean(key: string): boolean | undefined {
    return this.has(key) ? this.boolean(key) : undefined;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T {
    const v = this.raw[key];
    if (!allowed.includes(v as T)) this.fail(key, `one of ${allowed.join(', ')}`);
    return v as T;
  }

  optionalOneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    return this.has(key) ? this.oneOf(key, allowed) : undefined;
  }

  object(key: string): Fields {
    const v = this.raw[key];
    if (!isPlain(v)) this.fail(key, 'an object');
    return new Fields(this.name(key), v);
  }

  optionalObject(key: string): Fields | undefined {
    return this.has(key) ? this.object(key) : undefined;
  }

  /** A list of at most `max` items, each read by `item` (given its own place, "runs[2]"). */
  list<T>(key: string, max: number, item: (v: unknown, at: string) => T, min = 0): T[] {
    const v = this.raw[key];
    if (!Array.isArray(v) || v.length < min || v.length > max) this.fail(key, `a list of ${min} to ${max} items`);
    return v.map((x, i) => item(x, `${this.at} ${key}[${i}]`));
  }

  /** A list of finite numbers, of exactly `length` items when given. */
  numbers(key: string, length?: number, max = 1_000_000): number[] {
    return this.list(
      key,
      length ?? max,
      (x, at) => {
        if (typeof x !== 'number' || !Number.isFinite(x))
          throw new FieldError(`${at} must be a finite number, got ${show(x)}`);
        return x;
      },
      length ?? 0,
    );
  }

  /** A list of non-empty texts. */
  strings(key: string, max: number, maxLength = 1000, min = 0): string[] {
    return this.list(
      key,
      max,
      (x, at) => {
        if (typeof x !== 'string' || x.length === 0 || x.length > maxLength)
          throw new FieldError(`${at} must be a text of 1 to ${maxLength} characters, got ${show(x)}`);
        return x;
      },
      min,
    );
  }
}

/**
 * A folder or file name that stays where it is put: one path segment, not `.` or `..`, no
 * separator or NUL; `at` names the field in the error.
 */
export function plainName(v: unknown, at: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 255 || v === '.' || v === '..' || /[/\\\0]/.test(v)) {
    throw new FieldError(`${at} must be a plain folder name (no path separators, not . or ..), got ${show(v)}`);
  }
  return v;
}
