// Preloaded into both servers for the idle-memory phase only (NODE_OPTIONS
// "--expose-gc --import bench/gc-on-signal.mjs"): SIGUSR2 runs a full garbage
// collection, so the bench can measure what each server retains rather than
// how much garbage its young generation happens to hold at that moment.
process.on('SIGUSR2', () => {
  globalThis.gc();
  globalThis.gc();
});
