// The citizen's pages: services, register → code → log in, forgotten password, file a
// grievance (queued while offline), my grievances with their timelines and the moves a citizen
// makes, and the public tracking page.
import { ApiError, get, post, saveSession, session, withLanguage } from "../api.js";
import { language, t } from "../i18n.js";
import { el, field, form, say, statusBadge, when } from "../ui.js";

export const STRINGS = {
  en: {
    "home.title": "Services and grievances",
    "home.search": "Search services",
    "home.search.button": "Search",
    "home.file": "File a grievance",
    "home.none": "No service matches.",
    "register.title": "Register",
    "register.name": "Full name",
    "register.national_id": "Aadhaar number",
    "register.mobile": "Mobile number",
    "register.email": "Email (optional)",
    "register.password": "Password (at least 12 characters)",
    "register.address": "Address",
    "register.district": "District",
    "register.pincode": "PIN code",
    "register.submit": "Register",
    "register.sent": "A code was sent to {mobile}.",
    "verify.title": "Enter the code",
    "verify.otp": "Code from the SMS",
    "verify.submit": "Verify",
    "verify.done": "Your mobile is verified. Log in.",
    "login.title": "Log in",
    "login.username": "Mobile number or email",
    "login.password": "Password",
    "login.submit": "Log in",
    "login.forgot": "Forgot your password?",
    "forgot.title": "Reset your password",
    "forgot.send": "Send a code",
    "forgot.new_password": "New password",
    "forgot.submit": "Set the new password",
    "forgot.sent": "If an account holds this mobile, a code is on its way.",
    "forgot.done": "Your password is changed. Log in.",
    "file.title": "File a grievance",
    "file.category": "What is wrong?",
    "file.category.unsure": "Not sure (we will find the department)",
    "file.district": "District",
    "file.ward": "Ward or area (optional)",
    "file.description": "Describe the problem",
    "file.location": "Add my location",
    "file.location.added": "Location added.",
    "file.submit": "File",
    "file.done": "Filed. Your tracking id is {id}.",
    "file.queued": "You are offline: the grievance will be sent when you are back online.",
    "file.sent_later": "Your grievance filed while offline was sent: {id}.",
    "mine.title": "My grievances",
    "mine.none": "You have filed no grievance yet.",
    "mine.due": "Due {when}",
    "detail.title": "Grievance {id}",
    "detail.history": "What happened",
    "detail.reply": "Your answer",
    "detail.reply.submit": "Send the answer",
    "detail.rating": "How satisfied are you? (1 to 5)",
    "detail.feedback.submit": "Rate and close",
    "detail.reason": "Why?",
    "detail.reopen.submit": "Reopen",
    "detail.appeal.submit": "Appeal",
    "detail.done": "Saved.",
    "track.title": "Track a grievance",
    "track.id": "Tracking id",
    "track.last4": "Last 4 digits of the mobile it was filed from",
    "track.submit": "Track",
    "track.filed": "Filed {when}",
    "nav.mine": "My grievances",
    "nav.file": "File a grievance",
  },
  hi: {
    "home.title": "सेवाएँ और शिकायतें",
    "home.search": "सेवा खोजें",
    "home.search.button": "खोजें",
    "home.file": "शिकायत दर्ज करें",
    "home.none": "कोई सेवा नहीं मिली।",
    "register.title": "पंजीकरण",
    "register.name": "पूरा नाम",
    "register.national_id": "आधार संख्या",
    "register.mobile": "मोबाइल नंबर",
    "register.email": "ईमेल (वैकल्पिक)",
    "register.password": "पासवर्ड (कम से कम 12 अक्षर)",
    "register.address": "पता",
    "register.district": "ज़िला",
    "register.pincode": "पिन कोड",
    "register.submit": "पंजीकरण करें",
    "register.sent": "{mobile} पर कोड भेजा गया।",
    "verify.title": "कोड दर्ज करें",
    "verify.otp": "SMS में आया कोड",
    "verify.submit": "सत्यापित करें",
    "verify.done": "आपका मोबाइल सत्यापित हो गया। लॉग इन करें।",
    "login.title": "लॉग इन",
    "login.username": "मोबाइल नंबर या ईमेल",
    "login.password": "पासवर्ड",
    "login.submit": "लॉग इन करें",
    "login.forgot": "पासवर्ड भूल गए?",
    "forgot.title": "पासवर्ड बदलें",
    "forgot.send": "कोड भेजें",
    "forgot.new_password": "नया पासवर्ड",
    "forgot.submit": "नया पासवर्ड रखें",
    "forgot.sent": "यदि इस मोबाइल का खाता है, तो कोड भेजा जा रहा है।",
    "forgot.done": "आपका पासवर्ड बदल गया। लॉग इन करें।",
    "file.title": "शिकायत दर्ज करें",
    "file.category": "क्या समस्या है?",
    "file.category.unsure": "पता नहीं (हम विभाग ढूँढेंगे)",
    "file.district": "ज़िला",
    "file.ward": "वार्ड या क्षेत्र (वैकल्पिक)",
    "file.description": "समस्या बताएँ",
    "file.location": "मेरा स्थान जोड़ें",
    "file.location.added": "स्थान जोड़ा गया।",
    "file.submit": "दर्ज करें",
    "file.done": "दर्ज हो गई। आपकी ट्रैकिंग आईडी {id} है।",
    "file.queued": "आप ऑफ़लाइन हैं: ऑनलाइन होते ही शिकायत भेज दी जाएगी।",
    "file.sent_later": "ऑफ़लाइन में दर्ज की गई शिकायत भेज दी गई: {id}।",
    "mine.title": "मेरी शिकायतें",
    "mine.none": "आपने अभी कोई शिकायत दर्ज नहीं की है।",
    "mine.due": "समय-सीमा {when}",
    "detail.title": "शिकायत {id}",
    "detail.history": "क्या हुआ",
    "detail.reply": "आपका उत्तर",
    "detail.reply.submit": "उत्तर भेजें",
    "detail.rating": "आप कितने संतुष्ट हैं? (1 से 5)",
    "detail.feedback.submit": "रेटिंग दें और बंद करें",
    "detail.reason": "क्यों?",
    "detail.reopen.submit": "फिर से खोलें",
    "detail.appeal.submit": "अपील करें",
    "detail.done": "सहेजा गया।",
    "track.title": "शिकायत की स्थिति",
    "track.id": "ट्रैकिंग आईडी",
    "track.last4": "जिस मोबाइल से दर्ज की, उसके अंतिम 4 अंक",
    "track.submit": "देखें",
    "track.filed": "दर्ज {when}",
    "nav.mine": "मेरी शिकायतें",
    "nav.file": "शिकायत दर्ज करें",
  },
};

