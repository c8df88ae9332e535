// yihaotai staff pages: live queues and critical alarms over server-sent events, and the
// intake helpers (triage, household picker, keyboard). Every page works without this file;
// it only adds speed and live updates. No framework, no inline handlers (CSP: script-src 'self').
(function () {
  'use strict';

  var body = document.body;
  if (!body || !body.dataset.live) return;
  var zh = body.dataset.lang !== 'en';
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
  // gesture, so the shift control in the header turns it on once per browser session; the
  // choice is kept in sessionStorage, and a page loaded later resumes the sound at once
  // where the browser allows, or at the first click or key press where it does not.
  // body[data-sound] and the control's data-state say which: off, on, or blocked.
  var SHIFT_KEY = 'yihaotai.shift';
  var audio = null;
  var shiftBtn = document.getElementById('shift-sound');
  function shiftOn() {
    try { return sessionStorage.getItem(SHIFT_KEY) === 'on'; } catch (e) { return false; }
  }
  function remember(on) {
    try {
      if (on) sessionStorage.setItem(SHIFT_KEY, 'on');
      else sessionStorage.removeItem(SHIFT_KEY);
    } catch (e) { /* private mode: the choice lasts for this page */ }
  }
  function soundState() {
    if (!shiftOn()) return 'off';
    return audio && audio.state === 'running' ? 'on' : 'blocked';
  }
  function showSound() {
    var st = soundState();
    body.dataset.sound = st;
    if (!shiftBtn) return;
    shiftBtn.hidden = false;
    shiftBtn.dataset.state = st;
    shiftBtn.setAttribute('aria-pressed', st === 'on' ? 'true' : 'false');
    shiftBtn.textContent = st === 'on'
      ? L('值班中 · 声音开', 'On shift · sound on')
      : st === 'blocked'
        ? L('声音已暂停 · 点此恢复', 'Sound paused · click to resume')
        : L('开始值班 · 开启提示音', 'Start shift · sound on');
    shiftBtn.title = st === 'on'
      ? L('点击关闭提示音', 'Click to turn the sound off')
      : L('特急工单会响铃，直到有人签收', 'Critical tickets ring until someone accepts them');
  }
  function startAudio() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    try {
      if (!audio) {
        audio = new Ctx();
        audio.onstatechange = showSound;
      }
      if (audio.state === 'suspended') {
        var p = audio.resume();
        if (p && p.then) p.then(showSound, showSound);
      }
    } catch (e) { audio = null; }
  }
  // Any gesture resumes a shift whose sound the browser held back after a page load.
  function onGesture(ev) {
    if (shiftBtn && ev.target && shiftBtn.contains(ev.target)) return;
    if (shiftOn() && soundState() !== 'on') { startAudio(); showSound(); }
  }
  document.addEventListener('click', onGesture, true);
  document.addEventListener('keydown', onGesture, true);
  if (shiftBtn) {
    shiftBtn.addEventListener('click', function () {
      if (soundState() === 'on') {
        remember(false);
      } else {
        remember(true);
        startAudio();
        // A short chirp, so the agent hears that the sound works.
        setTimeout(function () { if (soundState() === 'on') chirp(); }, 50);
      }
      showSound();
      renderAlarms();
    });
  }

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
  function chirp() { tone(880, audio.currentTime, 0.12); }
  function beep() {
    if (soundState() !== 'on') return;
    var t = audio.currentTime;
    tone(988, t, 0.22);
    tone(740, t + 0.3, 0.22);
  }

  // ---- Alarms: critical tickets nobody has accepted, as one red bar. One alarm names its
  // ticket, how long it has waited and which agency has it; several collapse into one bar
  // with their count and the longest-waiting one, the rest behind "all N". An alarm whose
  // accept deadline has passed says so on every screen.
  var alarms = {};
  var alarmBox = document.getElementById('alarms');
  var beepTimer = null;
  var tickTimer = null;
  // Server clock minus this clock, from the Date header of /alarms: waiting times and
  // deadlines are the server's, whatever this computer's clock says.
  var skew = 0;
  function now() { return Date.now() + skew; }

  function waited(a) {
    if (!a.registeredAt) return '';
    var m = Math.max(0, Math.floor((now() - a.registeredAt) / 60000));
    if (m < 1) return L('刚刚登记', 'registered just now');
    if (m < 60) return L('已等 ' + m + ' 分钟', 'waiting ' + m + ' min');
    var h = Math.floor(m / 60), r = m % 60;
    return L('已等 ' + h + ' 小时 ' + r + ' 分', 'waiting ' + h + ' h ' + r + ' min');
  }
  function overdue(a) { return !!a.acceptBy && a.acceptBy <= now() || a.overdue; }
  function meta(a) {
    var agency = a.agency ? L('承办：' + a.agency, 'with ' + a.agency) : L('尚未派单', 'not dispatched yet');
    return ' · ' + waited(a) + ' · ' + agency + (overdue(a) ? L(' · 已超过签收时限', ' · past the accept deadline') : '');
  }
  function alarmLink(id, a) {
    var link = el('a', null, a.number + ' ' + a.title);
    link.href = '/tickets/' + id;
    return link;
  }

  function renderAlarms() {
    if (!alarmBox) return;
    alarmBox.textContent = '';
    var ids = Object.keys(alarms).sort(function (x, y) {
      return (alarms[x].registeredAt || 0) - (alarms[y].registeredAt || 0) || x - y;
    });
    if (ids.length) {
      var late = ids.filter(function (id) { return overdue(alarms[id]); }).length;
      var first = alarms[ids[0]];
      var div = el('div', 'alarm' + (late ? ' alarm-overdue' : '') + (ids.length > 1 ? ' alarm-stack' : ''));
      div.setAttribute('role', 'alert');
      div.dataset.ticketId = ids[0];
      div.dataset.count = String(ids.length);
      if (ids.length === 1) {
        div.appendChild(el('strong', null, late
          ? L('特急工单超时未签收：', 'Critical ticket not accepted in time: ')
          : L('特急工单待签收：', 'Critical ticket waiting to be accepted: ')));
        div.appendChild(alarmLink(ids[0], first));
        div.appendChild(el('span', 'alarm-meta', meta(first)));
      } else {
        div.appendChild(el('span', 'alarm-count', String(ids.length)));
        div.appendChild(el('strong', null, L('张特急工单待签收', ' critical tickets waiting to be accepted') +
          (late ? L('，其中 ' + late + ' 张已超时', ', ' + late + ' past the deadline') : '') +
          L('。等得最久：', '. Waiting longest: ')));
        div.appendChild(alarmLink(ids[0], first));
        div.appendChild(el('span', 'alarm-meta', meta(first)));
        var more = el('details', 'alarm-all');
        more.appendChild(el('summary', null, L('全部 ' + ids.length + ' 张', 'All ' + ids.length)));
        var ul = el('ul');
        ids.forEach(function (id) {
          var li = el('li');
          li.dataset.ticketId = id;
          li.appendChild(alarmLink(id, alarms[id]));
          li.appendChild(el('span', 'alarm-meta', meta(alarms[id])));
          ul.appendChild(li);
        });
        more.appendChild(ul);
        // Keep the list open across re-renders once the agent opened it.
        var was = alarmBox.dataset.open === '1';
        more.open = was;
        more.addEventListener('toggle', function () { alarmBox.dataset.open = more.open ? '1' : ''; });
        div.appendChild(more);
      }
      alarmBox.appendChild(div);
    }
    body.classList.toggle('has-alarm', ids.length > 0);
    if (ids.length && !beepTimer) {
      beep();
      beepTimer = setInterval(beep, 2500);
    } else if (!ids.length && beepTimer) {
      clearInterval(beepTimer);
      beepTimer = null;
    }
    // Waiting times and deadlines move on by themselves.
    if (ids.length && !tickTimer) tickTimer = setInterval(renderAlarms, 15000);
    else if (!ids.length && tickTimer) { clearInterval(tickTimer); tickTimer = null; }
  }

  // Notices that arrive while /alarms is being fetched are newer than its answer: they are
  // kept and applied again on top of it.
  var alarmsLoading = null;
  function alarmOf(x) {
    return {
      number: x.number, title: x.title, overdue: !!x.critical_overdue,
      registeredAt: x.registered_at || 0, acceptBy: x.accept_by || 0, agency: x.agency_name || ''
    };
  }
  function applyAlarm(n) {
    if (n.critical_unaccepted) alarms[n.ticket_id] = alarmOf(n);
    else delete alarms[n.ticket_id];
  }
  function noteAlarm(n) {
    if (alarmsLoading) alarmsLoading.push(n);
    var fresh = n.critical_unaccepted && !alarms[n.ticket_id];
    applyAlarm(n);
    renderAlarms();
    if (fresh) beep();
  }

  function loadAlarms() {
    var since = alarmsLoading = [];
    var done = function () { if (alarmsLoading === since) alarmsLoading = null; };
    fetch('/alarms', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) {
        var d = Date.parse(r.headers.get('Date') || '');
        if (!isNaN(d)) skew = d - Date.now();
        return r.ok ? r.json() : null;
      })
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
  if (shiftOn()) startAudio();
  showSound();

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
