// Browser entry point (bundled by scripts/build-web.mjs). Built out by the web layer.
export {};
