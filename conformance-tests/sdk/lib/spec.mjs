// OpenAPI 3.0 (Jellyfin 10.11.11 spec) → JSON Schema for ajv, and response validation.
//
// Every operation in the spec becomes a (method, case-insensitive path regex) entry. A response is
// mapped to the most literal matching path (`/Items/Latest` wins over `/Items/{itemId}`), then
// its body is validated against `responses[status].content['application/json'].schema`.
// `nullable: true` becomes a `null` alternative; `additionalProperties: false` is kept as the
// spec says (Jellyfin's DTOs declare it), anything the spec leaves open stays open.

import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

const REF_PREFIX = '#/components/schemas/';
const SPEC_ID = 'jellyfin-spec';

/** Converts one OpenAPI 3.0 schema node to JSON Schema (draft-07, as ajv 8 reads it). */
export function convertSchema(node) {
    if (Array.isArray(node)) return node.map(convertSchema);
    if (node === null || typeof node !== 'object') return node;
    const out = {};
    for (const [key, value] of Object.entries(node)) {
        switch (key) {
            case 'nullable':
            case 'example':
            case 'xml':
            case 'externalDocs':
            case 'discriminator':
                break;
            case '$ref':
                out.$ref = value.startsWith(REF_PREFIX)
                    ? `${SPEC_ID}#/definitions/${value.slice(REF_PREFIX.length)}`
                    : value;
                break;
            case 'properties':
                out.properties = Object.fromEntries(
                    Object.entries(value).map(([name, schema]) => [name, convertSchema(schema)])
                );
                break;
            case 'items':
            case 'not':
                out[key] = convertSchema(value);
                break;
            case 'additionalProperties':
                out[key] = typeof value === 'object' ? convertSchema(value) : value;
                break;
            case 'allOf':
            case 'anyOf':
            case 'oneOf':
                out[key] = value.map(convertSchema);
                break;
            default:
                out[key] = value;
        }
    }
    if (node.nullable === true) {
        if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
        const composite = out.$ref || out.allOf || out.anyOf || out.oneOf;
        if (typeof out.type === 'string' && !composite) {
            out.type = [out.type, 'null'];
        } else if (!composite && out.type === undefined) {
            // nullable with no type: anything goes already
        } else {
            const { description, ...rest } = out;
            return description === undefined
                ? { anyOf: [{ type: 'null' }, rest] }
                : { description, anyOf: [{ type: 'null' }, rest] };
        }
    }
    return out;
}

function escapeRegex(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `/Items/{itemId}/Images/{imageType}` → case-insensitive RegExp + literal weight. */
function compilePath(template) {
    let literal = 0;
    const parts = template.split('/').map(segment => {
        const pieces = segment.split(/(\{[^}]+\})/).filter(p => p !== '');
        return pieces
            .map(p => {
                if (p.startsWith('{')) return '[^/]+';
                literal += p.length;
                return escapeRegex(p);
            })
            .join('');
    });
    return { regex: new RegExp(`^${parts.join('/')}/?$`, 'i'), literal };
}

