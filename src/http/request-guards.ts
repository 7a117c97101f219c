import type { FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.js';

/**
 * Cross-site request refusal (issue 8 finding 9). SameSite cookies alone are not enough: an older
 * browser, a sibling sub-domain of the campus ("same-site") or a top-level form post in Lax mode gets
 * through them. Every state-changing API request is checked on what the browser says about where it
 * comes from:
 * - `Origin` present: it must be this server's own origin (as the request reached it) or PUBLIC_URL's;
 * - else `Sec-Fetch-Site` present: it must be `same-origin` (or `none`: typed by the user);
 * - neither: not a browser's cross-site request (the CLI, the station agent, curl): allowed, the
 *   session cookie or the agent's credentials still decide.
 */
export const STATE_CHANGING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface CrossSiteSettings {
  /** PUBLIC_URL, the address users reach the server at (a proxy may present another Host) */
  publicUrl?: string | undefined;
}

export function refuseCrossSiteRequest(request: FastifyRequest, settings: CrossSiteSettings): void {
  const origin = request.headers.origin;
  if (origin !== undefined) {
    if (!isOwnOrigin(origin, request, settings)) throw new AppError('CROSS_SITE_REQUEST', { params: { origin: origin.slice(0, 200) } });
    return;
  }
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new AppError('CROSS_SITE_REQUEST', { params: { origin: `Sec-Fetch-Site: ${String(site).slice(0, 40)}` } });
  }
}

function isOwnOrigin(origin: string, request: FastifyRequest, settings: CrossSiteSettings): boolean {
  let url: URL;
  try {
    // 'null' (a sandboxed frame, a file: page, some redirects) is no origin of ours: it throws here.
    url = new URL(origin);
  } catch {
    return false;
  }
  if (settings.publicUrl && url.origin === new URL(settings.publicUrl).origin) return true;
  // The origin the request reached us at. A TLS proxy not declared in TRUST_PROXY_HOPS makes the request
  // look like plain http: an https page of the same host is accepted too (it is no weaker than http).
  if (url.host !== request.host) return false;
  return url.protocol === `${request.protocol}:` || url.protocol === 'https:';
}

/**
 * JSON routes take JSON only (issue 8 finding 9): `text/plain`, form-encoded and multipart bodies are
 * what a cross-site HTML form or a "simple" fetch can send without a preflight, so a route that took
 * them would be reachable from any page. Refused with 415 before the body is read. Upload routes
 * (multipart) are excepted: their reader checks their own body.
 */
export function refuseNonJsonBody(request: FastifyRequest, multipartRoutes: ReadonlySet<string>): void {
  const route = request.routeOptions.url;
  if (route === undefined || multipartRoutes.has(route)) return;
  const hasBody = Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
  if (!hasBody) return;
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type)) return;
  throw new AppError('UNSUPPORTED_MEDIA_TYPE', { params: { type: type.slice(0, 100) || '—', accepted: 'application/json' } });
}
