import preact from '@preact/preset-vite'
import { defineConfig } from 'vite'

// Served by every `sortie serve` at /console (src/http/console.ts); the API is on the same origin.
export default defineConfig({
  base: '/console/',
  plugins: [preact()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false },
  server: { proxy: { '/v1': 'http://127.0.0.1:8787' } },
})
