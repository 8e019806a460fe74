// The operator's own calls (incoming, in progress, held) from the phones status of the
// logged-in user, with answer, hang up and transfers; a call dragged onto a tile is
// transferred there.  Loaded before panel.js, which owns the connection.
"use strict";

const CALL_LISTS = { ringing: "incoming", up: "current", held: "held", dialing: "current" };

function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hh = Math.floor(s / 3600), mm = Math.floor(s / 60) % 60, ss = String(s % 60).padStart(2, "0");
  return hh ? `${hh}:${String(mm).padStart(2, "0")}:${ss}` : `${mm}:${ss}`;
}

class CallLists {
  // One list item per call of the user's line, moved between lists as its state changes.
  constructor(send) {
    this.send = send;
    this.items = new Map();  // uniqueid -> {el, parts, call}
    setInterval(() => this.tick(), 1000);
    for (const id of ["complete", "cancel"]) {
      document.getElementById(`transfer-${id}`).addEventListener("click", () => this.send({ class: `${id}_transfer` }));
    }
  }

  update(calls) {
    const seen = new Set();
    for (const call of calls || []) {
      seen.add(call.uniqueid);
      const item = this.items.get(call.uniqueid) || this.create(call.uniqueid);
      this.show(item, call);
    }
    for (const [uniqueid, item] of this.items) {
      if (!seen.has(uniqueid)) { item.el.remove(); this.items.delete(uniqueid); }
    }
    for (const list of ["incoming", "current", "held"]) {
      const ul = document.getElementById(list);
      ul.parentElement.querySelector(".count").textContent = String(ul.children.length);
    }
    if (![...this.items.values()].some((item) => item.call.state !== "ringing")) this.transferring(false);
  }

  create(uniqueid) {
    const el = document.createElement("li");
    el.className = "call";
    el.dataset.uniqueid = uniqueid;
    el.innerHTML = '<span class="who"></span><span class="num"></span><span class="duration"></span>' +
      '<span class="actions"><button type="button" class="answer">Answer</button>' +
      '<button type="button" class="hangup">Hang up</button>' +
      '<label class="xfer">Transfer to <input class="xfer-number" inputmode="tel" autocomplete="off"></label>' +
      '<button type="button" class="blind">Transfer</button>' +
      '<button type="button" class="attended">Attended</button></span>';
    const parts = Object.fromEntries(["who", "num", "duration", "answer", "hangup", "xfer", "blind", "attended"]
      .map((name) => [name, el.querySelector("." + name)]));
    const item = { el, parts, call: null };
    const number = () => el.querySelector(".xfer-number").value.trim();
    parts.answer.addEventListener("click", () => this.send({ class: "answer", unique_id: uniqueid }));
    parts.hangup.addEventListener("click", () => this.send({ class: "ipbxcommand", command: "hangup", channelids: uniqueid }));
    parts.blind.addEventListener("click", () => this.transfer("direct_transfer", number()));
    parts.attended.addEventListener("click", () => this.transfer("attended_transfer", number()));
    el.addEventListener("dragstart", (e) => e.dataTransfer.setData("text/x-call", uniqueid));
    this.items.set(uniqueid, item);
    return item;
  }

  show(item, call) {
    const { el, parts } = item;
    const list = CALL_LISTS[call.state] || "current";
    if (el.parentElement?.id !== list) document.getElementById(list).append(el);
    el.dataset.state = call.state;
    const who = call.peer_name || call.peer_num || "Unknown caller";
    parts.who.textContent = who;
    parts.num.textContent = call.peer_name ? call.peer_num : "";
    parts.answer.hidden = call.state !== "ringing";
    const up = call.state === "up";
    parts.xfer.hidden = parts.blind.hidden = parts.attended.hidden = !up;
    el.draggable = up;
    parts.answer.setAttribute("aria-label", `Answer ${who}`);
    parts.hangup.setAttribute("aria-label", `Hang up ${who}`);
    item.call = call;
    this.tickOne(item);
  }

  tick() { for (const item of this.items.values()) this.tickOne(item); }

  tickOne(item) {
    const { call, parts } = item;
    parts.duration.textContent = call.state === "ringing" ? "" : duration(Date.now() / 1000 - call.since);
  }

  transfer(klass, number) { if (number) this.send({ class: klass, number }); }

  dropped(event, number) {
    // A call dropped on a tile: a blind transfer to that tile's extension.
    if (!event.dataTransfer.types.includes("text/x-call") || !number) return;
    event.preventDefault();
    this.transfer("direct_transfer", number);
  }

  replied(m) {
    if (m.class === "attended_transfer") this.transferring(true);
    else if (m.class === "complete_transfer" || m.class === "cancel_transfer") this.transferring(false);
  }

  transferring(on) { document.getElementById("transfer").hidden = !on; }
}
