// The shell: language, navigation by role, and a hash router the page modules fill in.
import { endSession, session } from "./api.js";
import { language, register, setLanguage, t, translateStatic } from "./i18n.js";
import * as admin from "./pages/admin.js";
import * as citizen from "./pages/citizen.js";
import * as officer from "./pages/officer.js";
import { STRINGS } from "./strings.js";
import { clearStatusOnNewPage, el, say, show } from "./ui.js";

register(STRINGS);
const modules = [citizen, officer, admin];
for (const module of modules) register(module.STRINGS);

const routes = Object.assign({}, ...modules.map((module) => module.routes));
const LANGUAGE_NAMES = { en: "English", hi: "हिन्दी", or: "ଓଡ଼ିଆ", pa: "ਪੰਜਾਬੀ" };

function navigation() {
  const who = session();
  const links = [["#/", t("nav.home")], ["#/track", t("nav.track")]];
  for (const module of modules) links.push(...module.navigation(who));
  if (who) links.push(["#/logout", t("nav.logout")]);
  else links.push(["#/login", t("nav.login")], ["#/register", t("nav.register")]);
  document.getElementById("nav").replaceChildren(...links.map(([href, text]) => el("a", { href, text })));
}

let renders = 0;

async function route() {
  // A page that finishes loading after the citizen has moved on must not replace the next one.
  const ticket = ++renders;
  const showIfCurrent = (...content) => ticket === renders && show(...content);
  const [path, query] = (location.hash.slice(1) || "/").split("?");
  if (path === "/logout") {
    endSession();
    if (navigator.serviceWorker && navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage("forget");
    location.hash = "#/";
    return;
  }
  const parts = path.split("/").filter(Boolean);
  // "/grievances/OD-..." matches the route "/grievances/:id".
  const match = Object.keys(routes).find((pattern) => {
    const wanted = pattern.split("/").filter(Boolean);
    return wanted.length === parts.length && wanted.every((part, i) => part.startsWith(":") || part === parts[i]);
  });
  navigation();
  clearStatusOnNewPage();
  const handler = routes[match || "/"];
  const params = match ? Object.fromEntries(match.split("/").filter(Boolean).map((p, i) => [p, parts[i]]).filter(([p]) => p.startsWith(":")).map(([p, v]) => [p.slice(1), decodeURIComponent(v)])) : {};
  try {
    await handler({ ...params, query: new URLSearchParams(query || ""), show: showIfCurrent });
  } catch (error) {
    if (ticket === renders) say(error.message || String(error), "error");
  }
}

function languages() {
  const offered = (window.CRM_CONFIG && window.CRM_CONFIG.languages) || ["en"];
  if (!offered.includes(language())) setLanguage(offered[0]);
  const select = document.getElementById("language");
  select.replaceChildren(...offered.map((code) => el("option", { value: code, text: LANGUAGE_NAMES[code] || code, selected: code === language() })));
  select.addEventListener("change", () => {
    setLanguage(select.value);
    translateStatic();
    route();
  });
  setLanguage(language());
  translateStatic();
}

languages();
window.addEventListener("hashchange", route);
window.addEventListener("online", () => citizen.sendQueued());
route();
citizen.sendQueued();
if ("serviceWorker" in navigator) navigator.serviceWorker.register("sw.js").catch(() => {});
