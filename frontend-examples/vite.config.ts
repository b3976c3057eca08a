import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig, type Connect, type Plugin } from "vite";

// The gateway to proxy to: `bash scripts/run.sh` in the repository root serves one on :8000.
const gateway = process.env.GATEWAY_URL || "http://127.0.0.1:8000";
const root = fileURLToPath(new URL(".", import.meta.url));

// Verification mail links point at FRONTEND_URL/verify-email?token=…: with FRONTEND_URL
// set to this server, they open the chat app, which verifies the address.
const mailLinks: Connect.NextHandleFunction = (req, res, next) => {
  const match = req.url?.match(/^\/verify-email(\?.*)?$/);
  if (!match) return next();
  res.statusCode = 302;
  res.setHeader("Location", `/chat/?verify=1${match[1] ? `&${match[1].slice(1)}` : ""}`);
  res.end();
};
const mailLinkPlugin: Plugin = {
  name: "mail-links",
  configureServer: (server) => void server.middlewares.use(mailLinks),
  configurePreviewServer: (server) => void server.middlewares.use(mailLinks),
};

const proxy = {
  "/graphql": { target: gateway, changeOrigin: true, ws: true },
  "/api": { target: gateway, changeOrigin: true, ws: true },
  "/v1/auth": { target: gateway, changeOrigin: true },
  "/health": { target: gateway, changeOrigin: true },
};

export default defineConfig({
  appType: "mpa",
  plugins: [mailLinkPlugin],
  server: { host: "127.0.0.1", port: 5173, proxy },
  preview: { host: "127.0.0.1", port: 4173, proxy },
  build: {
    target: "es2022",
    rollupOptions: {
      input: {
        index: resolve(root, "index.html"),
        chat: resolve(root, "chat/index.html"),
        miniapp: resolve(root, "miniapp/index.html"),
        "bot-login": resolve(root, "bot-login/index.html"),
      },
    },
  },
});
