/** `kindlab env`: not built yet. */
export async function run(_args: string[]): Promise<number> {
  console.error('kindlab env: not implemented yet');
  return 1;
}
