// Builds the offline consoles into ../assets/consoles/, which the gateway embeds
// (src/http/consoles.rs) and serves under /console-assets/:
//
//   graphiql.html, swagger-ui.html, redoc.html   the pages (GET /graphql, /api/docs, /api/redoc)
//   files/<name>-<hash>.<ext>                     everything they load, named by content hash
//   manifest.rs                                   the list of files/ for include_bytes!
//   THIRD_PARTY_LICENSES.txt                      the licenses of the bundled npm packages
//
// GraphiQL (graphiql, react, react-dom, graphql, graphql-ws) is bundled by Vite, minified
// and without source maps; Swagger UI (swagger-ui-dist) and ReDoc (redoc's standalone
// bundle) are copied as published. Run it with `bash consoles/build.sh` (or
// `npm run build` here), then commit assets/consoles/.

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.resolve(HERE, "../assets/consoles");
const FILES = path.join(OUT, "files");
const DIST = path.join(HERE, "dist");
/** The URL prefix the gateway serves files/ under. */
const PREFIX = "/console-assets/";
const modules = (name) => path.join(HERE, "node_modules", name);

/** npm packages whose code ends up in the Vite bundle, for the license file. */
const bundled = new Set();
/** The npm package a module id is in (the innermost node_modules/ wins). */
const packageOf = (id) => [...id.replaceAll("\\", "/").matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].at(-1)?.[1];
const collectPackages = {
  name: "collect-packages",
  generateBundle(_options, bundle) {
    for (const chunk of Object.values(bundle))
      for (const id of Object.keys(chunk.modules ?? {})) {
        const name = packageOf(id);
        if (name) bundled.add(name);
      }
  },
};
const names = {
  entryFileNames: "[name]-[hash].js",
  chunkFileNames: "[name]-[hash].js",
  assetFileNames: "[name]-[hash][extname]",
};

// 1. GraphiQL, with Vite.
await build({
  root: path.join(HERE, "src"),
  base: PREFIX,
  logLevel: "warn",
  configFile: false,
  publicDir: false,
  plugins: [collectPackages],
  esbuild: { jsx: "automatic" },
  build: {
    outDir: DIST,
    emptyOutDir: true,
    assetsDir: "",
    sourcemap: false,
    minify: true,
    cssMinify: true,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 8192,
    rollupOptions: {
      input: path.join(HERE, "src/graphiql.html"),
      output: names,
      onwarn(warning, warn) {
        // The "use client" directives of React libraries: meaningless in a bundle.
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
    },
  },
  worker: { format: "es", plugins: () => [collectPackages], rollupOptions: { output: names } },
});

rmSync(OUT, { recursive: true, force: true });
mkdirSync(FILES, { recursive: true });
for (const name of readdirSync(DIST)) {
  const data = readFileSync(path.join(DIST, name));
  if (name === "graphiql.html") writeFileSync(path.join(OUT, name), data);
  else writeFileSync(path.join(FILES, name), data);
}

// 2. Swagger UI and ReDoc, copied with a content hash in their names.
/** Drops the trailing `//# sourceMappingURL=…` comment (the maps are not shipped). */
const stripSourceMap = (text) => text.replace(/\n\/[/*]# sourceMappingURL=[^\n]*\s*$/, "\n");
/** Writes `text` as files/<stem>-<hash><ext>; returns its URL. */
function emit(stem, ext, text) {
  const hash = createHash("sha256").update(text).digest("base64url").slice(0, 8);
  const name = `${stem}-${hash}${ext}`;
  writeFileSync(path.join(FILES, name), text);
  return PREFIX + name;
}
const vendor = (file) => stripSourceMap(readFileSync(modules(file), "utf8"));

const swaggerCss = emit("swagger-ui", ".css", vendor("swagger-ui-dist/swagger-ui.css"));
const swaggerJs = emit("swagger-ui-bundle", ".js", vendor("swagger-ui-dist/swagger-ui-bundle.js"));
const swaggerInit = emit(
  "swagger-ui-init",
  ".js",
  `// The page's <div id="swagger-ui" data-spec-url="…"> names the OpenAPI document.
window.ui = SwaggerUIBundle({
  url: document.getElementById("swagger-ui").dataset.specUrl,
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
});
`,
);
// ReDoc's sidebar footer shows Redocly's logo from their CDN: an image that cannot load
// (`data:,`) makes ReDoc drop it (onError) and keep the text link, with no request out.
const REDOC_LOGO = '"https://cdn.redoc.ly/redoc/logo-mini.svg"';
const redocSource = vendor("redoc/bundles/redoc.standalone.js");
if (redocSource.split(REDOC_LOGO).length !== 2)
  throw new Error(`redoc.standalone.js: expected ${REDOC_LOGO} once; check the bundle for outside requests`);
const redocJs = emit("redoc.standalone", ".js", redocSource.replace(REDOC_LOGO, '"data:,"'));

const page = (title, head, body) => `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title}</title>
${head}
</head>
<body>
${body}
</body>
</html>
`;
writeFileSync(
  path.join(OUT, "swagger-ui.html"),
  page(
    "messenger-gateway REST API - Swagger UI",
    `<link rel="stylesheet" href="${swaggerCss}">`,
    `<div id="swagger-ui" data-spec-url="/api/openapi.json"></div>
<script src="${swaggerJs}"></script>
<script src="${swaggerInit}"></script>`,
  ),
);
writeFileSync(
  path.join(OUT, "redoc.html"),
  page(
    "messenger-gateway REST API - ReDoc",
    "<style>body { margin: 0; padding: 0; }</style>",
    `<redoc spec-url="/api/openapi.json"></redoc>
<script src="${redocJs}"></script>`,
  ),
);

// 3. The manifest the gateway includes, and the licenses.
const files = readdirSync(FILES).sort();
for (const name of files)
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`unexpected character in a file name: ${name}`);
writeFileSync(
  path.join(OUT, "manifest.rs"),
  `// @generated by consoles/build.mjs (\`bash consoles/build.sh\`): do not edit.
// The files the console pages load, served by src/http/consoles.rs under ${PREFIX}.
&[
${files.map((name) => `    ("${name}", include_bytes!("files/${name}")),`).join("\n")}
]
`,
);

for (const name of ["swagger-ui-dist", "redoc"]) bundled.add(name);
const licenses = [...bundled].sort().map((name) => {
  const dir = modules(name);
  const { version, license } = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
  const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
  const text = file ? readFileSync(path.join(dir, file), "utf8").trim() : `License: ${license}`;
  return `${name}@${version} (${license})\n\n${text}\n`;
});
writeFileSync(
  path.join(OUT, "THIRD_PARTY_LICENSES.txt"),
  `The npm packages bundled in assets/consoles/ (consoles/build.mjs), with their licenses.\n\n${licenses.join(`\n${"=".repeat(78)}\n\n`)}`,
);

rmSync(DIST, { recursive: true, force: true });

let total = 0;
for (const name of [...readdirSync(OUT), ...files.map((f) => `files/${f}`)]) {
  const file = path.join(OUT, name);
  if (!existsSync(file) || statSync(file).isDirectory()) continue;
  const size = statSync(file).size;
  if (name.startsWith("files/")) total += size;
  console.log(`${(size / 1024).toFixed(1).padStart(9)} KiB  assets/consoles/${name}`);
}
console.log(`${(total / 1024).toFixed(1).padStart(9)} KiB  in files/ (embedded and served)`);
