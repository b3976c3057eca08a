// A minimal SMTP server on 127.0.0.1 that keeps every message it receives, so the
// browser tests can read the gateway's verification mail (plain SMTP, no TLS, no auth:
// SMTP_URL=smtp://127.0.0.1:<port>).

import net from "node:net";

function decodeBody(headers, body) {
  const encoding = /^content-transfer-encoding:\s*(\S+)/im.exec(headers)?.[1]?.toLowerCase();
  if (encoding === "base64") return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (encoding === "quoted-printable") {
    const bytes = body
      .replace(/=\r?\n/g, "")
      .replace(/=([0-9A-F]{2})/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, "latin1").toString("utf8");
  }
  return body;
}

export class SmtpSink {
  /** @type {{ to: string[], subject: string, body: string }[]} */
  messages = [];
  #sockets = new Set();

  async start() {
    this.server = net.createServer((socket) => this.#session(socket));
    await new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", resolve);
    });
    this.port = this.server.address().port;
    return this;
  }

  get url() {
    return `smtp://127.0.0.1:${this.port}`;
  }

  #session(socket) {
    this.#sockets.add(socket);
    socket.on("close", () => this.#sockets.delete(socket));
    socket.setEncoding("latin1");
    let buffer = "";
    let inData = false;
    let envelope = { to: [] };
    const reply = (line) => socket.write(`${line}\r\n`);
    reply("220 127.0.0.1 ESMTP browser-test sink");
    socket.on("data", (chunk) => {
      buffer += chunk;
      for (;;) {
        if (inData) {
          const end = buffer.indexOf("\r\n.\r\n");
          if (end < 0) return;
          const raw = Buffer.from(buffer.slice(0, end), "latin1").toString("utf8").replace(/^\.\./gm, ".");
          buffer = buffer.slice(end + 5);
          inData = false;
          const split = raw.indexOf("\r\n\r\n");
          const headers = split < 0 ? raw : raw.slice(0, split);
          const body = split < 0 ? "" : raw.slice(split + 4);
          const unfolded = headers.replace(/\r\n[ \t]+/g, " ");
          this.messages.push({
            to: envelope.to,
            subject: /^subject:\s*(.*)$/im.exec(unfolded)?.[1] ?? "",
            body: decodeBody(unfolded, body),
          });
          envelope = { to: [] };
          reply("250 OK: queued");
          continue;
        }
        const newline = buffer.indexOf("\r\n");
        if (newline < 0) return;
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 2);
        const verb = line.split(/[\s:]/)[0].toUpperCase();
        if (verb === "EHLO") reply("250-127.0.0.1\r\n250-8BITMIME\r\n250 SMTPUTF8");
        else if (verb === "HELO") reply("250 127.0.0.1");
        else if (verb === "MAIL") {
          envelope = { to: [] };
          reply("250 OK");
        } else if (verb === "RCPT") {
          envelope.to.push(/<([^>]*)>/.exec(line)?.[1] ?? "");
          reply("250 OK");
        } else if (verb === "DATA") {
          inData = true;
          reply("354 End data with <CR><LF>.<CR><LF>");
        } else if (verb === "QUIT") {
          reply("221 Bye");
          socket.end();
          return;
        } else reply("250 OK");
      }
    });
    socket.on("error", () => {});
  }

  /** Waits (at most `timeoutMs`) for the `n`-th message to `to`; returns its `Token: …` line and the link. */
  async tokenFor(to, { n = 1, timeoutMs = 10_000 } = {}) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.messages.filter((m) => m.to.includes(to));
      const message = found[n - 1];
      if (message) {
        const token = /^Token: (\S+)/m.exec(message.body)?.[1];
        const link = /(https?:\/\/\S+)/.exec(message.body)?.[1];
        if (!token) throw new Error(`no "Token:" line in ${JSON.stringify(message)}`);
        return { token, link, message };
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no mail #${n} to ${to} within ${timeoutMs} ms (got ${this.messages.length} messages)`);
  }

  async stop() {
    // The gateway keeps pooled SMTP connections open: end them, or close() would wait.
    for (const socket of this.#sockets) socket.destroy();
    await new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
