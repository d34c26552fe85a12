import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseCheckpoint } from '../../../src/ledger/checkpoint.ts';
import { parseNote } from '../../../src/ledger/signed-note.ts';
import {
  formatAddCheckpointRequest,
  MAX_PROOF_LINES,
  parseAddCheckpointRequest,
  parseTreeSizeBody,
} from '../../../src/ledger/witness/add-checkpoint-request.ts';

const tiles = JSON.parse(
  readFileSync(new URL('../../../../shared/vectors/tlog_tiles.json', import.meta.url), 'utf8'),
) as { witness_add_checkpoint_example_request_body: string };
const example = tiles.witness_add_checkpoint_example_request_body;
const hash = (byte: number) => Buffer.alloc(32, byte);

test('the tlog-witness example request parses into old size, proof and a signed checkpoint', () => {
  const request = parseAddCheckpointRequest(example);
  assert.ok(request.ok);
  assert.equal(request.oldSize, 20852014);
  assert.deepEqual(
    request.proof.map((h) => h.toString('base64')),
    [
      'PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=',
      'jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=',
      '5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=',
      '/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=',
    ],
  );
  const note = parseNote(request.signedCheckpoint);
  assert.ok(note);
  assert.equal(note.signatures.length, 2);
  const checkpoint = parseCheckpoint(note.text);
  assert.equal(checkpoint?.origin, 'example.com/behind-the-sofa');
  assert.equal(checkpoint?.size, 20852163);
  // Formatting the parsed request gives back the example byte for byte; so does the UTF-8 byte form.
  assert.equal(formatAddCheckpointRequest(request), example);
  assert.deepEqual(parseAddCheckpointRequest(Buffer.from(example, 'utf8')), request);
});

test('old 0 with no proof: the header is one line and an empty line', () => {
  const body = formatAddCheckpointRequest({ oldSize: 0, proof: [], signedCheckpoint: 'note\n\n— k AAAA\n' });
  assert.equal(body, 'old 0\n\nnote\n\n— k AAAA\n');
  const parsed = parseAddCheckpointRequest(body);
  assert.ok(parsed.ok);
  assert.equal(parsed.oldSize, 0);
  assert.deepEqual(parsed.proof, []);
  assert.equal(parsed.signedCheckpoint, 'note\n\n— k AAAA\n');
});

test('malformed request bodies are refused with a reason', () => {
  const note = 'example.com/log\n1\n' + hash(1).toString('base64') + '\n\n— example.com/log AAAAAAAA\n';
  const line = hash(2).toString('base64');
  const bad: [string, string | Uint8Array][] = [
    ['empty', ''],
    ['no empty line', `old 1\n${line}\n`],
    ['no old line', `\n${note}`],
    ['wrong keyword', `new 1\n\n${note}`],
    ['two spaces', `old  1\n\n${note}`],
    ['leading zero', `old 01\n\n${note}`],
    ['negative', `old -1\n\n${note}`],
    ['not a number', `old one\n\n${note}`],
    ['beyond safe integers', `old 9007199254740993\n\n${note}`],
    ['carriage return', `old 1\r\n\n${note}`],
    ['short hash', `old 1\n${hash(2).subarray(1).toString('base64')}\n\n${note}`],
    ['non-canonical base64', `old 1\n${line.replace('=', '')}\n\n${note}`],
    ['a space in a proof line', `old 1\n ${line}\n\n${note}`],
    ['64 proof lines', `old 1\n${`${line}\n`.repeat(MAX_PROOF_LINES + 1)}\n${note}`],
    ['invalid UTF-8', Buffer.concat([Buffer.from('old 1\n\n'), Buffer.from([0xff, 0xfe])])],
  ];
  for (const [why, body] of bad) {
    const parsed = parseAddCheckpointRequest(body);
    assert.equal(parsed.ok, false, why);
  }
  const most = parseAddCheckpointRequest(`old 1\n${`${line}\n`.repeat(MAX_PROOF_LINES)}\n${note}`);
  assert.ok(most.ok, `${MAX_PROOF_LINES} proof lines are allowed`);
});

test('formatting refuses what could not be parsed back', () => {
  assert.throws(
    () => formatAddCheckpointRequest({ oldSize: -1, proof: [], signedCheckpoint: '' }),
    RangeError,
  );
  assert.throws(
    () => formatAddCheckpointRequest({ oldSize: 1.5, proof: [], signedCheckpoint: '' }),
    RangeError,
  );
  assert.throws(
    () => formatAddCheckpointRequest({ oldSize: 1, proof: [Buffer.alloc(31)], signedCheckpoint: '' }),
    RangeError,
  );
  assert.throws(
    () =>
      formatAddCheckpointRequest({
        oldSize: 1,
        proof: Array(64).fill(hash(0)) as Buffer[],
        signedCheckpoint: '',
      }),
    RangeError,
  );
});

test('the 409 size body is a canonical decimal and a newline', () => {
  assert.equal(parseTreeSizeBody('8\n'), 8);
  assert.equal(parseTreeSizeBody('0\n'), 0);
  for (const body of ['8', '08\n', '8\n\n', ' 8\n', '-1\n', '1e3\n', '']) {
    assert.equal(parseTreeSizeBody(body), null, JSON.stringify(body));
  }
});
