/**
 * An external checkpoint signer reached over HTTP (`CUSTOS_LEDGER_SIGNER_URL`), so the ledger's private key
 * lives in an HSM, a KMS or a signing service and never on Custos's host.
 *
 * The protocol, kept minimal so any signing front-end can implement it:
 *   POST <url>
 *   Content-Type: text/plain; charset=utf-8      (the checkpoint text, exactly the bytes to sign)
 *   Authorization: Bearer <CUSTOS_LEDGER_SIGNER_TOKEN>   (when configured)
 *   → 200, text/plain: the base64 of the 64-byte Ed25519 signature under the key of CUSTOS_LEDGER_SIGNER_VKEY.
 * Any other answer, or none within the timeout, fails the checkpoint; `signCheckpointWith` also checks the
 * signature against the vkey, so a wrong answer is never published.
 */
import { CustosError } from '../platform/errors.ts';
import type { CheckpointSigner } from './checkpoint-signer.ts';
import { parseVerifierKey } from './note-keys.ts';
import { decodeStrictBase64 } from './strict-base64.ts';

const SIGNATURE_BYTES = 64;

export function httpCheckpointSigner(options: {
  url: string;
  vkey: string;
  token?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}): CheckpointSigner {
  const verifier = parseVerifierKey(options.vkey.trim());
  if (!verifier) throw new CustosError('CONFIG_INVALID', 'CUSTOS_LEDGER_SIGNER_VKEY is not a verifier key');
  const send = options.fetch ?? fetch;
  return {
    name: verifier.name,
    keyId: verifier.keyId,
    async sign(message: Uint8Array): Promise<Uint8Array> {
      const res = await send(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'text/plain; charset=utf-8',
          accept: 'text/plain',
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
        body: Buffer.from(message),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      if (res.status !== 200) throw new Error(`the signer answered ${res.status}`);
      const signature = decodeStrictBase64((await res.text()).trim());
      if (!signature || signature.length !== SIGNATURE_BYTES)
        throw new Error('the signer answered no signature');
      return signature;
    },
  };
}
