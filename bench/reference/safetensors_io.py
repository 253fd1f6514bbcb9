"""Minimal safetensors reader/writer (numpy + json + struct only).

Layout: u64 little-endian header length, JSON header padded with spaces to a multiple of 8 bytes,
then raw little-endian tensor data. Tensors are written in sorted-name order; data_offsets are
relative to the first byte after the header.
"""
import json
import struct

import numpy as np

_DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8"), "I32": np.dtype("<i4")}


def _to_numpy(t):
    if hasattr(t, "detach"):  # torch tensor, without importing torch here
        t = t.detach().cpu().numpy()
    return np.asarray(t)


def save(path, tensors, metadata=None):
    meta = {"format": "stacklab-fixture"}
    if metadata:
        meta.update({str(k): str(v) for k, v in metadata.items()})
    header = {"__metadata__": meta}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        arr = _to_numpy(tensors[name])
        dt = {("f", 4): "F32", ("f", 8): "F64", ("i", 4): "I32"}.get((arr.dtype.kind, arr.dtype.itemsize))
        if dt is None:
            raise TypeError(f"{name}: unsupported dtype {arr.dtype}")
        raw = np.ascontiguousarray(arr, dtype=_DTYPES[dt]).tobytes()
        header[name] = {"dtype": dt, "shape": list(arr.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * ((-len(hb)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for raw in blobs:
            f.write(raw)


def load(path, with_metadata=False):
    """-> {name: np.ndarray} (and the __metadata__ dict when with_metadata)."""
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    base = 8 + n
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        dt = _DTYPES[info["dtype"]]
        arr = np.frombuffer(buf[base + b:base + e], dtype=dt).reshape(info["shape"])
        out[name] = arr.astype(dt.newbyteorder("="), copy=True)
    return (out, meta) if with_metadata else out
