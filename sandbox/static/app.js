// Sandbox page: play a rider chatting with the bot through the control API (same origin only).
"use strict";

const I18N = {
  zh: {
    title: "骑手工会 · 机器人沙盒", users: "用户", newUser: "新建 / 更新用户", userId: "ID",
    firstName: "名字", lastName: "姓", username: "用户名", phone: "手机号", language: "语言",
    save: "保存", block: "屏蔽机器人", unblock: "取消屏蔽", pickUser: "← 选择或新建一个用户",
    typeMessage: "输入消息，或 /start", send: "发送", shareLocation: "📍 发送位置",
    sendPhoto: "🖼 发送照片", caption: "图片说明（可选）", edited: "已编辑", deleted: "已删除",
    needLocation: "先在地图上点一下或输入坐标", noMap: "未配置 demo_map，请直接输入坐标",
    chatWith: "与机器人对话：",
    needPhone: "这个用户还没有手机号：先在左边填上「手机号」并保存，再点这个按钮分享联系方式。",
    failed: "没有成功", ebikeGate: "可进电动车的门", otherGate: "其他门",
  },
  en: {
    title: "Rider union · bot sandbox", users: "Users", newUser: "Create / update user", userId: "ID",
    firstName: "First name", lastName: "Last name", username: "Username", phone: "Phone",
    language: "Language", save: "Save", block: "Block the bot", unblock: "Unblock",
    pickUser: "← pick or create a user", typeMessage: "Type a message, or /start", send: "Send",
    shareLocation: "📍 Share location", sendPhoto: "🖼 Send photo", caption: "Caption (optional)",
    edited: "edited", deleted: "deleted", needLocation: "Click the map or type coordinates first",
    noMap: "No demo_map configured; type coordinates", chatWith: "Chatting with the bot as ",
    needPhone: "This user has no phone number yet: fill in \"Phone\" on the left and save, then tap this button to share the contact.",
    failed: "Did not work", ebikeGate: "e-bike gate", otherGate: "other gate",
  },
};

const $ = (sel) => document.querySelector(sel);
const state = { lang: localStorage.getItem("sandbox-lang") || "zh", users: [], user: null,
  rev: 0, pollToken: 0, config: {}, marker: null };

function t(key) { return I18N[state.lang][key] || key; }

function applyLanguage() {
  document.documentElement.lang = state.lang;
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll("[data-i18n-placeholder]").forEach((el) => {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  });
  $("#lang-toggle").textContent = state.lang === "zh" ? "EN" : "中文";
  renderChatTitle();
  renderBlockButton();
  drawMap();  // its labels and legend speak the page's language too
}

// A line under the chat: the page's own errors (red), or the bot's short answer to a button
// (answerCallbackQuery without show_alert), shown as Telegram shows it, briefly.
function toast(text, kind) {
  const box = $("#toast");
  box.textContent = text || "";
  box.className = kind === "info" ? "info" : "";
  if (text) setTimeout(() => { if (box.textContent === text) { box.textContent = ""; box.className = ""; } }, 5000);
}

// The bot's answer to a pressed button: an alert waits for OK, as in Telegram; else a toast.
function showAnswer(answer) {
  if (!answer || !answer.answered || !answer.text) return;
  if (answer.show_alert) {
    $("#alert-text").textContent = answer.text;
    $("#alert").hidden = false;
    $("#alert-ok").focus();
  } else {
    toast(answer.text, "info");
  }
}

async function api(path, body, method) {
  const init = body === undefined ? { method: method || "GET" }
    : { method: method || "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const resp = await fetch("api/" + path, init);
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) throw new Error(data.error || resp.statusText);
  return data;
}

// --- users -----------------------------------------------------------------------------------

async function loadUsers() {
  state.users = (await api("users")).users;
  const select = $("#user-select");
  select.replaceChildren(...state.users.map((u) => {
    const opt = document.createElement("option");
    opt.value = u.id;
    opt.textContent = `${u.first_name}${u.last_name ? " " + u.last_name : ""} · ${u.id}${u.blocked ? " ⛔" : ""}`;
    return opt;
  }));
  if (state.user) {
    select.value = state.user.id;
    state.user = state.users.find((u) => u.id === state.user.id) || null;
  }
  renderBlockButton();
}

function renderBlockButton() {
  const button = $("#block-toggle");
  button.disabled = !state.user;
  button.textContent = state.user && state.user.blocked ? t("unblock") : t("block");
}

