// ispbot admin: confirmations, bulk selection, and live updates over server-sent events
// (registrations, and the CS chat inbox).
// Plain JavaScript, no dependencies, works offline.
(function () {
  "use strict";

  function toast(text) {
    var box = document.getElementById("toast");
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { box.hidden = true; }, 5000);
  }

  // Forms that change something ask first.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    var buttons = form.querySelectorAll("button[type=submit]");
    window.setTimeout(function () { buttons.forEach(function (b) { b.disabled = true; }); }, 0);
  });

  // Bulk selection on the registrations list.
  function selected() {
    return Array.prototype.slice.call(document.querySelectorAll("input[name=ids]:checked"));
  }
  function refreshBulk() {
    var count = selected().length;
    document.querySelectorAll("[data-selected-count]").forEach(function (el) { el.textContent = count; });
    document.querySelectorAll("[data-bulk-submit]").forEach(function (b) { b.disabled = count === 0; });
  }
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches("[data-check-all]")) {
      document.querySelectorAll("input[name=ids]").forEach(function (b) { b.checked = box.checked; });
    }
    if (box.matches("[data-check-all], input[name=ids]")) refreshBulk();
  });

  // The top nav scrolls sideways when its links do not fit (a phone): the page's own link
  // is brought into view (it was hidden past the edge), and a faded edge shows on each
  // side that has more links.
  var nav = document.querySelector(".nav");
  if (nav) {
    var here = nav.querySelector("a.active");
    if (here && nav.scrollWidth > nav.clientWidth) {
      nav.scrollLeft = here.offsetLeft - (nav.clientWidth - here.offsetWidth) / 2;
    }
    var edges = function () {
      nav.classList.toggle("nav-more-left", nav.scrollLeft > 1);
      nav.classList.toggle("nav-more-right", nav.scrollLeft + nav.clientWidth < nav.scrollWidth - 1);
    };
    edges();
    nav.addEventListener("scroll", edges, { passive: true });
    window.addEventListener("resize", edges);
  }

  function scrollChats() {
    document.querySelectorAll("[data-scroll-bottom]").forEach(function (el) { el.scrollTop = el.scrollHeight; });
  }

  // Live updates: new registrations, status changes and notes without reloading.
  var live = document.getElementById("live");
  var banner = document.getElementById("live-banner");
  function reloadList() {
    var keep = selected().map(function (b) { return b.value; });
    var newest = parseInt(live.getAttribute("data-newest") || "0", 10);
    fetch(live.getAttribute("data-live-src"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        // What the agent is typing in the filters survives the refresh (it emptied the
        // search box mid-word when another agent verified something).
        var typing = Array.prototype.map.call(live.querySelectorAll("form.filters [name]"), function (field) {
          return { name: field.name, value: field.value, focused: document.activeElement === field,
                   start: field.selectionStart, end: field.selectionEnd };
        });
        live.innerHTML = html;
        typing.forEach(function (was) {
          var field = live.querySelector("form.filters [name='" + was.name + "']");
          if (!field) return;
          field.value = was.value;
          if (was.focused) {
            field.focus();
            if (was.start !== null && field.setSelectionRange) {
              try { field.setSelectionRange(was.start, was.end); } catch (e) { /* not a text field */ }
            }
          }
        });
        keep.forEach(function (id) {
          var box = live.querySelector("input[name=ids][value='" + id + "']");
          if (box) box.checked = true;
        });
        live.querySelectorAll("tr[data-id]").forEach(function (row) {
          var id = parseInt(row.getAttribute("data-id"), 10);
          if (id > newest) row.classList.add("flash-row");
          if (id > newest) newest = id;
        });
        live.setAttribute("data-newest", String(newest));
        refreshBulk();
      })
      .catch(function () { if (banner) banner.hidden = false; });
  }
  function onChange(data) {
    var mode = live.getAttribute("data-live-mode");
    var here = String(data.registration_id) === live.getAttribute("data-registration");
    if (data.kind === "note") {
      // A note in the history (the status stays): nothing changes in a list.
      toast(data.registration_number + ": catatan baru di riwayat");
      if (mode === "detail" && here && banner && banner.hidden) {
        var what = banner.querySelector("[data-live-what]");
        if (what) what.textContent = "Ada catatan baru di riwayat pendaftaran ini.";
        banner.hidden = false;
      }
      return;
    }
    if (data.kind === "created") toast("Pendaftaran baru: " + data.registration_number);
    else toast(data.registration_number + ": " + data.status_label);
    if (mode === "replace") reloadList();
    else if (mode === "detail") {
      if (here && banner) {
        var said = banner.querySelector("[data-live-what]");
        if (said) said.textContent = "Pendaftaran ini baru saja berubah.";
        banner.hidden = false;
      }
    } else if (banner) banner.hidden = false;
  }
  // The CS chat inbox: the waiting count in the nav, the queue, the open conversation.
  function setWaiting(count) {
    document.querySelectorAll("[data-waiting-count]").forEach(function (el) {
      el.textContent = String(count);
      el.hidden = count === 0;
    });
  }
  var refreshing = {};
  function refresh(box, src, keepDraft) {
    if (refreshing[src]) { refreshing[src] = "again"; return; }
    refreshing[src] = "busy";
    var draft = keepDraft ? box.querySelector("textarea") : null;
    var text = draft ? draft.value : "";
    var focused = draft && document.activeElement === draft;
    fetch(src, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        box.innerHTML = html;
        var fresh = keepDraft ? box.querySelector("textarea") : null;
        if (fresh && text) fresh.value = text;
        if (fresh && focused) fresh.focus();
        scrollChats();
      })
      .catch(function () { /* the next event tries again */ })
      .then(function () {
        var again = refreshing[src] === "again";
        refreshing[src] = false;
        if (again) refresh(box, src, keepDraft);
      });
  }
  var inboxList = document.getElementById("inbox-list");
  var conversation = document.getElementById("conversation");
  var lastWaiting = null;
  function onConversation(data) {
    if (inboxList) refresh(inboxList, inboxList.getAttribute("data-inbox-src"), false);
    if (conversation && String(data.id) === conversation.getAttribute("data-conversation-id")) {
      refresh(conversation, conversation.getAttribute("data-conversation-src"), true);
    }
  }
  function onInbox(data) {
    if (lastWaiting !== null && data.waiting > lastWaiting) toast("Pelanggan menunggu CS (" + data.waiting + ")");
    lastWaiting = data.waiting;
    setWaiting(data.waiting);
  }

  var wanted = live || inboxList || conversation || document.querySelector("[data-waiting-count]");
  if (wanted && window.EventSource) {
    var source = new EventSource("/admin/events");
    if (live) {
      source.addEventListener("registration", function (event) {
        try { onChange(JSON.parse(event.data)); } catch (e) { /* a malformed event is ignored */ }
      });
    }
    source.addEventListener("conversation", function (event) {
      try { onConversation(JSON.parse(event.data)); } catch (e) { /* a malformed event is ignored */ }
    });
    source.addEventListener("inbox", function (event) {
      try { onInbox(JSON.parse(event.data)); } catch (e) { /* a malformed event is ignored */ }
    });
    document.body.setAttribute("data-live", "connecting");
    source.addEventListener("ready", function () { document.body.setAttribute("data-live", "on"); });
  }

  // The registrations list's filter, kept for the links back to the list from a
  // registration's page: the agent returns to the ones waiting, not to every registration.
  function keepListFilter() {
    try {
      if (location.pathname === "/admin/registrations") sessionStorage.setItem("registrations-list", location.search);
      var search = sessionStorage.getItem("registrations-list");
      if (search) {
        document.querySelectorAll("a[data-list-link]").forEach(function (a) { a.href = "/admin/registrations" + search; });
      }
    } catch (e) { /* storage switched off: the plain link */ }
  }

  document.addEventListener("DOMContentLoaded", function () { scrollChats(); refreshBulk(); keepListFilter(); });
})();
