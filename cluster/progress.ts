/** The progress listeners every Environment keeps, and the clock that stamps a provision's events. */
import type { ProgressEvent } from '../common/environment.js';

export type ProgressListener = (e: ProgressEvent) => void;

export class ProgressEmitter {
  private readonly listeners = new Set<ProgressListener>();

  /** Environment.onProgress: add a listener, get back its remover. */
  on(listener: ProgressListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(e: ProgressEvent): void {
    for (const l of this.listeners) l(e);
  }

  /** Start a provision's clock: the returned function stamps each event with ms since now. */
  begin(): (e: Omit<ProgressEvent, 'atMs'>) => void {
    const started = performance.now();
    return (e) => this.emit({ ...e, atMs: Math.round(performance.now() - started) });
  }
}
