/** `custos`: the command-line entry point. */
import { Command } from 'commander';
import { CustosError } from '../platform/errors.ts';
import {
  checkpointCommand,
  createTokenCommand,
  importCommand,
  initCommand,
  rotateKeysCommand,
  serveCommand,
  simulateCommand,
  verifyCommand,
  witnessCommand,
} from './commands.ts';

const program = new Command()
  .name('custos')
  .description('Customer personal-data vault that staff can serve customers from but cannot harvest.')
  .showHelpAfterError();

program
  .command('init')
  .description('Initialise the data directory, keys, schema and demo organisation')
  .action(initCommand);
program.command('serve').description('Initialise if needed, then serve the HTTP API').action(serveCommand);
program
  .command('import')
  .argument(
    '<file>',
    'a .csv file or .xlsx workbook with a header row, a .jsonl file, or a portability export (.json or .csv)',
  )
  .option('--format <format>', 'csv, jsonl, xlsx or json (default: from the extension)')
  .option(
    '--encoding <name>',
    'encoding of a .csv/.jsonl file without a byte-order mark: gb18030, gbk, big5, utf-16le, … ' +
      '(default: UTF-8 when the file is valid UTF-8; otherwise the import is refused)',
  )
  .option('--sheet <name>', 'the worksheet of an .xlsx workbook to import (needed when it has several)')
  .option('--batch-size <n>', 'rows per transaction', '20000')
  .option('--workers <n>', 'sealing worker threads (default: one per core)')
  .description('Import customers; bad rows are reported by line and the rest imported exactly once')
  .action(importCommand);
const keys = program.command('keys').description('Master key management');
keys
  .command('rotate')
  .option('--batch-size <n>', 'data keys rewrapped per transaction', '1000')
  .option('--grace-ms <ms>', 'wait for running servers to notice the new key', '2000')
  .description('Rotate the master key: rewrap every data key, then retire the old key (resumable)')
  .action(rotateKeysCommand);
program
  .command('verify')
  .option(
    '--checkpoint <file>',
    'a signed checkpoint kept outside the database (saved earlier, or a witness copy), to check against; repeat for several',
    (file: string, files: string[] = []) => [...files, file],
  )
  .option('--key <file>', 'the ledger public key to trust (default: <ledger key file>.pub)')
  .description(
    'Recompute the ledger from storage and check it against signed checkpoints; names the first bad index',
  )
  .action(verifyCommand);
program
  .command('checkpoint')
  .description('Print the latest signed ledger checkpoint (save it to verify against later)')
  .action(checkpointCommand);
program
  .command('witness')
  .option('--data-dir <dir>', "the witness's own directory (key and state)", '.custos-witness')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--port <port>', 'port to listen on', '7380')
  .option('--name <name>', "the witness's key name", 'custos-witness')
  .option(
    '--log <origin=vkey>',
    'a log to witness: origin and its vkey (or a file holding it); repeatable',
    (v: string, all: string[]) => [...all, v],
    [] as string[],
  )
  .description('Run a C2SP tlog-witness: cosign checkpoints only when consistent with the last one cosigned')
  .action(witnessCommand);
program
  .command('simulate')
  .option('--staff <n>', 'staff members', '10000')
  .option('--customers <n>', 'customers', '1000000')
  .option('--days <n>', 'simulated days', '30')
  .option('--seed <n>', 'seed (the same seed gives the same report)', '1')
  .option('--cold-share <share>', 'honest contacts that are cold staff-initiated reveals (default 0.0005)')
  .option('--out <file>', 'the Markdown report (charts go to containment/ beside it)', 'docs/CONTAINMENT.md')
  .description(
    'Simulate an organisation and attack strategies against the real risk model, tiers and quotas; write the report',
  )
  .action(simulateCommand);
const token = program.command('token').description('Admin API tokens');
token
  .command('create')
  .option('--label <label>', 'what the token is for')
  .option('--scopes <scopes>', 'comma-separated: staff_invite, staff_suspend, setup, ledger_read')
  .description("Operator's break-glass: mint a one-hour API token (ledgered, security alerted)")
  .action(createTokenCommand);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CustosError) {
    process.stderr.write(`custos: ${error.code}: ${error.message}\n`);
  } else {
    process.stderr.write(`custos: ${(error as Error).stack ?? String(error)}\n`);
  }
  process.exit(error instanceof CustosError && error.isClientError ? 2 : 1);
}
