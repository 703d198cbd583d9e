// Checks recorded HTTP responses against docs/openapi.json (ctest
// openapi_responses). Usage: node check_responses.mjs DOC RECORDS...
// Each RECORDS file holds JSON lines {"method","target","status","headers",
// "body"} written by tests/support/http_client.cpp. Every record must match
// an operation and one of its documented statuses (an unknown status fails),
// carry the response's required headers with values of their schemas, and
// have a body of the documented media type and schema. A path the document
// does not have must be a 404 (components/responses/NotFound); a method it
// does not list for a path a 405 (MethodNotAllowed) whose Allow header names
// exactly the documented methods. An empty or missing file fails.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(process.env.MICROSHOP_NODE_MODULES + "/");
const Ajv2020 = require("ajv/dist/2020").default;
const addFormats = require("ajv-formats");

const [docPath, ...files] = process.argv.slice(2);
if (!docPath || files.length === 0) {
  console.error("usage: check_responses.mjs DOC RECORDS...");
  process.exit(2);
}
const doc = JSON.parse(readFileSync(docPath, "utf8"));
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const docId = "https://microshop.invalid/openapi.json";
ajv.addSchema({ ...doc, $id: docId });

const resolve = (x) => {
  while (x && x.$ref) {
    const parts = x.$ref.replace(/^#\//, "").split("/");
    x = parts.reduce((o, k) => o[k.replace(/~1/g, "/").replace(/~0/g, "~")], doc);
  }
  return x;
};
const validators = new Map();
const schemaCheck = (pointer) => {
  if (!validators.has(pointer))
    validators.set(pointer, ajv.getSchema(docId + "#" + pointer) ??
      ajv.compile({ $ref: docId + "#" + pointer }));
  return validators.get(pointer);
};
const esc = (s) => s.replace(/~/g, "~0").replace(/\//g, "~1");

// Path templates, literal ones first; `{file}` may span segments.
const templates = Object.keys(doc.paths)
  .map((t) => ({
    t,
    re: new RegExp("^" + t.replace(/[.*+?^$()|[\]\\]/g, "\\$&")
      .replace(/\{file\}/g, "(.+)").replace(/\{[^}]+\}/g, "([^/]+)") + "$"),
    literal: !t.includes("{"),
  }))
  .sort((a, b) => b.literal - a.literal);
const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

function pathOf(target) {
  let p = target.replace(/^[a-z]+:\/\/[^/]*/i, "");
  p = p.split("?")[0] || "/";
  if (p.length > 1 && p.endsWith("/")) p = p.slice(0, -1);
  return p;
}

function checkResponse(rec, responseRef, pointer, problems) {
  const resp = resolve(responseRef);
  const hdrs = new Map();
  for (const [n, v] of rec.headers) if (!hdrs.has(n)) hdrs.set(n.toLowerCase(), v);
  for (const [name, hRef] of Object.entries(resp.headers ?? {})) {
    const h = resolve(hRef);
    const v = hdrs.get(name.toLowerCase());
    if (v === undefined) {
      if (h.required) problems.push(`required header ${name} missing`);
      continue;
    }
    if (h.schema && !ajv.validate(h.schema, v))
      problems.push(`header ${name}: ${JSON.stringify(v)} ${ajv.errorsText(ajv.errors)}`);
  }
  const content = resp.content;
  if (!content) {
    if (rec.body.length > 0 && rec.method !== "HEAD")
      problems.push(`a body where the document has none`);
    return;
  }
  if (rec.method === "HEAD") return;
  const type = (hdrs.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  const key = Object.keys(content).find((k) => k === type) ??
    Object.keys(content).find((k) => k.endsWith("/*") &&
      (k === "*/*" || type.startsWith(k.slice(0, -1))));
  if (!key) {
    problems.push(`Content-Type ${JSON.stringify(type)} not among ${Object.keys(content)}`);
    return;
  }
  const ptr = `${pointer}/content/${esc(key)}/schema`;
  if (!content[key].schema) return;
  let body = rec.body;
  if (/json/.test(key)) {
    try { body = JSON.parse(rec.body); } catch {
      problems.push(`body is not JSON: ${rec.body.slice(0, 80)}`);
      return;
    }
  }
  const v = resolvePointerValidator(responseRef, pointer, key);
  if (!v(body))
    problems.push(`body: ${ajv.errorsText(v.errors, { dataVar: "body" })}`);
}

// The validator of the schema of media type `key` of the response at
// `pointer` (following the response's own $ref, if any).
function resolvePointerValidator(responseRef, pointer, key) {
  let ptr = pointer;
  let r = responseRef;
  while (r && r.$ref) { ptr = r.$ref.replace(/^#/, ""); r = resolve({ $ref: r.$ref }); }
  return schemaCheck(`${ptr}/content/${esc(key)}/schema`);
}

function check(rec) {
  const path = pathOf(rec.target);
  const m = rec.method.toLowerCase();
  const status = String(rec.status);
  const found = templates.find(({ re }) => re.test(path));
  const problems = [];
  if (!found) {
    if (status !== "404") problems.push(`no such path in the document, yet ${status} (404 expected)`);
    else checkResponse(rec, doc.components.responses.NotFound, "/components/responses/NotFound", problems);
    return { key: `${rec.method} (unknown path) ${status}`, problems };
  }
  const item = doc.paths[found.t];
  const op = item[m];
  if (!op) {
    const key = `${rec.method} ${found.t} ${status}`;
    if (status !== "405") return { key, problems: [`method not in the document, yet ${status} (405 expected)`] };
    checkResponse(rec, doc.components.responses.MethodNotAllowed, "/components/responses/MethodNotAllowed", problems);
    const allow = (rec.headers.find(([n]) => n.toLowerCase() === "allow") ?? [])[1] ?? "";
    const want = methods.filter((x) => item[x]).map((x) => x.toUpperCase()).sort().join(",");
    const got = allow.split(",").map((x) => x.trim()).sort().join(",");
    if (got !== want) problems.push(`Allow: ${allow} (the document: ${want})`);
    return { key, problems };
  }
  const key = `${rec.method} ${found.t} ${status}`;
  const responses = op.responses;
  const code = status in responses ? status : `${status[0]}XX` in responses ? `${status[0]}XX` :
    "default" in responses ? "default" : null;
  if (!code) return { key, problems: [`status ${status} not documented for ${op.operationId}`] };
  checkResponse(rec, responses[code], `/paths/${esc(found.t)}/${m}/responses/${code}`, problems);
  return { key, problems };
}

let total = 0;
let failed = 0;
const seen = new Map();
const failures = new Map();
for (const file of files) {
  let text;
  try { text = readFileSync(file, "utf8"); } catch (e) {
    console.error(`FAIL: ${file}: ${e.message} (did the recording suite run?)`);
    process.exit(1);
  }
  const lines = text.split("\n").filter((l) => l.length > 0);
  if (lines.length === 0) {
    console.error(`FAIL: ${file} has no records`);
    process.exit(1);
  }
  for (const line of lines) {
    const rec = JSON.parse(line);
    ++total;
    const { key, problems } = check(rec);
    seen.set(key, (seen.get(key) ?? 0) + 1);
    if (problems.length) {
      ++failed;
      if (!failures.has(key)) failures.set(key, { n: 0, examples: [] });
      const f = failures.get(key);
      ++f.n;
      if (f.examples.length < 2)
        f.examples.push(`${rec.method} ${rec.target.slice(0, 100)} -> ${rec.status}: ${problems.join("; ")}`);
    }
  }
  console.log(`${file}: ${lines.length} responses`);
}
console.log(`\n${total} responses, ${seen.size} kinds (method, path, status):`);
for (const [k, n] of [...seen].sort()) console.log(`  ${failures.has(k) ? "FAIL" : "ok  "} ${n}\t${k}`);
const unexercised = [];
for (const [t, item] of Object.entries(doc.paths))
  for (const m of methods.filter((x) => item[x]))
    if (![...seen.keys()].some((k) => k.startsWith(`${m.toUpperCase()} ${t} `))) unexercised.push(`${m.toUpperCase()} ${t}`);
if (unexercised.length) console.log(`\nnot exercised by these suites: ${unexercised.join(", ")}`);
if (failed) {
  console.error(`\nFAIL: ${failed} of ${total} responses do not match ${docPath}:`);
  for (const [k, f] of failures) {
    console.error(`  ${k} (${f.n}):`);
    for (const e of f.examples) console.error(`    ${e}`);
  }
  process.exit(1);
}
console.log(`\nOK: every response matches ${docPath}`);
