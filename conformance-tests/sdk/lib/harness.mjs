// A tiny sequential check runner: one line per check (`ok  name` / `FAIL name: reason`), then
// `N passed, N failed`. Schema problems recorded while a check runs fail that check.

export class CheckFailure extends Error {}

/** Throws a CheckFailure with `message` unless `cond` holds. */
export function assert(cond, message) {
    if (!cond) throw new CheckFailure(typeof message === 'function' ? message() : message);
}

export function fail(message) {
    throw new CheckFailure(message);
}

/** Short JSON rendering for failure messages. */
export function show(value, max = 120) {
    let text;
    try {
        text = JSON.stringify(value);
    } catch {
        text = String(value);
    }
    if (text === undefined) text = String(value);
    return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

/** Describes an axios (or other) error in one line. */
export function describeError(err) {
    if (err instanceof CheckFailure) return err.message;
    if (err?.isAxiosError) {
        const cfg = err.config ?? {};
        let url = cfg.url ?? '';
        try {
            const u = new URL(url, cfg.baseURL);
            url = u.pathname + (u.search.length > 90 ? u.search.slice(0, 89) + '…' : u.search);
        } catch { /* keep raw */ }
        const method = (cfg.method ?? 'get').toUpperCase();
        if (err.response) {
            const body = err.response.data;
            const text = typeof body === 'string' ? body : show(body, 160);
            return `${method} ${url} → HTTP ${err.response.status}${text ? ` ${text.slice(0, 160)}` : ''}`;
        }
        return `${method} ${url} → ${err.code ?? ''} ${err.message}`.trim();
    }
    if (err instanceof Error) return `${err.name}: ${err.message}`;
    return String(err);
}

export class Runner {
    constructor({ timeoutMs = 20000 } = {}) {
        this.timeoutMs = timeoutMs;
        this.passed = 0;
        this.failed = 0;
        this.current = null;
        this.unattributed = [];
    }

    /** Called by the response interceptor with problems found in one response. */
    recordSchemaProblems(problems) {
        if (problems.length === 0) return;
        if (this.current) this.current.schema.push(...problems);
        else this.unattributed.push(...problems);
    }

    async check(name, fn) {
        const state = { name, schema: [] };
        this.current = state;
        let error;
        let timer;
        try {
            await Promise.race([
                Promise.resolve().then(fn),
                new Promise((_, reject) => {
                    timer = setTimeout(
                        () => reject(new CheckFailure(`timed out after ${this.timeoutMs / 1000}s`)),
                        this.timeoutMs
                    );
                }),
            ]);
        } catch (err) {
            error = err;
        } finally {
            clearTimeout(timer);
            this.current = null;
        }
        const reasons = [];
        if (error) reasons.push(describeError(error));
        if (state.schema.length > 0) {
            const unique = [...new Set(state.schema)];
            const shown = unique.slice(0, 6).map(p => `schema: ${p}`);
            if (unique.length > 6) shown.push(`(+${unique.length - 6} more schema problems)`);
            reasons.push(...shown);
        }
        if (reasons.length === 0) {
            this.passed += 1;
            console.log(`ok  ${name}`);
            return true;
        }
        this.failed += 1;
        console.log(`FAIL ${name}: ${reasons.join('; ').replace(/\s*\n\s*/g, ' ')}`);
        return false;
    }

    summary() {
        console.log(`${this.passed} passed, ${this.failed} failed`);
        return this.failed === 0 ? 0 : 1;
    }
}