function renderChatTitle() {
  $("#chat-title").textContent = state.user
    ? `${t("chatWith")}${state.user.first_name} (${state.user.id})` : t("pickUser");
}

function selectUser(id) {
  state.user = state.users.find((u) => u.id === id) || null;
  state.rev = 0;
  $("#messages").replaceChildren();
  $("#reply-keyboard").replaceChildren();
  renderChatTitle();
  renderBlockButton();
  if (state.user) {
    const lang = state.user.language_code;
    if (lang === "zh" || lang === "en") { state.lang = lang; applyLanguage(); }
    poll(++state.pollToken);
  }
}

// --- messages --------------------------------------------------------------------------------

const ALLOWED_TAGS = new Set(["B", "I", "U", "S", "SPAN", "A", "CODE", "PRE", "BLOCKQUOTE"]);

// The server already escapes text and emits only these tags; re-check anyway before innerHTML.
function sanitize(html) {
  const tpl = document.createElement("template");
  tpl.innerHTML = html;
  const clean = (node) => {
    [...node.childNodes].forEach((child) => {
      if (child.nodeType === Node.TEXT_NODE) return;
      if (child.nodeType !== Node.ELEMENT_NODE || !ALLOWED_TAGS.has(child.tagName)) {
        child.replaceWith(document.createTextNode(child.textContent));
        return;
      }
      const href = child.getAttribute("href");
      const cls = child.getAttribute("class");
      [...child.attributes].forEach((a) => child.removeAttribute(a.name));
      if (child.tagName === "A" && href && /^(https?|tg|mailto):/i.test(href)) {
        child.setAttribute("href", href);
        child.setAttribute("target", "_blank");
        child.setAttribute("rel", "noopener noreferrer");
      }
      if (child.tagName === "SPAN" && cls === "tg-spoiler") child.className = "tg-spoiler";
      clean(child);
    });
  };
  clean(tpl.content);
  return tpl.content;
}

function el(tag, props, children) {
  const node = document.createElement(tag);
  Object.assign(node, props || {});
  (children || []).forEach((c) => node.append(c));
  return node;
}

function renderMessage(m) {
  const li = el("li", { className: `msg ${m.from_bot ? "bot" : "user"}${m.deleted ? " deleted" : ""}` });
  li.dataset.id = m.message_id;
  if (m.photo) li.append(el("img", { src: `api/files/${encodeURIComponent(m.photo.file_id)}`, alt: "photo" }));
  if (m.document) {
    li.append(el("a", { href: `api/files/${encodeURIComponent(m.document.file_id)}`, target: "_blank",
      textContent: `📄 ${m.document.file_name || "document"} (${m.document.file_size} B)` }));
  }
  if (m.venue) li.append(el("div", { textContent: `📍 ${m.venue.title} — ${m.venue.address}` }));
  else if (m.location) li.append(el("div", { textContent: `📍 ${m.location.latitude}, ${m.location.longitude}` }));
  if (m.contact) li.append(el("div", { textContent: `📱 ${m.contact.first_name} ${m.contact.phone_number}` }));
  if (m.html) li.append(el("div", {}, [sanitize(m.html)]));
  if (m.buttons && m.buttons.length && !m.deleted) {
    const kb = el("div", { className: "inline-kb" });
    m.buttons.forEach((row) => {
      kb.append(el("div", { className: "row" }, row.map((b) => {
        const button = el("button", { type: "button", textContent: b.url ? `${b.text} ↗` : b.text });
        button.addEventListener("click", () => pressInline(m.message_id, b));
        return button;
      })));
    });
    li.append(kb);
  }
  const time = new Date(m.date * 1000).toLocaleTimeString();
  const flags = [m.edited ? t("edited") : "", m.deleted ? t("deleted") : ""].filter(Boolean).join(" · ");
  li.append(el("div", { className: "meta", textContent: `#${m.message_id} ${time} ${flags}` }));
  return li;
}

function upsertMessages(messages) {
  const list = $("#messages");
  messages.forEach((m) => {
    const fresh = renderMessage(m);
    const old = list.querySelector(`li[data-id="${m.message_id}"]`);
    if (old) { old.replaceWith(fresh); return; }
    const later = [...list.children].find((li) => Number(li.dataset.id) > m.message_id);
    list.insertBefore(fresh, later || null);
  });
  list.scrollTop = list.scrollHeight;
}

