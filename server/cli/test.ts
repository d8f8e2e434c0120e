/** `kindlab test`: not built yet. */
export async function run(_args: string[]): Promise<number> {
  console.error('kindlab test: not implemented yet');
  return 1;
}
