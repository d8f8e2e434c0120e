/** `kindlab doctor`: not built yet. */
export async function run(_args: string[]): Promise<number> {
  console.error('kindlab doctor: not implemented yet');
  return 1;
}
