// The theme's stylesheet is bundled by VitePress.
declare module "*.css";
