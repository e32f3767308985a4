import { z } from 'zod';
import { notificationSettingsSchema } from '../../notify/settings.ts';
import type { Api } from '../api.ts';
import type { ServerContext } from '../context.ts';

export function notificationRoutes(api: Api, ctx: ServerContext): void {
  api.add({
    method: 'get',
    path: '/api/v1/notification-settings',
    summary: 'Notification channels and rules (secrets shown as ********)',
    tag: 'notifications',
    access: 'backup:manage',
    auditAction: 'backup.notification-settings',
    responses: { 200: { description: 'Settings, secrets masked', schema: notificationSettingsSchema } },
    handle({ res }) {
      res.json(ctx.notificationSettings.masked());
    },
  });

  api.add({
    method: 'put',
    path: '/api/v1/notification-settings',
    summary: 'Change notification channels and rules (send ******** to keep a stored secret)',
    tag: 'notifications',
    access: 'backup:manage',
    auditAction: 'backup.notification-settings',
    body: notificationSettingsSchema,
    responses: { 200: { description: 'The stored settings, secrets masked', schema: notificationSettingsSchema } },
    handle({ body, principal, res }) {
      ctx.notificationSettings.set(body, principal.actor);
      const masked = ctx.notificationSettings.masked();
      // The audit trail gets the settings as displayed: never a secret.
      ctx.audit.record({ userId: principal.user?.id ?? null, actor: principal.actor, action: 'backup.notification-settings', target: null, result: 'success', error: null, details: { after: masked } });
      res.json(masked);
    },
  });

  api.add({
    method: 'post',
    path: '/api/v1/notification-settings/test',
    summary: 'Send a test notification over one channel',
    tag: 'notifications',
    access: 'backup:manage',
    auditAction: 'backup.notification-test',
    body: z.object({ channel: z.string().min(1) }).strict(),
    responses: { 200: { description: 'Whether the channel accepted it', schema: z.object({ channel: z.string(), ok: z.boolean(), error: z.string().nullable() }) } },
    async handle({ body, principal, res }) {
      const result = await ctx.notifier.test(body.channel);
      ctx.audit.record({ userId: principal.user?.id ?? null, actor: principal.actor, action: 'backup.notification-test', target: body.channel, result: result.ok ? 'success' : 'failure', error: result.error });
      res.json(result);
    },
  });

  api.add({
    method: 'get',
    path: '/api/v1/notifications',
    summary: 'Recent notifications and the outcome of their deliveries',
    tag: 'notifications',
    access: 'backup:manage',
    responses: { 200: { description: 'Notifications and deliveries, newest first', schema: z.object({ notifications: z.array(z.unknown()), deliveries: z.array(z.unknown()) }) } },
    handle({ res }) {
      res.json(ctx.notifier.recent());
    },
  });
}
