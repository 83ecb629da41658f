# Shared by scripts/serve.sh and scripts/test.sh (sourced, not run).

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Install the Debian packages that are missing (Debian/Ubuntu with apt only).
ensure_apt_packages() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if ! command -v apt-get >/dev/null; then
        echo "please install these packages with your package manager: ${missing[*]}" >&2
        return 1
    fi
    echo "installing ${missing[*]} with apt-get" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# ensure_venv DIR PYTHON [--system-site-packages]
ensure_venv() {
    local dir=$1 python=$2
    shift 2
    if [ ! -x "$dir/bin/python" ]; then
        "$python" -m venv "$@" "$dir"
        "$dir/bin/pip" install --quiet --disable-pip-version-check --upgrade pip
    fi
}
