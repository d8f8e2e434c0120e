/** `kindlab validate`: not built yet. */
export async function run(_args: string[]): Promise<number> {
  console.error('kindlab validate: not implemented yet');
  return 1;
}
