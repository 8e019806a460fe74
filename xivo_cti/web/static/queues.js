// The queue panel of supervisors and agents: each queue with its waiting callers (name,
// number and a running wait, from the queueentryupdate subscription of the desktop
// client's waiting callers panel) and its members with their pause state; Pause / Resume
// for a member the user may act on (an agent by its agent id, a user's line by the user).
// Loaded after calls.js (its duration()) and before panel.js.
"use strict";

class QueuePanel {
  constructor(send) {
    this.send = send;
    this.queues = new Map();  // name -> {el, parts, members: Map(member id -> {el, parts}), callers}
    this.memberStatus = new Map();
    this.memberConfig = new Map();
    this.agents = new Map();  // agent id (list id) -> its number
    this.lines = new Map();  // line -> user id
    setInterval(() => this.tick(), 1000);
  }

  start(capas, ipbx) {
    // Shown when the profile reads queues and members (those of the user's ipbx).
    this.ipbx = ipbx;
    const lists = capas.lists || [];
    this.enabled = lists.includes("queues") && lists.includes("queuemembers");
    this.canPause = (capas.ipbxcommands || []).includes("queuepause");
    document.getElementById("queues").hidden = !this.enabled;
    return this.enabled ? ["queues", "queuemembers", "agents"] : [];
  }

  list(m) {
    const key = m.tid;
    if (m.listname === "agents" && m.function === "updateconfig") {
      this.agents.set(`Agent/${m.config.number}`, m.config.number);
      this.refresh();
    } else if (m.listname === "queues" && m.function === "updateconfig") this.queue(key);
    else if (m.listname === "queues" && m.function === "updatestatus") this.queue(key).parts.waiting.textContent = String(m.status.waiting);
    else if (m.listname === "queues" && m.function === "delconfig") for (const name of m.list) this.dropQueue(name);
    else if (m.listname === "queuemembers" && m.function === "updateconfig") { this.memberConfig.set(key, m.config); this.member(key); }
    else if (m.listname === "queuemembers" && m.function === "updatestatus") { this.memberStatus.set(key, m.status); this.member(key); }
    else if (m.listname === "queuemembers" && m.function === "delconfig") for (const id of m.list) this.dropMember(id);
  }

  line(lineName, userId) {
    if (this.lines.get(lineName) === userId) return;
    this.lines.set(lineName, userId);
    this.refresh();
  }

  refresh() { for (const id of this.memberConfig.keys()) this.member(id); }

  queue(name) {
    let q = this.queues.get(name);
    if (q) return q;
    const el = document.createElement("li");
    el.className = "queue";
    el.innerHTML = '<h3 class="qname"></h3><p class="qwaiting"><span class="waiting">0</span> waiting</p>' +
      '<ol class="callers"></ol><ul class="members"></ul>';
    el.querySelector(".qname").textContent = name;
    el.querySelector(".callers").setAttribute("aria-label", `Callers waiting in ${name}`);
    const parts = Object.fromEntries(["waiting", "callers", "members"].map((n) => [n, el.querySelector("." + n)]));
    q = { el, parts, members: new Map(), callers: [] };
    this.queues.set(name, q);
    document.getElementById("queue-list").append(el);
    // Its callers now, then every queue's changes (as the 18.01 waiting callers panel).
    this.send({ class: "subscribe", message: "queueentryupdate", queueid: name });
    return q;
  }

  entries(state) {
    // A queueentryupdate: the queue's waiting callers, by position, with their join time.
    const q = this.queues.get(state.queue_id);
    if (!q) return;  // a queue not listed yet is subscribed to when it is
    q.callers = state.entries.map((entry) => {
      const el = document.createElement("li");
      el.className = "caller";
      el.dataset.uniqueid = entry.uniqueid;
      el.innerHTML = '<span class="cname"></span><span class="cnum"></span><span class="wait"></span>';
      el.querySelector(".cname").textContent = entry.name || entry.number || "Unknown caller";
      el.querySelector(".cnum").textContent = entry.name ? entry.number : "";
      return { el, wait: el.querySelector(".wait"), since: entry.join_time };
    });
    q.parts.callers.replaceChildren(...q.callers.map((c) => c.el));
    q.parts.waiting.textContent = String(q.callers.length);
    this.tick();
  }

  tick() {
    for (const q of this.queues.values()) {
      for (const c of q.callers) c.wait.textContent = duration(Date.now() / 1000 - c.since);
    }
  }

  member(id) {
    const config = this.memberConfig.get(id), status = this.memberStatus.get(id);
    if (!config) return;
    const q = this.queue(config.queue_name);
    let m = q.members.get(id);
    if (!m) {
      const el = document.createElement("li");
      el.className = "member";
      el.innerHTML = '<span class="mname"></span><span class="mstate"></span><button type="button" class="pause"></button>';
      m = { el, parts: Object.fromEntries(["mname", "mstate", "pause"].map((n) => [n, el.querySelector("." + n)])) };
      m.parts.pause.addEventListener("click", () => this.toggle(id));
      q.members.set(id, m);
      q.parts.members.append(el);
    }
    const name = config.membername || config.interface;
    const paused = status?.paused === "1";
    m.parts.mname.textContent = name;
    m.parts.mstate.textContent = paused ? "paused" : "available";
    m.el.dataset.paused = String(paused);
    m.parts.pause.textContent = paused ? "Resume" : "Pause";
    m.parts.pause.setAttribute("aria-label", `${paused ? "Resume" : "Pause"} ${name} in ${config.queue_name}`);
    m.parts.pause.hidden = !this.canPause || !this.target(config.interface);
  }

  target(interfaceName) {
    // The CTI member id of an interface: an agent, or a user's line.
    if (this.agents.has(interfaceName)) return `agent:${this.ipbx}/${this.agents.get(interfaceName)}`;
    if (this.lines.has(interfaceName)) return `user:${this.ipbx}/${this.lines.get(interfaceName)}`;
    return null;
  }

  toggle(id) {
    const config = this.memberConfig.get(id), paused = this.memberStatus.get(id)?.paused === "1";
    this.send({ class: "ipbxcommand", command: paused ? "queueunpause" : "queuepause",
      member: this.target(config.interface), queue: `queue:${this.ipbx}/${config.queue_name}` });
  }

  dropMember(id) {
    const config = this.memberConfig.get(id);
    const q = config && this.queues.get(config.queue_name);
    q?.members.get(id)?.el.remove();
    q?.members.delete(id);
    this.memberConfig.delete(id);
    this.memberStatus.delete(id);
  }

  dropQueue(name) {
    this.queues.get(name)?.el.remove();
    this.queues.delete(name);
  }

  clear() {
    for (const name of [...this.queues.keys()]) this.dropQueue(name);
    this.memberConfig.clear();
    this.memberStatus.clear();
  }
}
