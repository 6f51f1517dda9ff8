import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';

/**
 * A software WebAuthn authenticator (with the client part of navigator.credentials folded in) for
 * HTTP tests of passkeys: it answers the options JSON that @simplewebauthn/server generates with
 * the JSON that @simplewebauthn/browser's startRegistration()/startAuthentication() would return.
 * Built per WebAuthn Level 2/3: attestation 'none', platform attachment, discoverable credentials.
 */

export type Algorithm = 'ES256' | 'EdDSA';

export interface SoftAuthenticatorOptions {
  algorithm?: Algorithm;
  /** Sets the UV flag (default true); the UP flag is always set. */
  userVerification?: boolean;
  /** The BE flag (default false); the BS flag follows it. */
  backupEligible?: boolean;
  /** Default 16 zero bytes. */
  aaguid?: Uint8Array;
}

interface StoredCredential {
  userHandle: string;
  rpId: string;
  counter: number;
  privateKey: KeyObject;
  algorithm: Algorithm;
}

const COSE_ALG: Record<Algorithm, number> = { ES256: -7, EdDSA: -8 };

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();
const u32 = (n: number) => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(n >>> 0);
  return out;
};
const u16 = (n: number) => {
  const out = Buffer.alloc(2);
  out.writeUInt16BE(n);
  return out;
};

/** The credential public key as a COSE_Key (RFC 9053), CBOR-encoded in CTAP2 canonical key order. */
const coseKey = (publicKey: KeyObject, algorithm: Algorithm): Uint8Array => {
  const jwk = publicKey.export({ format: 'jwk' });
  const x = new Uint8Array(Buffer.from(jwk.x ?? '', 'base64url'));
  if (algorithm === 'ES256') {
    const y = new Uint8Array(Buffer.from(jwk.y ?? '', 'base64url'));
    return isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, x],
        [-3, y],
      ]),
    );
  }
  return isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 1], // kty: OKP
      [3, -8], // alg: EdDSA
      [-1, 6], // crv: Ed25519
      [-2, x],
    ]),
  );
};

const clientData = (type: string, challenge: string, origin: string) =>
  Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }), 'utf8');

/** The RP ID a client uses when the options name none: the origin's effective domain. */
const defaultRpId = (origin: string) => new URL(origin).hostname;

export class SoftAuthenticator {
  /** Credentials it holds: credential id (base64url) → its user handle (base64url), RP ID, counter and key. */
  readonly credentials = new Map<string, StoredCredential>();

  private readonly algorithm: Algorithm;
  private readonly userVerification: boolean;
  private readonly backupEligible: boolean;
  private readonly aaguid: Uint8Array;

  constructor(options: SoftAuthenticatorOptions = {}) {
    this.algorithm = options.algorithm ?? 'ES256';
    this.userVerification = options.userVerification ?? true;
    this.backupEligible = options.backupEligible ?? false;
    this.aaguid = options.aaguid ?? new Uint8Array(16);
    if (this.aaguid.length !== 16) throw new Error('aaguid must be 16 bytes');
  }

  private flags(userVerification: boolean, attested: boolean) {
    let flags = FLAG_UP;
    if (userVerification) flags |= FLAG_UV;
    if (this.backupEligible) flags |= FLAG_BE | FLAG_BS;
    if (attested) flags |= FLAG_AT;
    return flags;
  }

  /** Answers creation options like navigator.credentials.create() would, for `origin`. */
  register(
    options: PublicKeyCredentialCreationOptionsJSON,
    origin: string,
    overrides: { rpId?: string; challenge?: string; origin?: string; type?: string } = {},
  ): RegistrationResponseJSON {
    const rpId = options.rp.id ?? defaultRpId(origin);
    for (const excluded of options.excludeCredentials ?? []) {
      if (this.credentials.get(excluded.id)?.rpId === rpId) throw new Error('InvalidStateError');
    }
    const alg = COSE_ALG[this.algorithm];
    if (!options.pubKeyCredParams.some((p) => p.type === 'public-key' && p.alg === alg)) {
      throw new Error(`NotSupportedError: ${this.algorithm} (${alg}) is not among pubKeyCredParams`);
    }

    const { privateKey, publicKey } =
      this.algorithm === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
    const credentialId = randomBytes(32);
    const id = b64url(credentialId);

    const authData = Buffer.concat([
      sha256(overrides.rpId ?? rpId),
      Buffer.from([this.flags(this.userVerification, true)]),
      u32(0),
      this.aaguid,
      u16(credentialId.length),
      credentialId,
      coseKey(publicKey, this.algorithm),
    ]);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, string>>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', new Uint8Array(authData)],
      ]),
    );
    const clientDataJSON = clientData(
      overrides.type ?? 'webauthn.create',
      overrides.challenge ?? options.challenge,
      overrides.origin ?? origin,
    );

    this.credentials.set(id, { userHandle: options.user.id, rpId, counter: 0, privateKey, algorithm: this.algorithm });

    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(attestationObject),
        transports: ['internal'],
        publicKeyAlgorithm: alg,
        publicKey: b64url(publicKey.export({ format: 'der', type: 'spki' })),
        authenticatorData: b64url(authData),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** Answers request options like navigator.credentials.get() would, for `origin`. */
  authenticate(
    options: PublicKeyCredentialRequestOptionsJSON,
    origin: string,
    overrides: {
      credentialId?: string;
      rpId?: string;
      challenge?: string;
      origin?: string;
      counter?: number;
      userVerification?: boolean;
      type?: string;
    } = {},
  ): AuthenticationResponseJSON {
    const rpId = options.rpId ?? defaultRpId(origin);
    const usable = (id: string) => this.credentials.get(id)?.rpId === rpId;
    const allowed = (options.allowCredentials ?? []).map((c) => c.id);
    const candidates = allowed.length > 0 ? allowed.filter(usable) : [...this.credentials.keys()].filter(usable);
    const id = overrides.credentialId ?? candidates[0];
    const credential = id !== undefined && candidates.includes(id) ? this.credentials.get(id) : undefined;
    if (id === undefined || credential === undefined) throw new Error('NotAllowedError');

    const signCount = overrides.counter ?? ++credential.counter;
    const authData = Buffer.concat([
      sha256(overrides.rpId ?? rpId),
      Buffer.from([this.flags(overrides.userVerification ?? this.userVerification, false)]),
      u32(signCount),
    ]);
    const clientDataJSON = clientData(
      overrides.type ?? 'webauthn.get',
      overrides.challenge ?? options.challenge,
      overrides.origin ?? origin,
    );
    const signed = Buffer.concat([authData, sha256(clientDataJSON)]);
    const signature =
      credential.algorithm === 'ES256'
        ? sign('sha256', signed, { key: credential.privateKey, dsaEncoding: 'der' })
        : sign(null, signed, credential.privateKey);

    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        userHandle: credential.userHandle,
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }
}
