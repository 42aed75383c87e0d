// The operations dashboard: each panel polls its own endpoint under /ops/api/ and renders into its
// section; a failure marks only that panel. Plain DOM and inline SVG: nothing is loaded from elsewhere.
'use strict';

const SERVICE_COLORS = { gateway: '#0969da', registry: '#8250df', dispatch: '#1a7f37', evaluation: '#bf3989' };
const LATENCY_COLORS = { p50: '#0969da', p95: '#b35900', p99: '#b42318' };

// h('td', { class: 'num' }, 'text', child...): text is always text, never markup.
function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) element.addEventListener(key.slice(2), value);
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

function svg(tag, attributes, ...children) {
  const element = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attributes || {})) element.setAttribute(key, String(value));
  for (const child of children.flat()) if (child) element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return element;
}

const fmt = {
  n: v => v === null || v === undefined ? '–' : Number(v).toLocaleString('en-US', { maximumFractionDigits: 2 }),
  ms: v => v === null || v === undefined ? '–' : (v >= 1000 ? (v / 1000).toFixed(2) + ' s' : (v >= 10 ? v.toFixed(0) : v.toFixed(1)) + ' ms'),
  pct: v => v === null || v === undefined ? '–' : (v * 100).toFixed(1) + '%',
  uptime: s => {
    if (s === null || s === undefined) return '–';
    const d = Math.floor(s / 86400), hh = Math.floor(s % 86400 / 3600), mm = Math.floor(s % 3600 / 60);
    return d > 0 ? `${d}d ${hh}h` : hh > 0 ? `${hh}h ${mm}m` : `${mm}m ${Math.floor(s % 60)}s`;
  },
  time: iso => iso ? new Date(iso).toLocaleTimeString('en-GB') : '–',
};

function badge(state, text) { return h('span', { class: `badge ${state}` }, text || state); }

const STATE_LABELS = {
  up: '正常 up', degraded: '降级 degraded', down: '停止 down',
  reachable: '可达 reachable', unreachable: '不可达 unreachable', unknown: '未知 unknown',
};

