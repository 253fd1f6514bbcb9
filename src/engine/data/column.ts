/**
 * Append-only typed column, as an import fills it row by row (import.ts for CSV, table-import.ts
 * for the other formats): preallocated from the rows expected (estimated from a CSV's size, or
 * the count a Parquet file states), so that streaming neither doubles memory nor copies at the
 * end; grows by 1/4 if the guess was low.
 */
export class Column<T extends Float32Array | Float64Array | Uint8Array | Int32Array> {
  private data: T;
  private n = 0;
  constructor(
    private readonly make: (n: number) => T,
    capacity: number,
  ) {
    this.data = make(capacity);
  }
  push(v: number): void {
    if (this.n === this.data.length) {
      const bigger = this.make(Math.ceil(this.data.length * 1.25) + 1024);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.n++] = v;
  }
  /** The values; a view when the estimate was close, a trimmed copy when it left much unused. */
  finish(): T {
    const view = this.data.subarray(0, this.n) as T;
    return this.n < 0.8 * this.data.length ? (view.slice() as T) : view;
  }
}
