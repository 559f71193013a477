// The API explorer: reads ../schema/ and renders a form per operation.
// Plain DOM, no eval, nothing loaded from elsewhere.
"use strict";

(function () {
  const root = document.getElementById("operations");

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    for (const child of children) node.append(child);
    return node;
  }

  function cookie(name) {
    const found = document.cookie.split("; ").find((c) => c.startsWith(name + "="));
    return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
  }

  function example(schema) {
    if (!schema) return null;
    if (schema.oneOf) return example(schema.oneOf[0]);
    const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
    switch (type) {
      case "object": {
        const out = {};
        for (const [name, prop] of Object.entries(schema.properties || {})) {
          if (!prop.readOnly) out[name] = example(prop);
        }
        return out;
      }
      case "array": return [];
      case "integer": return 1;
      case "number": return 1.5;
      case "boolean": return true;
      case "string": return schema.format === "decimal" ? "9.99" : "text";
      default: return null;
    }
  }

  function operationForm(path, method, op) {
    const form = el("form");
    const params = op.parameters || [];
    for (const p of params) {
      form.append(el("label", {}, `${p.name} (${p.in})`), el("input", { name: p.name, "data-in": p.in }));
    }
    const body = op.requestBody && op.requestBody.content["application/json"];
    let textarea = null;
    if (body) {
      textarea = el("textarea", { name: "body" });
      textarea.value = JSON.stringify(example(body.schema), null, 2);
      form.append(el("label", {}, "JSON body"), textarea);
    }
    const output = el("pre");
    form.append(el("button", { type: "submit" }, "Send"), output);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      let url = path;
      const query = new URLSearchParams();
      for (const input of form.querySelectorAll("input")) {
        if (input.dataset.in === "path") url = url.replace(`{${input.name}}`, encodeURIComponent(input.value));
        else if (input.value !== "") query.append(input.name, input.value);
      }
      if ([...query].length) url += "?" + query;
      const init = { method: method.toUpperCase(), credentials: "same-origin", headers: { Accept: "application/json" } };
      if (textarea) {
        init.body = textarea.value;
        init.headers["Content-Type"] = "application/json";
      }
      if (!["GET", "HEAD", "OPTIONS"].includes(init.method)) init.headers["X-CSRFToken"] = cookie("csrftoken");
      output.textContent = "…";
      try {
        const response = await fetch(url, init);
        const text = await response.text();
        let shown = text;
        try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (_) { /* not JSON */ }
        output.textContent = `${response.status} ${response.statusText}\n\n${shown}`;
      } catch (error) {
        output.textContent = String(error);
      }
    });
    return form;
  }

  async function load() {
    const response = await fetch("../schema/", { headers: { Accept: "application/json" } });
    const schema = await response.json();
    root.textContent = "";
    for (const [path, item] of Object.entries(schema.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const summary = el("summary", {},
          el("span", { class: `method ${method}` }, method.toUpperCase()), path,
          el("span", { class: "summary" }, op.summary || ""));
        root.append(el("details", {}, summary, operationForm(path, method, op)));
      }
    }
  }

  load().catch((error) => { root.textContent = "Cannot load the schema: " + error; });
})();
