/**
 * The enrolment hand-off to an authenticator app: the `otpauth://totp/…` Key URI and a QR code of it.
 *
 * The URI carries the TOTP secret in clear, so it and its QR code are shown once, to the person enrolling,
 * and never logged or stored. Label and parameters are percent-encoded with `encodeURIComponent` rather than
 * `URLSearchParams`, whose `+` for a space some authenticator apps show literally.
 */
import QRCode from 'qrcode';
import { encodeBase32 } from './base32.ts';
import { TOTP_DEFAULTS, type TotpOptions } from './totp.ts';

export interface OtpauthParams extends TotpOptions {
  /** Who issues the code, as the app should title it ("Custos"); must not contain a colon. */
  issuer: string;
  /** Which account at the issuer (a login or e-mail address); must not contain a colon. */
  accountName: string;
  secret: Buffer;
}

/**
 * The Key URI for a TOTP secret, with every parameter spelled out (apps that ignore them assume the same
 * defaults Custos uses).
 *
 * @example
 * otpauthUri({ issuer: 'Custos', accountName: 'alice@example.com', secret })
 * // 'otpauth://totp/Custos:alice%40example.com?secret=…&issuer=Custos&algorithm=SHA1&digits=6&period=30'
 */
export function otpauthUri(params: OtpauthParams): string {
  for (const [name, value] of [
    ['issuer', params.issuer],
    ['accountName', params.accountName],
  ] as const) {
    // The colon separates issuer from account in the label; apps split on the first one even when encoded.
    if (value.length === 0 || value.includes(':'))
      throw new RangeError(`${name} must be non-empty, without ':'`);
  }
  const label = `${encodeURIComponent(params.issuer)}:${encodeURIComponent(params.accountName)}`;
  const fields: [string, string][] = [
    ['secret', encodeBase32(params.secret)],
    ['issuer', params.issuer],
    ['algorithm', params.algorithm ?? TOTP_DEFAULTS.algorithm],
    ['digits', String(params.digits ?? TOTP_DEFAULTS.digits)],
    ['period', String(params.period ?? TOTP_DEFAULTS.period)],
  ];
  const query = fields.map(([key, value]) => `${key}=${encodeURIComponent(value)}`).join('&');
  return `otpauth://totp/${label}?${query}`;
}

/** The URI as a standalone SVG QR code (medium error correction, standard 4-module quiet zone). */
export function otpauthQrSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M' });
}

/** The same QR code as a `data:image/svg+xml;base64,…` URL, for an `<img src>`. */
export async function otpauthQrDataUrl(uri: string): Promise<string> {
  const svg = await otpauthQrSvg(uri);
  return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
}