function renderReplyKeyboard(rows) {
  const box = $("#reply-keyboard");
  box.replaceChildren(...(rows || []).map((row) => el("div", { className: "row" }, row.map((b) => {
    // Mark what the button shares, unless the bot's label already shows it.
    const mark = b.request_contact ? "📱" : b.request_location ? "📍" : "";
    const label = mark && !b.text.includes(mark) ? `${mark} ${b.text}` : b.text;
    const button = el("button", { type: "button", textContent: label });
    button.addEventListener("click", () => pressReply(b));
    return button;
  }))));
}

async function poll(token) {
  while (token === state.pollToken && state.user) {
    try {
      const data = await api(`chats/${state.user.id}/messages?all=1&wait=25&changed_since=${state.rev}`);
      if (token !== state.pollToken) return;
      state.rev = data.rev;
      upsertMessages(data.messages);
      renderReplyKeyboard(data.reply_keyboard);
    } catch (err) {
      toast(err.message);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

// --- what the user does ----------------------------------------------------------------------

async function act(fn) {
  try { toast(""); await fn(); } catch (err) { toast(`${t("failed")}: ${err.message}`); }
}

function pressInline(messageId, button) {
  if (button.url) { window.open(button.url, "_blank", "noopener"); return; }
  act(async () => {
    const pressed = await api(`chats/${state.user.id}/press`,
      { message_id: messageId, callback_data: button.callback_data });
    showAnswer(await api(`callbacks/${encodeURIComponent(pressed.callback_query_id)}?wait=10`));
  });
}

function currentLocation() {
  const latitude = parseFloat($("#lat").value);
  const longitude = parseFloat($("#lon").value);
  return Number.isFinite(latitude) && Number.isFinite(longitude) ? { latitude, longitude } : null;
}

function pressReply(button) {
  if (button.request_contact && !state.user.phone_number) {
    toast(t("needPhone"));
    $("#user-form [name=phone_number]").focus();
    return;
  }
  const body = { text: button.text };
  if (button.request_location) {
    body.location = currentLocation();
    if (!body.location) { $("#location-box").open = true; toast(t("needLocation")); return; }
  }
  act(() => api(`chats/${state.user.id}/press`, body));
}

function send(body) {
  if (!state.user) { toast(t("pickUser")); return; }
  act(() => api(`chats/${state.user.id}/send`, body));
}

// --- the clickable map: demo_map's box, with the route guide's compounds and gates -----------

function project(box, canvas, lon, lat) {
  return [((lon - box.west) * canvas.width) / (box.east - box.west),
    ((box.north - lat) * canvas.height) / (box.north - box.south)];
}

function drawFeatures(ctx, canvas, box) {
  const features = (box.geojson && box.geojson.features) || [];
  features.filter((f) => f.properties.kind === "compound").forEach((f) => {
    const g = f.geometry;
    let labelAt;
    if (g.type === "Polygon") {
      ctx.beginPath();
      g.coordinates.forEach((ring) => ring.forEach(([lon, lat], i) => {
        const [x, y] = project(box, canvas, lon, lat);
        if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      }));
      ctx.closePath();
      ctx.fillStyle = "rgba(43, 82, 120, .12)";
      ctx.strokeStyle = "#2b5278";
      ctx.fill(); ctx.stroke();
      const ring = g.coordinates[0];
      labelAt = project(box, canvas, ring.reduce((a, p) => a + p[0], 0) / ring.length,
        ring.reduce((a, p) => a + p[1], 0) / ring.length);
    } else {
      labelAt = project(box, canvas, g.coordinates[0], g.coordinates[1]);
      ctx.fillStyle = "#2b5278";
      ctx.fillRect(labelAt[0] - 3, labelAt[1] - 3, 6, 6);
    }
    ctx.fillStyle = "#1c2733";
    ctx.font = "10px system-ui";
    const name = state.lang === "en" ? f.properties.name_en : f.properties.name;
    ctx.fillText(name, labelAt[0] - ctx.measureText(name).width / 2, labelAt[1] + 3);
  });
  features.filter((f) => f.properties.kind === "gate").forEach((f) => {
    const [x, y] = project(box, canvas, f.geometry.coordinates[0], f.geometry.coordinates[1]);
    ctx.fillStyle = f.properties.ebike ? "#2e9d4f" : "#9aa5b1";
    ctx.beginPath(); ctx.arc(x, y, 3, 0, 2 * Math.PI); ctx.fill();
  });
  if (features.length) {
    ctx.font = "10px system-ui";
    ctx.fillStyle = "#2e9d4f"; ctx.fillText(`● ${t("ebikeGate")}`, canvas.width - 110, 12);
    ctx.fillStyle = "#9aa5b1"; ctx.fillText(`● ${t("otherGate")}`, canvas.width - 110, 24);
  }
}

function drawMap() {
  const canvas = $("#map");
  const ctx = canvas.getContext("2d");
  const box = state.config.demo_map;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = "#6b7a89";
  ctx.font = "12px system-ui";
  if (!box) { ctx.fillText(t("noMap"), 10, canvas.height / 2); return; }
  ctx.strokeStyle = "#e3e9ef";
  for (let i = 1; i < 6; i += 1) {
    const x = (canvas.width * i) / 6;
    const y = (canvas.height * i) / 6;
    ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, canvas.height); ctx.stroke();
    ctx.beginPath(); ctx.moveTo(0, y); ctx.lineTo(canvas.width, y); ctx.stroke();
  }
  drawFeatures(ctx, canvas, box);
  ctx.fillStyle = "#6b7a89";
  ctx.font = "10px system-ui";
  ctx.fillText(`N ${box.north}`, 4, 12);
  ctx.fillText(`S ${box.south}`, 4, canvas.height - 4);
  if (state.marker) {
    ctx.fillStyle = "#d03030";
    ctx.beginPath(); ctx.arc(state.marker.x, state.marker.y, 5, 0, 2 * Math.PI); ctx.fill();
  }
}

function onMapClick(event) {
  const box = state.config.demo_map;
  if (!box) return;
  const canvas = $("#map");
  const rect = canvas.getBoundingClientRect();
  const x = ((event.clientX - rect.left) * canvas.width) / rect.width;
  const y = ((event.clientY - rect.top) * canvas.height) / rect.height;
  const lat = box.north - ((box.north - box.south) * y) / canvas.height;
  const lon = box.west + ((box.east - box.west) * x) / canvas.width;
  $("#lat").value = lat.toFixed(6);
  $("#lon").value = lon.toFixed(6);
  state.marker = { x, y };
  drawMap();
}

// --- wiring ----------------------------------------------------------------------------------

function wire() {
  $("#lang-toggle").addEventListener("click", () => {
    state.lang = state.lang === "zh" ? "en" : "zh";
    localStorage.setItem("sandbox-lang", state.lang);
    applyLanguage();
    drawMap();
  });
  $("#user-select").addEventListener("change", (e) => selectUser(Number(e.target.value)));
  $("#user-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const form = new FormData(e.target);
    const body = { id: Number(form.get("id")) };
    for (const key of ["first_name", "last_name", "username", "phone_number", "language_code"]) {
      if (form.get(key)) body[key] = form.get(key);
    }
    act(async () => {
      const user = await api("users", body);
      await loadUsers();
      selectUser(user.id);
    });
  });
  $("#block-toggle").addEventListener("click", () => act(async () => {
    await api(`users/${state.user.id}/${state.user.blocked ? "unblock" : "block"}`, {});
    await loadUsers();
  }));
  $("#text-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = $("#text-input").value;
    if (!text.trim()) return;
    send({ text });
    $("#text-input").value = "";
  });
  $("#alert-ok").addEventListener("click", () => { $("#alert").hidden = true; });
  $("#map").addEventListener("click", onMapClick);
  $("#send-location").addEventListener("click", () => {
    const location = currentLocation();
    if (!location) { toast(t("needLocation")); return; }
    send({ location });
  });
  $("#photo-input").addEventListener("change", (e) => {
    const file = e.target.files[0];
    if (!file) return;
    const reader = new FileReader();
    reader.onload = () => {
      const caption = $("#caption-input").value;
      send({ photo: String(reader.result).split(",", 2)[1], ...(caption ? { caption } : {}) });
      $("#caption-input").value = "";
      e.target.value = "";
    };
    reader.readAsDataURL(file);
  });
}

async function main() {
  wire();
  applyLanguage();
  try {
    state.config = await api("config");
    $("#bot-name").textContent = "@" + state.config.bot_username;
    await loadUsers();
    if (state.users.length) selectUser(state.users[0].id);
  } catch (err) {
    toast(err.message);
  }
  drawMap();
}

main();
