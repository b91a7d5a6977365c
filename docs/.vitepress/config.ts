import { defineConfig } from "vitepress";
export default defineConfig({ title: "Eventloom", srcExclude: ["**/node_modules/**"] });
