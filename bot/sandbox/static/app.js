// The sandbox page: plays Slack for the demo workspace. It renders the Slack stand-in's state (long-polled from
// /sandbox/api/state) and turns every click into a call of the sandbox's JSON API, which sends okrbot exactly
// what Slack would (signed commands, events, block_actions, view_submission). No build step.
(function () {
  "use strict";

  const BK = window.BlockKit;
  const { el } = BK;
  const $ = (id) => document.getElementById(id);
  const QUICK_REACTIONS = ["clap", "tada", "raised_hands", "+1", "heart", "eyes", "white_check_mark", "rocket",
    "joy", "pray"];

  const app = {
    state: null,
    version: -1,
    instance: null,
    me: localStorage.getItem("okrbot-sandbox-me") || "UMARIA",
    where: { kind: "start" },  // a first visit opens on the guided start
    spotlight: null,
    places: {},
    thread: null,
    seen: {},
    dismissed: new Set(),
    toasted: new Set(),
    sig: {},
    modal: { key: null, viewId: null },
    offline: false,
  };

  // ------------------------------------------------------------------ talking to the sandbox

  async function api(name, body) {
    try {
      const response = await fetch(`/sandbox/api/${name}`, {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ user: app.me, ...(body || {}) }),
      });
      const answer = await response.json();
      if (!answer.ok && answer.error) toast(answer.error, "error");
      return answer;
    } catch (error) {
      toast("The sandbox is not answering. Is `okrbot sandbox` still running?", "error");
      return { ok: false };
    }
  }

  async function poll() {
    for (;;) {
      try {
        const response = await fetch(`/sandbox/api/state?since=${app.version}&wait=20`, { cache: "no-store" });
        const state = await response.json();
        setOffline(false);
        if (state.instance !== app.instance) {
          app.instance = state.instance;
          app.seen = {};
          app.sig = {};
        }
        if (!app.state) (state.notices || []).forEach((n) => app.toasted.add(n.id));  // old news on a reload
        if (state.version !== app.version || !app.state) {
          app.version = state.version;
          app.state = state;
          render();
        }
      } catch (error) {
        setOffline(true);
        await new Promise((resolve) => setTimeout(resolve, 1500));
      }
    }
  }

  function setOffline(offline) {
    if (offline === app.offline) return;
    app.offline = offline;
    document.body.classList.toggle("offline", offline);
    if (offline) toast("The sandbox stopped. Start it again with `okrbot sandbox` (or `make run`).", "error");
  }

  // ------------------------------------------------------------------ derived data

  function users() {
    const map = {};
    (app.state.users || []).forEach((u) => {
      map[u.id] = { id: u.id, name: u.profile.display_name || u.real_name || u.name, real_name: u.real_name,
        display_name: u.profile.display_name, handle: u.name, tz: u.tz, is_bot: u.is_bot };
    });
    return map;
  }

  function person(id) {
    return (app.state.people || []).find((p) => p.id === id);
  }

  function myTz() {
    const me = person(app.me);
    return (me && me.tz) || "UTC";
  }

  function channelsById() {
    const map = {};
    (app.state.channels || []).forEach((c) => { map[c.id] = c; });
    return map;
  }

  function myDm() {
    return (app.state.dms || {})[app.me];
  }

  function mpimMembers(channel) {
    const handles = String(channel.name || "").replace(/^mpdm-/, "").replace(/-\d+$/, "").split("--");
    return (app.state.users || []).filter((u) => handles.includes(u.name)).map((u) => u.id);
  }

  function myGroupDms() {
    return (app.state.channels || []).filter((c) => c.is_mpim && mpimMembers(c).includes(app.me));
  }

  function ctx(extra) {
    const all = users();
    const channels = {};
    (app.state.channels || []).forEach((c) => { channels[c.id] = { name: c.name || (c.is_im ? "okrbot" : c.id) }; });
    return {
      users: all, channels, me: app.me, tz: myTz(), now: new Date(),
      people: (app.state.users || []).filter((u) => !u.is_bot && !u.deleted)
        .map((u) => ({ id: u.id, name: u.profile.display_name, real_name: u.real_name })),
      channelList: (app.state.channels || []).filter((c) => c.is_channel).map((c) => ({ id: c.id, name: c.name })),
      confirm: confirmDialog,
      ...(extra || {}),
    };
  }

  function isTop(message) {
    return !message.thread_ts || message.thread_ts === message.ts;
  }

  // Messages, ephemerals and Slackbot notices of one conversation (or one thread), oldest first.
  function items(channelId, threadTs) {
    const inThread = (m) => (threadTs ? (m.ts === threadTs || m.thread_ts === threadTs) : isTop(m));
    const messages = (app.state.messages[channelId] || []).filter(inThread).map((m) => ({ kind: "message", m }));
    const ephemerals = (app.state.ephemerals || [])
      .filter((e) => e.user === app.me && e.channel === channelId && !app.dismissed.has(e.ts)
        && (threadTs ? e.thread_ts === threadTs : !e.thread_ts))
      .map((e) => ({ kind: "ephemeral", m: e }));
    const notices = threadTs ? [] : (app.state.notices || [])
      .filter((n) => n.kind === "slackbot" && n.user === app.me && n.channel === channelId && !app.dismissed.has(n.id))
      .map((n) => ({ kind: "notice", m: { ts: n.at.toFixed(6), text: n.text, id: n.id } }));
    return [...messages, ...ephemerals, ...notices].sort((a, b) => parseFloat(a.m.ts) - parseFloat(b.m.ts));
  }

  function latestTs(channelId) {
    const all = app.state.messages[channelId] || [];
    return all.length ? all[all.length - 1].ts : "0";
  }

  function seenMap() {
    if (!app.seen[app.me]) app.seen[app.me] = {};
    return app.seen[app.me];
  }

  function unread(channelId) {
    const seen = seenMap()[channelId] || "0";
    return (app.state.messages[channelId] || []).filter((m) => isTop(m) && m.user !== app.me
      && parseFloat(m.ts) > parseFloat(seen)).length;
  }

  function markSeen(channelId) {
    seenMap()[channelId] = latestTs(channelId);
  }

  // ------------------------------------------------------------------ rendering

  function render() {
    if (!app.state) return;
    // The first time a person is seen, what is already there counts as read.
    (app.state.people || []).forEach((p) => {
      if (!app.seen[p.id]) {
        app.seen[p.id] = {};
        Object.keys(app.state.messages || {}).forEach((c) => { app.seen[p.id][c] = latestTs(c); });
      }
    });
    renderTop();
    renderPane();
    renderSidebar();
    renderThread();
    renderModal();
    renderToasts();
    renderLog();
  }

  function changed(region, value) {
    const sig = JSON.stringify(value);
    if (app.sig[region] === sig) return false;
    app.sig[region] = sig;
    return true;
  }

  function renderTop() {
    $("workspace-name").textContent = (app.state.team || {}).name || "okrbot sandbox";
    $("jump-nudge").title = `Runs this month's nudge as if each person's nudge time had come (Maria's: ${app.state.nudge || "mid-month"}): managers get agendas, reports a note to prepare`;
    const select = $("you-are");
    if (changed("people", [app.state.people, app.me])) {
      select.innerHTML = "";
      (app.state.people || []).forEach((p) => {
        select.appendChild(el("option", { value: p.id, selected: p.id === app.me || undefined,
          text: `${p.real_name} (${p.role}, ${p.tz})` }));
      });
      if (!person(app.me) && app.state.people.length) switchTo(app.state.people[0].id);
    }
  }

  function sidebarItem(label, active, count, onclick, extra) {
    const item = el("li", {}, [el("button", {
      type: "button", class: `sidebar-item${active ? " active" : ""}${count ? " unread" : ""}`, onclick,
      "aria-current": active ? "page" : undefined, ...(extra || {}),
    }, [el("span", { class: "sidebar-label", text: label }), count ? el("span", { class: "badge", text: String(count) }) : null])]);
    return item;
  }

  function renderSidebar() {
    const channels = channelsById();
    const order = app.state.channels_order || [];
    const list = $("channel-list");
    list.innerHTML = "";
    order.filter((id) => channels[id]).forEach((id) => {
      const active = app.where.kind === "channel" && app.where.id === id;
      list.appendChild(sidebarItem(`# ${channels[id].name}`, active, active ? 0 : unread(id),
        () => go({ kind: "channel", id }), { "data-channel": id }));
    });
    const dms = $("dm-list");
    dms.innerHTML = "";
    const groups = myGroupDms();
    $("dm-section").hidden = !groups.length;
    const names = users();
    groups.forEach((c) => {
      const active = app.where.kind === "channel" && app.where.id === c.id;
      const label = mpimMembers(c).filter((id) => id !== app.me).map((id) => (names[id] || {}).name || id).join(", ");
      dms.appendChild(sidebarItem(label, active, active ? 0 : unread(c.id), () => go({ kind: "channel", id: c.id }),
        { "data-channel": c.id }));
    });
    const apps = $("app-list");
    apps.innerHTML = "";
    const dm = myDm();
    const onApp = app.where.kind === "app";
    const viewingMessages = onApp && app.where.tab === "messages";
    apps.appendChild(sidebarItem("🎯 okrbot", onApp, viewingMessages || !dm ? 0 : unread(dm),
      () => go({ kind: "app", tab: dm && unread(dm) ? "messages" : "home" }), { "data-app": "okrbot" }));
  }

  function go(where) {
    app.where = where;
    app.thread = null;
    app.sig.pane = null;
    if (where.kind === "app" && where.tab !== "about") api("open", { tab: where.tab });
    render();
    $("composer-input").focus();
  }

  // Each person has their own screen: switching comes back to where they were (#general at first).
  function switchTo(id) {
    app.places[app.me] = app.where;
    app.me = id;
    app.where = app.places[id] || { kind: "channel", id: "CGENERAL" };
    localStorage.setItem("okrbot-sandbox-me", id);
    app.thread = null;
    app.sig = {};
    app.modal = { key: null, viewId: null };
    if (app.where.kind === "channel") {
      const channel = channelsById()[app.where.id];
      if (channel && channel.is_mpim && !mpimMembers(channel).includes(id)) app.where = { kind: "channel", id: "CGENERAL" };
    }
    if (app.where.kind === "app" && app.where.tab !== "about") api("open", { tab: app.where.tab });
    render();
  }

  function renderPane() {
    const header = $("pane-header");
    const tabs = $("app-tabs");
    const messages = $("messages");
    const home = $("home");
    const about = $("about");
    const start = $("start");
    const composer = $("composer");
    start.hidden = app.where.kind !== "start";
    $("start-link").classList.toggle("active", app.where.kind === "start");
    const channel = app.where.kind === "channel" ? channelsById()[app.where.id] : null;
    const onApp = app.where.kind === "app";
    tabs.hidden = !onApp;
    ["home", "messages", "about"].forEach((tab) => {
      const button = $(`tab-${tab}`);
      button.classList.toggle("active", onApp && app.where.tab === tab);
      button.setAttribute("aria-selected", onApp && app.where.tab === tab ? "true" : "false");
    });
    if (changed("header", [app.where, channel && channel.purpose])) {
      header.innerHTML = "";
      if (onApp) {
        header.appendChild(el("div", { class: "pane-title" }, [el("span", { class: "app-icon", text: "🎯" }), "okrbot",
          el("span", { class: "app-badge", text: "APP" })]));
        header.appendChild(el("div", { class: "pane-subtitle", text: (app.state.app || {}).description || "" }));
      } else if (app.where.kind === "start") {
        header.appendChild(el("div", { class: "pane-title", text: "🚀 Start here" }));
        header.appendChild(el("div", { class: "pane-subtitle", text: "Three things to try, each one click away" }));
      } else if (channel) {
        const names = users();
        const group = () => mpimMembers(channel).filter((id) => id !== app.me).map((id) => (names[id] || {}).name || id).join(", ");
        header.appendChild(el("div", { class: "pane-title", text: channel.is_mpim ? group() : `# ${channel.name}` }));
        header.appendChild(el("div", { class: "pane-subtitle", text: (channel.purpose || {}).value || "" }));
      }
    }
    const tab = onApp ? app.where.tab : null;
    const conversation = onApp ? (tab === "messages" ? myDm() : null) : app.where.id;
    messages.hidden = !conversation;
    home.hidden = tab !== "home";
    about.hidden = tab !== "about";
    composer.hidden = !conversation;
    if (conversation) {
      const label = onApp ? "okrbot" : channel && channel.is_mpim ? "the group" : `#${channel ? channel.name : ""}`;
      $("composer-input").placeholder = `Message ${label}`;
      renderConversation(messages, conversation, null);
      markSeen(conversation);
    }
    if (tab === "home") renderHome();
    if (tab === "about") renderAbout();
    // What is not shown is not kept either (no stale buttons for screen readers, tests or a later click).
    if (!conversation) clearRegion(messages, "pane");
    if (tab !== "home") clearRegion(home, "home");
    if (tab !== "about") clearRegion(about, "about");
  }

  function clearRegion(container, region) {
    if (container.firstChild) container.innerHTML = "";
    app.sig[region] = null;
  }

  function renderConversation(container, channelId, threadTs) {
    const list = items(channelId, threadTs);
    const region = threadTs ? "thread" : "pane";
    if (!changed(region, [channelId, threadTs, app.me, list, app.state.users.length])) return;
    const atBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 60;
    const shown = `${app.me}:${channelId}:${threadTs || ""}`;
    const moved = container.getAttribute("data-shown") !== shown;
    container.setAttribute("data-shown", shown);
    container.innerHTML = "";
    if (!list.length) {
      container.appendChild(el("div", { class: "empty", text: threadTs ? "" : "No messages yet." }));
    }
    let lastDay = null;
    list.forEach((item, index) => {
      const day = BK.formatDate(parseFloat(item.m.ts), "{day_divider_pretty}", myTz());
      if (!threadTs && day !== lastDay) {
        container.appendChild(el("div", { class: "day-divider" }, [el("span", { text: day })]));
        lastDay = day;
      }
      container.appendChild(messageEl(item, channelId, threadTs, index === 0 && threadTs));
    });
    // Follow new messages when you were at the bottom (or just arrived); stay put while reading older ones.
    if (atBottom || moved) container.scrollTop = container.scrollHeight;
  }

  function avatar(userId, bot) {
    const names = users();
    const name = (names[userId] || {}).real_name || userId;
    if (bot) return el("div", { class: "avatar bot", text: "🎯", "aria-hidden": "true" });
    const initials = name.split(/\s+/).map((w) => w[0]).join("").slice(0, 2).toUpperCase();
    let hue = 0;
    for (const ch of userId) hue = (hue * 31 + ch.charCodeAt(0)) % 360;
    return el("div", { class: "avatar", style: `background: hsl(${hue} 45% 45%)`, text: initials, "aria-hidden": "true" });
  }

  function messageEl(item, channelId, threadTs, isRoot) {
    const m = item.m;
    const names = users();
    const bot = item.kind !== "message" || !!m.bot_id;
    const author = item.kind === "notice" ? "Slackbot" : item.kind === "ephemeral" ? "okrbot"
      : (names[m.user] || {}).real_name || m.user;
    const time = BK.formatDate(parseFloat(m.ts), "{time}", myTz());
    const body = el("div", { class: "message-body" });
    const ephemeral = item.kind !== "message";
    if (ephemeral) {
      body.appendChild(el("div", { class: "only-you" }, [el("span", { text: "👁 Only visible to you" }),
        el("button", { type: "button", class: "link-button", text: "Dismiss",
          onclick: () => { app.dismissed.add(item.kind === "notice" ? m.id : m.ts); app.sig = {}; render(); } })]));
    }
    if (m.blocks && m.blocks.length) {
      body.appendChild(BK.render(m.blocks, ctx({
        onAction: (action) => api("action", { channel: channelId, ts: m.ts, action_id: action.action_id,
          block_id: action.block_id, value: action.value }),
      })));
    } else {
      body.appendChild(el("div", { class: "message-text", html: BK.mrkdwn(m.text || "", ctx()) }));
    }
    (m.attachments || []).forEach((a) => {
      body.appendChild(el("div", { class: "attachment", style: a.color ? `border-color: ${/^#?[0-9a-f]{3,6}$/i.test(a.color) ? (a.color[0] === "#" ? a.color : "#" + a.color) : "#ddd"}` : undefined }, [
        a.title ? el("div", { class: "attachment-title", html: BK.plain(a.title) }) : null,
        a.text ? el("div", { html: BK.mrkdwn(a.text, ctx()) }) : null,
        a.blocks ? BK.render(a.blocks, ctx()) : null,
      ]));
    });
    if (m.edited) body.appendChild(el("span", { class: "edited", text: "(edited)" }));
    if (item.kind === "message" && (m.reactions || []).length) {
      body.appendChild(el("div", { class: "reactions" }, m.reactions.map((r) => {
        const mine = r.users.includes(app.me);
        const who = r.users.map((u) => (names[u] || {}).name || u).join(", ");
        return el("button", { type: "button", class: `reaction${mine ? " mine" : ""}`, title: `${who} reacted with :${r.name}:`,
          "aria-label": `${r.name} ${r.users.length}`, "aria-pressed": mine ? "true" : "false",
          onclick: () => api("reaction", { channel: channelId, ts: m.ts, name: r.name, add: !mine }),
        }, [el("span", { class: "emoji", text: BK.emoji(r.name) || `:${r.name}:` }), el("span", { text: String(r.users.length) })]);
      })));
    }
    if (!threadTs && item.kind === "message" && m.reply_count) {
      body.appendChild(el("button", { type: "button", class: "thread-link",
        text: `${m.reply_count} ${m.reply_count === 1 ? "reply" : "replies"}`,
        onclick: () => openThread(channelId, m.ts) }));
    }
    const lit = app.spotlight && app.spotlight.channel === channelId && app.spotlight.ts === m.ts;
    const node = el("div", { class: `message${ephemeral ? " ephemeral" : ""}${isRoot ? " root" : ""}${lit ? " spotlight" : ""}`, "data-ts": m.ts,
      "data-user": m.user || "", "data-kind": item.kind }, [
      avatar(m.user || "", bot),
      el("div", { class: "message-main" }, [
        el("div", { class: "message-meta" }, [el("span", { class: "author", text: author }),
          bot ? el("span", { class: "app-badge", text: "APP" }) : null,
          el("time", { class: "time", text: time, title: `${time} in ${myTz()}` })]),
        body,
      ]),
    ]);
    if (item.kind === "message") node.appendChild(toolbar(m, channelId, threadTs));
    return node;
  }

  function toolbar(m, channelId, threadTs) {
    const bar = el("div", { class: "message-toolbar", role: "toolbar", "aria-label": "Message actions" });
    const react = (name) => api("reaction", { channel: channelId, ts: m.ts, name, add: true });
    (app.state.reactions || []).slice(0, 1).forEach((name) => bar.appendChild(el("button", {
      type: "button", class: "icon-button", title: `React with :${name}:`, "aria-label": `React with ${name}`,
      text: BK.emoji(name) || `:${name}:`, onclick: () => react(name) })));
    const picker = el("div", { class: "popover reaction-picker", hidden: true });
    QUICK_REACTIONS.forEach((name) => picker.appendChild(el("button", {
      type: "button", class: "icon-button", title: `:${name}:`, "aria-label": name, text: BK.emoji(name) || name,
      onclick: () => { picker.hidden = true; react(name); } })));
    const custom = el("input", { type: "text", placeholder: ":emoji_name:", "aria-label": "Emoji name",
      onkeydown: (event) => {
        if (event.key === "Enter" && custom.value.trim()) { picker.hidden = true; react(custom.value.trim().replace(/:/g, "")); }
      } });
    picker.appendChild(custom);
    bar.appendChild(el("button", { type: "button", class: "icon-button", title: "Add reaction", "aria-label": "Add reaction",
      text: "☺+", onclick: (event) => { event.stopPropagation(); closePopovers(picker); picker.hidden = !picker.hidden; } }));
    bar.appendChild(picker);
    if (!threadTs) {
      bar.appendChild(el("button", { type: "button", class: "icon-button", title: "Reply in thread",
        "aria-label": "Reply in thread", text: "💬", onclick: () => openThread(channelId, m.ts) }));
    }
    const shortcuts = (app.state.shortcuts || []).filter((s) => s.type === "message");
    if (shortcuts.length) {
      const menu = el("div", { class: "popover menu", hidden: true, role: "menu" }, shortcuts.map((s) => el("button", {
        type: "button", role: "menuitem", class: "menu-item", title: s.description,
        onclick: () => { menu.hidden = true; api("shortcut", { channel: channelId, ts: m.ts, callback_id: s.callback_id }); },
      }, [el("span", { text: s.name }), el("span", { class: "muted", text: " okrbot" })])));
      bar.appendChild(el("button", { type: "button", class: "icon-button", title: "More actions", "aria-label": "More actions",
        text: "⋮", onclick: (event) => { event.stopPropagation(); closePopovers(menu); menu.hidden = !menu.hidden; } }));
      bar.appendChild(menu);
    }
    return bar;
  }

  // ------------------------------------------------------------------ the guided start

  function become(id) {
    if (app.me !== id) {
      $("you-are").value = id;
      switchTo(id);
    }
  }

  async function tryAgenda() {
    become("UMARIA");
    go({ kind: "app", tab: "messages" });
    await api("nudge", {});
  }

  async function tryRequest() {
    become("URAVI");
    go({ kind: "app", tab: "messages" });
    const dm = myDm();
    if (dm) await api("command", { channel: dm, text: "/request-1on1" });
  }

  function tryKudos() {
    become("UPAT");
    const launch = (app.state.messages.CGENERAL || []).find((m) => m.user === "URAVI" && isTop(m));
    app.spotlight = launch ? { channel: "CGENERAL", ts: launch.ts } : null;
    go({ kind: "channel", id: "CGENERAL" });
    toast("Hover Ravi's message (outlined) and click 👏: okrbot posts the kudos in #kudos.", "info");
  }

  function closePopovers(except) {
    document.querySelectorAll(".popover").forEach((p) => { if (p !== except) p.hidden = true; });
  }
  document.addEventListener("click", (event) => {
    if (!event.target.closest(".popover")) closePopovers(null);
  });

  function renderHome() {
    const home = $("home");
    const view = (app.state.homes || {})[app.me];
    if (!changed("home", [app.me, view && view.id, view && view.hash, view && view.blocks])) return;
    const kept = BK.collect(home);
    home.innerHTML = "";
    if (!view) {
      home.appendChild(el("div", { class: "empty", text: "okrbot has not published a Home tab for you yet." }));
      return;
    }
    home.appendChild(BK.render(view.blocks, ctx({
      onAction: (action) => api("action", { view_id: view.id, action_id: action.action_id, block_id: action.block_id,
        value: action.value, values: BK.collect(home) }),
    })));
    BK.restore(home, kept);
  }

  function renderAbout() {
    if (!changed("about", [app.state.commands, app.state.app])) return;
    const about = $("about");
    about.innerHTML = "";
    about.appendChild(el("div", { class: "about-card" }, [
      el("h2", { text: "okrbot" }),
      el("p", { text: (app.state.app || {}).description || "" }),
      el("p", { html: "This is the <b>sandbox</b>: the real okrbot running on your machine against a stand-in for "
        + "Slack. Every click here is sent to okrbot the way Slack sends it (signed HTTP requests to "
        + "<code>/slack/events</code>), and what you see is what okrbot asked Slack to show." }),
      el("h3", { text: "Commands" }),
      el("ul", {}, (app.state.commands || []).map((c) => el("li", {}, [el("code", { text: `${c.command} ${c.usage_hint}` }),
        el("span", { text: ` · ${c.description}` })]))),
      el("h3", { text: "Try this" }),
      el("ol", {}, [
        "As Ravi, type /request-1on1 in the okrbot Messages tab.",
        "Switch to Maria and answer the request in her okrbot messages.",
        "As Pat, react with 👏 on Ravi's message in #general: the kudos appear in #kudos.",
        "Click “Jump to this month's nudge” and read Maria's agenda.",
        "Open the Home tab as Maria for the leader view.",
      ].map((t) => el("li", { text: t }))),
    ]));
  }

  // ------------------------------------------------------------------ threads

  function openThread(channelId, ts) {
    app.thread = { channel: channelId, ts };
    app.sig.thread = null;
    render();
    $("thread-input").focus();
  }

  function renderThread() {
    const pane = $("thread");
    const thread = app.thread;
    const root = thread && (app.state.messages[thread.channel] || []).find((m) => m.ts === thread.ts);
    pane.hidden = !root;
    if (!root) {
      clearRegion($("thread-messages"), "thread");
      return;
    }
    const channel = channelsById()[thread.channel];
    $("thread-channel").textContent = channel && channel.name ? `#${channel.name}` : "okrbot";
    renderConversation($("thread-messages"), thread.channel, thread.ts);
  }

  // ------------------------------------------------------------------ composer

  function conversationId() {
    if (app.where.kind === "app") return app.where.tab === "messages" ? myDm() : null;
    return app.where.id;
  }

  async function send(input, threadTs) {
    const text = input.value;
    if (!text.trim()) return;
    const channel = threadTs ? app.thread.channel : conversationId();
    if (!channel) return;
    if (text.trim().startsWith("/")) {
      if (threadTs) {
        toast(`${text.trim().split(/\s/)[0]} is not supported in threads. Sorry!`, "error");
        return;
      }
      input.value = "";
      hideSuggestions();
      await api("command", { channel, text: text.trim() });
      return;
    }
    input.value = "";
    await api("message", { channel, text, thread_ts: threadTs || undefined });
  }

  function wireComposer(input, button, threadTs) {
    input.addEventListener("keydown", (event) => {
      const suggestions = $("suggestions");
      if (!threadTs() && !suggestions.hidden) {
        const options = [...suggestions.querySelectorAll(".suggestion")];
        const current = suggestions.querySelector(".suggestion.active");
        let index = options.indexOf(current);
        if (event.key === "ArrowDown" || event.key === "ArrowUp") {
          event.preventDefault();
          index = (index + (event.key === "ArrowDown" ? 1 : -1) + options.length) % options.length;
          options.forEach((o, i) => o.classList.toggle("active", i === index));
          return;
        }
        const complete = (app.state.commands || []).some((c) => c.command === input.value.trim());
        if ((event.key === "Tab" || (event.key === "Enter" && !complete)) && current) {
          event.preventDefault();
          current.click();
          return;
        }
        if (event.key === "Escape") { hideSuggestions(); return; }
      }
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        send(input, threadTs());
      }
    });
    button.addEventListener("click", () => send(input, threadTs()));
  }

  function hideSuggestions() {
    $("suggestions").hidden = true;
  }

  function suggest() {
    const input = $("composer-input");
    const box = $("suggestions");
    const text = input.value;
    const caret = input.selectionStart;
    box.innerHTML = "";
    let entries = [];
    if (/^\/\S*$/.test(text)) {
      entries = (app.state.commands || []).filter((c) => c.command.startsWith(text)).map((c) => ({
        html: `<b>${BK.escapeHtml(c.command)}</b> <span class="muted">${BK.escapeHtml(c.usage_hint)}</span><div class="muted">${BK.escapeHtml(c.description)} · okrbot</div>`,
        apply: () => { input.value = `${c.command} `; },
      }));
    } else {
      const before = text.slice(0, caret);
      const match = /(^|\s)@([\w.\-]*)$/.exec(before);
      if (match) {
        const query = match[2].toLowerCase();
        entries = (app.state.people || []).filter((p) => p.handle.startsWith(query) || p.real_name.toLowerCase().startsWith(query))
          .map((p) => ({
            html: `<b>${BK.escapeHtml(p.real_name)}</b> <span class="muted">@${BK.escapeHtml(p.handle)} · ${BK.escapeHtml(p.role)}</span>`,
            apply: () => {
              const start = before.length - match[2].length - 1;
              input.value = `${text.slice(0, start)}@${p.handle} ${text.slice(caret)}`;
              input.selectionStart = input.selectionEnd = start + p.handle.length + 2;
            },
          }));
      }
    }
    box.hidden = !entries.length;
    entries.forEach((entry, index) => {
      box.appendChild(el("div", { class: `suggestion${index === 0 ? " active" : ""}`, role: "option", html: entry.html,
        onmousedown: (event) => event.preventDefault(),
        onclick: () => { entry.apply(); hideSuggestions(); input.focus(); } }));
    });
  }

  // ------------------------------------------------------------------ modals

  function topView() {
    const stack = (app.state.views || {})[app.me] || [];
    return { stack, view: stack[stack.length - 1] };
  }

  function renderModal() {
    const { stack, view } = topView();
    const overlay = $("modal-overlay");
    if (!view) {
      overlay.hidden = true;
      app.modal = { key: null, viewId: null };
      return;
    }
    const key = JSON.stringify([app.me, view.id, view.hash, view.errors || {}, stack.length]);
    if (key === app.modal.key) return;
    const body = $("modal-body");
    const kept = app.modal.viewId === view.id ? BK.collect(body) : {};
    app.modal = { key, viewId: view.id };
    overlay.hidden = false;
    $("modal-title").innerHTML = BK.plain(BK.plainText(view.title));
    $("modal-back").hidden = stack.length < 2;
    $("modal-cancel").textContent = BK.plainText(view.close) || "Cancel";
    const submit = $("modal-submit");
    submit.hidden = !view.submit;
    submit.textContent = BK.plainText(view.submit) || "Submit";
    submit.disabled = false;
    body.innerHTML = "";
    body.appendChild(BK.render(view.blocks, ctx({
      errors: view.errors || {},
      onAction: (action) => api("action", { view_id: view.id, action_id: action.action_id, block_id: action.block_id,
        value: action.value, values: BK.collect(body) }),
    })));
    BK.restore(body, kept);
    if (!kept || !Object.keys(kept).length) {
      const first = body.querySelector("input, textarea, select");
      if (first) first.focus();
    }
  }

  async function submitModal(event) {
    event.preventDefault();
    const { view } = topView();
    if (!view) return;
    const body = $("modal-body");
    const errors = BK.validate(body, view.blocks);
    BK.showErrors(body, { ...(view.errors || {}), ...errors });
    if (Object.keys(errors).length) return;
    const submit = $("modal-submit");
    submit.disabled = true;
    const answer = await api("submit", { view_id: view.id, values: BK.collect(body) });
    if (!answer.ok) submit.disabled = false;
  }

  function closeModal(all) {
    const { view } = topView();
    if (view) api("close", { view_id: view.id, all });
  }

  function confirmDialog(confirm) {
    return new Promise((resolve) => {
      const overlay = $("confirm-overlay");
      $("confirm-title").innerHTML = BK.plain(BK.plainText(confirm.title) || "Are you sure?");
      $("confirm-text").innerHTML = BK.textHtml(confirm.text, ctx());
      const ok = $("confirm-ok");
      ok.textContent = BK.plainText(confirm.confirm) || "Yes";
      ok.className = `bk-button ${confirm.style === "danger" ? "danger" : "primary"}`;
      $("confirm-deny").textContent = BK.plainText(confirm.deny) || "Cancel";
      overlay.hidden = false;
      const done = (answer) => {
        overlay.hidden = true;
        ok.onclick = null;
        $("confirm-deny").onclick = null;
        resolve(answer);
      };
      ok.onclick = () => done(true);
      $("confirm-deny").onclick = () => done(false);
    });
  }

  // ------------------------------------------------------------------ toasts and the API log

  function toast(text, kind) {
    const box = el("div", { class: `toast ${kind || "info"}`, role: "status", html: BK.mrkdwn(text, {}) });
    $("toasts").appendChild(box);
    setTimeout(() => box.remove(), kind === "error" ? 8000 : 6000);
  }

  function renderToasts() {
    (app.state.notices || []).forEach((n) => {
      if (app.toasted.has(n.id)) return;
      app.toasted.add(n.id);
      if (n.kind === "sandbox") toast(n.text, "info");
      else if (n.kind === "slackbot" && !n.channel && n.user === app.me) toast(n.text, "error");
    });
  }

  function renderLog() {
    const log = $("api-log");
    if (log.hidden || !changed("log", app.state.calls)) return;
    const list = $("api-log-list");
    list.innerHTML = "";
    [...(app.state.calls || [])].reverse().forEach((c) => {
      const when = new Date(c.at * 1000).toLocaleTimeString();
      list.appendChild(el("li", { class: c.ok ? "ok" : "failed" }, [
        el("span", { class: "muted", text: when }), " ", el("code", { text: c.method }),
        c.channel ? el("span", { class: "muted", text: ` ${c.channel}` }) : null,
        c.ok ? null : el("span", { class: "error-text", text: ` ${c.error || c.status}` }),
      ]));
    });
  }

  // ------------------------------------------------------------------ wiring

  function init() {
    $("you-are").addEventListener("change", (event) => switchTo(event.target.value));
    $("start-link").addEventListener("click", () => go({ kind: "start" }));
    $("try-agenda").addEventListener("click", tryAgenda);
    $("try-request").addEventListener("click", tryRequest);
    $("try-kudos").addEventListener("click", tryKudos);
    $("jump-review").addEventListener("click", async () => {
      const button = $("jump-review");
      button.disabled = true;
      await api("review", {});
      button.disabled = false;
    });
    $("jump-nudge").addEventListener("click", async () => {
      const button = $("jump-nudge");
      button.disabled = true;
      await api("nudge", {});
      button.disabled = false;
    });
    document.querySelectorAll("#app-tabs [data-tab]").forEach((button) => {
      button.addEventListener("click", () => go({ kind: "app", tab: button.getAttribute("data-tab") }));
    });
    wireComposer($("composer-input"), $("composer-send"), () => null);
    wireComposer($("thread-input"), $("thread-send"), () => app.thread && app.thread.ts);
    $("composer-input").addEventListener("input", suggest);
    $("composer-input").addEventListener("blur", () => setTimeout(hideSuggestions, 150));
    $("thread-close").addEventListener("click", () => { app.thread = null; render(); });
    $("modal-form").addEventListener("submit", submitModal);
    $("modal-cancel").addEventListener("click", () => closeModal(false));
    $("modal-back").addEventListener("click", () => closeModal(false));
    $("modal-x").addEventListener("click", () => closeModal(true));
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !$("modal-overlay").hidden && $("confirm-overlay").hidden) closeModal(false);
    });
    $("toggle-log").addEventListener("click", () => { $("api-log").hidden = !$("api-log").hidden; app.sig.log = null; render(); });
    $("log-close").addEventListener("click", () => { $("api-log").hidden = true; });
    poll();
  }

  init();
})();
