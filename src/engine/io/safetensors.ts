/**
 * The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian
 * header length, a JSON header { name: { dtype, shape, data_offsets } }, then the raw
 * little-endian tensor bytes. Used for checkpoints and test fixtures.
 */

export type SafeDType = 'F32' | 'F64' | 'I32' | 'I64' | 'U8' | 'F16';

export interface NamedTensor {
  readonly dtype: SafeDType;
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array;
}

const CTORS = {
  F32: Float32Array,
  F64: Float64Array,
  I32: Int32Array,
  I64: BigInt64Array,
  U8: Uint8Array,
  F16: Uint16Array,
} as const;

export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
}

/** Parses a safetensors file's bytes. Tensor data is copied, so it is aligned and independent of `bytes`. */
export function parseSafetensors(
  bytes: Uint8Array,
  source = 'safetensors data',
): { tensors: Map<string, NamedTensor>; metadata: Record<string, string> } {
  if (bytes.length < 8)
    throw new SafetensorsError(`${source}: too short to be a safetensors file (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > bytes.length - 8)
    throw new SafetensorsError(
      `${source}: header length ${headerLen} exceeds the file (${bytes.length} bytes); the file is truncated or not safetensors`,
    );
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen))) as Record<string, unknown>;
  } catch (err) {
    throw new SafetensorsError(`${source}: the header is not valid JSON (${(err as Error).message})`);
  }
  const body = 8 + headerLen;
  const tensors = new Map<string, NamedTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (
        typeof raw !== 'object' ||
        raw === null ||
        Array.isArray(raw) ||
        Object.values(raw).some((v) => typeof v !== 'string')
      )
        throw new SafetensorsError(`${source}: its metadata is not a map of texts`);
      metadata = raw as Record<string, string>;
      continue;
    }
    const {
      dtype,
      shape,
      data_offsets: offsets,
    } = (raw ?? {}) as { dtype: SafeDType; shape: number[]; data_offsets: [number, number] };
    const Ctor = Object.hasOwn(CTORS, dtype) ? CTORS[dtype] : undefined;
    if (!Ctor)
      throw new SafetensorsError(
        `${source}: tensor "${name.slice(0, 80)}" has unsupported dtype ${String(dtype).slice(0, 20)}`,
      );
    const whole = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
    if (
      !Array.isArray(shape) ||
      shape.length > 8 ||
      !shape.every(whole) ||
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every(whole)
    ) {
      throw new SafetensorsError(`${source}: tensor "${name.slice(0, 80)}" has no valid shape and byte range`);
    }
    const [begin, end] = offsets;
    const count = shape.reduce((a, b) => a * b, 1);
    if (end - begin !== count * Ctor.BYTES_PER_ELEMENT || body + end > bytes.length) {
      throw new SafetensorsError(
        `${source}: tensor "${name}" [${shape.join(', ')}] ${dtype} does not fit its byte range ${begin}..${end}`,
      );
    }
    // A copy (new Uint8Array of a view): Buffer#slice would alias Node's shared pool instead.
    const copy = new Uint8Array(bytes.subarray(body + begin, body + end));
    tensors.set(name, { dtype, shape, data: new Ctor(copy.buffer, 0, count) as NamedTensor['data'] });
  }
  return { tensors, metadata };
}

function dtypeOf(data: NamedTensor['data']): SafeDType {
  for (const [k, C] of Object.entries(CTORS)) if (data instanceof C) return k as SafeDType;
  throw new SafetensorsError('unsupported array type');
}

/** Serialises tensors (in name order) with optional string metadata. */
export function serializeSafetensors(
  tensors: ReadonlyMap<string, { shape: readonly number[]; data: NamedTensor['data'] }>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length)
      throw new SafetensorsError(`tensor "${name}": ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    header[name] = { dtype: dtypeOf(t.data), shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const name of names) {
    const d = tensors.get(name)!.data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), pos);
    pos += d.byteLength;
  }
  return out;
}
