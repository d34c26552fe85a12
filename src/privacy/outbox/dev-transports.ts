/**
 * Development transports: without an SMTP server (`CUSTOS_SMTP_URL` unset) email, and without an SMS
 * provider every SMS, is written as a file under the data directory (`<data dir>/outbox/email`,
 * `<data dir>/outbox/sms`, mode 0600 in a 0700 folder) instead of being sent; the log says a message was
 * written, never its address or body. For `npm start` on a laptop, never for production: the files hold
 * invitation tokens.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { uuidv7 } from '../../platform/ids.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Delivery, EmailTransport, SmsTransport } from './outbox.types.ts';

function writeMessage(dir: string, text: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${uuidv7(Date.now())}.txt`);
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

/** Email written to `<dir>/<id>.txt` (headers, a blank line, the text). */
export function fileEmailTransport(dir: string, logger: Logger): EmailTransport {
  return {
    async send(d: Delivery) {
      const file = writeMessage(dir, `To: ${d.to}\nSubject: ${d.subject}\n\n${d.text}`);
      logger.info({ file }, 'development email written (no SMTP server configured)');
    },
  };
}

/** SMS written to `<dir>/<id>.txt` (the number, a blank line, the text). */
export function fileSmsTransport(dir: string, logger: Logger): SmsTransport {
  return {
    async send(d: Omit<Delivery, 'subject'>) {
      const file = writeMessage(dir, `To: ${d.to}\n\n${d.text}`);
      logger.info({ file }, 'development SMS written (no SMS provider configured)');
    },
  };
}
