/**
 * What `kindlab prepare` calls for a lab's images: build (or find cached)
 * every tag, one after the other so the log reads in order.
 */
import { ensureImage, type EnsureImageResult } from './ensure-image.js';

export async function buildLabImages(images: readonly string[], onLog: (line: string) => void): Promise<EnsureImageResult[]> {
  const results: EnsureImageResult[] = [];
  for (const tag of [...new Set(images)]) results.push(await ensureImage(tag, onLog));
  return results;
}
