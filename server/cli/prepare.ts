/** `kindlab prepare`: not built yet. */
export async function run(_args: string[]): Promise<number> {
  console.error('kindlab prepare: not implemented yet');
  return 1;
}
