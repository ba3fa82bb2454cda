# shellcheck shell=bash
# Small pieces shared by scripts/dev, scripts/test and bench/. Sourced, not run.

have() { command -v "$1" >/dev/null 2>&1; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    else
        sudo "$@"
    fi
}

# A loopback port that nothing answers on right now (bash's /dev/tcp, no extra tools). Another
# process may still take it before the caller binds it; callers that can retry do.
free_port() {
    local port _
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    return 1
}