export function navigation(who) {
  return who && who.role === "citizen" ? [["#/mine", t("nav.mine")], ["#/file", t("nav.file")]] : [];
}

async function options(path, value, name) {
  const body = await get(withLanguage(path), { auth: false });
  return body[name].map((item) => el("option", { value: item.code, text: item.name || item.code, selected: item.code === value }));
}

async function home({ query, show }) {
  const q = query.get("q") || "";
  const search = el("input", { name: "q", type: "search", value: q });
  const searchForm = el("form", { role: "search" }, ...field(t("home.search"), search), el("button", { type: "submit", text: t("home.search.button") }));
  searchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = `#/?q=${encodeURIComponent(search.value)}`;
  });
  const found = await get(withLanguage(`/services?limit=20${q ? `&q=${encodeURIComponent(q)}` : ""}`), { auth: false });
  const list = found.services.length
    ? el("ul", {}, found.services.map((s) => el("li", {}, el("strong", { text: s.name }), " — ", s.description || "")))
    : el("p", { text: t("home.none") });
  show(t("home.title"), el("p", {}, el("a", { href: "#/file", text: t("home.file") })), searchForm, list);
}

async function registerPage({ show }) {
  const districts = await options("/districts", "", "districts");
  show(
    t("register.title"),
    form(
      [
        ...field(t("register.name"), el("input", { name: "name", autocomplete: "name", required: true })),
        ...field(t("register.national_id"), el("input", { name: "national_id", inputmode: "numeric", required: true })),
        ...field(t("register.mobile"), el("input", { name: "mobile", type: "tel", autocomplete: "tel", required: true })),
        ...field(t("register.email"), el("input", { name: "email", type: "email", autocomplete: "email" })),
        ...field(t("register.password"), el("input", { name: "password", type: "password", autocomplete: "new-password", required: true })),
        ...field(t("register.address"), el("input", { name: "address.line", autocomplete: "street-address", required: true })),
        ...field(t("register.district"), el("select", { name: "address.district" }, districts)),
        ...field(t("register.pincode"), el("input", { name: "address.pincode", inputmode: "numeric", required: true })),
      ],
      t("register.submit"),
      async (values) => {
        const body = {
          name: values.name,
          national_id: values.national_id,
          mobile: values.mobile,
          password: values.password,
          address: { line: values["address.line"], district: values["address.district"], pincode: values["address.pincode"] },
          language: language(),
        };
        if (values.email) body.email = values.email;
        const receipt = await post("/citizens", body, { auth: false });
        location.hash = `#/verify?mobile=${encodeURIComponent(values.mobile)}`;
        say(t("register.sent", { mobile: receipt.otp_sent_to || values.mobile }));
      },
    ),
  );
}

