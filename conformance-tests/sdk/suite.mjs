// Kinora conformance suite driven by the real @jellyfin/sdk 0.13.0 (modern 10.11 routes, as
// jellyfin-web's SDK calls and Findroid-style clients use them). See README.md.

import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, openSync, readSync, closeSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import axios from 'axios';
import { Jellyfin, MINIMUM_VERSION, RecommendedServerInfoScore } from '@jellyfin/sdk';
import { isVersionLess } from '@jellyfin/sdk/lib/utils/versioning.js';
import {
    getBrandingApi,
    getDisplayPreferencesApi,
    getImageApi,
    getItemsApi,
    getMediaInfoApi,
    getMediaSegmentsApi,
    getPlaystateApi,
    getQuickConnectApi,
    getSessionApi,
    getSystemApi,
    getTvShowsApi,
    getUserApi,
    getUserLibraryApi,
    getUserViewsApi,
} from '@jellyfin/sdk/lib/utils/api/index.js';

import { Runner, assert, fail, show } from './lib/harness.mjs';
import { Spec } from './lib/spec.mjs';
import {
    HEX32,
    expectCoreItem,
    expectFields,
    expectFolderItem,
    expectMediaSource,
    expectMediaStream,
    expectQueryResult,
    expectSession,
    expectUser,
    expectVideoItem,
    is,
    itemLabel,
    USER_DATA_RULES,
} from './lib/fields.mjs';

// ---------------------------------------------------------------------------------------------
// Environment

const env = name => process.env[name] ?? '';
const KINORA_URL = env('KINORA_URL').replace(/\/+$/, '');
const ADMIN_USER = env('KINORA_ADMIN_USER');
const ADMIN_PASSWORD = env('KINORA_ADMIN_PASSWORD');
const API_KEY = env('KINORA_API_KEY');
const MEDIA_DIR = env('KINORA_MEDIA_DIR');
const SPEC_PATH = env('KINORA_SPEC');
const DISCOVERY_PORT = env('KINORA_DISCOVERY_PORT');

const missing = ['KINORA_URL', 'KINORA_ADMIN_USER', 'KINORA_ADMIN_PASSWORD', 'KINORA_MEDIA_DIR', 'KINORA_SPEC']
    .filter(n => !env(n));
if (missing.length > 0) {
    console.log(`FAIL environment: ${missing.join(', ')} not set`);
    console.log('0 passed, 1 failed');
    process.exit(1);
}

const TICKS_PER_SECOND = 10_000_000;
const runner = new Runner({ timeoutMs: 30000 });
const spec = new Spec(SPEC_PATH);

// ---------------------------------------------------------------------------------------------
// Every JSON response the SDK receives is validated against the spec. The SDK uses the global
// axios instance (api.axiosInstance) unless given another; the discovery helpers create their
// own Api objects on the same instance, so they are covered too.

const stats = { validated: 0, responses: [], accepts: new Set() };

function inspectResponse(resp) {
    const cfg = resp.config ?? {};
    let url;
    try {
        url = new URL(cfg.url, cfg.baseURL ?? KINORA_URL);
    } catch {
        return;
    }
    const base = new URL(KINORA_URL);
    if (url.origin !== base.origin) return;
    let path = url.pathname;
    const basePath = base.pathname.replace(/\/+$/, '');
    if (basePath && path.toLowerCase().startsWith(basePath.toLowerCase())) path = path.slice(basePath.length) || '/';
    const method = (cfg.method ?? 'get').toUpperCase();
    const accept = cfg.headers?.Accept ?? cfg.headers?.accept ?? '';
    stats.accepts.add(String(accept));
    const contentType = resp.headers?.['content-type'] ?? '';
    stats.responses.push({ method, path, status: resp.status, contentType, data: resp.data });
    const problems = spec.checkResponse(method, path, resp.status, contentType, resp.data);
    if (/json/i.test(contentType)) stats.validated += 1;
    runner.recordSchemaProblems(problems);
}

axios.interceptors.response.use(
    resp => {
        if (resp.status >= 200 && resp.status < 300) inspectResponse(resp);
        return resp;
    },
    err => Promise.reject(err)
);

/** Requests that are not SDK calls (stream bytes, image bytes, casing probe): no interceptor. */
const raw = axios.create({ timeout: 15000, validateStatus: () => true, maxRedirects: 0 });

// ---------------------------------------------------------------------------------------------
// Client identity, the way jellyfin-web / Findroid construct the SDK.

const deviceId = `kinora-sdk-${randomBytes(6).toString('hex')}`;
const clientInfo = { name: 'Kinora Conformance SDK', version: '0.13.0' };
const deviceInfo = { name: 'Node SDK Runner (ü)', id: deviceId };
const jellyfin = new Jellyfin({ clientInfo, deviceInfo });
const api = jellyfin.createApi(KINORA_URL);

/** Browser-like device profile (modelled on jellyfin-web's Chrome profile; no HEVC). */
const BROWSER_PROFILE = {
    Name: 'Kinora conformance browser-like profile',
    MaxStreamingBitrate: 120000000,
    MaxStaticBitrate: 100000000,
    MusicStreamingTranscodingBitrate: 384000,
    DirectPlayProfiles: [
        { Container: 'mp4,m4v', Type: 'Video', VideoCodec: 'h264,vp9,av1', AudioCodec: 'aac,mp3,opus,flac' },
        { Container: 'mkv', Type: 'Video', VideoCodec: 'h264,vp9,av1', AudioCodec: 'aac,mp3,opus,flac' },
        { Container: 'webm', Type: 'Video', VideoCodec: 'vp8,vp9,av1', AudioCodec: 'vorbis,opus' },
        { Container: 'mp3', Type: 'Audio' },
        { Container: 'aac', Type: 'Audio' },
    ],
    TranscodingProfiles: [
        {
            Container: 'ts', Type: 'Video', AudioCodec: 'aac,mp3', VideoCodec: 'h264', Context: 'Streaming',
            Protocol: 'hls', MaxAudioChannels: '2', MinSegments: 1, BreakOnNonKeyFrames: true,
        },
        { Container: 'mp4', Type: 'Video', AudioCodec: 'aac', VideoCodec: 'h264', Context: 'Static', Protocol: 'http' },
    ],
    ContainerProfiles: [],
    CodecProfiles: [
        {
            Type: 'Video', Codec: 'h264',
            Conditions: [
                { Condition: 'NotEquals', Property: 'IsAnamorphic', Value: 'true', IsRequired: false },
                { Condition: 'EqualsAny', Property: 'VideoProfile', Value: 'high|main|baseline|constrained baseline', IsRequired: false },
                { Condition: 'LessThanEqual', Property: 'VideoLevel', Value: '52', IsRequired: false },
            ],
        },
    ],
    SubtitleProfiles: [
        { Format: 'vtt', Method: 'External' },
        { Format: 'ass', Method: 'External' },
        { Format: 'ssa', Method: 'External' },
    ],
    ResponseProfiles: [{ Type: 'Video', Container: 'm4v', MimeType: 'video/mp4' }],
};

/** A profile that direct-plays only mp4 (e.g. Safari-like): an mkv must not direct play. */
const MP4_ONLY_PROFILE = {
    ...BROWSER_PROFILE,
    Name: 'Kinora conformance mp4-only profile',
    DirectPlayProfiles: [{ Container: 'mp4,m4v', Type: 'Video', VideoCodec: 'h264', AudioCodec: 'aac' }],
};

// ---------------------------------------------------------------------------------------------
// Shared state filled by earlier checks; later checks say which prerequisite is missing.

const ctx = {};
function need(key, what) {
    if (ctx[key] === undefined || ctx[key] === null) fail(`prerequisite missing: ${what}`);
    return ctx[key];
}

const sameSet = (a, b) => a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
const problemsToFailure = problems => {
    if (problems.length > 0) {
        const shown = problems.slice(0, 8);
        if (problems.length > 8) shown.push(`(+${problems.length - 8} more)`);
        fail(shown.join('; '));
    }
};

/** The file on this machine for a path the server reports. */
function localFile(serverPath) {
    if (typeof serverPath !== 'string' || serverPath === '') return undefined;
    if (existsSync(serverPath)) return serverPath;
    for (const lib of ['movies', 'tv', 'home']) {
        const i = serverPath.lastIndexOf(`/${lib}/`);
        if (i >= 0) {
            const candidate = join(MEDIA_DIR, serverPath.slice(i + 1));
            if (existsSync(candidate)) return candidate;
        }
    }
    return undefined;
}

function readRange(file, start, endInclusive) {
    const len = endInclusive - start + 1;
    const buf = Buffer.alloc(len);
    const fd = openSync(file, 'r');
    try {
        const n = readSync(fd, buf, 0, len, start);
        return buf.subarray(0, n);
    } finally {
        closeSync(fd);
    }
}

