# Sourced by /init (busybox sh): load_environment FILE IMAGE exports the agent's settings from the
# host's environment file. KEY=VALUE lines, systemd EnvironmentFile style ('#' and ';' comments,
# optional 'export ', one pair of surrounding quotes removed, CRLF tolerated). Values are never
# printed: they may be secret. The file comes from the host, which a confidential VM does not
# trust, so the image fixes what would hand the host code or the computation's data, and passes
# only the agent's own families of variables. IMAGE is release or dev (-Deos.emulated=true).
load_environment() {
  _file="$1"
  _image="$2"
  _cr="$(printf '\r')"
  _n=0
  while IFS= read -r _line || [ -n "$_line" ]; do
    _n=$((_n + 1))
    _line="${_line%"$_cr"}"
    case "$_line" in ''|'#'*|';'*) continue ;; esac
    case "$_line" in
      *=*) ;;
      *) echo "cocos-eos: $_file line $_n has no '=': ignored"; continue ;;
    esac
    _key="${_line%%=*}"
    _value="${_line#*=}"
    _key="${_key#export }"
    case "$_key" in
      ''|[0-9]*|*[!A-Za-z0-9_]*)
        echo "cocos-eos: $_file line $_n: not a variable name: ignored"; continue ;;
    esac
    case "$_key" in
      # Fixed by the image: the work folder is the RAM-backed /cocos (anywhere else could be the
      # host's share), hot deploy stays off (code the launch measurement does not cover), the TPM
      # is the guest's own device.
      AGENT_WORK_DIR|AGENT_PLUGINS_DIR|AGENT_VTPM_DEVICE)
        echo "cocos-eos: $_file line $_n: $_key is fixed by the image: ignored"; continue ;;
      # Relaxations that expose uploads (plaintext) or accept replayable signatures, and the
      # emulated TEE's settings: only a development image honours them.
      AGENT_ALLOW_PLAINTEXT|AGENT_AUTH_LEGACY|AGENT_EMULATED_*)
        if [ "$_image" != dev ]; then
          echo "cocos-eos: $_file line $_n: $_key is honoured only by a development image: ignored"
          continue
        fi ;;
      AGENT_*|AWS_*|ATTESTATION_*|AZURE_*|COCOS_*) ;;
      *)
        echo "cocos-eos: $_file line $_n: $_key is not an agent setting (AGENT_*, AWS_*, ATTESTATION_*, AZURE_*, COCOS_*): ignored"
        continue ;;
    esac
    case "$_value" in
      \"*\") _value="${_value#\"}"; _value="${_value%\"}" ;;
      \'*\') _value="${_value#\'}"; _value="${_value%\'}" ;;
    esac
    export "$_key=$_value"
  done < "$_file"
  unset _file _image _cr _n _line _key _value
}
