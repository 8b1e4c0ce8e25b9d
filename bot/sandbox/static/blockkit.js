// Block Kit and mrkdwn rendered to DOM, the way Slack's clients show them. No build step, no dependencies.
// Used by the sandbox page (app.js) and by `make screenshots` (render.html). Everything written into the DOM
// is HTML-escaped first: message text comes from the app and, through it, from people.
(function () {
  "use strict";

  const EMOJI = () => window.SLACK_EMOJI || {};
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December"];
  const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

  function escapeHtml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  // Slack escapes &, < and > in message text; show them as the characters they stand for.
  function unescapeSlack(text) {
    return String(text).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }

  function emoji(name) {
    const found = EMOJI()[name];
    return found === undefined ? null : found;
  }

  function emojify(escaped) {
    return escaped.replace(/:([a-z0-9_+\-']+):/g, (all, name) => {
      const found = emoji(name);
      return found === null ? all : `<span class="emoji" title=":${name}:">${found}</span>`;
    });
  }

  // ------------------------------------------------------------------ dates: <!date^ts^format|fallback>

  function zoned(date, tz) {
    const parts = {};
    try {
      new Intl.DateTimeFormat("en-US", {
        timeZone: tz || undefined, year: "numeric", month: "numeric", day: "numeric", hour: "numeric",
        minute: "2-digit", second: "2-digit", weekday: "long", hour12: false,
      }).formatToParts(date).forEach((p) => { parts[p.type] = p.value; });
    } catch (e) {
      return zoned(date, "UTC");
    }
    return {
      year: +parts.year, month: +parts.month, day: +parts.day, hour: +parts.hour % 24,
      minute: +parts.minute, second: +parts.second, weekday: DAYS.indexOf(parts.weekday),
    };
  }

  function ordinal(n) {
    const s = ["th", "st", "nd", "rd"], v = n % 100;
    return n + (s[(v - 20) % 10] || s[v] || s[0]);
  }

  function dayDiff(a, b) {
    return Math.round((Date.UTC(a.year, a.month - 1, a.day) - Date.UTC(b.year, b.month - 1, b.day)) / 86400000);
  }

  function time12(z, secs) {
    const h = z.hour % 12 === 0 ? 12 : z.hour % 12;
    const mm = String(z.minute).padStart(2, "0");
    return `${h}:${mm}${secs ? ":" + String(z.second).padStart(2, "0") : ""} ${z.hour < 12 ? "AM" : "PM"}`;
  }

  function ago(seconds) {
    const future = seconds < 0, s = Math.abs(seconds);
    const units = [[31536000, "year"], [2592000, "month"], [86400, "day"], [3600, "hour"], [60, "minute"]];
    for (const [size, name] of units) {
      if (s >= size) {
        const n = Math.floor(s / size);
        const label = `${n} ${name}${n === 1 ? "" : "s"}`;
        return future ? `in ${label}` : `${label} ago`;
      }
    }
    return future ? "in a few seconds" : "a few seconds ago";
  }

  function formatDate(ts, format, tz, now) {
    const date = new Date(ts * 1000);
    const z = zoned(date, tz);
    const today = zoned(now || new Date(), tz);
    const diff = dayDiff(z, today);
    const pretty = diff === 0 ? "today" : diff === -1 ? "yesterday" : diff === 1 ? "tomorrow" : null;
    const month = MONTHS[z.month - 1];
    const values = {
      date_num: `${z.year}-${String(z.month).padStart(2, "0")}-${String(z.day).padStart(2, "0")}`,
      date: `${month} ${ordinal(z.day)}, ${z.year}`,
      date_short: `${month.slice(0, 3)} ${z.day}, ${z.year}`,
      date_long: `${DAYS[z.weekday]}, ${month} ${ordinal(z.day)}, ${z.year}`,
      time: time12(z, false),
      time_secs: time12(z, true),
      ago: ago(((now || new Date()).getTime() - date.getTime()) / 1000),
    };
    values.date_pretty = pretty ? capitalize(pretty, true) : values.date;
    values.date_short_pretty = pretty ? capitalize(pretty, true) : values.date_short;
    values.date_long_pretty = pretty ? capitalize(pretty, true) : values.date_long;
    values.day_divider_pretty = pretty ? capitalize(pretty, false) : `${DAYS[z.weekday]}, ${month} ${ordinal(z.day)}`;
    return format.replace(/\{(\w+)\}/g, (all, key) => (key in values ? values[key] : all));
  }

  function capitalize(word, keepLower) {
    return keepLower ? word : word.charAt(0).toUpperCase() + word.slice(1);
  }

  // ------------------------------------------------------------------ mrkdwn

  function userName(ctx, id, given) {
    const user = (ctx.users || {})[id];
    if (user) return user.display_name || user.name;
    return given || id;
  }

  function channelName(ctx, id, given) {
    const channel = (ctx.channels || {})[id];
    return (channel && channel.name) || given || id;
  }

  function safeUrl(url) {
    return /^(https?:|mailto:)/i.test(url) ? url : null;
  }

  // One <…> token of Slack's message syntax as HTML.
  function token(inner, ctx) {
    const [target, ...rest] = inner.split("|");
    const label = rest.join("|");
    if (target.startsWith("@")) {
      const id = target.slice(1);
      const me = ctx.me === id ? " me" : "";
      return `<span class="mention${me}" data-user="${escapeHtml(id)}">@${escapeHtml(userName(ctx, id, label))}</span>`;
    }
    if (target.startsWith("#")) {
      return `<span class="mention channel">#${escapeHtml(channelName(ctx, target.slice(1), label))}</span>`;
    }
    if (target.startsWith("!date^")) {
      const [, ts, format, link] = target.split("^");
      const text = /^\d+$/.test(ts) ? formatDate(+ts, format || "{date}", ctx.tz, ctx.now) : unescapeSlack(label);
      const url = link && safeUrl(unescapeSlack(link));
      const title = escapeHtml(unescapeSlack(label || ""));
      const shown = escapeHtml(text);
      return url ? `<a class="date" href="${escapeHtml(url)}" target="_blank" rel="noopener" title="${title}">${shown}</a>`
        : `<time class="date" title="${title}">${shown}</time>`;
    }
    if (target.startsWith("!subteam^")) {
      return `<span class="mention">${escapeHtml(unescapeSlack(label || "@group"))}</span>`;
    }
    if (target.startsWith("!")) {
      const name = target.slice(1);
      return `<span class="mention broadcast">@${escapeHtml(label || name)}</span>`;
    }
    const url = safeUrl(unescapeSlack(target));
    const text = unescapeSlack(label || target);
    if (!url) return escapeHtml(unescapeSlack("<" + inner + ">"));
    return `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${escapeHtml(text)}</a>`;
  }

  const STYLES = [
    [/(^|[\s(\[{"'“‘\-_~/])\*(?=\S)([^*\n]*?\S)\*(?=$|[\s)\]}"'”’.,!?;:\-_~/])/g, "b"],
    [/(^|[\s(\[{"'“‘\-*~/])_(?=\S)([^_\n]*?\S)_(?=$|[\s)\]}"'”’.,!?;:\-*~/])/g, "i"],
    [/(^|[\s(\[{"'“‘\-*_/])~(?=\S)([^~\n]*?\S)~(?=$|[\s)\]}"'”’.,!?;:\-*_/])/g, "s"],
  ];

  function inline(text, ctx, stash) {
    // <…> tokens first (mentions, links, dates), then the escaped text, then styles and emoji.
    let out = text.replace(/<([^<>\n]+)>/g, (all, inner) => stash(token(inner, ctx)));
    out = escapeHtml(unescapeSlack(out));
    out = out.replace(/`([^`\n]+)`/g, (all, code) => stash(`<code>${code}</code>`));
    for (const [pattern, tag] of STYLES) {
      for (let i = 0; i < 2; i += 1) out = out.replace(pattern, (all, before, body) => `${before}<${tag}>${body}</${tag}>`);
    }
    return emojify(out);
  }

  function mrkdwn(text, ctx) {
    ctx = ctx || {};
    const stashed = [];
    const stash = (html) => `\u0001${stashed.push(html) - 1}\u0002`;
    const source = String(text == null ? "" : text);
    const parts = source.split(/```/);
    let html = "";
    parts.forEach((part, index) => {
      if (index % 2 === 1 && index < parts.length - 1) {
        html += stash(`<pre>${escapeHtml(unescapeSlack(part.replace(/^\n/, "")))}</pre>`);
        return;
      }
      const chunk = index % 2 === 1 ? "```" + part : part;
      const lines = chunk.split("\n");
      let quote = [];
      const flush = () => {
        if (quote.length) html += `<blockquote>${quote.join("<br>")}</blockquote>`;
        quote = [];
      };
      lines.forEach((line, n) => {
        const quoted = /^(>|&gt;)\s?/.exec(line);
        if (quoted) {
          quote.push(inline(line.slice(quoted[0].length), ctx, stash));
          return;
        }
        flush();
        html += inline(line, ctx, stash) + (n < lines.length - 1 ? "<br>" : "");
      });
      flush();
    });
    return html.replace(/\u0001(\d+)\u0002/g, (all, n) => stashed[+n]).replace(/\u0001(\d+)\u0002/g, (all, n) => stashed[+n]);
  }

  function plain(text, useEmoji) {
    const escaped = escapeHtml(text == null ? "" : text);
    return useEmoji === false ? escaped : emojify(escaped);
  }

  function textHtml(obj, ctx) {
    if (!obj) return "";
    if (typeof obj === "string") return mrkdwn(obj, ctx);
    if (obj.type === "mrkdwn") return obj.verbatim ? plain(obj.text) : mrkdwn(obj.text, ctx);
    return plain(obj.text, obj.emoji);
  }

  function plainText(obj) {
    if (!obj) return "";
    return typeof obj === "string" ? obj : String(obj.text || "");
  }

  // ------------------------------------------------------------------ DOM helpers

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => {
      if (value === undefined || value === null || value === false) return;
      if (key === "html") node.innerHTML = value;
      else if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach((child) => child && node.appendChild(typeof child === "string" ? document.createTextNode(child) : child));
    return node;
  }

  function allOptions(element) {
    const options = [...(element.options || [])];
    (element.option_groups || []).forEach((g) => options.push(...(g.options || [])));
    return options;
  }

  // Native <option>s hold text only: Slack still shows emoji there (plain_text has emoji: true by default).
  function emojiText(obj) {
    const text = plainText(obj);
    if (obj && obj.emoji === false) return text;
    return text.replace(/:([a-z0-9_+\-']+):/g, (all, name) => (emoji(name) === null ? all : emoji(name)));
  }

  function optionEl(option, selected) {
    return el("option", { value: option.value, selected: selected || undefined, text: emojiText(option.text) });
  }

  function fillSelect(select, element, ctx, chosen) {
    const kind = element.type.replace(/^multi_/, "");
    const isChosen = (value) => chosen.includes(value);
    if (kind === "static_select" || kind === "external_select") {
      if (element.option_groups) {
        element.option_groups.forEach((group) => {
          const g = el("optgroup", { label: emojiText(group.label) });
          (group.options || []).forEach((o) => g.appendChild(optionEl(o, isChosen(o.value))));
          select.appendChild(g);
        });
      } else {
        (element.options || []).forEach((o) => select.appendChild(optionEl(o, isChosen(o.value))));
      }
    } else if (kind === "users_select") {
      (ctx.people || []).forEach((p) => select.appendChild(
        el("option", { value: p.id, selected: isChosen(p.id) || undefined, text: p.real_name || p.name })));
    } else {
      (ctx.channelList || []).forEach((c) => select.appendChild(
        el("option", { value: c.id, selected: isChosen(c.id) || undefined, text: "#" + c.name })));
    }
  }

  function initialOf(element) {
    switch (element.type) {
      case "static_select": case "external_select": case "radio_buttons":
        return element.initial_option ? [element.initial_option.value] : [];
      case "multi_static_select": case "multi_external_select": case "checkboxes":
        return (element.initial_options || []).map((o) => o.value);
      case "users_select": return element.initial_user ? [element.initial_user] : [];
      case "multi_users_select": return element.initial_users || [];
      case "conversations_select": return element.initial_conversation ? [element.initial_conversation] : [];
      case "multi_conversations_select": return element.initial_conversations || [];
      case "channels_select": return element.initial_channel ? [element.initial_channel] : [];
      case "multi_channels_select": return element.initial_channels || [];
      default: return [];
    }
  }

  // ------------------------------------------------------------------ elements

  function confirmThen(element, run, ctx) {
    if (!element.confirm || !ctx.confirm) return run();
    return ctx.confirm(element.confirm).then((yes) => yes && run());
  }

  function fire(ctx, block, element, value) {
    if (ctx.onAction) ctx.onAction({ block_id: block.block_id, action_id: element.action_id, element, value });
  }

  function button(element, block, ctx) {
    const style = element.style ? ` ${element.style}` : "";
    return el("button", {
      type: "button", class: `bk-button${style}`, "data-action-id": element.action_id, "data-block-id": block.block_id,
      html: plain(plainText(element.text), element.text && element.text.emoji),
      onclick: (event) => {
        event.preventDefault();
        confirmThen(element, () => {
          if (element.url && safeUrl(element.url)) window.open(element.url, "_blank", "noopener");
          fire(ctx, block, element, element.value);
        }, ctx);
      },
    });
  }

  function selectElement(element, block, ctx, { input } = {}) {
    const multi = element.type.startsWith("multi_");
    const chosen = initialOf(element);
    const select = el("select", {
      class: "bk-select bk-control", multiple: multi || undefined, "data-action-id": element.action_id,
      "data-block-id": block.block_id, "data-type": element.type,
      "aria-label": input ? undefined : plainText(element.placeholder) || "Choose",
    });
    if (!multi) {
      select.appendChild(el("option", { value: "", text: plainText(element.placeholder) || "Select an item",
        selected: chosen.length ? undefined : true }));
    } else {
      select.size = 4;
    }
    fillSelect(select, element, ctx, chosen);
    if (!input || block.dispatch_action) {
      select.addEventListener("change", () => {
        const value = multi ? [...select.selectedOptions].map((o) => o.value) : select.value;
        if (!multi && !value) return;
        const run = () => fire(ctx, block, element, value);
        confirmThen(element, run, ctx);
      });
    }
    return select;
  }

  function overflow(element, block, ctx) {
    const menu = el("div", { class: "bk-menu", role: "menu", hidden: true });
    const wrap = el("div", { class: "bk-overflow" }, [
      el("button", { type: "button", class: "bk-button bk-overflow-button", "aria-label": "More options",
        "data-action-id": element.action_id, "data-block-id": block.block_id, text: "⋮",
        onclick: (event) => { event.stopPropagation(); menu.hidden = !menu.hidden; } }),
      menu,
    ]);
    (element.options || []).forEach((option) => {
      menu.appendChild(el("button", { type: "button", role: "menuitem", class: "bk-menu-item",
        html: plain(plainText(option.text)),
        onclick: () => {
          menu.hidden = true;
          if (option.url && safeUrl(option.url)) window.open(option.url, "_blank", "noopener");
          confirmThen(element, () => fire(ctx, block, element, option.value), ctx);
        } }));
    });
    document.addEventListener("click", () => { menu.hidden = true; });
    return wrap;
  }

  function choiceList(element, block, ctx, { input } = {}) {
    const radio = element.type === "radio_buttons";
    const chosen = initialOf(element);
    const name = `${block.block_id}:${element.action_id}:${Math.random().toString(36).slice(2)}`;
    const list = el("div", { class: `bk-choices bk-control ${radio ? "radio" : "checkbox"}`, "data-action-id": element.action_id,
      "data-block-id": block.block_id, "data-type": element.type, role: radio ? "radiogroup" : "group" });
    (element.options || []).forEach((option) => {
      const box = el("input", { type: radio ? "radio" : "checkbox", name, value: option.value,
        checked: chosen.includes(option.value) || undefined });
      if (!input || block.dispatch_action) {
        box.addEventListener("change", () => {
          const values = [...list.querySelectorAll("input:checked")].map((i) => i.value);
          fire(ctx, block, element, radio ? values[0] : values);
        });
      }
      list.appendChild(el("label", { class: "bk-choice" }, [box, el("span", {}, [
        el("span", { class: "bk-choice-text", html: textHtml(option.text, ctx) }),
        option.description ? el("span", { class: "bk-choice-description", html: textHtml(option.description, ctx) }) : null,
      ])]));
    });
    return list;
  }

  function picker(element, block, ctx, { input } = {}) {
    const types = { datepicker: "date", timepicker: "time", datetimepicker: "datetime-local" };
    let initial = element.initial_date || element.initial_time || "";
    if (element.type === "datetimepicker" && element.initial_date_time) {
      const z = zoned(new Date(element.initial_date_time * 1000), ctx.tz);
      initial = `${z.year}-${String(z.month).padStart(2, "0")}-${String(z.day).padStart(2, "0")}T${String(z.hour).padStart(2, "0")}:${String(z.minute).padStart(2, "0")}`;
    }
    const field = el("input", { type: types[element.type], class: "bk-text-input bk-control", value: initial || undefined,
      "data-action-id": element.action_id, "data-block-id": block.block_id, "data-type": element.type,
      "aria-label": input ? undefined : plainText(element.placeholder) || element.type });
    if (!input || block.dispatch_action) {
      field.addEventListener("change", () => field.value && fire(ctx, block, element, field.value));
    }
    return field;
  }

  function textInput(element, block, ctx) {
    const multiline = element.multiline || element.type === "rich_text_input";
    const attrs = {
      class: "bk-text-input bk-control", "data-action-id": element.action_id, "data-block-id": block.block_id,
      "data-type": element.type, placeholder: plainText(element.placeholder) || undefined,
      maxlength: element.max_length || undefined, "aria-label": block.type === "input" ? undefined : "text",
    };
    let field;
    if (multiline) {
      field = el("textarea", { ...attrs, rows: 4 });
      field.value = typeof element.initial_value === "string" ? element.initial_value : "";
    } else {
      const kinds = { number_input: "number", email_text_input: "email", url_text_input: "url" };
      field = el("input", { ...attrs, type: kinds[element.type] || "text",
        step: element.type === "number_input" ? (element.is_decimal_allowed ? "any" : "1") : undefined,
        min: element.min_value, max: element.max_value });
      field.value = element.initial_value == null ? "" : String(element.initial_value);
    }
    if (block.dispatch_action) {
      field.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && !multiline) fire(ctx, block, element, field.value);
      });
    }
    return field;
  }

  function imageAlt(element, cls) {
    return el("span", { class: cls || "bk-image-alt", title: element.image_url || "image", role: "img",
      "aria-label": element.alt_text || "image", html: `🖼 ${plain(element.alt_text || "image")}` });
  }

  function element(element, block, ctx, options) {
    if (!element || !element.type) return null;
    switch (element.type) {
      case "button": return button(element, block, ctx);
      case "overflow": return overflow(element, block, ctx);
      case "image": return imageAlt(element);
      case "checkboxes": case "radio_buttons": return choiceList(element, block, ctx, options);
      case "datepicker": case "timepicker": case "datetimepicker": return picker(element, block, ctx, options);
      case "plain_text_input": case "number_input": case "email_text_input": case "url_text_input":
      case "rich_text_input":
        return textInput(element, block, ctx);
      default:
        if (/select$/.test(element.type)) return selectElement(element, block, ctx, options);
        return el("span", { class: "bk-unsupported", text: `[${element.type}]` });
    }
  }

  // ------------------------------------------------------------------ blocks

  function richText(elements, ctx) {
    const inlineHtml = (items) => (items || []).map((item) => {
      let html;
      switch (item.type) {
        case "text": html = escapeHtml(item.text || "").replace(/\n/g, "<br>"); break;
        case "link": {
          const url = safeUrl(item.url || "");
          html = url ? `<a href="${escapeHtml(url)}" target="_blank" rel="noopener">${escapeHtml(item.text || item.url)}</a>`
            : escapeHtml(item.text || "");
          break;
        }
        case "user": html = `<span class="mention">@${escapeHtml(userName(ctx, item.user_id))}</span>`; break;
        case "channel": html = `<span class="mention channel">#${escapeHtml(channelName(ctx, item.channel_id))}</span>`; break;
        case "emoji": html = emoji(item.name) || `:${escapeHtml(item.name)}:`; break;
        case "broadcast": html = `<span class="mention broadcast">@${escapeHtml(item.range)}</span>`; break;
        case "date": html = escapeHtml(formatDate(item.timestamp, item.format || "{date}", ctx.tz, ctx.now)); break;
        default: html = "";
      }
      const style = item.style || {};
      if (style.code) html = `<code>${html}</code>`;
      if (style.bold) html = `<b>${html}</b>`;
      if (style.italic) html = `<i>${html}</i>`;
      if (style.strike) html = `<s>${html}</s>`;
      return html;
    }).join("");
    return (elements || []).map((part) => {
      switch (part.type) {
        case "rich_text_section": return `<div>${inlineHtml(part.elements)}</div>`;
        case "rich_text_preformatted": return `<pre>${inlineHtml(part.elements)}</pre>`;
        case "rich_text_quote": return `<blockquote>${inlineHtml(part.elements)}</blockquote>`;
        case "rich_text_list": {
          const tag = part.style === "ordered" ? "ol" : "ul";
          return `<${tag}>${(part.elements || []).map((s) => `<li>${inlineHtml(s.elements)}</li>`).join("")}</${tag}>`;
        }
        default: return "";
      }
    }).join("");
  }

  function blockEl(block, ctx) {
    const base = { class: `bk-block bk-${block.type}`, "data-block-id": block.block_id };
    switch (block.type) {
      case "header":
        return el("div", { ...base, role: "heading", "aria-level": "2", html: plain(plainText(block.text)) });
      case "divider":
        return el("hr", base);
      case "section": {
        const body = el("div", { class: "bk-section-body" }, [
          block.text ? el("div", { class: "bk-text", html: textHtml(block.text, ctx) }) : null,
          block.fields ? el("div", { class: "bk-fields" }, block.fields.map((f) => el("div", { class: "bk-field", html: textHtml(f, ctx) }))) : null,
        ]);
        const accessory = block.accessory ? el("div", { class: "bk-accessory" }, [element(block.accessory, block, ctx)]) : null;
        return el("div", base, [body, accessory]);
      }
      case "context":
        return el("div", base, (block.elements || []).map((item) => (item.type === "image"
          ? imageAlt(item, "bk-context-image") : el("span", { class: "bk-context-text", html: textHtml(item, ctx) }))));
      case "actions":
        return el("div", base, (block.elements || []).map((item) => element(item, block, ctx)));
      case "image":
        return el("figure", base, [
          block.title ? el("figcaption", { html: plain(plainText(block.title)) }) : null,
          imageAlt(block, "bk-image-box"),
        ]);
      case "input": {
        const error = (ctx.errors || {})[block.block_id];
        const optional = block.optional ? el("span", { class: "bk-optional", text: " (optional)" }) : null;
        const field = element(block.element, block, ctx, { input: true });
        const id = `in-${block.block_id}-${Math.random().toString(36).slice(2, 7)}`;
        if (field && /^(INPUT|TEXTAREA|SELECT)$/.test(field.tagName)) field.id = id;
        return el("div", { ...base, class: `${base.class}${error ? " has-error" : ""}`, "data-optional": block.optional ? "1" : "0" }, [
          el("label", { class: "bk-label", for: id }, [el("span", { html: plain(plainText(block.label)) }), optional]),
          field,
          block.hint ? el("div", { class: "bk-hint", html: plain(plainText(block.hint)) }) : null,
          el("div", { class: "bk-error", role: "alert", html: error ? mrkdwn(error, ctx) : "", hidden: !error || undefined }),
        ]);
      }
      case "rich_text":
        return el("div", { ...base, html: richText(block.elements, ctx) });
      case "markdown":
        return el("div", { ...base, html: mrkdwn(String(block.text || "").replace(/\*\*([^*]+)\*\*/g, "*$1*"), ctx) });
      case "file":
        return el("div", { ...base, text: "📎 A file" });
      case "video":
        return el("div", { ...base, html: `▶ ${plain(plainText(block.title) || "A video")}` });
      default:
        return el("div", { ...base, class: `${base.class} bk-unsupported`, text: `[${block.type} block]` });
    }
  }

  function render(blocks, ctx) {
    const root = el("div", { class: "bk-blocks" });
    (blocks || []).forEach((block) => {
      try {
        root.appendChild(blockEl(block, ctx || {}));
      } catch (error) {
        root.appendChild(el("div", { class: "bk-block bk-unsupported", text: `[could not show a ${block && block.type} block]` }));
      }
    });
    return root;
  }

  // ------------------------------------------------------------------ forms (modals and the Home tab)

  function valueOf(field) {
    const type = field.getAttribute("data-type");
    if (field.tagName === "SELECT") {
      if (field.multiple) return [...field.selectedOptions].map((o) => o.value);
      return field.value || null;
    }
    if (type === "checkboxes") return [...field.querySelectorAll("input:checked")].map((i) => i.value);
    if (type === "radio_buttons") {
      const checked = field.querySelector("input:checked");
      return checked ? checked.value : null;
    }
    if (type === "number_input") return field.value === "" ? null : field.value;
    return field.value === "" ? null : field.value;
  }

  // {block_id: value} for every input block (what the page sends as the view's state).
  function collect(container) {
    const values = {};
    container.querySelectorAll(".bk-block.bk-input").forEach((block) => {
      const field = block.querySelector(".bk-control");
      if (field) values[block.getAttribute("data-block-id")] = valueOf(field);
    });
    return values;
  }

  // Put values collected before a re-render back into inputs that are still there (Slack keeps them).
  function restore(container, values) {
    container.querySelectorAll(".bk-block.bk-input").forEach((block) => {
      const value = (values || {})[block.getAttribute("data-block-id")];
      const field = block.querySelector(".bk-control");
      if (!field || value === null || value === undefined) return;
      const wanted = Array.isArray(value) ? value : [value];
      if (field.tagName === "SELECT") {
        [...field.options].forEach((o) => { o.selected = wanted.includes(o.value); });
      } else if (field.classList.contains("bk-choices")) {
        field.querySelectorAll("input").forEach((i) => { i.checked = wanted.includes(i.value); });
      } else {
        field.value = value;
      }
    });
  }

  // What Slack's client checks before it sends a view_submission: required inputs and min_length.
  function validate(container, blocks) {
    const errors = {};
    const values = collect(container);
    (blocks || []).filter((b) => b.type === "input").forEach((block) => {
      const value = values[block.block_id];
      const empty = value === null || value === undefined || (Array.isArray(value) && !value.length)
        || (typeof value === "string" && !value.trim());
      if (!block.optional && empty) {
        errors[block.block_id] = "Please complete this required field.";
      } else if (!empty && block.element && block.element.min_length && String(value).length < block.element.min_length) {
        errors[block.block_id] = `Must have at least ${block.element.min_length} characters.`;
      }
    });
    return errors;
  }

  function showErrors(container, errors) {
    container.querySelectorAll(".bk-block.bk-input").forEach((block) => {
      const message = (errors || {})[block.getAttribute("data-block-id")];
      block.classList.toggle("has-error", !!message);
      const box = block.querySelector(".bk-error");
      if (box) {
        box.hidden = !message;
        box.innerHTML = message ? mrkdwn(message, {}) : "";
      }
    });
  }

  window.BlockKit = { render, mrkdwn, plain, textHtml, plainText, collect, restore, validate, showErrors, escapeHtml,
    formatDate, emoji, emojify, el };
})();
