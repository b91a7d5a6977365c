import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The page is built into dist/page, where inspectorAssets() reads it from both src/ and dist/.
// Fixed file names (no hashes): the server serves exactly the files the package ships.
export default defineConfig({
  root: fileURLToPath(new URL("page/", import.meta.url)),
  base: "./",
  logLevel: "warn",
  build: {
    outDir: fileURLToPath(new URL("dist/page/", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    modulePreload: false,
    assetsInlineLimit: 0,
    rollupOptions: {
      output: {
        entryFileNames: "assets/inspector.js",
        chunkFileNames: "assets/[name].js",
        assetFileNames: "assets/[name][extname]",
      },
    },
  },
});
