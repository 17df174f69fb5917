// Records the SQL an app process sends to PostgreSQL: a pass-through TCP proxy that reads the
// frontend protocol's Query ('Q') and Parse ('P') messages. Used once per run to check that the
// pgbench baseline still runs the statements the app runs (they drift whenever the app changes).
import net from 'node:net';

export interface CapturedStatement {
  connection: number;
  sql: string;
  /** Bound parameters in text form (null for NULL), or undefined when sent binary or not at all. */
  params?: Array<string | null>;
}

export class SqlRecorder {
  readonly statements: CapturedStatement[] = [];
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private connections = 0;

  /** Listens on a free port and forwards every connection to host:port. */
  async start(host: string, port: number): Promise<number> {
    this.server = net.createServer((client) => {
      const id = ++this.connections;
      const upstream = net.connect(port, host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      upstream.pipe(client);
      let buffered = Buffer.alloc(0);
      let started = false;
      client.on('data', (chunk: Buffer) => {
        upstream.write(chunk);
        buffered = Buffer.concat([buffered, chunk]);
        for (;;) {
          if (!started) {
            // Startup and SSLRequest messages have no type byte: length, then protocol code.
            if (buffered.length < 8) return;
            const len = buffered.readInt32BE(0);
            if (buffered.length < len) return;
            started = buffered.readInt32BE(4) === 196608;
            buffered = buffered.subarray(len);
            continue;
          }
          if (buffered.length < 5) return;
          const len = buffered.readInt32BE(1);
          if (buffered.length < len + 1) return;
          const type = String.fromCharCode(buffered[0]);
          const body = buffered.subarray(5, len + 1);
          if (type === 'Q')
            this.statements.push({ connection: id, sql: body.toString('utf8', 0, body.indexOf(0)) });
          if (type === 'P') {
            const nameEnd = body.indexOf(0);
            const sql = body.toString('utf8', nameEnd + 1, body.indexOf(0, nameEnd + 1));
            this.statements.push({ connection: id, sql });
          }
          if (type === 'B') {
            const last = this.statements.findLast((st) => st.connection === id);
            if (last) last.params = bindParams(body);
          }
          buffered = buffered.subarray(len + 1);
        }
      });
    });
    return new Promise((resolve) =>
      this.server!.listen(0, '127.0.0.1', () => resolve((this.server!.address() as net.AddressInfo).port)),
    );
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** The parameters of a Bind message, when all are in text format. */
function bindParams(body: Buffer): Array<string | null> | undefined {
  let at = body.indexOf(0) + 1; // portal name
  at = body.indexOf(0, at) + 1; // statement name
  const formats = body.readInt16BE(at);
  at += 2;
  for (let i = 0; i < formats; i++, at += 2) if (body.readInt16BE(at) !== 0) return undefined;
  const count = body.readInt16BE(at);
  at += 2;
  const params: Array<string | null> = [];
  for (let i = 0; i < count; i++) {
    const len = body.readInt32BE(at);
    at += 4;
    params.push(len < 0 ? null : body.toString('utf8', at, at + len));
    if (len > 0) at += len;
  }
  return params;
}

/**
 * What a statement does, independent of its exact form: the tables it writes (insert/update/delete),
 * else the table it reads and whether it locks. pgbench cannot always use the app's exact text (it
 * has no JavaScript between statements), so the drift check compares these.
 */
export function statementSignature(sql: string): string {
  const s = sql
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase()
    .replace(/'[^']*'/g, "''");
  if (/^(start transaction|begin)\b/.test(s)) return 'begin';
  if (/^commit\b/.test(s)) return 'commit';
  if (/^rollback\b/.test(s)) return 'rollback';
  const locks = /\bfor (update|share|no key update|key share)\b/.test(s);
  const writes = [
    ...s
      .replace(/\bfor (update|share|no key update|key share)( of [a-z_, ]+)?/g, '')
      .replace(/\bon conflict[^)]*?do (nothing|update)/g, '')
      .matchAll(/\b(insert into|update|delete from) ([a-z_]+)/g),
  ].map((m) => `${m[1].split(' ')[0]} ${m[2]}`);
  if (writes.length) return writes.join(' + ');
  return `select ${/\bfrom ([a-z_]+)/.exec(s)?.[1] ?? '?'}${locks ? ' for update' : ''}`;
}
