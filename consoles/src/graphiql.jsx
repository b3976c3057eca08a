// GraphiQL for GET /graphql, bundled so that it needs nothing but the gateway: queries and
// mutations go to POST /graphql on this origin, subscriptions to ws(s)://<this host>/graphql
// (graphql-transport-ws, through the npm graphql-ws client). The headers typed in
// GraphiQL's "Headers" tab (e.g. {"Authorization": "Bearer <jwt>"}) go with HTTP requests
// and, as the connection_init payload, with subscriptions.

import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import { parse } from "graphql";
// Monaco's web workers, bundled by Vite as files of their own.
import "graphiql/setup-workers/vite";
import "graphiql/style.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

const endpoint = new URL("/graphql", window.location.href);
const subscriptionUrl = new URL(endpoint);
subscriptionUrl.protocol = window.location.protocol === "https:" ? "wss:" : "ws:";

const graphiqlFetcher = createGraphiQLFetcher({
  url: endpoint.href,
  subscriptionUrl: subscriptionUrl.href,
  // The gateway does not stream (@defer/@stream): plain JSON answers.
  enableIncrementalDelivery: false,
});

/** The document, or undefined when it does not parse (the server then says why). */
function parsed(query) {
  try {
    return parse(query);
  } catch {
    return undefined;
  }
}

// The toolkit picks WebSocket or HTTP from the parsed document GraphiQL passes, which
// GraphiQL updates 100 ms after an edit: run sooner (paste, then Ctrl+Enter) and a
// subscription would go over HTTP. So the document is parsed from the query that runs.
const fetcher = (params, options) =>
  graphiqlFetcher(params, { ...options, documentAST: parsed(params.query) ?? options?.documentAST });

createRoot(document.getElementById("graphiql")).render(
  <StrictMode>
    <GraphiQL fetcher={fetcher} defaultEditorToolsVisibility="headers" />
  </StrictMode>,
);
