// Live reload in development (`run --reload`): a page rendered by an older
// process reloads (its tab's state resumes), a failed build is shown over the
// page, a changed static file refreshes the stylesheets.
(() => {
  "use strict";
  const build = document.currentScript.dataset.build;
  let assets = null;
  let overlay = null;

  function show(output) {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "tandem-dev-overlay";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText =
        "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:2rem;" +
        "background:rgba(24,24,27,.94);color:#fafafa;font:14px/1.45 ui-monospace,monospace";
      const title = document.createElement("h2");
      title.textContent = "The build failed; this page is still served by the last good one.";
      title.style.cssText = "margin:0 0 1rem;font:600 16px system-ui,sans-serif;color:#fca5a5";
      const pre = document.createElement("pre");
      pre.style.cssText = "margin:0;white-space:pre-wrap";
      overlay.append(title, pre);
      document.body.append(overlay);
    }
    overlay.querySelector("pre").textContent = output;
  }

  function hide() {
    if (overlay) overlay.remove();
    overlay = null;
  }

  function refreshStylesheets() {
    const stamp = String(Date.now());
    for (const link of document.querySelectorAll("link[rel=stylesheet]")) {
      const url = new URL(link.href);
      url.searchParams.set("reload", stamp);
      link.href = url.href;
    }
  }

  const events = new EventSource("/_tandem/dev/events");
  events.addEventListener("status", (message) => {
    const status = JSON.parse(message.data);
    if (status.build !== build) { events.close(); location.reload(); return; }
    if (assets !== null && status.assets !== assets) refreshStylesheets();
    assets = status.assets;
    document.documentElement.dataset.tandemBuild = status.state;
    if (status.state === "failed") show(status.output); else hide();
  });
})();
