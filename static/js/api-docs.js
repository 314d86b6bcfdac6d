// Swagger UI of /api/v1/docs/: reads the schema address from the page (no inline script: the CSP holds).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var node = document.getElementById("swagger-ui");
  if (!node || typeof SwaggerUIBundle !== "function") { return; }
  node.textContent = "";
  SwaggerUIBundle({ url: node.getAttribute("data-schema-url"), dom_id: "#swagger-ui", deepLinking: true });
});
