import type * as Oidc from 'openid-client';
import { AppError } from '../domain/errors.js';

/** Why a campus sign-on failed, as a word the error messages translate (domain/i18n.ts PARAM_WORDS). */
export type OidcFailure = 'oidc-unreachable' | 'oidc-denied' | 'oidc-provider-error' | 'oidc-id-token';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** the ID-token claim that holds the student number */
  studentClaim: string;
  /** tests and development only: talk to an http:// provider (openid-client refuses otherwise) */
  allowHttp: boolean;
  /** each request to the provider (discovery, token, keys) gives up after this long; default 5 s */
  timeoutSeconds?: number;
  /** discovered metadata is reused this long; default one hour */
  discoveryTtlMs?: number;
}

/** What the browser is sent to the provider with; `state`, `nonce` and `codeVerifier` are kept until it returns. */
export interface OidcAuthorization {
  url: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface OidcClient {
  readonly studentClaim: string;
  /** Builds an authorisation request (code flow, PKCE S256, state, nonce); discovers the provider if needed. */
  beginAuthorization(): Promise<OidcAuthorization>;
  /**
   * Checks the provider's answer (the callback's query: state, `iss`, errors), redeems the code with the PKCE verifier and returns the
   * claims of the validated ID token (issuer, audience, expiry, nonce checked by openid-client).
   * Throws `OIDC_FAILED { reason: OidcFailure }`.
   */
  finishAuthorization(callbackParams: URLSearchParams, expected: { state: string; nonce: string; codeVerifier: string }): Promise<Record<string, unknown>>;
}

/** The cause goes into the error's message (for the server log), never into what the user sees. */
function failure(reason: OidcFailure, cause: unknown): AppError {
  const c = cause as { name?: string; code?: string; message?: string } | undefined;
  const what = [c?.name, c?.code, c?.message].filter(Boolean).join(': ').slice(0, 300);
  return new AppError('OIDC_FAILED', { params: { reason }, message: `OIDC_FAILED ${reason}${what ? ` (${what})` : ''}` });
}

/** Connection refused, DNS, timeouts, a proxy's 502: the provider cannot be used right now. */
/** openid-client on first use: only a server with campus sign-on configured, at its first sign-in, needs it. */
const loadClient = () => import('openid-client');

function isUnreachable(error: unknown, client: typeof Oidc): boolean {
  if (error instanceof TypeError) return true; // fetch failed
  if (error instanceof client.ClientError) return ['OAUTH_TIMEOUT', 'OAUTH_ABORT', 'OAUTH_RESPONSE_IS_NOT_CONFORM', 'OAUTH_RESPONSE_IS_NOT_JSON'].includes(error.code ?? '');
  return false;
}

function classify(error: unknown, client: typeof Oidc): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof client.AuthorizationResponseError) return failure(error.error === 'access_denied' ? 'oidc-denied' : 'oidc-provider-error', error);
  // The token endpoint said no (invalid_grant, invalid_client as a body or as a WWW-Authenticate challenge).
  if (error instanceof client.ResponseBodyError || error instanceof client.WWWAuthenticateChallengeError) return failure('oidc-provider-error', error);
  if (isUnreachable(error, client)) return failure('oidc-unreachable', error);
  return failure('oidc-id-token', error);
}

/**
 * The relying party of campus sign-on over `openid-client` v6. Discovery is done lazily, cached for this
 * process (`discoveryTtlMs`) and never cached when it failed, so a provider that was down is tried again on
 * the next sign-in; every request has a timeout, so a provider that hangs cannot hold a request for long.
 */
export function createOidcClient(settings: OidcSettings): OidcClient {
  const timeout = settings.timeoutSeconds ?? 5;
  const ttl = settings.discoveryTtlMs ?? 3_600_000;
  let cached: { config: Promise<Oidc.Configuration>; at: number } | undefined;

  function configuration(): Promise<Oidc.Configuration> {
    const now = Date.now();
    if (!cached || now - cached.at > ttl) {
      const config = loadClient().then((client) =>
        client.discovery(
          new URL(settings.issuer),
          settings.clientId,
          { client_secret: settings.clientSecret, redirect_uris: [settings.redirectUri], response_types: ['code'] },
          client.ClientSecretBasic(settings.clientSecret),
          { timeout, ...(settings.allowHttp ? { execute: [client.allowInsecureRequests] } : {}) },
        ),
      );
      const entry = { config, at: now };
      cached = entry;
      config.catch(() => {
        if (cached === entry) cached = undefined;
      });
    }
    return cached.config;
  }

  return {
    studentClaim: settings.studentClaim,

    async beginAuthorization() {
      let config: Oidc.Configuration;
      try {
        config = await configuration();
      } catch (error) {
        // Whatever went wrong with discovery (down, hanging, not an OpenID provider), sign-in is not possible.
        throw failure('oidc-unreachable', error);
      }
      const client = await loadClient();
      const codeVerifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: settings.redirectUri,
        scope: 'openid profile',
        response_type: 'code',
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      return { url: url.href, state, nonce, codeVerifier };
    },

    async finishAuthorization(callbackParams, expected) {
      // The configured redirect URI, not the URL the request arrived at: behind a proxy they differ, and the
      // token request must name the exact URI the authorisation request named.
      const callbackUrl = new URL(settings.redirectUri);
      callbackUrl.search = callbackParams.toString();
      let config: Oidc.Configuration;
      try {
        config = await configuration();
      } catch (error) {
        throw failure('oidc-unreachable', error);
      }
      const client = await loadClient();
      try {
        const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: expected.codeVerifier,
          expectedState: expected.state,
          expectedNonce: expected.nonce,
          idTokenExpected: true,
        });
        const claims = tokens.claims();
        if (!claims) throw failure('oidc-id-token', new Error('no ID token'));
        if (claims[settings.studentClaim] !== undefined) return { ...claims } as Record<string, unknown>;
        // Many providers put profile claims only in the userinfo answer (the default when an access token is
        // issued); openid-client checks that it is about the same subject as the ID token.
        const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
        return { ...userinfo, ...claims } as Record<string, unknown>;
      } catch (error) {
        throw classify(error, client);
      }
    },
  };
}
