/**
 * Saves content produced in the renderer as a browser download (Blob, object URL, a temporary
 * `<a download>`): Electron shows its save dialog, a browser its downloads bar.
 */
import type { ExportFile } from '../../shared/jobs';

/** How long an object URL outlives its click (some browsers read it after `click()` returns). */
const REVOKE_AFTER_MS = 30_000;

function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** Offers a Blob as a file named `name`. */
export function downloadBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  a.hidden = true;
  document.body.append(a);
  try {
    a.click();
  } finally {
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
  }
}

/** Offers an export from the engine (text, or base64 for binary files such as ONNX). */
export function downloadExport(file: ExportFile): void {
  const body = file.encoding === 'base64' ? base64ToBytes(file.content) : file.content;
  downloadBlob(new Blob([body], { type: file.mime }), file.name);
}

/** Offers a `data:` URL (a chart's PNG) as a file. */
export function downloadDataUrl(dataUrl: string, name: string): void {
  const m = /^data:([^;,]+)?(;base64)?,(.*)$/s.exec(dataUrl);
  if (!m) throw new Error(`cannot save ${name}: not a data URL`);
  const mime = m[1] ?? 'application/octet-stream';
  const body = m[2] ? base64ToBytes(m[3]!) : decodeURIComponent(m[3]!);
  downloadBlob(new Blob([body], { type: mime }), name);
}
