package ai.cocos.runner.docker.internal;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.opentest4j.TestAbortedException;

/**
 * A real container engine for the tests: started once per test run with {@code
 * scripts/container-engine.sh start} in a private folder (dockerd by default; {@code
 * COCOS_CONTAINER_ENGINE=podman} for podman) and stopped when the run ends. {@code
 * COCOS_TEST_DOCKER_HOST=unix:///...} uses an engine that is already running instead.
 *
 * <p>If the engine cannot be started (not installed, not root), the tests fail when {@code CI} is
 * set and are skipped otherwise, with the script's reason.
 */
final class ContainerEngine implements ExtensionContext.Store.CloseableResource, AutoCloseable {
  private final String host;
  private final Path dir;
  private final Path script;
  private final ScheduledExecutorService timer;
  private final EngineClient client;
  private boolean closed;

  private ContainerEngine(String host, Path dir, Path script) throws IOException {
    this.host = host;
    this.dir = dir;
    this.script = script;
    this.timer = Executors.newSingleThreadScheduledExecutor();
    this.client = new EngineClient(host, Duration.ofSeconds(30), timer);
    client.negotiate();
  }

  /** The engine address, as AGENT_DOCKER_HOST takes it. */
  String host() {
    return host;
  }

  /** A client for assertions on the engine's state. */
  EngineClient client() {
    return client;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    timer.shutdownNow();
    if (dir != null) {
      try {
        run(script, "stop", dir);
      } catch (IOException e) {
        System.err.println("could not stop the test container engine: " + e.getMessage());
      }
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        // best effort: /tmp is cleaned eventually
      }
    }
  }

  static ContainerEngine start() {
    String given = System.getenv("COCOS_TEST_DOCKER_HOST");
    try {
      if (given != null && !given.isBlank()) {
        return new ContainerEngine(given.trim(), null, null);
      }
      Path script =
          Path.of(System.getProperty("cocos.engine.script", "../../scripts/container-engine.sh"))
              .toAbsolutePath()
              .normalize();
      // Short: unix socket paths are limited to 107 bytes.
      Path dir = Files.createTempDirectory(Path.of("/tmp"), "cocos-engine-");
      String out = run(script, "start", dir).trim();
      String host = out.lines().reduce((a, b) -> b).orElse("");
      ContainerEngine engine = new ContainerEngine(host, dir, script);
      Runtime.getRuntime().addShutdownHook(new Thread(engine::close, "stop-test-engine"));
      return engine;
    } catch (IOException e) {
      String why = "no container engine for the docker runner's tests: " + e.getMessage();
      if (System.getenv("CI") != null) {
        return fail(why);
      }
      throw new TestAbortedException(why + " (skipped: CI is not set)");
    }
  }

  private static String run(Path script, String action, Path dir) throws IOException {
    Process p =
        new ProcessBuilder("bash", script.toString(), action, dir.toString())
            .redirectErrorStream(false)
            .start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(script + " " + action + " did not finish within 60 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (p.exitValue() != 0) {
      throw new IOException(
          script.getFileName()
              + " "
              + action
              + " failed: "
              + new String(err, StandardCharsets.UTF_8).trim());
    }
    return new String(out, StandardCharsets.UTF_8);
  }

  /** Resolves {@link ContainerEngine} parameters: one engine for the whole test run. */
  static final class Extension implements ParameterResolver {
    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
      return p.getParameter().getType() == ContainerEngine.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext c) {
      return c.getRoot()
          .getStore(ExtensionContext.Namespace.create(ContainerEngine.class))
          .getOrComputeIfAbsent("engine", k -> start(), ContainerEngine.class);
    }
  }
}
