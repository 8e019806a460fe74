// The operator panel: the CTI protocol (JSON, one message per WebSocket text frame),
// a busy-lamp field of users, dial and hang up, the user's calls (calls.js), DND and
// forwards.  No library; nothing fetched elsewhere.
"use strict";

const PHONE = { "-2": "unavailable", "-1": "unavailable", "0": "idle", "1": "in use",
  "2": "busy", "4": "unavailable", "8": "ringing", "9": "in use", "16": "on hold" };
const REASONS = {
  login_password: "Wrong login or password.",
  xivo_auth_error: "Too many failed logins from this address: try again later.",
  login_timeout: "The login took too long.",
  forbidden: "Your profile does not allow this action.",
  unknown_channel: "That call has already ended.",
  unknown_destination: "No such user.",
  ami_not_connected: "The telephony server is not reachable.",
  ami_timeout: "The telephony server did not answer in time.",
  refused: "The telephony server refused the action.",
  login_required: "You are not logged in.",
  no_call: "There is no such call (it may have ended or been answered).",
  no_transfer: "No transfer is going on.",
  rate_limited: "Too many actions at once: wait a moment.",
  invalid_value: "That value is not accepted.",
};
const $ = (id) => document.getElementById(id);

function reason(error) {
  const [id, detail] = String(error).split(":");
  if (id === "unreachable_extension") return `Unreachable number ${detail || ""}`.trim() + ".";
  if (id === "toomuchusers") return "Too many connections from this address.";
  return (REASONS[id] || "The server refused the action.") + ` (${error})`;
}

class Cti {
  // One logged-in CTI session that reconnects by itself with back-off.
  constructor(handlers) {
    this.handlers = handlers;
    this.credentials = null;
    this.retry = 0;
    this.timer = null;
    this.ws = null;
  }

  login(user, password) {
    this.credentials = { user, password };
    this.retry = 0;
    this.open();
  }

