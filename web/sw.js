// Offline: the shell from the cache first; the API's GETs from the network, or the last
// answer when there is none. Logging out clears what was kept (`forget` message).
const SHELL = "shell-v3";
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

// A new release is fetched past the browser's HTTP cache (the files live an hour there), so
// the shell it keeps is really the new one.
self.addEventListener("install", (event) => {
  const fresh = FILES.map((file) => new Request(file, { cache: "reload" }));
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(fresh)).then(() => self.skipWaiting()));
});

// The previous release's shell goes, or its files would still answer.
self.addEventListener("activate", (event) => {
  const kept = [SHELL, READS];
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => !kept.includes(name)).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "forget") event.waitUntil(caches.delete(READS));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin === self.location.origin && url.pathname.endsWith("/config.js")) {
    // Where the API is may change without a new release: the network first, the kept copy offline.
    event.respondWith(fetch(request).catch(() => caches.open(SHELL).then((cache) => cache.match(request)).then((hit) => hit || Response.error())));
    return;
  }
  if (url.origin === self.location.origin) {
    event.respondWith(caches.open(SHELL).then((cache) => cache.match(request, { ignoreSearch: true })).then((hit) => hit || fetch(request)));
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