// A line chart of one or more series (arrays of numbers or nulls) over the hour.
function lineChart(series, { width = 200, height = 64, title, format = fmt.n }) {
  const values = series.flatMap(s => s.values).filter(v => v !== null && v !== undefined);
  const max = Math.max(1e-9, ...values);
  const count = Math.max(...series.map(s => s.values.length), 2);
  const x = i => 2 + i * (width - 4) / (count - 1);
  const y = v => height - 12 - (v / max) * (height - 22);
  const lines = series.map(s => {
    let path = '', pen = false;
    s.values.forEach((v, i) => {
      if (v === null || v === undefined) { pen = false; return; }
      path += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)} `;
      pen = true;
    });
    return svg('path', { d: path || 'M0,0', fill: 'none', stroke: s.color, 'stroke-width': 1.5 });
  });
  return h('div', { class: 'chart' },
    h('div', { class: 'label' }, title, ' · max ', format(values.length ? Math.max(...values) : null)),
    svg('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', height, preserveAspectRatio: 'none', role: 'img', 'aria-label': title },
      svg('line', { class: 'axis', x1: 0, y1: height - 12, x2: width, y2: height - 12 }),
      svg('text', { x: 2, y: height - 2 }, '-60m'),
      svg('text', { x: width - 20, y: height - 2 }, 'now'),
      ...lines));
}

function sparkline(values, color = '#0969da') {
  const max = Math.max(1, ...values);
  const points = values.map((v, i) => `${(i * 100 / Math.max(1, values.length - 1)).toFixed(1)},${(18 - v / max * 16).toFixed(1)}`).join(' ');
  return svg('svg', { viewBox: '0 0 100 20', width: 90, height: 18, preserveAspectRatio: 'none' },
    svg('polyline', { points, fill: 'none', stroke: color, 'stroke-width': 1.2 }));
}

// ---- panels ----

function renderServices(data) {
  const rows = data.services.flatMap(service => service.instances.map((instance, index) => h('tr', { 'data-service': service.service, 'data-state': service.state },
    h('td', {}, index === 0 ? h('strong', {}, service.service) : ''),
    h('td', {}, index === 0 ? badge(service.state, STATE_LABELS[service.state]) : ''),
    h('td', {}, instance.url),
    h('td', {}, badge(instance.alive ? 'ok' : 'bad', instance.alive ? '存活 alive' : '无响应 no answer')),
    h('td', {}, badge(instance.ready ? 'ok' : 'bad', instance.ready ? '就绪 ready' : '未就绪 not ready')),
    h('td', {}, instance.version ? instance.version.split('+')[0] : '–'),
    h('td', { class: 'num' }, fmt.uptime(instance.uptimeSeconds)),
    h('td', { class: 'num', 'data-restarts': instance.restarts }, instance.restarts),
    h('td', { class: 'wrap' }, instance.error ? h('span', { class: 'error-text' }, instance.error) : '',
      instance.clockSkewSeconds ? h('span', { class: 'muted' }, ` clock +${fmt.uptime(instance.clockSkewSeconds)}`) : ''))));
  const infrastructure = data.infrastructure.map(item => h('tr', { 'data-infrastructure': item.name, 'data-state': item.state },
    h('td', {}, h('strong', {}, item.name)), h('td', {}, badge(item.state, STATE_LABELS[item.state] || item.state)), h('td', { class: 'wrap' }, item.detail)));
  return [
    h('table', { id: 'services-table' },
      h('thead', {}, h('tr', {}, ...['服务 Service', '状态 State', '实例 Instance', '存活 Alive', '就绪 Ready', '版本 Version', '运行 Uptime', '重启 Restarts', ''].map(t => h('th', {}, t)))),
      h('tbody', {}, rows)),
    h('table', { id: 'infrastructure-table' },
      h('thead', {}, h('tr', {}, h('th', {}, '基础设施 Infrastructure'), h('th', {}, '状态 State'), h('th', {}, '详情 Detail'))),
      h('tbody', {}, infrastructure)),
  ];
}

function renderTraffic(data) {
  const perSecond = values => values.map(v => v / 60);
  const cards = data.services.map(service => {
    const m = service.minutes;
    const errorRate = m.requests.map((n, i) => n ? (m.errors[i]) / n : null);
    return h('div', { class: 'card', 'data-service': service.service },
      h('h3', {}, service.service, ' ',
        h('span', { class: 'muted' }, `${fmt.n(service.requestsPerSecond)} req/s · 错误 errors ${fmt.pct(service.errorRate)} · p50 ${fmt.ms(service.latency.p50)} · p95 ${fmt.ms(service.latency.p95)} · p99 ${fmt.ms(service.latency.p99)}`)),
      service.error ? h('p', { class: 'error-text' }, `部分实例无数据 · Missing figures: ${service.error}`) : '',
      h('div', { class: 'chart-row' },
        lineChart([{ values: perSecond(m.requests), color: '#0969da' }], { title: '请求/秒 req/s' }),
        lineChart([{ values: errorRate, color: '#b42318' }], { title: '错误率 error rate', format: fmt.pct }),
        lineChart([{ values: m.p50, color: LATENCY_COLORS.p50 }, { values: m.p95, color: LATENCY_COLORS.p95 }, { values: m.p99, color: LATENCY_COLORS.p99 }],
          { title: '延迟 latency p50/p95/p99', format: fmt.ms })));
  });
  const routeRows = data.services.flatMap(s => s.routes).sort((a, b) => b.requests - a.requests).slice(0, 40).map(route =>
    h('tr', { 'data-route': `${route.service} ${route.method} ${route.route}` },
      h('td', {}, route.service), h('td', {}, route.method), h('td', { class: 'wrap' }, route.route),
      h('td', { class: 'num' }, fmt.n(route.requests)), h('td', { class: 'num' }, fmt.n(route.errors)), h('td', { class: 'num' }, fmt.n(route.rejections)),
      h('td', { class: 'num' }, fmt.ms(route.latency.p50)), h('td', { class: 'num' }, fmt.ms(route.latency.p95)), h('td', { class: 'num' }, fmt.ms(route.latency.p99)),
      h('td', {}, sparkline(route.minutes.requests))));
  const slowRows = data.slowestRoutes.map(route => h('tr', {},
    h('td', {}, route.service), h('td', { class: 'wrap' }, `${route.method} ${route.route}`), h('td', { class: 'num' }, fmt.ms(route.latency.p95)),
    h('td', { class: 'num' }, fmt.ms(route.latency.p99)), h('td', { class: 'num' }, fmt.n(route.requests))));
  const callers = (list, id, label) => h('table', { id },
    h('thead', {}, h('tr', {}, h('th', {}, label), h('th', { class: 'num' }, '请求 Requests'), h('th', { class: 'num' }, '失败 Failures'))),
    h('tbody', {}, list.length ? list.map(c => h('tr', { 'data-key': c.key }, h('td', { class: 'wrap' }, c.name ? [c.name, h('br'), h('span', { class: 'muted' }, c.key)] : c.key), h('td', { class: 'num' }, fmt.n(c.requests)), h('td', { class: 'num' }, fmt.n(c.failures))))
      : h('tr', {}, h('td', { colspan: 3, class: 'muted' }, '无 none'))));
  return [
    h('div', { class: 'legend' }, ...Object.entries(LATENCY_COLORS).map(([k, c]) => h('span', {}, h('i', { style: `background:${c}` }), k))),
    h('div', { class: 'charts' }, cards),
    h('h4', {}, '路由 Routes (last hour)'),
    h('table', { id: 'routes-table' },
      h('thead', {}, h('tr', {}, ...['服务 Service', '方法 Method', '路由 Route', '请求 Requests', '5xx', '4xx', 'p50', 'p95', 'p99', '趋势 Trend']
        .map((t, i) => h('th', { class: i >= 3 && i <= 8 ? 'num' : '' }, t)))),
      h('tbody', {}, routeRows)),
    h('div', { class: 'callers' },
      h('div', {}, h('h4', {}, '最慢路由 Slowest routes (p95)'),
        h('table', { id: 'slow-routes' }, h('thead', {}, h('tr', {}, ...['服务 Service', '路由 Route', 'p95', 'p99', '请求 Requests'].map(t => h('th', {}, t)))), h('tbody', {}, slowRows))),
      h('div', {}, h('h4', {}, '失败最多的客户端 Failing clients'), callers(data.failingClients, 'failing-clients', '客户端 Client')),
      h('div', {}, h('h4', {}, '失败最多的县 Failing counties'), callers(data.failingCounties, 'failing-counties', '县 County'))),
  ];
}

function renderMessaging(data) {
  const parts = [];
  if (data.brokerError) parts.push(h('p', { class: 'error-text', id: 'broker-error' }, `RabbitMQ 不可达 · ${data.brokerError}`));
  parts.push(h('p', { class: 'muted' }, `vhost ${data.virtualHost} · 发布 publish ${fmt.n(data.publishRate)}/s · 投递 deliver ${fmt.n(data.deliverRate)}/s`));
  parts.push(h('h4', {}, '错误队列 Error queues'));
  parts.push(data.errorQueues.length === 0 ? h('p', { class: 'muted' }, '无 none') :
    h('table', { id: 'error-queues' },
      h('thead', {}, h('tr', {}, h('th', {}, '队列 Queue'), h('th', { class: 'num' }, '数量 Count'), h('th', {}, '消息类型 Message type'), h('th', {}, '原因 Reason'))),
      h('tbody', {}, data.errorQueues.flatMap(queue => {
        const messages = queue.messages.length ? queue.messages : [{}];
        return messages.map((message, i) => h('tr', { 'data-queue': queue.name, class: queue.count > 0 ? 'has-errors' : '' },
          h('td', {}, i === 0 ? queue.name : ''), h('td', { class: 'num' }, i === 0 ? fmt.n(queue.count) : ''),
          h('td', { class: 'wrap' }, message.messageType || ''),
          h('td', { class: 'wrap error-text' }, message.reason ? `${message.exceptionType ? message.exceptionType.split('.').pop() + ': ' : ''}${message.reason}` : '')));
      }))));
  parts.push(h('h4', {}, '出件箱与收件箱 Outbox and inbox'));
  parts.push(h('table', { id: 'outboxes' },
    h('thead', {}, h('tr', {}, ...['服务 Service', '积压 Backlog', '最早 Oldest', '重试中 Retrying', '已发布 Published', '重复 Inbox duplicates'].map(t => h('th', {}, t)))),
    h('tbody', {}, data.services.map(s => h('tr', { 'data-service': s.service },
      h('td', {}, s.service),
      ...(s.figures ? [
        h('td', { class: 'num' }, s.figures.outbox ? fmt.n(s.figures.outbox.backlog) : (s.figures.outboxError ? h('span', { class: 'error-text' }, '数据库不可达 database unreachable') : '–')),
        h('td', { class: 'num' }, s.figures.outbox && s.figures.outbox.oldestAgeSeconds !== null ? fmt.uptime(s.figures.outbox.oldestAgeSeconds) : '–'),
        h('td', { class: 'num' }, s.figures.outbox ? fmt.n(s.figures.outbox.retrying) : '–'),
        h('td', { class: 'num' }, fmt.n(s.figures.published)),
        h('td', { class: 'num', 'data-duplicates': s.figures.inboxDuplicates }, fmt.n(s.figures.inboxDuplicates)),
      ] : [h('td', { colspan: 5, class: 'error-text' }, `${s.service} 不可达 · unreachable: ${s.error}`)]))))));
  parts.push(h('h4', {}, '队列 Queues'));
  parts.push(h('table', { id: 'queues' },
    h('thead', {}, h('tr', {}, ...['队列 Queue', '深度 Depth', '消费者 Consumers', '发布 Publish/s', '投递 Deliver/s'].map((t, i) => h('th', { class: i ? 'num' : '' }, t)))),
    h('tbody', {}, data.queues.map(q => h('tr', { 'data-queue': q.name },
      h('td', { class: 'wrap' }, q.name), h('td', { class: 'num' }, fmt.n(q.depth)), h('td', { class: 'num' }, q.consumers),
      h('td', { class: 'num' }, fmt.n(q.publishRate)), h('td', { class: 'num' }, fmt.n(q.deliverRate)))))));
  return parts;
}

let countyFilter = '';

function renderBusiness(data) {
  if (!data.available) throw new PanelError(`业务数据不可用 · ${data.error}`);
  const counties = data.counties || [];
  const select = document.getElementById('county-filter');
  if (!countyFilter) {
    const known = new Set([...select.options].map(o => o.value));
    for (const c of counties) if (!known.has(c.county)) select.append(h('option', { value: c.county }, `${c.name} ${c.county}`));
  }
  const rows = counties.map(c => h('tr', { 'data-county': c.county },
    h('td', {}, h('strong', {}, c.name), h('br'), h('span', { class: 'muted' }, c.county)),
    h('td', { class: 'num', 'data-field': 'open' }, c.open),
    h('td', { class: 'num' }, `${c.openByTier.simple ?? 0} / ${c.openByTier.ordinary ?? 0} / ${c.openByTier.complex ?? 0} / ${c.openByTier.untriaged ?? 0}`),
    h('td', { class: 'num', 'data-field': 'atRisk' }, c.atRisk ? badge('warn', c.atRisk) : 0),
    h('td', { class: 'num', 'data-field': 'overdue' }, c.overdue ? badge('bad', c.overdue) : 0),
    h('td', { class: 'num', 'data-field': 'escalationsOpen' }, c.escalationsOpen),
    h('td', { class: 'num', 'data-field': 'today' }, `${c.today.placed} / ${c.today.completed}`),
    h('td', { class: 'num' }, fmt.pct(c.month.responded)),
    h('td', { class: 'num' }, fmt.pct(c.month.resolved)),
    h('td', { class: 'num' }, fmt.pct(c.month.satisfied))));
  return [h('table', { id: 'business-table' },
    h('thead', {}, h('tr', {}, ...['县 County', '未办结 Open', '简单/一般/复杂/未分级 by tier', '临期 At risk', '超期 Overdue', '督办 Escalations', '今日 受理/办结 Today placed/completed',
      '响应率 Responded', '解决率 Resolved', '满意率 Satisfied'].map((t, i) => h('th', { class: i ? 'num' : '' }, t)))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 10, class: 'muted' }, '无县 no counties'))))];
}

function renderIntegrations(data) {
  if (!data.webhooks) throw new PanelError(`集成数据不可用 · ${data.error}`);
  const w = data.webhooks, c = data.clients;
  const parts = [
    h('p', { id: 'webhook-summary' },
      `订阅 Subscriptions: ${fmt.n(w.active)} 启用 active · `, w.paused ? badge('warn', `${fmt.n(w.paused)} 暂停 paused`) : '0 暂停 paused',
      ` · 待投递 pending ${fmt.n(w.pending)} (到期 due ${fmt.n(w.due)}, 重试中 retrying ${fmt.n(w.retrying)}, 最早 oldest ${fmt.uptime(w.oldestPendingSeconds)})`,
      ' · 24小时内失败 failed in 24 h ', w.failedLastDay ? badge('bad', fmt.n(w.failedLastDay)) : '0'),
    h('p', { id: 'client-summary', class: 'muted' },
      `客户端 Clients: ${fmt.n(c.countyClients)} 县级 county · ${fmt.n(c.operators)} 运维 operators · ${fmt.n(c.revoked)} 已吊销 revoked · `
      + `${fmt.n(c.counties)} 个县 counties · ${fmt.n(c.activeKeys)} 有效密钥 active keys`),
    h('h4', {}, `需关注的订阅 Subscriptions needing attention (${fmt.n(w.needAttention)})`),
  ];
  parts.push(w.attention.length === 0 ? h('p', { class: 'muted', id: 'webhook-attention-none' }, '无 none') :
    h('table', { id: 'webhook-attention' },
      h('thead', {}, h('tr', {}, ...['县 County', '接收地址 Target', '状态 Status', '连续失败 Failures', '失败自 Failing since', '待投递 Pending', '原因 Reason'].map((t, i) => h('th', { class: i === 3 || i === 5 ? 'num' : '' }, t)))),
      h('tbody', {}, w.attention.map(s => h('tr', { 'data-subscription': s.id, 'data-status': s.status },
        h('td', {}, s.county), h('td', { class: 'wrap' }, s.target),
        h('td', {}, s.status === 'paused' ? badge('bad', '暂停 paused') : badge('warn', '失败中 failing')),
        h('td', { class: 'num' }, fmt.n(s.consecutiveFailures)),
        h('td', {}, s.failingSince ? new Date(s.failingSince).toLocaleString('en-GB') : '–'),
        h('td', { class: 'num', 'data-field': 'pending' }, fmt.n(s.pending)),
        h('td', { class: 'wrap error-text' }, s.pausedReason || s.lastError || ''))))));
  parts.push(h('h4', {}, '近1小时被限流 Rate-limited in the last hour'));
  parts.push(data.limited.length === 0 ? h('p', { class: 'muted', id: 'rate-limited-none' }, '无 none') :
    h('table', { id: 'rate-limited' },
      h('thead', {}, h('tr', {}, ...['限额 Bucket', '名称 Name', '县 County', '限额 Limit', '拒绝 Refused', '最近 Last'].map((t, i) => h('th', { class: i === 4 ? 'num' : '' }, t)))),
      h('tbody', {}, data.limited.map(l => h('tr', { 'data-id': l.id, 'data-policy': l.policy },
        h('td', {}, l.policy === 'county' ? '县 county' : '客户端 client'), h('td', {}, l.name), h('td', {}, l.county || '–'),
        h('td', {}, `${fmt.n(l.permitsPerSecond)}/s, ${fmt.n(l.burst)}`),
        h('td', { class: 'num', 'data-field': 'refused' }, fmt.n(l.refused)), h('td', {}, fmt.time(l.lastRefusedAt)))))));
  return parts;
}

function renderTraces(data) {
  const rows = data.recent.map(span => h('tr', { 'data-trace': span.traceId, class: span.error ? 'failed' : 'slow' },
    h('td', {}, fmt.time(span.start)), h('td', {}, span.service), h('td', { class: 'wrap' }, span.name),
    h('td', { class: 'num' }, fmt.ms(span.durationMs)),
    h('td', {}, span.error ? badge('bad', '失败 failed') : badge('warn', '慢 slow')),
    h('td', { class: 'wrap error-text' }, span.detail || (span.tags && span.tags['http.response.status_code']) || ''),
    h('td', {}, h('a', { href: `#trace=${span.traceId}`, class: 'trace' }, span.traceId.slice(0, 12) + '…'))));
  return [
    data.unreachable.length ? h('p', { class: 'error-text' }, '部分服务无数据 · No spans from: ', data.unreachable.join('; ')) : '',
    h('table', { id: 'recent-traces' },
      h('thead', {}, h('tr', {}, ...['时间 Time', '服务 Service', '名称 Name', '耗时 Duration', '', '原因 Detail', 'Trace'].map(t => h('th', {}, t)))),
      h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 7, class: 'muted' }, '近期无失败或慢请求 no failed or slow requests lately')))),
  ];
}