  logout() {
    this.credentials = null;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000);
  }

  open() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/cti`);
    this.ws = ws;
    ws.onopen = () => this.send({ class: "login_id", userlogin: this.credentials.user,
      company: "xivo", ident: "web-panel", wazoversion: "2.3",
      "lastlogout-datetime": "", "lastlogout-stopper": "" });
    ws.onmessage = (event) => this.received(JSON.parse(event.data));
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      clearInterval(this.keepalive);
      if (!this.credentials) { this.handlers.closed(); return; }
      const delay = Math.min(30, 2 ** this.retry) * (0.75 + Math.random() / 2);
      this.retry += 1;
      this.handlers.reconnecting(delay);
      this.timer = setTimeout(() => this.open(), delay * 1000);
    };
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify({ ...message, commandid: Math.floor(Math.random() * 1e9) }));
      return true;
    }
    return false;
  }

  received(m) {
    if (m.error_string) {
      if (m.class === "login_id" || m.class === "login_pass" || m.class === "login_capas") {
        const failed = m.error_string === "login_password";
        if (failed) this.credentials = null;  // retrying would only fail again
        this.handlers.refused(m.error_string, failed);
      } else {
        this.handlers.refused(m.error_string, false, m.class);
      }
      return;
    }
    if (m.class === "login_id") this.send({ class: "login_pass", password: this.credentials.password });
    else if (m.class === "login_pass") this.send({ class: "login_capas", capaid: String(m.capalist[0]), state: "available" });
    else if (m.class === "login_capas") {
      this.retry = 0;
      this.keepalive = setInterval(() => this.send({ class: "keepalive" }), 60000);
      this.ipbx = m.ipbxid;
      this.more = this.handlers.loggedIn(m);
      this.send({ class: "getipbxlist" });
    } else if (m.class === "getipbxlist") {
      // Users and phones of every ipbx; the queue panel's lists of the user's own.
      this.handlers.ipbxList(m.ipbxlist);
      for (const ipbx of m.ipbxlist) {
        for (const listname of ["users", "phones", ...(ipbx === this.ipbx ? this.more : [])]) this.getlist("listid", listname, ipbx);
      }
    } else if (m.class === "getlist") this.handlers.list(m);
    else this.handlers.replied(m);
  }

  getlist(fn, listname, tipbxid, tid) {
    this.send({ class: "getlist", function: fn, listname, tipbxid, ...(tid ? { tid } : {}) });
  }
}

class Panel {
  // The busy-lamp field: one tile per user, updated in place.
  constructor() {
    this.tiles = new Map();
    this.order = [];  // tile ids in display order
    this.query = "";
    this.capas = {};
    this.cti = new Cti(this);
    this.calls = new CallLists((message) => this.cti.send(message));
    this.queuePanel = new QueuePanel((message) => this.cti.send(message));
    $("login").addEventListener("submit", (e) => { e.preventDefault(); this.alert("");
      this.status("Connecting…"); this.cti.login($("login-name").value, $("login-password").value); });
    $("logout").addEventListener("click", () => this.cti.logout());
    $("dial").addEventListener("submit", (e) => { e.preventDefault(); this.dial($("dial-number").value.trim()); });
    $("filter").addEventListener("input", () => this.filter());
    $("dnd").addEventListener("click", () => this.cti.send({ class: "featuresput", function: "enablednd",
      value: $("dnd").getAttribute("aria-pressed") !== "true" }));
    $("forwards").addEventListener("submit", (e) => { e.preventDefault(); this.forwards(); });
    document.addEventListener("keydown", (e) => {
      if (e.key === "/" && document.activeElement.tagName !== "INPUT" && !$("panel").hidden) { e.preventDefault(); $("filter").focus(); }
    });
  }

  status(text, reconnecting = false) { $("status").textContent = text; $("status").classList.toggle("reconnecting", reconnecting); }
  alert(text) { $("alert").textContent = text; $("alert").hidden = !text; }

  loggedIn(m) {
    this.capas = m.capas || {};
    this.me = `${m.ipbxid}/${m.userid}`;
    this.ipbx = m.ipbxid;
    this.status("Connected");
    this.alert("");
    $("login").hidden = true; $("panel").hidden = false; $("logout").hidden = false;
    $("dial-number").focus();
    return this.queuePanel.start(this.capas, m.ipbxid);
  }

  ipbxList(ipbxlist) { this.ipbxes = ipbxlist; }

  reconnecting(delay) { this.status(`Reconnecting in ${Math.ceil(delay)} s…`, true); }

  closed() {
    this.status("Not connected");
    this.calls.update([]);
    this.queuePanel.clear();
    $("login").hidden = false; $("panel").hidden = true; $("logout").hidden = true;
  }

  refused(error, fatal, klass) {
    this.alert(reason(error));
    if (fatal) { this.cti.logout(); }
    if (klass === "complete_transfer" || klass === "cancel_transfer") this.calls.transferring(false);
  }

  replied(m) {
    if (m.class === "queueentryupdate") { this.queuePanel.entries(m.state); return; }
    if (m.class !== "keepalive") this.alert("");
    this.calls.replied(m);
  }

  forwards() {
    const value = {};
    for (const kind of ["unc", "busy", "rna"]) {
      value[`enable${kind}`] = $(`fwd-${kind}`).checked;
      value[`dest${kind}`] = $(`fwd-${kind}-dest`).value.trim();
    }
    this.cti.send({ class: "featuresput", function: "fwd", value });
  }

  showForwards(config) {
    // The form shows what the server stored, unless the user is editing it.
    if ($("forwards").contains(document.activeElement)) return;
    for (const kind of ["unc", "busy", "rna"]) {
      $(`fwd-${kind}`).checked = config[`enable${kind}`] === true;
      $(`fwd-${kind}-dest`).value = config[`dest${kind}`] || "";
    }
  }

  dial(number) { if (number) this.cti.send({ class: "ipbxcommand", command: "dial", destination: number }); }

  list(m) {
    // Tiles are keyed "<ipbx>/<user id>"; the queue panel shows the user's own ipbx.
    const tiles = m.listname === "users" || m.listname === "phones", ipbx = m.tipbxid;
    if (!tiles && (!this.queuePanel.enabled || ipbx !== this.ipbx)) return;
    if (m.function === "listid" || m.function === "addconfig") {
      for (const id of m.list) this.cti.getlist("updateconfig", m.listname, ipbx, id);
    } else if (!tiles) {
      this.queuePanel.list(m);
      if (m.function === "updateconfig" && m.listname !== "agents") this.cti.getlist("updatestatus", m.listname, ipbx, m.tid);
    } else if (m.function === "delconfig" && m.listname === "users") {
      for (const key of m.list.map((id) => `${ipbx}/${id}`)) {
        this.tiles.get(key)?.el.remove();
        this.tiles.delete(key);
        this.order = this.order.filter((other) => other !== key);
      }
    } else if (m.function === "updateconfig") {
      const key = `${ipbx}/${m.tid}`;
      this.tile(key)[m.listname] = m.config;
      if (m.listname === "phones" && ipbx === this.ipbx) this.queuePanel.line(m.config.identity, m.tid);
      this.render(key);
      this.cti.getlist("updatestatus", m.listname, ipbx, m.tid);
    } else if (m.function === "updatestatus") {
      const key = `${ipbx}/${m.tid}`;
      this.tile(key)[m.listname + "Status"] = m.status;
      this.render(key);
    }
  }

  rank(key) {
    // Display order: by ipbx (the server's order), then by user id.
    const [ipbx, id] = key.split("/");
    return [(this.ipbxes || []).indexOf(ipbx), Number(id)];
  }

  tile(key) {
    let t = this.tiles.get(key);
    if (t) return t;
    const id = key, [ipbx] = key.split("/");
    const el = document.createElement("li");
    el.className = "tile";
    el.dataset.id = id;
    el.innerHTML = '<span class="name"></span><span class="exten"></span><span class="phone"></span>' +
      '<span class="presence"></span><span class="dnd" hidden>DND</span><span class="actions">' +
      '<button type="button" class="call">Call</button>' +
      '<button type="button" class="hangup" hidden>Hang up</button></span>';
    const part = (name) => el.querySelector("." + name);
    t = { el, id, ipbx, shown: {}, parts: Object.fromEntries(
      ["name", "exten", "phone", "presence", "dnd", "call", "hangup"].map((n) => [n, part(n)])) };
    t.parts.call.addEventListener("click", () => this.dial(t.phones?.number));
    t.parts.hangup.addEventListener("click", () => this.hangup(t));
    el.addEventListener("dragover", (e) => { if (e.dataTransfer.types.includes("text/x-call")) e.preventDefault(); });
    el.addEventListener("drop", (e) => this.calls.dropped(e, t.phones?.number));
    this.tiles.set(id, t);
    const [r0, r1] = this.rank(id);
    const at = this.order.findIndex((other) => { const [o0, o1] = this.rank(other); return o0 > r0 || (o0 === r0 && o1 > r1); });
    const next = at < 0 ? null : this.tiles.get(this.order[at]).el;
    this.order.splice(at < 0 ? this.order.length : at, 0, id);
    $("tiles").insertBefore(el, next);
    return t;
  }

  render(id) {
    const t = this.tiles.get(id);
    const name = t.users?.fullname || t.users?.loginclient || `user ${id}`;
    const exten = t.phones?.number || "";
    const state = PHONE[t.phonesStatus?.hintstatus] || "unavailable";
    const presence = t.usersStatus?.availstate || "disconnected";
    const shown = this.capas.userstatus?.[presence];
    const dnd = t.usersStatus?.enablednd === true;
    this.show(t, {
      name: name + (id === this.me ? " (you)" : ""), exten, phone: state,
      presence: shown?.longname || presence, dot: shown?.color || "#757575", dnd,
      hangup: (t.phonesStatus?.channels || []).length > 0,
    });
    if (id === this.me) {
      $("dnd").setAttribute("aria-pressed", String(dnd));
      this.calls.update(t.phonesStatus?.calls);
      if (t.users) this.showForwards(t.users);
    }
  }

  show(t, now) {
    // Write only what changed: a burst of pushes costs one or two DOM writes per tile.
    const was = t.shown, p = t.parts;
    for (const key of ["name", "exten", "phone", "presence"]) {
      if (was[key] !== now[key]) p[key].textContent = now[key];
    }
    if (was.dot !== now.dot) p.presence.style.setProperty("--dot", now.dot);
    if (was.phone !== now.phone) t.el.dataset.phone = now.phone;
    if (was.dnd !== now.dnd) p.dnd.hidden = !now.dnd;
    if (was.hangup !== now.hangup) p.hangup.hidden = !now.hangup;
    if (was.name !== now.name || was.exten !== now.exten) {
      p.call.setAttribute("aria-label", `Call ${now.name}`);
      p.hangup.setAttribute("aria-label", `Hang up ${now.name}`);
      t.search = `${now.name} ${now.exten}`.toLowerCase();
      this.filterOne(t);
    }
    t.shown = now;
  }

  hangup(t) {
    const channel = (t.phonesStatus?.channels || [])[0];
    if (channel) this.cti.send({ class: "ipbxcommand", command: "hangup", channelids: `chan:${t.ipbx}/${channel}` });
  }

  filter() {
    this.query = $("filter").value.trim().toLowerCase();
    for (const t of this.tiles.values()) this.filterOne(t);
  }

  filterOne(t) { t.el.hidden = !!this.query && !t.search.includes(this.query); }
}

window.panel = new Panel();
