// Offline: the shell from the cache first; the API's GETs from the network, or the last
// answer when there is none. Logging out clears what was kept (`forget` message).
const SHELL = "shell-v2";
const READS = "reads-v1";
const FILES = [
  "./",
  "index.html",
  "config.js",
  "css/app.css",
  "js/app.js",
  "js/api.js",
  "js/i18n.js",
  "js/strings.js",
  "js/ui.js",
  "js/pages/citizen.js",
  "js/pages/officer.js",
  "js/pages/admin.js",
  "manifest.webmanifest",
  "icons/icon.svg",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("message", (event) => {
  if (event.data === "forget") event.waitUntil(caches.delete(READS));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin === self.location.origin) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
    return;
  }
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(READS).then((cache) => cache.put(request, copy));
        }
        return response;
      })
      .catch(() => caches.match(request).then((hit) => hit || Response.error())),
  );
});
