// The web sign-in flow by hand, as a single-page app would do it. No framework, no build step.
//
// The access token is kept only in the variable below (memory): never in localStorage, never in
// a cookie, so script injected later cannot find it lying around, and it is gone on reload. The
// refresh token is in an HttpOnly cookie: this script cannot read it, the browser sends it to
// the web auth endpoints only (token-refresh, sign-out), and a reload gets a new access token
// with it.

let accessToken = null;
let urls = null;
let actions = 0;

const element = (id) => document.getElementById(id);

function setStatus(state, text) {
  const status = element("status");
  status.dataset.state = state;
  status.textContent = text;
}

// The token's payload, base64url-encoded JSON. Decoded for display only: not verified here.
function unverifiedClaims(token) {
  const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  const padded = payload + "=".repeat((4 - (payload.length % 4)) % 4);
  const bytes = Uint8Array.from(atob(padded), (character) => character.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

function render() {
  element("claims").textContent = accessToken
    ? JSON.stringify(unverifiedClaims(accessToken), null, 2)
    : "(no access token in memory)";
  element("cookies").textContent =
    document.cookie === "" ? '"" (nothing: the refresh cookie is HttpOnly)' : document.cookie;
}

async function call(method, url, { body, token } = {}) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(url, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  return { status: response.status, data };
}

function report(label, result) {
  const detail = result.data && result.data.detail ? ` (${result.data.detail})` : "";
  const line = element("result");
  line.textContent = `${label}: HTTP ${result.status}${detail}`;
  line.dataset.status = String(result.status);
}

// Every action ends here: the page shows the new state, and counts the action (tests wait on it).
function done() {
  render();
  actions += 1;
  document.body.dataset.actions = String(actions);
}

function keep(result, signedInText, signedOutText) {
  if (result.status === 200) {
    accessToken = result.data.access;
    setStatus("signed-in", signedInText);
  } else {
    accessToken = null;
    setStatus("signed-out", signedOutText);
  }
}

async function signIn(event) {
  event.preventDefault();
  try {
    const result = await call("POST", urls.sign_in, {
      body: { username: element("login").value, password: element("password").value },
    });
    element("password").value = "";
    keep(result, "Signed in: the access token is in memory, the refresh token in the cookie.",
      "Not signed in.");
    report("Sign in", result);
  } finally {
    done();
  }
}

async function refresh(label) {
  try {
    const result = await call("POST", urls.refresh);
    keep(result, "Signed in: a new access token came from the refresh cookie alone.",
      "Not signed in: no valid refresh cookie.");
    report(label, result);
  } finally {
    done();
  }
}

async function callMe() {
  try {
    const result = await call("GET", urls.me, { token: accessToken });
    element("me").textContent = JSON.stringify(result.data, null, 2);
    report(`GET ${urls.me}`, result);
  } finally {
    done();
  }
}

async function signOut() {
  try {
    const result = await call("POST", urls.sign_out);
    accessToken = null;
    element("me").textContent = "(not called yet)";
    setStatus("signed-out", "Signed out: the refresh cookie is deleted, the access token forgotten.");
    report("Sign out", result);
  } finally {
    done();
  }
}

async function start() {
  const response = await fetch("config.json", { credentials: "same-origin" });
  const config = await response.json();
  urls = config.urls;
  document.title = `${config.title}: web sign-in demo`;
  element("project-title").textContent = config.title;
  element("me-path").textContent = urls.me;
  element("me-heading").textContent = urls.me;
  if (config.login_field === "email") {
    element("login-label").textContent = "E-mail address";
    element("login").type = "email";
    element("login").autocomplete = "email";
  }
  element("sign-in").addEventListener("submit", signIn);
  element("call-me").addEventListener("click", callMe);
  element("refresh").addEventListener("click", () => refresh("Refresh"));
  element("sign-out").addEventListener("click", signOut);
  await refresh("Refresh on load");
}

start().catch((error) => {
  setStatus("error", `The demo could not start: ${error}`);
  done();
});
