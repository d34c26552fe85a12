/**
 * The second baseline: what a company without Custos runs. A plain Fastify "CRM" with one route,
 * `GET /customers/:id`, that reads the customer's plaintext row by id and writes one audit row (who, which
 * customer, when) — each request its own autocommit, as an ordinary web app does it. Same database engine and
 * durability as Custos in the same run: SQLite in WAL with `synchronous=FULL` (every commit fsynced), or a
 * PostgreSQL database (its defaults: `synchronous_commit=on`).
 *
 * Run as a child process by `npm run bench` (bench/bench.ts): `CRM_DATABASE` is `sqlite:<file>` or a
 * `postgres://` URL, `CRM_CSV` the same synthetic customers Custos imported, `CRM_POOL` the PostgreSQL pool size.
 * It loads the file, then prints `listening on http://…` and the ids it holds to a file named by `CRM_IDS`.
 */
import { createReadStream, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import pg from 'pg';
import { columns } from './synthetic-csv.ts';

interface Store {
  load(rows: string[][]): Promise<void>;
  read(id: string): Promise<Record<string, unknown> | undefined>;
  audit(actor: string, customerId: string): Promise<void>;
}

const COLUMNS = ['id', ...columns];
const CREATE_CUSTOMERS = `create table customers (${COLUMNS.map((c) => `${c} text${c === 'id' ? ' primary key' : ''}`).join(', ')})`;
const CREATE_AUDIT =
  'create table audit (id text primary key, actor text not null, customer_id text not null, at bigint not null)';

function sqliteStore(file: string): Store {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`${CREATE_CUSTOMERS}; ${CREATE_AUDIT}`);
  const insert = db.prepare(`insert into customers values (${COLUMNS.map(() => '?').join(', ')})`);
  const select = db.prepare('select * from customers where id = ?');
  const audit = db.prepare('insert into audit values (?, ?, ?, ?)');
  const loadAll = db.transaction((rows: string[][]) => {
    for (const row of rows) insert.run(row);
  });
  return {
    load: async (rows) => loadAll(rows),
    read: async (id) => select.get(id) as Record<string, unknown> | undefined,
    audit: async (actor, customerId) => {
      audit.run(randomUUID(), actor, customerId, Date.now());
    },
  };
}

function postgresStore(url: string, poolSize: number): Store {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  let created = false;
  return {
    async load(rows) {
      if (!created) {
        await pool.query(
          `drop table if exists customers; drop table if exists audit; ${CREATE_CUSTOMERS}; ${CREATE_AUDIT}`,
        );
        created = true;
      }
      const width = COLUMNS.length;
      for (let i = 0; i < rows.length; i += 1000) {
        const chunk = rows.slice(i, i + 1000);
        const values = chunk.map((_, r) => `(${COLUMNS.map((__, c) => `$${r * width + c + 1}`).join(', ')})`);
        await pool.query(`insert into customers values ${values.join(', ')}`, chunk.flat());
      }
    },
    read: async (id) =>
      (await pool.query({ name: 'read', text: 'select * from customers where id = $1', values: [id] }))
        .rows[0],
    audit: async (actor, customerId) => {
      await pool.query({
        name: 'audit',
        text: 'insert into audit values ($1, $2, $3, $4)',
        values: [randomUUID(), actor, customerId, Date.now()],
      });
    },
  };
}

/** The CSV's rows (simple: the synthetic file quotes only addresses, which hold no quotes). */
async function* csvRows(path: string): AsyncGenerator<string[]> {
  let header = true;
  for await (const line of createInterface({ input: createReadStream(path, 'utf8') })) {
    if (header) {
      header = false;
      continue;
    }
    const cells = [...line.matchAll(/("([^"]*)"|[^,]*)(,|$)/g)]
      .slice(0, COLUMNS.length - 1)
      .map((m) => m[2] ?? m[1] ?? '');
    yield cells;
  }
}

const target = process.env.CRM_DATABASE ?? '';
const store = target.startsWith('sqlite:')
  ? sqliteStore(target.slice('sqlite:'.length))
  : postgresStore(target, Number(process.env.CRM_POOL ?? 20));

const ids: string[] = [];
let pending: string[][] = [];
for await (const cells of csvRows(process.env.CRM_CSV ?? '')) {
  const id = randomUUID();
  ids.push(id);
  pending.push([id, ...cells]);
  if (pending.length === 20_000) {
    await store.load(pending);
    pending = [];
  }
}
await store.load(pending);
writeFileSync(process.env.CRM_IDS ?? '/dev/null', ids.join('\n'));

const app = Fastify();
app.get<{ Params: { id: string } }>('/customers/:id', async (request, reply) => {
  const row = await store.read(request.params.id);
  if (!row) return reply.status(404).send({ error: 'not found' });
  await store.audit(String(request.headers['x-staff'] ?? 'unknown'), request.params.id);
  return row;
});
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`CRM baseline listening on ${address}\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
