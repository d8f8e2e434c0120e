/** Types for scripts/build-web.mjs (used by the test helpers). */
export interface BuildWebOptions {
  /** Where app.js and the copied assets go. */
  readonly outdir: string;
  readonly minify?: boolean;
}
export function buildWeb(options: BuildWebOptions): Promise<void>;
