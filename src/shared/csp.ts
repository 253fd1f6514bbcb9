/**
 * The Content-Security-Policy of the renderer, the same in Electron and in server mode:
 * only the app's own scripts, styles and connections (the WebSocket of server mode is same-origin).
 */
const directives: Readonly<Record<string, string>> = {
  'default-src': "'self'",
  'script-src': "'self'",
  'style-src': "'self'",
  'img-src': "'self' data: blob:",
  'font-src': "'self' data:",
  'connect-src': "'self'",
  'object-src': "'none'",
  'base-uri': "'none'",
  'form-action': "'none'",
};

/** The policy for a `<meta http-equiv>` tag (frame-ancestors is ignored there, so it is left out). */
export const CSP_META = Object.entries(directives)
  .map(([k, v]) => `${k} ${v}`)
  .join('; ');

/** The policy for an HTTP header: the meta policy plus a ban on being framed. */
export const CSP_HEADER = `${CSP_META}; frame-ancestors 'none'`;