async function showTrace(traceId) {
  const view = document.getElementById('trace-view');
  view.hidden = false;
  view.replaceChildren(h('p', { class: 'muted' }, `加载 Loading ${traceId}…`));
  try {
    const data = await getJson(`/ops/api/traces/${encodeURIComponent(traceId)}`);
    const spans = data.spans;
    if (!spans.length) {
      view.replaceChildren(h('p', { class: 'muted', id: 'trace-empty' }, `无此链路的 span · No spans of ${traceId} are held any more.`));
      return;
    }
    const start = Math.min(...spans.map(s => Date.parse(s.start)));
    const end = Math.max(...spans.map(s => Date.parse(s.start) + s.durationMs));
    const total = Math.max(1, end - start);
    const byId = new Map(spans.map(s => [s.spanId, s]));
    const depth = s => { let d = 0, p = s.parentSpanId; while (p && byId.has(p) && d < 20) { d++; p = byId.get(p).parentSpanId; } return d; };
    view.replaceChildren(
      h('h4', {}, `Trace ${traceId} · ${spans.length} spans · ${data.services.join(' → ')} · ${fmt.ms(total)}`),
      data.unreachable.length ? h('p', { class: 'error-text' }, '部分服务无数据 · No spans from: ', data.unreachable.join('; ')) : '',
      h('div', { id: 'trace-spans' }, spans.map(s => h('div', { class: `span-row${s.error ? ' error' : ''}`, 'data-service': s.service, 'data-kind': s.kind },
        h('div', { class: 'name', title: `${s.service} ${s.kind} ${s.name}${s.detail ? ' — ' + s.detail : ''}`, style: `padding-left:${depth(s) * 10}px` },
          h('span', { style: `color:${SERVICE_COLORS[s.service] || '#57606a'}` }, s.service), ' ', s.name),
        h('div', { class: 'bar-wrap' }, h('div', { class: 'bar', style:
          `left:${((Date.parse(s.start) - start) / total * 100).toFixed(2)}%;width:${Math.max(0.3, s.durationMs / total * 100).toFixed(2)}%;background:${s.error ? '#b42318' : (SERVICE_COLORS[s.service] || '#57606a')}` })),
        h('div', { class: 'num' }, fmt.ms(s.durationMs))))));
  } catch (error) {
    view.replaceChildren(h('p', { class: 'error-text' }, `无法加载链路 · Could not load the trace: ${error.message}`));
  }
}