/** Renders an ajv instancePath (`/Items/0/UserData`) as `$.Items[0].UserData`. */
function jsonPath(instancePath) {
    if (!instancePath) return '$';
    return '$' + instancePath
        .split('/')
        .slice(1)
        .map(seg => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
        .map(seg => (/^\d+$/.test(seg) ? `[${seg}]` : `.${seg}`))
        .join('');
}

function describeError(err) {
    const where = jsonPath(err.instancePath);
    switch (err.keyword) {
        case 'additionalProperties':
            return `${where}: property '${err.params.additionalProperty}' is not in the schema (additionalProperties: false)`;
        case 'required':
            return `${where}: missing required property '${err.params.missingProperty}'`;
        case 'enum':
            return `${where}: value not in enum [${err.params.allowedValues.filter(v => v !== null).slice(0, 8).join(', ')}${err.params.allowedValues.length > 8 ? ', …' : ''}]`;
        case 'type':
            return `${where}: must be ${err.params.type}`;
        case 'format':
            return `${where}: must match format "${err.params.format}"`;
        default:
            return `${where}: ${err.message}`;
    }
}

function short(value) {
    let text;
    try {
        text = JSON.stringify(value);
    } catch {
        text = String(value);
    }
    if (text === undefined) text = String(value);
    return text.length > 60 ? text.slice(0, 57) + '…' : text;
}

function valueAt(data, instancePath) {
    let cur = data;
    for (const seg of instancePath.split('/').slice(1)) {
        if (cur === null || typeof cur !== 'object') return undefined;
        cur = cur[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    return cur;
}

export class Spec {
    constructor(path) {
        this.doc = JSON.parse(readFileSync(path, 'utf8'));
        this.version = this.doc.info?.version;
        this.ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true });
        addFormats(this.ajv, ['date-time', 'date', 'time', 'uri', 'email']);
        // Jellyfin writes GUIDs as 32 hex digits ("N"); the dashed form is a valid uuid too.
        this.ajv.addFormat('uuid', /^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i);
        this.ajv.addFormat('int32', {
            type: 'number',
            validate: n => Number.isInteger(n) && n >= -2147483648 && n <= 2147483647,
        });
        this.ajv.addFormat('int64', { type: 'number', validate: n => Number.isInteger(n) });
        this.ajv.addFormat('float', { type: 'number', validate: () => true });
        this.ajv.addFormat('double', { type: 'number', validate: () => true });
        this.ajv.addFormat('binary', { type: 'string', validate: () => true });
        const definitions = {};
        for (const [name, schema] of Object.entries(this.doc.components?.schemas ?? {})) {
            definitions[name] = convertSchema(schema);
        }
        this.ajv.addSchema({ $id: SPEC_ID, definitions });

        this.operations = [];
        for (const [template, item] of Object.entries(this.doc.paths)) {
            const { regex, literal } = compilePath(template);
            for (const [method, op] of Object.entries(item)) {
                if (!['get', 'post', 'put', 'delete', 'head', 'patch', 'options'].includes(method)) continue;
                this.operations.push({ method: method.toUpperCase(), template, regex, literal, op });
            }
        }
        this.validators = new Map();
    }

    /** The spec operation for METHOD + server-relative path, or undefined. */
    findOperation(method, path) {
        let best;
        for (const entry of this.operations) {
            if (entry.method !== method.toUpperCase() || !entry.regex.test(path)) continue;
            if (!best || entry.literal > best.literal) best = entry;
        }
        return best;
    }

    validatorFor(entry, status) {
        const key = `${entry.method} ${entry.template} ${status}`;
        if (this.validators.has(key)) return this.validators.get(key);
        const response = entry.op.responses?.[String(status)];
        let result;
        if (!response) {
            result = { declared: false };
        } else {
            const content = response.content ?? {};
            const jsonType = Object.keys(content).find(t => t === 'application/json')
                ?? Object.keys(content).find(t => t.includes('json'));
            if (!jsonType) {
                result = { declared: true, json: false, types: Object.keys(content) };
            } else {
                const schema = content[jsonType].schema ?? {};
                result = { declared: true, json: true, validate: this.ajv.compile(convertSchema(schema)) };
            }
        }
        this.validators.set(key, result);
        return result;
    }

    /**
     * Checks one response. Returns a list of problem strings (empty when it conforms).
     * `body` is the parsed JSON (or the raw text/empty string); `contentType` the header.
     */
    checkResponse(method, path, status, contentType, body) {
        const entry = this.findOperation(method, path);
        if (!entry) {
            return [`${method} ${path}: no operation in the spec matches this route`];
        }
        const name = `${entry.method} ${entry.template} (${entry.op.operationId})`;
        const v = this.validatorFor(entry, status);
        const isJsonType = /json/i.test(contentType ?? '');
        const hasBody = !(body === undefined || body === null || body === '');
        if (!v.declared) {
            const declared = Object.keys(entry.op.responses ?? {}).filter(s => /^2/.test(s));
            return [`${name}: status ${status} is not declared by the spec (declares ${declared.join(', ') || 'none'})`];
        }
        if (!v.json) {
            if (v.types.length === 0 && hasBody) {
                return [`${name}: status ${status} has no body in the spec, but the server sent ${short(body)}`];
            }
            return [];
        }
        const problems = [];
        if (!/^application\/json\b/i.test(contentType ?? '')) {
            problems.push(`${name}: Content-Type is '${contentType ?? '(none)'}', the spec declares application/json`);
            if (!isJsonType && typeof body === 'string' && body !== '') {
                try {
                    body = JSON.parse(body);
                } catch {
                    return [...problems, `${name}: body is not JSON`];
                }
            }
        }
        if (!v.validate(body)) {
            const seen = new Set();
            for (const err of v.validate.errors ?? []) {
                // The `null` branch of a nullable anyOf and the anyOf summary itself add no information.
                if (err.keyword === 'type' && err.params.type === 'null') continue;
                if (err.keyword === 'anyOf' || err.keyword === 'if') continue;
                const got = err.keyword === 'additionalProperties'
                    ? valueAt(body, err.instancePath)?.[err.params.additionalProperty]
                    : valueAt(body, err.instancePath);
                const text = `${describeError(err)} (got ${short(got)})`;
                if (seen.has(text)) continue;
                seen.add(text);
                problems.push(`${name} ${text}`);
            }
            if (seen.size === 0) problems.push(`${name}: body does not match the schema`);
        }
        return problems;
    }
}
