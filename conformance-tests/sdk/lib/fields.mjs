// The fields jellyfin-web / SDK clients read (CLIENT-CONTRACT.md §3, §4, §5), as predicates.
// Each `expect*` returns a list of problems ("Movie 'X': UserData.Played missing") so a check
// can report every gap at once.

export const HEX32 = /^[0-9a-f]{32}$/;

const isStr = v => typeof v === 'string' && v.length > 0;
const isBool = v => typeof v === 'boolean';
const isNum = v => typeof v === 'number' && Number.isFinite(v);
const isInt = v => Number.isInteger(v);
const isObj = v => v !== null && typeof v === 'object' && !Array.isArray(v);
const isArr = Array.isArray;
const isId = v => typeof v === 'string' && HEX32.test(v);

export const is = { str: isStr, bool: isBool, num: isNum, int: isInt, obj: isObj, arr: isArr, id: isId };

function get(obj, path) {
    return path.split('.').reduce((cur, key) => (cur === null || cur === undefined ? undefined : cur[key]), obj);
}

/**
 * rules: [[path, predicate, description]]; a missing value fails its predicate.
 */
export function expectFields(label, obj, rules) {
    const problems = [];
    if (!isObj(obj)) return [`${label}: not an object (${JSON.stringify(obj)?.slice(0, 60)})`];
    for (const [path, pred, desc] of rules) {
        const value = get(obj, path);
        if (!pred(value)) {
            problems.push(`${label}: ${path} ${value === undefined ? 'missing' : `is ${JSON.stringify(value)?.slice(0, 60)}`}, want ${desc}`);
        }
    }
    return problems;
}

export function itemLabel(item) {
    return `${item?.Type ?? '?'} '${item?.Name ?? item?.Id ?? '?'}'`;
}

/** UserItemDataDto as clients read it (web indicators, resume rows, played toggles). */
export const USER_DATA_RULES = [
    ['PlaybackPositionTicks', isInt, 'an integer'],
    ['PlayCount', isInt, 'an integer'],
    ['IsFavorite', isBool, 'a boolean'],
    ['Played', isBool, 'a boolean'],
    ['Key', isStr, 'a string'],
    ['ItemId', isId, '32-hex item id'],
];

/** The core set DtoService always emits for any BaseItemDto (§5). */
export function expectCoreItem(item, serverId) {
    const label = itemLabel(item);
    return expectFields(label, item, [
        ['Id', isId, '32 lower-case hex digits'],
        ['Name', isStr, 'a non-empty string'],
        ['ServerId', v => v === serverId, `the public-info Id ${serverId}`],
        ['Type', isStr, 'a BaseItemKind'],
        ['IsFolder', isBool, 'a boolean'],
        ['ImageTags', isObj, 'an object (may be {})'],
        ['BackdropImageTags', isArr, 'an array (may be [])'],
        ['ImageBlurHashes', isObj, 'an object (may be {})'],
        ['LocationType', isStr, "a LocationType ('FileSystem' for files on disk)"],
    ]);
}

/** A video file item (Movie / Episode / Video) in a list or detail response. */
export function expectVideoItem(item, serverId, { userData = true } = {}) {
    const label = itemLabel(item);
    const problems = expectCoreItem(item, serverId);
    problems.push(...expectFields(label, item, [
        ['IsFolder', v => v === false, 'false'],
        ['MediaType', v => v === 'Video', "'Video'"],
        ['RunTimeTicks', v => isInt(v) && v > 0, 'positive ticks'],
        ['LocationType', v => v === 'FileSystem', "'FileSystem'"],
        ['VideoType', v => v === 'VideoFile', "'VideoFile'"],
        ['Container', isStr, 'the container, e.g. mkv / mp4'],
    ]));
    if (userData) problems.push(...expectFields(label, item.UserData, USER_DATA_RULES).map(p => `${label} UserData.${p.slice(p.indexOf(': ') + 2)}`));
    return problems;
}

/** A folder item (Series / Season / Folder / CollectionFolder). */
export function expectFolderItem(item, serverId, { userData = true } = {}) {
    const label = itemLabel(item);
    const problems = expectCoreItem(item, serverId);
    problems.push(...expectFields(label, item, [['IsFolder', v => v === true, 'true']]));
    if (userData) {
        problems.push(...expectFields(label, item, [
            ['UserData.Played', isBool, 'a boolean'],
            ['UserData.IsFavorite', isBool, 'a boolean'],
            ['UserData.UnplayedItemCount', isInt, 'an integer (season/series cards show it)'],
        ]));
    }
    return problems;
}

export function expectQueryResult(label, result, { startIndex } = {}) {
    const rules = [
        ['Items', isArr, 'an array'],
        ['TotalRecordCount', isInt, 'an integer (drives paging)'],
    ];
    if (startIndex !== undefined) rules.push(['StartIndex', v => v === startIndex, String(startIndex)]);
    return expectFields(label, result, rules);
}

