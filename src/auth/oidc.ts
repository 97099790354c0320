/**
 * Sign-in through an OpenID Connect identity provider (authorization code flow with PKCE, state and
 * nonce), using `openid-client`, the certified relying-party library. The provider is discovered once
 * (`<issuer>/.well-known/openid-configuration`) and cached; what the provider says about the account
 * goes to AuthService.signInExternal, which decides which Tessera user it is.
 */
import * as oidc from 'openid-client';
import { TesseraError } from '../errors.ts';
import type { ExternalIdentity } from './principal.ts';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  /** Where the provider sends the browser back: `<builder origin>/api/auth/oidc/callback`. */
  redirectUrl?: string;
  scopes: string;
  /** The button's label in the sign-in page. */
  label: string;
}

/** What the browser keeps between leaving for the provider and coming back (an HttpOnly cookie). */
export interface PendingSignIn {
  state: string;
  verifier: string;
  nonce: string;
  redirectUrl: string;
}

const isLoopback = (url: URL): boolean => url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';

export class OidcSignIn {
  private configuration: Promise<oidc.Configuration> | null = null;

  constructor(readonly settings: OidcSettings) {}

  private discover(): Promise<oidc.Configuration> {
    this.configuration ??= (async () => {
      const issuer = new URL(this.settings.issuer);
      // Plain http only for a provider on this machine (tests, a local Dex or Keycloak); never over a network.
      const options = issuer.protocol === 'http:' && isLoopback(issuer) ? { execute: [oidc.allowInsecureRequests] } : undefined;
      return oidc.discovery(
        issuer,
        this.settings.clientId,
        this.settings.clientSecret,
        this.settings.clientSecret ? oidc.ClientSecretPost(this.settings.clientSecret) : oidc.None(),
        options,
      );
    })().catch((err: unknown) => {
      this.configuration = null;
      throw new TesseraError(
        'IDENTITY_PROVIDER_UNAVAILABLE',
        `The identity provider at ${this.settings.issuer} did not answer its discovery document: ${(err as Error).message}. Check OIDC_ISSUER.`,
        { cause: err },
      );
    });
    return this.configuration;
  }

  /** The provider's authorization URL to send the browser to, and what to remember until it comes back. */
  async start(defaultRedirectUrl: string): Promise<{ url: string; pending: PendingSignIn }> {
    const configuration = await this.discover();
    const verifier = oidc.randomPKCECodeVerifier();
    const pending: PendingSignIn = {
      state: oidc.randomState(),
      verifier,
      nonce: oidc.randomNonce(),
      redirectUrl: this.settings.redirectUrl ?? defaultRedirectUrl,
    };
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: pending.redirectUrl,
      scope: this.settings.scopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url: url.href, pending };
  }

  /** Exchanges the code the provider sent back (with the query string as received) for the account's claims. */
  async finish(query: string, pending: PendingSignIn): Promise<ExternalIdentity> {
    const configuration = await this.discover();
    const callback = new URL(pending.redirectUrl);
    callback.search = query;
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(configuration, callback, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      throw new TesseraError('UNAUTHORIZED', `The identity provider's answer was refused: ${(err as Error).message}`, { cause: err });
    }
    const claims = tokens.claims();
    if (!claims?.sub) throw new TesseraError('UNAUTHORIZED', 'The identity provider sent no subject (sub) for the account.');
    let info: Record<string, unknown> = claims;
    if (!claims.email && tokens.access_token) {
      info = { ...(await oidc.fetchUserInfo(configuration, tokens.access_token, claims.sub).catch(() => ({}))), ...claims };
    }
    const text = (value: unknown): string | null => (typeof value === 'string' && value ? value : null);
    return {
      subject: `${claims.iss} ${claims.sub}`,
      email: text(info.email),
      emailVerified: info.email_verified === true,
      name: text(info.name),
      preferredUsername: text(info.preferred_username),
    };
  }
}
