import { fileURLToPath } from "node:url";
import {
  type InspectorPageAssets,
  type InspectorAssetsOptions,
  loadInspectorAssets,
} from "./internal/load-assets.js";

export type {
  InspectorAsset,
  InspectorPageAssets,
  InspectorAssetsOptions,
} from "./internal/load-assets.js";

/** Where `vite build` puts the page: `dist/page` from both `src/` and `dist/`. */
const PAGE_DIR = new URL("../dist/page/", import.meta.url);

/**
 * The inspector page, built into this package: an HTML page (`"/"`) and its script and style
 * (`"/assets/…"`), loading nothing from elsewhere. `@eventloom/server` serves them at `/` with
 * `createServer({ inspector: true })`; serve them yourself from any HTTP framework by path, with
 * the given content types and `Content-Security-Policy` header, next to the server's routes.
 *
 * @example
 * const { files, contentSecurityPolicy } = inspectorAssets({ jaegerUrl: "http://localhost:16686" });
 * const page = files.get("/")!; // { body, contentType: "text/html; charset=utf-8" }
 */
export function inspectorAssets(options: InspectorAssetsOptions = {}): InspectorPageAssets {
  return loadInspectorAssets(fileURLToPath(PAGE_DIR), options);
}
