/**
 * The signing key kept out of Custos: checkpoints signed by an external signer (here an in-process stand-in
 * for an HSM or signing service, asynchronous like one), no key file written, every signature checked
 * against the published key before anything is published, and a signer that answers wrongly publishes
 * nothing.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createCustos } from '../../src/app.ts';
import { openCheckpoint } from '../../src/ledger/checkpoint.ts';
import type { CheckpointSigner } from '../../src/ledger/checkpoint-signer.ts';
import { verifierFromKey } from '../../src/ledger/ledger-key.ts';
import { generateNoteKeys, parseSignerKey } from '../../src/ledger/note-keys.ts';
import { verifyLedger } from '../../src/ledger/verifier.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { isCustosError } from '../../src/platform/errors.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { testCustos } from '../support/custos.ts';

const origin = 'custos.test/ledger';

/** A signer that holds its key elsewhere: asynchronous, counting what it signed, optionally broken. */
function remoteSigner(skey: string, behaviour: { broken: boolean } = { broken: false }) {
  const inner = parseSignerKey(skey);
  assert.ok(inner);
  const signed: string[] = [];
  const signer: CheckpointSigner = {
    name: inner.name,
    keyId: inner.keyId,
    async sign(message) {
      await new Promise((resolve) => setImmediate(resolve));
      signed.push(Buffer.from(message).toString('utf8'));
      const signature = inner.sign(message);
      if (behaviour.broken) signature[0] = (signature[0] as number) ^ 1;
      return signature;
    },
  };
  return { signer, signed };
}

