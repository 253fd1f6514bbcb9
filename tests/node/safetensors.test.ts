import { describe, expect, it } from 'vitest';
import { parseSafetensors, serializeSafetensors, SafetensorsError } from '../../src/engine/io/safetensors';

describe('safetensors', () => {
  it('round-trips tensors of several dtypes with metadata', () => {
    const t = new Map<string, { shape: number[]; data: Float32Array | Int32Array | Float64Array }>([
      ['b', { shape: [2, 2], data: Float32Array.of(1, 2, 3, 4.5) }],
      ['a', { shape: [3], data: Int32Array.of(-1, 0, 7) }],
      ['c', { shape: [], data: Float64Array.of(Math.PI) }],
    ]);
    const bytes = serializeSafetensors(t, { format: 'stacklab' });
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLen) % 8).toBe(0);
    const back = parseSafetensors(bytes);
    expect(back.metadata).toEqual({ format: 'stacklab' });
    expect([...back.tensors.keys()].sort()).toEqual(['a', 'b', 'c']);
    expect(back.tensors.get('b')).toMatchObject({ dtype: 'F32', shape: [2, 2] });
    expect([...back.tensors.get('b')!.data]).toEqual([1, 2, 3, 4.5]);
    expect([...back.tensors.get('a')!.data]).toEqual([-1, 0, 7]);
    expect(back.tensors.get('c')!.data[0]).toBe(Math.PI);
  });

  it('reads tensors out of a Node Buffer from the shared pool', () => {
    const bytes = serializeSafetensors(new Map([['w', { shape: [3], data: Float32Array.of(1.5, -2, 3) }]]));
    const pooled = Buffer.from(bytes); // small Buffers live inside a larger shared ArrayBuffer
    expect([...parseSafetensors(pooled).tensors.get('w')!.data]).toEqual([1.5, -2, 3]);
  });

  it('says what is wrong with a damaged file', () => {
    const bytes = serializeSafetensors(new Map([['w', { shape: [4], data: new Float32Array(4) }]]));
    expect(() => parseSafetensors(bytes.subarray(0, 5), 'ckpt.safetensors')).toThrow(/ckpt\.safetensors: too short/);
    expect(() => parseSafetensors(bytes.subarray(0, bytes.length - 4), 'ckpt.safetensors')).toThrow(
      /"w" \[4\] F32 does not fit/,
    );
    const junk = new Uint8Array(16);
    new DataView(junk.buffer).setBigUint64(0, 100n, true);
    expect(() => parseSafetensors(junk)).toThrow(SafetensorsError);
  });
});
