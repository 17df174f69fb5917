import { SMTPServer } from 'smtp-server';
import { waitFor } from './redis.js';
import { freePort } from './server.js';

export interface Mail {
  to: string;
  /** The message as sent, quoted-printable soft breaks and escapes undone. */
  text: string;
}

const decode = (raw: string) =>
  raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));

/** A local SMTP server that keeps every message it accepts (tests point SMTP_URL at it). */
export class MailCatcher {
  readonly mails: Mail[] = [];
  /** While true, every recipient is refused (a mail server that is down for us). */
  refuse = false;
  private server?: SMTPServer;
  url = '';

  async start(): Promise<this> {
    const port = await freePort();
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo: (_address, _session, cb) => cb(this.refuse ? new Error('450 try again later') : undefined),
      onData: (stream, session, cb) => {
        let raw = '';
        stream.on('data', (d: Buffer) => (raw += d.toString()));
        stream.on('end', () => {
          this.mails.push({ to: session.envelope.rcptTo.map((r) => r.address).join(','), text: decode(raw) });
          cb();
        });
      },
    });
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', r));
    this.url = `smtp://127.0.0.1:${port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise((r) => (this.server ? this.server.close(() => r(undefined)) : r(undefined)));
  }

  /** The token of the first password reset link mailed to `email` among the messages from index `after` on. */
  async resetToken(email: string, after = 0): Promise<string> {
    const mail = await waitFor(`a reset e-mail to ${email}`, async () =>
      this.mails.slice(after).find((m) => m.to === email.toLowerCase()),
    );
    const token = /\/reset-password#token=([A-Za-z0-9_-]{43})/.exec(mail.text)?.[1];
    if (!token) throw new Error(`no link in ${mail.text}`);
    return token;
  }
}
