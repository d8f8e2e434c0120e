/** `kindlab serve`: not built yet. */
export async function run(_args: string[]): Promise<number> {
  console.error('kindlab serve: not implemented yet');
  return 1;
}
