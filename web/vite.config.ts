import { defineConfig } from 'vite';

// The build is plain static files under dist/, served by the gateway (no Node at run time).
// ECharts is split into its own chunk, loaded only by the report screens.
export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  // Development only: the API of a local stack (scripts/up.sh) behind the dev server.
  server: { proxy: { '/v1': 'http://localhost:8080', '/openapi.json': 'http://localhost:8080' } },
  build: {
    target: 'es2020',
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    chunkSizeWarningLimit: 600, // the chart library's own chunk, loaded by the reports only
    rollupOptions: {
      output: {
        // The chart library (and its renderer) in one chunk of its own, named so its size is
        // reported apart from the app's.
        manualChunks: (id) => (/node_modules\/(echarts|zrender)\//.test(id) ? 'echarts' : undefined),
      },
    },
  },
});
