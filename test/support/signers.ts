import { secp256k1 } from '@noble/curves/secp256k1.js';
import { finalizeEvent, generateSecretKey } from 'nostr-tools/pure';

/** A wallet's LNURL-auth key (LUD-04/05 style): its compressed linking key, and a DER signature over a k1. */
export const lightningWallet = () => {
  const secret = secp256k1.utils.randomSecretKey();
  const key = Buffer.from(secp256k1.getPublicKey(secret, true)).toString('hex');
  const sign = (k1: string) =>
    Buffer.from(secp256k1.sign(Buffer.from(k1, 'hex'), secret, { prehash: false, format: 'der' })).toString('hex');
  return { key, sign };
};

/**
 * A Nostr key and NIP-98 proofs signed with it: kind 27235, `u` the full URL, `method` POST, at the
 * server's clock, with a random nonce so that two proofs in one second are distinct events.
 */
export const nostrSigner = (clock: { now(): Date }, secret: Uint8Array = generateSecretKey()) => ({
  secret,
  proof: (url: string) =>
    JSON.stringify(
      finalizeEvent(
        {
          kind: 27235,
          created_at: Math.floor(clock.now().getTime() / 1000),
          tags: [
            ['u', url],
            ['method', 'POST'],
            ['nonce', Math.random().toString(36)],
          ],
          content: '',
        },
        secret,
      ),
    ),
});