function verifyPage({ query, show }) {
  show(
    t("verify.title"),
    form(
      [
        ...field(t("register.mobile"), el("input", { name: "mobile", type: "tel", value: query.get("mobile") || "", required: true })),
        ...field(t("verify.otp"), el("input", { name: "otp", inputmode: "numeric", autocomplete: "one-time-code", required: true })),
      ],
      t("verify.submit"),
      async (values) => {
        await post("/citizens/verify", { mobile: values.mobile, otp: values.otp }, { auth: false });
        location.hash = `#/login?username=${encodeURIComponent(values.mobile)}`;
        say(t("verify.done"));
      },
    ),
  );
}

function loginPage({ query, show }) {
  show(
    t("login.title"),
    form(
      [
        ...field(t("login.username"), el("input", { name: "username", autocomplete: "username", value: query.get("username") || "", required: true })),
        ...field(t("login.password"), el("input", { name: "password", type: "password", autocomplete: "current-password", required: true })),
      ],
      t("login.submit"),
      async (values) => {
        const tokens = await post("/auth/login", { username: values.username, password: values.password }, { auth: false });
        saveSession(tokens);
        location.hash = tokens.role === "citizen" ? "#/mine" : "#/queue";
      },
    ),
    el("p", {}, el("a", { href: "#/forgot", text: t("login.forgot") })),
  );
}

function forgotPage({ show }) {
  const mobile = el("input", { name: "mobile", type: "tel", required: true });
  const ask = form([...field(t("register.mobile"), mobile)], t("forgot.send"), async (values) => {
    await post("/auth/password-reset", { mobile: values.mobile }, { auth: false });
    say(t("forgot.sent"));
  });
  const confirm = form(
    [
      ...field(t("register.mobile"), el("input", { name: "mobile", type: "tel", required: true })),
      ...field(t("verify.otp"), el("input", { name: "otp", inputmode: "numeric", autocomplete: "one-time-code", required: true })),
      ...field(t("forgot.new_password"), el("input", { name: "new_password", type: "password", autocomplete: "new-password", required: true })),
    ],
    t("forgot.submit"),
    async (values) => {
      await post("/auth/password-reset/confirm", values, { auth: false });
      location.hash = "#/login";
      say(t("forgot.done"));
    },
  );
  show(t("forgot.title"), ask, confirm);
}

function requireCitizen() {
  const who = session();
  if (!who) {
    location.hash = "#/login";
    throw new ApiError(401, { error: { message: t("login.title") } });
  }
  return who;
}

const QUEUE = "queued-grievances";

function queued() {
  return JSON.parse(localStorage.getItem(QUEUE) || "[]");
}

// A grievance filed while offline waits here, with the key that makes sending it twice file it once.
export async function sendQueued() {
  if (!navigator.onLine || !session()) return;
  for (const item of queued()) {
    try {
      const filed = await post("/grievances", item.body, { headers: { "Idempotency-Key": item.key } });
      localStorage.setItem(QUEUE, JSON.stringify(queued().filter((other) => other.key !== item.key)));
      say(t("file.sent_later", { id: filed.tracking_id }));
    } catch (error) {
      if (error instanceof ApiError) localStorage.setItem(QUEUE, JSON.stringify(queued().filter((other) => other.key !== item.key)));
      return; // offline again, or refused and dropped: try the rest later
    }
  }
}

async function filePage({ show }) {
  requireCitizen();
  const [categories, districts] = await Promise.all([options("/categories", "", "categories"), options("/districts", "", "districts")]);
  const lat = el("input", { type: "hidden", name: "lat" });
  const lon = el("input", { type: "hidden", name: "lon" });
  const locate = el("button", { type: "button", class: "secondary", text: t("file.location") });
  locate.addEventListener("click", () =>
    navigator.geolocation.getCurrentPosition((position) => {
      lat.value = position.coords.latitude.toFixed(6);
      lon.value = position.coords.longitude.toFixed(6);
      say(t("file.location.added"));
    }),
  );
  show(
    t("file.title"),
    form(
      [
        ...field(t("file.category"), el("select", { name: "category" }, el("option", { value: "", text: t("file.category.unsure") }), categories)),
        ...field(t("file.district"), el("select", { name: "location.district" }, districts)),
        ...field(t("file.ward"), el("input", { name: "location.ward" })),
        ...field(t("file.description"), el("textarea", { name: "description", required: true, maxlength: 5000 })),
        lat,
        lon,
        locate,
      ],
      t("file.submit"),
      async (values) => {
        const body = { description: values.description, location: { district: values["location.district"] } };
        if (values.category) body.category = values.category;
        if (values["location.ward"]) body.location.ward = values["location.ward"];
        if (values.lat && values.lon) Object.assign(body.location, { lat: Number(values.lat), lon: Number(values.lon) });
        const key = crypto.randomUUID();
        if (!navigator.onLine) {
          localStorage.setItem(QUEUE, JSON.stringify([...queued(), { key, body }]));
          say(t("file.queued"));
          return;
        }
        const filed = await post("/grievances", body, { headers: { "Idempotency-Key": key } });
        location.hash = `#/grievances/${filed.tracking_id}`;
        say(t("file.done", { id: filed.tracking_id }));
      },
    ),
  );
}