/** A signing service over HTTP holding the key: answers the base64 signature of what is POSTed to it. */
async function signingService(skey: string, token: string) {
  const inner = parseSignerKey(skey);
  assert.ok(inner);
  const seen: { authorization?: string; body: string }[] = [];
  let status = 200;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ authorization: req.headers.authorization, body: body.toString('utf8') });
      if (req.headers.authorization !== `Bearer ${token}`) status = 401;
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? inner.sign(body).toString('base64') : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/sign`,
    seen,
    fail: () => {
      status = 503;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('a checkpoint signer over HTTP (CUSTOS_LEDGER_SIGNER_URL)', () => {
  test('signs the exact checkpoint text with its token; a failing service publishes nothing', async () => {
    const { signerKey, verifierKey } = generateNoteKeys(origin);
    const service = await signingService(signerKey, 's3cret-token');
    const t = await testCustos('sqlite', {
      env: {
        CUSTOS_LEDGER_ORIGIN: origin,
        CUSTOS_LEDGER_SIGNER_URL: service.url,
        CUSTOS_LEDGER_SIGNER_VKEY: verifierKey,
        CUSTOS_LEDGER_SIGNER_TOKEN: 's3cret-token',
      },
    });
    try {
      assert.equal(existsSync(t.config.ledgerKeyFile), false, 'no key file');
      await t.custos.ledger.append({
        type: 'customer.viewed',
        actor: 'api-token:t',
        data: { customerId: 'a' },
      });
      const checkpoint = await t.custos.ledger.checkpointNow();
      assert.ok(checkpoint);
      assert.ok(openCheckpoint(checkpoint.note, [verifierFromKey(verifierKey)], origin).ok);
      assert.equal(service.seen.at(-1)?.authorization, 'Bearer s3cret-token');
      assert.equal(service.seen.at(-1)?.body, checkpoint.note.slice(0, checkpoint.note.indexOf('\n\n') + 1));
      service.fail();
      await t.custos.ledger.append({
        type: 'customer.viewed',
        actor: 'api-token:t',
        data: { customerId: 'b' },
      });
      await assert.rejects(t.custos.ledger.checkpointNow(), (e) => isCustosError(e, 'LEDGER_UNAVAILABLE'));
      assert.equal(await t.custos.ledger.latestCheckpoint(), checkpoint.note);
    } finally {
      await t.cleanup();
      await service.close();
    }
  });

  test('the URL without the signer key is a configuration error', () => {
    assert.throws(
      () => loadConfig({ CUSTOS_LEDGER_SIGNER_URL: 'http://127.0.0.1:1/sign' }),
      (e) => isCustosError(e, 'CONFIG_INVALID') && /CUSTOS_LEDGER_SIGNER_VKEY/.test((e as Error).message),
    );
  });
});

describe('an external checkpoint signer', () => {
  test('signs every checkpoint; no key file is created; verify holds under its public key', async () => {
    const { signerKey, verifierKey } = generateNoteKeys(origin);
    const remote = remoteSigner(signerKey);
    const t = await testCustos('sqlite', {
      env: { CUSTOS_LEDGER_ORIGIN: origin },
      ledgerSigner: { signer: remote.signer, vkey: verifierKey },
    });
    try {
      assert.equal(existsSync(t.config.ledgerKeyFile), false, 'no signing key in the data directory');
      assert.equal(existsSync(join(t.config.dataDir, 'ledger.key')), false);
      assert.equal(t.custos.ledger.vkey, verifierKey);
      await t.custos.ledger.append({
        type: 'customer.viewed',
        actor: 'api-token:t',
        data: { customerId: 'a' },
      });
      const checkpoint = await t.custos.ledger.checkpointNow();
      assert.ok(checkpoint);
      const opened = openCheckpoint(checkpoint.note, [verifierFromKey(verifierKey)], origin);
      assert.ok(opened.ok);
      assert.equal(opened.checkpoint.size, t.custos.ledger.size());
      assert.equal(remote.signed.at(-1), checkpoint.note.slice(0, checkpoint.note.indexOf('\n\n') + 1));
      const report = await verifyLedger({
        store: t.custos.ledgerStore,
        verifier: verifierFromKey(verifierKey),
        origin,
      });
      assert.deepEqual(report.problems, []);
    } finally {
      await t.cleanup();
    }
  });

  test('a signature that does not verify is never published', async () => {
    const { signerKey, verifierKey } = generateNoteKeys(origin);
    const behaviour = { broken: false };
    const remote = remoteSigner(signerKey, behaviour);
    const t = await testCustos('sqlite', {
      env: { CUSTOS_LEDGER_ORIGIN: origin },
      ledgerSigner: { signer: remote.signer, vkey: verifierKey },
    });
    try {
      await t.custos.ledger.append({
        type: 'customer.viewed',
        actor: 'api-token:t',
        data: { customerId: 'a' },
      });
      const good = await t.custos.ledger.checkpointNow();
      behaviour.broken = true;
      await t.custos.ledger.append({
        type: 'customer.viewed',
        actor: 'api-token:t',
        data: { customerId: 'b' },
      });
      await assert.rejects(t.custos.ledger.checkpointNow(), (e) => isCustosError(e, 'LEDGER_UNAVAILABLE'));
      assert.equal(await t.custos.ledger.latestCheckpoint(), good?.note);
    } finally {
      await t.cleanup();
    }
  });

  test('a signer whose key is not the published one, or not the origin’s, is refused at start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'custos-signer-'));
    const config = loadConfig({
      CUSTOS_DATA_DIR: dir,
      CUSTOS_DEMO: 'false',
      CUSTOS_LEDGER_ORIGIN: origin,
    });
    const start = (skey: string, vkey: string) =>
      createCustos(config, {
        logger: createLogger('silent'),
        ledgerSigner: { signer: remoteSigner(skey).signer, vkey },
      });
    try {
      const mine = generateNoteKeys(origin);
      const other = generateNoteKeys(origin);
      await assert.rejects(start(mine.signerKey, other.verifierKey), (e) =>
        isCustosError(e, 'CONFIG_INVALID'),
      );
      const elsewhere = generateNoteKeys('elsewhere.test/ledger');
      await assert.rejects(start(elsewhere.signerKey, elsewhere.verifierKey), (e) =>
        isCustosError(e, 'CONFIG_INVALID'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
