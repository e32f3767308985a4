import cliProgress from 'cli-progress';
import type { BackupService } from '../backup/service.ts';
import type { ProgressEvent } from '../backup/events.ts';
import { formatBytes } from './format.ts';

/**
 * A progress bar on stderr while an operation runs, only when stderr is a terminal: pipes and
 * log files get no control characters. Returns a function that removes the bar.
 */
export function attachProgress(service: BackupService, stream: NodeJS.WritableStream & { isTTY?: boolean }): () => void {
  if (!stream.isTTY) return () => undefined;
  const bar = new cliProgress.SingleBar(
    { stream, format: ' {phase} [{bar}] {percentage}% | {amount}', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let phase = '';
  const onProgress = (e: ProgressEvent) => {
    const amount = e.unit === 'bytes' ? `${formatBytes(e.done)} / ${formatBytes(e.total)}` : `${e.done} / ${e.total} ${e.unit}`;
    if (e.phase !== phase) {
      if (phase) bar.stop();
      phase = e.phase;
      bar.start(Math.max(e.total, 1), e.done, { phase: e.phase.padEnd(9), amount });
    } else bar.update(e.done, { amount });
  };
  service.events.on('progress', onProgress);
  return () => {
    service.events.off('progress', onProgress);
    if (phase) bar.stop();
  };
}
