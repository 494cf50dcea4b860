import { defineConfig } from 'vite';

// The console is served by the Gatehouse binary at /console from the
// embedded internal/console/dist (see internal/console/console.go).
export default defineConfig({
  base: '/console/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: '../internal/console/dist',
    emptyOutDir: true,
    // No inline scripts: the console's Content-Security-Policy forbids them.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
