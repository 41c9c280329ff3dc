package ai.cocos.runner.docker.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The Docker Engine API calls the runner makes, over the engine's unix socket. Works with dockerd
 * and with podman's Docker-compatible service.
 *
 * <p>Short calls (inspect, create, start, remove) are bounded by a call timeout: a connection the
 * engine does not answer on in time is closed. Long calls (image load, attach, wait) take a
 * connection the caller opened and may close at any time to abort.
 *
 * <p>The API version is negotiated as the Docker client does: the lower of the engine's version and
 * {@link #MAX_API}, refusing engines older than {@link #MIN_API}.
 */
final class EngineClient {
  /** The oldest API version the runner is tested with (Docker 20.10, podman 4). */
  static final ApiVersion MIN_API = new ApiVersion(1, 41);

  /** The newest API version whose behaviour the runner relies on (Docker 27). */
  static final ApiVersion MAX_API = new ApiVersion(1, 47);

  /** The longest ordinary engine response read into memory. */
  static final int MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

  private final String host;
  private final Path socket;
  private final Duration callTimeout;
  private final ScheduledExecutorService timer;
  private volatile String prefix;

  /**
   * An API version, {@code major.minor}.
   *
   * @param major the major number
   * @param minor the minor number
   */
  record ApiVersion(int major, int minor) implements Comparable<ApiVersion> {
    static ApiVersion parse(String text) throws ProtocolException {
      String[] parts = text == null ? new String[0] : text.trim().split("\\.");
      try {
        if (parts.length == 2) {
          return new ApiVersion(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new ProtocolException("engine reports API version '" + text + "'");
    }

    @Override
    public int compareTo(ApiVersion o) {
      return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
    }

    @Override
    public String toString() {
      return major + "." + minor;
    }
  }

  /**
   * Creates a client.
   *
   * @param host the engine address, {@code unix:///path/to/socket}
   * @param callTimeout how long a short call may take
   * @param timer runs the call timeouts
   * @throws IllegalArgumentException if the address is not a unix socket URL
   */
  EngineClient(String host, Duration callTimeout, ScheduledExecutorService timer) {
    this.host = Objects.requireNonNull(host, "host");
    this.socket = socketPath(host);
    this.callTimeout = Objects.requireNonNull(callTimeout, "callTimeout");
    this.timer = Objects.requireNonNull(timer, "timer");
  }

  /**
   * The socket file of a {@code unix://} address.
   *
   * @param host the address, e.g. {@code unix:///var/run/docker.sock}
   * @return the absolute socket path
   * @throws IllegalArgumentException naming what is wrong with the address
   */
  static Path socketPath(String host) {
    String h = host.trim();
    if (!h.startsWith("unix://")) {
      throw new IllegalArgumentException(
          "docker runner: AGENT_DOCKER_HOST must be unix:///path/to/engine.sock (the engine API is"
              + " only used over a local unix socket), was '"
              + h
              + "'");
    }
    String path = h.substring("unix://".length());
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException(
          "docker runner: AGENT_DOCKER_HOST must name an absolute socket path, was '" + h + "'");
    }
    return Path.of(path).normalize();
  }

  /** The engine address as configured. */
  String host() {
    return host;
  }

  /** The engine's socket file. */
  Path socket() {
    return socket;
  }

  /**
   * Checks that the engine answers {@code GET /_ping} with {@code OK}.
   *
   * @throws IOException naming what failed
   */
  void ping() throws IOException {
    Response r = call("GET", "/_ping", null, callTimeout);
    String text = new String(r.body(), StandardCharsets.UTF_8).trim();
    if (r.status() != 200 || !text.equals("OK")) {
      throw new EngineException(r.status(), "GET /_ping answered " + r.status() + " " + text);
    }
  }

  /**
   * Negotiates the API version; later calls use it.
   *
   * @return the engine as it describes itself, e.g. {@code Docker Engine 20.10.24, API 1.41}
   * @throws IOException if the engine is unreachable or too old
   */
  String negotiate() throws IOException {
    Response r = call("GET", "/version", null, callTimeout);
    if (r.status() != 200) {
      throw error("GET /version", r);
    }
    Map<String, Object> v = Json.object(r.body());
    ApiVersion engine = ApiVersion.parse(Json.string(v, "ApiVersion"));
    String name = engineName(v);
    if (engine.compareTo(MIN_API) < 0) {
      throw new EngineException(
          0,
          name
              + " speaks Docker Engine API "
              + engine
              + "; the docker runner needs "
              + MIN_API
              + " or newer (Docker 20.10+, podman 4+)");
    }
    String minText = Json.string(v, "MinAPIVersion");
    ApiVersion use = engine.compareTo(MAX_API) > 0 ? MAX_API : engine;
    if (minText != null && ApiVersion.parse(minText).compareTo(use) > 0) {
      // Engines that dropped old versions (Docker 29 needs 1.44+): speak their oldest one.
      use = ApiVersion.parse(minText);
    }
    prefix = "/v" + use;
    return name + " (API " + use + ")";
  }

  /**
   * Negotiates the API version unless that was done already.
   *
   * @throws IOException if the engine is unreachable or too old
   */
  void ensureNegotiated() throws IOException {
    if (prefix == null) {
      negotiate();
    }
  }

  private static String engineName(Map<String, Object> version) {
    String platform = Json.string(version, "Platform", "Name");
    String number = Json.string(version, "Version");
    return (platform == null || platform.isBlank() ? "container engine" : platform)
        + (number == null ? "" : " " + number);
  }

  /**
   * Opens a connection for a long call.
   *
   * @return the connection; the caller closes it
   * @throws IOException if the engine does not accept connections
   */
  UnixHttpConnection connect() throws IOException {
    return UnixHttpConnection.open(socket);
  }

  /**
   * Loads an image archive, streaming it from disk.
   *
   * @param c a fresh connection (closing it aborts the load)
   * @param archive the archive
   * @return what the engine says it loaded, e.g. {@code Loaded image: name:tag} or {@code Loaded
   *     image ID: sha256:...}, one entry per line
   * @throws IOException if the engine refuses the archive (the message is the engine's)
   */
  List<String> loadImage(UnixHttpConnection c, Path archive) throws IOException {
    try {
      c.send("POST", api("/images/load?quiet=1"), "application/x-tar", archive);
    } catch (IOException e) {
      // An engine that refuses early closes the upload; its answer says why, if it sent one.
      if (c.isClosed()) {
        throw e;
      }
      int status;
      try {
        status = c.readHead();
      } catch (IOException none) {
        throw e;
      }
      throw error("POST /images/load", status, c.readBody(MAX_RESPONSE_BYTES));
    }
    int status = c.readHead();
    byte[] body = c.readBody(MAX_RESPONSE_BYTES);
    if (status != 200) {
      throw error("POST /images/load", status, body);
    }
    List<String> loaded = new ArrayList<>();
    for (Object message : Json.parseAll(body)) {
      String error = Json.string(message, "error");
      if (error == null) {
        error = Json.string(message, "errorDetail", "message");
      }
      if (error != null) {
        throw new EngineException(status, "the engine refused the image archive: " + error);
      }
      String stream = Json.string(message, "stream");
      if (stream != null) {
        for (String line : stream.split("\n")) {
          if (!line.isBlank()) {
            loaded.add(line.trim());
          }
        }
      }
    }
    return loaded;
  }

  /**
   * Inspects an image.
   *
   * @param ref an ID ({@code sha256:...}) or name
   * @return the inspection, or {@code null} if there is no such image
   * @throws IOException if the call fails
   */
  Map<String, Object> inspectImage(String ref) throws IOException {
    Response r = call("GET", api("/images/" + path(ref) + "/json"), null, callTimeout);
    if (r.status() == 404) {
      return null;
    }
    if (r.status() != 200) {
      throw error("GET /images/" + ref + "/json", r);
    }
    return Json.object(r.body());
  }

  /**
   * Removes an image with all its names. A missing image is not an error.
   *
   * @param id the image ID
   * @throws IOException if the engine refuses
   */
  void removeImage(String id) throws IOException {
    Response r = call("DELETE", api("/images/" + path(id) + "?force=1"), null, callTimeout);
    if (r.status() != 200 && r.status() != 404) {
      throw error("DELETE /images/" + id, r);
    }
  }

  /**
   * Creates a container.
   *
   * @param name its name
   * @param spec the creation request body
   * @return the container's ID
   * @throws EngineException with status 409 if the name is taken, 404 if the image is missing
   * @throws IOException if the call fails
   */
  String createContainer(String name, Map<String, Object> spec) throws IOException {
    Response r =
        call("POST", api("/containers/create?name=" + query(name)), Json.write(spec), callTimeout);
    if (r.status() != 201) {
      throw error("POST /containers/create", r);
    }
    String id = Json.string(Json.object(r.body()), "Id");
    if (id == null || id.isBlank()) {
      throw new ProtocolException("engine created a container without telling its ID");
    }
    return id;
  }

  /**
   * Attaches to a container's standard output and error (before it starts, so no output is missed).
   *
   * @param c a fresh connection (closing it ends the stream)
   * @param id the container
   * @return the multiplexed output stream (see {@link StreamFrames}); it ends when the container
   *     exits
   * @throws IOException if the engine refuses
   */
  InputStream attach(UnixHttpConnection c, String id) throws IOException {
    c.send(
        "POST",
        api("/containers/" + path(id) + "/attach?stream=1&stdout=1&stderr=1"),
        List.of("Connection: Upgrade", "Upgrade: tcp"),
        null,
        null);
    int status = c.readHead();
    // 101 with the upgrade; engines that hijack without it answer 200 and stream just the same.
    if (status != 101 && status != 200) {
      throw error("POST /containers/" + id + "/attach", status, c.readBody(MAX_RESPONSE_BYTES));
    }
    return c.body();
  }

  /**
   * Starts a created container.
   *
   * @param id the container
   * @throws IOException if the engine refuses (e.g. the command does not exist in the image)
   */
  void startContainer(String id) throws IOException {
    Response r = call("POST", api("/containers/" + path(id) + "/start"), null, callTimeout);
    if (r.status() != 204 && r.status() != 304) {
      throw error("POST /containers/" + id + "/start", r);
    }
  }

  /**
   * Waits until a started container is no longer running.
   *
   * @param c a fresh connection (closing it aborts the wait)
   * @param id the container
   * @return its exit code
   * @throws IOException if the wait fails
   */
  long waitContainer(UnixHttpConnection c, String id) throws IOException {
    c.send(
        "POST",
        api("/containers/" + path(id) + "/wait?condition=not-running"),
        List.of(),
        null,
        null);
    int status = c.readHead();
    byte[] body = c.readBody(MAX_RESPONSE_BYTES);
    if (status != 200) {
      throw error("POST /containers/" + id + "/wait", status, body);
    }
    Map<String, Object> result = Json.object(body);
    String error = Json.string(result, "Error", "Message");
    if (error != null && !error.isBlank()) {
      throw new EngineException(status, "waiting for the container failed: " + error);
    }
    if (!(result.get("StatusCode") instanceof Long code)) {
      throw new ProtocolException("engine's wait response has no StatusCode");
    }
    return code;
  }

  /**
   * Stops a container: SIGTERM, then SIGKILL after the grace. A container that is not running or is
   * gone is not an error.
   *
   * @param id the container
   * @param graceSeconds seconds between the signals
   * @throws IOException if the engine refuses
   */
  void stopContainer(String id, int graceSeconds) throws IOException {
    Response r =
        call(
            "POST",
            api("/containers/" + path(id) + "/stop?t=" + graceSeconds),
            null,
            callTimeout.plusSeconds(graceSeconds));
    if (r.status() != 204 && r.status() != 304 && r.status() != 404) {
      throw error("POST /containers/" + id + "/stop", r);
    }
  }

  /**
   * Inspects a container.
   *
   * @param id the container
   * @return the inspection, or {@code null} if it does not exist
   * @throws IOException if the call fails
   */
  Map<String, Object> inspectContainer(String id) throws IOException {
    Response r = call("GET", api("/containers/" + path(id) + "/json"), null, callTimeout);
    if (r.status() == 404) {
      return null;
    }
    if (r.status() != 200) {
      throw error("GET /containers/" + id + "/json", r);
    }
    return Json.object(r.body());
  }

  /**
   * Removes a container (killing it if it still runs) with its anonymous volumes. A missing
   * container is not an error.
   *
   * @param id the container ID or name
   * @throws IOException if the engine refuses
   */
  void removeContainer(String id) throws IOException {
    Response r = call("DELETE", api("/containers/" + path(id) + "?force=1&v=1"), null, callTimeout);
    if (r.status() != 204 && r.status() != 404) {
      throw error("DELETE /containers/" + id, r);
    }
  }

  /**
   * Lists containers, including stopped ones, carrying a label.
   *
   * @param label {@code name=value}
   * @return the list entries
   * @throws IOException if the call fails
   */
  List<Object> listContainers(String label) throws IOException {
    String filters = "{\"label\":[" + new String(Json.write(label), StandardCharsets.UTF_8) + "]}";
    Response r =
        call("GET", api("/containers/json?all=1&filters=" + query(filters)), null, callTimeout);
    if (r.status() != 200) {
      throw error("GET /containers/json", r);
    }
    if (!(Json.parse(r.body()) instanceof List<?> list)) {
      throw new ProtocolException("engine's container list is not an array");
    }
    return List.copyOf(list);
  }

  /** The response of a short call. */
  record Response(int status, byte[] body) {}

  private Response call(String method, String target, byte[] json, Duration timeout)
      throws IOException {
    UnixHttpConnection c = connect();
    ScheduledFuture<?> watchdog =
        timer.schedule(c::close, timeout.toMillis(), TimeUnit.MILLISECONDS);
    try {
      c.send(method, target, List.of(), json == null ? null : "application/json", json);
      int status = c.readHead();
      return new Response(status, c.readBody(MAX_RESPONSE_BYTES));
    } catch (IOException e) {
      // Only the watchdog closes the connection before the finally block does.
      if (c.isClosed()) {
        throw new EngineException(
            0,
            "the container engine at "
                + host
                + " did not answer "
                + method
                + " "
                + stripPrefix(target)
                + " within "
                + timeout.toSeconds()
                + " s");
      }
      throw e;
    } finally {
      watchdog.cancel(false);
      c.close();
    }
  }

  private String api(String path) {
    String p = prefix;
    if (p == null) {
      throw new IllegalStateException("negotiate() must come first");
    }
    return p + path;
  }

  private String stripPrefix(String target) {
    String p = prefix;
    String t = p != null && target.startsWith(p) ? target.substring(p.length()) : target;
    int q = t.indexOf('?');
    return q >= 0 ? t.substring(0, q) : t;
  }

  private static EngineException error(String what, Response r) {
    return error(what, r.status(), r.body());
  }

  /** The engine's errors are {@code {"message": "..."}}. */
  static EngineException error(String what, int status, byte[] body) {
    String message = null;
    try {
      message = Json.string(Json.parse(body), "message");
    } catch (ProtocolException e) {
      // not JSON: use the text
    }
    if (message == null) {
      String text = new String(body, StandardCharsets.UTF_8).trim();
      message = text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }
    return new EngineException(status, what + " failed (" + status + "): " + message);
  }

  /** A path segment: IDs and names keep {@code :} and {@code /} (the API routes accept them). */
  private static String path(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8)
        .replace("+", "%20")
        .replace("%3A", ":")
        .replace("%2F", "/");
  }

  private static String query(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