/** Width/height of a JPEG, PNG or WebP image, or undefined. */
function imageSize(buf) {
    if (buf.length > 24 && buf.readUInt32BE(0) === 0x89504e47) {
        return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
    }
    if (buf.length > 4 && buf[0] === 0xff && buf[1] === 0xd8) {
        let i = 2;
        while (i + 9 < buf.length) {
            if (buf[i] !== 0xff) { i += 1; continue; }
            const marker = buf[i + 1];
            if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { i += 2; continue; }
            const segLen = buf.readUInt16BE(i + 2);
            if ((marker >= 0xc0 && marker <= 0xcf) && ![0xc4, 0xc8, 0xcc].includes(marker)) {
                return { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
            }
            i += 2 + segLen;
        }
        return undefined;
    }
    if (buf.length > 30 && buf.toString('ascii', 0, 4) === 'RIFF' && buf.toString('ascii', 8, 12) === 'WEBP') {
        const chunk = buf.toString('ascii', 12, 16);
        if (chunk === 'VP8X') return { width: 1 + buf.readUIntLE(24, 3), height: 1 + buf.readUIntLE(27, 3) };
        if (chunk === 'VP8 ') return { width: buf.readUInt16LE(26) & 0x3fff, height: buf.readUInt16LE(28) & 0x3fff };
        if (chunk === 'VP8L') {
            const b = buf.readUInt32LE(21);
            return { width: (b & 0x3fff) + 1, height: ((b >> 14) & 0x3fff) + 1 };
        }
    }
    return undefined;
}

const LIST_FIELDS = ['PrimaryImageAspectRatio', 'MediaSourceCount', 'SortName', 'Path', 'ParentId', 'DateCreated'];

async function getItemsAll(params) {
    const { data } = await getItemsApi(api).getItems({ userId: need('userId', 'login'), ...params });
    return data;
}

async function fetchItem(itemId) {
    const { data } = await getUserLibraryApi(api).getItem({ itemId, userId: need('userId', 'login') });
    return data;
}

/** Remembers Played / IsFavorite / position of items so a check can put them back afterwards. */
async function snapshotUserData(ids) {
    const snap = [];
    for (const id of ids) {
        const ud = (await fetchItem(id)).UserData ?? {};
        snap.push({ id, played: ud.Played === true, favorite: ud.IsFavorite === true, position: ud.PlaybackPositionTicks ?? 0 });
    }
    return snap;
}

async function restoreUserData(snap) {
    const userId = ctx.userId;
    for (const { id, played, favorite, position } of snap) {
        const ps = getPlaystateApi(api);
        const lib = getUserLibraryApi(api);
        await (played ? ps.markPlayedItem({ itemId: id, userId }) : ps.markUnplayedItem({ itemId: id, userId })).catch(() => {});
        await (favorite ? lib.markFavoriteItem({ itemId: id, userId }) : lib.unmarkFavoriteItem({ itemId: id, userId })).catch(() => {});
        if (position > 0) {
            await getItemsApi(api).updateItemUserData({ itemId: id, userId, updateUserItemDataDto: { PlaybackPositionTicks: position } }).catch(() => {});
        }
    }
}

function findByName(items, name) {
    return items.find(i => i.Name === name);
}

// ---------------------------------------------------------------------------------------------
// Checks

async function main() {
    // ---- connect ------------------------------------------------------------------------------
    await runner.check('connect: getPublicSystemInfo', async () => {
        const { data } = await getSystemApi(api).getPublicSystemInfo();
        problemsToFailure(expectFields('PublicSystemInfo', data, [
            ['Id', v => is.id(v), '32 lower-case hex digits'],
            ['ServerName', is.str, 'a server name'],
            ['Version', v => is.str(v) && !isVersionLess(v, MINIMUM_VERSION), `a version ≥ ${MINIMUM_VERSION} (SDK MINIMUM_VERSION)`],
            ['ProductName', v => v === 'Jellyfin Server', "'Jellyfin Server' (SDK discovery scores anything else BAD)"],
            ['LocalAddress', is.str, 'a URL'],
            ['StartupWizardCompleted', v => v === true, 'true'],
        ]));
        ctx.serverId = data.Id;
        ctx.serverVersion = data.Version;
    });

    await runner.check('connect: discovery.getRecommendedServerCandidates', async () => {
        const serverId = need('serverId', 'public system info');
        const found = await jellyfin.discovery.getRecommendedServerCandidates(KINORA_URL);
        assert(Array.isArray(found) && found.length > 0, `no candidates returned for ${KINORA_URL}`);
        const best = jellyfin.discovery.findBestServer(found);
        assert(best, `findBestServer found no GREAT/GOOD/OK server: ${show(found.map(f => ({ address: f.address, score: f.score, issues: f.issues.map(i => i.constructor.name) })))}`);
        assert(best.score === RecommendedServerInfoScore.GREAT,
            `score ${RecommendedServerInfoScore[best.score]} (issues: ${best.issues.map(i => `${i.constructor.name}${i.version ? ` ${i.version}` : ''}`).join(', ')}), want GREAT`);
        assert(best.systemInfo?.Id === serverId, `systemInfo.Id ${best.systemInfo?.Id} ≠ ${serverId}`);
        assert(new URL(best.address).origin === new URL(KINORA_URL).origin, `best address ${best.address} is not ${KINORA_URL}`);
    });

    await runner.check('connect: discovery.getAddressCandidates + getRecommendedServers', async () => {
        const serverId = need('serverId', 'public system info');
        const hostPort = new URL(KINORA_URL).host;
        const candidates = jellyfin.discovery.getAddressCandidates(hostPort);
        assert(candidates.length > 0, `no address candidates for '${hostPort}'`);
        const reachable = candidates.filter(c => new URL(c).protocol === 'http:');
        assert(reachable.length > 0, `no http candidate among ${show(candidates)}`);
        // Only http candidates are probed: the https ones would be refused by a plain-http server.
        const servers = await jellyfin.discovery.getRecommendedServers(reachable);
        const good = servers.filter(s => s.score >= RecommendedServerInfoScore.GOOD);
        assert(good.length > 0, `no GOOD/GREAT server among ${show(servers.map(s => ({ address: s.address, score: s.score })))}`);
        assert(good.every(s => s.systemInfo?.Id === serverId), 'a recommended server reported another Id');
    });

    await runner.check('connect: UDP discovery "who is JellyfinServer?"', async () => {
        const serverId = need('serverId', 'public system info');
        assert(DISCOVERY_PORT && Number(DISCOVERY_PORT) > 0, 'KINORA_DISCOVERY_PORT is not set to the server\'s UDP discovery port');
        const reply = await new Promise((resolve, reject) => {
            const sock = createSocket('udp4');
            const timer = setTimeout(() => { sock.close(); reject(new Error(`no reply on udp/${DISCOVERY_PORT} within 3s`)); }, 3000);
            sock.on('message', msg => { clearTimeout(timer); sock.close(); resolve(msg.toString('utf8')); });
            sock.on('error', e => { clearTimeout(timer); sock.close(); reject(e); });
            sock.send(Buffer.from('who is JellyfinServer?'), Number(DISCOVERY_PORT), '127.0.0.1');
        });
        let info;
        try {
            info = JSON.parse(reply);
        } catch {
            fail(`reply is not JSON: ${reply.slice(0, 100)}`);
        }
        problemsToFailure(expectFields('ServerDiscoveryInfo', info, [
            ['Id', v => v === serverId, `the public-info Id ${serverId}`],
            ['Name', is.str, 'the server name'],
            ['Address', v => is.str(v) && /^https?:\/\/[^/]+/.test(v) && new URL(v).port === new URL(KINORA_URL).port,
                `an http URL on the server port ${new URL(KINORA_URL).port}`],
        ]));
    });

    // ---- login --------------------------------------------------------------------------------
    await runner.check('login: public users, branding, quick connect (login page)', async () => {
        const serverId = need('serverId', 'public system info');
        const users = (await getUserApi(api).getPublicUsers()).data;
        assert(Array.isArray(users), `Users/Public is ${show(users)}, want an array`);
        const problems = [];
        for (const u of users) {
            problems.push(...expectFields(`public user '${u?.Name}'`, u, [
                ['Name', is.str, 'a name'], ['Id', is.id, '32-hex'], ['HasPassword', is.bool, 'a boolean'],
                ['ServerId', v => v === serverId, 'the server Id'],
            ]));
        }
        const branding = (await getBrandingApi(api).getBrandingOptions()).data;
        problems.push(...expectFields('BrandingOptions', branding, [['SplashscreenEnabled', is.bool, 'a boolean']]));
        const qc = (await getQuickConnectApi(api).getQuickConnectEnabled()).data;
        if (typeof qc !== 'boolean') problems.push(`QuickConnect/Enabled is ${show(qc)}, want a JSON boolean`);
        problemsToFailure(problems);
    });

    await runner.check('login: wrong password → 401', async () => {
        try {
            await jellyfin.createApi(KINORA_URL).authenticateUserByName(ADMIN_USER, `${ADMIN_PASSWORD}-wrong`);
        } catch (err) {
            assert(err?.response?.status === 401, `status ${err?.response?.status ?? err?.message}, want 401`);
            return;
        }
        fail('login with a wrong password succeeded');
    });

    await runner.check('login: api.authenticateUserByName', async () => {
        const serverId = need('serverId', 'public system info');
        const { data } = await api.authenticateUserByName(ADMIN_USER, ADMIN_PASSWORD);
        const problems = expectFields('AuthenticationResult', data, [
            ['AccessToken', v => is.str(v) && /^[A-Za-z0-9._~-]+$/.test(v), 'a token string'],
            ['ServerId', v => v === serverId, `=== public-info Id ${serverId} (web/python reject the login otherwise)`],
            ['User.Id', is.id, '32-hex user id'],
            ['User.Name', v => v === ADMIN_USER, `'${ADMIN_USER}'`],
            ['SessionInfo.Id', is.str, 'a session id'],
            ['SessionInfo.DeviceId', v => v === deviceId, `'${deviceId}' (from the Authorization header)`],
            ['SessionInfo.Client', v => v === clientInfo.name, `'${clientInfo.name}' (URL-decoded from the header)`],
            ['SessionInfo.DeviceName', v => v === deviceInfo.name, `'${deviceInfo.name}' (URL-decoded from the header)`],
            ['SessionInfo.ApplicationVersion', v => v === clientInfo.version, `'${clientInfo.version}'`],
            ['SessionInfo.UserId', v => v === data?.User?.Id, 'User.Id'],
        ]);
        problems.push(...expectUser('AuthenticationResult.User', data?.User, serverId));
        if (is.str(data?.AccessToken)) {
            api.accessToken = data.AccessToken;
            ctx.token = data.AccessToken;
            ctx.userId = data.User?.Id;
        }
        problemsToFailure(problems);
    });

    await runner.check('login: getSystemInfo validates the token', async () => {
        need('token', 'login');
        const { data } = await getSystemApi(api).getSystemInfo();
        problemsToFailure(expectFields('SystemInfo', data, [
            ['Id', v => v === ctx.serverId, 'the public-info Id'],
            ['Version', v => v === ctx.serverVersion, 'the public-info Version'],
            ['ServerName', is.str, 'a name'],
        ]));
    });

    await runner.check('login: getUserApi().getCurrentUser()', async () => {
        need('token', 'login');
        const { data } = await getUserApi(api).getCurrentUser();
        const problems = expectUser('UserDto (Users/Me)', data, ctx.serverId);
        if (data?.Id !== ctx.userId) problems.push(`Users/Me Id ${data?.Id} ≠ login User.Id ${ctx.userId}`);
        if (data?.Policy?.IsAdministrator !== true) problems.push(`Policy.IsAdministrator is ${data?.Policy?.IsAdministrator}, want true for ${ADMIN_USER}`);
        problemsToFailure(problems);
    });

    await runner.check('login: KINORA_API_KEY works as a Jellyfin API key (SDK Token)', async () => {
        assert(API_KEY, 'KINORA_API_KEY is not set');
        const keyApi = jellyfin.createApi(KINORA_URL, API_KEY);
        const { data } = await getSystemApi(keyApi).getSystemInfo();
        assert(data?.Id === need('serverId', 'public system info'), `System/Info Id ${data?.Id}`);
        const items = (await getItemsApi(keyApi).getItems({ recursive: true, includeItemTypes: ['Movie'], limit: 1 })).data;
        problemsToFailure(expectQueryResult('Items (api key)', items));
    });

    // ---- sessions -----------------------------------------------------------------------------
    await runner.check('sessions: postCapabilities (query form, Findroid)', async () => {
        need('token', 'login');
        const resp = await getSessionApi(api).postCapabilities({
            playableMediaTypes: ['Video'],
            supportedCommands: ['DisplayMessage', 'SetAudioStreamIndex', 'SetSubtitleStreamIndex'],
            supportsMediaControl: false,
        });
        assert(resp.status === 204, `status ${resp.status}, want 204`);
    });

    await runner.check('sessions: postFullCapabilities + getSessions lists this device', async () => {
        need('token', 'login');
        const resp = await getSessionApi(api).postFullCapabilities({
            clientCapabilitiesDto: {
                PlayableMediaTypes: ['Audio', 'Video'],
                SupportedCommands: ['MoveUp', 'MoveDown', 'DisplayContent', 'Play', 'DisplayMessage', 'SetAudioStreamIndex', 'SetSubtitleStreamIndex'],
                SupportsMediaControl: true,
                SupportsPersistentIdentifier: false,
            },
        });
        assert(resp.status === 204, `Capabilities/Full status ${resp.status}, want 204`);
        const all = (await getSessionApi(api).getSessions({ controllableByUserId: ctx.userId })).data;
        assert(Array.isArray(all), `Sessions is ${show(all)}, want an array`);
        const mine = all.filter(s => s.DeviceId === deviceId);
        assert(mine.length > 0, `no session with DeviceId ${deviceId} among ${show(all.map(s => s.DeviceId))}`);
        const s = mine[0];
        const problems = expectSession('SessionInfo', s);
        if (s.UserId !== ctx.userId) problems.push(`session UserId ${s.UserId} ≠ ${ctx.userId}`);
        if (s.Client !== clientInfo.name) problems.push(`session Client ${show(s.Client)} ≠ ${show(clientInfo.name)}`);
        if (s.DeviceName !== deviceInfo.name) problems.push(`session DeviceName ${show(s.DeviceName)} ≠ ${show(deviceInfo.name)}`);
        if (!sameSet(s.PlayableMediaTypes ?? [], ['Audio', 'Video'])) problems.push(`PlayableMediaTypes ${show(s.PlayableMediaTypes)} ≠ the posted [Audio, Video]`);
        if (s.SupportsMediaControl !== true) problems.push(`SupportsMediaControl ${s.SupportsMediaControl}, posted true`);
        if (!(s.SupportedCommands ?? []).includes('DisplayMessage')) problems.push(`SupportedCommands ${show(s.SupportedCommands)} lacks the posted DisplayMessage`);
        const byDevice = (await getSessionApi(api).getSessions({ deviceId })).data;
        if (!Array.isArray(byDevice) || byDevice.length !== 1 || byDevice[0].DeviceId !== deviceId) {
            problems.push(`getSessions({deviceId}) returned ${show((byDevice ?? []).map?.(x => x.DeviceId))}, want exactly this device`);
        }
        ctx.sessionId = s.Id;
        problemsToFailure(problems);
    });

    // ---- casing -------------------------------------------------------------------------------
    await runner.check('casing: SDK requests (no profile) get PascalCase JSON', async () => {
        need('token', 'login');
        const accepts = [...stats.accepts];
        assert(accepts.length > 0, 'no SDK request was recorded');
        assert(accepts.every(a => !/camelcase/i.test(a)), `SDK sent Accept ${show(accepts)}`);
        const bad = [];
        for (const r of stats.responses) {
            const d = r.data;
            if (d === null || typeof d !== 'object') continue;
            const obj = Array.isArray(d) ? d[0] : d;
            if (!obj || typeof obj !== 'object') continue;
            const lower = Object.keys(obj).filter(k => /^[a-z]/.test(k));
            if (lower.length > 0) bad.push(`${r.method} ${r.path}: keys ${lower.slice(0, 4).join(', ')}`);
        }
        problemsToFailure(bad);
    });

    await runner.check('casing: Accept profile="CamelCase" switches to camelCase', async () => {
        const resp = await raw.get(`${KINORA_URL}/System/Info/Public`, {
            headers: { Accept: 'application/json; profile="CamelCase"' },
        });
        assert(resp.status === 200, `HTTP ${resp.status}`);
        const keys = Object.keys(resp.data ?? {});
        assert(keys.includes('id') && keys.includes('version') && keys.includes('serverName'),
            `keys ${show(keys)}, want camelCase id/version/serverName`);
        assert(!keys.some(k => /^[A-Z]/.test(k)), `PascalCase keys remain: ${show(keys.filter(k => /^[A-Z]/.test(k)))}`);
        const pascal = await raw.get(`${KINORA_URL}/System/Info/Public`, {
            headers: { Accept: 'application/json; profile="PascalCase"' },
        });
        assert(Object.keys(pascal.data ?? {}).includes('Id'), `profile="PascalCase" keys ${show(Object.keys(pascal.data ?? {}))}`);
    });

    // ---- library ------------------------------------------------------------------------------
    await runner.check('library: getUserViews (movies / tvshows / homevideos)', async () => {
        const userId = need('userId', 'login');
        const { data } = await getUserViewsApi(api).getUserViews({ userId });
        const problems = expectQueryResult('UserViews', data);
        const views = data?.Items ?? [];
        for (const v of views) {
            problems.push(...expectFolderItem(v, ctx.serverId, { userData: false }));
            problems.push(...expectFields(itemLabel(v), v, [
                ['Type', t => t === 'CollectionFolder', "'CollectionFolder'"],
                ['CollectionType', is.str, 'a CollectionType'],
            ]));
        }
        for (const type of ['movies', 'tvshows', 'homevideos']) {
            const view = views.find(v => v.CollectionType === type);
            if (!view) problems.push(`no view with CollectionType '${type}' (got ${show(views.map(v => v.CollectionType))})`);
            else ctx[`view_${type}`] = view;
        }
        if (data?.TotalRecordCount !== views.length) problems.push(`TotalRecordCount ${data?.TotalRecordCount} ≠ ${views.length} items`);
        problemsToFailure(problems);
    });

    // The movies on disk: one title per entry of movies/ ("Title (Year)" folder or file).
    const MOVIES = readdirSync(join(MEDIA_DIR, 'movies'))
        .map(name => name.replace(/\.(mkv|mp4|avi|m4v)$/i, '').replace(/\s*\(\d{4}\)\s*$/, ''))
        .sort();
    // Jellyfin sorts by SortName, which drops a leading article.
    const bySortName = names => [...names].sort((a, b) => {
        const key = n => n.toLowerCase().replace(/^(the|a|an) /, '');
        return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
    });

    await runner.check('library: getItems movies (no extras, list fields, images)', async () => {
        const view = need('view_movies', 'movies view');
        const data = await getItemsAll({
            parentId: view.Id, includeItemTypes: ['Movie'], recursive: true,
            sortBy: ['SortName', 'ProductionYear'], sortOrder: ['Ascending'],
            fields: LIST_FIELDS, imageTypeLimit: 1, enableImageTypes: ['Primary', 'Backdrop', 'Banner', 'Thumb'],
            startIndex: 0, limit: 100,
        });
        const problems = expectQueryResult('movies', data, { startIndex: 0 });
        const items = data?.Items ?? [];
        const names = items.map(i => i.Name);
        if (!sameSet(names, MOVIES)) problems.push(`movies are ${show(names)}, want ${show(MOVIES)} (extras/trailers never listed as movies, two versions = one movie)`);
        if (data?.TotalRecordCount !== items.length) problems.push(`TotalRecordCount ${data?.TotalRecordCount} ≠ ${items.length}`);
        for (const m of items) {
            problems.push(...expectVideoItem(m, ctx.serverId));
            problems.push(...expectFields(itemLabel(m), m, [
                ['Type', t => t === 'Movie', "'Movie'"],
                ['ProductionYear', is.int, 'the year from the folder name'],
                ['ImageTags.Primary', is.str, 'a Primary image tag (extracted from the video)'],
                ['PrimaryImageAspectRatio', v => is.num(v) && v > 0, 'a positive number (Fields=PrimaryImageAspectRatio)'],
                ['SortName', is.str, 'a sort name (Fields=SortName)'],
                ['Path', is.str, 'the file path (Fields=Path)'],
                ['DateCreated', is.str, 'a date (Fields=DateCreated)'],
                ['ParentId', is.id, 'a 32-hex parent id (Fields=ParentId)'],
            ]));
            if (/trailer/i.test(m.Path ?? '') || /\/extras\//i.test(m.Path ?? '')) problems.push(`${itemLabel(m)} is an extra (${m.Path})`);
        }
        const year = { 'Big Buck Test': 2008, 'Elephants Dream Test': 2006, 'Sintel Test': 2010, 'The Matrix': 1999 };
        for (const m of items) if (year[m.Name] && m.ProductionYear !== year[m.Name]) problems.push(`${itemLabel(m)} ProductionYear ${m.ProductionYear}, want ${year[m.Name]}`);
        const sintel = findByName(items, 'Sintel Test');
        if (sintel && sintel.MediaSourceCount !== 2) problems.push(`'Sintel Test' MediaSourceCount ${sintel.MediaSourceCount}, want 2 (Fields=MediaSourceCount; two versions)`);
        for (const m of items) {
            if (m.Name !== 'Sintel Test' && m.MediaSourceCount !== undefined && m.MediaSourceCount !== 1) problems.push(`${itemLabel(m)} MediaSourceCount ${m.MediaSourceCount}`);
        }
        const bigBuck = findByName(items, 'Big Buck Test');
        if (bigBuck && Math.abs(bigBuck.RunTimeTicks - 4 * TICKS_PER_SECOND) > TICKS_PER_SECOND / 2) problems.push(`'Big Buck Test' RunTimeTicks ${bigBuck.RunTimeTicks}, want ≈ 4 s (40000000)`);
        ctx.movies = Object.fromEntries(items.map(i => [i.Name, i]));
        problemsToFailure(problems);
    });

    await runner.check('library: getItems sortBy/sortOrder/startIndex/limit', async () => {
        const view = need('view_movies', 'movies view');
        const base = { parentId: view.Id, includeItemTypes: ['Movie'], recursive: true, fields: ['SortName'] };
        const asc = await getItemsAll({ ...base, sortBy: ['SortName'], sortOrder: ['Ascending'] });
        const desc = await getItemsAll({ ...base, sortBy: ['SortName'], sortOrder: ['Descending'] });
        const ascNames = asc.Items.map(i => i.Name);
        const problems = [];
        const sortNames = asc.Items.map(i => (i.SortName ?? '').toLowerCase());
        for (let i = 1; i < sortNames.length; i++) {
            if (sortNames[i - 1] > sortNames[i]) problems.push(`ascending order broken: ${show(sortNames)}`);
        }
        const want = bySortName(MOVIES);
        if (ascNames.join('|') !== want.join('|')) problems.push(`SortName ascending gives ${show(ascNames)}, want ${show(want)} ('The' ignored when sorting)`);
        if (desc.Items.map(i => i.Name).join('|') !== [...ascNames].reverse().join('|')) problems.push(`Descending ${show(desc.Items.map(i => i.Name))} is not the reverse of ${show(ascNames)}`);
        const page = await getItemsAll({ ...base, sortBy: ['SortName'], sortOrder: ['Ascending'], startIndex: 1, limit: 2 });
        problems.push(...expectQueryResult('page', page, { startIndex: 1 }));
        if (page.Items.map(i => i.Name).join('|') !== ascNames.slice(1, 3).join('|')) problems.push(`startIndex=1&limit=2 gives ${show(page.Items.map(i => i.Name))}, want ${show(ascNames.slice(1, 3))}`);
        if (page.TotalRecordCount !== ascNames.length) problems.push(`paged TotalRecordCount ${page.TotalRecordCount}, want ${ascNames.length} (the unpaged total)`);
        problemsToFailure(problems);
    });

    await runner.check('library: getItems searchTerm and ids', async () => {
        const movies = need('movies', 'movie list');
        const hit = await getItemsAll({ searchTerm: 'matrix', recursive: true, includeItemTypes: ['Movie'], limit: 24 });
        const problems = [];
        if (hit.Items.map(i => i.Name).join('|') !== 'The Matrix') problems.push(`searchTerm=matrix gives ${show(hit.Items.map(i => i.Name))}, want ['The Matrix']`);
        const any = await getItemsAll({ searchTerm: 'elephants', recursive: true, limit: 24 });
        if (!any.Items.some(i => i.Name === 'Elephants Dream Test')) problems.push(`searchTerm=elephants (all types) gives ${show(any.Items.map(i => i.Name))}`);
        const ids = [movies['Big Buck Test']?.Id, movies['The Matrix']?.Id].filter(Boolean);
        const byIds = await getItemsAll({ ids });
        if (!sameSet(byIds.Items.map(i => i.Id), ids)) problems.push(`ids=${show(ids)} returned ${show(byIds.Items.map(i => i.Name))}`);
        problemsToFailure(problems);
    });

    await runner.check('library: series → getSeasons → getEpisodes linkage', async () => {
        const view = need('view_tvshows', 'tvshows view');
        const userId = ctx.userId;
        const series = await getItemsAll({
            parentId: view.Id, includeItemTypes: ['Series'], recursive: true,
            sortBy: ['SortName'], sortOrder: ['Ascending'], fields: LIST_FIELDS,
        });
        const problems = expectQueryResult('series', series);
        const names = series.Items.map(s => s.Name);
        if (!sameSet(names, ['Game of Thrones', 'Sample Show'])) problems.push(`series are ${show(names)}, want ['Game of Thrones', 'Sample Show']`);
        for (const s of series.Items) {
            problems.push(...expectFolderItem(s, ctx.serverId));
            problems.push(...expectFields(itemLabel(s), s, [['Type', t => t === 'Series', "'Series'"]]));
        }
        const expected = {
            'Sample Show': { seasons: { 0: 1, 1: 2, 2: 1 } },
            'Game of Thrones': { seasons: { 1: 2, 2: 1 } },
        };
        ctx.episodes = {};
        for (const s of series.Items) {
            const want = expected[s.Name];
            if (!want) continue;
            const seasons = (await getTvShowsApi(api).getSeasons({ seriesId: s.Id, userId, fields: ['ItemCounts', 'PrimaryImageAspectRatio'] })).data;
            problems.push(...expectQueryResult(`seasons of '${s.Name}'`, seasons));
            const idx = (seasons.Items ?? []).map(x => x.IndexNumber);
            const wantIdx = Object.keys(want.seasons).map(Number);
            if (!sameSet(idx.map(String), wantIdx.map(String))) problems.push(`'${s.Name}' season IndexNumbers ${show(idx)}, want ${show(wantIdx)}`);
            for (const season of seasons.Items ?? []) {
                problems.push(...expectFolderItem(season, ctx.serverId));
                problems.push(...expectFields(itemLabel(season), season, [
                    ['Type', t => t === 'Season', "'Season'"],
                    ['IndexNumber', is.int, 'the season number'],
                    ['SeriesId', v => v === s.Id, `the series Id ${s.Id}`],
                    ['SeriesName', v => v === s.Name, `'${s.Name}'`],
                ]));
                const eps = (await getTvShowsApi(api).getEpisodes({
                    seriesId: s.Id, seasonId: season.Id, userId,
                    fields: ['ParentId', 'Overview', 'MediaSources', 'Path', 'PrimaryImageAspectRatio'],
                })).data;
                problems.push(...expectQueryResult(`episodes of '${s.Name}' ${season.Name}`, eps));
                const epItems = eps.Items ?? [];
                const wantCount = want.seasons[season.IndexNumber];
                if (wantCount !== undefined && epItems.length !== wantCount) problems.push(`'${s.Name}' ${season.Name} has ${epItems.length} episodes, want ${wantCount}`);
                const numbers = epItems.map(e => e.IndexNumber);
                if (numbers.join(',') !== [...numbers].sort((a, b) => a - b).join(',')) problems.push(`'${s.Name}' ${season.Name} episodes not in IndexNumber order: ${show(numbers)}`);
                for (const e of epItems) {
                    problems.push(...expectVideoItem(e, ctx.serverId));
                    problems.push(...expectFields(`${itemLabel(e)} (${s.Name} ${season.Name})`, e, [
                        ['Type', t => t === 'Episode', "'Episode'"],
                        ['SeriesId', v => v === s.Id, `series Id ${s.Id}`],
                        ['SeriesName', v => v === s.Name, `'${s.Name}'`],
                        ['SeasonId', v => v === season.Id, `season Id ${season.Id}`],
                        ['SeasonName', v => v === season.Name, `'${season.Name}'`],
                        ['ParentId', v => v === season.Id, `the season Id ${season.Id} (Fields=ParentId)`],
                        ['IndexNumber', is.int, 'the episode number'],
                        ['ParentIndexNumber', v => v === season.IndexNumber, `the season number ${season.IndexNumber}`],
                        ['MediaSources', v => is.arr(v) && v.length > 0, 'a non-empty array (Fields=MediaSources)'],
                    ]));
                    ctx.episodes[`${s.Name} S${String(season.IndexNumber).padStart(2, '0')}E${String(e.IndexNumber).padStart(2, '0')}`] = e;
                }
            }
        }
        ctx.series = Object.fromEntries(series.Items.map(s => [s.Name, s]));
        problemsToFailure(problems);
    });

    await runner.check('library: home videos (Type Video, folder browsing)', async () => {
        const view = need('view_homevideos', 'homevideos view');
        const all = await getItemsAll({ parentId: view.Id, includeItemTypes: ['Video'], recursive: true, sortBy: ['SortName'], fields: LIST_FIELDS });
        const problems = expectQueryResult('home videos', all);
        const names = all.Items.map(i => i.Name);
        if (all.Items.length !== 3) problems.push(`${all.Items.length} home videos (${show(names)}), want 3`);
        for (const v of all.Items) {
            problems.push(...expectVideoItem(v, ctx.serverId));
            problems.push(...expectFields(itemLabel(v), v, [['Type', t => t === 'Video', "'Video'"]]));
        }
        const asMovies = await getItemsAll({ parentId: view.Id, includeItemTypes: ['Movie', 'Episode'], recursive: true });
        if (asMovies.Items.length !== 0) problems.push(`home library lists ${asMovies.Items.length} Movie/Episode items`);
        // jellyfin-web list.js browses a home-video library folder by folder.
        const top = await getItemsAll({ parentId: view.Id, sortBy: ['SortName'], fields: ['PrimaryImageAspectRatio', 'SortName'] });
        const folders = top.Items.filter(i => i.IsFolder);
        const folderNames = folders.map(f => f.Name);
        if (!sameSet(folderNames, ['2022 Birthday', '2023 Beach Trip'])) problems.push(`top level of home library has folders ${show(folderNames)}, want ['2022 Birthday', '2023 Beach Trip']`);
        const beach = folders.find(f => f.Name === '2023 Beach Trip');
        if (beach) {
            problems.push(...expectFields(itemLabel(beach), beach, [['Type', t => t === 'Folder', "'Folder'"]]));
            const inside = await getItemsAll({ parentId: beach.Id, sortBy: ['SortName'] });
            const insideVideos = inside.Items.filter(i => i.Type === 'Video');
            if (insideVideos.length !== 2) problems.push(`'2023 Beach Trip' holds ${show(inside.Items.map(i => `${i.Type}:${i.Name}`))}, want 2 Videos`);
        }
        ctx.homeVideos = all.Items;
        problemsToFailure(problems);
    });

    await runner.check('library: getUserLibraryApi().getItem detail', async () => {
        const movies = need('movies', 'movie list');
        const bb = movies['Big Buck Test'];
        assert(bb, "'Big Buck Test' not listed");
        const item = await fetchItem(bb.Id);
        const problems = expectVideoItem(item, ctx.serverId);
        problems.push(...expectFields(itemLabel(item), item, [
            ['Id', v => v === bb.Id, `the listed Id ${bb.Id}`],
            ['Path', is.str, 'the file path'],
            ['SortName', is.str, 'a sort name'],
            ['DateCreated', is.str, 'a date'],
            ['CanDelete', is.bool, 'a boolean'],
            ['CanDownload', is.bool, 'a boolean'],
            ['ParentId', is.id, 'a 32-hex parent id'],
            ['ProviderIds', is.obj, 'an object'],
            ['Genres', is.arr, 'an array'],
            ['People', is.arr, 'an array'],
            ['Studios', is.arr, 'an array'],
            ['Chapters', is.arr, 'an array'],
            ['MediaStreams', v => is.arr(v) && v.length >= 2, 'video + audio streams'],
            ['MediaSources', v => is.arr(v) && v.length === 1, 'one media source'],
            ['HasSubtitles', v => v === true, 'true (an .en.srt sits beside the file)'],
        ]));
        for (const [i, src] of (item.MediaSources ?? []).entries()) {
            problems.push(...expectMediaSource(`MediaSources[${i}]`, src));
            for (const st of src.MediaStreams ?? []) problems.push(...expectMediaStream(`MediaSources[${i}]`, st));
        }
        const codecs = (item.MediaStreams ?? []).map(s => `${s.Type}:${s.Codec}`);
        for (const want of ['Video:h264', 'Audio:aac', 'Subtitle:subrip']) {
            if (!codecs.includes(want)) problems.push(`MediaStreams ${show(codecs)} lack ${want}`);
        }
        problemsToFailure(problems);
    });

    await runner.check('library: getLatestMedia (bare array per library)', async () => {
        const userId = need('userId', 'login');
        const problems = [];
        for (const [key, types] of [['view_movies', ['Movie']], ['view_tvshows', ['Series', 'Season', 'Episode']], ['view_homevideos', ['Video', 'Folder']]]) {
            const view = ctx[key];
            if (!view) { problems.push(`${key} missing`); continue; }
            const { data } = await getUserLibraryApi(api).getLatestMedia({
                userId, parentId: view.Id, limit: 16, fields: ['PrimaryImageAspectRatio', 'Path'],
                imageTypeLimit: 1, enableImageTypes: ['Primary', 'Backdrop', 'Thumb'],
            });
            if (!Array.isArray(data)) { problems.push(`Items/Latest for ${view.Name} is ${show(data)}, want a bare JSON array`); continue; }
            if (data.length === 0) problems.push(`Items/Latest for ${view.Name} is empty`);
            for (const it of data) {
                problems.push(...expectCoreItem(it, ctx.serverId));
                if (!types.includes(it.Type)) problems.push(`Items/Latest for ${view.Name} has ${itemLabel(it)}, want ${types.join('/')}`);
                if (/trailer/i.test(it.Path ?? '')) problems.push(`Items/Latest lists the extra ${it.Path}`);
            }
            if (key === 'view_tvshows' && data.filter(i => i.Type === 'Episode').length > 2) problems.push(`Items/Latest for ${view.Name} lists ${data.filter(i => i.Type === 'Episode').length} episodes; groupItems (default true) folds them into their series`);
        }
        problemsToFailure(problems);
    });

    await runner.check('library: extras via getSpecialFeatures / getLocalTrailers', async () => {
        const movies = need('movies', 'movie list');
        const ed = movies['Elephants Dream Test'];
        assert(ed, "'Elephants Dream Test' not listed");
        const userId = ctx.userId;
        const special = (await getUserLibraryApi(api).getSpecialFeatures({ itemId: ed.Id, userId })).data;
        const trailers = (await getUserLibraryApi(api).getLocalTrailers({ itemId: ed.Id, userId })).data;
        assert(Array.isArray(special), `SpecialFeatures is ${show(special)}, want an array`);
        assert(Array.isArray(trailers), `LocalTrailers is ${show(trailers)}, want an array`);
        const extras = [...special, ...trailers];
        assert(extras.length === 1, `extras/trailer.mp4 should be exactly one extra of 'Elephants Dream Test'; SpecialFeatures ${show(special.map(i => i.Name))}, LocalTrailers ${show(trailers.map(i => i.Name))}`);
        problemsToFailure(expectCoreItem(extras[0], ctx.serverId));
    });

    // ---- images -------------------------------------------------------------------------------
    await runner.check('images: Primary via getItemImageUrl (maxWidth) → image bytes', async () => {
        const movies = need('movies', 'movie list');
        const item = movies['Big Buck Test'];
        assert(item?.ImageTags?.Primary, `'Big Buck Test' has no ImageTags.Primary (${show(item?.ImageTags)})`);
        const url = getImageApi(api).getItemImageUrl(item, 'Primary', { maxWidth: 120, quality: 90 });
        assert(url.includes(`tag=${encodeURIComponent(item.ImageTags.Primary)}`), `URL ${url} lacks the tag`);
        // Images are anonymous (web/Swiftfin send no token for <img>).
        const resp = await raw.get(url, { responseType: 'arraybuffer' });
        assert(resp.status === 200, `GET ${url} → HTTP ${resp.status}`);
        const type = resp.headers['content-type'] ?? '';
        assert(/^image\//.test(type), `Content-Type '${type}', want image/*`);
        const buf = Buffer.from(resp.data);
        assert(buf.length > 100, `only ${buf.length} bytes`);
        const size = imageSize(buf);
        assert(size, `could not read the image size of ${type} bytes`);
        // The image route is anonymous, so Kinora snaps sizes up to a few buckets (160, 320, …
        // 1920 px wide) instead of making a variant per requested width (api-compat/
        // COMPATIBILITY.md); 120 px asks for the 160 px bucket, and the browser scales it down.
        assert(size.width <= 160, `image is ${size.width}x${size.height}, maxWidth=120 must give at most the 160 px bucket`);
        // The generated ImageApi (what an SDK app calls to download) gives the same bytes.
        const viaSdk = await getImageApi(api).getItemImage(
            { itemId: item.Id, imageType: 'Primary', maxWidth: 120, quality: 90, tag: item.ImageTags.Primary },
            { responseType: 'arraybuffer' }
        );
        assert(viaSdk.status === 200 && Buffer.from(viaSdk.data).length === buf.length, `ImageApi.getItemImage → HTTP ${viaSdk.status}, ${Buffer.from(viaSdk.data ?? []).length} bytes vs ${buf.length}`);
    });

    // ---- playback -----------------------------------------------------------------------------
    await runner.check('playback: web prerequisites (getEndpointInfo, DisplayPreferences usersettings)', async () => {
        const userId = need('userId', 'login');
        const endpoint = (await getSystemApi(api).getEndpointInfo()).data;
        const problems = expectFields('EndPointInfo', endpoint, [
            ['IsLocal', is.bool, 'a boolean (web playbackmanager reads it before PlaybackInfo)'],
            ['IsInNetwork', is.bool, 'a boolean'],
        ]);
        const prefs = (await getDisplayPreferencesApi(api).getDisplayPreferences({ displayPreferencesId: 'usersettings', userId, client: 'emby' })).data;
        problems.push(...expectFields('DisplayPreferencesDto', prefs, [
            ['Id', is.str, 'an id'],
            ['CustomPrefs', is.obj, 'an object (web userSettings reads it)'],
            ['Client', v => v === 'emby', "'emby'"],
            ['SortOrder', is.str, 'a SortOrder'],
            ['RememberIndexing', is.bool, 'a boolean'],
            ['ShowBackdrop', is.bool, 'a boolean'],
            ['ShowSidebar', is.bool, 'a boolean'],
        ]));
        problemsToFailure(problems);
    });

    await runner.check('playback: getItemSegments (Findroid skip-intro)', async () => {
        const movies = need('movies', 'movie list');
        const item = movies['Big Buck Test'];
        assert(item, "'Big Buck Test' not listed");
        const { data } = await getMediaSegmentsApi(api).getItemSegments({ itemId: item.Id });
        problemsToFailure(expectQueryResult('MediaSegments', data));
    });

    async function playbackInfo(itemId, profile, extra = {}) {
        const { data } = await getMediaInfoApi(api).getPostedPlaybackInfo({
            itemId,
            playbackInfoDto: {
                UserId: ctx.userId, StartTimeTicks: 0, IsPlayback: true, AutoOpenLiveStream: true,
                MaxStreamingBitrate: profile.MaxStreamingBitrate, DeviceProfile: profile, ...extra,
            },
        });
        return data;
    }

    await runner.check('playback: getPostedPlaybackInfo direct play (browser profile)', async () => {
        const movies = need('movies', 'movie list');
        const problems = [];
        for (const name of ['Big Buck Test', 'Elephants Dream Test']) {
            const item = movies[name];
            if (!item) { problems.push(`'${name}' not listed`); continue; }
            const info = await playbackInfo(item.Id, BROWSER_PROFILE);
            problems.push(...expectFields(`PlaybackInfo '${name}'`, info, [
                ['PlaySessionId', v => is.str(v) && HEX32.test(v), 'a 32-hex play session id (Swiftfin/Kodi need it)'],
                ['MediaSources', v => is.arr(v) && v.length === 1, 'one media source'],
            ]));
            if (info?.ErrorCode) problems.push(`PlaybackInfo '${name}' ErrorCode ${info.ErrorCode}`);
            const src = info?.MediaSources?.[0];
            if (!src) continue;
            problems.push(...expectMediaSource(`'${name}' MediaSource`, src));
            for (const st of src.MediaStreams ?? []) problems.push(...expectMediaStream(`'${name}'`, st));
            if (src.SupportsDirectPlay !== true) problems.push(`'${name}' (${src.Container} h264/aac) SupportsDirectPlay ${src.SupportsDirectPlay}, want true for a profile that direct-plays ${src.Container} h264/aac`);
            if (src.SupportsDirectStream !== true) problems.push(`'${name}' SupportsDirectStream ${src.SupportsDirectStream}, want true`);
            if (src.TranscodingUrl) problems.push(`'${name}' has a TranscodingUrl although it direct-plays: ${src.TranscodingUrl.slice(0, 80)}`);
            const types = (src.MediaStreams ?? []).map(s => s.Type);
            if (!types.includes('Video') || !types.includes('Audio')) problems.push(`'${name}' MediaStreams types ${show(types)}`);
            if (name === 'Big Buck Test') ctx.bigBuckInfo = { info, src };
        }
        const again = movies['Big Buck Test'] && await playbackInfo(movies['Big Buck Test'].Id, BROWSER_PROFILE);
        if (again && ctx.bigBuckInfo && again.PlaySessionId === ctx.bigBuckInfo.info.PlaySessionId) problems.push('PlaySessionId is not new per PlaybackInfo call');
        problemsToFailure(problems);
    });

    await runner.check('playback: two versions → two MediaSources', async () => {
        const movies = need('movies', 'movie list');
        const item = movies['Sintel Test'];
        assert(item, "'Sintel Test' not listed");
        const info = await playbackInfo(item.Id, BROWSER_PROFILE);
        const sources = info?.MediaSources ?? [];
        assert(sources.length === 2, `${sources.length} MediaSources (${show(sources.map(s => s.Name))}), want 2 (1080p + 720p files)`);
        const problems = [];
        sources.forEach((s, i) => problems.push(...expectMediaSource(`MediaSources[${i}]`, s)));
        if (new Set(sources.map(s => s.Id)).size !== 2) problems.push('the two MediaSources share an Id');
        if (new Set(sources.map(s => s.Path)).size !== 2) problems.push('the two MediaSources share a Path');
        const names = sources.map(s => s.Name ?? '');
        if (!names.some(n => /1080p/.test(n)) || !names.some(n => /720p/.test(n))) problems.push(`version names ${show(names)}, want the '1080p' / '720p' labels from the file names`);
        // Asking for one version by MediaSourceId narrows the answer to it.
        const second = sources[1];
        if (second?.Id) {
            const only = await playbackInfo(item.Id, BROWSER_PROFILE, { MediaSourceId: second.Id });
            const ids = (only?.MediaSources ?? []).map(s => s.Id);
            if (ids.length !== 1 || ids[0] !== second.Id) problems.push(`MediaSourceId=${second.Id} returned sources ${show(ids)}`);
        }
        ctx.sintelSources = sources;
        problemsToFailure(problems);
    });

    await runner.check('playback: mkv is not direct-played for an mp4-only profile', async () => {
        const movies = need('movies', 'movie list');
        const item = movies['Big Buck Test'];
        assert(item, "'Big Buck Test' not listed");
        const info = await playbackInfo(item.Id, MP4_ONLY_PROFILE);
        const src = info?.MediaSources?.[0];
        assert(src, `no MediaSources: ${show(info)}`);
        const problems = [];
        if (src.SupportsDirectPlay !== false) problems.push(`SupportsDirectPlay ${src.SupportsDirectPlay} for mkv with a profile that direct-plays only mp4`);
        // Until Kinora has a transcoder (its own issue), a source nothing can play must say so
        // the way Jellyfin does: no direct stream and ErrorCode NoCompatibleStream.
        if (!is.str(src.TranscodingUrl)) {
            if (src.SupportsDirectStream !== false) problems.push(`SupportsDirectStream ${show(src.SupportsDirectStream)} for mkv with an mp4-only profile and no TranscodingUrl`);
            if (info.ErrorCode !== 'NoCompatibleStream') problems.push(`no TranscodingUrl and ErrorCode ${show(info.ErrorCode)}, want 'NoCompatibleStream'`);
        } else {
            if (src.TranscodingSubProtocol !== 'hls') problems.push(`TranscodingSubProtocol ${show(src.TranscodingSubProtocol)}, want 'hls'`);
            if (!/master\.m3u8/i.test(src.TranscodingUrl)) problems.push(`TranscodingUrl ${src.TranscodingUrl.slice(0, 80)} is not a master.m3u8 URL`);
            if (!src.TranscodingUrl.includes(info.PlaySessionId)) problems.push('TranscodingUrl does not carry the PlaySessionId');
        }
        problemsToFailure(problems);
    });

    await runner.check('playback: external .srt → External DeliveryUrl (vtt)', async () => {
        const { src } = need('bigBuckInfo', 'PlaybackInfo for Big Buck Test');
        const subs = (src.MediaStreams ?? []).filter(s => s.Type === 'Subtitle');
        assert(subs.length === 1, `${subs.length} subtitle streams (${show(subs.map(s => s.Codec))}), want the one .en.srt`);
        const sub = subs[0];
        const problems = expectFields('subtitle stream', sub, [
            // ffprobe's name, which Jellyfin 10.11 reports for probed external files too.
            ['Codec', v => v === 'subrip' || v === 'srt', "'subrip'"],
            ['IsExternal', v => v === true, 'true'],
            ['IsTextSubtitleStream', v => v === true, 'true'],
            ['SupportsExternalStream', v => v === true, 'true'],
            ['Language', v => v === 'eng' || v === 'en', "'eng' (from .en.srt)"],
            ['DeliveryMethod', v => v === 'External', "'External' (the profile has a vtt External subtitle profile)"],
            ['DeliveryUrl', v => is.str(v) && /\/Subtitles\/\d+\/.*Stream\.vtt/i.test(v), 'a /Videos/{id}/{msId}/Subtitles/{index}/…/Stream.vtt URL'],
            ['IsExternalUrl', v => v === false || v === undefined, 'false'],
        ]);
        problemsToFailure(problems);
        const url = sub.DeliveryUrl.startsWith('http') ? sub.DeliveryUrl : `${KINORA_URL}${sub.DeliveryUrl.startsWith('/') ? '' : '/'}${sub.DeliveryUrl}`;
        const resp = await raw.get(url, { responseType: 'text' });
        assert(resp.status === 200, `GET ${sub.DeliveryUrl} → HTTP ${resp.status}`);
        assert(/^WEBVTT/.test(String(resp.data).replace(/^\uFEFF/, '')), `DeliveryUrl body does not start with WEBVTT: ${show(String(resp.data).slice(0, 60))}`);
        assert(String(resp.data).includes('Hello from the Kinora test library.'), 'DeliveryUrl body lacks the subtitle text');
    });

    async function rangedRead(label, url, headers, serverPath) {
        const file = localFile(serverPath);
        assert(file, `${label}: cannot find '${serverPath}' under KINORA_MEDIA_DIR ${MEDIA_DIR}`);
        const size = statSync(file).size;
        assert(size > 1100, `${label}: ${file} is only ${size} bytes`);
        const resp = await raw.get(url, { headers: { Range: 'bytes=100-1099', ...headers }, responseType: 'arraybuffer' });
        assert(resp.status === 206, `${label}: GET ${url.replace(KINORA_URL, '')} Range bytes=100-1099 → HTTP ${resp.status}, want 206`);
        const body = Buffer.from(resp.data);
        const range = resp.headers['content-range'];
        assert(range === `bytes 100-1099/${size}`, `${label}: Content-Range '${range}', want 'bytes 100-1099/${size}'`);
        assert(body.length === 1000, `${label}: ${body.length} bytes, want 1000`);
        assert(body.equals(readRange(file, 100, 1099)), `${label}: bytes differ from ${file} at 100-1099`);
        assert(/bytes/i.test(resp.headers['accept-ranges'] ?? ''), `${label}: Accept-Ranges '${resp.headers['accept-ranges']}', want bytes`);
        assert(/^video\//.test(resp.headers['content-type'] ?? ''), `${label}: Content-Type '${resp.headers['content-type']}', want video/*`);
    }

    await runner.check('stream: anonymous /Videos/{id}/stream?static=true Range → 206 + file bytes', async () => {
        const { info, src } = need('bigBuckInfo', 'PlaybackInfo for Big Buck Test');
        const item = ctx.movies['Big Buck Test'];
        const url = `${KINORA_URL}/Videos/${item.Id}/stream?static=true&mediaSourceId=${encodeURIComponent(src.Id)}&playSessionId=${info.PlaySessionId}&tag=${encodeURIComponent(src.ETag ?? '')}`;
        await rangedRead('static stream (no token, Swiftfin style)', url, {}, src.Path);
    });

    await runner.check('stream: /Videos/{id}/stream.{container}?Static=true&ApiKey= (web style) Range', async () => {
        const { src } = need('bigBuckInfo', 'PlaybackInfo for Big Buck Test');
        const item = ctx.movies['Big Buck Test'];
        const container = (src.Container ?? 'mkv').split(',')[0];
        const url = `${KINORA_URL}/Videos/${item.Id}/stream.${container}?Static=true&mediaSourceId=${encodeURIComponent(src.Id)}&deviceId=${encodeURIComponent(deviceId)}&ApiKey=${need('token', 'login')}&Tag=${encodeURIComponent(src.ETag ?? '')}`;
        await rangedRead('stream.container', url, {}, src.Path);
        // The second version of Sintel is served from its own file.
        const sintel = ctx.sintelSources?.[1];
        if (sintel) {
            const sUrl = `${KINORA_URL}/Videos/${ctx.movies['Sintel Test'].Id}/stream?static=true&mediaSourceId=${encodeURIComponent(sintel.Id)}`;
            await rangedRead(`Sintel version '${sintel.Name}'`, sUrl, { Authorization: api.authorizationHeader }, sintel.Path);
        }
    });

    // ---- play state ---------------------------------------------------------------------------
    async function userData(itemId) {
        const item = await fetchItem(itemId);
        return item.UserData ?? {};
    }

    await runner.check('playstate: reportPlaybackStart / Progress (40%) / Stopped', async () => {
        const movies = need('movies', 'movie list');
        const item = movies['Elephants Dream Test'];
        assert(item, "'Elephants Dream Test' not listed");
        const playstate = getPlaystateApi(api);
        const snap = await snapshotUserData([item.Id]);
        try {
            await playstate.markUnplayedItem({ itemId: item.Id, userId: ctx.userId });
            await playFlow(item, playstate);
        } finally {
            await restoreUserData(snap);
        }
    });

    async function playFlow(item, playstate) {
        const before = await userData(item.Id);
        const info = await playbackInfo(item.Id, BROWSER_PROFILE);
        const src = info.MediaSources?.[0];
        assert(src, 'no MediaSource');
        const runtime = src.RunTimeTicks ?? item.RunTimeTicks;
        const position = Math.round(runtime * 0.4);
        const common = {
            ItemId: item.Id, MediaSourceId: src.Id, PlaySessionId: info.PlaySessionId, PlayMethod: 'DirectPlay',
            CanSeek: true, IsPaused: false, IsMuted: false, VolumeLevel: 100, AudioStreamIndex: src.DefaultAudioStreamIndex,
            RepeatMode: 'RepeatNone', PlaybackOrder: 'Default', NowPlayingQueue: [{ Id: item.Id, PlaylistItemId: 'playlistItem0' }],
        };
        const start = await playstate.reportPlaybackStart({ playbackStartInfo: { ...common, PositionTicks: 0 } });
        assert(start.status === 204, `Sessions/Playing status ${start.status}, want 204`);
        const problems = [];
        const sessions = (await getSessionApi(api).getSessions({ deviceId })).data;
        const mine = sessions.find(s => s.DeviceId === deviceId);
        if (mine?.NowPlayingItem?.Id !== item.Id) problems.push(`after reportPlaybackStart the session's NowPlayingItem is ${show(mine?.NowPlayingItem?.Id)}, want ${item.Id}`);
        else {
            problems.push(...expectCoreItem(mine.NowPlayingItem, ctx.serverId).map(p => `NowPlayingItem ${p}`));
            if (mine.PlayState?.PlayMethod !== 'DirectPlay') problems.push(`session PlayState.PlayMethod ${show(mine.PlayState?.PlayMethod)}, want 'DirectPlay'`);
        }
        const progress = await playstate.reportPlaybackProgress({ playbackProgressInfo: { ...common, PositionTicks: position, EventName: 'timeupdate' } });
        if (progress.status !== 204) problems.push(`Sessions/Playing/Progress status ${progress.status}, want 204`);
        const mid = await userData(item.Id);
        const short = runtime / TICKS_PER_SECOND < 300;
        // Jellyfin's UpdatePlayState (progress and stop): items under 5 minutes get no resume point,
        // they count as played; longer items keep the position (CLIENT-CONTRACT §5).
        if (short) {
            if (mid.Played !== true || mid.PlaybackPositionTicks !== 0) problems.push(`after progress at 40% of a ${(runtime / TICKS_PER_SECOND).toFixed(1)} s item UserData is ${show(mid)}; Jellyfin marks items under 300 s Played with position 0`);
        } else if (Math.abs((mid.PlaybackPositionTicks ?? 0) - position) > TICKS_PER_SECOND) {
            problems.push(`after progress PlaybackPositionTicks ${mid.PlaybackPositionTicks}, want ${position}`);
        }
        const stop = await playstate.reportPlaybackStopped({ playbackStopInfo: { ItemId: item.Id, MediaSourceId: src.Id, PlaySessionId: info.PlaySessionId, PositionTicks: position, NowPlayingQueue: common.NowPlayingQueue } });
        if (stop.status !== 204) problems.push(`Sessions/Playing/Stopped status ${stop.status}, want 204`);
        const after = await userData(item.Id);
        problems.push(...expectFields('UserData after stop', after, USER_DATA_RULES));
        if (!(after.PlayCount >= (before.PlayCount ?? 0) + 1)) problems.push(`PlayCount ${after.PlayCount}, want ≥ ${(before.PlayCount ?? 0) + 1} after a start`);
        if (!is.str(after.LastPlayedDate)) problems.push(`LastPlayedDate ${show(after.LastPlayedDate)} after playback`);
        if (short) {
            if (after.Played !== true) problems.push(`Played ${after.Played} after stopping a short item at 40%, want true (Jellyfin MinResumeDurationSeconds=300)`);
            if (after.PlaybackPositionTicks !== 0) problems.push(`PlaybackPositionTicks ${after.PlaybackPositionTicks} after stop, want 0 for a short item`);
        } else {
            if (Math.abs((after.PlaybackPositionTicks ?? 0) - position) > TICKS_PER_SECOND) problems.push(`PlaybackPositionTicks ${after.PlaybackPositionTicks}, want ≈ ${position}`);
            const resume = (await getItemsApi(api).getResumeItems({ userId: ctx.userId, mediaTypes: ['Video'] })).data;
            if (!resume.Items?.some(i => i.Id === item.Id)) problems.push('item not in getResumeItems after stopping at 40%');
        }
        const after2 = (await getSessionApi(api).getSessions({ deviceId })).data.find(s => s.DeviceId === deviceId);
        if (after2?.NowPlayingItem) problems.push(`session still has NowPlayingItem ${after2.NowPlayingItem.Id} after reportPlaybackStopped`);
        problemsToFailure(problems);
    }

    await runner.check('playstate: resume point → getResumeItems and Filters=IsResumable', async () => {
        const movies = need('movies', 'movie list');
        const item = movies['Big Buck Test'];
        assert(item, "'Big Buck Test' not listed");
        const position = Math.round(item.RunTimeTicks * 0.4);
        const itemsApi = getItemsApi(api);
        const problems = [];
        // The web home "Continue watching" row, before anything is set.
        const initial = (await itemsApi.getResumeItems({
            userId: ctx.userId, limit: 12, fields: ['PrimaryImageAspectRatio'], imageTypeLimit: 1,
            enableImageTypes: ['Primary', 'Backdrop', 'Thumb'], enableTotalRecordCount: false, mediaTypes: ['Video'],
        })).data;
        problems.push(...expectQueryResult('UserItems/Resume', initial));
        for (const it of initial?.Items ?? []) {
            if (!(it.UserData?.PlaybackPositionTicks > 0)) problems.push(`resume row ${itemLabel(it)} has no PlaybackPositionTicks`);
        }
        const snap = await snapshotUserData([item.Id]);
        try {
            // Findroid's offline-sync call: sets the position as given (no resume rules).
            const { data: ud } = await itemsApi.updateItemUserData({ itemId: item.Id, userId: ctx.userId, updateUserItemDataDto: { PlaybackPositionTicks: position, Played: false } });
            problems.push(...expectFields('UserItemDataDto', ud, USER_DATA_RULES));
            if (ud?.PlaybackPositionTicks !== position) problems.push(`UserData POST answered PlaybackPositionTicks ${ud?.PlaybackPositionTicks}, want ${position}`);
            const got = (await itemsApi.getItemUserData({ itemId: item.Id, userId: ctx.userId })).data;
            if (got?.PlaybackPositionTicks !== position) problems.push(`GET UserItems/{id}/UserData PlaybackPositionTicks ${got?.PlaybackPositionTicks}, want ${position}`);
            const detail = await userData(item.Id);
            if (detail.PlaybackPositionTicks !== position) problems.push(`item UserData.PlaybackPositionTicks ${detail.PlaybackPositionTicks}, want ${position}`);
            if (!(Math.abs((detail.PlayedPercentage ?? -1) - 40) < 1)) problems.push(`UserData.PlayedPercentage ${detail.PlayedPercentage}, want ≈ 40 (web progress bars)`);
            const resume = (await itemsApi.getResumeItems({
                userId: ctx.userId, limit: 12, fields: ['PrimaryImageAspectRatio'], imageTypeLimit: 1,
                enableImageTypes: ['Primary', 'Backdrop', 'Thumb'], enableTotalRecordCount: false, mediaTypes: ['Video'],
            })).data;
            problems.push(...expectQueryResult('UserItems/Resume', resume));
            const hit = resume?.Items?.find(i => i.Id === item.Id);
            if (!hit) problems.push(`getResumeItems lacks '${item.Name}' (${show(resume?.Items?.map(i => i.Name))})`);
            else {
                problems.push(...expectVideoItem(hit, ctx.serverId));
                if (hit.UserData?.PlaybackPositionTicks !== position) problems.push(`resume row PlaybackPositionTicks ${hit.UserData?.PlaybackPositionTicks}`);
            }
            const filtered = await getItemsAll({ recursive: true, includeItemTypes: ['Movie'], filters: ['IsResumable'] });
            if (!filtered.Items.some(i => i.Id === item.Id)) problems.push(`Filters=IsResumable lacks '${item.Name}' (${show(filtered.Items.map(i => i.Name))})`);
            if (filtered.Items.some(i => i.UserData && !(i.UserData.PlaybackPositionTicks > 0))) problems.push('Filters=IsResumable lists items without a position');
            await itemsApi.updateItemUserData({ itemId: item.Id, userId: ctx.userId, updateUserItemDataDto: { PlaybackPositionTicks: 0 } });
            const resumeAfter = (await itemsApi.getResumeItems({ userId: ctx.userId, mediaTypes: ['Video'] })).data;
            if (resumeAfter?.Items?.some(i => i.Id === item.Id)) problems.push('item still in getResumeItems after its position was cleared');
        } finally {
            await restoreUserData(snap);
        }
        problemsToFailure(problems);
    });

    await runner.check('playstate: markPlayedItem / markUnplayedItem + IsPlayed/IsUnplayed', async () => {
        const movies = need('movies', 'movie list');
        const item = movies['The Matrix'];
        assert(item, "'The Matrix' not listed");
        const playstate = getPlaystateApi(api);
        const problems = [];
        const snap = await snapshotUserData([item.Id]);
        try {
            const { data: ud } = await playstate.markPlayedItem({ itemId: item.Id, userId: ctx.userId });
            problems.push(...expectFields('UserItemDataDto (UserPlayedItems POST)', ud, USER_DATA_RULES));
            if (ud?.Played !== true) problems.push(`markPlayedItem answered Played ${ud?.Played}`);
            if (ud?.ItemId !== undefined && ud.ItemId !== item.Id) problems.push(`markPlayedItem answered ItemId ${ud.ItemId}, want ${item.Id}`);
            if ((await userData(item.Id)).Played !== true) problems.push('getItem UserData.Played is not true after markPlayedItem');
            const played = await getItemsAll({ recursive: true, includeItemTypes: ['Movie'], filters: ['IsPlayed'] });
            if (!played.Items.some(i => i.Id === item.Id)) problems.push(`Filters=IsPlayed lacks '${item.Name}'`);
            const unplayed = await getItemsAll({ recursive: true, includeItemTypes: ['Movie'], filters: ['IsUnplayed'] });
            if (unplayed.Items.some(i => i.Id === item.Id)) problems.push(`Filters=IsUnplayed lists the played '${item.Name}'`);
            const isPlayedParam = await getItemsAll({ recursive: true, includeItemTypes: ['Movie'], isPlayed: true });
            if (!isPlayedParam.Items.some(i => i.Id === item.Id)) problems.push(`isPlayed=true lacks '${item.Name}'`);
            const { data: un } = await playstate.markUnplayedItem({ itemId: item.Id, userId: ctx.userId });
            if (un?.Played !== false) problems.push(`markUnplayedItem answered Played ${un?.Played}`);
            const unplayedAfter = await getItemsAll({ recursive: true, includeItemTypes: ['Movie'], filters: ['IsUnplayed'] });
            if (!unplayedAfter.Items.some(i => i.Id === item.Id)) problems.push(`Filters=IsUnplayed lacks '${item.Name}' after markUnplayedItem`);
        } finally {
            await restoreUserData(snap);
        }
        problemsToFailure(problems);
    });

    await runner.check('playstate: markFavoriteItem / unmarkFavoriteItem + IsFavorite', async () => {
        const movies = need('movies', 'movie list');
        const item = movies['Sintel Test'];
        assert(item, "'Sintel Test' not listed");
        const lib = getUserLibraryApi(api);
        const problems = [];
        const snap = await snapshotUserData([item.Id]);
        try {
            const { data: ud } = await lib.markFavoriteItem({ itemId: item.Id, userId: ctx.userId });
            problems.push(...expectFields('UserItemDataDto (UserFavoriteItems POST)', ud, USER_DATA_RULES));
            if (ud?.IsFavorite !== true) problems.push(`markFavoriteItem answered IsFavorite ${ud?.IsFavorite}`);
            if ((await userData(item.Id)).IsFavorite !== true) problems.push('getItem UserData.IsFavorite is not true');
            const favs = await getItemsAll({ recursive: true, includeItemTypes: ['Movie'], filters: ['IsFavorite'] });
            if (!favs.Items.some(i => i.Id === item.Id)) problems.push(`Filters=IsFavorite lacks '${item.Name}' (${show(favs.Items.map(i => i.Name))})`);
            if (favs.Items.some(i => i.UserData && i.UserData.IsFavorite !== true)) problems.push('Filters=IsFavorite lists non-favourites');
            const { data: un } = await lib.unmarkFavoriteItem({ itemId: item.Id, userId: ctx.userId });
            if (un?.IsFavorite !== false) problems.push(`unmarkFavoriteItem answered IsFavorite ${un?.IsFavorite}`);
            const after = await getItemsAll({ recursive: true, includeItemTypes: ['Movie'], filters: ['IsFavorite'] });
            if (after.Items.some(i => i.Id === item.Id)) problems.push('still IsFavorite after unmarkFavoriteItem');
        } finally {
            await restoreUserData(snap);
        }
        problemsToFailure(problems);
    });

    await runner.check('tv: getNextUp after watching S01E01', async () => {
        const episodes = need('episodes', 'episode walk');
        const e1 = episodes['Sample Show S01E01'];
        const e2 = episodes['Sample Show S01E02'];
        assert(e1 && e2, `episodes S01E01/S01E02 of 'Sample Show' not found (${show(Object.keys(episodes))})`);
        const playstate = getPlaystateApi(api);
        const tv = getTvShowsApi(api);
        const problems = [];
        const showEpisodes = Object.entries(episodes).filter(([k]) => k.startsWith('Sample Show ')).map(([, e]) => e.Id);
        const snap = await snapshotUserData(showEpisodes);
        try {
            // Start from a clean slate: only S01E01 watched.
            for (const id of showEpisodes) await playstate.markUnplayedItem({ itemId: id, userId: ctx.userId });
            await playstate.markPlayedItem({ itemId: e1.Id, userId: ctx.userId });
            const bySeries = (await tv.getNextUp({ userId: ctx.userId, seriesId: e1.SeriesId, fields: ['PrimaryImageAspectRatio', 'DateCreated', 'Path', 'MediaSourceCount'] })).data;
            problems.push(...expectQueryResult('NextUp (seriesId)', bySeries));
            const first = bySeries?.Items?.[0];
            if (first?.Id !== e2.Id) problems.push(`NextUp for 'Sample Show' starts with ${first ? itemLabel(first) : 'nothing'}, want S01E02 '${e2.Name}'`);
            else {
                problems.push(...expectVideoItem(first, ctx.serverId));
                problems.push(...expectFields(itemLabel(first), first, [['SeriesId', v => v === e1.SeriesId, 'the series'], ['SeriesName', v => v === 'Sample Show', "'Sample Show'"]]));
            }
            const home = (await tv.getNextUp({
                userId: ctx.userId, limit: 24, fields: ['PrimaryImageAspectRatio', 'DateCreated', 'Path', 'MediaSourceCount'],
                imageTypeLimit: 1, enableImageTypes: ['Primary', 'Backdrop', 'Banner', 'Thumb'], enableTotalRecordCount: false,
                disableFirstEpisode: false, nextUpDateCutoff: new Date(Date.now() - 365 * 86400000).toISOString(),
                enableResumable: false, enableRewatching: false,
            })).data;
            if (!home?.Items?.some(i => i.Id === e2.Id)) problems.push(`home-screen NextUp lacks S01E02 (${show(home?.Items?.map(i => i.Name))})`);
        } finally {
            await restoreUserData(snap);
        }
        problemsToFailure(problems);
    });

    // ---- schema summary ----------------------------------------------------------------------
    await runner.check('schema: SDK JSON responses were validated against the 10.11 spec', async () => {
        assert(stats.validated >= 20, `only ${stats.validated} JSON responses were validated`);
        problemsToFailure(runner.unattributed.map(p => `outside a check: ${p}`));
    });
}

main()
    .catch(err => {
        console.log(`FAIL suite: ${err?.stack?.split('\n').slice(0, 2).join(' ') ?? err}`);
        runner.failed += 1;
    })
    .finally(() => {
        process.exitCode = runner.summary();
    });