// ---- polling ----

class PanelError extends Error {}

async function getJson(url) {
  const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' }, cache: 'no-store' });
  if (response.status === 401 || response.status === 403) {
    location.href = '/ops/login';
    throw new Error('登录已失效 · Logged out');
  }
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

const PANELS = {
  services: { url: () => '/ops/api/services', render: renderServices },
  traffic: { url: () => '/ops/api/traffic', render: renderTraffic },
  messaging: { url: () => '/ops/api/messaging', render: renderMessaging },
  business: { url: () => '/ops/api/business' + (countyFilter ? `?county=${encodeURIComponent(countyFilter)}` : ''), render: renderBusiness },
  integrations: { url: () => '/ops/api/integrations' + (countyFilter ? `?county=${encodeURIComponent(countyFilter)}` : ''), render: renderIntegrations },
  traces: { url: () => '/ops/api/traces', render: renderTraces },
};

async function refresh(name) {
  const panel = PANELS[name];
  const section = document.getElementById(`panel-${name}`);
  const errorBox = section.querySelector('.panel-error');
  try {
    const data = await getJson(panel.url());
    section.querySelector('.body').replaceChildren(...panel.render(data).filter(Boolean));
    errorBox.hidden = true;
    section.dataset.state = 'ok';
    section.querySelector('.updated').textContent = `更新于 Updated ${new Date().toLocaleTimeString('en-GB')}`;
  } catch (error) {
    // The last figures stay visible under the message; the other panels are unaffected.
    errorBox.textContent = error instanceof PanelError ? error.message : `网关不可达 · Gateway unreachable: ${error.message}`;
    errorBox.hidden = false;
    section.dataset.state = 'error';
  }
}

function refreshAll() {
  document.getElementById('clock').textContent = new Date().toLocaleString('en-GB');
  return Promise.all(Object.keys(PANELS).map(refresh));
}

let timer = null;
function schedule() {
  clearInterval(timer);
  const interval = Number(document.getElementById('interval').value);
  if (interval > 0) timer = setInterval(refreshAll, interval);
}

function openTraceFromHash() {
  const match = /trace=([0-9a-fA-F]{32})/.exec(location.hash);
  if (match) {
    document.getElementById('trace-id').value = match[1];
    showTrace(match[1].toLowerCase());
  }
}

document.getElementById('interval').addEventListener('change', schedule);
document.getElementById('county-filter').addEventListener('change', event => { countyFilter = event.target.value; refresh('business'); refresh('integrations'); });
document.getElementById('trace-search').addEventListener('submit', event => {
  event.preventDefault();
  const id = document.getElementById('trace-id').value.trim();
  if (/^[0-9a-fA-F]{32}$/.test(id)) location.hash = `trace=${id}`;
});
window.addEventListener('hashchange', openTraceFromHash);
refreshAll().then(() => { document.body.dataset.loaded = 'true'; });
schedule();
openTraceFromHash();
