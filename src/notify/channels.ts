import crypto from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Channel } from './settings.ts';

export type Severity = 'info' | 'warning' | 'error';

export interface Notification {
  kind: string;
  severity: Severity;
  title: string;
  body: string;
  at: string;
}

const TIMEOUT_MS = 10_000;

/** The JSON payload of generic webhooks, and how it is signed: HMAC-SHA256 over "<timestamp>.<body>". */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

function webhookBody(format: 'json' | 'slack' | 'teams', n: Notification): string {
  const line = `[${n.severity.toUpperCase()}] ${n.title}`;
  if (format === 'slack') return JSON.stringify({ text: `*${line}*\n${n.body}` });
  if (format === 'teams') {
    // An Adaptive Card, as Teams' incoming webhooks (Workflows) expect it.
    return JSON.stringify({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          content: {
            type: 'AdaptiveCard',
            version: '1.4',
            body: [
              { type: 'TextBlock', weight: 'Bolder', text: line, wrap: true },
              { type: 'TextBlock', text: n.body, wrap: true },
            ],
          },
        },
      ],
    });
  }
  return JSON.stringify({ source: 'itsm-sec-nexus', ...n });
}

/** Sends one notification over one channel; throws when the receiver does not accept it. */
export async function send(channel: Channel, n: Notification): Promise<void> {
  if (channel.type === 'email') {
    const transport = nodemailer.createTransport({
      host: channel.host,
      port: channel.port,
      secure: channel.security === 'tls',
      requireTLS: channel.security === 'starttls',
      ignoreTLS: channel.security === 'none',
      auth: channel.username ? { user: channel.username, pass: channel.password ?? '' } : undefined,
      connectionTimeout: TIMEOUT_MS,
      greetingTimeout: TIMEOUT_MS,
      socketTimeout: TIMEOUT_MS,
    });
    try {
      await transport.sendMail({
        from: channel.from,
        to: channel.to,
        subject: `[ITSM-Sec Nexus] [${n.severity.toUpperCase()}] ${n.title}`,
        text: `${n.body}\n\n${n.at} · ${n.kind}`,
      });
    } finally {
      transport.close();
    }
    return;
  }
  const body = webhookBody(channel.format, n);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'itsm-sec-nexus' };
  if (channel.format === 'json' && channel.secret) {
    const timestamp = String(Math.floor(Date.now() / 1000));
    headers['x-nexus-timestamp'] = timestamp;
    headers['x-nexus-signature'] = signature(channel.secret, timestamp, body);
  }
  const res = await fetch(channel.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!res.ok) throw new Error(`HTTP ${res.status} from ${new URL(channel.url).host}`);
}
