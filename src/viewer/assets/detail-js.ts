/**
 * detail.js: one run in full. LLM runs get chat messages as cards (role, content parts, tool
 * calls), their choices likewise and token usage as figures; feedback (evaluations) as key,
 * score, value and comment; errors show their first line, the
 * rest on demand; metadata is a key/value table; everything else is shown as JSON text.
 */
export const DETAIL_JS = String.raw`
import { h } from './dom.js';
import { firstLine, formatClock, formatDuration, parseTime } from './model.js';

const RUN_TYPES = ['llm', 'chain', 'tool', 'retriever', 'embedding', 'prompt', 'parser'];
const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
const isEmpty = (value) => value === undefined || value === null || (isObject(value) && Object.keys(value).length === 0);

export function typeBadge(runType) {
  const known = RUN_TYPES.includes(runType) ? runType : 'other';
  return h('span', { class: 'badge type-' + known }, String(runType));
}

export function renderRun(run, feedback) {
  const start = parseTime(run.start_time);
  const outputs = isObject(run.outputs) ? run.outputs : {};
  const extra = isObject(run.extra) ? run.extra : {};
  return h('article', { class: 'run' },
    header(run, start),
    run.error ? errorBox(String(run.error)) : null,
    Array.isArray(feedback) && feedback.length > 0 ? section('Feedback', feedbackView(feedback), 'feedback') : null,
    isObject(outputs.usage_metadata) ? section('Token usage', usageView(outputs.usage_metadata), 'usage') : null,
    section('Inputs', payload(run.inputs, 'inputs'), 'inputs'),
    run.error && isEmpty(run.outputs) ? null : section('Outputs', payload(outputs, 'outputs'), 'outputs'),
    Array.isArray(run.events) && run.events.length > 0 ? section('Events', eventsView(run.events, start), 'events') : null,
    collapsible('Metadata', extra.metadata, 'metadata', true),
    collapsible('Invocation parameters', extra.invocation_params, 'invocation-params', false),
    collapsible('Runtime', extra.runtime, 'runtime', false),
    h('details', { class: 'section raw' }, h('summary', null, 'Raw run'), h('pre', { class: 'json' }, JSON.stringify(run, null, 2))),
  );
}

function header(run, start) {
  const duration = parseTime(run.end_time) - start;
  return h('header', { class: 'run-head' },
    h('h2', null, typeBadge(run.run_type), ' ', h('span', { class: 'run-name' }, String(run.name))),
    h('p', { class: 'muted' },
      run.error ? h('span', { class: 'status-error' }, 'error') : h('span', { class: 'status-ok' }, 'success'),
      ' · ' + formatDuration(duration) + ' · started ' + formatClock(start),
      run.session_name ? ' · project ' + run.session_name : ''),
    Array.isArray(run.tags) && run.tags.length > 0 ? h('p', { class: 'tags' }, run.tags.map((tag) => h('span', { class: 'tag' }, String(tag)))) : null,
    h('p', { class: 'ids muted' }, 'run ', h('code', null, String(run.id)), run.parent_run_id ? [' · parent ', h('code', null, String(run.parent_run_id))] : null),
  );
}

function section(title, body, name) {
  return h('section', { class: 'section ' + name }, h('h3', null, title), body);
}

function collapsible(title, value, name, open) {
  if (!isObject(value) || Object.keys(value).length === 0) return null;
  return h('details', { class: 'section ' + name, open }, h('summary', null, title + ' (' + Object.keys(value).length + ')'), kvTable(value, true));
}

export function errorBox(text) {
  const lines = text.split('\n').length;
  return h('section', { class: 'error-box', role: 'alert' },
    h('div', { class: 'error-first' }, firstLine(text) || text),
    lines > 1 ? h('details', null, h('summary', null, 'Full error (' + lines + ' lines)'), h('pre', null, text)) : null);
}

/** Inputs or outputs: the parts we know how to show, then whatever else as a key/value table. */
function payload(value, kind) {
  if (!isObject(value)) return isEmpty(value) ? h('p', { class: 'muted' }, 'none') : valueView(value);
  const rest = { ...value };
  const parts = [];
  if (kind === 'inputs' && Array.isArray(value.messages)) {
    parts.push(messageList(value.messages));
    delete rest.messages;
  }
  if (kind === 'inputs' && typeof value.prompt === 'string') {
    parts.push(h('div', { class: 'msg', 'data-role': 'prompt' }, h('header', null, h('span', { class: 'role' }, 'prompt')), h('div', { class: 'text' }, value.prompt)));
    delete rest.prompt;
  }
  if (kind === 'outputs') {
    delete rest.usage_metadata;
    if (Array.isArray(value.choices)) {
      parts.push(h('div', { class: 'choices' }, value.choices.map(choiceView)));
      delete rest.choices;
    }
    if (Array.isArray(value.documents)) {
      parts.push(h('div', { class: 'documents' }, value.documents.map(documentView)));
      delete rest.documents;
    }
  }
  if (Object.keys(rest).length > 0) parts.push(kvTable(rest, false));
  return parts.length > 0 ? h('div', null, parts) : h('p', { class: 'muted' }, 'none');
}

/** OpenAI chat messages; LangChain's batched form (a list of lists) is flattened. */
function messageList(messages) {
  const flat = messages.every(Array.isArray) ? messages.flat() : messages;
  return h('div', { class: 'messages' }, flat.map(messageCard));
}

export function messageCard(message) {
  if (!isObject(message)) return h('div', { class: 'msg' }, valueView(message));
  const role = String(message.role || message.type || 'message');
  const known = ['role', 'type', 'content', 'name', 'tool_calls', 'tool_call_id', 'function_call'];
  const others = Object.fromEntries(Object.entries(message).filter(([key]) => !known.includes(key)));
  const hasCalls = Array.isArray(message.tool_calls) && message.tool_calls.length > 0;
  return h('div', { class: 'msg', 'data-role': role },
    h('header', null,
      h('span', { class: 'role' }, role),
      message.name ? h('span', { class: 'muted' }, String(message.name)) : null,
      message.tool_call_id ? h('span', { class: 'muted' }, 'result of ', h('code', null, String(message.tool_call_id))) : null),
    contentView(message.content, hasCalls || message.function_call),
    hasCalls ? message.tool_calls.map(toolCallView) : null,
    isObject(message.function_call) ? toolCallView({ function: message.function_call }) : null,
    Object.keys(others).length > 0 ? kvTable(others, false) : null);
}

function contentView(content, optional) {
  if (content === undefined || content === null || content === '') return optional ? null : h('div', { class: 'text muted' }, '(no content)');
  if (typeof content === 'string') return h('div', { class: 'text' }, content);
  if (!Array.isArray(content)) return valueView(content);
  return content.map((part) => {
    if (typeof part === 'string') return h('div', { class: 'text' }, part);
    if (!isObject(part)) return valueView(part);
    if (part.type === 'text' && typeof part.text === 'string') return h('div', { class: 'text' }, part.text);
    if (part.type === 'reasoning') return h('div', { class: 'text reasoning' }, h('span', { class: 'part-label' }, 'reasoning'), String(part.reasoning ?? part.text ?? ''));
    if (part.type === 'refusal') return h('div', { class: 'text refusal' }, h('span', { class: 'part-label' }, 'refusal'), String(part.refusal ?? ''));
    if (part.type === 'image_url') {
      const url = String(isObject(part.image_url) ? part.image_url.url : part.image_url);
      return h('div', { class: 'text media' }, h('span', { class: 'part-label' }, 'image'), url.length > 120 ? url.slice(0, 120) + '… (' + url.length + ' chars)' : url);
    }
    return valueView(part);
  });
}

function toolCallView(call) {
  const fn = isObject(call) && isObject(call.function) ? call.function : {};
  return h('div', { class: 'tool-call' },
    h('div', { class: 'tool-head' }, h('span', { class: 'part-label' }, 'tool call'), h('span', { class: 'fn' }, String(fn.name ?? '?')),
      call.id ? h('code', { class: 'muted' }, String(call.id)) : null),
    h('pre', { class: 'json' }, prettyJsonText(fn.arguments)));
}

function choiceView(choice, position) {
  if (!isObject(choice)) return valueView(choice);
  const head = h('div', { class: 'choice-head muted' }, 'choice ' + (choice.index ?? position), choice.finish_reason ? ' · finish: ' + choice.finish_reason : '');
  if (isObject(choice.message)) return h('div', { class: 'choice' }, head, messageCard(choice.message));
  if (typeof choice.text === 'string') return h('div', { class: 'choice' }, head, h('div', { class: 'msg', 'data-role': 'completion' }, h('div', { class: 'text' }, choice.text)));
  return h('div', { class: 'choice' }, head, valueView(choice));
}

function documentView(doc) {
  if (!isObject(doc)) return valueView(doc);
  return h('div', { class: 'msg', 'data-role': 'document' },
    h('header', null, h('span', { class: 'role' }, 'document')),
    h('div', { class: 'text' }, String(doc.page_content ?? '')),
    isObject(doc.metadata) && Object.keys(doc.metadata).length > 0 ? kvTable(doc.metadata, false) : null);
}

export function usageView(usage) {
  const stat = (label, value) => h('div', { class: 'stat' }, h('span', { class: 'stat-value' }, value === undefined ? '–' : String(value)), h('span', { class: 'stat-label' }, label));
  const details = [];
  for (const [key, value] of Object.entries(usage)) {
    if (key === 'input_tokens' || key === 'output_tokens' || key === 'total_tokens') continue;
    if (isObject(value)) {
      const side = key.replace(/_token_details$/, '');
      for (const [detail, count] of Object.entries(value)) details.push([side + ' · ' + detail, count]);
    } else {
      details.push([key, value]);
    }
  }
  return h('div', null,
    h('div', { class: 'stats' }, stat('input', usage.input_tokens), stat('output', usage.output_tokens), stat('total', usage.total_tokens)),
    details.length > 0 ? kvTable(Object.fromEntries(details), false) : null);
}

/** Feedback as LangSmith lists it on a run: the key, then its score, its value and its comment. */
function feedbackView(feedback) {
  return h('div', { class: 'feedback-list' }, feedback.map((item) =>
    h('div', { class: 'feedback-item' },
      h('span', { class: 'fn feedback-key' }, String(item.key)),
      item.score !== undefined && item.score !== null ? h('span', { class: 'stat-value feedback-score' }, String(item.score)) : null,
      item.value !== undefined && item.value !== null ? h('span', { class: 'tag feedback-value' }, typeof item.value === 'string' ? item.value : JSON.stringify(item.value)) : null,
      typeof item.comment === 'string' && item.comment ? h('div', { class: 'text muted feedback-comment' }, item.comment) : null)));
}

function eventsView(events, runStart) {
  return h('div', { class: 'event-list' }, events.map((event) => {
    const at = parseTime(isObject(event) ? event.time : undefined);
    const kwargs = isObject(event) ? event.kwargs : undefined;
    return h('div', { class: 'event' },
      h('div', { class: 'event-head' }, h('span', { class: 'fn' }, String(isObject(event) ? event.name : event)),
        Number.isFinite(at) ? h('span', { class: 'muted' }, '+' + formatDuration(at - runStart)) : null),
      isEmpty(kwargs) ? null : kvTable(kwargs, false));
  }));
}

function kvTable(object, sorted) {
  const entries = Object.entries(object);
  if (sorted) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return h('table', { class: 'kv' }, h('tbody', null, entries.map(([key, value]) => h('tr', null, h('th', null, key), h('td', null, valueView(value))))));
}

export function valueView(value) {
  if (typeof value === 'string') return h('span', { class: 'text' }, value);
  if (value === null || typeof value !== 'object') return h('code', null, String(value));
  return h('pre', { class: 'json' }, JSON.stringify(value, null, 2));
}

/** Tool-call arguments are usually a JSON string: indented when they parse, as they are otherwise. */
function prettyJsonText(value) {
  if (typeof value !== 'string') return JSON.stringify(value ?? null, null, 2);
  try {
    return JSON.stringify(JSON.parse(value), null, 2);
  } catch {
    return value;
  }
}
`;
