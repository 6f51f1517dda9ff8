import { createPrivateKey, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, errors as joseErrors, exportJWK, jwtVerify, type JWK } from 'jose';
import { DomainError } from '../../domain/shared/errors.js';

/** A session token names its session (`sid`); an ACL token names its token id and ACL (`tid`, `acl`). */
export interface AccessClaims {
  sub: string;
  sid?: string;
  tid?: string;
  acl?: string;
  jti: string;
  iat: number;
  /** ACL tokens without `expires_at` have none. */
  exp?: number;
}

export interface TokenSigner {
  issue(userId: string, sessionId: string): Promise<{ token: string; expiresAt: Date }>;
  issueAclToken(userId: string, aclId: string, tokenId: string, expiresAt: Date | null): Promise<string>;
  /** Verifies signature, issuer, audience and time; verified tokens are cached until they expire. */
  verify(token: string): Promise<AccessClaims>;
  /**
   * A Security Event Token (RFC 8417) signed with the same key, so a receiver checks it against
   * the JWKS it already trusts. The claims are the caller's (`iss`, `aud`, `jti`, `events`, …);
   * the header's `typ` tells it apart from an access token, which `verify` refuses it as.
   */
  signSet(payload: Record<string, unknown>, typ?: 'secevent+jwt'): Promise<string>;
  jwks(): { keys: JWK[] };
}

/** The `typ` of a Security Event Token (RFC 8417 section 2.3). */
export const SET_TYP = 'secevent+jwt';

// The fixed PKCS#8 header of an Ed25519 private key (RFC 8410); the 32-byte seed follows it.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** An Ed25519 key from a PKCS#8 PEM, or from a 32-byte seed kept in the key store. */
export const ed25519Key = (source: { pem: string } | { seed: Buffer }): KeyObject =>
  'pem' in source
    ? createPrivateKey(source.pem)
    : createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, source.seed]), format: 'der', type: 'pkcs8' });

const CACHE_LIMIT = 100_000;

export async function createTokenSigner(options: {
  privateKey: KeyObject;
  issuer: string;
  audience: string;
  ttlMs: number;
  clock: () => Date;
}): Promise<TokenSigner> {
  const publicKey = createPublicKey(options.privateKey);
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const jwk: JWK = { ...publicJwk, kid, alg: 'EdDSA', use: 'sig' };
  const verified = new Map<string, AccessClaims>();

  return {
    async issue(userId, sessionId) {
      const now = Math.floor(options.clock().getTime() / 1000);
      const exp = now + Math.floor(options.ttlMs / 1000);
      const token = await new SignJWT({ sid: sessionId })
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'JWT' })
        .setSubject(userId)
        .setJti(randomUUID())
        .setIssuedAt(now)
        .setExpirationTime(exp)
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .sign(options.privateKey);
      return { token, expiresAt: new Date(exp * 1000) };
    },

    async issueAclToken(userId, aclId, tokenId, expiresAt) {
      const jwt = new SignJWT({ tid: tokenId, acl: aclId })
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'JWT' })
        .setSubject(userId)
        .setJti(randomUUID())
        .setIssuedAt(Math.floor(options.clock().getTime() / 1000))
        .setIssuer(options.issuer)
        .setAudience(options.audience);
      if (expiresAt) jwt.setExpirationTime(Math.floor(expiresAt.getTime() / 1000));
      return jwt.sign(options.privateKey);
    },

    async verify(token) {
      const now = options.clock().getTime() / 1000;
      const cached = verified.get(token);
      if (cached) {
        if (cached.exp === undefined || cached.exp > now) return cached;
        verified.delete(token);
        throw new DomainError('token_expired', 'The token has expired');
      }
      try {
        const { payload, protectedHeader } = await jwtVerify(token, publicKey, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms: ['EdDSA'],
          currentDate: options.clock(),
          requiredClaims: ['sub', 'jti', 'iat'],
        });
        // The same key signs security event tokens: one is never an access token, whatever it claims.
        if (protectedHeader.typ === SET_TYP)
          throw new DomainError('unauthenticated', 'The token is not an access token');
        const session = typeof payload.sid === 'string' && payload.exp !== undefined && payload.tid === undefined;
        const acl = typeof payload.tid === 'string' && typeof payload.acl === 'string' && payload.sid === undefined;
        if (!session && !acl) throw new DomainError('unauthenticated', 'The token is not an access token');
        const claims = payload as unknown as AccessClaims;
        if (verified.size >= CACHE_LIMIT) verified.clear();
        verified.set(token, claims);
        return claims;
      } catch (error) {
        if (error instanceof DomainError) throw error;
        if (error instanceof joseErrors.JWTExpired) throw new DomainError('token_expired', 'The token has expired');
        throw new DomainError('unauthenticated', 'The token is not valid');
      }
    },

    async signSet(payload, typ = SET_TYP) {
      return new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', kid, typ }).sign(options.privateKey);
    },

    jwks() {
      return { keys: [jwk] };
    },
  };
}
