import type { Api } from '../api.ts';
import type { ServerContext } from '../context.ts';
import type { Job, JobEvent } from '../jobs.ts';
import { HttpProblem } from '../problem.ts';
import { jobParams, jobSchema } from '../schemas.ts';

function find(ctx: ServerContext, id: string): Job {
  const job = ctx.jobs.get(id);
  if (!job) throw new HttpProblem(404, 'not-found', 'Not found', `no job ${id}`);
  return job;
}

export function jobRoutes(api: Api, ctx: ServerContext): void {
  api.add({
    method: 'get',
    path: '/api/v1/jobs/:id',
    summary: 'State of a backup, verify or restore job',
    tag: 'jobs',
    access: 'backup:manage',
    params: jobParams,
    responses: { 200: { description: 'The job', schema: jobSchema }, 404: { description: 'Unknown job' } },
    handle({ params, res }) {
      res.json(find(ctx, params.id));
    },
  });

  api.add({
    method: 'get',
    path: '/api/v1/jobs/:id/events',
    summary: 'Live progress of a job as server-sent events (state, progress, log, finished)',
    tag: 'jobs',
    access: 'backup:manage',
    params: jobParams,
    responses: { 200: { description: 'An event stream', contentType: 'text/event-stream' }, 404: { description: 'Unknown job' } },
    handle({ params, req, res }) {
      const job = find(ctx, params.id);
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
      const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      send('state', job);
      if (job.status !== 'running') {
        send('finished', job);
        res.end();
        return;
      }
      const listener = (e: JobEvent) => {
        if (e.job.id !== job.id) return;
        if (e.type === 'progress') send('progress', e.progress);
        else if (e.type === 'log') send('log', { message: e.message });
        else {
          send('finished', e.job);
          close();
        }
      };
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      const close = () => {
        clearInterval(heartbeat);
        ctx.jobs.events.off('event', listener);
        res.end();
      };
      ctx.jobs.events.on('event', listener);
      req.on('close', close);
    },
  });
}
