package ai.cocos.runner.python.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Validated settings of the {@code python} runner, taken from {@link PythonRunnerConfig}.
 *
 * @param interpreter the interpreter that creates the virtual environments
 * @param systemSitePackages whether environments see the interpreter's packages
 * @param indexUrl the package index, if any
 * @param wheelhouse the wheel folder, if any
 * @param onlyBinary whether only wheels may be installed
 * @param requireHashes whether requirements must be hash-pinned
 * @param killGrace time between SIGTERM and SIGKILL
 * @param maxLineBytes the longest output line delivered in one piece
 * @param path the {@code PATH} after the environment's {@code bin}
 */
record PythonSettings(
    Path interpreter,
    boolean systemSitePackages,
    Optional<URI> indexUrl,
    Optional<Path> wheelhouse,
    boolean onlyBinary,
    boolean requireHashes,
    Duration killGrace,
    int maxLineBytes,
    String path) {

  /** The smallest accepted line limit: below it, ordinary log lines would be split. */
  static final int MIN_LINE_BYTES = 1024;

  /** Validates the values, naming the offending one. */
  PythonSettings {
    Objects.requireNonNull(interpreter, "interpreter");
    Objects.requireNonNull(indexUrl, "indexUrl");
    Objects.requireNonNull(wheelhouse, "wheelhouse");
    Objects.requireNonNull(killGrace, "killGrace");
    Objects.requireNonNull(path, "path");
    if (!interpreter.isAbsolute()) {
      throw new IllegalArgumentException(
          "python runner: interpreter must be an absolute path (AGENT_PYTHON_INTERPRETER), was "
              + interpreter);
    }
    if (wheelhouse.isPresent() && !wheelhouse.get().isAbsolute()) {
      throw new IllegalArgumentException(
          "python runner: wheelhouse must be an absolute path (AGENT_PYTHON_WHEELHOUSE), was "
              + wheelhouse.get());
    }
    if (killGrace.isNegative()) {
      throw new IllegalArgumentException(
          "python runner: killGraceMillis must not be negative, was " + killGrace.toMillis());
    }
    if (maxLineBytes < MIN_LINE_BYTES) {
      throw new IllegalArgumentException(
          "python runner: maxLineBytes must be at least "
              + MIN_LINE_BYTES
              + ", was "
              + maxLineBytes);
    }
    if (path.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("python runner: path contains a NUL character");
    }
  }

  /**
   * Reads the settings from the component configuration.
   *
   * @param config the configuration
   * @return the validated settings
   * @throws IllegalArgumentException naming the invalid value
   */
  static PythonSettings from(PythonRunnerConfig config) {
    return new PythonSettings(
        Path.of(config.interpreter().trim()),
        config.systemSitePackages(),
        indexUrl(config.indexUrl()),
        config.wheelhouse().isBlank()
            ? Optional.empty()
            : Optional.of(Path.of(config.wheelhouse().trim())),
        config.onlyBinary(),
        config.requireHashes(),
        Duration.ofMillis(config.killGraceMillis()),
        config.maxLineBytes(),
        config.path());
  }

  /**
   * The defaults of {@link PythonRunnerConfig}.
   *
   * @return the default settings
   */
  static PythonSettings defaults() {
    return new PythonSettings(
        Path.of("/usr/bin/python3"),
        false,
        Optional.empty(),
        Optional.empty(),
        true,
        false,
        Duration.ofMillis(2000),
        65536,
        "/usr/local/bin:/usr/bin:/bin");
  }

  /**
   * Parses an index URL: {@code https}, {@code http} or {@code file}, nothing else.
   *
   * @param value the configured text, may be blank
   * @return the URL, or empty when blank
   * @throws IllegalArgumentException naming what is wrong (without echoing credentials)
   */
  static Optional<URI> indexUrl(String value) {
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    URI uri;
    try {
      uri = new URI(value.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "python runner: indexUrl (AGENT_PYTHON_INDEX_URL) is not a valid URL: " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http") && !scheme.equals("file")) {
      throw new IllegalArgumentException(
          "python runner: indexUrl (AGENT_PYTHON_INDEX_URL) must be an https, http or file URL,"
              + " was scheme '"
              + scheme
              + "'");
    }
    return Optional.of(uri);
  }

  /**
   * The index URL as it may appear in logs and events: without user name or password.
   *
   * @return the redacted URL, or empty
   */
  Optional<String> redactedIndexUrl() {
    return indexUrl.map(PythonSettings::redact);
  }

  static String redact(URI uri) {
    if (uri.getRawUserInfo() == null) {
      return uri.toString();
    }
    return uri.toString().replace(uri.getRawUserInfo() + "@", "***@");
  }
}