async function minePage({ show }) {
  requireCitizen();
  const page = await get("/grievances?limit=50");
  const list = page.grievances.length
    ? el(
        "ul",
        {},
        page.grievances.map((g) =>
          el(
            "li",
            { class: "card" },
            el("a", { href: `#/grievances/${g.tracking_id}`, text: g.tracking_id }),
            " ",
            statusBadge(g.status),
            g.due_at ? el("div", { class: "hint", text: t("mine.due", { when: when(g.due_at) }) }) : null,
          ),
        ),
      )
    : el("p", { text: t("mine.none") });
  show(t("mine.title"), list);
}

function move(title, fields, path, body) {
  return form(fields, title, async (values) => {
    await post(path, body(values));
    say(t("detail.done"));
    location.reload();
  });
}

async function detailPage({ id, show }) {
  requireCitizen();
  const g = await get(`/grievances/${encodeURIComponent(id)}`);
  const base = `/grievances/${encodeURIComponent(id)}`;
  const moves = [];
  if (g.status === "info_requested") {
    moves.push(move(t("detail.reply.submit"), field(t("detail.reply"), el("textarea", { name: "message", required: true })), `${base}/reply`, (v) => ({ message: v.message })));
  }
  if (g.status === "resolved") {
    const rating = el("select", { name: "rating" }, [5, 4, 3, 2, 1].map((n) => el("option", { value: n, text: n })));
    moves.push(move(t("detail.feedback.submit"), field(t("detail.rating"), rating), `${base}/feedback`, (v) => ({ rating: Number(v.rating) })));
  }
  if (g.status === "resolved" || g.status === "rejected") {
    moves.push(move(t("detail.reopen.submit"), field(t("detail.reason"), el("textarea", { name: "reason", required: true })), `${base}/reopen`, (v) => ({ reason: v.reason })));
  }
  if (g.status === "closed" || g.status === "rejected") {
    moves.push(move(t("detail.appeal.submit"), field(t("detail.reason"), el("textarea", { name: "reason", required: true })), `${base}/appeal`, (v) => ({ reason: v.reason })));
  }
  show(
    t("detail.title", { id: g.tracking_id }),
    el("p", {}, statusBadge(g.status), g.due_at ? ` ${t("mine.due", { when: when(g.due_at) })}` : ""),
    el("p", { text: g.description }),
    el("h2", { text: t("detail.history") }),
    el("ol", { class: "timeline" }, g.timeline.map((entry) => el("li", {}, `${when(entry.at)} — ${t(`status.${entry.to_state}`)}`, entry.note ? el("div", { class: "hint", text: entry.note }) : null))),
    ...moves,
  );
}

function trackPage({ query, show }) {
  const result = el("div", { "aria-live": "polite" });
  show(
    t("track.title"),
    form(
      [
        ...field(t("track.id"), el("input", { name: "id", value: query.get("id") || "", required: true })),
        ...field(t("track.last4"), el("input", { name: "last4", inputmode: "numeric", maxlength: 4, required: true })),
      ],
      t("track.submit"),
      async (values) => {
        const found = await get(`/track/${encodeURIComponent(values.id.trim().toUpperCase())}?mobile_last4=${encodeURIComponent(values.last4)}`, { auth: false });
        result.replaceChildren(
          el("p", {}, el("strong", { text: found.tracking_id }), " ", statusBadge(found.status)),
          el("p", { text: t("track.filed", { when: when(found.filed_at) }) }),
          found.due_at ? el("p", { text: t("mine.due", { when: when(found.due_at) }) }) : "",
        );
      },
    ),
    result,
  );
}

export const routes = {
  "/": home,
  "/register": registerPage,
  "/verify": verifyPage,
  "/login": loginPage,
  "/forgot": forgotPage,
  "/file": filePage,
  "/mine": minePage,
  "/grievances/:id": detailPage,
  "/track": trackPage,
};
