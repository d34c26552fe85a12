/**
 * Email over SMTP through nodemailer: `CUSTOS_SMTP_URL` (`smtp://user:pass@host:587`, or `smtps://` for
 * implicit TLS) and the sender `CUSTOS_SMTP_FROM`. One pooled connection, reused across messages.
 */
import nodemailer from 'nodemailer';
import type { Delivery, EmailTransport } from './outbox.types.ts';

export function smtpTransport(url: string, from: string): EmailTransport {
  const transport = nodemailer.createTransport(url);
  return {
    async send(d: Delivery) {
      await transport.sendMail({ from, to: d.to, subject: d.subject, text: d.text });
    },
    close: () => transport.close(),
  };
}