/** MediaSourceInfo as PlaybackInfo consumers read it (§3.1 step 17, §3.4, §5). */
export function expectMediaSource(label, source) {
    return expectFields(label, source, [
        ['Id', isStr, 'a string id'],
        ['Path', isStr, 'the file path'],
        ['Protocol', v => v === 'File', "'File'"],
        ['Type', v => v === 'Default', "'Default'"],
        ['Container', isStr, 'a container'],
        ['Name', isStr, 'a name'],
        ['IsRemote', v => v === false, 'false'],
        ['ETag', isStr, 'a string'],
        ['RunTimeTicks', v => isInt(v) && v > 0, 'positive ticks'],
        ['Size', v => isInt(v) && v > 0, 'the file size'],
        ['Bitrate', v => isInt(v) && v > 0, 'a bitrate'],
        ['SupportsDirectPlay', isBool, 'a boolean (Kodi indexes it)'],
        ['SupportsDirectStream', isBool, 'a boolean (Kodi indexes it)'],
        ['SupportsTranscoding', isBool, 'a boolean'],
        ['IsInfiniteStream', isBool, 'a boolean'],
        ['RequiresOpening', isBool, 'a boolean'],
        ['RequiresClosing', isBool, 'a boolean'],
        ['VideoType', v => v === 'VideoFile', "'VideoFile'"],
        ['RequiredHttpHeaders', isObj, 'an object'],
        ['MediaAttachments', isArr, 'an array'],
        ['Formats', isArr, 'an array'],
        ['MediaStreams', v => isArr(v) && v.length > 0, 'a non-empty array'],
        ['DefaultAudioStreamIndex', isInt, 'the default audio stream index'],
    ]);
}

/** MediaStream as web / Kodi / mpv-shim read it (§5). */
export function expectMediaStream(label, stream) {
    const rules = [
        ['Index', isInt, 'an integer'],
        ['Type', v => ['Video', 'Audio', 'Subtitle', 'EmbeddedImage', 'Data', 'Lyric'].includes(v), 'a MediaStreamType'],
        ['Codec', isStr, 'a codec name'],
        ['IsDefault', isBool, 'a boolean'],
        ['IsForced', isBool, 'a boolean'],
        ['IsExternal', isBool, 'a boolean (Kodi indexes it)'],
        ['IsTextSubtitleStream', isBool, 'a boolean'],
        ['SupportsExternalStream', isBool, 'a boolean (Kodi indexes it)'],
        ['DisplayTitle', isStr, 'a display title (track menus)'],
    ];
    if (stream?.Type === 'Video') {
        rules.push(
            ['Width', v => isInt(v) && v > 0, 'the width'],
            ['Height', v => isInt(v) && v > 0, 'the height'],
            ['AverageFrameRate', v => isNum(v) && v > 0, 'a frame rate'],
            ['RealFrameRate', v => isNum(v) && v > 0, 'a frame rate'],
            ['Profile', isStr, 'the codec profile'],
            ['PixelFormat', isStr, 'the pixel format'],
            ['VideoRange', v => v === 'SDR', "'SDR'"],
            ['VideoRangeType', v => v === 'SDR', "'SDR'"],
            ['IsInterlaced', isBool, 'a boolean'],
        );
    } else if (stream?.Type === 'Audio') {
        rules.push(
            ['Channels', v => isInt(v) && v > 0, 'the channel count'],
            ['SampleRate', v => isInt(v) && v > 0, 'the sample rate'],
            ['ChannelLayout', isStr, 'the channel layout'],
        );
    }
    return expectFields(`${label} stream ${stream?.Index ?? '?'}`, stream, rules);
}

/** UserDto as web reads it after login (§3.1 step 6, §4 #8). */
export function expectUser(label, user, serverId) {
    return expectFields(label, user, [
        ['Id', isId, '32-hex user id'],
        ['Name', isStr, 'the user name'],
        ['ServerId', v => v === serverId, `the public-info Id ${serverId}`],
        ['HasPassword', isBool, 'a boolean'],
        ['HasConfiguredPassword', isBool, 'a boolean'],
        ['EnableAutoLogin', isBool, 'a boolean'],
        ['Policy.IsAdministrator', isBool, 'a boolean'],
        ['Policy.EnableMediaPlayback', isBool, 'a boolean'],
        ['Policy.EnableVideoPlaybackTranscoding', isBool, 'a boolean'],
        ['Policy.EnableAllFolders', isBool, 'a boolean'],
        ['Configuration.PlayDefaultAudioTrack', isBool, 'a boolean'],
        ['Configuration.SubtitleMode', isStr, 'a SubtitlePlaybackMode'],
        ['Configuration.EnableNextEpisodeAutoPlay', isBool, 'a boolean'],
        ['Configuration.RememberAudioSelections', isBool, 'a boolean'],
        ['Configuration.RememberSubtitleSelections', isBool, 'a boolean'],
        ['Configuration.HidePlayedInLatest', isBool, 'a boolean'],
        ['Configuration.OrderedViews', isArr, 'an array'],
        ['Configuration.MyMediaExcludes', isArr, 'an array'],
        ['Configuration.LatestItemsExcludes', isArr, 'an array'],
    ]);
}

/** SessionInfoDto fields listed by §4 #11. */
export function expectSession(label, session) {
    return expectFields(label, session, [
        ['Id', isStr, 'a session id'],
        ['DeviceId', isStr, 'the device id'],
        ['UserId', isId, '32-hex user id'],
        ['UserName', isStr, 'the user name'],
        ['Client', isStr, 'the client name'],
        ['DeviceName', isStr, 'the device name'],
        ['ApplicationVersion', isStr, 'the client version'],
        ['IsActive', isBool, 'a boolean'],
        ['SupportsRemoteControl', isBool, 'a boolean'],
        ['SupportsMediaControl', isBool, 'a boolean'],
        ['PlayableMediaTypes', isArr, 'an array'],
        ['SupportedCommands', isArr, 'an array'],
        ['PlayState', isObj, 'an object'],
        ['LastActivityDate', isStr, 'a date'],
    ]);
}
