import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console is built into dist/web and served by the application itself (no CDN).
// `npm run web:dev` serves it with hot reload and forwards /api to a server on :3000.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: '../dist/web', emptyOutDir: true, chunkSizeWarningLimit: 500 },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
