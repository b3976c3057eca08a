// The page's <div id="swagger-ui" data-spec-url="…"> names the OpenAPI document.
window.ui = SwaggerUIBundle({
  url: document.getElementById("swagger-ui").dataset.specUrl,
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
});
