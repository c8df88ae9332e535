// yihaotai staff pages: live queues and critical alarms over server-sent events, and the
// intake helpers (triage, household picker, keyboard). Every page works without this file;
// it only adds speed and live updates. No framework, no inline handlers (CSP: script-src 'self').
(function () {
  'use strict';

  var body = document.body;
  if (!body || !body.dataset.live) return;
  var zh = body.dataset.lang !== 'en';
  var leader = body.dataset.leader === '1';
  var csrfMeta = document.querySelector('meta[name="csrf"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute('content') : '';

  function L(z, e) { return zh ? z : e; }
  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined) n.textContent = text;
    return n;
  }

  // ---- Sound: a two-tone beep from an oscillator. Browsers allow audio only after a user
  // gesture, so the context starts on the first click or key press; banners show regardless.
  var audio = null;
  function unlockAudio() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    try {
      if (!audio) audio = new Ctx();
      if (audio.state === 'suspended') audio.resume();
    } catch (e) { audio = null; }
  }
  document.addEventListener('click', unlockAudio, true);
  document.addEventListener('keydown', unlockAudio, true);

  function tone(freq, start, len) {
    var o = audio.createOscillator();
    var g = audio.createGain();
    o.type = 'square';
    o.frequency.value = freq;
    g.gain.setValueAtTime(0.0001, start);
    g.gain.exponentialRampToValueAtTime(0.12, start + 0.02);
    g.gain.exponentialRampToValueAtTime(0.0001, start + len);
    o.connect(g);
    g.connect(audio.destination);
    o.start(start);
    o.stop(start + len + 0.02);
  }
  function beep() {
    if (!audio || audio.state !== 'running') return;
    var t = audio.currentTime;
    tone(988, t, 0.22);
    tone(740, t + 0.3, 0.22);
  }

  // ---- Alarms: one red banner per critical ticket nobody has accepted.
  var alarms = {};
  var alarmBox = document.getElementById('alarms');
  var beepTimer = null;

  function renderAlarms() {
    if (!alarmBox) return;
    alarmBox.textContent = '';
    var ids = Object.keys(alarms);
    ids.forEach(function (id) {
      var a = alarms[id];
      var div = el('div', 'alarm' + (a.overdue ? ' alarm-overdue' : ''));
      div.setAttribute('role', 'alert');
      div.dataset.ticketId = id;
      var head = a.overdue
        ? L('特急工单超时未签收：', 'Critical ticket not accepted in time: ')
        : L('特急工单待签收：', 'Critical ticket waiting to be accepted: ');
      div.appendChild(el('strong', null, head));
      var link = el('a', null, a.number + ' ' + a.title);
      link.href = '/tickets/' + id;
      div.appendChild(link);
      alarmBox.appendChild(div);
    });
    body.classList.toggle('has-alarm', ids.length > 0);
    if (ids.length && !beepTimer) {
      beep();
      beepTimer = setInterval(beep, 2500);
    } else if (!ids.length && beepTimer) {
      clearInterval(beepTimer);
      beepTimer = null;
    }
  }

  // Notices that arrive while /alarms is being fetched are newer than its answer: they are
  // kept and applied again on top of it.
  var alarmsLoading = null;
  function alarmOf(x) {
    return { number: x.number, title: x.title, overdue: leader && !!x.critical_overdue };
  }
  function applyAlarm(n) {
    if (n.critical_unaccepted) alarms[n.ticket_id] = alarmOf(n);
    else delete alarms[n.ticket_id];
  }
  function noteAlarm(n) {
    if (alarmsLoading) alarmsLoading.push(n);
    applyAlarm(n);
    renderAlarms();
  }

  function loadAlarms() {
    var since = alarmsLoading = [];
    var done = function () { if (alarmsLoading === since) alarmsLoading = null; };
    fetch('/alarms', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (list) {
        done();
        if (!Array.isArray(list)) return;
        alarms = {};
        list.forEach(function (a) { alarms[a.ticket_id] = alarmOf(a); });
        since.forEach(applyAlarm);
        renderAlarms();
      })
      .catch(done);
  }

  // ---- Live queues: a notice refreshes the table in place, keeping the scroll position.
  // Notices come in bursts (registered, then dispatched a moment later) and fetches may
  // finish out of order: only the newest fetch's answer is shown, and the table it replaces
  // is looked up when it arrives, not when the notice came.
  var refreshTimer = null;
  var refreshSeq = 0;
  function queueBody() {
    var table = document.querySelector('table[data-live-queue]');
    return table ? table.closest('.queue-body') : null;
  }
  function refreshQueues() {
    if (!queueBody()) return;
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(function () {
      var seq = ++refreshSeq;
      fetch(location.href, { credentials: 'same-origin', headers: { 'X-Requested-With': 'fetch' } })
        .then(function (r) { return r.ok && !r.redirected ? r.text() : null; })
        .then(function (html) {
          if (!html || seq !== refreshSeq) return;
          var tpl = document.createElement('template');
          tpl.innerHTML = html;
          var fresh = tpl.content.querySelector('.queue-body');
          var old = queueBody();
          if (!fresh || !old) return;
          var before = {};
          old.querySelectorAll('tr[data-ticket-id]').forEach(function (tr) { before[tr.dataset.ticketId] = true; });
          var x = window.scrollX, y = window.scrollY;
          fresh.querySelectorAll('tr[data-ticket-id]').forEach(function (tr) {
            if (!before[tr.dataset.ticketId]) tr.classList.add('fresh');
          });
          old.replaceWith(fresh);
          window.scrollTo(x, y);
        })
        .catch(function () {});
    }, 300);
  }

  // ---- Ticket page: say so when someone else changed this ticket.
  var ticketEl = document.getElementById('ticket');
  function noteTicket(n) {
    if (!ticketEl || String(n.ticket_id) !== ticketEl.dataset.ticketId) return;
    if (document.getElementById('ticket-changed')) return;
    var div = el('div', 'flash warn', L('此工单刚有更新。', 'This ticket has just changed. '));
    div.id = 'ticket-changed';
    div.setAttribute('role', 'status');
    var a = el('a', null, L('刷新查看', 'Reload'));
    a.href = location.pathname;
    div.appendChild(a);
    ticketEl.parentNode.insertBefore(div, ticketEl);
  }

  var es = null;
  function connect() {
    if (!window.EventSource) { loadAlarms(); return; }
    var stream = new EventSource('/events');
    es = stream;
    // data-stream says whether this screen is live, for styles and for the browser tests.
    stream.onopen = function () {
      body.dataset.stream = 'open';
      loadAlarms();
    };
    stream.onerror = function () {
      if (stream.readyState !== EventSource.OPEN) body.dataset.stream = 'closed';
    };
    stream.onmessage = function (ev) {
      var n;
      try { n = JSON.parse(ev.data); } catch (e) { return; }
      noteAlarm(n);
      noteTicket(n);
      refreshQueues();
    };
    stream.addEventListener('reload', function () {
      loadAlarms();
      refreshQueues();
    });
  }
  connect();
  // On a phone the menu is one sideways-scrolling row: bring the current page's item into it.
  var onItem = document.querySelector('header.top nav a.on');
  if (onItem && onItem.parentNode.scrollWidth > onItem.parentNode.clientWidth) {
    onItem.parentNode.scrollLeft = onItem.offsetLeft - onItem.parentNode.clientWidth / 2 + onItem.offsetWidth / 2;
  }
  // A page kept in the back-forward cache must not keep its stream open: a browser allows
  // six connections to one host, so six cached pages stall the next page for a minute.
  // Coming back from the cache, the page reconnects and catches up.
  window.addEventListener('pagehide', function () {
    if (es) { es.close(); es = null; }
    body.dataset.stream = 'closed';
  });
  window.addEventListener('pageshow', function (e) {
    if (e.persisted && !es) {
      connect();
      refreshQueues();
    }
  });

  // ---- Intake.
  var form = document.getElementById('intake-form');
  if (!form) return;
  var content = document.getElementById('content');
  var submit = document.getElementById('intake-submit');
  var hhQ = document.getElementById('household_q');
  var hhId = document.getElementById('household_id');
  var hhList = document.getElementById('household-results');
  var hhChosen = document.getElementById('household-chosen');

  form.addEventListener('keydown', function (e) {
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
      e.preventDefault();
      if (form.requestSubmit) form.requestSubmit(submit); else submit.click();
    }
  });

  // Triage: ask /api/v1/triage and fill what it suggests; the agent has the last word, and
  // the suggestion is saved beside the choice.
  var triageBtn = document.getElementById('triage-btn');
  var triageStatus = document.getElementById('triage-status');
  var panel = document.getElementById('triage-panel');
  var reasonsEl = document.getElementById('triage-reasons');
  var summary = document.getElementById('triage-summary');
  var suggestion = document.getElementById('suggestion');
  var care = {};
  try { care = JSON.parse(panel.dataset.care || '{}'); } catch (e) { care = {}; }
  var FIELD = {
    category: L('类别', 'Category'), urgency: L('紧急程度', 'Urgency'), care: L('重点人群', 'Key population'),
    epidemic: L('涉疫', 'Epidemic'), negated: L('已排除', 'Ruled out'), input: L('输入', 'Input'),
    model: L('模型', 'Model'), runner_up: L('次选', 'Runner-up'), verify: L('请核实', 'Check')
  };

  function optionText(select, value) {
    if (!select) return value;
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === value) return select.options[i].text;
    }
    return value;
  }
  function urgencyText(code) {
    var r = document.getElementById('urgency-' + code);
    var tag = r && r.parentNode.querySelector('.tag');
    return tag ? tag.textContent : code;
  }

  function applyTriage(s) {
    var cat = document.getElementById('category');
    if (s.category && cat && cat.querySelector('option[value="' + s.category.replace(/[^a-z0-9_]/g, '') + '"]')) {
      cat.value = s.category;
    }
    var u = document.getElementById('urgency-' + s.urgency);
    if (u) u.checked = true;
    var epi = document.getElementById('epidemic');
    if (epi && typeof s.epidemic_related === 'boolean') epi.checked = s.epidemic_related;
    var area = document.getElementById('area_id');
    if (area) area.value = s.compound_id ? s.compound_id : '';
    if (s.household_id && hhId) {
      hhId.value = s.household_id;
      // A nearest match is a guess: say so, so the agent checks the door with the caller.
      var approx = s.household_exact === false;
      if (hhChosen) {
        hhChosen.textContent = (s.household_address || ('#' + s.household_id)) +
          (approx ? L('（近似匹配，请与来电人核对门牌）', ' (nearest match: check the address with the caller)') : '');
        hhChosen.classList.toggle('approx', approx);
      }
    }
    suggestion.value = JSON.stringify(s);
    reasonsEl.textContent = '';
    // One line per reason: the same phrase can fire for a field more than once.
    var seen = {};
    (s.reasons || []).forEach(function (r) {
      var key = r.field + '|' + r.value + '|' + r.phrase;
      if (seen[key]) return;
      seen[key] = true;
      var li = el('li');
      li.appendChild(el('span', 'r-field', FIELD[r.field] || r.field));
      // The model's answers name their field in the value: "urgency:critical".
      var f = r.field, v = r.value;
      if ((f === 'model' || f === 'runner_up') && v.indexOf(':') > 0) {
        f = v.split(':')[0]; v = v.split(':')[1];
      }
      var value = f === 'category' ? optionText(cat, v)
        : f === 'urgency' ? urgencyText(v)
        : f === 'care' ? (care[v] || v) : (f === 'verify' ? '' : v);
      li.appendChild(document.createTextNode(' ' + value + ' '));
      li.appendChild(el('q', null, r.phrase));
      reasonsEl.appendChild(li);
    });
    var bits = [optionText(cat, s.category), urgencyText(s.urgency)];
    if (s.epidemic_related) bits.push(L('涉疫', 'epidemic'));
    (s.care_signals || []).forEach(function (c) { bits.push(care[c] || c); });
    if (typeof s.confidence === 'number') bits.push(L('置信度 ', 'confidence ') + Math.round(s.confidence * 100) + '%');
    summary.textContent = bits.join(' · ');
    panel.hidden = false;
    checkDowngrade();
  }

  // The server triages again on save and keeps a critical or urgent finding unless a
  // reason is given: say so before the agent presses Enter.
  var SEVERITY = { critical: 3, urgent: 2, normal: 1, consult: 0 };
  var downgradeWarning = document.getElementById('downgrade-warning');
  function checkDowngrade() {
    if (!downgradeWarning) return;
    var s = null;
    try { s = JSON.parse(suggestion.value || 'null'); } catch (e) { s = null; }
    var picked = form.querySelector('input[name="urgency"]:checked');
    var binding = s && (s.urgency === 'critical' || s.urgency === 'urgent');
    var lower = binding && picked && SEVERITY[picked.value] < SEVERITY[s.urgency];
    downgradeWarning.hidden = !lower;
    downgradeWarning.textContent = lower
      ? L('分诊建议为“' + urgencyText(s.urgency) + '”：保存时将按此登记，除非填写降级原因。',
          'Triage suggests ' + urgencyText(s.urgency) + ': the ticket will be saved so unless you give a reason for the lower urgency.')
      : '';
  }
  form.querySelectorAll('input[name="urgency"]').forEach(function (r) {
    r.addEventListener('change', checkDowngrade);
  });

  function triage() {
    var text = content.value.trim();
    if (!text) { content.focus(); return; }
    triageStatus.textContent = L('识别中…', 'Working…');
    fetch('/api/v1/triage', {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        'Content-Type': 'application/json',
        'Accept': 'application/json',
        'Accept-Language': zh ? 'zh' : 'en',
        'X-CSRF-Token': csrf
      },
      body: JSON.stringify({ text: text })
    })
      .then(function (r) {
        return r.json().then(function (j) { return { ok: r.ok, j: j }; });
      })
      .then(function (res) {
        if (!res.ok) {
          triageStatus.textContent = (res.j && res.j.detail) || L('识别失败', 'Could not suggest');
          return;
        }
        applyTriage(res.j);
        triageStatus.textContent = L('已按识别结果预填，请核对。', 'Filled in from the suggestion; please check.');
      })
      .catch(function () { triageStatus.textContent = L('识别失败，请手动选择。', 'Could not suggest; choose by hand.'); });
  }

  if (triageBtn) {
    triageBtn.hidden = false;
    triageBtn.addEventListener('click', triage);
    document.addEventListener('keydown', function (e) {
      if (e.altKey && !e.ctrlKey && (e.code === 'KeyA' || e.key === 'a' || e.key === 'A')) {
        e.preventDefault();
        triage();
      }
    });
  }

  // Household picker: type part of an address, a phone or a name; pick with the keyboard.
  var hhTimer = null;
  var hhSeq = 0;
  function pick(h) {
    hhId.value = h.id;
    hhChosen.textContent = h.address + (h.residents ? '（' + h.residents + '）' : '');
    hhList.textContent = '';
    hhQ.value = h.address;
  }
  function showHits(hits) {
    hhList.textContent = '';
    hits.forEach(function (h) {
      var li = el('li');
      var b = el('button', 'pick');
      b.type = 'button';
      b.appendChild(el('strong', null, h.address));
      b.appendChild(el('span', 'muted', ' ' + [h.residents, h.phones].filter(Boolean).join(' ')));
      if (h.care) b.appendChild(el('span', 'tag care', h.care));
      b.addEventListener('click', function () { pick(h); content.focus(); });
      li.appendChild(b);
      hhList.appendChild(li);
    });
    if (!hits.length && hhQ.value.trim().length >= 2) {
      hhList.appendChild(el('li', 'muted', L('没有找到匹配的住户。', 'No household matches.')));
    }
  }
  if (hhQ && hhList) {
    hhQ.addEventListener('input', function () {
      clearTimeout(hhTimer);
      var q = hhQ.value.trim();
      if (q.length < 2) { hhList.textContent = ''; return; }
      hhTimer = setTimeout(function () {
        var seq = ++hhSeq;
        fetch('/tickets/households?q=' + encodeURIComponent(q), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (hits) { if (seq === hhSeq) showHits(hits); })
          .catch(function () {});
      }, 250);
    });
    hhQ.addEventListener('keydown', function (e) {
      var first = hhList.querySelector('button.pick');
      if (e.key === 'ArrowDown' && first) { e.preventDefault(); first.focus(); }
      if (e.key === 'Enter') { e.preventDefault(); if (first) first.click(); }
      if (e.key === 'Escape') hhList.textContent = '';
    });
    hhList.addEventListener('keydown', function (e) {
      var b = document.activeElement;
      if (!b || !b.classList.contains('pick')) return;
      var li = b.parentNode;
      var next = e.key === 'ArrowDown' ? li.nextElementSibling : e.key === 'ArrowUp' ? li.previousElementSibling : null;
      if (next && next.querySelector('button')) { e.preventDefault(); next.querySelector('button').focus(); }
      else if (e.key === 'ArrowUp') { e.preventDefault(); hhQ.focus(); }
      else if (e.key === 'Escape') { hhList.textContent = ''; hhQ.focus(); }
    });
  }
})();
