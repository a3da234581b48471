// Web chat over Rasa's socket.io protocol: session_request / session_confirm,
// user_uttered / bot_uttered. The server issues the session id; we keep it in
// sessionStorage so a reload continues the same conversation.
(function () {
  "use strict";
  var root = document.getElementById("chat");
  var log = document.getElementById("log");
  var form = document.getElementById("form");
  var input = document.getElementById("message");
  var send = document.getElementById("send");
  var quick = document.getElementById("quick");
  var typing = document.getElementById("typing");
  var statusEl = document.getElementById("status");
  var STORAGE_KEY = "privacy-desk-session";
  var HISTORY_KEY = "privacy-desk-history";
  var sessionId = null;
  var typingTimer = null;

  function history() {
    try { return JSON.parse(sessionStorage.getItem(HISTORY_KEY) || "[]"); } catch (e) { return []; }
  }
  function remember(entry) {
    var items = history();
    items.push(entry);
    try { sessionStorage.setItem(HISTORY_KEY, JSON.stringify(items.slice(-100))); } catch (e) { /* storage full: fine */ }
  }
  function append(kind, text, keep) {
    var li = document.createElement("li");
    li.className = "msg msg--" + kind;
    li.textContent = text; // never innerHTML: bot and user text are untrusted
    if (kind === "bot") { li.setAttribute("aria-label", "Assistant: " + text); }
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
    if (keep !== false && kind !== "system") { remember({ kind: kind, text: text }); }
  }
  function setStatus(text, cls) {
    statusEl.textContent = text;
    statusEl.className = "chat__status " + (cls || "");
  }
  function showTyping(on) {
    typing.hidden = !on;
    if (typingTimer) { clearTimeout(typingTimer); typingTimer = null; }
    if (on) { typingTimer = setTimeout(function () { typing.hidden = true; }, 20000); }
  }
  function showButtons(buttons) {
    quick.innerHTML = "";
    (buttons || []).forEach(function (b) {
      var btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = b.title;
      btn.addEventListener("click", function () { sendMessage(String(b.payload || b.title), b.title); });
      quick.appendChild(btn);
    });
  }

  var socket = io(root.dataset.socketUrl, {
    transports: ["websocket"],
    reconnection: true,
    reconnectionDelay: 1000,
    reconnectionDelayMax: 5000,
  });

  socket.on("connect", function () {
    setStatus("Online", "is-online");
    socket.emit("session_request", { session_id: sessionStorage.getItem(STORAGE_KEY) });
  });
  socket.on("session_confirm", function (id) {
    var previous = sessionStorage.getItem(STORAGE_KEY);
    if (previous && previous !== id) { sessionStorage.removeItem(HISTORY_KEY); log.innerHTML = ""; }
    sessionId = id;
    sessionStorage.setItem(STORAGE_KEY, id);
    send.disabled = false;
  });
  socket.on("disconnect", function () {
    setStatus("Reconnecting…", "is-offline");
    send.disabled = true;
    showTyping(false);
  });
  socket.on("connect_error", function () { setStatus("Offline — retrying…", "is-offline"); });
  socket.on("bot_uttered", function (message) {
    showTyping(false);
    if (!message) { return; }
    if (message.text) { append("bot", String(message.text)); }
    var buttons = message.quick_replies || message.buttons;
    showButtons(buttons);
  });

  function sendMessage(text, shown) {
    var trimmed = (text || "").trim();
    if (!trimmed || !sessionId) { return; }
    append("user", shown || trimmed);
    showButtons([]);
    socket.emit("user_uttered", { message: trimmed, session_id: sessionId });
    showTyping(true);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    sendMessage(input.value);
    input.value = "";
    input.style.height = "";
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  input.addEventListener("input", function () {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 128) + "px";
  });

  send.disabled = true;
  history().forEach(function (item) { append(item.kind, item.text, false); });
  if (!history().length) {
    append("bot", "Hello! I can answer questions about our privacy policy and help with requests about your personal information. What would you like to do?", true);
  }
})();
