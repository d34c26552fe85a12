/**
 * Logs: pino, JSON lines. Personal data never goes into a log line: request bodies are not logged, and the
 * redaction list below removes credentials wherever a careless call might put them.
 */
import { type Logger, pino } from 'pino';

export type { Logger };

export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'authorization',
  'token',
  'password',
  'secret',
  'masterKey',
  '*.token',
  '*.password',
  '*.secret',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    { level, redact: { paths: redactedPaths, censor: '[redacted]' }, base: { service: 'custos' } },
    destination,
  );
}
