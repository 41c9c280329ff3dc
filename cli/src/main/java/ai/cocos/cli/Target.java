package ai.cocos.cli;

/**
 * A gRPC server address as the user wrote it: {@code host:port}, {@code [ipv6]:port}.
 *
 * @param host the host name or IP address (IPv6 without brackets)
 * @param port the TCP port, 1 to 65535
 */
record Target(String host, int port) {

  /** Validates the fields. */
  Target {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host is empty");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " is not between 1 and 65535");
    }
  }

  /**
   * Parses {@code host:port} or {@code [ipv6]:port}.
   *
   * @param text what the user wrote
   * @return the address
   * @throws IllegalArgumentException naming what is wrong and the expected form
   */
  static Target parse(String text) {
    String s = text.strip();
    String host;
    String port;
    if (s.startsWith("[")) {
      int close = s.indexOf("]:");
      if (close < 0) {
        throw invalid(text);
      }
      host = s.substring(1, close);
      port = s.substring(close + 2);
    } else {
      int colon = s.lastIndexOf(':');
      if (colon < 0 || s.indexOf(':') != colon || s.contains("/")) {
        throw invalid(text);
      }
      host = s.substring(0, colon);
      port = s.substring(colon + 1);
    }
    try {
      return new Target(host, Integer.parseInt(port));
    } catch (NumberFormatException e) {
      throw invalid(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid address '" + text + "': " + e.getMessage(), e);
    }
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException(
        "invalid address '" + text + "': expected HOST:PORT, for example localhost:7002");
  }

  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
