// The web sign-in flow by hand, as a single-page app would do it. No framework, no build step.
//
// The access token is kept only in the variable below (memory): never in localStorage, never in
// a cookie, so script injected later cannot find it lying around, and it is gone on reload. The
// refresh token is in an HttpOnly cookie: this script cannot read it, the browser sends it to
// the web auth endpoints only (token-refresh, sign-out), and a reload gets a new access token
// with it.
//
// With that access token, the page also lists the account's sessions (one per signed-in browser
// or device), revokes them, and changes the password: the account routes of the API.

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

// What an error body says: {"detail": "..."}, or for a refused new password (422)
// {"detail": [{"msg": "..."}, ...]}, one message per validator that refused it.
function messages(data) {
  if (!data || !data.detail) return [];
  if (Array.isArray(data.detail)) return data.detail.map((error) => String(error.msg));
  return [String(data.detail)];
}

function report(label, result) {
  const said = messages(result.data);
  const detail = said.length ? ` (${said.join(" ")})` : "";
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

// An element with its text. Text only, never HTML: a session's user agent is whatever the
// client sent.
function make(tag, text, className) {
  const made = document.createElement(tag);
  if (text !== undefined) made.textContent = text;
  if (className) made.className = className;
  return made;
}

const when = (iso) => new Date(iso).toLocaleString();

function showSessions(sessions, note) {
  const list = element("sessions");
  list.replaceChildren();
  list.dataset.count = String(sessions.length);
  if (note) list.append(make("li", note, "note"));
  for (const session of sessions) {
    const item = make("li");
    item.dataset.sessionId = session.id;
    item.dataset.current = String(session.current);
    const seen = `${session.ip_address || "no address"}, ` +
      `signed in ${when(session.created_at)}, last used ${when(session.last_used_at)}`;
    item.append(make("strong", session.user_agent || "(no user agent)"), make("span", seen, "note"));
    if (session.current) {
      item.append(make("span", "this browser", "current"));
    } else {
      const revoke = make("button", "Revoke", "revoke");
      revoke.type = "button";
      revoke.addEventListener("click", () => revokeSession(session.id));
      item.append(revoke);
    }
    list.append(item);
  }
}

// GET the sessions with the access token in memory; part of other actions, so no done() here.
async function loadSessions() {
  if (!accessToken) {
    showSessions([], "(sign in to see them)");
    return null;
  }
  const result = await call("GET", urls.sessions, { token: accessToken });
  if (result.status === 200) {
    showSessions(result.data);
  } else {
    const why = [`HTTP ${result.status}`, ...messages(result.data)].join(" ");
    showSessions([], `Could not list them: ${why}`);
  }
  return result;
}

async function listSessions() {
  try {
    const result = await loadSessions();
    if (result) report(`GET ${urls.sessions}`, result);
  } finally {
    done();
  }
}

async function revokeSession(id) {
  try {
    const result = await call("DELETE", `${urls.sessions}/${encodeURIComponent(id)}`, {
      token: accessToken,
    });
    report("Revoke a session", result);
    await loadSessions();
  } finally {
    done();
  }
}

async function signOutEverywhere() {
  try {
    const result = await call("DELETE", urls.sessions, { token: accessToken });
    report("Sign out everywhere", result);
    if (result.status === 204) {
      // This browser's session is revoked too: forget the access token, and let sign-out
      // delete the refresh cookie, now a dead handle.
      accessToken = null;
      await call("POST", urls.sign_out);
      element("me").textContent = "(not called yet)";
      setStatus("signed-out", "Signed out everywhere: every session of the account is revoked.");
    }
    await loadSessions();
  } finally {
    done();
  }
}

async function changePassword(event) {
  event.preventDefault();
  try {
    const result = await call("POST", urls.password, {
      token: accessToken,
      body: {
        current_password: element("current-password").value,
        new_password: element("new-password").value,
      },
    });
    element("current-password").value = "";
    element("new-password").value = "";
    let said = messages(result.data);
    if (result.status === 204) {
      said = ["Password changed: every other session is signed out, this one goes on."];
    } else if (said.length === 0) {
      said = [`HTTP ${result.status}`];
    }
    const list = element("password-messages");
    list.dataset.status = String(result.status);
    list.replaceChildren(...said.map((text) => make("li", text)));
    report("Change the password", result);
    await loadSessions();
  } finally {
    done();
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
    await loadSessions();
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
    await loadSessions();
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
    await loadSessions();
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
  element("list-sessions").addEventListener("click", listSessions);
  element("sign-out-everywhere").addEventListener("click", signOutEverywhere);
  element("password-change").addEventListener("submit", changePassword);
  await refresh("Refresh on load");
}

start().catch((error) => {
  setStatus("error", `The demo could not start: ${error}`);
  done();
});
